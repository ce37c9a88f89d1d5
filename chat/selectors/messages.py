"""Reads of messages: pages of the channels a `RoomAccess` may read, bounded by time or by anchor message.

Rows come straight from the index. An anchor is a message id; how it orders (today its send time, ties broken
by id) stays inside this module.
"""

import uuid
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from functools import cache
from typing import Literal

import orjson
from django.db.models import Q, QuerySet, Subquery

from chat.access import RoomAccess
from chat.exceptions import Code, Invalid, NotFound
from chat.models import Message, User
from chat.permissions import ChannelAccess
from chat.sql import fetch_dicts, hot_sql_enabled
from chat.text import shown_name

MESSAGE_FIELDS = (
    "id",
    "channel_id",
    "author_id",
    "author__username",
    "author__display_name",
    "kind",
    "format",
    "body",
    "text",
    "html",
    "key_id",
    "reply_to_id",
    "sent_at",
    # The user a system message is about, for the readers that show them.
    "subject_id",
    "subject__username",
    "subject__display_name",
    "subject__color_r",
    "subject__color_g",
    "subject__color_b",
    "edited_at",
)


# The order messages are paged in, oldest first: every keyset comparison below follows it. It is the order
# messages became visible: `message_create` gives each a send time later than the chatroom's previous one while
# holding the chatroom's row until commit (ties, left from before that, are the order they were numbered in).
MESSAGE_ORDER = ("sent_at", "id")


def position_of(row: dict) -> tuple[datetime, uuid.UUID]:
    """A message row's place in MESSAGE_ORDER, as a cursor remembers it."""
    return row["sent_at"], row["id"]


def past_position(*, sent_at: datetime | Subquery, message_id: uuid.UUID, later: bool, inclusive: bool) -> Q:
    """The messages after (`later`) or before a place in MESSAGE_ORDER; the place itself too when `inclusive`."""
    lookup = ("gt" if later else "lt") + ("e" if inclusive else "")
    strictly = Q(**{f"sent_at__{lookup[:2]}": sent_at}) | Q(sent_at=sent_at, **{f"id__{lookup}": message_id})
    # The same rows, with a plain bound on the send time beside the OR: an index range can start there, where the
    # OR alone (against a subquery's time) led PostgreSQL to scan a million-message history from its oldest row.
    return Q(**{f"sent_at__{lookup[:2]}e": sent_at}) & strictly


def ordered(queryset: QuerySet, *, newest_first: bool = False) -> QuerySet:
    """The queryset in MESSAGE_ORDER (or its reverse)."""
    return queryset.order_by(*(f"-{field}" if newest_first else field for field in MESSAGE_ORDER))


def message_anchor(message_id: uuid.UUID, *, chatroom_id: uuid.UUID) -> Subquery:
    """The place of a message in its chatroom's order, for bounding a page (hidden and deleted ones too)."""
    return Subquery(Message.objects.filter(pk=message_id, chatroom_id=chatroom_id).values("sent_at")[:1])


def messages_visible(*, access: RoomAccess) -> QuerySet:
    """Every message the caller may see in the chatroom: the visible (neither hidden nor deleted) ones of the
    channels it can read."""
    return Message.objects.visible().filter(
        chatroom_id=access.chatroom.pk, channel_id__in=[channel.id for channel in access.readable_channels]
    )


def message_sent_at(*, access: RoomAccess, message_id: uuid.UUID) -> datetime:
    """When a message the caller may see was sent; any other is not found."""
    sent_at = messages_visible(access=access).filter(pk=message_id).values_list("sent_at", flat=True).first()
    if sent_at is None:
        raise NotFound("Message not found.", code=Code.MESSAGE_NOT_FOUND)
    return sent_at


def _anchors_check(*, chatroom_id: uuid.UUID, anchors: Sequence[uuid.UUID]) -> None:
    """Raises unless every anchor is a message of this chatroom (hidden and deleted ones too)."""
    found = Message.objects.filter(pk__in=anchors, chatroom_id=chatroom_id).count()
    if found != len(set(anchors)):
        raise Invalid("The anchor is not a message of this chatroom.", code=Code.INVALID_ANCHOR)


