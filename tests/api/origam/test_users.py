"""inviteUser and the user lists: usersToInvite, usersToMention, usersToOutvite, users/listToInvite."""

import uuid

import pytest

from chat.models import Participant, User
from chat.services.participants import participant_add, participant_ban
from tests.api.origam.helpers import API, participant_of, room_url


def ids(response) -> list[str]:
    assert response.status_code == 200, response.content
    return [user["id"] for user in response.json()]


# inviteUser


def test_invite_makes_the_user_a_participant(bearer, member, outsider, chatroom):
    response = bearer(member).post(room_url(chatroom, "inviteUser"), {"userId": str(outsider.pk)}, format="json")
    assert response.status_code == 200
    assert response.json() == {"id": str(outsider.pk), "name": "outsider", "avatarUrl": str(outsider.pk)}
    added = participant_of(outsider, chatroom)
    assert added.role == Participant.Role.MEMBER and added.invited_by == member
    assert bearer(outsider).get(room_url(chatroom, "info")).status_code == 200


def test_invite_accepts_an_upper_case_id(bearer, owner, outsider, chatroom):
    body = {"userId": str(outsider.pk).upper()}
    assert bearer(owner).post(room_url(chatroom, "inviteUser"), body, format="json").status_code == 200
    assert participant_of(outsider, chatroom).is_active


def test_inviting_a_participant_changes_nothing(bearer, member, admin_member, chatroom):
    body = {"userId": str(admin_member.pk)}
    response = bearer(member).post(room_url(chatroom, "inviteUser"), body, format="json")
    assert response.status_code == 200
    stored = participant_of(admin_member, chatroom)
    assert stored.role == Participant.Role.ADMIN and stored.invited_by is None
    assert Participant.objects.filter(chatroom=chatroom).count() == 3


def test_inviting_an_unknown_or_inactive_user_is_400(bearer, member, make_user, chatroom):
    client = bearer(member)
    response = client.post(room_url(chatroom, "inviteUser"), {"userId": str(uuid.uuid4())}, format="json")
    assert response.status_code == 400 and response.json()["code"] == "unknown_user"
    inactive = make_user("sleeper", is_active=False)
    response = client.post(room_url(chatroom, "inviteUser"), {"userId": str(inactive.pk)}, format="json")
    assert response.status_code == 400 and response.json()["code"] == "user_inactive"
    assert not Participant.objects.filter(user=inactive).exists()


def test_inviting_a_banned_user_is_403(bearer, owner, member, admin_member, chatroom):
    participant_ban(participant=participant_of(member, chatroom), actor=owner)
    response = bearer(admin_member).post(room_url(chatroom, "inviteUser"), {"userId": str(member.pk)}, format="json")
    assert response.status_code == 403 and response.json()["code"] == "banned"
    assert participant_of(member, chatroom).state == Participant.State.BANNED


@pytest.mark.parametrize("body", [{}, {"userId": ""}, {"userId": "nope"}, {"userId": 3}, {"userId": None}])
def test_invite_bad_body_is_400(bearer, member, chatroom, body):
    response = bearer(member).post(room_url(chatroom, "inviteUser"), body, format="json")
    assert response.status_code == 400
    assert set(response.json()) == {"detail", "code"}


# The lists


@pytest.fixture
def people(make_user, chatroom):
    """Users with names to search and sort by: two outside the chatroom, one inactive, one banned."""
    return {
        "zed": make_user("zed", display_name="Anna Zed"),
        "bob": make_user("bobby"),
        "carl": make_user("CARL_the_dev", display_name=""),
        "sleeper": make_user("sleeper", display_name="Anna Sleeper", is_active=False),
    }


def test_users_to_invite_are_active_non_participants_by_name(bearer, owner, member, outsider, people, chatroom):
    banned = people["bob"]
    participant_add(chatroom=chatroom, user=banned)
    participant_ban(participant=participant_of(banned, chatroom), actor=owner)
    response = bearer(member).get(room_url(chatroom, "usersToInvite"))
    assert ids(response) == [str(people["zed"].pk), str(people["carl"].pk), str(outsider.pk)]
    assert response.json()[0] == {"id": str(people["zed"].pk), "name": "Anna Zed", "avatarUrl": str(people["zed"].pk)}


