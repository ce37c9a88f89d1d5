"""History retention: deleting old messages (hidden ones only, or all), recorded in the moderation log."""

from datetime import datetime, timedelta

from django.db import transaction
from django.db.models import Count
from django.utils import timezone

from chat.exceptions import Code, Invalid
from chat.models import Chatroom, Message, User
from chat.services.moderation import moderation_log_add

# Deleted in batches, so that a purge of years of history never holds one huge transaction and its locks.
BATCH_SIZE = 1000


def history_purge(*, older_than_days: int, hidden_only: bool, actor: User | None = None) -> int:
    """Deletes the messages sent more than `older_than_days` ago (only the hidden ones if asked); returns how many.

    Each chatroom that lost messages gets one moderation log row saying how many and up to when. The
    stored content of file messages is removed once the deletion of their rows has committed.
    """
    if older_than_days < 1:
        raise Invalid("The retention must be at least one day.", code=Code.INVALID_RETENTION)
    cutoff: datetime = timezone.now() - timedelta(days=older_than_days)
    doomed = Message.objects.filter(sent_at__lt=cutoff)
    if hidden_only:
        doomed = doomed.filter(hidden_at__isnull=False)
    per_chatroom = dict(doomed.values_list("chatroom_id").annotate(count=Count("id")).order_by())
    while True:
        with transaction.atomic():
            batch = list(doomed.values_list("id", flat=True)[:BATCH_SIZE])
            if not batch:
                break
            # File messages take their stored content along (chat.models, once the deletion commits).
            Message.objects.filter(id__in=batch).delete()
    kind = "hidden messages" if hidden_only else "messages"
    for chatroom in Chatroom.objects.filter(id__in=per_chatroom):
        moderation_log_add(
            actor=actor,
            action="history_purge",
            target=f"{per_chatroom[chatroom.pk]} {kind} sent before {cutoff:%Y-%m-%d %H:%M} UTC",
            chatroom=chatroom,
            reason=f"retention of {older_than_days} days",
        )
    return sum(per_chatroom.values())