def message_page(
    *,
    access: RoomAccess,
    channels: Sequence[ChannelAccess] | None = None,
    limit: int,
    keep: Literal["oldest", "newest"],
    since: datetime | None = None,
    until: datetime | None = None,
    after: uuid.UUID | None = None,
    before: uuid.UUID | None = None,
    past: tuple[datetime, uuid.UUID] | None = None,
    later: bool = True,
    with_mentions: bool = True,
) -> list[dict]:
    """Visible messages of the caller's channels within the bounds (all inclusive), in the chatroom's order.

    `channels` are taken from `access` (all the readable ones when not given); those the caller cannot read
    contribute nothing. `after` and `before` are anchor messages of the chatroom, either one included; an anchor
    that is not one raises Invalid. `keep` says which end of the range the limit keeps: the oldest (paging
    forward) or the newest. `past` is a place in the order (a cursor's): only messages strictly after it (`later`)
    or before it. Each row carries its `mentions` (as `mentions_by_message` gives them) unless `with_mentions` is
    false (a reader that shows none).
    """
    chosen = access.readable_channels if channels is None else channels
    if any(not access.holds(channel) for channel in chosen):
        raise ValueError("Channels of a message page must be taken from the caller's access.")
    channel_ids = [channel.id for channel in chosen if channel.r]
    anchors = [anchor for anchor in (after, before) if anchor is not None]
    page = _Page(
        chatroom_id=access.chatroom.pk,
        channel_ids=channel_ids,
        limit=limit,
        keep=keep,
        since=since,
        until=until,
        after=after,
        before=before,
        past=past,
        later=later,
        with_mentions=with_mentions,
    )
    rows = _page(page)
    if anchors and not rows:
        # A page is empty when an anchor names no message here: say so, rather than answer nothing.
        _anchors_check(chatroom_id=page.chatroom_id, anchors=anchors)
    return rows


@dataclass(frozen=True, slots=True)
class _Page:
    """What `message_page` asks of either path: the chatroom, the channels (ids) and the bounds."""

    chatroom_id: uuid.UUID
    channel_ids: list[uuid.UUID]
    limit: int
    keep: Literal["oldest", "newest"]
    since: datetime | None
    until: datetime | None
    after: uuid.UUID | None
    before: uuid.UUID | None
    past: tuple[datetime, uuid.UUID] | None
    later: bool
    with_mentions: bool


def _page(page: _Page) -> list[dict]:
    if not page.channel_ids or page.limit <= 0:
        return []
    return _page_sql(page) if hot_sql_enabled(Message) else _page_orm(page)


def _page_orm(page: _Page) -> list[dict]:
    chatroom_id, channel_ids, since, until = page.chatroom_id, page.channel_ids, page.since, page.until
    after, before, past, limit = page.after, page.before, page.past, page.limit
    queryset = Message.objects.visible().filter(chatroom_id=chatroom_id)
    if len(channel_ids) == 1:
        queryset = queryset.filter(channel_id=channel_ids[0])
    else:
        queryset = queryset.filter(channel_id__in=channel_ids)
    if since is not None:
        queryset = queryset.filter(sent_at__gte=since)
    if until is not None:
        queryset = queryset.filter(sent_at__lte=until)
    # Ties of send time are broken by id, so the anchor's own row is inside the bound and its equals are ordered.
    if after is not None:
        at = message_anchor(after, chatroom_id=chatroom_id)
        queryset = queryset.filter(past_position(sent_at=at, message_id=after, later=True, inclusive=True))
    if before is not None:
        at = message_anchor(before, chatroom_id=chatroom_id)
        queryset = queryset.filter(past_position(sent_at=at, message_id=before, later=False, inclusive=True))
    if past is not None:
        queryset = queryset.filter(
            past_position(sent_at=past[0], message_id=past[1], later=page.later, inclusive=False)
        )
    if page.keep == "oldest":
        rows = list(ordered(queryset).values(*MESSAGE_FIELDS)[:limit])
    else:
        rows = list(ordered(queryset, newest_first=True).values(*MESSAGE_FIELDS)[:limit])
        rows.reverse()
    if page.with_mentions:
        mentions = mentions_by_message(message_ids=[row["id"] for row in rows])
        for row in rows:
            row["mentions"] = mentions.get(row["id"], [])
    return rows


# The page as one hand-written statement (PostgreSQL; see chat/sql.py): the same rows as the ORM's query above,
# in the same order, each with whom it mentions folded in as a JSON array (as text: orjson reads it faster than
# psycopg's loader), so a page is one round trip. A test
# compares the two for every shape of page.
_PAGE_COLUMNS = (
    "m.id",
    "m.channel_id",
    "m.author_id",
    "a.username",
    "a.display_name",
    "m.kind",
    "m.format",
    "m.body",
    "m.text",
    "m.html",
    "m.key_id",
    "m.reply_to_id",
    "m.sent_at",
    "m.subject_id",
    "s.username",
    "s.display_name",
    "s.color_r",
    "s.color_g",
    "s.color_b",
    "m.edited_at",
)
_PAGE_NAMES = (*MESSAGE_FIELDS, "mentions")


