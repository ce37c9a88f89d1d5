"""Whom chat users are offered to invite or mention: never an inactive account, an operator only once it has joined."""

import pytest

from chat.models import User
from chat.selectors.users import users_in_chatroom, users_other_than, users_to_invite
from chat.services.chatrooms import chatroom_create
from chat.services.participants import participant_add
from chat.services.tokens import token_issue
from tests.api.origam.helpers import API, room_url

pytestmark = pytest.mark.django_db

PAGE = {"search_phrase": "", "limit": 100, "offset": 0}


def names(rows: list[dict]) -> set[str]:
    return {row["username"] for row in rows}


@pytest.fixture
def people(make_user) -> dict[str, User]:
    return {
        "root": make_user("root", is_staff=True, is_superuser=True),
        "staff": make_user("staffer", is_staff=True),
        "sleeper": make_user("sleeper", is_active=False),
        "plain": make_user("plain"),
    }


def test_operators_and_inactive_users_are_not_offered(people, owner, chatroom):
    assert names(users_to_invite(chatroom_id=chatroom.pk, **PAGE)) == {"plain"}
    assert names(users_other_than(user_id=owner.pk, **PAGE)) == {"plain"}


def test_an_operator_who_joined_a_chatroom_is_offered(people, owner, chatroom):
    elsewhere = chatroom_create(creator=people["root"], name="Operators' room")
    assert names(users_to_invite(chatroom_id=chatroom.pk, **PAGE)) == {"plain", "root"}
    assert names(users_other_than(user_id=owner.pk, **PAGE)) == {"plain", "root"}
    assert "root" in names(users_in_chatroom(chatroom_id=elsewhere.pk, **PAGE))


def test_an_inactive_participant_is_not_offered_to_mention(people, make_user, owner, chatroom):
    participant_add(chatroom=chatroom, user=people["plain"])
    leaver = make_user("leaver")
    participant_add(chatroom=chatroom, user=leaver)
    User.objects.filter(pk=leaver.pk).update(is_active=False)  # deactivated after joining
    assert names(users_in_chatroom(chatroom_id=chatroom.pk, **PAGE)) == {"owner", "plain"}


def test_through_the_origam_lists(people, owner, chatroom, api_client):
    api_client.credentials(HTTP_AUTHORIZATION=f"Bearer {token_issue(user=owner, name='test')[0]}")
    for path in (API + "users/listToInvite", room_url(chatroom, "usersToInvite")):
        response = api_client.get(path)
        assert response.status_code == 200
        assert [user["name"] for user in response.json()] == ["plain"]
