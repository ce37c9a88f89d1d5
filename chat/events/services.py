"""Writing the event log: `event_record` in the transaction of each change, and the retention purge."""

import uuid
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import timedelta

from django.conf import settings
from django.db import connections, router, transaction
from django.db.models import Q
from django.utils import timezone

from chat.events.models import Event, EventPurge
from chat.events.payloads import json_time, participant_payload
from chat.events.signals import events_committed
from chat.models import Channel, Chatroom, Message, Participant
from chat.sql import hot_cursor, hot_sql_enabled


@dataclass(frozen=True, slots=True)
class EventSpec:
    """One event to record (see `Event` for what each field means)."""

    type: str
    chatroom_id: uuid.UUID
    channel_id: uuid.UUID | None = None
    user_id: uuid.UUID | None = None
    message_id: uuid.UUID | None = None
    payload: dict = field(default_factory=dict)


class _CommitNotice:
    """The one `events_committed` of a transaction: every event recorded in it adds its chatroom and user."""

    def __init__(self) -> None:
        self.chatroom_ids: set[uuid.UUID] = set()
        self.user_ids: set[uuid.UUID] = set()

    def __call__(self) -> None:
        events_committed.send(
            sender=Event, chatroom_ids=frozenset(self.chatroom_ids), user_ids=frozenset(self.user_ids)
        )


def _commit_notice(*, using: str | None = None) -> _CommitNotice:
    """The notice pending for the current transaction, registered with `on_commit` when this is its first event.

    A notice registered inside a savepoint that rolls back is dropped by Django with it, and with it only the
    events recorded inside that savepoint: the next event registers a new one.
    """
    connection = transaction.get_connection(using)
    for _savepoints, callback, _robust in connection.run_on_commit:
        if isinstance(callback, _CommitNotice):
            return callback
    notice = _CommitNotice()
    transaction.on_commit(notice, using=using)
    return notice


def events_record(*, events: Iterable[EventSpec], wake_user_ids: Iterable[uuid.UUID] = ()) -> None:
    """Writes events in the current transaction (one INSERT), and has `events_committed` sent once it commits.

    `wake_user_ids` are named in the notice too: users whose chatrooms just changed (they joined one), so that
    their open streams look at their chatrooms again at once instead of at their next heartbeat.

    Every service of chat/ and invites/ that changes what a client may be told calls this (or `event_record`)
    inside its own transaction, so a change and its event commit together or not at all.
    """
    specs = list(events)
    if not specs:
        return
    rows = [
        Event(
            type=spec.type,
            chatroom_id=spec.chatroom_id,
            channel_id=spec.channel_id,
            user_id=spec.user_id,
            message_id=spec.message_id,
            payload=spec.payload,
        )
        for spec in specs
    ]
    with transaction.atomic(savepoint=False):
        if len(rows) == 1 and hot_sql_enabled(Event):
            _event_insert(rows[0])
        elif len(rows) == 1:
            rows[0].save(force_insert=True)
        else:
            Event.objects.bulk_create(rows)
        notice = _commit_notice()
        notice.user_ids.update(wake_user_ids)
        for spec in specs:
            if spec.user_id is not None:
                notice.user_ids.add(spec.user_id)
            else:
                notice.chatroom_ids.add(spec.chatroom_id)


# One event as a prepared statement (PostgreSQL; see chat/sql.py): every post writes one, and the ORM's insert cost
# more than the statement. The position (xid) is the column's own default, as for the ORM's insert.
_EVENT_FIELDS = [column for column in Event._meta.concrete_fields if column.attname not in ("id", "xid")]
_EVENT_INSERT = (
    f"INSERT INTO {Event._meta.db_table} ({', '.join(str(column.column) for column in _EVENT_FIELDS)}) "
    f"VALUES ({', '.join(['%s'] * len(_EVENT_FIELDS))})"
)


def _event_insert(event: Event) -> None:
    connection = connections[router.db_for_write(Event)]
    values = [column.get_db_prep_save(column.pre_save(event, True), connection) for column in _EVENT_FIELDS]
    with hot_cursor(Event, write=True) as cursor:
        cursor.execute(_EVENT_INSERT, values)


def message_event_statement(source: str) -> str:
    """The INSERT of a message's event inside the statement that inserts the message (PostgreSQL): one event row
    for each row of the CTE `source` (the inserted message's id, chatroom_id and channel_id), of the type given
    as the statement's next parameter. The caller then calls `message_event_written`."""
    return (
        f"INSERT INTO {Event._meta.db_table} (type, chatroom_id, channel_id, message_id, payload, created_at) "
        f"SELECT %s, chatroom_id, channel_id, id, '{{}}'::jsonb, STATEMENT_TIMESTAMP() FROM {source}"
    )


def message_event_written(*, chatroom_id: uuid.UUID, notified: bool = False) -> None:
    """What `events_record` does after its INSERT, for an event that a message's own statement wrote: the commit
    notice, sent now when that statement was its own transaction (`notified` when it also sent the fan-out's
    `NOTIFY`, see `chat.events.bus.notify_column`)."""
    if not transaction.get_connection().in_atomic_block:
        events_committed.send(
            sender=Event, chatroom_ids=frozenset({chatroom_id}), user_ids=frozenset(), notified=notified
        )
        return
    _commit_notice().chatroom_ids.add(chatroom_id)


