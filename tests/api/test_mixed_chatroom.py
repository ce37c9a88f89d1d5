"""One chatroom, three kinds of client: a 2021 Teahaz client, a 2022 Teahaz client and an Origam user.

Each writes the way it does and reads the others in its own encoding (teahaz-2022.md section 4.3).
"""

import base64
import json
import uuid

from rest_framework.test import APIClient

from chat.models import Message, User
from tests.api.origam.helpers import room_url
from tests.api.test_real_clients import python_client, requests_post
from tests.conftest import PASSWORD

TEAHAZ = "/api/v0"


def b64(text: str) -> str:
    return base64.b64encode(text.encode("utf-8")).decode("ascii")


def test_a_2021_client_a_2022_client_and_an_origam_user_read_each_other(db, make_user):
    carol = make_user("carol", display_name="Carol")

    # The 2021 client (teahaz.py of 2021) creates the chatroom and invites; the 2022 client joins by invite.
    old = python_client()
    created = requests_post(
        old, f"{TEAHAZ}/chatroom", {"username": "alice", "password": PASSWORD, "chatroom_name": "Mixed"}
    ).json()
    chatroom_id, alice_id = created["chatroomID"], created["userID"]
    channel_id = created["channels"][0]["channelID"]
    invite = old.get(f"{TEAHAZ}/invites/{chatroom_id}", headers={"userID": "alice", "uses": "1"}).json()
    new = python_client()
    joined = requests_post(
        new, f"{TEAHAZ}/invites/{chatroom_id}", {"inviteID": invite["uid"], "username": "bob", "password": PASSWORD}
    )
    assert joined.status_code == 200 and joined.json()["users"][0]["username"] == "bob"
    # The Origam user is invited through Origam by the owner's browser session.
    owner_page = APIClient()
    owner_page.force_login(User.objects.get(pk=alice_id))
    added = owner_page.post(
        room_url(chatroom_id, "inviteUser"), json.dumps({"userId": str(carol.pk)}), content_type="application/json"
    )
    assert added.status_code == 200

    # Each writes: plain text (teahaz.py 2021), base64 text (teahaz.js 2021 and every 2022 client), Origam HTML.
    def teahaz_send(client: APIClient, caller: dict, data: str) -> str:
        answer = requests_post(
            client, f"{TEAHAZ}/messages/{chatroom_id}", {**caller, "channelID": channel_id, "data": data}
        )
        assert answer.status_code == 200, answer.content
        return answer.json()["messageID"]

    teahaz_send(old, {"userID": "alice"}, "plain from 2021")
    teahaz_send(old, {"userID": alice_id}, b64("base64 from 2021"))
    teahaz_send(new, {"username": "bob"}, b64("from 2022 ✓"))
    file_answer = requests_post(
        new, f"{TEAHAZ}/files/{chatroom_id}", {"username": "bob", "channelID": channel_id, "data": "AAECAw=="}
    )
    assert file_answer.status_code == 200
    carol_page = APIClient()
    carol_page.force_login(carol)
    origam_id = str(uuid.uuid4())
    posted = carol_page.post(
        room_url(chatroom_id, "messages"),
        json.dumps({"id": origam_id, "mentions": [], "text": "<p>from <strong>Origam</strong></p>"}),
        content_type="application/json",
    )
    assert posted.status_code == 200

    # The 2021 client reads what Teahaz clients sent, as sent, and Origam's words as plain text.
    seen_old = old.get(f"{TEAHAZ}/messages/{chatroom_id}", headers={"userID": "alice", "get-method": "count"}).json()
    assert [m["data"] for m in reversed(seen_old)] == [
        "Welcome alice!",
        "plain from 2021",
        b64("base64 from 2021"),
        b64("from 2022 ✓"),
        "AAECAw==",
        "from Origam",
    ]

    # The 2022 client reads base64 of every text (its decoding never breaks), the welcome as an object.
    seen_new = new.get(f"{TEAHAZ}/messages/{chatroom_id}", headers={"username": "bob", "get-method": "count"}).json()
    welcome, *rest = reversed(seen_new)
    assert welcome["data"]["user_info"]["username"] == "alice"
    decoded = [base64.b64decode(m["data"], validate=True) for m in rest]
    assert decoded == [
        b"plain from 2021",
        b"base64 from 2021",
        "from 2022 ✓".encode(),
        b"\x00\x01\x02\x03",
        b"from Origam",
    ]
    assert [m["username"] for m in rest] == ["alice", "alice", "bob", "bob", "carol"]

    # The Origam user reads words, never base64, and a placeholder for the file.
    texts = [m["text"] for m in carol_page.get(room_url(chatroom_id, "messages")).json()]
    assert texts[1:] == [
        "<p>plain from 2021</p>",
        "<p>base64 from 2021</p>",
        "<p>from 2022 ✓</p>",
        "<p>File (4 bytes)</p>",
        "<p>from <strong>Origam</strong></p>",
    ]
    assert Message.objects.filter(chatroom_id=chatroom_id).count() == 6
