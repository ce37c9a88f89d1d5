"""Both Teahaz dialects at once (teahaz-2022.md): every endpoint, both mounts, either spelling, both answers.

The matrix runs each test for the 2021 dialect (the caller named by `userID`) and the 2022 dialect (by
`username`); 2021 answers keep exactly the 2021 keys, 2022 answers carry both spellings.
"""

import uuid

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from chat.models import Channel, ChannelGrant, Chatroom, Message, Participant, User
from chat.services.participants import participant_add
from invites.models import Invite
from invites.services import invite_create
from tests.api.teahaz.conftest import MOUNTS, post_json, url
from tests.conftest import PASSWORD

DIALECTS = ("2021", "2022")
# Every answer carries the 2021 keys and the 2022 spellings, whatever the dialect of the request (addendum section 3).
CHANNEL_2021 = {"channelID", "channel_name", "public", "permissions"}
CHANNEL_KEYS = CHANNEL_2021 | {"name"}
USER_2021 = {"userID", "username", "color"}
USER_KEYS = USER_2021 | {"nickname", "colour"}
MESSAGE_2021 = {"messageID", "channelID", "userID", "replyID", "keyID", "send_time", "type", "data"}
MESSAGE_KEYS = MESSAGE_2021 | {"time", "username"}
INVITE_2021 = {"uid", "inviteID", "uses", "expiration-time", "data"}
INVITE_KEYS = INVITE_2021 | {"expiration_time", "chatroom_id", "chatroomID"}
CHATROOM_2021 = {"chatroomID", "chatroom_name", "userID", "channels"}
CHATROOM_KEYS = CHATROOM_2021 | {"users"}


def caller(user: User, dialect: str) -> dict[str, str]:
    """How each dialect names its caller: the 2021 clients by id, the 2022 ones by username."""
    return {"userID": str(user.pk)} if dialect == "2021" else {"username": user.username}


def logged_in_client(user: User, chatroom: Chatroom, dialect: str) -> APIClient:
    client = APIClient()
    response = post_json(client, url("login", chatroom.pk), {**caller(user, dialect), "password": PASSWORD})
    assert response.status_code == 200, response.content
    return client


@pytest.fixture(params=DIALECTS)
def dialect(request) -> str:
    return request.param


@pytest.fixture(params=MOUNTS)
def mount(request) -> str:
    return request.param


# ------------------------------------------------------------------------------------- who is calling


def test_every_endpoint_answers_either_dialect_at_both_mounts(dialect, mount, owner, chatroom):
    client = logged_in_client(owner, chatroom, dialect)
    as_caller = caller(owner, dialect)
    channel_id = str(Channel.objects.get(chatroom=chatroom, is_default=True).pk)

    def at(endpoint: str) -> str:
        return url(endpoint, chatroom.pk, mount=mount)

    answers = {
        "chatroom": client.get(at("chatroom"), headers=as_caller),
        "login": client.get(at("login"), headers=as_caller),
        "users": client.get(at("users"), headers=as_caller),
        "channels": client.get(at("channels"), headers=as_caller),
        "messages": client.get(at("messages"), headers={**as_caller, "get-method": "count"}),
        "send": post_json(client, at("messages"), {**as_caller, "channelID": channel_id, "data": "SGk="}),
        "file": post_json(client, at("files"), {**as_caller, "channelID": channel_id, "data": "AAEC"}),
        "channel": post_json(client, at("channels"), {**as_caller, "channel_name": f"c{dialect}"}),
        "invite": client.get(at("invites"), headers=as_caller),
    }

    assert {name: answer.status_code for name, answer in answers.items()} == dict.fromkeys(answers, 200)
    assert set(answers["chatroom"].json()) == CHATROOM_KEYS
    assert all(set(user) == USER_KEYS for user in answers["users"].json())
    assert all(set(channel) == CHANNEL_KEYS for channel in answers["channels"].json())
    assert all(set(message) == MESSAGE_KEYS for message in answers["messages"].json())
    assert set(answers["send"].json()) == MESSAGE_KEYS
    assert set(answers["file"].json()) == MESSAGE_KEYS
    assert set(answers["channel"].json()) == CHANNEL_KEYS
    assert set(answers["invite"].json()) == INVITE_KEYS
    assert Message.objects.filter(chatroom=chatroom, author=owner).count() == 2
    assert Channel.objects.filter(chatroom=chatroom, name=f"c{dialect}").exists()
    assert Invite.objects.filter(chatroom=chatroom).count() == 1


