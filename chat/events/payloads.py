"""The shapes events carry: v1's representations, as plain JSON values (ids and times as strings, as v1 renders).

Write side: what a participant event keeps of its row (the row may be gone when the event is read). Read side:
the message, channel and chatroom shapes, built from the rows as they are when the event is read.
"""

import uuid
from datetime import datetime
from typing import Any

from chat.models import Participant
from chat.permissions import ChannelAccess
from chat.text import shown_name


def json_time(value: datetime | None) -> str | None:
    """A time as v1 renders it (ISO 8601 with its offset, microseconds kept)."""
    return None if value is None else value.isoformat()


def json_id(value: uuid.UUID | None) -> str | None:
    return None if value is None else str(value)


def user_json(*, user_id: uuid.UUID, username: str, display_name: str) -> dict[str, Any]:
    """A user as v1 shows them to others."""
    return {"id": str(user_id), "username": username, "name": shown_name(display_name=display_name, username=username)}


def participant_payload(participant: Participant) -> dict[str, Any]:
    """What a participant event keeps: v1's Participant without `presence`, which is derived when it is read."""
    user = participant.user
    return {
        "id": participant.pk,
        "chatroom": str(participant.chatroom_id),
        "user": user_json(user_id=user.pk, username=user.username, display_name=user.display_name),
        "role": participant.role,
        "state": participant.state,
        "joined_at": json_time(participant.joined_at),
        "last_seen_at": json_time(participant.last_seen_at),
    }


def message_json(*, row: dict[str, Any], mentions: list[dict]) -> dict[str, Any]:
    """A message row (`MESSAGE_EVENT_FIELDS` of an event) as v1 shows it."""
    author_id = row["message__author_id"]
    return {
        "id": str(row["message_id"]),
        "chatroom": str(row["chatroom_id"]),
        "channel": str(row["message__channel_id"]),
        "author": None
        if author_id is None
        else user_json(
            user_id=author_id,
            username=row["message__author__username"],
            display_name=row["message__author__display_name"],
        ),
        "kind": row["message__kind"],
        "format": row["message__format"],
        "body": row["message__body"],
        "text": row["message__text"],
        "html": row["message__html"],
        "key_id": row["message__key_id"],
        "reply_to": json_id(row["message__reply_to_id"]),
        "mentions": [{**mention, "id": str(mention["id"])} for mention in mentions],
        "sent_at": json_time(row["message__sent_at"]),
        "edited_at": json_time(row["message__edited_at"]),
    }


MESSAGE_EVENT_FIELDS = (
    "message__author_id",
    "message__author__username",
    "message__author__display_name",
    "message__channel_id",
    "message__kind",
    "message__format",
    "message__body",
    "message__text",
    "message__html",
    "message__key_id",
    "message__reply_to_id",
    "message__sent_at",
    "message__edited_at",
)


def channel_json(*, chatroom_id: uuid.UUID, channel: ChannelAccess) -> dict[str, Any]:
    """A channel as v1 shows it to one reader, with that reader's own r/w/x."""
    return {
        "id": str(channel.id),
        "chatroom": str(chatroom_id),
        "name": channel.name,
        "public": channel.public,
        "is_default": channel.is_default,
        "permissions": {"r": channel.r, "w": channel.w, "x": channel.x},
    }


def channel_unreadable_json(*, chatroom_id: uuid.UUID, channel_id: uuid.UUID) -> dict[str, Any]:
    """A channel the reader may not read: only that they may not (its name is not theirs to know)."""
    return {
        "id": str(channel_id),
        "chatroom": str(chatroom_id),
        "permissions": {"r": False, "w": False, "x": False},
    }
