"""Reads about chatrooms and who is in them."""

import uuid
from datetime import datetime
from typing import Any, cast

from chat.caches import participants_key, room_version_key, versioned
from chat.models import Participant
from chat.services.presence import presence_status
from chat.text import shown_name


def participant_rows(*, chatroom_id: uuid.UUID) -> list[dict]:
    """The active participants of a chatroom with what both protocols show of them, oldest first.

    Answered from the cache while the chatroom's version holds (a join, leave, ban, role change or a change to a
    participant's user bumps it; see chat/caches.py); presence writes update the cached rows.
    """
    rows = versioned(
        key=participants_key(chatroom_id),
        version_key=room_version_key(chatroom_id),
        build=lambda: _participant_rows_stored(chatroom_id=chatroom_id),
        # Readers may reorder the list; none changes a row (presence writes replace theirs, see chat/caches.py).
        copy=_rows_copy,
    )
    assert rows is not None  # a list, empty or not
    return rows


def _rows_copy(rows: list[dict]) -> list[dict]:
    return list(rows)


def _participant_rows_stored(*, chatroom_id: uuid.UUID) -> list[dict]:
    """The rows, each with its shown `name` and its id as text (`user_key`): computed once per cached list, not
    once per poll."""
    rows = cast(
        list[dict[str, Any]],
        list(
            Participant.objects.active()
            .filter(chatroom_id=chatroom_id)
            .order_by("joined_at", "pk")
            .values(
                "user_id",
                "role",
                "last_seen_at",
                "user__username",
                "user__display_name",
                "user__color_r",
                "user__color_g",
                "user__color_b",
            ),
        ),
    )
    for row in rows:
        row["name"] = shown_name(display_name=row["user__display_name"], username=row["user__username"])
        row["user_key"] = str(row["user_id"])
    return rows


def participants_with_presence(*, chatroom_id: uuid.UUID, now: datetime) -> list[dict]:
    """The active participants, oldest first, each with its shown name (and its id as text) and its presence as
    of `now`."""
    return [
        {
            "user_id": row["user_id"],
            "user_key": row["user_key"],
            "name": row["name"],
            "status": presence_status(last_seen_at=row["last_seen_at"], now=now),
        }
        for row in participant_rows(chatroom_id=chatroom_id)
    ]
