"""Reading the event log: the events a user may see after a cursor, in commit order, exactly once each.

**Order.** On PostgreSQL each event row holds the id of the transaction that wrote it (`xid`), and the log is
read in (xid, id) order up to a *horizon*: the oldest transaction of this database still in flight (or, when
none is, the snapshot's xmax). Below the horizon every transaction has ended, so no event can still appear
there: a reader that has passed a position never misses a row that commits later, even when two transactions
commit in the opposite order of their ids (the later xid waits behind the earlier until it ends). Transactions
of other databases of the cluster are told apart through `pg_stat_activity` and do not hold the horizon back;
one whose database cannot be told holds it back until it ends (never a loss, only a delay). This costs the
writer nothing but the column's default, unlike a global counter under a lock, which would serialise every post
of every chatroom. On SQLite one transaction writes at a time, so the row id alone is commit order.

**Visibility** is decided when the log is read, from the memberships and rights of that moment: a chatroom's
events reach its active participants only (a ban or removal ends them at once, but for the event addressed to
the user saying so), a channel's events only those who may read it then, a message event only while v1 shows
the message (neither hidden nor deleted).
"""

import re
import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.db import connection
from django.db.models import FilteredRelation, Q, TextField, Value
from django.db.models.fields.json import KT
from django.db.models.functions import Coalesce
from django.utils import timezone

from chat.events.models import Event
from chat.events.payloads import (
    MESSAGE_EVENT_FIELDS,
    channel_json,
    channel_unreadable_json,
    message_json,
)
from chat.exceptions import Code, Invalid
from chat.models import Channel, Participant, User
from chat.permissions import ChannelAccess, effective_permissions
from chat.selectors.messages import mentions_by_message
from chat.services.presence import presence_status

MAX_LIMIT = 500

# Message events that carry the message: shown only while v1 would show the message.
_CARRYING_MESSAGE = (Event.Type.MESSAGE_POSTED, Event.Type.MESSAGE_EDITED, Event.Type.MESSAGE_UNHIDDEN)
_ABOUT_MESSAGE = (Event.Type.MESSAGE_DELETED, Event.Type.MESSAGE_HIDDEN)
_ABOUT_PARTICIPANT = (
    Event.Type.PARTICIPANT_JOINED,
    Event.Type.PARTICIPANT_LEFT,
    Event.Type.PARTICIPANT_BANNED,
    Event.Type.PARTICIPANT_UNBANNED,
    Event.Type.PARTICIPANT_ROLE_CHANGED,
    Event.Type.PRESENCE_CHANGED,
)
# Participant events also addressed to the participant (`participant_event_record(tell_them=True)`).
_TOLD_TO_THEM = (Event.Type.PARTICIPANT_BANNED, Event.Type.PARTICIPANT_LEFT)
_ABOUT_CHANNEL = (Event.Type.CHANNEL_CREATED, Event.Type.CHANNEL_CHANGED, Event.Type.CHANNEL_PERMISSIONS_CHANGED)

_CURSOR = re.compile(r"(\d{1,18})\.(\d{1,18})")

# The horizon and the newest purge, in one statement (PostgreSQL). An in-flight transaction of the snapshot is
# left out only when pg_stat_activity shows it belongs to another database (64-bit ids compared modulo 2^32,
# the width pg_stat_activity shows).
_HORIZON_SQL_POSTGRES = """
SELECT
    COALESCE(
        (SELECT MIN(x::text::bigint) FROM pg_snapshot_xip(pg_current_snapshot()) AS x
         WHERE NOT EXISTS (
             SELECT 1 FROM pg_stat_activity AS a
             WHERE a.backend_xid IS NOT NULL
               AND a.datid IS NOT NULL
               AND a.datid <> (SELECT oid FROM pg_database WHERE datname = current_database())
               AND a.backend_xid::text::bigint = x::text::bigint % 4294967296)),
        pg_snapshot_xmax(pg_current_snapshot())::text::bigint),
    (SELECT MAX(id) FROM chat_event),
    (SELECT xid FROM chat_eventpurge ORDER BY xid DESC, event_id DESC LIMIT 1),
    (SELECT event_id FROM chat_eventpurge ORDER BY xid DESC, event_id DESC LIMIT 1)
"""
_HORIZON_SQL_SQLITE = """
SELECT
    NULL,
    (SELECT MAX(id) FROM chat_event),
    (SELECT xid FROM chat_eventpurge ORDER BY xid DESC, event_id DESC LIMIT 1),
    (SELECT event_id FROM chat_eventpurge ORDER BY xid DESC, event_id DESC LIMIT 1)
"""

