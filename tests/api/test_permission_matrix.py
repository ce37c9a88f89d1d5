"""One permission matrix for both protocols: who may enter a chatroom, read and write its channels, and manage it.

The rule is written once, below, in the domain's words; each protocol's driver (tests/api/drivers/) performs
every chatroom operation over HTTP as its real clients do and says which status code answers each refusal.
After a refusal nothing is stored; after an allowed write its row is there.
"""

import json
import re

import pytest
from rest_framework.test import APIClient

from chat.models import Participant
from tests.api.drivers.base import Driver, Need, Operation, Outcome
from tests.api.drivers.origam import OrigamDriver
from tests.api.drivers.teahaz import TeahazDriver
from tests.api.drivers.v1 import V1Driver
from tests.api.drivers.world import Caller, Standing, World, ban, build_world, stored_state

ADMIN, OWNER = Participant.Role.ADMIN, Participant.Role.OWNER

# Each caller, and its r/w/x on the target channel when that channel is public and when it is private.
# An explicit grant replaces the default (public: rw-, private: ---); the owner and admins have rwx everywhere.
RULES: dict[Caller, dict[str, str] | None] = {
    Caller("anonymous", Standing.ANONYMOUS): None,
    Caller("other_chatroom", Standing.OUTSIDER, elsewhere=True): None,
    Caller("banned", Standing.OUTSIDER, banned=True): None,
    Caller("member", Standing.MEMBER): {"public": "rw-", "private": "---"},
    Caller("member(---)", Standing.MEMBER, grant="---"): {"public": "---", "private": "---"},
    Caller("member(r--)", Standing.MEMBER, grant="r--"): {"public": "r--", "private": "r--"},
    Caller("member(-w-)", Standing.MEMBER, grant="-w-"): {"public": "-w-", "private": "-w-"},
    Caller("member(--x)", Standing.MEMBER, grant="--x"): {"public": "--x", "private": "--x"},
    Caller("member(rw-)", Standing.MEMBER, grant="rw-"): {"public": "rw-", "private": "rw-"},
    Caller("member(rwx)", Standing.MEMBER, grant="rwx"): {"public": "rwx", "private": "rwx"},
    Caller("admin", Standing.ADMIN, role=ADMIN): {"public": "rwx", "private": "rwx"},
    Caller("admin(---)", Standing.ADMIN, role=ADMIN, grant="---"): {"public": "rwx", "private": "rwx"},
    Caller("owner", Standing.ADMIN, role=OWNER): {"public": "rwx", "private": "rwx"},
}
# Channel grants say nothing about the chatroom itself: these stand for the rest where a channel is not at stake.
CHATROOM_CALLERS = ("anonymous", "other_chatroom", "banned", "member", "member(---)", "member(rwx)", "admin", "owner")
DRIVERS: tuple[Driver, ...] = (TeahazDriver(), OrigamDriver(), V1Driver())
# The needs that depend on the caller's rights on the target channel: every caller, public and private.
CHANNEL_NEEDS = (Need.READ, Need.WRITE, Need.READ_AND_MANAGE, Need.AUTHOR)


def expected(caller: Caller, need: Need, kind: str) -> Outcome:
    """The domain's answer: may the caller enter the chatroom, read or write the channel, manage the chatroom?"""
    if caller.standing is Standing.ANONYMOUS:
        return Outcome.UNAUTHENTICATED
    if caller.standing is Standing.OUTSIDER:
        return Outcome.NOT_PARTICIPANT
    if need is Need.ENTER:
        return Outcome.ALLOWED
    if need is Need.MANAGE:
        return Outcome.ALLOWED if caller.standing is Standing.ADMIN else Outcome.FORBIDDEN
    permissions = RULES[caller]
    assert permissions is not None
    if permissions[kind][0] != "r":
        return Outcome.HIDDEN
    if need is Need.READ_AND_MANAGE:
        return Outcome.ALLOWED if caller.standing is Standing.ADMIN else Outcome.FORBIDDEN
    if need is Need.AUTHOR:
        return Outcome.FORBIDDEN
    if need is Need.READ or permissions[kind][1] == "w":
        return Outcome.ALLOWED
    return Outcome.FORBIDDEN


