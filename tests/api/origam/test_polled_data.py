"""polledData: the merged answer, the read marker it moves, and its fixed, write-free cost when idle."""

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from chat.models import Message, Participant
from chat.services.participants import participant_add
from chat.services.presence import read_marker
from tests.access import cached_reads_expire
from tests.api.origam.helpers import participant_of, post_messages, room_url


def test_polled_data_merges_the_four_endpoints(bearer, owner, member, chatroom):
    post_messages(chatroom, owner, 2)
    client = bearer(member)
    polled = client.get(room_url(chatroom, "polledData"))
    assert polled.status_code == 200
    body = polled.json()
    assert set(body) == {"messages", "info", "participants", "localUser"}
    assert body["messages"] == client.get(room_url(chatroom, "messages")).json()
    assert body["participants"] == client.get(room_url(chatroom, "participants")).json()
    assert body["localUser"] == client.get("/chatrooms/Chat/localUser").json()
    assert body["info"] == client.get(room_url(chatroom, "info")).json()
    assert body["info"]["unreadMessageCount"] == 0


def test_polled_data_takes_the_message_parameters(bearer, owner, chatroom):
    messages = post_messages(chatroom, owner, 5)
    query = {"afterIdIncluding": str(messages[1].pk), "beforeIdIncluding": str(messages[3].pk)}
    body = bearer(owner).get(room_url(chatroom, "polledData"), query).json()
    assert [m["id"] for m in body["messages"]] == [str(m.pk) for m in messages[1:4]]
    query = {"afterIdIncluding": str(messages[1].pk), "limit": 2}
    body = bearer(owner).get(room_url(chatroom, "polledData"), query).json()
    assert [m["id"] for m in body["messages"]] == [str(m.pk) for m in messages[1:3]]


def test_polled_data_marks_read_up_to_the_newest_message_returned(bearer, owner, member, chatroom):
    messages = post_messages(chatroom, owner, 6)
    client = bearer(member)
    assert client.get(room_url(chatroom, "info")).json()["unreadMessageCount"] == 7
    query = {"afterIdIncluding": str(messages[0].pk), "limit": 3}
    body = client.get(room_url(chatroom, "polledData"), query).json()
    assert participant_of(member, chatroom).last_read_at == messages[2].sent_at
    assert body["info"]["unreadMessageCount"] == 3
    client.get(room_url(chatroom, "polledData"))
    # Read again within seconds of the stored marker: the move waits in the cache, and every count sees it.
    assert participant_of(member, chatroom).last_read_at == messages[2].sent_at
    assert read_marker(participant=participant_of(member, chatroom)) == messages[-1].sent_at
    assert client.get("/chatrooms/Chat/").json()[0]["unreadMessageCount"] == 0
    assert client.get(room_url(chatroom, "info")).json()["unreadMessageCount"] == 0
    # Paging back into history never moves the marker back.
    client.get(room_url(chatroom, "polledData"), {"beforeIdIncluding": str(messages[1].pk)})
    assert read_marker(participant=participant_of(member, chatroom)) == messages[-1].sent_at


def test_in_an_active_room_polls_store_the_read_marker_once_per_interval(bearer, owner, member, chatroom, settings):
    """Each poll shows a new message; the row is written for the first and then once the interval has passed."""
    client = bearer(member)
    newest = post_messages(chatroom, owner, 1)[-1]
    client.get(room_url(chatroom, "polledData"))
    assert participant_of(member, chatroom).last_read_at == newest.sent_at
    first = newest
    for _ in range(5):
        newest = post_messages(chatroom, owner, 1)[-1]
        body, queries = _poll(client, chatroom, {"afterIdIncluding": str(newest.pk)})
        assert _updates(queries) == []
        assert body["info"]["unreadMessageCount"] == 0
        assert client.get("/chatrooms/Chat/").json()[0]["unreadMessageCount"] == 0
    assert participant_of(member, chatroom).last_read_at == first.sent_at
    # The stored marker is an interval old: the next move writes it.
    interval = timedelta(seconds=settings.CHAT_READ_MARKER_WRITE_INTERVAL_SECONDS)
    Participant.objects.filter(user=member, chatroom=chatroom).update(last_read_at=timezone.now() - interval)
    cached_reads_expire()
    newest = post_messages(chatroom, owner, 1)[-1]
    _body, queries = _poll(client, chatroom, {"afterIdIncluding": str(newest.pk)})
    assert len(_updates(queries)) == 1
    assert participant_of(member, chatroom).last_read_at == newest.sent_at


def test_plain_messages_and_info_do_not_move_the_read_marker(bearer, owner, member, chatroom):
    post_messages(chatroom, owner, 2)
    client = bearer(member)
    client.get(room_url(chatroom, "messages"))
    client.get(room_url(chatroom, "info"))
    assert participant_of(member, chatroom).last_read_at is None


def test_new_messages_from_others_count_as_unread_until_polled(bearer, owner, member, chatroom):
    client = bearer(member)
    client.get(room_url(chatroom, "polledData"))
    post_messages(chatroom, owner, 2)
    post_messages(chatroom, member, 1)
    assert client.get(room_url(chatroom, "info")).json()["unreadMessageCount"] == 2
    assert client.get(room_url(chatroom, "polledData")).json()["info"]["unreadMessageCount"] == 0