Position = tuple[int, int]


@dataclass(frozen=True, slots=True)
class EventBatch:
    """Events for one user after a cursor, and where to resume."""

    # Each: {"id": <cursor string of this event>, "type": "message.posted", "chatroom": "<uuid>", "data": {...}}.
    events: list[dict]
    # Resume from here (the id of the last event, or the given cursor when none).
    cursor: str
    # The given cursor is older than the retention (or not of this log): the client must reload via v1.
    resync: bool
    # Events after `cursor` have committed but wait behind a transaction still in flight (they are not lost: they
    # follow once it ends, with no further notice if it records no event): read again in a moment.
    pending: bool = False


@dataclass(frozen=True, slots=True)
class _Log:
    """Where the log stands: the horizon (None: no bound, SQLite), the newest id, the newest purged position."""

    horizon: int | None
    newest_id: int
    purged: Position | None

    @property
    def now(self) -> Position:
        """The position every event committed from now on lies after."""
        if self.horizon is None:
            return 0, self.newest_id
        return self.horizon, 0


def _cursor_text(position: Position) -> str:
    return f"{position[0]}.{position[1]}"


def _cursor_parse(cursor: str) -> Position:
    """The position a cursor names; anything that is not one of this log's cursors raises Invalid."""
    match = _CURSOR.fullmatch(cursor) if isinstance(cursor, str) else None
    if match is None:
        raise Invalid("That is not an event cursor.", code=Code.INVALID_CURSOR)
    return int(match[1]), int(match[2])


def _log() -> _Log:
    sql = _HORIZON_SQL_POSTGRES if connection.vendor == "postgresql" else _HORIZON_SQL_SQLITE
    with connection.cursor() as cursor:
        cursor.execute(sql)
        horizon, newest_id, purged_xid, purged_id = cursor.fetchone()
    purged = None if purged_xid is None else (purged_xid, purged_id)
    # Ids are never reused: after a purge that emptied the log, the purged one is still the newest given out.
    newest_id = max(newest_id or 0, purged_id or 0)
    return _Log(horizon=horizon, newest_id=newest_id, purged=purged)


def event_cursor_now() -> str:
    """A cursor from which every event committed later is read, and none committed before."""
    return _cursor_text(_log().now)


def chatroom_ids_of(*, user: User) -> frozenset[uuid.UUID]:
    """The chatrooms the user is an active participant of."""
    return frozenset(Participant.objects.active().filter(user_id=user.pk).values_list("chatroom_id", flat=True))


@dataclass(frozen=True, slots=True)
class _Membership:
    role: str
    channels: dict[uuid.UUID, ChannelAccess]


def _memberships(*, user: User) -> dict[uuid.UUID, _Membership]:
    """The user's active chatrooms with their role and every channel's r/w/x there, in one query."""
    rows = (
        Channel.objects.annotate(
            me=FilteredRelation("chatroom__participants", condition=Q(chatroom__participants__user_id=user.pk)),
            my_grant=FilteredRelation("grants", condition=Q(grants__user_id=user.pk)),
        )
        .filter(me__state=Participant.State.ACTIVE)
        .values_list(
            "chatroom_id",
            "me__role",
            "id",
            "name",
            "public",
            "is_default",
            "my_grant__id",
            "my_grant__r",
            "my_grant__w",
            "my_grant__x",
        )
    )
    memberships: dict[uuid.UUID, _Membership] = {}
    for chatroom_id, role, channel_id, name, public, is_default, grant_id, gr, gw, gx in rows:
        membership = memberships.setdefault(chatroom_id, _Membership(role=role, channels={}))
        grant = (gr, gw, gx) if grant_id is not None else None
        r, w, x = effective_permissions(role=role, public=public, grant=grant)
        membership.channels[channel_id] = ChannelAccess(channel_id, name, public, is_default, r, w, x)
    return memberships


def _after(position: Position) -> Q:
    """Rows after a position in (xid, id) order; the first term lets the index bound the scan."""
    xid, event_id = position
    return Q(xid__gte=xid) & (Q(xid__gt=xid) | Q(id__gt=event_id))


