"""Message text across dialects and protocols (teahaz-2022.md section 4.3): the server knows every message's text."""

import uuid

import pytest
from rest_framework.test import APIClient

from chat.models import Channel, Chatroom, Message, User
from chat.text import encode_base64_text
from tests.api.origam.helpers import room_url
from tests.api.teahaz.conftest import post_json, url
from tests.api.teahaz.test_dialects import caller, logged_in_client


def default_channel_id(chatroom: Chatroom) -> str:
    return str(Channel.objects.get(chatroom=chatroom, is_default=True).pk)


def send(client: APIClient, user: User, chatroom: Chatroom, dialect: str, data: str, **extra):
    body = {**caller(user, dialect), "channelID": default_channel_id(chatroom), "data": data, **extra}
    return post_json(client, url("messages", chatroom.pk), body)


def read(client: APIClient, user: User, chatroom: Chatroom, dialect: str) -> list:
    """The newest messages, oldest first, without the welcome."""
    headers = {**caller(user, dialect), "get-method": "count"}
    answer = client.get(url("messages", chatroom.pk), headers=headers)
    assert answer.status_code == 200
    return [m["data"] for m in reversed(answer.json()) if m["type"] != "system"]


def origam_texts(user: User, chatroom: Chatroom) -> list[str]:
    client = APIClient()
    client.force_login(user)
    return [m["text"] for m in client.get(room_url(chatroom, "messages")).json() if m["authorId"] == str(user.pk)]


def test_a_2022_post_is_stored_as_its_text(owner, chatroom):
    client = logged_in_client(owner, chatroom, "2022")
    response = send(client, owner, chatroom, "2022", encode_base64_text("Szia, élő teáház! 🍵"))

    assert response.status_code == 200
    assert response.json()["data"] == encode_base64_text("Szia, élő teáház! 🍵")
    stored = Message.objects.get(pk=response.json()["messageID"])
    assert stored.text == "Szia, élő teáház! 🍵"
    assert stored.html == "<p>Szia, élő teáház! 🍵</p>"


@pytest.mark.parametrize("data", ["Hello", "SGVsbG8", "SGVs bG8=", "AAEC", "w6k"])
def test_a_2022_post_that_is_not_base64_of_text_is_400(owner, chatroom, data):
    client = logged_in_client(owner, chatroom, "2022")
    response = send(client, owner, chatroom, "2022", data)

    assert response.status_code == 400
    assert response.json()["code"] == "invalid_base64_text"
    assert not Message.objects.filter(author=owner).exists()


def test_a_2021_post_keeps_its_data_and_decodes_strict_base64_text(owner, chatroom):
    client = logged_in_client(owner, chatroom, "2021")
    plain = send(client, owner, chatroom, "2021", "test")  # base64 letters, but not of UTF-8 text
    encoded = send(client, owner, chatroom, "2021", "SGVsbG8=")  # teahaz.js of 2021 encodes its text

    assert plain.status_code == encoded.status_code == 200
    assert plain.json()["data"] == "test" and encoded.json()["data"] == "SGVsbG8="
    stored_plain = Message.objects.get(pk=plain.json()["messageID"])
    stored_encoded = Message.objects.get(pk=encoded.json()["messageID"])
    assert (stored_plain.body, stored_plain.text) == ("test", "test")
    assert (stored_encoded.body, stored_encoded.text) == ("SGVsbG8=", "Hello")


def test_each_dialect_and_protocol_reads_in_its_own_encoding(owner, member, make_user, chatroom):
    old = logged_in_client(owner, chatroom, "2021")
    new = logged_in_client(member, chatroom, "2022")
    send(old, owner, chatroom, "2021", "plain words")
    send(old, owner, chatroom, "2021", encode_base64_text("js words"))
    send(new, member, chatroom, "2022", encode_base64_text("new words"))
    origam = APIClient()
    origam.force_login(owner)
    posted = post_json(
        origam,
        room_url(chatroom, "messages"),
        {"id": str(uuid.uuid4()), "mentions": [], "text": "<p><b>html</b> words</p>"},
    )
    assert posted.status_code == 200

    assert read(old, owner, chatroom, "2021") == [
        "plain words",
        encode_base64_text("js words"),
        encode_base64_text("new words"),
        "html words",
    ]
    assert read(new, member, chatroom, "2022") == [
        encode_base64_text(text) for text in ("plain words", "js words", "new words", "html words")
    ]
    assert origam_texts(owner, chatroom)[:2] == ["<p>plain words</p>", "<p>js words</p>"]
    assert origam_texts(member, chatroom) == ["<p>new words</p>"]


@pytest.mark.parametrize("dialect", ["2021", "2022"])
def test_end_to_end_encrypted_data_is_opaque_to_every_reader(owner, member, chatroom, dialect):
    client = logged_in_client(owner, chatroom, dialect)
    response = send(client, owner, chatroom, dialect, "not base64 at all", keyID="key-1")

    assert response.status_code == 200
    stored = Message.objects.get(pk=response.json()["messageID"])
    assert stored.body == "not base64 at all" and stored.key_id == "key-1"
    for reader_dialect in ("2021", "2022"):
        reader = logged_in_client(member, chatroom, reader_dialect)
        assert read(reader, member, chatroom, reader_dialect) == ["not base64 at all"]
    assert "Encrypted" in origam_texts(owner, chatroom)[0]


def test_a_2022_resend_of_the_same_id_is_idempotent(owner, chatroom):
    client = logged_in_client(owner, chatroom, "2022")
    message_id = "7f8a3a3e-5c3a-4f61-9d1c-2a6b6a1c0b0e"
    first = send(client, owner, chatroom, "2022", "SGk=", messageID=message_id)
    again = send(client, owner, chatroom, "2022", "SGk=", messageID=message_id)
    other = send(client, owner, chatroom, "2022", "SG8=", messageID=message_id)

    assert first.status_code == again.status_code == 200 and first.json() == again.json()
    assert other.status_code == 409
    assert Message.objects.filter(author=owner).count() == 1
