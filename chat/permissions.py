"""The r/w/x rules: who may read, write and manage each channel of a chatroom."""

import uuid
from dataclasses import dataclass

from django.db.models import FilteredRelation, Q

from chat.exceptions import Forbidden, NotFound
from chat.models import Channel, Participant


@dataclass(frozen=True, slots=True)
class ChannelAccess:
    """A channel as one participant sees it: its facts and that participant's r, w and x."""

    id: uuid.UUID
    name: str
    public: bool
    is_default: bool
    r: bool
    w: bool
    x: bool


def effective_permissions(
    *, role: str, public: bool, grant: tuple[bool, bool, bool] | None, active: bool = True
) -> tuple[bool, bool, bool]:
    """Banned: nothing; owner and admins: rwx; an explicit grant replaces the default; public gives rw."""
    if not active:
        return False, False, False
    if role in (Participant.Role.OWNER, Participant.Role.ADMIN):
        return True, True, True
    if grant is not None:
        return grant
    return public, public, False


def channel_access_list(*, participant: Participant) -> list[ChannelAccess]:
    """Every channel of the participant's chatroom with that participant's r/w/x, in one query."""
    rows = (
        Channel.objects.filter(chatroom_id=participant.chatroom_id)
        .annotate(my_grant=FilteredRelation("grants", condition=Q(grants__user_id=participant.user_id)))
        .order_by("created_at", "id")
        .values_list("id", "name", "public", "is_default", "my_grant__id", "my_grant__r", "my_grant__w", "my_grant__x")
    )
    channels = []
    for channel_id, name, public, is_default, grant_id, r, w, x in rows:
        grant = (r, w, x) if grant_id is not None else None
        cr, cw, cx = effective_permissions(
            role=participant.role, public=public, grant=grant, active=participant.is_active
        )
        channels.append(ChannelAccess(channel_id, name, public, is_default, cr, cw, cx))
    return channels


def readable_channels(*, participant: Participant) -> list[ChannelAccess]:
    """The channels the participant may read."""
    return [channel for channel in channel_access_list(participant=participant) if channel.r]


def access_channel(*, participant: Participant, channel_id: uuid.UUID, need: str = "r") -> ChannelAccess:
    """The channel if the participant may `need` (r, w or x) on it; unreadable ones are not found."""
    for channel in channel_access_list(participant=participant):
        if channel.id == channel_id:
            if not channel.r:
                raise NotFound("Channel not found.", code="channel_not_found")
            if not getattr(channel, need):
                raise Forbidden(f"You lack the '{need}' permission on this channel.", code=f"no_{need}_permission")
            return channel
    raise NotFound("Channel not found.", code="channel_not_found")


def require_chatroom_admin(*, participant: Participant) -> None:
    """Raises unless the participant is the chatroom's owner or an admin."""
    if not participant.is_admin:
        raise Forbidden("Only the chatroom's owner and admins may do this.", code="not_chatroom_admin")