def _updates(queries) -> list[str]:
    return [q["sql"] for q in queries if q["sql"].lstrip().upper().startswith("UPDATE")]


def _grow(chatroom, make_user, owner, *, participants: int, messages: int) -> None:
    for _ in range(participants):
        participant_add(chatroom=chatroom, user=make_user())
    post_messages(chatroom, owner, messages)


def _poll(client, chatroom, query=None) -> tuple[dict, list]:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(room_url(chatroom, "polledData"), query or {})
    assert response.status_code == 200
    return response.json(), list(queries.captured_queries)


@pytest.mark.parametrize("size", [3, 60])
def test_polled_data_runs_a_fixed_number_of_queries(bearer, make_user, owner, member, chatroom, size, is_postgres):
    _grow(chatroom, make_user, owner, participants=size, messages=size)
    mentioned = Message.objects.filter(chatroom=chatroom).order_by("-sent_at")[: size // 2]
    for message in mentioned:
        message.mentions.set([member, owner])
    client = bearer(member)

    # The first poll of the page: no parameters, so it writes presence and the read marker once each.
    body, queries = _poll(client, chatroom)
    assert len(body["messages"]) == size + 1 and len(body["participants"]) == size + 2
    assert len(_updates(queries)) == 2
    # token, access (membership and channels in one), presence and its event, page, read marker and its event,
    # participants (no unread count: a page that reaches the newest message leaves nothing unread); the mentions
    # come inside the page's statement on PostgreSQL, in a query of their own elsewhere.
    mentions = 0 if is_postgres else 1
    assert len(queries) == 8 + mentions
    assert body["info"]["unreadMessageCount"] == 0
    assert sum(len(message["mentions"]) for message in body["messages"]) == 2 * (size // 2)

    # Every later poll: from the last message on; nothing new, so nothing is written. The token check, the
    # access and the participants come from the cache; the page (the anchor is resolved inside it, and on
    # PostgreSQL its mentions too) is the one statement.
    body, queries = _poll(client, chatroom, {"afterIdIncluding": body["messages"][-1]["id"]})
    assert len(body["messages"]) == 1
    assert _updates(queries) == []
    assert len(queries) == 1 + mentions
    assert body["info"]["unreadMessageCount"] == 0
    assert len(body["participants"]) == size + 2


@pytest.mark.parametrize("size", [3, 60])
def test_the_idle_poll_without_the_cache_runs_four_statements(
    bearer, make_user, owner, member, chatroom, size, settings, is_postgres
):
    settings.CHAT_ACCESS_CACHE_SECONDS = 0
    _grow(chatroom, make_user, owner, participants=size, messages=size)
    client = bearer(member)
    body, _queries = _poll(client, chatroom)
    body, queries = _poll(client, chatroom, {"afterIdIncluding": body["messages"][-1]["id"]})
    assert _updates(queries) == []
    # token, access, page (with its mentions on PostgreSQL), participants
    assert len(queries) == (4 if is_postgres else 5)
    assert len(body["participants"]) == size + 2


@pytest.mark.parametrize("size", [3, 60])
def test_message_page_and_participants_run_a_fixed_number_of_queries(
    bearer, make_user, owner, member, chatroom, size, django_assert_num_queries, is_postgres
):
    _grow(chatroom, make_user, owner, participants=size, messages=size)
    client = bearer(member)
    client.get(room_url(chatroom, "info"))  # presence is fresh from here on, the token and access cached
    with django_assert_num_queries(1 if is_postgres else 2):  # the page (and elsewhere its mentions)
        assert len(client.get(room_url(chatroom, "messages")).json()) == size + 1
    with django_assert_num_queries(1):  # the participants, read once
        assert len(client.get(room_url(chatroom, "participants")).json()) == size + 2
    with django_assert_num_queries(0):  # and then from the cache
        assert len(client.get(room_url(chatroom, "participants")).json()) == size + 2


def test_idle_poll_with_a_session_cookie_writes_nothing(session, owner, chatroom):
    client = session(owner)
    first = client.get(room_url(chatroom, "polledData")).json()
    with CaptureQueriesContext(connection) as queries:
        response = client.get(room_url(chatroom, "polledData"), {"afterIdIncluding": first["messages"][-1]["id"]})
    assert response.status_code == 200
    assert _updates(queries) == []
    assert not [q for q in queries if q["sql"].lstrip().upper().startswith(("INSERT", "DELETE"))]


def test_presence_is_refreshed_by_polling_after_the_interval(bearer, owner, chatroom, settings):
    client = bearer(owner)
    client.get(room_url(chatroom, "polledData"))
    seen = participant_of(owner, chatroom).last_seen_at
    Participant.objects.filter(user=owner).update(last_seen_at=seen - timedelta(seconds=16))
    cached_reads_expire()
    _body, queries = _poll(client, chatroom)
    assert len(_updates(queries)) == 1
    assert participant_of(owner, chatroom).last_seen_at > seen


def test_a_poll_paging_back_still_counts_the_unread(bearer, owner, member, chatroom):
    messages = post_messages(chatroom, owner, 4)
    client = bearer(member)
    body = client.get(room_url(chatroom, "polledData"), {"beforeIdIncluding": str(messages[1].pk)}).json()
    assert [m["id"] for m in body["messages"]][-1] == str(messages[1].pk)
    assert body["info"]["unreadMessageCount"] == 2
