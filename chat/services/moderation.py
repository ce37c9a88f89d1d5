"""The moderation trail: every moderation service records who did what, when and why."""

from chat.limits import MODERATION_TARGET_MAX_LENGTH, REASON_MAX_LENGTH
from chat.models import Chatroom, ModerationLog, User


def moderation_log_add(
    *, actor: User | None, action: str, target: object, chatroom: Chatroom | None = None, reason: str = ""
) -> ModerationLog:
    """Records one moderation action."""
    return ModerationLog.objects.create(
        actor=actor,
        action=action,
        chatroom=chatroom,
        target=str(target)[:MODERATION_TARGET_MAX_LENGTH],
        reason=reason[:REASON_MAX_LENGTH],
    )