def test_a_username_is_matched_without_regard_to_letter_case(owner, chatroom):
    client = logged_in_client(owner, chatroom, "2022")
    response = client.get(url("channels", chatroom.pk), headers={"username": "OWNER"})
    assert response.status_code == 200
    assert response.json()[0]["name"] == "default"


@pytest.mark.parametrize(
    "claims",
    [
        {},
        {"username": "member"},
        {"userID": "owner", "username": "member"},
        {"userID": "member", "username": "owner"},
        {"username": ""},
    ],
)
def test_a_caller_named_wrongly_or_not_at_all_is_401(owner, member, chatroom, claims):
    client = logged_in_client(owner, chatroom, "2021")
    channel_id = str(Channel.objects.get(chatroom=chatroom, is_default=True).pk)

    listed = client.get(url("channels", chatroom.pk), headers=claims)
    sent = post_json(client, url("messages", chatroom.pk), {**claims, "channelID": channel_id, "data": "x"})

    assert listed.status_code == sent.status_code == 401
    assert set(listed.json()) == {"detail", "code"}
    assert not Message.objects.filter(author=owner).exists()


def test_both_names_of_the_same_caller_are_accepted(owner, chatroom):
    client = logged_in_client(owner, chatroom, "2021")
    response = client.get(url("users", chatroom.pk), headers={"userID": str(owner.pk), "username": "owner"})
    assert response.status_code == 200
    assert set(response.json()[0]) == USER_KEYS


@pytest.mark.parametrize(
    "body",
    [{"username": "member", "userID": "owner"}, {"username": "owner", "userID": "member"}],
)
def test_log_in_naming_two_users_is_401(owner, member, chatroom, body):
    response = post_json(APIClient(), url("login", chatroom.pk), {**body, "password": PASSWORD})
    assert response.status_code == 401
    assert "Set-Cookie" not in response.headers


def test_log_in_by_username_answers_chatroom_data_with_the_caller_first(owner, member, chatroom):
    response = post_json(APIClient(), url("login", chatroom.pk), {"username": "member", "password": PASSWORD})

    assert response.status_code == 200
    data = response.json()
    assert set(data) == CHATROOM_KEYS
    assert [user["username"] for user in data["users"]] == ["member", "owner"]
    assert data["userID"] == str(member.pk)
    assert data["channels"][0]["name"] == "default"
    assert response.cookies[str(chatroom.pk)].value


# ------------------------------------------------------------------------------------- datatypes


def test_the_2022_spellings_carry_the_same_values(make_user, owner, chatroom):
    member = make_user("member", display_name="Member Mary")
    participant_add(chatroom=chatroom, user=member)
    client = logged_in_client(member, chatroom, "2022")
    as_member = {"username": "member"}

    [default] = client.get(url("channels", chatroom.pk), headers=as_member).json()
    assert default["name"] == default["channel_name"] == "default"

    users = {user["username"]: user for user in client.get(url("users", chatroom.pk), headers=as_member).json()}
    assert users["member"]["nickname"] == "Member Mary" and users["owner"]["nickname"] == "owner"
    assert (
        users["member"]["colour"]
        == users["member"]["color"]
        == {
            "r": member.color_r,
            "g": member.color_g,
            "b": member.color_b,
        }
    )

    sent = post_json(
        client, url("messages", chatroom.pk), {**as_member, "channelID": default["channelID"], "data": "SGk="}
    )
    assert sent.json()["time"] == sent.json()["send_time"]
    assert sent.json()["username"] == "member"