def _visible_to(*, user: User, memberships: dict[uuid.UUID, _Membership]) -> Q:
    readable = [channel.id for m in memberships.values() for channel in m.channels.values() if channel.r]
    in_my_chatrooms = Q(user__isnull=True, chatroom_id__in=list(memberships)) & (
        Q(channel__isnull=True) | Q(channel_id__in=readable)
    )
    shown_message = Q(message__id__isnull=False, message__hidden_at__isnull=True, message__deleted_at__isnull=True)
    # A ban or removal is also addressed to its user, who is told by that copy only (once unbanned, they would
    # otherwise read the chatroom's copy too). `about` is the payload's user id, "" when it has none.
    own_copy_elsewhere = Q(type__in=_TOLD_TO_THEM, user__isnull=True, about=str(user.pk))
    return (
        (Q(user_id=user.pk) | in_my_chatrooms) & (~Q(type__in=_CARRYING_MESSAGE) | shown_message) & ~own_copy_elsewhere
    )


def _presence(data: dict[str, Any], now: datetime) -> dict[str, Any]:
    seen = data.get("last_seen_at")
    last_seen_at = datetime.fromisoformat(seen) if seen else None
    return {**data, "presence": presence_status(last_seen_at=last_seen_at, now=now)}


def _data(
    row: dict[str, Any],
    *,
    memberships: dict[uuid.UUID, _Membership],
    mentions: dict[uuid.UUID, list[dict]],
    now: datetime,
) -> dict[str, Any]:
    """What one event tells this reader, in v1's shapes, as things stand now."""
    kind, chatroom_id, payload = row["type"], row["chatroom_id"], row["payload"]
    if kind in _CARRYING_MESSAGE:
        return message_json(row=row, mentions=mentions.get(row["message_id"], []))
    if kind in _ABOUT_MESSAGE:
        return {"id": str(row["message_id"]), "chatroom": str(chatroom_id), "channel": str(row["channel_id"])}
    if kind in _ABOUT_PARTICIPANT:
        return _presence(payload, now)
    membership = memberships.get(chatroom_id)
    if kind in _ABOUT_CHANNEL:
        channel_id = uuid.UUID(payload["channel"])
        channel = membership.channels.get(channel_id) if membership is not None else None
        if channel is None or not channel.r:
            return channel_unreadable_json(chatroom_id=chatroom_id, channel_id=channel_id)
        return channel_json(chatroom_id=chatroom_id, channel=channel)
    if kind == Event.Type.CHATROOM_RENAMED:
        return {**payload, "role": membership.role if membership is not None else None}
    return payload


def events_after(*, user: User, cursor: str | None, limit: int = MAX_LIMIT) -> EventBatch:
    """Every event `user` may see (now) after `cursor`, oldest first; cursor None means 'from now' (empty batch
    whose cursor is now). Synchronous ORM code: the stream calls it through sync_to_async.

    At most `limit` (1 to 500) events: a full batch means more may follow at once, `pending` that more have
    committed behind a transaction still in flight (read again shortly). A cursor older than the newest
    retention purge, or one this log never gave (ahead of it), answers `resync` with a cursor from now. A string
    that is not a cursor raises Invalid. Four queries at most, however many events and chatrooms.
    """
    if cursor is None:
        return EventBatch(events=[], cursor=event_cursor_now(), resync=False)
    position = _cursor_parse(cursor)
    limit = max(1, min(limit, MAX_LIMIT))
    log = _log()
    # A cursor from before the newest purge may have missed purged events; one past where the log stands now
    # was not given by this log (a restored or replaced database).
    if (log.purged is not None and position < log.purged) or position > log.now:
        return EventBatch(events=[], cursor=_cursor_text(log.now), resync=True)
    memberships = _memberships(user=user)
    rows = Event.objects.alias(about=Coalesce(KT("payload__user__id"), Value(""), output_field=TextField())).filter(
        _after(position), _visible_to(user=user, memberships=memberships)
    )
    fetched = list(
        rows.order_by("xid", "id").values(
            "id", "xid", "type", "chatroom_id", "channel_id", "message_id", "payload", *MESSAGE_EVENT_FIELDS
        )[:limit]
    )
    # Committed rows at or past the horizon come last in this order: they wait for the transactions before them.
    found = [row for row in fetched if log.horizon is None or row["xid"] < log.horizon]
    pending = len(found) < len(fetched)
    if not found:
        return EventBatch(events=[], cursor=cursor, resync=False, pending=pending)
    mentions = mentions_by_message(
        message_ids=list({row["message_id"] for row in found if row["type"] in _CARRYING_MESSAGE})
    )
    now = timezone.now()
    events = [
        {
            "id": _cursor_text((row["xid"], row["id"])),
            "type": row["type"],
            "chatroom": str(row["chatroom_id"]),
            "data": _data(row, memberships=memberships, mentions=mentions, now=now),
        }
        for row in found
    ]
    return EventBatch(events=events, cursor=events[-1]["id"], resync=False, pending=pending)
