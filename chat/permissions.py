"""The r/w/x rule: what each participant may read, write and manage on each channel of a chatroom.

Adapters do not call this directly: `chat.access.chatroom_enter` applies it when the caller enters.
"""

import uuid
from dataclasses import dataclass

from django.db.models import FilteredRelation, Q

from chat.models import Channel, Participant, role_may_moderate


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
    if role_may_moderate(role):
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