def event_record(
    *,
    type: str,
    chatroom_id: uuid.UUID,
    channel_id: uuid.UUID | None = None,
    user_id: uuid.UUID | None = None,
    message_id: uuid.UUID | None = None,
    payload: dict | None = None,
) -> None:
    """Writes one event in the current transaction (see `events_record`)."""
    events_record(
        events=[
            EventSpec(
                type=type,
                chatroom_id=chatroom_id,
                channel_id=channel_id,
                user_id=user_id,
                message_id=message_id,
                payload=payload or {},
            )
        ]
    )


# Deleted in batches, so that a purge of a large backlog never holds one huge transaction and its locks.
PURGE_BATCH_SIZE = 5000


def events_purge(*, older_than: timedelta | None = None, everything: bool = False) -> int:
    """Deletes the events recorded more than `older_than` (default: CHAT_EVENTS_RETENTION_HOURS) ago; returns how
    many. With `everything`, the whole log goes (after restoring a dump into a new database cluster).

    The purge deletes by position, up to the newest position among the old events, and records that position
    (`EventPurge`): a cursor before it may have lost events and gets `resync`; a cursor after it lost nothing.
    """
    if older_than is None:
        older_than = timedelta(hours=settings.CHAT_EVENTS_RETENTION_HOURS)
    doomed = Event.objects.all() if everything else Event.objects.filter(created_at__lt=timezone.now() - older_than)
    last = doomed.order_by("-xid", "-id").values_list("xid", "id").first()
    if last is None:
        return 0
    xid, event_id = last
    up_to = Q(xid__lt=xid) | Q(xid=xid, id__lte=event_id)
    # Recorded first: a reader that sees any of the deletions below already sees this.
    EventPurge.objects.create(xid=xid, event_id=event_id, deleted=0)
    deleted = 0
    while True:
        with transaction.atomic():
            batch = list(Event.objects.filter(up_to).order_by().values_list("id", flat=True)[:PURGE_BATCH_SIZE])
            if not batch:
                break
            deleted += Event.objects.filter(id__in=batch).delete()[0]
    EventPurge.objects.filter(xid=xid, event_id=event_id).update(deleted=deleted)
    return deleted


# The recorders the services call, one per kind of change: each states what its event says and who sees it.


def message_event_record(*, type: str, message: Message) -> None:
    """A message's event, seen by those who may read its channel (and, for a posted, edited or shown message,
    only while v1 shows it)."""
    event_record(type=type, chatroom_id=message.chatroom_id, channel_id=message.channel_id, message_id=message.pk)


def participant_event_record(*, type: str, participant: Participant, tell_them: bool = False) -> None:
    """A participant's event, seen by the chatroom's active participants; `tell_them` also addresses it to the
    participant, who may no longer be one (banned, removed)."""
    payload = participant_payload(participant)
    specs = [EventSpec(type=type, chatroom_id=participant.chatroom_id, payload=payload)]
    if tell_them:
        specs.append(
            EventSpec(type=type, chatroom_id=participant.chatroom_id, user_id=participant.user_id, payload=payload)
        )
    joined = type == Event.Type.PARTICIPANT_JOINED
    events_record(events=specs, wake_user_ids=[participant.user_id] if joined else [])


def participants_joined_record(*, participants: Iterable[Participant]) -> None:
    """The `participant.joined` events of several participants at once (a new chatroom's), in one INSERT."""
    participants = list(participants)
    events_record(
        events=[
            EventSpec(
                type=Event.Type.PARTICIPANT_JOINED,
                chatroom_id=participant.chatroom_id,
                payload=participant_payload(participant),
            )
            for participant in participants
        ],
        wake_user_ids=[participant.user_id for participant in participants],
    )


def presence_event_record(*, participant: Participant) -> None:
    """`presence.changed`: the participant was seen (written at most once per presence interval)."""
    participant_event_record(type=Event.Type.PRESENCE_CHANGED, participant=participant)


def read_marker_event_record(*, participant: Participant) -> None:
    """`read_marker.moved`, addressed to the participant alone."""
    event_record(
        type=Event.Type.READ_MARKER_MOVED,
        chatroom_id=participant.chatroom_id,
        user_id=participant.user_id,
        payload={"chatroom": str(participant.chatroom_id), "last_read_at": json_time(participant.last_read_at)},
    )


def chatroom_renamed_record(*, chatroom: Chatroom) -> None:
    """`chatroom.renamed`, seen by its active participants (each with their own role, when read)."""
    event_record(
        type=Event.Type.CHATROOM_RENAMED,
        chatroom_id=chatroom.pk,
        payload={"id": str(chatroom.pk), "name": chatroom.name, "created_at": json_time(chatroom.created_at)},
    )


def channel_event_record(*, type: str, channel: Channel, user_id: uuid.UUID | None = None) -> None:
    """A channel's event; the reader gets the channel with their own r/w/x, as they are when it is read.

    A new channel is told only to those who may read it; a changed one to every participant (one who may no
    longer read it learns just that); a grant change only to the user whose rights changed.
    """
    event_record(
        type=type,
        chatroom_id=channel.chatroom_id,
        channel_id=channel.pk if type == Event.Type.CHANNEL_CREATED else None,
        user_id=user_id,
        payload={"channel": str(channel.pk)},
    )
