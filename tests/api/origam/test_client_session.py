"""A whole session of the real client, as one story: two browsers, one chatroom, start to finish."""

import uuid

from rest_framework.test import APIClient

from chat.models import Chatroom, Message, Participant
from tests.api.origam.helpers import API, SAME_ORIGIN, room_url


def browser(user) -> APIClient:
    """The real client in a logged-in browser: session cookie, same-origin Origin, JSON, no CSRF token."""
    client = APIClient(enforce_csrf_checks=True, HTTP_ORIGIN=SAME_ORIGIN)
    client.force_login(user)
    return client


def test_a_whole_client_session(make_user):
    alice = make_user("alice", display_name="Alice")
    bob = make_user("bob", display_name="Bob")
    carol = make_user("carol")
    a, b = browser(alice), browser(bob)

    # Alice finds Bob among the users to invite and creates a chatroom with him.
    listed = a.get(API + "users/listToInvite", {"searchPhrase": "bo"}).json()
    assert listed == [{"id": str(bob.pk), "name": "Bob", "avatarUrl": str(bob.pk)}]
    created = a.post(API + "chatrooms/create", {"topic": "Plans", "inviteUsers": [{"id": listed[0]["id"]}]}, "json")
    assert created.status_code == 200
    room = created.json()
    assert Chatroom.objects.get(pk=room).name == "Plans"

    # Both open the chatroom: the first poll without parameters.
    first = a.get(room_url(room, "polledData")).json()
    assert first["info"]["topic"] == "Plans" and first["localUser"]["name"] == "Alice"
    assert [m["authorName"] for m in first["messages"]] == ["System"]
    b_first = b.get(room_url(room, "polledData")).json()
    assert {p["name"]: p["status"] for p in b_first["participants"]} == {"Alice": "online", "Bob": "online"}
    assert [info["topic"] for info in b.get(API).json()] == ["Plans"]

    # Alice looks Bob up to mention him and sends a message with its own id and the mention.
    mentionable = a.get(room_url(room, "usersToMention"), {"searchPhrase": "BOB"}).json()
    assert [user["id"] for user in mentionable] == [str(bob.pk)]
    message_id = str(uuid.uuid4())
    html = f'<p>Hi <a class="wysiwyg-mention" data-mention-id="{bob.pk}" href="#">@Bob</a>, plans?</p>'
    sent = a.post(room_url(room, "messages"), {"id": message_id, "text": html, "mentions": [str(bob.pk)]}, "json")
    assert sent.status_code == 200
    assert sent.json()["id"] == message_id

    # Bob's next poll (from his last message on) brings it, with the mention; he has it unread until then.
    assert b.get(API).json()[0]["unreadMessageCount"] == 1
    b_last = b_first["messages"][-1]["id"]
    polled = b.get(room_url(room, "polledData"), {"afterIdIncluding": b_last}).json()
    assert [m["id"] for m in polled["messages"]] == [b_last, message_id]
    seen = polled["messages"][-1]
    assert seen["authorName"] == "Alice" and seen["text"] == sent.json()["text"]
    assert seen["mentions"] == [{"id": str(bob.pk), "name": "Bob", "avatarUrl": str(bob.pk)}]
    assert polled["info"]["unreadMessageCount"] == 0
    assert Message.objects.get(pk=message_id).text == "Hi @Bob, plans?"

    # Bob answers and renames the chatroom the way the real client does (POST info).
    assert b.post(room_url(room, "messages"), {"text": "<p>Yes!</p>", "mentions": []}, "json").status_code == 200
    assert b.post(room_url(room, "info"), {"topic": "Summer plans"}, "json").json()["topic"] == "Summer plans"
    polled = a.get(room_url(room, "polledData"), {"afterIdIncluding": message_id}).json()
    assert [m["text"] for m in polled["messages"]][-1] == "<p>Yes!</p>"
    assert polled["info"]["topic"] == "Summer plans"

    # Alice invites Carol, then (as owner) outvites her again; Carol can no longer see the chatroom.
    c = browser(carol)
    assert a.post(room_url(room, "inviteUser"), {"userId": str(carol.pk)}, "json").status_code == 200
    assert c.get(room_url(room, "polledData")).status_code == 200
    assert [u["name"] for u in a.get(room_url(room, "usersToOutvite")).json()] == ["Alice", "Bob", "carol"]
    assert a.post(room_url(room, "outviteUser"), {"userId": str(carol.pk)}, "json").status_code == 200
    assert c.get(room_url(room, "polledData")).status_code == 404

    # Alice abandons the chatroom: Bob becomes its owner and is alone in it.
    assert a.post(room_url(room, "abandon"), {}, "json").status_code == 200
    assert a.get(room_url(room, "polledData")).status_code == 404
    assert a.get(API).json() == []
    assert list(Participant.objects.filter(chatroom_id=room).values_list("user__username", "role")) == [
        ("bob", "owner")
    ]
    assert [p["name"] for p in b.get(room_url(room, "polledData")).json()["participants"]] == ["Bob"]
