"""What every protocol driver offers the permission matrix: operations, credentials, and outcome → status."""

import enum
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Protocol

from rest_framework.test import APIClient

from tests.api.drivers.world import World
from tests.conftest import PASSWORD

if TYPE_CHECKING:
    # What the test client answers: a response with the request and `json()` attached (the stubs' name for it).
    from rest_framework.response import _MonkeyPatchedResponse as Answer
else:
    from django.http import HttpResponse as Answer


class Need(enum.Enum):
    """What an operation asks of the caller, in the domain's words."""

    ENTER = "enter"  # be an active participant of the chatroom
    READ = "read"  # r on the target channel
    WRITE = "write"  # w on the target channel (which must be readable too)
    MANAGE = "manage"  # be the chatroom's owner or an admin
    READ_AND_MANAGE = "read and manage"  # r on the target channel, and be the chatroom's owner or an admin
    AUTHOR = "author"  # r on the target channel, and be the author of the target message (which nobody calling is)


class Outcome(enum.Enum):
    """What the domain answers a caller, before any protocol turns it into a status code."""

    ALLOWED = "allowed"
    UNAUTHENTICATED = "unauthenticated"
    NOT_PARTICIPANT = "not participant"
    HIDDEN = "hidden"  # the target channel is not readable: it must not show, nor seem to exist
    FORBIDDEN = "forbidden"  # visible, but the caller may not do this


Perform = Callable[[APIClient, World], Answer]


@dataclass(frozen=True)
class Operation:
    """One request of a protocol into the chatroom.

    `perform` sends it; `shows` says whether a 200 answer shows what an allowed caller must see (the seed
    message, the target channel, the chatroom); `stored` says whether a write's row is there. `filters` are
    the outcomes a list answers with 200, leaving the target out, rather than refusing; `answers` are the
    operation's own status codes where it differs from the rest of its protocol. `given` writes the rows the
    operation acts on beyond the world's own (the caller's own message), before anything is measured.
    """

    name: str
    method: str
    path: str  # the route as the schema lists it, "{}" for the chatroom id
    need: Need
    perform: Perform
    shows: Callable[[Answer, World], bool]
    stored: Callable[[World], bool] | None = None
    filters: frozenset[Outcome] = frozenset()
    answers: Mapping[Outcome, int] = field(default_factory=dict)
    given: Callable[[World], None] | None = None


class Driver(Protocol):
    """A protocol: its credentials, its operations, and the status code each refusal answers."""

    name: str
    credentials: tuple[str, ...]
    operations: tuple[Operation, ...]

    def client(self, world: World, credential: str) -> APIClient:
        """A client holding the caller's credential, obtained the way that protocol's real clients obtain it."""
        ...

    def refusal(self, outcome: Outcome, credential: str) -> int:
        """The status code the protocol answers for an outcome other than ALLOWED."""
        ...


def bearer_client(world: World) -> APIClient:
    """A client with a bearer token for the caller, from POST /api/auth/token as a script gets one."""
    assert world.user is not None
    response = APIClient().post(
        "/api/auth/token", {"username": world.user.username, "password": PASSWORD}, format="json"
    )
    assert response.status_code == 200, response.content
    return APIClient(headers={"Authorization": f"Bearer {response.json()['token']}"})