def _cases() -> list:
    cases = []
    for driver in DRIVERS:
        for operation in driver.operations:
            on_channel = operation.need in CHANNEL_NEEDS
            callers = [c for c in RULES if on_channel or c.name in CHATROOM_CALLERS]
            for kind in ("public", "private") if on_channel else ("public",):
                for caller in callers:
                    anonymous = caller.standing is Standing.ANONYMOUS
                    for credential in ("none",) if anonymous else driver.credentials:
                        words = [driver.name, operation.name, kind if on_channel else "", caller.name, credential]
                        case_id = "-".join(word for word in words if word)
                        cases.append(pytest.param(driver, operation, kind, caller, credential, id=case_id))
    return cases


def _set_up(
    driver: Driver, caller: Caller, kind: str, credential: str, operation: Operation | None = None
) -> tuple[World, APIClient]:
    world = build_world(caller=caller, public=kind == "public")
    if operation is not None and operation.given is not None:
        operation.given(world)
    client = APIClient() if credential == "none" else driver.client(world, credential)
    if caller.banned:
        # After the caller logged in, as a ban strikes someone who is in.
        ban(world)
    return world, client


@pytest.mark.django_db
@pytest.mark.parametrize(("driver", "operation", "kind", "caller", "credential"), _cases())
def test_permission_matrix(driver: Driver, operation: Operation, kind: str, caller: Caller, credential: str) -> None:
    world, client = _set_up(driver, caller, kind, credential, operation)
    outcome = expected(caller, operation.need, kind)
    kept_out = outcome in (Outcome.UNAUTHENTICATED, Outcome.NOT_PARTICIPANT)
    before = stored_state(presence=kept_out)

    response = operation.perform(client, world)

    if outcome is Outcome.ALLOWED or outcome in operation.filters:
        assert response.status_code == operation.answers.get(Outcome.ALLOWED, 200), response.content
        assert operation.shows(response, world) == (outcome is Outcome.ALLOWED), response.content
    else:
        status = operation.answers.get(outcome) or driver.refusal(outcome, credential)
        assert response.status_code == status, response.content
        body = response.json()
        assert set(body) == {"detail", "code"} and body["detail"], body
        assert stored_state(presence=kept_out) == before
    if operation.stored is not None:
        assert operation.stored(world) == (outcome is Outcome.ALLOWED)


@pytest.mark.django_db
@pytest.mark.parametrize("kind", ["public", "private"])
@pytest.mark.parametrize("caller", [c for c in RULES if RULES[c] is not None], ids=lambda caller: caller.name)
def test_teahaz_channels_carry_the_callers_own_permissions(caller: Caller, kind: str) -> None:
    world, client = _set_up(TeahazDriver(), caller, kind, "cookie")
    assert world.user is not None
    response = client.get(f"/api/v0/channels/{world.chatroom.pk}", headers={"userID": world.user.username})
    assert response.status_code == 200
    listed = {channel["channelID"]: channel["permissions"] for channel in response.json()}
    permissions = RULES[caller]
    assert permissions is not None
    r, w, x = (flag != "-" for flag in permissions[kind])
    if r:
        assert listed == {str(world.default.pk): {"r": r, "w": w, "x": x}, str(world.side.pk): {"r": r, "w": w, "x": x}}
    else:
        assert listed == {}


# Requests into a chatroom that no log-in stands behind: they take a password or an invite, and have their own tests.
OUTSIDE_THE_MATRIX = {
    ("teahaz", "POST", "/login/{}"),
    ("teahaz", "DELETE", "/login/{}"),
    ("teahaz", "POST", "/invites/{}"),
    ("v1", "POST", "/invites/{}/redeem"),
}
MOUNTS = {"/api/v0": "teahaz", "/chatrooms/Chat": "origam", "/api/v1": "v1"}


def _schema_operations(client: APIClient) -> set[tuple[str, str, str]]:
    """(protocol, method, route) of every operation the schema lists under a protocol's mount."""
    response = client.get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json")
    assert response.status_code == 200
    operations = set()
    for path, methods in json.loads(response.content)["paths"].items():
        for mount, protocol in MOUNTS.items():
            if path == mount or path.startswith(mount + "/"):
                route = re.sub(r"\{[^}]+\}", "{}", path[len(mount) :]).rstrip("/") or "/"
                operations |= {(protocol, method.upper(), route) for method in methods}
    return operations


@pytest.mark.django_db
def test_the_matrix_covers_every_chatroom_operation_of_the_schema(api_client: APIClient) -> None:
    listed = _schema_operations(api_client)
    in_rooms = {operation for operation in listed if "{}" in operation[2]}
    driven = {(driver.name, operation.method, operation.path) for driver in DRIVERS for operation in driver.operations}
    assert in_rooms - OUTSIDE_THE_MATRIX <= driven
    assert driven <= listed
