"""Abuse limits through HTTP: each protocol answers 429 with Retry-After and the JSON error body, storing nothing."""

from collections.abc import Callable

import pytest
from django.test import override_settings
from rest_framework.test import APIClient

from chat.models import Channel, Chatroom, Message, Participant, User
from chat.services.chatrooms import default_channel
from chat.services.tokens import token_issue
from invites.models import Invite
from tests.api.origam.helpers import API, room_url
from tests.api.teahaz.conftest import as_user, log_in, post_json, url
from tests.conftest import PASSWORD

LIMIT = 3
SMALL = {"user": (LIMIT, 3600), "address": (100, 3600)}
LIMITED = override_settings(
    CHAT_RATE_LIMITS_ENABLED=True,
    CHAT_RATE_LIMITS={
        scope: SMALL for scope in ("message_send", "chatroom_create", "channel_create", "invite_create", "search")
    },
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def logged_in(chatroom) -> Callable[[User], APIClient]:
    """A Teahaz client logged in to the chatroom with its cookie."""

    def make(user: User) -> APIClient:
        client = APIClient()
        log_in(client, user, chatroom)
        return client

    return make


@pytest.fixture
def bearer() -> Callable[[User], APIClient]:
    """An Origam client with a bearer token."""

    def make(user: User) -> APIClient:
        client = APIClient()
        client.credentials(HTTP_AUTHORIZATION=f"Bearer {token_issue(user=user, name='test')[0]}")
        return client

    return make


def assert_throttled(response) -> None:
    assert response.status_code == 429, response.content
    assert response.json() == {"detail": "Too many requests. Try again later.", "code": "rate_limited"}
    assert int(response["Retry-After"]) >= 1


def teahaz_send(client: APIClient, user: User, chatroom: Chatroom, index: int):
    body = {"userID": str(user.pk), "channelID": str(default_channel(chatroom_id=chatroom.pk).pk), "data": f"m{index}"}
    return post_json(client, url("messages", chatroom.pk), body)


def teahaz_channel(client: APIClient, user: User, chatroom: Chatroom, index: int):
    return post_json(client, url("channels", chatroom.pk), {"userID": str(user.pk), "channel_name": f"c{index}"})


def teahaz_invite(client: APIClient, user: User, chatroom: Chatroom, index: int):
    return client.get(url("invites", chatroom.pk), headers=as_user(user))


def origam_send(client: APIClient, user: User, chatroom: Chatroom, index: int):
    return client.post(room_url(chatroom, "messages"), {"text": f"m{index}"}, format="json")


def origam_create(client: APIClient, user: User, chatroom: Chatroom, index: int):
    return client.post(API + "chatrooms/create", {"topic": f"room {index}"}, format="json")


def origam_invite(client: APIClient, user: User, chatroom: Chatroom, index: int):
    other = User.objects.create_user(username=f"guest{index}", password=PASSWORD)
    return client.post(room_url(chatroom, "inviteUser"), {"userId": str(other.pk)}, format="json")


def origam_search(client: APIClient, user: User, chatroom: Chatroom, index: int):
    return client.get(room_url(chatroom, "usersToInvite"), {"searchPhrase": f"x{index}"})


def origam_list_search(client: APIClient, user: User, chatroom: Chatroom, index: int):
    return client.get(API + "users/listToInvite", {"searchPhrase": f"x{index}"})


def stored_messages(chatroom: Chatroom) -> int:
    return Message.objects.filter(chatroom=chatroom, kind=Message.Kind.TEXT).count()


CASES: dict[str, tuple[str, Callable, Callable[[Chatroom], int]]] = {
    "teahaz message": ("teahaz", teahaz_send, stored_messages),
    "teahaz channel": ("teahaz", teahaz_channel, lambda room: Channel.objects.filter(chatroom=room).count() - 1),
    "teahaz invite": ("teahaz", teahaz_invite, lambda room: Invite.objects.filter(chatroom=room).count()),
    "origam message": ("origam", origam_send, stored_messages),
    "origam chatroom": ("origam", origam_create, lambda room: Chatroom.objects.exclude(pk=room.pk).count()),
    "origam invite": ("origam", origam_invite, lambda room: Participant.objects.filter(chatroom=room).count() - 1),
    "origam search": ("origam", origam_search, lambda room: 0),
    "origam list search": ("origam", origam_list_search, lambda room: 0),
}


@LIMITED
@pytest.mark.parametrize("case", CASES)
def test_each_act_is_limited_per_user_on_every_protocol(case, owner, chatroom, logged_in, bearer):
    protocol, act, count = CASES[case]
    client = logged_in(owner) if protocol == "teahaz" else bearer(owner)
    for index in range(LIMIT):
        assert act(client, owner, chatroom, index).status_code == 200
    before = count(chatroom)

    assert_throttled(act(client, owner, chatroom, LIMIT))

    assert count(chatroom) == before
    assert before == (0 if "search" in case else LIMIT)


@LIMITED
def test_the_limit_is_the_users_across_both_protocols(owner, chatroom, logged_in, bearer):
    teahaz, origam = logged_in(owner), bearer(owner)
    assert teahaz_send(teahaz, owner, chatroom, 0).status_code == 200
    assert origam_send(origam, owner, chatroom, 1).status_code == 200
    assert teahaz_send(teahaz, owner, chatroom, 2).status_code == 200
    assert_throttled(origam_send(origam, owner, chatroom, 3))
    assert_throttled(teahaz_send(teahaz, owner, chatroom, 4))
    assert stored_messages(chatroom) == LIMIT


@LIMITED
def test_another_user_is_not_held_back(owner, member, chatroom, bearer):
    for index in range(LIMIT):
        origam_send(bearer(owner), owner, chatroom, index)
    assert_throttled(origam_send(bearer(owner), owner, chatroom, LIMIT))
    assert origam_send(bearer(member), member, chatroom, 0).status_code == 200


@override_settings(
    CHAT_RATE_LIMITS_ENABLED=True,
    CHAT_RATE_LIMITS={"message_send": {"user": (100, 3600), "address": (LIMIT, 3600)}},
)
def test_the_address_has_its_own_limit_over_all_its_users(owner, member, chatroom, bearer):
    for index, user in enumerate([owner, member, owner]):
        assert origam_send(bearer(user), user, chatroom, index).status_code == 200
    assert_throttled(origam_send(bearer(member), member, chatroom, LIMIT))
    other_address = bearer(member).post(
        room_url(chatroom, "messages"), {"text": "x"}, format="json", REMOTE_ADDR="10.7.7.7"
    )
    assert other_address.status_code == 200


@LIMITED
def test_teahaz_chatroom_creation_is_limited_and_stores_nothing_more(api_client):
    body = {"username": "founder", "password": PASSWORD}
    for index in range(LIMIT):
        response = post_json(APIClient(), url("chatroom"), {**body, "chatroom_name": f"room {index}"})
        assert response.status_code == 200, response.content
    assert_throttled(post_json(api_client, url("chatroom"), {**body, "chatroom_name": "one more"}))
    assert list(Chatroom.objects.order_by("name").values_list("name", flat=True)) == ["room 0", "room 1", "room 2"]


@LIMITED
def test_listing_without_a_search_phrase_is_not_a_search(owner, chatroom, bearer):
    client = bearer(owner)
    for _ in range(LIMIT + 2):
        assert client.get(room_url(chatroom, "usersToInvite")).status_code == 200


def test_switched_off_nothing_is_limited_but_failed_log_ins_still_are(owner, chatroom, bearer, settings):
    settings.CHAT_RATE_LIMITS_ENABLED = False
    settings.CHAT_RATE_LIMITS = {"message_send": {"user": (1, 3600), "address": (1, 3600)}}
    settings.CHAT_LOGIN_FAILURES_PER_ACCOUNT = 2
    client = bearer(owner)
    for index in range(5):
        assert origam_send(client, owner, chatroom, index).status_code == 200
    assert stored_messages(chatroom) == 5
    answers = [
        APIClient().post("/api/auth/token", {"username": "owner", "password": "wrong"}, format="json").status_code
        for _ in range(3)
    ]
    assert answers == [401, 401, 429]
