"""Reads about chatrooms and who is in them."""

import uuid

from chat.exceptions import NotFound, NotParticipant
from chat.models import Chatroom, Participant, User


def access_participant(*, user: User, chatroom_id: uuid.UUID) -> Participant:
    """The caller's active membership of the chatroom, with the chatroom, in one query; else raises."""
    try:
        chatroom_id = uuid.UUID(str(chatroom_id))
    except ValueError:
        raise NotFound("Chatroom not found.", code="chatroom_not_found") from None
    participant = (
        Participant.objects.select_related("chatroom", "user").filter(user_id=user.pk, chatroom_id=chatroom_id).first()
    )
    if participant is not None and participant.state == Participant.State.ACTIVE:
        return participant
    if participant is None and not Chatroom.objects.filter(pk=chatroom_id).exists():
        raise NotFound("Chatroom not found.", code="chatroom_not_found")
    raise NotParticipant()


def participant_rows(*, chatroom_id: uuid.UUID) -> list[dict]:
    """The active participants of a chatroom with what both protocols show of them, oldest first."""
    return list(
        Participant.objects.filter(chatroom_id=chatroom_id, state=Participant.State.ACTIVE)
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
        )
    )
