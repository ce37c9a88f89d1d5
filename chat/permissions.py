"""The r/w/x rule: what each participant may read, write and manage on each channel of a chatroom.

Adapters do not call this directly: `chat.access.chatroom_enter` applies it when the caller enters.
"""

import uuid
from dataclasses import dataclass

from chat.models import role_may_moderate


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
