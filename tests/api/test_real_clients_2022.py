"""The exact requests of the 2022 Teahaz clients, replayed through HTTP, and what those clients read back.

Each request copies what the client sends (teahaz-2022.md cites each line): URL, method, headers, body and
its field spelling. Each assertion checks what that client then reads. Sources, read not copied:

- teahaz.py at 96e00ca (2022-02-10), `teahaz/client.py` and `teahaz/dataclasses.py`: a requests.Session; only 200
  succeeds; GET parameters as headers, None-valued ones left out; the caller named `username`; every text
  base64-encoded, and every non-system `data` base64-decoded as ASCII on reading; a system message's `data`
  must be an object with `event_type` and `user_info`; `users[0]` is the client's own user; `channels[0]` the
  channel it sends to; files go to `/files/<chatroom_id>` with a message's body.
- teahaz.js at af1cb32 (2021-08-29), `teahaz.js`: axios under Node, no Origin, the cookie taken from the first
  `Set-Cookie` header and sent back by hand; no `get-method` when reading messages; `expiration_time` with an
  underscore; `nickname` and `classes` sent and ignored.
"""

import base64
import json
import uuid

import pytest
from rest_framework.test import APIClient

from chat.models import Channel, Chatroom, Message, MessageFile, Participant
from invites.models import Invite
from tests.api.test_real_clients import first_set_cookie, node_client, python_client, requests_headers, requests_post
from tests.conftest import PASSWORD

TEAHAZ = "/api/v0"
EVERYONE_RW = [{"classID": "1", "r": True, "w": True, "x": False}]


def b64(text: str) -> str:
    """teahaz.py's `_encode`: base64 of the text's bytes."""
    return base64.b64encode(text.encode("utf-8")).decode("ascii")


def message_from_dict(data: dict) -> dict:
    """teahaz.py `Message.from_dict`: these keys, a system message's data an object, any other data base64."""
    for key in ("messageID", "time", "type", "data", "channelID", "username"):
        assert key in data, key
    assert isinstance(data["time"], float)
    if data["type"].startswith("system"):
        assert isinstance(data["data"], dict)
        assert {"event_type", "user_info"} <= set(data["data"])
    elif data["type"] == "file":
        base64.b64decode(data["data"], validate=True)
    else:
        base64.b64decode(data["data"], validate=True).decode("ascii")  # the client's `_decode`
    return data


def channel_from_dict(data: dict) -> tuple[str, str, dict]:
    """teahaz.py `Channel.from_dict`: channelID, name and the caller's permissions (dict[str, bool])."""
    assert all(isinstance(value, bool) for value in data["permissions"].values())
    return data["channelID"], data["name"], data["permissions"]


def user_from_dict(data: dict) -> tuple[str, dict]:
    """teahaz.py `User.from_dict`: username and color."""
    assert set(data["color"]) == {"r", "g", "b"}
    return data["username"], data["color"]


def invite_from_dict(data: dict) -> dict:
    """teahaz.py `Invite.from_dict`: uses, uid, chatroom_id, expiration_time (it sets url itself)."""
    for key in ("uses", "uid", "chatroom_id", "expiration_time"):
        assert key in data, key
    return data


