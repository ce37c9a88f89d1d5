"""The hot reads cost a fixed number of queries, however many messages, channels and participants there are."""

import uuid

import pytest
from django.db import connection

from chat.models import Channel, Message, Participant
from chat.services.chatrooms import channel_create, grant_set
from chat.services.messages import message_post
from chat.services.participants import participant_add
from tests.access import access_of
from tests.api.teahaz.conftest import as_user, url

# From the database: authentication (the cookie's token with its user), the caller's access (membership and the
# channels with the caller's grants, in one statement), and the page itself. From the cache (a request repeated,
# as every poll is): only the page. Presence is written at most once per interval, so a request right after
# another writes nothing.
MESSAGES_QUERIES = {"cached": 1, "uncached": 3}
# Authentication, access, and the list (the channel list is the access itself); from the cache, nothing.
CHANNELS_QUERIES = {"cached": 0, "uncached": 2}
# Authentication, access, and the participants; from the cache (until someone joins, leaves or changes), nothing.
LIST_QUERIES = {"cached": 0, "uncached": 3}


@pytest.fixture(params=["cached", "uncached"])
def caching(request, settings) -> str:
    """With the cache of token checks, accesses and participants (the default), and with it off."""
    if request.param == "uncached":
        settings.CHAT_ACCESS_CACHE_SECONDS = 0
    return request.param


def warm_up(client, member, chatroom) -> None:
    """A first request marks the member present (one write); the measured one comes right after."""
    assert client.get(url("login", chatroom.id), headers=as_user(member)).status_code == 200


@pytest.fixture(params=[3, 60], ids=["small", "large"])
def size(request) -> int:
    return request.param


@pytest.fixture
def busy_room(make_user, owner, member, chatroom, size):
    """A chatroom with `size` messages, channels (some granted, some private) and participants."""
    default = Channel.objects.get(chatroom=chatroom, is_default=True)
    owner_participant = Participant.objects.get(user=owner, chatroom=chatroom)
    for index in range(size):
        channel = channel_create(chatroom=chatroom, name=f"c{index}", public=index % 2 == 0)
        if index % 3 == 0:
            grant_set(channel=channel, user=member, r=True, w=False, x=False, actor=owner)
        participant_add(chatroom=chatroom, user=make_user(f"u{index}"))
        message_post(access=access_of(owner_participant), channel_id=default.id, body=f"m{index}")
        message_post(access=access_of(owner_participant), channel_id=channel.id, body=f"n{index}")
    return chatroom


@pytest.mark.parametrize(
    "params",
    [
        {"get-method": "count"},
        {"get-method": "count", "count": "100"},
        {"get-method": "since", "time": "0"},
        {"get-method": "since", "time": "0", "channel": "default"},
    ],
)
def test_get_messages_costs_a_fixed_number_of_queries(
    logged_in, member, busy_room, size, params, caching, django_assert_num_queries
):
    client = logged_in(member)
    warm_up(client, member, busy_room)
    headers = {**as_user(member), **params}
    if headers.pop("channel", None):
        headers["channelID"] = str(Channel.objects.get(chatroom=busy_room, is_default=True).id)
    with django_assert_num_queries(MESSAGES_QUERIES[caching]):
        response = client.get(url("messages", busy_room.id), headers=headers)
    assert response.status_code == 200
    readable = sum(1 for i in range(size) if i % 2 == 0 or i % 3 == 0)
    visible = 1 + size if "channelID" in headers else 1 + size + readable  # the welcome, m*, n* where readable
    limit = int(params.get("count", 10)) if params["get-method"] == "count" else 100
    assert len(response.json()) == min(limit, visible)


def test_get_channels_costs_a_fixed_number_of_queries(
    logged_in, member, busy_room, size, caching, django_assert_num_queries
):
    client = logged_in(member)
    warm_up(client, member, busy_room)
    with django_assert_num_queries(CHANNELS_QUERIES[caching]):
        response = client.get(url("channels", busy_room.id), headers=as_user(member))
    assert response.status_code == 200
    # default, the public ones, and the private ones granted to the member.
    assert len(response.json()) == 1 + sum(1 for i in range(size) if i % 2 == 0 or i % 3 == 0)
    assert "c1" not in {channel["channel_name"] for channel in response.json()}


def test_get_users_costs_a_fixed_number_of_queries(
    logged_in, member, busy_room, size, caching, django_assert_num_queries
):
    client = logged_in(member)
    warm_up(client, member, busy_room)
    client.get(url("users", busy_room.id), headers=as_user(member))  # the list, once, as every poll repeats it
    with django_assert_num_queries(LIST_QUERIES[caching]):
        response = client.get(url("users", busy_room.id), headers=as_user(member))
    assert response.status_code == 200
    assert len(response.json()) == size + 2


def test_a_poll_marks_the_caller_present_once_per_interval(logged_in, member, chatroom, django_assert_num_queries):
    client = logged_in(member)
    with django_assert_num_queries(MESSAGES_QUERIES["uncached"] + 2):  # the first: + the presence UPDATE, its event
        client.get(url("messages", chatroom.id), headers={**as_user(member), "get-method": "count"})
    seen = Participant.objects.get(user=member, chatroom=chatroom).last_seen_at
    assert seen is not None
    with django_assert_num_queries(MESSAGES_QUERIES["cached"]):
        client.get(url("messages", chatroom.id), headers={**as_user(member), "get-method": "count"})
    assert Participant.objects.get(user=member, chatroom=chatroom).last_seen_at == seen


# A post: authentication, access, and on PostgreSQL one statement that takes the chatroom's next place and
# inserts (no look-up of its id first, no mention query) and its event's INSERT, in a transaction (its BEGIN and
# COMMIT are counted too). On SQLite the place is an UPDATE and a SELECT before the INSERT.
def post_queries() -> int:
    """The log-in cookie's token with the access (one statement), and one statement that takes the place and
    inserts the message and its event (SQLite: the token, the access, BEGIN, UPDATE, SELECT, INSERT, the event's
    INSERT, COMMIT)."""
    return 2 if connection.vendor == "postgresql" else 8


def retry_queries() -> int:
    """A retry: the same, but its INSERT finds the id taken (and writes no event), then the stored message and its
    mentions are read and compared."""
    return 4 if connection.vendor == "postgresql" else 9


# Outside a test's transaction, as in production: a lone INSERT takes no savepoint.
@pytest.mark.django_db(transaction=True)
def test_a_new_post_costs_a_fixed_number_of_queries(logged_in, member, busy_room, django_assert_num_queries):
    client = logged_in(member)
    warm_up(client, member, busy_room)
    channel = Channel.objects.get(chatroom=busy_room, is_default=True)
    message_id = uuid.uuid4()
    body = {"userID": str(member.pk), "channelID": str(channel.id), "data": "hello", "messageID": str(message_id)}
    # The notice that wakes the event streams goes with the statement's commit on PostgreSQL (its NOTIFY is a
    # column of it), in process on SQLite.
    with django_assert_num_queries(post_queries()):
        response = client.post(url("messages", busy_room.id), body, format="json")
    assert response.status_code == 200, response.content
    stored = Message.objects.get(pk=message_id)
    assert (stored.author, stored.channel, stored.body) == (member, channel, "hello")
    # A retry finds its id taken (and records no event), then reads the stored message and compares (its mentions
    # too).
    with django_assert_num_queries(retry_queries()):
        again = client.post(url("messages", busy_room.id), body, format="json")
    assert again.status_code == 200 and again.json()["messageID"] == str(message_id)
    assert Message.objects.filter(pk=message_id).count() == 1
