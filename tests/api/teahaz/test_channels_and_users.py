"""GET/POST /channels and GET /users: the caller's own permissions, admin-only creation, every participant."""

import json

import pytest

from chat.models import Channel, Participant
from chat.services.chatrooms import channel_create, grant_set
from chat.services.participants import participant_add, participant_ban
from tests.api.teahaz.conftest import as_user, post_json, url


def channel_list(client, user, chatroom) -> dict[str, dict]:
    response = client.get(url("channels", chatroom.id), headers=as_user(user))
    assert response.status_code == 200, response.content
    return {channel["channel_name"]: channel for channel in response.json()}


def test_channels_lists_readable_channels_with_the_callers_permissions(logged_in, owner, member, chatroom):
    news = channel_create(chatroom=chatroom, name="news")
    secret = channel_create(chatroom=chatroom, name="secret", public=False)
    channel_create(chatroom=chatroom, name="hidden", public=False)
    grant_set(channel=news, user=member, r=True, w=False, x=False, actor=owner)
    grant_set(channel=secret, user=member, r=True, w=True, x=True, actor=owner)

    seen = channel_list(logged_in(member), member, chatroom)
    assert list(seen) == ["default", "news", "secret"]
    assert seen["default"]["permissions"] == {"r": True, "w": True, "x": False}
    assert seen["news"]["permissions"] == {"r": True, "w": False, "x": False}
    assert seen["secret"] == {
        "channelID": str(secret.id),
        "channel_name": "secret",
        "name": "secret",
        "public": False,
        "permissions": {"r": True, "w": True, "x": True},
    }

    everything = channel_list(logged_in(owner), owner, chatroom)
    assert list(everything) == ["default", "news", "secret", "hidden"]
    assert all(channel["permissions"] == {"r": True, "w": True, "x": True} for channel in everything.values())


def test_a_grant_without_read_hides_a_public_channel(logged_in, owner, member, chatroom):
    news = channel_create(chatroom=chatroom, name="news")
    grant_set(channel=news, user=member, r=False, w=False, x=False, actor=owner)
    assert "news" not in channel_list(logged_in(member), member, chatroom)


@pytest.mark.parametrize("creator", ["owner", "roomadmin"])
def test_admins_create_channels(logged_in, owner, admin_member, chatroom, creator):
    user = owner if creator == "owner" else admin_member
    response = post_json(
        logged_in(user), url("channels", chatroom.id), {"userID": creator, "channel_name": "  general  "}
    )
    assert response.status_code == 200
    channel = Channel.objects.get(chatroom=chatroom, name="general")
    assert response.json() == {
        "channelID": str(channel.id),
        "channel_name": "general",
        "name": "general",
        "public": True,
        "permissions": {"r": True, "w": True, "x": True},
    }
    assert channel.public and not channel.is_default


def test_a_private_channel_is_created_with_public_false(logged_in, owner, member, chatroom):
    response = post_json(
        logged_in(owner), url("channels", chatroom.id), {"userID": "owner", "channel_name": "staff", "public": False}
    )
    assert response.status_code == 200 and response.json()["public"] is False
    assert Channel.objects.get(name="staff").public is False
    assert "staff" not in channel_list(logged_in(member), member, chatroom)


def test_a_member_may_not_create_channels(logged_in, member, chatroom):
    response = post_json(logged_in(member), url("channels", chatroom.id), {"userID": "member", "channel_name": "x"})
    assert response.status_code == 403
    assert response.json()["code"] == "not_chatroom_admin"
    assert not Channel.objects.filter(name="x").exists()


@pytest.mark.parametrize(
    ("fields", "code"),
    [
        ({"channel_name": "default"}, "duplicate_channel"),
        ({"channel_name": ""}, "blank"),
        ({"channel_name": "x" * 65}, "max_length"),
        ({"channel_name": 5}, "invalid"),
        ({"channel_name": "a\x00b"}, "invalid"),
        ({"channel_name": "ok", "public": "yes"}, "invalid"),
        ({"channel_name": "ok", "public": 1}, "invalid"),
        ({"channel_name": "ok", "public": None}, "null"),
        ({}, "required"),
    ],
)
def test_channel_creation_refuses_bad_input_with_400(logged_in, owner, chatroom, fields, code):
    body = json.dumps({"userID": "owner", **fields})
    response = logged_in(owner).post(url("channels", chatroom.id), body, content_type="application/json")
    assert response.status_code == 400, response.content
    assert response.json()["code"] == code
    assert Channel.objects.filter(chatroom=chatroom).count() == 1


def test_a_64_character_channel_name_works(logged_in, owner, chatroom):
    response = post_json(logged_in(owner), url("channels", chatroom.id), {"userID": "owner", "channel_name": "x" * 64})
    assert response.status_code == 200


def test_users_lists_every_active_participant_with_a_color(logged_in, owner, member, make_user, chatroom):
    banned = make_user("banned")
    participant_ban(participant=participant_add(chatroom=chatroom, user=banned)[0], actor=None)
    make_user("stranger")
    response = logged_in(member).get(url("users", chatroom.id), headers=as_user(member))
    assert response.status_code == 200
    assert response.json() == [
        {
            "userID": str(user.id),
            "username": user.username,
            "color": {"r": user.color_r, "g": user.color_g, "b": user.color_b},
            "nickname": user.name,
            "colour": {"r": user.color_r, "g": user.color_g, "b": user.color_b},
        }
        for user in (owner, member)
    ]
    for user in response.json():
        assert all(isinstance(value, int) and 0 <= value <= 255 for value in user["color"].values())


def test_users_and_channels_are_403_for_a_non_participant_with_a_bearer_token(api_client, outsider, chatroom):
    from tests.conftest import PASSWORD

    token = post_json(api_client, "/api/auth/token", {"username": "outsider", "password": PASSWORD}).json()["token"]
    headers = {**as_user(outsider), "Authorization": f"Bearer {token}"}
    for endpoint in ("users", "channels", "chatroom"):
        response = api_client.get(url(endpoint, chatroom.id), headers=headers)
        assert response.status_code == 403
        assert response.json() == {"detail": "You are not a participant of this chatroom.", "code": "not_participant"}
    assert not Participant.objects.filter(user=outsider).exists()
