"""Message search: every word found on SQLite, ranked with highlighted snippets on PostgreSQL, only what the
caller may read, never a hidden or deleted message; the indexes that serve it on PostgreSQL."""

import pytest
from django.db import connection
from django.db.models import Q

from chat.exceptions import Invalid
from chat.models import Message, Participant, User
from chat.selectors.search import message_search, message_search_filter
from chat.services.chatrooms import channel_create, chatroom_create, grant_set
from chat.services.messages import message_delete, message_hide, message_post
from tests.access import access_of

pytestmark = pytest.mark.django_db


def access(chatroom, user):
    return access_of(Participant.objects.get(chatroom=chatroom, user=user))


def say(chatroom, user, body, channel=None, **kwargs) -> Message:
    channel_id = (channel or chatroom.channels.get(is_default=True)).pk
    message, _ = message_post(access=access(chatroom, user), channel_id=channel_id, body=body, **kwargs)
    return message


def found(chatroom, user, query, limit=20) -> list:
    return [row["id"] for row in message_search(access=access(chatroom, user), query=query, limit=limit)]


def test_every_word_must_be_there_in_any_case(chatroom, member):
    both = say(chatroom, member, "The Green teapot is on the shelf")
    one = say(chatroom, member, "a green door")
    say(chatroom, member, "nothing to see")
    assert found(chatroom, member, "green TEAPOT") == [both.pk]
    assert set(found(chatroom, member, "green")) == {both.pk, one.pk}
    assert found(chatroom, member, "green -teapot") == [one.pk]


def test_only_channels_the_caller_reads_and_only_visible_messages(chatroom, owner, member):
    staff = channel_create(chatroom=chatroom, name="staff", public=False)
    secret = say(chatroom, owner, "tea plans", channel=staff)
    shown = say(chatroom, member, "tea time")
    hidden = message_hide(message=say(chatroom, member, "tea insults"), actor=owner, reason="rude")
    deleted = say(chatroom, member, "tea regrets")
    message_delete(access=access(chatroom, member), message_id=deleted.pk)
    elsewhere = chatroom_create(creator=owner, name="Elsewhere")
    say(elsewhere, owner, "tea elsewhere")

    assert found(chatroom, member, "tea") == [shown.pk]
    assert set(found(chatroom, owner, "tea")) == {shown.pk, secret.pk}
    grant_set(channel=staff, user=member, r=True, w=False, x=False, actor=owner)
    assert set(found(chatroom, member, "tea")) == {shown.pk, secret.pk}
    assert hidden.pk not in found(chatroom, owner, "insults") and not found(chatroom, owner, "regrets")


def test_rows_carry_the_message_and_a_safe_snippet(chatroom, member):
    message = say(chatroom, member, "<b>Kettle</b> & the kettle song")
    (row,) = message_search(access=access(chatroom, member), query="kettle", limit=5)
    assert (row["id"], row["author_id"], row["text"]) == (message.pk, member.pk, message.text)
    # The text's markup is escaped (SQLite) or dropped (PostgreSQL's headline drops tags), never passed on.
    assert "<b>" not in row["snippet"] and "&amp;" in row["snippet"]
    assert row["snippet"].count("<mark>") == 2
    assert "<mark>Kettle</mark>" in row["snippet"] and "<mark>kettle</mark>" in row["snippet"]


def test_the_limit_keeps_that_many(chatroom, member):
    for index in range(5):
        say(chatroom, member, f"biscuit number {index}")
    assert len(found(chatroom, member, "biscuit", limit=3)) == 3


@pytest.mark.parametrize("query", ["", "   ", '"" -', "x" * 201, None, "a\x00b"])
def test_a_bad_query_is_invalid(chatroom, member, query):
    with pytest.raises(Invalid) as error:
        message_search(access=access(chatroom, member), query=query, limit=5)
    assert error.value.code == "invalid_search"


@pytest.mark.parametrize("limit", [0, 101, "5"])
def test_a_bad_limit_is_invalid(chatroom, member, limit):
    with pytest.raises(Invalid):
        message_search(access=access(chatroom, member), query="tea", limit=limit)


def test_the_filter_narrows_any_queryset_and_a_blank_query_narrows_nothing(chatroom, owner, member):
    tea = say(chatroom, member, "tea for two")
    say(chatroom, member, "coffee for one")
    by_owner = say(chatroom, owner, "hello")
    messages = Message.objects.filter(chatroom=chatroom, kind=Message.Kind.TEXT)
    assert list(message_search_filter(messages, "TEA")) == [tea]
    assert set(message_search_filter(messages, "tea", or_author_ids=[owner.pk])) == {tea, by_owner}
    assert message_search_filter(messages, "  ").count() == 3


@pytest.mark.postgres
def test_postgres_ranks_and_highlights(chatroom, member):
    once = say(chatroom, member, "a pot of tea and a long story about other things entirely")
    often = say(chatroom, member, "tea, tea and more tea")
    rows = message_search(access=access(chatroom, member), query="tea", limit=10)
    assert [row["id"] for row in rows] == [often.pk, once.pk]
    assert rows[0]["rank"] > rows[1]["rank"] > 0
    assert "<mark>tea</mark>" in rows[1]["snippet"] and "story" in rows[1]["snippet"]
    # A phrase in quotes must appear as written (PostgreSQL's web search syntax).
    assert found(chatroom, member, '"pot of tea"') == [once.pk]


@pytest.mark.postgres
def test_postgres_snippets_escape_the_text(chatroom, member):
    say(chatroom, member, "tea when 1 < 2 or <img src=x onerror=alert(1)> & biscuits")
    (row,) = message_search(access=access(chatroom, member), query="tea", limit=5)
    assert "<mark>tea</mark>" in row["snippet"] and "biscuits" in row["snippet"]
    # No markup but the marks: every other angle bracket or ampersand is escaped.
    rest = row["snippet"].replace("<mark>", "").replace("</mark>", "")
    assert "<" not in rest and ">" not in rest and "& " not in rest


@pytest.mark.postgres
def test_postgres_search_and_user_lookups_use_their_indexes(chatroom, member):
    say(chatroom, member, "tea")
    messages = message_search_filter(Message.objects.visible(), "tea")
    # The filter of chat.selectors.users' searches (usersToInvite, usersToMention, listToInvite).
    users = User.objects.filter(Q(display_name__icontains="mem") | Q(username__icontains="mem"))
    with connection.cursor() as cursor:
        cursor.execute("SET enable_seqscan = off")
    try:
        assert "chat_msg_text_search_idx" in messages.explain()
        plan = users.explain()
        assert "chat_user_username_trgm_idx" in plan and "chat_user_display_name_trgm_idx" in plan
    finally:
        with connection.cursor() as cursor:
            cursor.execute("SET enable_seqscan = on")
