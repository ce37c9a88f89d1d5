"""Message pages: inclusive bounds, which end the limit keeps, anchors, several channels, few queries."""

import uuid
from datetime import UTC, datetime, timedelta

import pytest

from chat.access import chatroom_access
from chat.exceptions import Invalid
from chat.models import Message, Participant
from chat.permissions import ChannelAccess
from chat.selectors.messages import mentions_by_message, message_page
from chat.services.chatrooms import channel_create, chatroom_create
from chat.services.messages import message_create, message_hide, message_post
from tests.access import access_of

pytestmark = pytest.mark.django_db

T0 = datetime(2030, 1, 1, 12, 0, tzinfo=UTC)


@pytest.fixture
def default(chatroom):
    return chatroom.channels.get(is_default=True)


def add(chatroom, channel, text: str, *, at: datetime, message_id: uuid.UUID | None = None, author=None) -> Message:
    """A message with a chosen send time (the services always use the clock); add them in the order of `at`."""
    message = message_create(
        id=message_id or uuid.uuid4(),
        chatroom_id=chatroom.pk,
        channel=channel,
        author=author,
        body=text,
        text=text,
        html=f"<p>{text}</p>",
    )
    Message.objects.filter(pk=message.pk).update(sent_at=at)
    message.sent_at = at
    return message


@pytest.fixture
def history(chatroom, default):
    """Five messages a minute apart (m0..m4) after clearing the welcome."""
    Message.objects.filter(chatroom=chatroom).delete()
    return [add(chatroom, default, f"m{n}", at=T0 + timedelta(minutes=n)) for n in range(5)]


def texts(rows: list[dict]) -> list[str]:
    return [row["text"] for row in rows]


def owners_access(chatroom):
    """The access of the chatroom's creator, its owner: rwx on every channel."""
    return chatroom_access(user=chatroom.created_by, chatroom_id=chatroom.pk)


def page(chatroom, channels, **kwargs) -> list[str]:
    kwargs.setdefault("limit", 100)
    kwargs.setdefault("keep", "oldest")
    access = owners_access(chatroom)
    wanted = {channel.pk for channel in channels}
    chosen = [channel for channel in access.channels if channel.id in wanted]
    return texts(message_page(access=access, channels=chosen, **kwargs))


def test_time_bounds_are_inclusive(chatroom, default, history):
    at = [m.sent_at for m in history]
    assert page(chatroom, [default], since=at[1], until=at[3]) == ["m1", "m2", "m3"]
    assert page(chatroom, [default], since=at[4]) == ["m4"]
    assert page(chatroom, [default], until=at[0]) == ["m0"]
    assert page(chatroom, [default], since=at[3], until=at[1]) == []


def test_limit_keeps_the_oldest_or_the_newest_and_rows_ascend(chatroom, default, history):
    assert page(chatroom, [default], limit=2, keep="oldest") == ["m0", "m1"]
    assert page(chatroom, [default], limit=2, keep="newest") == ["m3", "m4"]
    assert page(chatroom, [default], limit=2, keep="newest", until=history[2].sent_at) == ["m1", "m2"]
    assert page(chatroom, [default], limit=0) == []
    assert texts(message_page(access=owners_access(chatroom), channels=[], limit=5, keep="newest")) == []


def test_anchors_are_inclusive(chatroom, default, history):
    a1, a3 = (history[n].pk for n in (1, 3))
    assert page(chatroom, [default], after=a1) == ["m1", "m2", "m3", "m4"]
    assert page(chatroom, [default], before=a3) == ["m0", "m1", "m2", "m3"]
    assert page(chatroom, [default], after=a1, before=a3) == ["m1", "m2", "m3"]


def test_equal_send_times_are_ordered_and_split_by_id(chatroom, default):
    Message.objects.filter(chatroom=chatroom).delete()
    ids = [uuid.UUID(int=n) for n in (3, 1, 2)]
    for number, message_id in enumerate(ids):
        add(chatroom, default, f"same{message_id.int}", at=T0, message_id=message_id)
        add(chatroom, default, f"later{number}", at=T0 + timedelta(seconds=1))
    assert page(chatroom, [default], until=T0) == ["same1", "same2", "same3"]
    middle = uuid.UUID(int=2)
    assert page(chatroom, [default], before=middle) == ["same1", "same2"]
    assert page(chatroom, [default], after=middle, until=T0) == ["same2", "same3"]
    assert page(chatroom, [default], until=T0, limit=2, keep="newest") == ["same2", "same3"]


def test_microseconds_count(chatroom, default):
    Message.objects.filter(chatroom=chatroom).delete()
    add(chatroom, default, "first", at=T0)
    add(chatroom, default, "second", at=T0 + timedelta(microseconds=1))
    assert page(chatroom, [default], since=T0 + timedelta(microseconds=1)) == ["second"]


