"""Presence and read markers, kept fresh without a database write on every poll."""

from datetime import datetime, timedelta

from django.conf import settings
from django.core.cache import cache
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from chat.caches import access_refresh, participants_seen
from chat.events.services import presence_event_record, read_marker_event_record
from chat.models import Participant


def presence_touch(*, participant: Participant, now: datetime | None = None) -> bool:
    """Marks the participant seen now, writing at most once per interval; says whether it wrote."""
    now = now or timezone.now()
    interval = timedelta(seconds=settings.CHAT_PRESENCE_WRITE_INTERVAL_SECONDS)
    if participant.last_seen_at is not None and now - participant.last_seen_at < interval:
        return False
    # The same bound as above, checked again in the row: another process may have written since we read it.
    # The change and its event commit together; no savepoint, which would only add two statements.
    with transaction.atomic(savepoint=False):
        written = (
            Participant.objects.filter(pk=participant.pk)
            .filter(Q(last_seen_at__isnull=True) | Q(last_seen_at__lte=now - interval))
            .update(last_seen_at=now)
        )
        participant.last_seen_at = now
        if written:
            presence_event_record(participant=participant)
    if written:
        # A cached access holding the old time would send every later request here again.
        access_refresh(participant=participant)
        participants_seen(chatroom_id=participant.chatroom_id, user_id=participant.user_id, last_seen_at=now)
    return bool(written)


def _pending_key(participant_id: int) -> str:
    return f"chat:read-marker:{participant_id}"


# A pending marker outlives any interval; past this a count falls back to the stored marker (see `read_marker`).
_PENDING_SECONDS = 24 * 3600


def read_marker_move(*, participant: Participant, up_to: datetime, now: datetime | None = None) -> bool:
    """Marks the default channel read up to that send time; never moves the marker back. Says whether it wrote.

    In an active room every poll shows something new, so the row is written at most once per
    CHAT_READ_MARKER_WRITE_INTERVAL_SECONDS: a move that comes sooner after the stored marker is kept in the cache
    as pending (no database write), where `read_marker` finds it, and the next move after the interval writes it.
    A first read after a quiet spell (the stored marker older than the interval) is written at once.
    """
    known = read_marker(participant=participant)
    if known is not None and known >= up_to:
        return False
    now = now or timezone.now()
    interval = timedelta(seconds=settings.CHAT_READ_MARKER_WRITE_INTERVAL_SECONDS)
    stored = participant.last_read_at
    if stored is not None and now - stored < interval:
        cache.set(_pending_key(participant.pk), up_to, timeout=_PENDING_SECONDS)
        return False
    # The change and its event commit together; no savepoint, which would only add two statements. The same
    # bounds again in the row: another process may have written since we read it.
    with transaction.atomic(savepoint=False):
        moved = (
            Participant.objects.filter(pk=participant.pk)
            .filter(Q(last_read_at__isnull=True) | Q(last_read_at__lt=up_to, last_read_at__lte=now - interval))
            .update(last_read_at=up_to)
        )
        if moved:
            participant.last_read_at = up_to
            read_marker_event_record(participant=participant)
    if moved:
        # A cached access holding the old marker would send every later move here again.
        access_refresh(participant=participant)
    else:
        # Another process wrote a moment ago: this move waits as pending, like any other within the interval.
        cache.set(_pending_key(participant.pk), up_to, timeout=_PENDING_SECONDS)
    return bool(moved)


def read_marker(*, participant: Participant) -> datetime | None:
    """Where the participant has read to: the stored marker, or a newer pending one (see `read_marker_move`)."""
    pending = cache.get(_pending_key(participant.pk))
    return max_marker(participant.last_read_at, pending)


def pending_read_markers(*, participant_ids: list[int]) -> dict[int, datetime]:
    """The pending markers of these participants, newer or not than what is stored; one cache round trip."""
    found = cache.get_many([_pending_key(participant_id) for participant_id in participant_ids])
    return {
        participant_id: found[key]
        for participant_id in participant_ids
        if (key := _pending_key(participant_id)) in found
    }


def max_marker(*markers: datetime | None) -> datetime | None:
    """The newest of these read markers (None: never read)."""
    return max((marker for marker in markers if marker is not None), default=None)


def presence_status(*, last_seen_at: datetime | None, now: datetime) -> str:
    """online within the online threshold, away within the away threshold, offline, or none if never."""
    if last_seen_at is None:
        return "none"
    age = (now - last_seen_at).total_seconds()
    if age < settings.CHAT_PRESENCE_ONLINE_SECONDS:
        return "online"
    if age < settings.CHAT_PRESENCE_AWAY_SECONDS:
        return "away"
    return "offline"


PRESENCE_STATUSES = ("online", "away", "offline", "none")


def presence_condition(*, status: str, now: datetime) -> Q:
    """The participants whose `presence_status` as of `now` is `status`, as a condition on their rows."""
    online = now - timedelta(seconds=settings.CHAT_PRESENCE_ONLINE_SECONDS)
    away = now - timedelta(seconds=settings.CHAT_PRESENCE_AWAY_SECONDS)
    conditions = {
        "online": Q(last_seen_at__gt=online),
        "away": Q(last_seen_at__gt=away, last_seen_at__lte=online),
        "offline": Q(last_seen_at__lte=away),
        "none": Q(last_seen_at__isnull=True),
    }
    return conditions[status]
