"""abandon and outviteUser: leaving, removing others, and ownership passing on."""

import uuid

import pytest

from chat.models import ModerationLog, Participant
from chat.services.participants import participant_add, participant_ban
from chat.services.tokens import token_issue
from tests.api.origam.helpers import participant_of, room_url


def roles(chatroom) -> dict[str, str]:
    return dict(Participant.objects.filter(chatroom=chatroom).values_list("user__username", "role"))


def test_abandon_leaves_the_chatroom_until_invited_again(bearer, owner, member, chatroom):
    client = bearer(member)
    response = client.post(room_url(chatroom, "abandon"), format="json")
    assert response.status_code == 200 and response.json() == {}
    assert "member" not in roles(chatroom)
    assert client.get(room_url(chatroom, "polledData")).status_code == 404
    bearer(owner).post(room_url(chatroom, "inviteUser"), {"userId": str(member.pk)}, format="json")
    assert client.get(room_url(chatroom, "polledData")).status_code == 200


def test_abandon_revokes_the_callers_teahaz_log_ins_to_the_chatroom(bearer, member, chatroom):
    _raw, login = token_issue(user=member, chatroom=chatroom)
    bearer(member).post(room_url(chatroom, "abandon"))
    login.refresh_from_db()
    assert login.revoked_at is not None


def test_owner_leaving_passes_ownership_to_the_longest_standing_admin(
    bearer, make_user, owner, member, admin_member, chatroom
):
    second_admin = make_user("second")
    participant_add(chatroom=chatroom, user=second_admin, role=Participant.Role.ADMIN)
    assert bearer(owner).post(room_url(chatroom, "abandon")).status_code == 200
    assert roles(chatroom) == {"member": "member", "roomadmin": "owner", "second": "admin"}


def test_owner_leaving_without_admins_passes_ownership_to_the_longest_standing_participant(
    bearer, make_user, owner, member, chatroom
):
    participant_add(chatroom=chatroom, user=make_user("later"))
    assert bearer(owner).post(room_url(chatroom, "abandon")).status_code == 200
    assert roles(chatroom) == {"member": "owner", "later": "member"}


def test_anyone_may_outvite_themselves(bearer, member, chatroom):
    response = bearer(member).post(room_url(chatroom, "outviteUser"), {"userId": str(member.pk)}, format="json")
    assert response.status_code == 200
    assert "member" not in roles(chatroom)


def test_owner_outviting_themselves_passes_ownership_on(bearer, owner, member, admin_member, chatroom):
    response = bearer(owner).post(room_url(chatroom, "outviteUser"), {"userId": str(owner.pk)}, format="json")
    assert response.status_code == 200
    assert roles(chatroom) == {"member": "member", "roomadmin": "owner"}


def test_member_may_not_outvite_someone_else_403(bearer, make_user, member, chatroom):
    other = make_user("other")
    participant_add(chatroom=chatroom, user=other)
    response = bearer(member).post(room_url(chatroom, "outviteUser"), {"userId": str(other.pk)}, format="json")
    assert response.status_code == 403 and response.json()["code"] == "not_chatroom_admin"
    assert "other" in roles(chatroom)


@pytest.mark.parametrize("remover", ["owner", "admin_member"])
def test_admins_outvite_members(request, bearer, member, chatroom, remover):
    actor = request.getfixturevalue(remover)
    response = bearer(actor).post(room_url(chatroom, "outviteUser"), {"userId": str(member.pk)}, format="json")
    assert response.status_code == 200
    assert "member" not in roles(chatroom)
    log = ModerationLog.objects.get(action="remove")
    assert log.actor == actor and log.chatroom == chatroom
    assert bearer(member).get(room_url(chatroom, "info")).status_code == 404


def test_nobody_outvites_the_owner(bearer, owner, admin_member, chatroom):
    response = bearer(admin_member).post(room_url(chatroom, "outviteUser"), {"userId": str(owner.pk)}, format="json")
    assert response.status_code == 403 and response.json()["code"] == "owner_protected"
    assert roles(chatroom)["owner"] == "owner"


def test_owner_outvites_an_admin(bearer, owner, admin_member, chatroom):
    response = bearer(owner).post(room_url(chatroom, "outviteUser"), {"userId": str(admin_member.pk)}, format="json")
    assert response.status_code == 200
    assert "roomadmin" not in roles(chatroom)


def test_outviting_a_non_participant_or_a_banned_one_is_400(bearer, owner, member, outsider, chatroom):
    participant_ban(participant=participant_of(member, chatroom), actor=owner)
    client = bearer(owner)
    for user_id in (outsider.pk, member.pk, uuid.uuid4()):
        response = client.post(room_url(chatroom, "outviteUser"), {"userId": str(user_id)}, format="json")
        assert response.status_code == 400 and response.json()["code"] == "not_a_participant"
    # The ban stays: outviting must never lift it.
    assert participant_of(member, chatroom).state == Participant.State.BANNED


@pytest.mark.parametrize("body", [{}, {"userId": "x"}, {"userId": [1]}])
def test_outvite_bad_body_is_400(bearer, owner, chatroom, body):
    assert bearer(owner).post(room_url(chatroom, "outviteUser"), body, format="json").status_code == 400
