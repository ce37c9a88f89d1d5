"""Logging in to one chatroom with a password (the Teahaz per-chatroom log-in)."""

import uuid

from chat.exceptions import NotAuthenticated
from chat.models import Participant
from chat.services.accounts import WRONG_CREDENTIALS, user_authenticate
from chat.throttles import login_failure_record


def chatroom_login(*, chatroom_id: uuid.UUID, identifier: str, password: str, address: str) -> Participant:
    """The caller's active membership; not being a participant fails (and counts) exactly like a wrong password."""
    user = user_authenticate(identifier=identifier, password=password, address=address)
    participant = (
        Participant.objects.select_related("chatroom", "user")
        .filter(user=user, chatroom_id=chatroom_id, state=Participant.State.ACTIVE)
        .first()
    )
    if participant is None:
        login_failure_record(username=str(user.pk), address=address)
        raise NotAuthenticated(WRONG_CREDENTIALS, code="wrong_credentials")
    return participant
