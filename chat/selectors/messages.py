"""Reads of messages: pages of the channels a `RoomAccess` may read, bounded by time or by anchor message.

Rows come straight from the index. An anchor is a message id; how it orders (today its send time, ties broken
by id) stays inside this module.
"""

import uuid
from collections import defaultdict
from collections.abc import Sequence
from datetime import datetime
from typing import Literal

from django.db.models import Q, QuerySet, Subquery

from chat.access import RoomAccess
from chat.exceptions import Code, Invalid, NotFound
from chat.models import Message
from chat.permissions import ChannelAccess
from chat.text import shown_name

MESSAGE_FIELDS = (
    "id",
    "channel_id",
    "author_id",
    "author__username",
    "author__display_name",
    "kind",
    "format",
    "body",
    "text",
    "html",
    "key_id",
    "reply_to_id",
    "sent_at",
    # The user a system message is about, for the readers that show them.
    "subject_id",
    "subject__username",
    "subject__display_name",
    "subject__color_r",
    "subject__color_g",
    "subject__color_b",
    "edited_at",
)


# The order messages are paged in, oldest first: every keyset comparison below follows it. It is the order
# messages became visible: `message_create` gives each a send time later than the chatroom's previous one while
# holding the chatroom's row until commit (ties, left from before that, are the order they were numbered in).
MESSAGE_ORDER = ("sent_at", "id")


def position_of(row: dict) -> tuple[datetime, uuid.UUID]:
    """A message row's place in MESSAGE_ORDER, as a cursor remembers it."""
    return row["sent_at"], row["id"]


def past_position(*, sent_at: datetime | Subquery, message_id: uuid.UUID, later: bool, inclusive: bool) -> Q:
    """The messages after (`later`) or before a place in MESSAGE_ORDER; the place itself too when `inclusive`."""
    lookup = ("gt" if later else "lt") + ("e" if inclusive else "")
    strictly = Q(**{f"sent_at__{lookup[:2]}": sent_at}) | Q(sent_at=sent_at, **{f"id__{lookup}": message_id})
    # The same rows, with a plain bound on the send time beside the OR: an index range can start there, where the
    # OR alone (against a subquery's time) led PostgreSQL to scan a million-message history from its oldest row.
    return Q(**{f"sent_at__{lookup[:2]}e": sent_at}) & strictly


def ordered(queryset: QuerySet, *, newest_first: bool = False) -> QuerySet:
    """The queryset in MESSAGE_ORDER (or its reverse)."""
    return queryset.order_by(*(f"-{field}" if newest_first else field for field in MESSAGE_ORDER))


def message_anchor(message_id: uuid.UUID, *, chatroom_id: uuid.UUID) -> Subquery:
    """The place of a message in its chatroom's order, for bounding a page (hidden and deleted ones too)."""
    return Subquery(Message.objects.filter(pk=message_id, chatroom_id=chatroom_id).values("sent_at")[:1])


def messages_visible(*, access: RoomAccess) -> QuerySet:
    """Every message the caller may see in the chatroom: the visible (neither hidden nor deleted) ones of the
    channels it can read."""
    return Message.objects.visible().filter(
        chatroom_id=access.chatroom.pk, channel_id__in=[channel.id for channel in access.readable_channels]
    )


def message_sent_at(*, access: RoomAccess, message_id: uuid.UUID) -> datetime:
    """When a message the caller may see was sent; any other is not found."""
    sent_at = messages_visible(access=access).filter(pk=message_id).values_list("sent_at", flat=True).first()
    if sent_at is None:
        raise NotFound("Message not found.", code=Code.MESSAGE_NOT_FOUND)
    return sent_at


def _anchors_check(*, chatroom_id: uuid.UUID, anchors: Sequence[uuid.UUID]) -> None:
    """Raises unless every anchor is a message of this chatroom (hidden and deleted ones too)."""
    found = Message.objects.filter(pk__in=anchors, chatroom_id=chatroom_id).count()
    if found != len(set(anchors)):
        raise Invalid("The anchor is not a message of this chatroom.", code=Code.INVALID_ANCHOR)


