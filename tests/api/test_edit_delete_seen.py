"""An edit and a delete, seen through both protocols: the current text everywhere, a deleted message nowhere."""

import pytest
from rest_framework.test import APIClient

from chat.models import Chatroom, Message, Participant, User
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
