"""One whole client session, the way the real Teahaz clients go through it, then what was stored."""

from rest_framework.test import APIClient

from chat.models import Channel, Message, Participant, User
from invites.models import Invite
from tests.api.teahaz.conftest import post_json
from tests.conftest import PASSWORD

SERVER = "/api/v0"


def test_a_whole_client_session(db):
    alice = APIClient()

    # Create a chatroom: the answer is Chatroom data, the cookie is named after the chatroom.
    created = post_json(
        alice, f"{SERVER}/chatroom", {"username": "alice", "password": PASSWORD, "chatroom_name": "Tea party"}
    )
    assert created.status_code == 200
    room = created.json()
    chatroom_id, alice_id = room["chatroomID"], room["userID"]
    assert list(created.cookies) == [chatroom_id]
    default_id = room["channels"][0]["channelID"]

    # Create a channel.
    channel = post_json(
        alice, f"{SERVER}/channels/{chatroom_id}", {"userID": alice_id, "channel_name": "random", "public": True}
    )
    assert channel.status_code == 200
    random_id = channel.json()["channelID"]
    listed = alice.get(f"{SERVER}/channels/{chatroom_id}", headers={"userID": alice_id}).json()
    assert [c["channel_name"] for c in listed] == ["default", "random"]

    # Send, the way the Python client does (replyID null), then with a reply.
    first = post_json(
        alice,
        f"{SERVER}/messages/{chatroom_id}",
        {"userID": alice_id, "channelID": default_id, "replyID": None, "data": "Hello"},
    )
    assert first.status_code == 200
    first_message = first.json()
    second = post_json(
        alice,
        f"{SERVER}/messages/{chatroom_id}",
        {"userID": alice_id, "channelID": random_id, "replyID": None, "data": "Elsewhere"},
    )
    assert second.status_code == 200

    # Poll since the first message's time: inclusive, oldest first.
    polled = alice.get(
        f"{SERVER}/messages/{chatroom_id}",
        headers={"userID": alice_id, "get-method": "since", "time": repr(first_message["send_time"])},
    )
    assert polled.status_code == 200
    assert [m["data"] for m in polled.json()] == ["Hello", "Elsewhere"]

    # Fetch by count: newest first, the welcome included.
    latest = alice.get(
        f"{SERVER}/messages/{chatroom_id}", headers={"userID": alice_id, "get-method": "count", "count": "10"}
    )
    assert [(m["type"], m["data"]) for m in latest.json()] == [
        ("text", "Elsewhere"),
        ("text", "Hello"),
        ("system", "Welcome alice!"),
    ]

    # Create an invite.
    invite = alice.get(f"{SERVER}/invites/{chatroom_id}", headers={"userID": alice_id, "uses": "2"})
    assert invite.status_code == 200
    invite_id = invite.json()["inviteID"]
    assert invite.json()["data"] == f"teahaz:{chatroom_id}/{invite_id}"

    # Join with it as a second user, who then talks.
    bob = APIClient()
    joined = post_json(
        bob,
        f"{SERVER}/invites/{chatroom_id}",
        {"inviteID": invite_id, "username": "bob", "password": "bob's long password"},
    )
    assert joined.status_code == 200
    bob_id = joined.json()["userID"]
    assert [c["permissions"] for c in joined.json()["channels"]] == [{"r": True, "w": True, "x": False}] * 2
    reply = post_json(
        bob,
        f"{SERVER}/messages/{chatroom_id}",
        {"userID": "bob", "channelID": default_id, "replyID": first_message["messageID"], "data": "Hi alice"},
    )
    assert reply.status_code == 200
    users = alice.get(f"{SERVER}/users/{chatroom_id}", headers={"userID": alice_id}).json()
    assert [u["username"] for u in users] == ["alice", "bob"]

    # Log out, and log in again by username.
    assert bob.delete(f"{SERVER}/login/{chatroom_id}").status_code == 200
    assert bob.get(f"{SERVER}/login/{chatroom_id}", headers={"userID": bob_id}).status_code == 401
    again = post_json(bob, f"{SERVER}/login/{chatroom_id}", {"userID": "BOB", "password": "bob's long password"})
    assert again.status_code == 200 and again.json()["userID"] == bob_id
    assert bob.get(f"{SERVER}/login/{chatroom_id}", headers={"userID": bob_id}).status_code == 200
    seen = bob.get(
        f"{SERVER}/messages/{chatroom_id}",
        headers={"userID": bob_id, "get-method": "count", "channelID": default_id, "count": "1"},
    )
    assert [(m["userID"], m["replyID"], m["data"]) for m in seen.json()] == [
        (bob_id, first_message["messageID"], "Hi alice")
    ]

    # What was stored.
    alice_user, bob_user = User.objects.get(pk=alice_id), User.objects.get(pk=bob_id)
    assert Participant.objects.get(chatroom_id=chatroom_id, user=alice_user).role == Participant.Role.OWNER
    assert Participant.objects.get(chatroom_id=chatroom_id, user=bob_user).invited_by == alice_user
    assert Channel.objects.filter(chatroom_id=chatroom_id).count() == 2
    assert Message.objects.filter(chatroom_id=chatroom_id).count() == 4
    assert Message.objects.get(text="Hi alice").reply_to_id is not None
    assert Invite.objects.get(pk=invite_id).uses_left == 1
