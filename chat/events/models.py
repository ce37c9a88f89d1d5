"""The event log: one row per change a client may be told about, written in the transaction of the change."""

from typing import Any

from django.core.serializers.json import DjangoJSONEncoder
from django.db import models
from django.db.models import Func, Q
from django.utils import timezone


class CurrentTransactionId(Func):
    """The id of the writing transaction on PostgreSQL (`pg_current_xact_id()`); 0 elsewhere.

    It orders the log in commit order (see chat/events/selectors.py). SQLite has one writer at a time, so there
    the row id alone is commit order.
    """

    template = "(pg_current_xact_id()::text::bigint)"
    output_field = models.BigIntegerField()

    def as_sqlite(self, compiler: Any, connection: Any, **extra_context: Any) -> Any:
        return "0", []


class EventType(models.TextChoices):
    MESSAGE_POSTED = "message.posted", "Message posted"
    MESSAGE_EDITED = "message.edited", "Message edited"
    MESSAGE_DELETED = "message.deleted", "Message deleted"
    MESSAGE_HIDDEN = "message.hidden", "Message hidden"
    MESSAGE_UNHIDDEN = "message.unhidden", "Message shown again"
    PARTICIPANT_JOINED = "participant.joined", "Participant joined"
    PARTICIPANT_LEFT = "participant.left", "Participant left or removed"
    PARTICIPANT_BANNED = "participant.banned", "Participant banned"
    PARTICIPANT_UNBANNED = "participant.unbanned", "Participant unbanned"
    PARTICIPANT_ROLE_CHANGED = "participant.role_changed", "Participant's role changed"
    PRESENCE_CHANGED = "presence.changed", "Participant seen"
    CHATROOM_RENAMED = "chatroom.renamed", "Chatroom renamed"
    CHANNEL_CREATED = "channel.created", "Channel created"
    CHANNEL_CHANGED = "channel.changed", "Channel renamed or made public or private"
    CHANNEL_PERMISSIONS_CHANGED = "channel.permissions_changed", "Own permissions on a channel changed"
    READ_MARKER_MOVED = "read_marker.moved", "Own read marker moved"


class Event(models.Model):
    """A change in a chatroom, as the event stream tells it; who may see it is decided when it is read.

    `channel` limits it to those who may read that channel (then); `user` addresses it to that one user only
    (their own read marker, "you were banned"); `message` names the message whose current v1 representation a
    message event carries. `payload` holds what the row of the change no longer tells (a removed participant).
    """

    Type = EventType

    id = models.BigAutoField(primary_key=True)
    # The writing transaction: the log is read in (xid, id) order, which is commit order (chat/events/selectors.py).
    xid = models.BigIntegerField(db_default=CurrentTransactionId(), editable=False)
    type = models.CharField(max_length=40, choices=Type.choices)
    # The indexes below lead with these columns; a single-column index each would only slow every insert.
    chatroom = models.ForeignKey("chat.Chatroom", on_delete=models.CASCADE, related_name="+", db_index=False)
    channel = models.ForeignKey(
        "chat.Channel", null=True, blank=True, on_delete=models.CASCADE, related_name="+", db_index=False
    )
    user = models.ForeignKey(
        "chat.User", null=True, blank=True, on_delete=models.CASCADE, related_name="+", db_index=False
    )
    # No database constraint: an event must not cost the message insert a foreign key check and an index, and a
    # message purged from history simply makes its events show nothing (they expire with the log).
    message = models.ForeignKey(
        "chat.Message",
        null=True,
        blank=True,
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        db_index=False,
        related_name="+",
    )
    payload = models.JSONField(default=dict, encoder=DjangoJSONEncoder, blank=True)
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        app_label = "chat"
        indexes = [
            # The read path: every event after a cursor, and the retention purge.
            models.Index(fields=["xid", "id"], name="chat_event_position_idx"),
            models.Index(fields=["chatroom", "xid", "id"], name="chat_event_room_position_idx"),
            models.Index(
                fields=["user", "xid", "id"], condition=Q(user__isnull=False), name="chat_event_user_position_idx"
            ),
            models.Index(fields=["created_at"], name="chat_event_created_idx"),
        ]
        constraints = [
            models.CheckConstraint(condition=Q(type__in=EventType.values), name="chat_event_type_valid"),
        ]

    def __str__(self) -> str:
        return f"{self.type} in {self.chatroom_id} ({self.xid}.{self.id})"


class EventPurge(models.Model):
    """A run of the retention purge: every event up to (`xid`, `event_id`) is gone, so older cursors must resync."""

    xid = models.BigIntegerField()
    event_id = models.BigIntegerField()
    purged_at = models.DateTimeField(default=timezone.now)
    deleted = models.PositiveBigIntegerField()

    class Meta:
        app_label = "chat"
        indexes = [models.Index(fields=["xid", "event_id"], name="chat_eventpurge_position_idx")]

    def __str__(self) -> str:
        return f"events up to {self.xid}.{self.event_id}, purged {self.purged_at:%Y-%m-%d %H:%M}"