def test_several_channels_interleave_in_the_chatroom_order(chatroom, default, history):
    other = channel_create(chatroom=chatroom, name="other")
    third = channel_create(chatroom=chatroom, name="third")
    add(chatroom, other, "o1", at=T0 + timedelta(minutes=5))
    add(chatroom, default, "m5", at=T0 + timedelta(minutes=6))
    add(chatroom, third, "t1", at=T0 + timedelta(minutes=7))
    assert page(chatroom, [default, other]) == ["m0", "m1", "m2", "m3", "m4", "o1", "m5"]
    assert page(chatroom, [default, other], after=history[4].pk) == ["m4", "o1", "m5"]
    assert page(chatroom, [other]) == ["o1"]
    assert page(chatroom, [default, other, third], limit=3, keep="newest") == ["o1", "m5", "t1"]


def test_hidden_messages_and_other_chatrooms_stay_out(chatroom, default, history, owner):
    message_hide(message=history[2], actor=owner, reason="spam")
    elsewhere = chatroom_create(creator=owner, name="Elsewhere")
    add(elsewhere, elsewhere.channels.get(), "foreign", at=T0)
    assert page(chatroom, [default]) == ["m0", "m1", "m3", "m4"]
    # Another chatroom's channel cannot be read through this chatroom's access: it is not among its channels.
    assert page(chatroom, [elsewhere.channels.get()]) == []
    foreign = elsewhere.channels.get()
    forged = ChannelAccess(foreign.pk, foreign.name, True, True, True, True, True)
    with pytest.raises(ValueError):
        message_page(access=owners_access(chatroom), channels=[forged], limit=10, keep="newest")


def test_rows_carry_what_both_protocols_render(chatroom, default, member):
    me = Participant.objects.get(chatroom=chatroom, user=member)
    message, _ = message_post(access=access_of(me), channel_id=default.pk, body="hi")
    row = message_page(access=access_of(me), limit=1, keep="newest")[0]
    assert row["id"] == message.pk and row["author_id"] == member.pk and row["author__username"] == "member"
    assert (row["kind"], row["format"], row["text"], row["html"], row["key_id"]) == (
        "text",
        "plain",
        "hi",
        "<p>hi</p>",
        "",
    )
    assert row["sent_at"] == Message.objects.get(pk=message.pk).sent_at and row["reply_to_id"] is None


@pytest.mark.parametrize("count", [3, 60])
def test_message_page_is_one_query(chatroom, default, count, django_assert_num_queries, is_postgres):
    for number in range(count):
        add(chatroom, default, f"n{number}", at=T0 + timedelta(seconds=number))
    access = owners_access(chatroom)
    # PostgreSQL folds the mentions into the page's statement; elsewhere they take a second query.
    with django_assert_num_queries(1 if is_postgres else 2):
        rows = message_page(access=access, channels=[access.default_channel], limit=50, keep="newest")
    assert len(rows) == min(50, count + 1)
    assert all(row["mentions"] == [] for row in rows)


def test_message_anchors(chatroom, default, history, owner, django_assert_num_queries, is_postgres):
    access = owners_access(chatroom)
    with django_assert_num_queries(1 if is_postgres else 2):  # the anchor is resolved inside the page's query
        assert texts(message_page(access=access, limit=2, keep="oldest", after=history[1].pk)) == ["m1", "m2"]
    message_hide(message=history[1], actor=owner, reason="")
    # A hidden message still anchors a page.
    assert texts(message_page(access=access, limit=2, keep="oldest", after=history[1].pk)) == ["m2", "m3"]
    assert texts(message_page(access=access, limit=5, keep="newest", before=history[1].pk)) == ["m0"]
    elsewhere = chatroom_create(creator=owner, name="Elsewhere")
    foreign = add(elsewhere, elsewhere.channels.get(), "foreign", at=T0)
    for message_id in (foreign.pk, uuid.uuid4()):
        for bound in ("after", "before"):
            with pytest.raises(Invalid) as error:
                message_page(access=access, limit=5, keep="newest", **{bound: message_id})
            assert error.value.code == "invalid_anchor"
        with pytest.raises(Invalid):
            message_page(access=access, limit=5, keep="newest", after=history[0].pk, before=message_id)


def test_mentions_by_message_in_one_query(chatroom, default, owner, member, make_user, django_assert_num_queries):
    named = make_user("named", display_name="Named Person")
    from chat.services.participants import participant_add

    participant_add(chatroom=chatroom, user=named)
    me = Participant.objects.get(chatroom=chatroom, user=member)
    first, _ = message_post(access=access_of(me), channel_id=default.pk, body="a", mention_ids=[owner.pk, named.pk])
    second, _ = message_post(access=access_of(me), channel_id=default.pk, body="b", mention_ids=[named.pk])
    plain, _ = message_post(access=access_of(me), channel_id=default.pk, body="c")
    with django_assert_num_queries(1):
        mentions = mentions_by_message(message_ids=[first.pk, second.pk, plain.pk])
    assert sorted(mentions[first.pk], key=lambda m: m["username"]) == [
        {"id": named.pk, "username": "named", "name": "Named Person"},
        {"id": owner.pk, "username": "owner", "name": "owner"},
    ]
    assert mentions[second.pk] == [{"id": named.pk, "username": "named", "name": "Named Person"}]
    assert plain.pk not in mentions
    with django_assert_num_queries(0):
        assert mentions_by_message(message_ids=[]) == {}