def test_the_2022_invite_names_its_chatroom_and_expiry_in_both_spellings(owner, chatroom):
    client = logged_in_client(owner, chatroom, "2022")
    response = client.get(url("invites", chatroom.pk), headers={"username": "owner", "uses": "3"})

    assert response.status_code == 200
    invite = response.json()
    assert invite["chatroom_id"] == invite["chatroomID"] == str(chatroom.pk)
    assert invite["expiration_time"] == invite["expiration-time"]
    assert invite["uid"] == invite["inviteID"]
    assert Invite.objects.get(pk=invite["uid"]).uses_left == 3


@pytest.mark.parametrize("spelling", ["expiration-time", "expiration_time"])
def test_an_invite_expiry_in_either_spelling(dialect, owner, chatroom, spelling):
    client = logged_in_client(owner, chatroom, dialect)
    expiry = timezone.now().timestamp() + 3600.25

    by_header = client.get(url("invites", chatroom.pk), headers={**caller(owner, dialect), spelling: str(expiry)})
    by_query = client.get(url("invites", chatroom.pk) + f"?{spelling}={expiry}", headers=caller(owner, dialect))

    for response in (by_header, by_query):
        assert response.status_code == 200
        stored = Invite.objects.get(pk=response.json()["inviteID"])
        assert stored.expires_at.timestamp() == pytest.approx(expiry, abs=1e-6)


def test_two_disagreeing_expiries_are_400(owner, chatroom):
    client = logged_in_client(owner, chatroom, "2022")
    soon = timezone.now().timestamp() + 60
    response = client.get(
        url("invites", chatroom.pk) + f"?expiration_time={soon + 1}",
        headers={"username": "owner", "expiration-time": str(soon)},
    )
    assert response.status_code == 400
    assert response.json()["code"] == "conflicting_spellings"
    assert not Invite.objects.exists()


# ------------------------------------------------------------------------------------- chatrooms


@pytest.mark.parametrize(
    ("names", "dialect"),
    [
        ({"chatroom_name": "Tea"}, "2021"),
        ({"chatroom-name": "Tea"}, "2022"),
        ({"chatroom_name": "Tea", "chatroom-name": "Tea"}, "2022"),
    ],
)
def test_create_a_chatroom_in_either_spelling(db, mount, names, dialect):
    """Both dialects name the new owner `username` here: the chatroom name's spelling tells them apart."""
    response = post_json(
        APIClient(), url("chatroom", mount=mount), {"username": "alice", "password": PASSWORD, **names}
    )

    assert response.status_code == 200
    data = response.json()
    assert set(data) == CHATROOM_KEYS
    assert data["chatroom_name"] == "Tea"
    if dialect == "2022":
        assert [user["username"] for user in data["users"]] == ["alice"]
    assert Chatroom.objects.get(pk=data["chatroomID"]).name == "Tea"


def test_two_disagreeing_chatroom_names_are_400(db):
    response = post_json(
        APIClient(),
        url("chatroom"),
        {"username": "alice", "password": PASSWORD, "chatroom_name": "Tea", "chatroom-name": "Coffee"},
    )
    assert response.status_code == 400
    assert response.json()["code"] == "conflicting_spellings"
    assert not Chatroom.objects.exists() and not User.objects.exists()


def test_the_javascript_nickname_is_accepted(db):
    response = post_json(
        APIClient(),
        url("chatroom"),
        {"username": "alice", "password": PASSWORD, "chatroom-name": "Tea", "nickname": "Alice"},
    )
    assert response.status_code == 200


