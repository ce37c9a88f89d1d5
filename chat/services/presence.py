"""Presence and read markers, kept fresh without a database write on every poll."""

from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

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
    return bool(written)


def read_marker_move(*, participant: Participant, up_to: datetime) -> bool:
    """Marks the default channel read up to that send time; never moves the marker back."""
    if participant.last_read_at is not None and participant.last_read_at >= up_to:
        return False
    # The change and its event commit together; no savepoint, which would only add two statements.
    with transaction.atomic(savepoint=False):
        moved = (
            Participant.objects.filter(pk=participant.pk)
            .filter(Q(last_read_at__isnull=True) | Q(last_read_at__lt=up_to))
            .update(last_read_at=up_to)
        )
        if moved:
            participant.last_read_at = up_to
            read_marker_event_record(participant=participant)
    return bool(moved)


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