def message_page(
    *,
    access: RoomAccess,
    channels: Sequence[ChannelAccess] | None = None,
    limit: int,
    keep: Literal["oldest", "newest"],
    since: datetime | None = None,
    until: datetime | None = None,
    after: uuid.UUID | None = None,
    before: uuid.UUID | None = None,
) -> list[dict]:
    """Visible messages of the caller's channels within the bounds (all inclusive), in the chatroom's order.

    `channels` are taken from `access` (all the readable ones when not given); those the caller cannot read
    contribute nothing. `after` and `before` are anchor messages of the chatroom, either one included; an anchor
    that is not one raises Invalid. `keep` says which end of the range the limit keeps: the oldest (paging
    forward) or the newest.
    """
    chosen = access.readable_channels if channels is None else channels
    if any(not access.holds(channel) for channel in chosen):
        raise ValueError("Channels of a message page must be taken from the caller's access.")
    channel_ids = [channel.id for channel in chosen if channel.r]
    chatroom_id = access.chatroom.pk
    anchors = [anchor for anchor in (after, before) if anchor is not None]
    rows = _page(
        chatroom_id=chatroom_id,
        channel_ids=channel_ids,
        limit=limit,
        keep=keep,
        since=since,
        until=until,
        after=after,
        before=before,
    )
    if anchors and not rows:
        # A page is empty when an anchor names no message here: say so, rather than answer nothing.
        _anchors_check(chatroom_id=chatroom_id, anchors=anchors)
    return rows


def _page(
    *,
    chatroom_id: uuid.UUID,
    channel_ids: list[uuid.UUID],
    limit: int,
    keep: Literal["oldest", "newest"],
    since: datetime | None,
    until: datetime | None,
    after: uuid.UUID | None,
    before: uuid.UUID | None,
) -> list[dict]:
    if not channel_ids or limit <= 0:
        return []
    queryset = Message.objects.visible().filter(chatroom_id=chatroom_id)
    if len(channel_ids) == 1:
        queryset = queryset.filter(channel_id=channel_ids[0])
    else:
        queryset = queryset.filter(channel_id__in=channel_ids)
    if since is not None:
        queryset = queryset.filter(sent_at__gte=since)
    if until is not None:
        queryset = queryset.filter(sent_at__lte=until)
    # Ties of send time are broken by id, so the anchor's own row is inside the bound and its equals are ordered.
    if after is not None:
        at = message_anchor(after, chatroom_id=chatroom_id)
        queryset = queryset.filter(past_position(sent_at=at, message_id=after, later=True, inclusive=True))
    if before is not None:
        at = message_anchor(before, chatroom_id=chatroom_id)
        queryset = queryset.filter(past_position(sent_at=at, message_id=before, later=False, inclusive=True))
    if keep == "oldest":
        return list(ordered(queryset).values(*MESSAGE_FIELDS)[:limit])
    rows = list(ordered(queryset, newest_first=True).values(*MESSAGE_FIELDS)[:limit])
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
        mentions[message_id].append(
            {"id": user_id, "username": username, "name": shown_name(display_name=display_name, username=username)}
        )
    return mentions


def default_channel_page(
    *, access: RoomAccess, limit: int, after: uuid.UUID | None = None, before: uuid.UUID | None = None
) -> list[dict]:
    """A page of the default channel (what Origam shows): with `after` alone the limit keeps the oldest (paging
    forward), else the newest. Nothing when the caller cannot read it; a bad anchor raises all the same."""
    return message_page(
        access=access,
        channels=[access.default_channel],
        limit=limit,
        keep="oldest" if after is not None and before is None else "newest",
        after=after,
        before=before,
    )
