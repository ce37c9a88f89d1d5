"""The admin's message search goes through chat.selectors.search: words anywhere in the text, or an author."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from chat.models import Channel, Message
from tests.chat.admin.helpers import changelist_url, listed, post

pytestmark = pytest.mark.django_db


def test_every_word_anywhere_in_the_text_or_the_author_named(admin_client, member_participant, owner_participant):
    apart = post(member_participant, "World news: hello from the garden")
    post(member_participant, "hello only")
    by_owner = post(owner_participant, "nothing in common")
    assert listed(admin_client, Message, q="hello world") == [apart]
    # The owner's messages, and the welcome that names them.
    assert set(listed(admin_client, Message, q="OWNER")) == {by_owner, Message.objects.get(kind="system")}
    # The author's name is matched whole, not as a part of a word.
    assert listed(admin_client, Message, q="membe") == []


def test_a_search_too_long_is_refused_with_a_message(admin_client, member_participant):
    post(member_participant, "hello")
    response = admin_client.get(changelist_url(Message), {"q": "hello " * 40}, follow=True)
    assert response.status_code == 200
    assert list(response.context["cl"].result_list) == []
    assert "at most 200 characters" in response.content.decode()


@pytest.mark.postgres
def test_on_postgres_the_search_is_the_full_text_match(admin_client, member_participant):
    post(member_participant, "hello world")
    with CaptureQueriesContext(connection) as queries:
        listed(admin_client, Message, q="hello")
    searches = [query["sql"] for query in queries.captured_queries if "chat_message" in query["sql"]]
    assert any("to_tsvector" in sql and "websearch_to_tsquery" in sql for sql in searches)
    assert not any("LIKE" in sql and '"chat_message"."text"' in sql for sql in searches)


def _seed_history(*, chatroom, count: int, rare_word: str, rare_count: int) -> None:
    """`count` messages one second apart; the oldest `rare_count` of them also hold `rare_word`."""
    channel = Channel.objects.get(chatroom=chatroom, is_default=True)
    with connection.cursor() as cursor:
        cursor.execute(
            """
            INSERT INTO chat_message
                (id, chatroom_id, channel_id, author_id, kind, format, body, html, text, key_id, seq, sent_at,
                 hidden_reason)
            SELECT gen_random_uuid(), %(chatroom)s, %(channel)s, %(author)s, 'text', 'plain', t, t, t, '',
                   1000 + i, '2020-01-01T00:00:00Z'::timestamptz + i * interval '1 second', ''
            FROM generate_series(0, %(count)s - 1) AS i,
                 LATERAL (SELECT 'message ' || i || CASE WHEN i < %(rare)s THEN ' ' || %(word)s ELSE '' END) AS m(t)
            """,
            {
                "chatroom": chatroom.pk,
                "channel": channel.pk,
                "author": chatroom.created_by_id,
                "count": count,
                "rare": rare_count,
                "word": rare_word,
            },
        )
        cursor.execute("ANALYZE chat_message")


def _plan(sql: str, params: tuple = ()) -> str:
    with connection.cursor() as cursor:
        cursor.execute("EXPLAIN " + sql, params)
        return "\n".join(row[0] for row in cursor.fetchall())


def _page_query(queries: CaptureQueriesContext) -> str:
    """The SQL of the list's page: the searched messages, ordered, LIMIT one page."""
    pages = [
        query["sql"]
        for query in queries.captured_queries
        if query["sql"].startswith('SELECT "chat_message"."id"')
        and "@@" in query["sql"]
        and "LIMIT 100" in query["sql"]
    ]
    assert len(pages) == 1, [query["sql"][:200] for query in queries.captured_queries]
    return pages[0]


@pytest.mark.postgres
def test_a_word_rare_in_recent_messages_is_found_through_the_text_index(admin_client, chatroom):
    # 20,000 messages; the word is in the oldest 2,000 only. Walking the time index from the newest message
    # would test 18,000 rows before the first match (at a million rows: the whole table, seconds).
    _seed_history(chatroom=chatroom, count=20_000, rare_word="heirloom", rare_count=2_000)
    with connection.cursor() as cursor:
        # At this size the planner would as soon read the table whole; at a million rows it never would.
        cursor.execute("SET LOCAL enable_seqscan = off")

    with CaptureQueriesContext(connection) as queries:
        found = listed(admin_client, Message, q="heirloom")

    plan = _plan(_page_query(queries))
    assert "chat_msg_text_search_idx" in plan, plan
    assert "chat_msg_time_idx" not in plan, plan
    # Still newest first: the newest hundred messages that hold the word.
    assert [message.text for message in found] == [f"message {i} heirloom" for i in range(1_999, 1_899, -1)]


@pytest.mark.postgres
def test_a_word_in_most_messages_keeps_the_time_index(admin_client, chatroom):
    _seed_history(chatroom=chatroom, count=20_000, rare_word="heirloom", rare_count=2_000)
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")

    with CaptureQueriesContext(connection) as queries:
        found = listed(admin_client, Message, q="message")

    # More than 10,000 matches: reading the newest rows finds a page at once, no sort of every match.
    plan = _plan(_page_query(queries))
    assert "chat_msg_time_idx" in plan, plan
    assert [message.text for message in found] == [f"message {i}" for i in range(19_999, 19_899, -1)]
