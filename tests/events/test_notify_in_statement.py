"""On PostgreSQL without Redis, a post's NOTIFY is a column of its one statement and goes out with its commit."""

import orjson
import psycopg
import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from chat.events import bus
from chat.models import Participant
from chat.services.messages import message_post
from tests.access import access_of

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def listener(settings):
    settings.CHAT_EVENTS_REDIS_URL = ""
    settings.CHAT_EVENTS_CHANNEL = "chat_events_notify_test"
    engine = bus.transport()
    assert isinstance(engine, bus.PostgresTransport)
    params = engine._connect_params()
    with psycopg.connect(autocommit=True, **params) as conn:
        conn.execute(f'LISTEN "{settings.CHAT_EVENTS_CHANNEL}"')
        yield conn


def _received(conn) -> list[dict]:
    """The notifications that arrived (within a second of the last)."""
    found = []
    while batch := [orjson.loads(notify.payload) for notify in conn.notifies(timeout=1, stop_after=1)]:
        found += batch
    return found


def test_a_post_notifies_with_its_commit_in_its_own_statement(listener, chatroom, member):
    me = Participant.objects.get(chatroom=chatroom, user=member)
    default = chatroom.channels.get(is_default=True)
    access = access_of(me)
    _received(listener)  # the chatroom's creation and the member's join
    with CaptureQueriesContext(connection) as queries:
        message_post(access=access, channel_id=default.pk, body="hello")
    # One statement: the place, the message, its event and the NOTIFY; no pg_notify after it.
    assert len(queries) == 1 and "pg_notify" in queries[0]["sql"]
    assert _received(listener) == [{"c": [str(chatroom.pk)], "u": []}]


def test_a_retry_that_inserts_nothing_notifies_nobody(listener, chatroom, member):
    me = Participant.objects.get(chatroom=chatroom, user=member)
    default = chatroom.channels.get(is_default=True)
    _received(listener)
    message, _created = message_post(access=access_of(me), channel_id=default.pk, body="once")
    assert len(_received(listener)) == 1
    again, created = message_post(access=access_of(me), channel_id=default.pk, body="once", message_id=message.pk)
    assert not created and again.pk == message.pk
    assert _received(listener) == []


def test_a_post_inside_a_transaction_notifies_once_at_its_commit(listener, chatroom, member, owner):
    me = Participant.objects.get(chatroom=chatroom, user=member)
    default = chatroom.channels.get(is_default=True)
    _received(listener)
    # With mentions the post is a transaction of its own: the notice goes out after COMMIT, as every other's.
    message_post(access=access_of(me), channel_id=default.pk, body="hi", mention_ids=[owner.pk])
    assert _received(listener) == [{"c": [str(chatroom.pk)], "u": []}]
