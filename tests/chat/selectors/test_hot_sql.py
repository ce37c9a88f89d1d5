"""The hand-written page statement (PostgreSQL) answers exactly what the ORM's query answers, for every shape."""

import itertools
import uuid
from datetime import timedelta

import pytest
from django.db import connection
from django.test import override_settings

from chat.models import Message, Participant
from chat.selectors.messages import message_page
from chat.services.chatrooms import channel_create
from chat.services.messages import message_delete, message_hide, message_post
from chat.services.participants import participant_add
from tests.access import access_of
from tests.chat.selectors.test_messages import T0, add, owners_access

pytestmark = [pytest.mark.django_db, pytest.mark.postgres]


@pytest.fixture
def mixed(chatroom, owner, member, make_user):
    """Two channels; equal send times, a hidden and a deleted message, mentions, a system message."""
    default = chatroom.channels.get(is_default=True)
    other = channel_create(chatroom=chatroom, name="other")
    named = make_user("named", display_name="Named Person")
    participant_add(chatroom=chatroom, user=named)
    Message.objects.filter(chatroom=chatroom).delete()
    messages = []
    for number in range(12):
        channel = default if number % 3 else other
        # Pairs share a send time, so ties are broken by id.
        messages.append(add(chatroom, channel, f"m{number}", at=T0 + timedelta(seconds=number // 2), author=owner))
    mine = Participant.objects.get(chatroom=chatroom, user=owner)
    mentioning, _ = message_post(
        access=access_of(mine), channel_id=default.pk, body="hey", mention_ids=[named.pk, member.pk]
    )
    messages.append(mentioning)
    system = add(chatroom, default, "joined", at=T0 + timedelta(seconds=30))
    Message.objects.filter(pk=system.pk).update(kind=Message.Kind.SYSTEM, author=None, subject=named)
    messages.append(system)
    message_hide(message=messages[4], actor=owner, reason="")
    message_delete(access=owners_access(chatroom), message_id=messages[5].pk)
    return {"default": default, "other": other, "messages": messages, "named": named}


def both(**kwargs):
    with override_settings(CHAT_HOT_SQL=False):
        orm = message_page(**kwargs)
    with override_settings(CHAT_HOT_SQL=True):
        hot = message_page(**kwargs)
    return orm, hot


def test_every_shape_of_page_answers_as_the_orm(chatroom, mixed, settings):
    access = owners_access(chatroom)
    messages = mixed["messages"]
    channel_sets = [None, [access.default_channel], [c for c in access.channels if c.name == "other"]]
    times = [None, T0 + timedelta(seconds=2)]
    later = [None, T0 + timedelta(seconds=4)]
    # Anchors: a plain message, a hidden one (still an anchor), one sharing its send time with another.
    anchors = [None, messages[3].pk, messages[4].pk]
    # A cursor's place (exclusive), either way: one of a pair of equal send times.
    place = (messages[6].sent_at, messages[6].pk)
    places = [(None, True), (place, True), (place, False)]
    compared = 0
    for channels, since, until, after, before, keep, limit, (past, forward) in itertools.product(
        channel_sets, times, later, anchors, [None, messages[9].pk], ["oldest", "newest"], [3, 100], places
    ):
        kwargs = dict(
            access=access,
            channels=channels,
            since=since,
            until=until,
            after=after,
            before=before,
            keep=keep,
            past=past,
            later=forward,
        )
        orm, hot = both(limit=limit, **kwargs)
        assert hot == orm, kwargs
        compared += bool(hot)
    # The shapes above are not all empty: most of them hold rows to compare.
    assert compared > 300
    # Rows carry whom they mention, and a system message its subject.
    rows = message_page(access=access, limit=100, keep="newest")
    by_text = {row["text"]: row for row in rows}
    mentions = sorted(by_text["hey"]["mentions"], key=lambda mention: mention["username"])
    assert [mention["username"] for mention in mentions] == ["member", "named"]
    assert mentions[1] == {"id": mixed["named"].pk, "username": "named", "name": "Named Person"}
    assert by_text["joined"]["subject__username"] == "named" and by_text["joined"]["author_id"] is None
    assert "m4" not in by_text and "m5" not in by_text


def test_an_anchor_elsewhere_is_refused_on_both_paths(chatroom, mixed, settings):
    from chat.exceptions import Invalid

    access = owners_access(chatroom)
    for hot in (False, True):
        settings.CHAT_HOT_SQL = hot
        with pytest.raises(Invalid):
            message_page(access=access, limit=5, keep="oldest", after=uuid.uuid4())


def test_the_statement_is_prepared_once_per_connection(chatroom, mixed, django_assert_num_queries):
    access = owners_access(chatroom)
    with django_assert_num_queries(1):
        first = message_page(access=access, limit=5, keep="newest")
    for _ in range(3):
        assert message_page(access=access, limit=5, keep="newest") == first
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM pg_prepared_statements WHERE statement LIKE %s", ["%json_agg%"])
        (prepared,) = cursor.fetchone()
    assert prepared >= 1


def test_without_prepared_statements_the_same_rows_come(chatroom, mixed, settings):
    access = owners_access(chatroom)
    prepared = message_page(access=access, limit=100, keep="newest", after=mixed["messages"][1].pk)
    settings.DATABASE_PREPARED_STATEMENTS = False
    with connection.cursor() as cursor:
        cursor.execute("DEALLOCATE ALL")
    assert message_page(access=access, limit=100, keep="newest", after=mixed["messages"][1].pk) == prepared
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM pg_prepared_statements")
        assert cursor.fetchone() == (0,)


def test_a_page_without_mentions_reads_none_on_either_path(chatroom, mixed):
    access = owners_access(chatroom)
    for keep in ("oldest", "newest"):
        orm, hot = both(access=access, limit=100, keep=keep, after=mixed["messages"][1].pk, with_mentions=False)
        assert hot == orm and len(hot) > 5
        assert all("mentions" not in row for row in hot)


def test_connections_plan_the_hot_statements_once_and_never_jit_compile():
    with connection.cursor() as cursor:
        cursor.execute("SHOW jit")
        assert cursor.fetchone() == ("off",)
        cursor.execute("SHOW plan_cache_mode")
        assert cursor.fetchone() == ("force_generic_plan",)
