"""An edit and a delete, seen through both protocols: the current text everywhere, a deleted message nowhere."""

import pytest
from rest_framework.test import APIClient

from chat.models import Chatroom, Message, ModerationLog, Participant, User
from chat.services.messages import message_delete, message_edit
from chat.services.tokens import token_issue
from tests.access import access_of
from tests.api.teahaz.conftest import as_user, log_in, post_json, url

pytestmark = pytest.mark.django_db

ORIGAM = "/chatrooms/Chat/"


def teahaz_client(user: User, chatroom: Chatroom) -> APIClient:
    client = APIClient()
    log_in(client, user, chatroom)
    return client


def origam_client(user: User) -> APIClient:
    raw, _token = token_issue(user=user, name="test")
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {raw}")
    return client


def teahaz_post(client: APIClient, user: User, chatroom: Chatroom, text: str, **fields: str) -> str:
    channel_id = str(chatroom.channels.get(is_default=True).pk)
    body = {"userID": str(user.pk), "channelID": channel_id, "data": text, **fields}
    response = post_json(client, url("messages", chatroom.id), body)
    assert response.status_code == 200, response.content
    return response.json()["messageID"]


def teahaz_texts(client: APIClient, user: User, chatroom: Chatroom) -> dict[str, str]:
    """What a Teahaz client reads, both ways: the newest (count) and everything since the epoch (since)."""
    seen: list[dict[str, str]] = []
    for headers in ({"get-method": "count", "count": "50"}, {"get-method": "since", "time": "0"}):
        response = client.get(url("messages", chatroom.id), headers={**as_user(user), **headers})
        assert response.status_code == 200, response.content
        seen.append({row["messageID"]: row["data"] for row in response.json()})
    assert seen[0] == seen[1]
    return seen[0]


def origam_texts(client: APIClient, chatroom: Chatroom) -> dict[str, str]:
    """What an Origam client reads, both ways: a message page and a poll."""
    page = client.get(f"{ORIGAM}chatrooms/{chatroom.pk}/messages")
    poll = client.get(f"{ORIGAM}chatrooms/{chatroom.pk}/polledData")
    assert page.status_code == poll.status_code == 200
    shown = {row["id"]: row["text"] for row in page.json()}
    assert shown == {row["id"]: row["text"] for row in poll.json()["messages"]}
    return shown


def origam_unread(client: APIClient, chatroom: Chatroom) -> int:
    rows = client.get(ORIGAM).json()
    return next(row["unreadMessageCount"] for row in rows if row["id"] == str(chatroom.pk))


def author_access(chatroom: Chatroom, user: User):
    return access_of(Participant.objects.get(chatroom=chatroom, user=user))


def test_an_edit_shows_the_current_text_in_both_protocols(chatroom, owner, member):
    teahaz = teahaz_client(member, chatroom)
    message_id = teahaz_post(teahaz, member, chatroom, "teh <first> try")
    message_edit(access=author_access(chatroom, member), message_id=message_id, body="the <second> try", fmt="plain")

    assert teahaz_texts(teahaz_client(owner, chatroom), owner, chatroom)[message_id] == "the <second> try"
    assert origam_texts(origam_client(owner), chatroom)[message_id] == "<p>the &lt;second&gt; try</p>"
    stored = Message.objects.get(pk=message_id)
    assert stored.versions.get().text == "teh <first> try"


def test_a_deleted_message_is_never_read_by_either_protocol(chatroom, owner, member):
    teahaz = teahaz_client(member, chatroom)
    kept = teahaz_post(teahaz, member, chatroom, "kept")
    gone = teahaz_post(teahaz, member, chatroom, "gone")
    origam_owner = origam_client(owner)
    unread_before = origam_unread(origam_owner, chatroom)

    message_delete(access=author_access(chatroom, owner), message_id=gone)

    owner_teahaz = teahaz_client(owner, chatroom)
    seen = teahaz_texts(owner_teahaz, owner, chatroom)
    assert kept in seen and gone not in seen
    assert origam_unread(origam_owner, chatroom) == unread_before - 1
    shown = origam_texts(origam_owner, chatroom)
    assert kept in shown and gone not in shown
    # Nor is it something a reply may answer.
    channel_id = str(chatroom.channels.get(is_default=True).pk)
    body = {"userID": str(owner.pk), "channelID": channel_id, "data": "re", "replyID": gone}
    response = post_json(owner_teahaz, url("messages", chatroom.id), body)
    assert response.status_code == 400
    assert response.json()["code"] == "invalid_reply"
    assert Message.objects.get(pk=gone).deleted_by_id == owner.pk
    assert not Message.objects.filter(reply_to_id=gone).exists()


# The same, with the edit and the deletes made through v1's HTTP, as a bot or the web client makes them.

V1 = "/api/v1/messages/"


def v1_client(user: User) -> APIClient:
    return origam_client(user)  # a bearer token, which v1 takes as Origam does


def test_an_edit_through_v1_shows_the_current_text_in_both_protocols(chatroom, owner, member):
    message_id = teahaz_post(teahaz_client(member, chatroom), member, chatroom, "teh first try")

    response = v1_client(member).patch(
        f"{V1}{message_id}/",
        {"body": '<p>the <b>second</b> try<img src=x onerror="alert(1)"></p>', "format": "html"},
        format="json",
    )

    assert response.status_code == 200, response.content
    assert teahaz_texts(teahaz_client(owner, chatroom), owner, chatroom)[message_id] == "the second try"
    assert origam_texts(origam_client(owner), chatroom)[message_id] == "<p>the <b>second</b> try</p>"
    assert v1_client(owner).get(f"{V1}{message_id}/").json()["edited_at"] == response.json()["edited_at"]
    stored = Message.objects.get(pk=message_id)
    assert (stored.text, stored.versions.get().text) == ("the second try", "teh first try")


@pytest.mark.parametrize("deleter", ["member", "owner"])
def test_a_delete_through_v1_is_never_read_by_either_protocol(request, chatroom, owner, member, deleter):
    teahaz = teahaz_client(member, chatroom)
    kept = teahaz_post(teahaz, member, chatroom, "kept")
    gone = teahaz_post(teahaz, member, chatroom, "gone")
    actor = request.getfixturevalue(deleter)

    assert v1_client(actor).delete(f"{V1}{gone}/").status_code == 204

    for reader in (owner, member):
        seen = teahaz_texts(teahaz_client(reader, chatroom), reader, chatroom)
        shown = origam_texts(origam_client(reader), chatroom)
        assert kept in seen and gone not in seen
        assert kept in shown and gone not in shown
        listed = {row["id"] for row in v1_client(reader).get(f"{V1}?chatroom={chatroom.pk}").json()["results"]}
        assert kept in listed and gone not in listed
    stored = Message.objects.get(pk=gone)
    assert stored.deleted_by_id == actor.pk
    # An admin's deletion of another's message is in the moderation log; an author's own is not.
    logged = ModerationLog.objects.filter(action="delete", target=f"message {gone}", actor=actor).exists()
    assert logged == (actor != member)
