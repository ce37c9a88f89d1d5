"""The root (the caller's chatrooms with unread counts) and chatrooms/create."""

import uuid

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from chat.models import Channel, Chatroom, Participant
from chat.services.chatrooms import chatroom_create, default_channel, grant_set
from chat.services.messages import message_create, message_hide
from chat.services.participants import participant_add, participant_ban
from chat.services.presence import read_marker_move
from tests.api.origam.helpers import API, participant_of, post_messages


def infos(client) -> dict[str, dict]:
    response = client.get(API)
    assert response.status_code == 200, response.content
    return {info["topic"]: info for info in response.json()}


def test_root_lists_the_callers_chatrooms_with_unread_counts(bearer, owner, member, outsider, chatroom):
    post_messages(chatroom, owner, 3)
    mine = chatroom_create(
        creator=member, name="Member's room", reference_category="Invoice", reference_record_id=uuid.uuid4()
    )
    chatroom_create(creator=outsider, name="Not mine")
    listed = bearer(member).get(API).json()
    assert [info["topic"] for info in listed] == ["Member's room", "Tea room"]
    assert listed[0] == {
        "id": str(mine.pk),
        "topic": "Member's room",
        "categoryName": "Invoice",
        "referenceId": str(mine.reference_record_id),
        "unreadMessageCount": 1,
    }
    assert listed[1]["unreadMessageCount"] == 4


def test_unread_counts_skip_own_hidden_and_read_messages(bearer, owner, member, chatroom):
    from_owner = post_messages(chatroom, owner, 4)
    post_messages(chatroom, member, 2)
    message_hide(message=from_owner[0], actor=owner, reason="")
    assert infos(bearer(member))["Tea room"]["unreadMessageCount"] == 4  # welcome + 3 visible from owner
    read_marker_move(participant=participant_of(member, chatroom), up_to=from_owner[1].sent_at)
    assert infos(bearer(member))["Tea room"]["unreadMessageCount"] == 2
    assert bearer(member).get(f"{API}chatrooms/{chatroom.pk}/info").json()["unreadMessageCount"] == 2


def test_unread_counts_only_the_default_channel(bearer, owner, member, chatroom):
    side = Channel.objects.create(chatroom=chatroom, name="side")
    message_create(chatroom_id=chatroom.pk, channel=side, author=owner, body="x", html="<p>x</p>", text="x")
    assert infos(bearer(member))["Tea room"]["unreadMessageCount"] == 1


def test_unread_is_zero_where_the_default_channel_is_unreadable(bearer, owner, member, chatroom):
    grant_set(channel=default_channel(chatroom_id=chatroom.pk), user=member, r=False, w=False, x=False, actor=owner)
    assert infos(bearer(member))["Tea room"]["unreadMessageCount"] == 0
    assert bearer(member).get(f"{API}chatrooms/{chatroom.pk}/info").json()["unreadMessageCount"] == 0
    assert infos(bearer(owner))["Tea room"]["unreadMessageCount"] == 1


def test_root_leaves_out_chatrooms_the_caller_is_banned_from(bearer, owner, member, chatroom):
    participant_ban(participant=participant_of(member, chatroom), actor=owner)
    assert bearer(member).get(API).json() == []


def _root_queries(client) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert client.get(API).status_code == 200
    return len(queries)


def test_root_runs_a_fixed_number_of_queries(bearer, make_user, owner):
    client = bearer(owner)
    for index in range(3):
        room = chatroom_create(creator=owner, name=f"Room {index}")
        participant_add(chatroom=room, user=make_user())
    assert _root_queries(client) == 2  # the token, the chatrooms
    few = _root_queries(client)
    for index in range(3, 30):
        room = chatroom_create(creator=owner, name=f"Room {index}")
        post_messages(room, owner, 2)
    assert len(client.get(API).json()) == 30
    assert _root_queries(client) == few == 1  # the chatrooms (the token check from the cache)


# chatrooms/create


def test_create_answers_the_new_id_as_a_bare_string(bearer, owner, member, outsider):
    body = {
        "topic": "Project X",
        "inviteUsers": [{"id": str(member.pk)}, {"id": str(outsider.pk).upper()}, {"id": str(owner.pk)}],
        "ReferenceCategory": "Project",
        "ReferenceRecordId": "0f0e0d0c-0b0a-0908-0706-050403020100",
    }
    response = bearer(owner).post(API + "chatrooms/create", body, format="json")
    assert response.status_code == 200, response.content
    assert response["Content-Type"].startswith("application/json")
    new_id = response.json()
    assert isinstance(new_id, str)
    chatroom = Chatroom.objects.get(pk=new_id)
    assert chatroom.name == "Project X" and chatroom.created_by == owner
    assert chatroom.reference_category == "Project"
    assert str(chatroom.reference_record_id) == "0f0e0d0c-0b0a-0908-0706-050403020100"
    members = dict(Participant.objects.filter(chatroom=chatroom).values_list("user__username", "role"))
    assert members == {"owner": "owner", "member": "member", "outsider": "member"}
    assert participant_of(member, chatroom).invited_by == owner
    assert bearer(member).get(f"{API}chatrooms/{new_id}/info").json()["topic"] == "Project X"


def test_create_with_the_least(bearer, owner):
    response = bearer(owner).post(API + "chatrooms/create/", {"topic": "Solo"}, format="json")
    assert response.status_code == 200
    chatroom = Chatroom.objects.get(pk=response.json())
    assert chatroom.reference_category == "" and chatroom.reference_record_id is None
    assert list(Participant.objects.filter(chatroom=chatroom).values_list("user", flat=True)) == [owner.pk]


def test_create_takes_bare_ids_and_empty_references(bearer, owner, member):
    body = {"topic": "Bare", "inviteUsers": [str(member.pk)], "ReferenceCategory": None, "ReferenceRecordId": ""}
    response = bearer(owner).post(API + "chatrooms/create", body, format="json")
    assert response.status_code == 200
    assert participant_of(member, Chatroom.objects.get(pk=response.json())).is_active


@pytest.mark.parametrize(
    "body",
    [
        {},
        {"topic": ""},
        {"topic": "x" * 101},
        {"topic": ["x"]},
        {"topic": "T", "inviteUsers": "everyone"},
        {"topic": "T", "inviteUsers": [{"id": "nope"}]},
        {"topic": "T", "inviteUsers": [{"id": str(uuid.uuid4())}]},
        {"topic": "T", "ReferenceRecordId": "nope"},
        {"topic": "T", "ReferenceCategory": "x" * 201},
        {"topic": "T", "ReferenceCategory": 5},
    ],
)
def test_create_bad_bodies_are_400_and_store_nothing(bearer, owner, body):
    response = bearer(owner).post(API + "chatrooms/create", body, format="json")
    assert response.status_code == 400, response.content
    assert set(response.json()) == {"detail", "code"}
    assert not Chatroom.objects.exists()


def test_create_inviting_an_inactive_user_is_400(bearer, owner, make_user):
    sleeper = make_user("sleeper", is_active=False)
    body = {"topic": "T", "inviteUsers": [{"id": str(sleeper.pk)}]}
    response = bearer(owner).post(API + "chatrooms/create", body, format="json")
    assert response.status_code == 400 and response.json()["code"] == "unknown_user"
    assert not Chatroom.objects.exists()


def test_the_api_root_answers_without_its_trailing_slash_too(api_client, owner, chatroom):
    api_client.force_login(owner)

    response = api_client.get("/chatrooms/Chat")

    assert response.status_code == 200
    assert [room["id"] for room in response.json()] == [str(chatroom.pk)]