def test_search_is_case_insensitive_on_display_name_or_username(bearer, member, outsider, people, chatroom):
    client = bearer(member)
    assert ids(client.get(room_url(chatroom, "usersToInvite"), {"searchPhrase": "ZE"})) == [str(people["zed"].pk)]
    assert ids(client.get(room_url(chatroom, "usersToInvite"), {"searchPhrase": "anna"})) == [str(people["zed"].pk)]
    assert ids(client.get(room_url(chatroom, "usersToInvite"), {"searchPhrase": "the_D"})) == [str(people["carl"].pk)]
    assert ids(client.get(room_url(chatroom, "usersToInvite"), {"searchPhrase": "%"})) == []
    assert ids(client.get(room_url(chatroom, "usersToInvite"), {"searchPhrase": "nobody"})) == []


def test_limit_and_offset_page_the_list(bearer, member, outsider, people, chatroom):
    client = bearer(member)
    everyone = ids(client.get(room_url(chatroom, "usersToInvite")))
    assert len(everyone) == 4
    assert ids(client.get(room_url(chatroom, "usersToInvite"), {"limit": 2})) == everyone[:2]
    assert ids(client.get(room_url(chatroom, "usersToInvite"), {"limit": 2, "offset": 2})) == everyone[2:]
    assert ids(client.get(room_url(chatroom, "usersToInvite"), {"offset": 3})) == everyone[3:]
    assert ids(client.get(room_url(chatroom, "usersToInvite"), {"limit": 10**9})) == everyone
    assert ids(client.get(room_url(chatroom, "usersToInvite"), {"offset": 100})) == []


def test_list_limit_defaults_to_100_and_is_cut_to_500(bearer, member, make_user, chatroom):
    User.objects.bulk_create([User(username=f"bulk{index:03}") for index in range(520)])
    client = bearer(member)
    assert len(ids(client.get(room_url(chatroom, "usersToInvite")))) == 100
    assert len(ids(client.get(room_url(chatroom, "usersToInvite"), {"limit": 100000}))) == 500


@pytest.mark.parametrize(
    "query",
    [
        {"limit": "0"},
        {"limit": "-1"},
        {"limit": "many"},
        {"offset": "-1"},
        {"offset": "x"},
        {"offset": str(10**20)},
        {"searchPhrase": "x" * 151},
    ],
)
@pytest.mark.parametrize("endpoint", ["usersToInvite", "usersToMention", "usersToOutvite"])
def test_bad_list_parameters_are_400(bearer, member, chatroom, query, endpoint):
    response = bearer(member).get(room_url(chatroom, endpoint), query)
    assert response.status_code == 400
    assert set(response.json()) == {"detail", "code"}


@pytest.mark.parametrize("query", [{"limit": "0"}, {"offset": "-3"}])
def test_bad_parameters_of_list_to_invite_are_400(bearer, member, query):
    assert bearer(member).get(API + "users/listToInvite", query).status_code == 400


@pytest.mark.parametrize("endpoint", ["usersToMention", "usersToOutvite"])
def test_users_to_mention_and_outvite_are_the_participants_caller_included(
    bearer, owner, member, admin_member, outsider, people, chatroom, endpoint
):
    participant_add(chatroom=chatroom, user=people["zed"])
    participant_add(chatroom=chatroom, user=people["bob"])
    participant_ban(participant=participant_of(people["bob"], chatroom), actor=owner)
    client = bearer(member)
    expected = [str(people["zed"].pk), str(member.pk), str(owner.pk), str(admin_member.pk)]
    assert ids(client.get(room_url(chatroom, endpoint))) == expected
    assert ids(client.get(room_url(chatroom, endpoint), {"searchPhrase": "OWN"})) == [str(owner.pk)]
    assert ids(client.get(room_url(chatroom, endpoint), {"limit": 1, "offset": 1})) == [str(member.pk)]


def test_list_to_invite_is_every_active_user_but_the_caller(bearer, owner, member, outsider, people):
    response = bearer(member).get(API + "users/listToInvite")
    assert ids(response) == [
        str(people["zed"].pk),
        str(people["bob"].pk),
        str(people["carl"].pk),
        str(outsider.pk),
        str(owner.pk),
    ]
    assert ids(bearer(member).get(API + "users/listToInvite/", {"searchPhrase": "B", "limit": 1})) == [
        str(people["bob"].pk)
    ]
