"""POST /files/<chatroom_id> (teahaz-2022.md): base64 in, a "file" message out, its content in file storage."""

import base64
import hashlib
import uuid
from pathlib import Path
from typing import cast

import pytest
from django.core.files.storage import FileSystemStorage, storages
from rest_framework.test import APIClient

from chat.models import Channel, ChannelGrant, Chatroom, Message, MessageFile, User
from chat.services.chatrooms import channel_create, grant_set
from tests.api.origam.helpers import room_url
from tests.api.teahaz.conftest import MOUNTS, post_json, url
from tests.api.teahaz.test_dialects import caller, logged_in_client
from tests.chat.concurrency import run_together

CONTENT = bytes(range(256)) * 4
DATA = base64.b64encode(CONTENT).decode("ascii")


def default_channel_id(chatroom: Chatroom) -> str:
    return str(Channel.objects.get(chatroom=chatroom, is_default=True).pk)


def send_file(client: APIClient, user: User, chatroom: Chatroom, dialect: str = "2022", **fields):
    body = {**caller(user, dialect), "channelID": default_channel_id(chatroom), "replyID": None, "data": DATA}
    return post_json(client, url("files", chatroom.pk), {**body, **fields})


@pytest.mark.parametrize("mount", MOUNTS)
@pytest.mark.parametrize("slash", [False, True])
@pytest.mark.parametrize("dialect", ["2021", "2022"])
def test_a_file_is_stored_in_file_storage_and_answered_as_a_message(owner, chatroom, mount, slash, dialect):
    client = logged_in_client(owner, chatroom, dialect)
    body = {**caller(owner, dialect), "channelID": default_channel_id(chatroom), "replyID": None, "data": DATA}
    response = post_json(client, url("files", chatroom.pk, mount=mount, slash=slash), body)

    assert response.status_code == 200
    answer = response.json()
    assert (answer["type"], answer["data"], answer["userID"]) == ("file", DATA, str(owner.pk))
    message = Message.objects.get(pk=answer["messageID"])
    assert message.kind == Message.Kind.FILE and message.author == owner
    assert DATA not in (message.body, message.text, message.html)  # never in the message row
    stored = MessageFile.objects.get(message=message)
    assert (stored.size, stored.sha256) == (len(CONTENT), hashlib.sha256(CONTENT).hexdigest())
    with storages["chat_files"].open(stored.content.name) as handle:
        assert handle.read() == CONTENT
    assert stored.content.name == f"chatrooms/{chatroom.pk}/{message.pk}"


@pytest.mark.parametrize("dialect", ["2021", "2022"])
def test_a_file_reads_back_through_get_messages_exactly_as_sent(owner, member, chatroom, dialect):
    sent = send_file(logged_in_client(owner, chatroom, "2022"), owner, chatroom).json()
    reader = logged_in_client(member, chatroom, dialect)

    since = reader.get(
        url("messages", chatroom.pk), headers={**caller(member, dialect), "get-method": "since", "time": "0"}
    )
    count = reader.get(url("messages", chatroom.pk), headers={**caller(member, dialect), "get-method": "count"})

    for answer in (since, count):
        assert answer.status_code == 200
        [file_message] = [m for m in answer.json() if m["messageID"] == sent["messageID"]]
        assert (file_message["type"], file_message["data"]) == ("file", DATA)
    assert [m["type"] for m in count.json()] == ["file", "system"]  # it counts like any other message


def test_the_size_limit_is_a_setting_and_413_above_it(owner, chatroom, settings):
    settings.CHAT_FILE_MAX_BYTES = 1000
    client = logged_in_client(owner, chatroom, "2022")

    at_limit = send_file(client, owner, chatroom, data=base64.b64encode(b"x" * 1000).decode())
    above = send_file(client, owner, chatroom, data=base64.b64encode(b"x" * 1001).decode())

    assert at_limit.status_code == 200
    assert above.status_code == 413 and above.json()["code"] == "file_too_large"
    assert MessageFile.objects.count() == 1


def test_the_default_limit_is_one_mebibyte_beyond_the_message_limit(owner, chatroom, settings):
    assert settings.CHAT_FILE_MAX_BYTES == 1024 * 1024
    client = logged_in_client(owner, chatroom, "2022")
    one_mebibyte = base64.b64encode(b"\xff" * (1024 * 1024)).decode()

    assert send_file(client, owner, chatroom, data=one_mebibyte).status_code == 200
    above = send_file(client, owner, chatroom, data=base64.b64encode(b"\xff" * (1024 * 1024 + 1)).decode())
    assert above.status_code == 413
    assert MessageFile.objects.get().size == 1024 * 1024


@pytest.mark.parametrize("data", ["not base64!", "AAEC/w", "AAEC_w==", "AAE C/w==", "", 12, None])
def test_data_that_is_not_standard_base64_is_400(owner, chatroom, data):
    response = send_file(logged_in_client(owner, chatroom, "2022"), owner, chatroom, data=data)

    assert response.status_code == 400
    assert set(response.json()) == {"detail", "code"}
    assert not Message.objects.filter(kind=Message.Kind.FILE).exists() and not MessageFile.objects.exists()


