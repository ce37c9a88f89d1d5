"""What a poll answers: the read every open client repeats every few seconds, as one domain call.

`chatroom_poll` gives a page of the default channel, moves the caller's read marker to the newest message shown,
counts what is left unread and lists the participants with their presence. The adapter only parses the query and
renders the answer. It is the hottest path of the server: a fixed handful of queries, and no write unless the
read marker (or presence, in `chatroom_enter`) moved.
"""

import uuid
from dataclasses import dataclass

from django.utils import timezone

from chat.access import RoomAccess
from chat.selectors.chatrooms import participants_with_presence
from chat.selectors.memberships import unread_count
from chat.selectors.messages import default_channel_page
from chat.services.presence import read_marker_move


@dataclass(frozen=True, slots=True)
class Poll:
    """The answer to a poll, as plain data: message rows (with whom each mentions), the unread count, the
    participants."""

    messages: list[dict]
    unread: int
    participants: list[dict]


def chatroom_poll(*, access: RoomAccess, limit: int, after: uuid.UUID | None, before: uuid.UUID | None) -> Poll:
    """A page of the default channel (as `default_channel_page`), marked read up to its newest message."""
    rows = default_channel_page(access=access, limit=limit, after=after, before=before)
    unread = None
    if rows:
        read_marker_move(participant=access.participant, up_to=rows[-1]["sent_at"])
        # A page that reaches the newest message leaves nothing unread: no need to count (the usual poll).
        newest_page = after is None and before is None
        paging_forward = after is not None and before is None
        if newest_page or (paging_forward and len(rows) < limit):
            unread = 0
    return Poll(
        messages=rows,
        unread=unread_count(access=access) if unread is None else unread,
        participants=participants_with_presence(chatroom_id=access.chatroom.pk, now=timezone.now()),
    )
