"""The permission matrix: who may read, post and see public and private channels, and create channels and invites."""

import pytest
from rest_framework.test import APIClient

from chat.models import Channel, Message, Participant
from chat.services.chatrooms import channel_create, chatroom_create, grant_set
from chat.services.messages import message_post
from chat.services.participants import participant_add
from invites.models import Invite
from tests.api.teahaz.conftest import log_in, post_json, url
from tests.conftest import PASSWORD

ACTORS = ("anonymous", "other_chatroom", "other_chatroom_token", "member", "member_with_grant", "admin", "owner")

# actor -> channel kind -> (read its messages, post to it, see it in /channels)
CHANNEL_MATRIX = {
    "anonymous": {"public": (401, 401, 401), "private": (401, 401, 401)},
    "other_chatroom": {"public": (401, 401, 401), "private": (401, 401, 401)},
    "other_chatroom_token": {"public": (403, 403, 403), "private": (403, 403, 403)},
    "member": {"public": (200, 200, True), "private": (404, 404, False)},
    # The grant is read-only on the public channel (a mute) and read-write on the private one.
    "member_with_grant": {"public": (200, 403, True), "private": (200, 200, True)},
    "admin": {"public": (200, 200, True), "private": (200, 200, True)},
    "owner": {"public": (200, 200, True), "private": (200, 200, True)},
}
# actor -> (create a channel, create an invite)
CHATROOM_MATRIX = {
    "anonymous": (401, 401),
    "other_chatroom": (401, 401),
    "other_chatroom_token": (403, 403),
    "member": (403, 403),
    "member_with_grant": (403, 403),
    "admin": (200, 200),
    "owner": (200, 200),
}


@pytest.fixture
def world(make_user, owner, chatroom):
    """A chatroom with a public and a private channel, and one client per actor."""
    public = channel_create(chatroom=chatroom, name="public")
    private = channel_create(chatroom=chatroom, name="private", public=False)
    users = {"owner": owner}
    for name, role in (("member", "member"), ("member_with_grant", "member"), ("admin", "admin")):
        users[name] = make_user(name)
        participant_add(chatroom=chatroom, user=users[name], role=role)
    grant_set(channel=public, user=users["member_with_grant"], r=True, w=False, x=False, actor=owner)
    grant_set(channel=private, user=users["member_with_grant"], r=True, w=True, x=False, actor=owner)
    stranger = make_user("stranger")
    elsewhere = chatroom_create(creator=stranger, name="Elsewhere")
    users["anonymous"] = users["other_chatroom"] = users["other_chatroom_token"] = stranger

    clients = {"anonymous": APIClient()}
    clients["other_chatroom"] = APIClient()
    log_in(clients["other_chatroom"], stranger, elsewhere)
    token = post_json(APIClient(), "/api/auth/token", {"username": "stranger", "password": PASSWORD}).json()["token"]
    clients["other_chatroom_token"] = APIClient(headers={"Authorization": f"Bearer {token}"})
    for name in ("member", "member_with_grant", "admin", "owner"):
        clients[name] = APIClient()
        log_in(clients[name], users[name], chatroom)
    return {
        "chatroom": chatroom,
        "channels": {"public": public, "private": private},
        "users": users,
        "clients": clients,
    }


@pytest.mark.parametrize("actor", ACTORS)
@pytest.mark.parametrize("kind", ["public", "private"])
def test_channel_matrix(world, actor, kind):
    chatroom, channel = world["chatroom"], world["channels"][kind]
    client, user = world["clients"][actor], world["users"][actor]
    expected_read, expected_post, expected_listed = CHANNEL_MATRIX[actor][kind]
    owner = Participant.objects.get(chatroom=chatroom, user=world["users"]["owner"])
    message_post(participant=owner, channel_id=channel.id, body="seed")

    read = client.get(
        url("messages", chatroom.id),
        headers={"userID": str(user.id), "get-method": "count", "channelID": str(channel.id)},
    )
    assert read.status_code == expected_read, read.content
    if expected_read == 200:
        assert [message["data"] for message in read.json()] == ["seed"]

    posted = post_json(
        client, url("messages", chatroom.id), {"userID": str(user.id), "channelID": str(channel.id), "data": actor}
    )
    assert posted.status_code == expected_post, posted.content
    assert Message.objects.filter(channel=channel, text=actor).exists() == (expected_post == 200)

    listing = client.get(url("channels", chatroom.id), headers={"userID": str(user.id)})
    if isinstance(expected_listed, bool):
        assert listing.status_code == 200
        assert (str(channel.id) in {c["channelID"] for c in listing.json()}) == expected_listed
    else:
        assert listing.status_code == expected_listed
    for response in (read, posted, listing):
        if response.status_code != 200:
            assert set(response.json()) == {"detail", "code"}


@pytest.mark.parametrize("actor", ACTORS)
def test_chatroom_matrix(world, actor):
    chatroom, client, user = world["chatroom"], world["clients"][actor], world["users"][actor]
    expected_channel, expected_invite = CHATROOM_MATRIX[actor]
    created = post_json(client, url("channels", chatroom.id), {"userID": str(user.id), "channel_name": f"by-{actor}"})
    assert created.status_code == expected_channel
    assert Channel.objects.filter(chatroom=chatroom, name=f"by-{actor}").exists() == (expected_channel == 200)
    invited = client.get(url("invites", chatroom.id), headers={"userID": str(user.id)})
    assert invited.status_code == expected_invite
    assert Invite.objects.filter(chatroom=chatroom).exists() == (expected_invite == 200)


def test_the_channel_objects_carry_each_callers_own_permissions(world):
    chatroom = world["chatroom"]
    expected = {
        "member": {"public": {"r": True, "w": True, "x": False}},
        "member_with_grant": {
            "public": {"r": True, "w": False, "x": False},
            "private": {"r": True, "w": True, "x": False},
        },
        "admin": {"public": {"r": True, "w": True, "x": True}, "private": {"r": True, "w": True, "x": True}},
    }
    for actor, channels in expected.items():
        user = world["users"][actor]
        listing = world["clients"][actor].get(url("channels", chatroom.id), headers={"userID": user.username}).json()
        seen = {c["channel_name"]: c["permissions"] for c in listing if c["channel_name"] != "default"}
        assert seen == channels, actor