def test_using_an_invite_puts_the_joining_user_first(owner, member, chatroom):
    invite = invite_create(chatroom=chatroom, created_by=owner, uses=1)
    response = post_json(
        APIClient(),
        url("invites", chatroom.pk),
        {"inviteID": invite.id, "username": "newcomer", "password": PASSWORD},
    )

    assert response.status_code == 200
    assert [user["username"] for user in response.json()["users"]] == ["newcomer", "owner", "member"]
    assert Participant.objects.filter(chatroom=chatroom, user__username="newcomer").exists()


# ------------------------------------------------------------------------------------- channels


@pytest.mark.parametrize(
    "names",
    [{"channel_name": "news"}, {"channel-name": "news"}, {"channel_name": "news", "channel-name": "news"}],
)
def test_create_a_channel_in_either_spelling(dialect, owner, chatroom, names):
    client = logged_in_client(owner, chatroom, dialect)
    response = post_json(client, url("channels", chatroom.pk), {**caller(owner, dialect), **names})

    assert response.status_code == 200
    assert response.json()["channel_name"] == "news"
    assert Channel.objects.get(chatroom=chatroom, name="news").public


def test_two_disagreeing_channel_names_are_400(owner, chatroom):
    client = logged_in_client(owner, chatroom, "2022")
    response = post_json(
        client, url("channels", chatroom.pk), {"username": "owner", "channel_name": "a", "channel-name": "b"}
    )
    assert response.status_code == 400
    assert response.json()["code"] == "conflicting_spellings"
    assert Channel.objects.filter(chatroom=chatroom).count() == 1


def everyone(r: bool, w: bool, x: bool, class_id: object = "1") -> list[dict]:
    return [{"classID": class_id, "r": r, "w": w, "x": x}]


@pytest.mark.parametrize(
    ("extra", "public"),
    [
        ({"permissions": everyone(True, True, False)}, True),
        ({"permissions": everyone(False, False, False)}, False),
        ({}, True),
        ({"public": False, "permissions": everyone(True, True, False)}, False),
        ({"public": True, "permissions": everyone(False, False, False)}, True),
    ],
)
def test_channel_permissions_of_2022_make_a_public_or_private_channel(dialect, owner, member, chatroom, extra, public):
    client = logged_in_client(owner, chatroom, dialect)
    response = post_json(client, url("channels", chatroom.pk), {**caller(owner, dialect), "channel-name": "c", **extra})

    assert response.status_code == 200
    assert response.json()["public"] is public
    assert response.json()["permissions"] == {"r": True, "w": True, "x": True}  # the creator's own
    assert Channel.objects.get(chatroom=chatroom, name="c").public is public
    assert not ChannelGrant.objects.exists()


@pytest.mark.parametrize(
    "permissions",
    [
        everyone(True, False, False),  # read-only for everyone: not a channel the model can hold
        everyone(True, True, True),
        everyone(True, True, False, class_id="0"),  # the constructor class
        everyone(True, True, False, class_id="7"),
        everyone(True, True, False, class_id=1),  # classID must be a string
        [{"classID": "1", "r": "yes", "w": True, "x": False}],
        [{"classID": "1", "r": True, "w": True}],
        {"classID": "1", "r": True, "w": True, "x": False},
        [],
        ["1"],
        "public",
        everyone(True, True, False) + everyone(False, False, False),
    ],
)
def test_channel_permissions_the_model_cannot_hold_are_400(owner, chatroom, permissions):
    client = logged_in_client(owner, chatroom, "2022")
    response = post_json(
        client, url("channels", chatroom.pk), {"username": "owner", "channel-name": "c", "permissions": permissions}
    )
    assert response.status_code == 400
    assert set(response.json()) == {"detail", "code"}
    assert not Channel.objects.filter(name="c").exists()


# ------------------------------------------------------------------------------------- the three dialect rules


