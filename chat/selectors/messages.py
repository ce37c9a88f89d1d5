"""Reads of messages: pages bounded by time or by anchor message, rows straight from the index."""

import uuid
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Literal

from django.db.models import Q

from chat.exceptions import Invalid
from chat.models import Message

MESSAGE_FIELDS = (
    "id",
    "channel_id",
    "author_id",
    "author__username",
    "author__display_name",
    "kind",
    "format",
    "text",
    "html",
    "key_id",
    "reply_to_id",
    "sent_at",
)


@dataclass(frozen=True, slots=True)
class Anchor:
    """A point in a chatroom's history: a message's send time and id (ties broken by id)."""

    sent_at: datetime
    id: uuid.UUID


def message_anchor(*, chatroom_id: uuid.UUID, message_id: uuid.UUID) -> Anchor:
    """The anchor of a message of this chatroom (hidden ones too); anything else is invalid."""
    try:
        message_id = uuid.UUID(str(message_id))
    except ValueError:
        raise Invalid("The anchor is not a message of this chatroom.", code="invalid_anchor") from None
    row = Message.objects.filter(pk=message_id, chatroom_id=chatroom_id).values_list("sent_at", "id").first()
    if row is None:
        raise Invalid("The anchor is not a message of this chatroom.", code="invalid_anchor")
    return Anchor(*row)


def message_page(
    *,
    chatroom_id: uuid.UUID,
    channel_ids: Sequence[uuid.UUID],
    limit: int,
    keep: Literal["oldest", "newest"],
    since: datetime | None = None,
    until: datetime | None = None,
    after: Anchor | None = None,
    before: Anchor | None = None,
) -> list[dict]:
    """Visible messages of these channels within the bounds (all inclusive), ascending by send time.

    `keep` says which end of the range the limit keeps: the oldest (paging forward) or the newest.
    """
    if not channel_ids or limit <= 0:
        return []
    queryset = Message.objects.filter(chatroom_id=chatroom_id, hidden_at__isnull=True)
    if len(channel_ids) == 1:
        queryset = queryset.filter(channel_id=channel_ids[0])
    else:
        queryset = queryset.filter(channel_id__in=list(channel_ids))
    if since is not None:
        queryset = queryset.filter(sent_at__gte=since)
    if until is not None:
        queryset = queryset.filter(sent_at__lte=until)
    if after is not None:
        queryset = queryset.filter(Q(sent_at__gt=after.sent_at) | Q(sent_at=after.sent_at, id__gte=after.id))
    if before is not None:
        queryset = queryset.filter(Q(sent_at__lt=before.sent_at) | Q(sent_at=before.sent_at, id__lte=before.id))
    if keep == "oldest":
        return list(queryset.order_by("sent_at", "id").values(*MESSAGE_FIELDS)[:limit])
    rows = list(queryset.order_by("-sent_at", "-id").values(*MESSAGE_FIELDS)[:limit])
    rows.reverse()
    return rows


def mentions_by_message(*, message_ids: Sequence[uuid.UUID]) -> dict[uuid.UUID, list[dict]]:
    """The users each message mentions, in one query."""
    if not message_ids:
        return {}
    through = Message.mentions.through
    mentions: dict[uuid.UUID, list[dict]] = defaultdict(list)
    rows = (
        through.objects.filter(message_id__in=list(message_ids))
        .order_by("pk")
        .values_list("message_id", "user_id", "user__username", "user__display_name")
    )
    for message_id, user_id, username, display_name in rows:
        mentions[message_id].append({"id": user_id, "username": username, "name": display_name or username})
    return mentions