def test_teahaz_py_2022_session(db):
    alice = python_client()

    # Chatroom.create: POST {url}/api/v0/chatroom, then users[0] is the client itself and channels[0] its channel.
    created = requests_post(
        alice, f"{TEAHAZ}/chatroom", {"username": "alice", "password": PASSWORD, "chatroom-name": "Tea party"}
    )
    assert created.status_code == 200
    data = created.json()
    chatroom_id = data["chatroomID"]
    assert data["chatroom_name"] == "Tea party"
    assert user_from_dict(data["users"][0])[0] == "alice"
    default_id, default_name, permissions = channel_from_dict(data["channels"][0])
    assert (default_name, permissions) == ("default", {"r": True, "w": True, "x": True})

    # Teacup.login on a fresh session: {"username", "password"}, answer ignored, then get_channels.
    session = python_client()
    login = requests_post(session, f"{TEAHAZ}/login/{chatroom_id}", {"username": "alice", "password": PASSWORD})
    assert login.status_code == 200
    channels = session.get(f"{TEAHAZ}/channels/{chatroom_id}", headers={"username": "alice"})
    assert channels.status_code == 200
    assert [channel_from_dict(c)[:2] for c in channels.json()] == [(default_id, "default")]
    users = session.get(f"{TEAHAZ}/users/{chatroom_id}", headers={"username": "alice"})
    assert [user_from_dict(u)[0] for u in users.json()] == ["alice"]

    # get_count: time "0" means no time; the welcome is a system message whose data is an object.
    counted = session.get(
        f"{TEAHAZ}/messages/{chatroom_id}",
        headers=requests_headers(
            {"get-method": "count", "username": "alice", "channelID": default_id, "count": "10", "time": "0"}
        ),
    )
    assert counted.status_code == 200
    [welcome] = [message_from_dict(m) for m in counted.json()]
    assert welcome["data"]["event_type"] == "newuser"
    assert user_from_dict(welcome["data"]["user_info"])[0] == "alice"

    # Chatroom.send: base64 text, replyID None; the answer must build a Message.
    sent = requests_post(
        session,
        f"{TEAHAZ}/messages/{chatroom_id}",
        {"username": "alice", "channelID": default_id, "replyID": None, "data": b64("Hello tea")},
    )
    assert sent.status_code == 200
    message = message_from_dict(sent.json())
    assert (message["type"], message["username"], message["data"]) == ("text", "alice", b64("Hello tea"))
    assert Message.objects.get(pk=message["messageID"]).text == "Hello tea"

    # Chatroom.send of bytes: the same body to /files.
    picture = bytes(range(256))
    filed = requests_post(
        session,
        f"{TEAHAZ}/files/{chatroom_id}",
        {"username": "alice", "channelID": default_id, "replyID": None, "data": base64.b64encode(picture).decode()},
    )
    assert filed.status_code == 200
    file_message = message_from_dict(filed.json())
    assert base64.b64decode(file_message["data"]) == picture
    assert MessageFile.objects.get(message_id=file_message["messageID"]).size == 256

    # The event loop: get_since(previous time), then sort by time and drop known ids.
    since = session.get(
        f"{TEAHAZ}/messages/{chatroom_id}",
        headers=requests_headers(
            {"get-method": "since", "username": "alice", "channelID": default_id, "time": str(message["time"])}
        ),
    )
    assert since.status_code == 200
    assert [message_from_dict(m)["messageID"] for m in since.json()] == [
        message["messageID"],
        file_message["messageID"],
    ]

    # create_channel: always exactly this body.
    channel = requests_post(
        session,
        f"{TEAHAZ}/channels/{chatroom_id}",
        {"username": "alice", "channel-name": "random", "permissions": EVERYONE_RW},
    )
    assert channel.status_code == 200
    assert channel_from_dict(channel.json())[1] == "random"
    assert Channel.objects.get(pk=channel.json()["channelID"]).public

    # create_invite: uses always, expiration-time left out by default.
    invite = session.get(
        f"{TEAHAZ}/invites/{chatroom_id}", headers=requests_headers({"username": "alice", "uses": "1"})
    )
    assert invite.status_code == 200
    invite_data = invite_from_dict(invite.json())
    assert invite_data["chatroom_id"] == chatroom_id

    # Teacup.use_invite on a fresh session, for a new account: users[0] must be the new user.
    bob = python_client()
    joined = requests_post(
        bob,
        f"{TEAHAZ}/invites/{chatroom_id}",
        {"inviteID": invite_data["uid"], "username": "bob", "password": PASSWORD},
    )
    assert joined.status_code == 200
    assert user_from_dict(joined.json()["users"][0])[0] == "bob"
    assert [channel_from_dict(c)[1] for c in joined.json()["channels"]] == ["default", "random"]
    assert Invite.objects.get(pk=invite_data["uid"]).uses_left == 0
    read = bob.get(
        f"{TEAHAZ}/messages/{chatroom_id}",
        headers=requests_headers(
            {"get-method": "count", "username": "bob", "channelID": default_id, "count": "10", "time": "0"}
        ),
    )
    assert [message_from_dict(m)["type"] for m in read.json()] == ["file", "text", "system"]