def test_a_system_message_is_a_string_for_2021_and_an_object_for_2022(owner, chatroom):
    answers = {
        dialect: logged_in_client(owner, chatroom, dialect)
        .get(url("messages", chatroom.pk), headers={**caller(owner, dialect), "get-method": "count"})
        .json()
        for dialect in DIALECTS
    }

    [old] = answers["2021"]
    [new] = answers["2022"]
    assert old["type"] == new["type"] == "system"
    assert old["data"] == "Welcome owner!"
    assert new["data"] == {
        "event_type": "newuser",
        "user_info": {
            "userID": str(owner.pk),
            "username": "owner",
            "nickname": "owner",
            "color": {"r": owner.color_r, "g": owner.color_g, "b": owner.color_b},
            "colour": {"r": owner.color_r, "g": owner.color_g, "b": owner.color_b},
        },
    }
    assert old["userID"] is new["userID"] is None and new["username"] is None
    assert Message.objects.get(kind=Message.Kind.SYSTEM).subject == owner


def test_without_get_method_2022_means_since_and_2021_is_400(owner, chatroom):
    welcome = Message.objects.get(chatroom=chatroom)
    time = str(welcome.sent_at.timestamp())

    old = logged_in_client(owner, chatroom, "2021").get(
        url("messages", chatroom.pk), headers={"userID": str(owner.pk), "time": time}
    )
    new = logged_in_client(owner, chatroom, "2022").get(
        url("messages", chatroom.pk), headers={"username": "owner", "time": time}
    )
    untimed = logged_in_client(owner, chatroom, "2022").get(url("messages", chatroom.pk), headers={"username": "owner"})

    assert old.status_code == 400 and old.json()["code"] == "invalid_get_method"
    assert new.status_code == 200 and [m["messageID"] for m in new.json()] == [str(welcome.pk)]
    assert untimed.status_code == 400 and untimed.json()["code"] == "time_required"


@pytest.mark.parametrize("time", ["0", "0.0", "-1"])
def test_count_with_time_zero_is_unbounded_for_2022(owner, chatroom, time):
    client = logged_in_client(owner, chatroom, "2022")
    channel_id = str(Channel.objects.get(chatroom=chatroom, is_default=True).pk)
    for text in ("b25l", "dHdv"):
        post_json(client, url("messages", chatroom.pk), {"username": "owner", "channelID": channel_id, "data": text})

    response = client.get(
        url("messages", chatroom.pk), headers={"username": "owner", "get-method": "count", "count": "2", "time": time}
    )

    assert response.status_code == 200
    assert [m["data"] for m in response.json()] == ["dHdv", "b25l"]  # the newest two, newest first


def test_count_with_time_zero_is_nothing_for_2021(owner, chatroom):
    client = logged_in_client(owner, chatroom, "2021")
    response = client.get(
        url("messages", chatroom.pk), headers={"userID": str(owner.pk), "get-method": "count", "time": "0"}
    )
    assert response.status_code == 200 and response.json() == []


def test_two_dialects_post_to_the_same_channel(owner, member, chatroom):
    old = logged_in_client(owner, chatroom, "2021")
    new = logged_in_client(member, chatroom, "2022")
    channel_id = str(Channel.objects.get(chatroom=chatroom, is_default=True).pk)

    post_json(old, url("messages", chatroom.pk), {"userID": "owner", "channelID": channel_id, "data": "Hello"})
    post_json(new, url("messages", chatroom.pk), {"username": "member", "channelID": channel_id, "data": "SGk="})

    seen_old = old.get(url("messages", chatroom.pk), headers={"userID": "owner", "get-method": "count"}).json()
    seen_new = new.get(url("messages", chatroom.pk), headers={"username": "member", "get-method": "count"}).json()
    assert [m["data"] for m in seen_old] == ["SGk=", "Hello", "Welcome owner!"]
    assert [m["data"] for m in seen_new[:2]] == ["SGk=", "SGVsbG8="]
    assert uuid.UUID(seen_new[0]["messageID"]) == Message.objects.get(author=member).pk
