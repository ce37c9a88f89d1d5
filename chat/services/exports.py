"""Exporting one chatroom: its participants and messages as JSON lines, recorded in the moderation log."""

import uuid
from collections.abc import Callable, Iterator
from typing import Any

import orjson

from chat.exceptions import Code, NotFound
from chat.models import Chatroom, Message, Participant, User
from chat.services.moderation import moderation_log_add


def _lines(chatroom: Chatroom) -> Iterator[dict[str, Any]]:
    yield {"type": "chatroom", "id": chatroom.pk, "name": chatroom.name, "created_at": chatroom.created_at}
    participants = Participant.objects.filter(chatroom=chatroom).select_related("user").order_by("joined_at", "pk")
    for participant in participants.iterator():
        yield {
            "type": "participant",
            "user_id": participant.user_id,
            "username": participant.user.username,
            "display_name": participant.user.display_name,
            "role": participant.role,
            "state": participant.state,
            "joined_at": participant.joined_at,
        }
    messages = Message.objects.filter(chatroom=chatroom).order_by("seq")
    fields = ("id", "channel_id", "author_id", "kind", "format", "body", "key_id", "reply_to_id", "sent_at")
    # A file message's content stays in file storage: the export names it (and the backup of that storage keeps it).
    extra = ("hidden_at", "hidden_reason", "file__name", "file__size", "file__content")
    for row in messages.values(*fields, *extra).iterator(chunk_size=2000):
        file = {"name": row.pop("file__name"), "size": row.pop("file__size"), "stored_as": row.pop("file__content")}
        yield {"type": "message", **row, "file": file if file["stored_as"] else None}


def chatroom_export(
    *, chatroom_id: uuid.UUID, write: Callable[[bytes], Any], actor: User | None = None
) -> dict[str, int]:
    """Writes the chatroom, then each participant, then each message (oldest first), one JSON object a line."""
    chatroom = Chatroom.objects.filter(pk=chatroom_id).first()
    if chatroom is None:
        raise NotFound("Chatroom not found.", code=Code.CHATROOM_NOT_FOUND)
    counts = {"participant": 0, "message": 0}
    for line in _lines(chatroom):
        write(orjson.dumps(line, default=str) + b"\n")
        if line["type"] in counts:
            counts[line["type"]] += 1
    moderation_log_add(
        actor=actor,
        action="chatroom_export",
        target=f"{counts['message']} messages, {counts['participant']} participants",
        chatroom=chatroom,
    )
    return counts