@cache
def _page_statement(
    *, channels: int, since: bool, until: bool, after: bool, before: bool, past: str, newest: bool, mentions: bool
) -> str:
    """The page statement for one shape of bounds (a few dozen shapes in all, each prepared once)."""
    messages, users = Message._meta.db_table, User._meta.db_table
    mentioned = Message.mentions.through._meta.db_table
    # The index that serves the page leads with the channel (one channel) or the chatroom (several), and so does
    # the order. That leading column is matched with `= ANY(ARRAY[...])`, not `=`: a plan made without the
    # parameters' values (a prepared statement's generic plan) takes an equality for a constant and drops it
    # from the order, and then any index by time looked as good, the admin's over every chatroom too, whose
    # scan filtered out every other chatroom's newer messages (355 ms for a quiet chatroom's poll on a busy
    # server). An array match keeps the column in the order, which only the page's own index gives without
    # sorting, and the index still takes it as an equality: the time bounds start and stop its scan.
    # tests/chat/selectors/test_page_plans.py checks the plan of every shape on a skewed history.
    if channels == 1:
        lead = "m.channel_id"
        conditions = ["m.channel_id = ANY(ARRAY[%(channel)s]::uuid[])", "m.chatroom_id = %(chatroom)s"]
    else:
        lead = "m.chatroom_id"
        conditions = ["m.chatroom_id = ANY(ARRAY[%(chatroom)s]::uuid[])", "m.channel_id = ANY(%(channels)s)"]
    conditions += ["m.hidden_at IS NULL", "m.deleted_at IS NULL"]
    if since:
        conditions.append("m.sent_at >= %(since)s")
    if until:
        conditions.append("m.sent_at <= %(until)s")
    for name, bound, comparison in (("after", after, ">="), ("before", before, "<=")):
        if bound:
            # An anchor of this chatroom, hidden and deleted ones too; none there, no row (the caller checks).
            at = f"(SELECT x.sent_at FROM {messages} x WHERE x.id = %({name})s AND x.chatroom_id = %(chatroom)s)"
            # The plain bound lets the index range start or end at the anchor's time; the row comparison breaks ties.
            conditions.append(f"m.sent_at {comparison} {at}")
            conditions.append(f"(m.sent_at, m.id) {comparison} ({at}, %({name})s)")
    if past:
        # A cursor's place, itself excluded (`past` is the comparison: > or <).
        conditions.append(f"m.sent_at {past}= %(past_time)s")
        conditions.append(f"(m.sent_at, m.id) {past} (%(past_time)s, %(past_id)s)")
    direction = "DESC" if newest else "ASC"
    mentioning = (
        f"(SELECT json_agg(json_build_array(mm.user_id, mu.username, mu.display_name) ORDER BY mm.id)::text "
        f"FROM {mentioned} mm JOIN {users} mu ON mu.id = mm.user_id WHERE mm.message_id = m.id)"
        if mentions
        else "NULL"
    )
    return (
        f"SELECT {', '.join(_PAGE_COLUMNS)}, {mentioning} FROM {messages} m "
        f"LEFT JOIN {users} a ON a.id = m.author_id LEFT JOIN {users} s ON s.id = m.subject_id "
        f"WHERE {' AND '.join(conditions)} "
        f"ORDER BY {lead} {direction}, m.sent_at {direction}, m.id {direction} LIMIT %(limit)s"
    )


def _mention(user_id: str, username: str, display_name: str) -> dict:
    name = shown_name(display_name=display_name, username=username)
    return {"id": uuid.UUID(user_id), "username": username, "name": name}


def _page_sql(page: _Page) -> list[dict]:
    past = page.past
    statement = _page_statement(
        channels=len(page.channel_ids),
        since=page.since is not None,
        until=page.until is not None,
        after=page.after is not None,
        before=page.before is not None,
        past="" if past is None else ">" if page.later else "<",
        newest=page.keep == "newest",
        mentions=page.with_mentions,
    )
    params = {
        "chatroom": page.chatroom_id,
        "channel": page.channel_ids[0],
        "channels": page.channel_ids,
        "since": page.since,
        "until": page.until,
        "after": page.after,
        "before": page.before,
        "past_time": past[0] if past else None,
        "past_id": past[1] if past else None,
        "limit": page.limit,
    }
    rows = fetch_dicts(Message, statement, params, _PAGE_NAMES)
    for row in rows:
        found = row.pop("mentions")
        if page.with_mentions:
            row["mentions"] = [] if found is None else [_mention(*mention) for mention in orjson.loads(found)]
    if page.keep == "newest":
        rows.reverse()
    return rows


def mentions_by_message(*, message_ids: Sequence[uuid.UUID]) -> dict[uuid.UUID, list[dict]]:
    """The users each message mentions, in one query."""
    if not message_ids:
        return {}
    through = Message.mentions.through
    mentions: dict[uuid.UUID, list[dict]] = defaultdict(list)
    rows = (
        through.objects.filter(message_id__in=list(message_ids))
        .order_by("pk")
        .values_list("message_id", "user_id", "user__username", "user__display_name")
    )
    for message_id, user_id, username, display_name in rows:
        mentions[message_id].append(
            {"id": user_id, "username": username, "name": shown_name(display_name=display_name, username=username)}
        )
    return mentions


def default_channel_page(
    *, access: RoomAccess, limit: int, after: uuid.UUID | None = None, before: uuid.UUID | None = None
) -> list[dict]:
    """A page of the default channel (what Origam shows): with `after` alone the limit keeps the oldest (paging
    forward), else the newest. Nothing when the caller cannot read it; a bad anchor raises all the same."""
    return message_page(
        access=access,
        channels=[access.default_channel],
        limit=limit,
        keep="oldest" if after is not None and before is None else "newest",
        after=after,
        before=before,
    )