def test_teahaz_js_2022_session(db):
    anonymous = node_client()

    # create_chatroom: POST .../chatroom/ with chatroom-name; the cookie is the first Set-Cookie, split at '='.
    created = anonymous.post(
        f"{TEAHAZ}/chatroom/",
        json.dumps({"username": "alice", "password": PASSWORD, "chatroom-name": "Tea", "nickname": "Alice"}),
        content_type="application/json;charset=utf-8",
    )
    assert created.status_code == 200
    data = created.json()
    chatroom_id = data["chatroomID"]
    name, cookie = first_set_cookie(created)
    assert name == chatroom_id
    assert {"chatroom_name", "chatroomID", "channels", "users"} <= set(data)
    channel_id = data["channels"][0]["channelID"]
    alice = node_client(HTTP_COOKIE=f"{chatroom_id}={cookie}")

    # check_login / get chat info: GET /chatroom/<id> with the username header.
    info = alice.get(f"{TEAHAZ}/chatroom/{chatroom_id}", headers={"username": "alice"})
    assert info.status_code == 200
    assert info.json()["users"][0]["username"] == "alice"

    # send_message: base64 text.
    sent = alice.post(
        f"{TEAHAZ}/messages/{chatroom_id}",
        json.dumps({"username": "alice", "channelID": channel_id, "replyID": None, "data": b64("szia")}),
        content_type="application/json;charset=utf-8",
    )
    assert sent.status_code == 200
    assert (sent.json()["type"], sent.json()["username"], sent.json()["data"]) == ("text", "alice", b64("szia"))

    # get_messages: no get-method, only username, time and channelID; the client looks nicknames up in users.
    polled = alice.get(
        f"{TEAHAZ}/messages/{chatroom_id}",
        headers={"username": "alice", "time": str(sent.json()["time"]), "channelID": channel_id},
    )
    assert polled.status_code == 200
    [mine] = polled.json()
    nicknames = {user["username"]: user["nickname"] for user in info.json()["users"]}
    assert nicknames[mine["username"]] == "alice"
    assert base64.b64decode(mine["data"]).decode() == "szia"

    # create_channel with its default permissions, create_invite with expiration_time (underscore) and classes.
    channel = alice.post(
        f"{TEAHAZ}/channels/{chatroom_id}",
        json.dumps({"username": "alice", "channel-name": "news", "permissions": EVERYONE_RW}),
        content_type="application/json;charset=utf-8",
    )
    assert channel.status_code == 200 and channel.json()["name"] == "news"
    expiry = sent.json()["time"] + 600
    invite = alice.get(
        f"{TEAHAZ}/invites/{chatroom_id}",
        headers={"username": "alice", "uses": "2", "expiration_time": str(expiry), "classes": "[]"},
    )
    assert invite.status_code == 200
    assert Invite.objects.get(pk=invite.json()["inviteID"]).expires_at.timestamp() == pytest.approx(expiry, abs=1e-6)

    # use_invite: inviteID, username, password, nickname.
    joined = node_client().post(
        f"{TEAHAZ}/invites/{chatroom_id}",
        json.dumps({"inviteID": invite.json()["inviteID"], "username": "bob", "password": PASSWORD, "nickname": "B"}),
        content_type="application/json;charset=utf-8",
    )
    assert joined.status_code == 200
    bob_name, bob_cookie = first_set_cookie(joined)
    assert bob_name == chatroom_id and joined.json()["users"][0]["username"] == "bob"
    bob = node_client(HTTP_COOKIE=f"{chatroom_id}={bob_cookie}")
    assert bob.get(f"{TEAHAZ}/chatroom/{chatroom_id}", headers={"username": "bob"}).status_code == 200
    assert Participant.objects.filter(chatroom=Chatroom.objects.get(pk=chatroom_id)).count() == 2


def test_teahaz_py_2022_login_then_every_poll_uses_the_username_header(db, make_user):
    """The issue's report: log in by username, then GET /channels with the header `username` (was 401)."""
    owner = make_user("owner")
    created = requests_post(
        APIClient(), f"{TEAHAZ}/chatroom", {"username": "owner", "password": PASSWORD, "chatroom-name": "R"}
    )
    chatroom_id = created.json()["chatroomID"]
    session = python_client()

    login = requests_post(session, f"{TEAHAZ}/login/{chatroom_id}", {"username": "owner", "password": PASSWORD})
    assert login.status_code == 200
    channels = session.get(f"{TEAHAZ}/channels/{chatroom_id}", headers={"username": "owner"})

    assert channels.status_code == 200
    assert Participant.objects.get(chatroom_id=uuid.UUID(chatroom_id)).user == owner
