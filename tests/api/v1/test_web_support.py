"""What the web client needs of v1: chatrooms with unread counts and last activity, the read marker, adding
someone to a chatroom."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from chat.models import Participant
from chat.services.chatrooms import channel_create, chatroom_create
from chat.services.messages import message_post
from tests.access import access_of

pytestmark = pytest.mark.django_db


def post(user, chatroom, text: str, channel_id=None):
    access = access_of(Participant.objects.get(user=user, chatroom=chatroom))
    message, _created = message_post(access=access, channel_id=channel_id or access.default_channel.id, body=text)
    return message


def test_chatrooms_show_unread_counts_and_the_last_activity(client_for, owner, member, chatroom):
    client = client_for(member)
    post(owner, chatroom, "one")
    latest = post(owner, chatroom, "two")
    post(member, chatroom, "mine, never unread")

    rows = client.get("/api/v1/chatrooms/").json()

    assert [(row["id"], row["unread"]) for row in rows] == [(str(chatroom.pk), 2 + 1)]  # and the welcome message
    chatroom.refresh_from_db()
    assert rows[0]["last_activity_at"].replace("Z", "+00:00") == chatroom.last_sent_at.isoformat()

    marked = client.post(f"/api/v1/chatrooms/{chatroom.pk}/read/", {"message": str(latest.pk)}, format="json")

    assert marked.status_code == 204
    participant = Participant.objects.get(chatroom=chatroom, user=member)
    assert participant.last_read_at == latest.sent_at
    assert client.get("/api/v1/chatrooms/").json()[0]["unread"] == 0


def test_the_read_marker_never_moves_back(client_for, owner, member, chatroom):
    first = post(owner, chatroom, "first")
    second = post(owner, chatroom, "second")
    client = client_for(member)
    client.post(f"/api/v1/chatrooms/{chatroom.pk}/read/", {"message": str(second.pk)}, format="json")

    again = client.post(f"/api/v1/chatrooms/{chatroom.pk}/read/", {"message": str(first.pk)}, format="json")

    assert again.status_code == 204
    assert Participant.objects.get(chatroom=chatroom, user=member).last_read_at == second.sent_at


def test_a_message_of_an_unreadable_channel_cannot_mark_anything(client_for, owner, member, chatroom):
    private = channel_create(chatroom=chatroom, name="staff", public=False)
    secret = post(owner, chatroom, "secret", channel_id=private.pk)

    response = client_for(member).post(
        f"/api/v1/chatrooms/{chatroom.pk}/read/", {"message": str(secret.pk)}, format="json"
    )

    assert response.status_code == 404 and response.json()["code"] == "message_not_found"
    assert Participant.objects.get(chatroom=chatroom, user=member).last_read_at is None


@pytest.mark.parametrize("body", [{}, {"message": "not-a-uuid"}])
def test_a_bad_read_marker_is_a_400(client_for, member, chatroom, body):
    response = client_for(member).post(f"/api/v1/chatrooms/{chatroom.pk}/read/", body, format="json")

    assert response.status_code == 400 and set(response.json()) == {"detail", "code"}


def test_an_outsider_cannot_mark_a_chatroom_read(client_for, owner, outsider, chatroom):
    message = post(owner, chatroom, "hello")

    response = client_for(outsider).post(
        f"/api/v1/chatrooms/{chatroom.pk}/read/", {"message": str(message.pk)}, format="json"
    )

    assert response.status_code in (403, 404)
    assert not Participant.objects.filter(chatroom=chatroom, user=outsider).exists()


def test_a_participant_adds_someone_once(client_for, member, outsider, chatroom):
    client = client_for(member)
    body = {"chatroom": str(chatroom.pk), "user": str(outsider.pk)}

    added = client.post("/api/v1/participants/", body, format="json")
    again = client.post("/api/v1/participants/", body, format="json")

    assert added.status_code == 201 and again.status_code == 200
    assert added.json()["user"]["id"] == str(outsider.pk) and added.json()["role"] == "member"
    participant = Participant.objects.get(chatroom=chatroom, user=outsider)
    assert participant.state == Participant.State.ACTIVE and participant.invited_by == member


def test_an_outsider_adds_nobody_and_an_unknown_user_is_a_400(client_for, owner, outsider, make_user, chatroom):
    other = make_user("other")
    refused = client_for(outsider).post(
        "/api/v1/participants/", {"chatroom": str(chatroom.pk), "user": str(other.pk)}, format="json"
    )
    unknown = client_for(owner).post(
        "/api/v1/participants/",
        {"chatroom": str(chatroom.pk), "user": "00000000-0000-0000-0000-000000000001"},
        format="json",
    )

    assert refused.status_code in (403, 404)
    assert unknown.status_code == 400 and unknown.json()["code"] == "unknown_user"
    assert not Participant.objects.filter(chatroom=chatroom, user=other).exists()


def test_the_chatroom_list_costs_the_same_for_one_chatroom_or_many(client_for, owner, chatroom):
    client = client_for(owner)
    client.get("/api/v1/chatrooms/")  # the token check is cached from here on, as for every later request
    with CaptureQueriesContext(connection) as one:
        client.get("/api/v1/chatrooms/")
    for number in range(12):
        chatroom_create(creator=owner, name=f"room {number}")
    with CaptureQueriesContext(connection) as many:
        rows = client.get("/api/v1/chatrooms/").json()

    assert len(rows) == 13
    assert len(many.captured_queries) == len(one.captured_queries) <= 4