def test_writing_needs_w_and_an_unreadable_channel_is_not_found(owner, member, chatroom):
    news = channel_create(chatroom=chatroom, name="news")
    grant_set(channel=news, user=member, r=True, w=False, x=False, actor=owner)
    secret = channel_create(chatroom=chatroom, name="secret", public=False)
    client = logged_in_client(member, chatroom, "2022")

    muted = send_file(client, member, chatroom, channelID=str(news.pk))
    hidden = send_file(client, member, chatroom, channelID=str(secret.pk))
    unknown = send_file(client, member, chatroom, channelID=str(uuid.uuid4()))

    assert muted.status_code == 403
    assert hidden.status_code == unknown.status_code == 404
    assert ChannelGrant.objects.count() == 1 and not MessageFile.objects.exists()


def test_outsiders_and_missing_log_ins_are_refused(owner, outsider, chatroom):
    anonymous = post_json(APIClient(), url("files", chatroom.pk), {"username": "owner", "data": DATA})
    stranger = send_file(logged_in_client(owner, chatroom, "2022"), outsider, chatroom)

    assert anonymous.status_code == stranger.status_code == 401
    assert not MessageFile.objects.exists()


def test_the_message_id_makes_the_send_idempotent(owner, chatroom):
    client = logged_in_client(owner, chatroom, "2022")
    message_id = str(uuid.uuid4())

    first = send_file(client, owner, chatroom, messageID=message_id)
    again = send_file(client, owner, chatroom, messageID=message_id)
    other = send_file(client, owner, chatroom, messageID=message_id, data="AAEC")
    as_text = post_json(
        client,
        url("messages", chatroom.pk),
        {"username": "owner", "channelID": default_channel_id(chatroom), "data": "SGk=", "messageID": message_id},
    )

    assert first.status_code == again.status_code == 200 and first.json() == again.json()
    assert other.status_code == as_text.status_code == 409
    assert MessageFile.objects.count() == 1 and Message.objects.filter(kind=Message.Kind.FILE).count() == 1


def test_a_file_may_reply_to_a_readable_message(owner, chatroom):
    client = logged_in_client(owner, chatroom, "2022")
    welcome = Message.objects.get(chatroom=chatroom)

    reply = send_file(client, owner, chatroom, replyID=str(welcome.pk))
    unknown = send_file(client, owner, chatroom, replyID=str(uuid.uuid4()))

    assert reply.status_code == 200 and reply.json()["replyID"] == str(welcome.pk)
    assert unknown.status_code == 400 and unknown.json()["code"] == "invalid_reply"
    assert Message.objects.get(kind=Message.Kind.FILE).reply_to == welcome


def test_get_files_is_405_allowing_post(owner, chatroom):
    response = logged_in_client(owner, chatroom, "2022").get(url("files", chatroom.pk), headers={"username": "owner"})
    assert response.status_code == 405
    assert "POST" in response["Allow"] and "GET" not in response["Allow"]


def test_origam_shows_a_file_as_a_placeholder_with_its_size(owner, chatroom):
    send_file(logged_in_client(owner, chatroom, "2022"), owner, chatroom, filename="notes.bin")
    origam = APIClient()
    origam.force_login(owner)

    [placeholder] = [m for m in origam.get(room_url(chatroom, "messages")).json() if m["authorId"] == str(owner.pk)]
    assert placeholder["text"] == "<p>File notes.bin (1.0 KiB)</p>"
    assert Message.objects.get(kind=Message.Kind.FILE).file.name == "notes.bin"


@pytest.mark.parametrize("filename", ["../etc/passwd", "a\\b", "x" * 256, 5])
def test_a_file_name_is_a_name_not_a_path(owner, chatroom, filename):
    response = send_file(logged_in_client(owner, chatroom, "2022"), owner, chatroom, filename=filename)
    assert response.status_code == 400
    assert not MessageFile.objects.exists()


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_the_same_file_sent_at_once_stores_one_file(member, chatroom):
    message_id = str(uuid.uuid4())
    clients = [logged_in_client(member, chatroom, "2022") for _ in range(6)]

    def send(number: int) -> tuple[int, str]:
        response = send_file(clients[number], member, chatroom, messageID=message_id)
        return response.status_code, response.json().get("messageID")

    outcomes = run_together(len(clients), send)

    assert outcomes == [("ok", (200, message_id))] * len(clients)
    assert Message.objects.filter(pk=message_id).count() == 1 and MessageFile.objects.count() == 1
    stored = MessageFile.objects.get()
    assert stored.content.name == f"chatrooms/{chatroom.pk}/{message_id}"
    assert sorted(path.name for path in storage_files(chatroom)) == [message_id]


def storage_files(chatroom: Chatroom) -> list:
    """Every file the storage holds for the chatroom: a lost race must leave none behind."""
    storage = cast(FileSystemStorage, storages["chat_files"])
    return list((Path(storage.location) / "chatrooms" / str(chatroom.pk)).iterdir())
