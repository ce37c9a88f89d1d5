"""Logging in to one chatroom with a password (the Teahaz per-chatroom log-in), or creating one to log in to."""

import uuid

from django.db import transaction

from chat.exceptions import Code, NotAuthenticated
from chat.models import Participant
from chat.services.accounts import WRONG_CREDENTIALS, user_authenticate, user_get_or_create
from chat.services.chatrooms import chatroom_create
from chat.throttles import login_failure_record, rate_limit_hit


def chatroom_login(*, chatroom_id: uuid.UUID, identifier: str, password: str, address: str) -> Participant:
    """The caller's active membership; not being a participant fails (and counts) exactly like a wrong password."""
    user = user_authenticate(identifier=identifier, password=password, address=address)
    participant = (
        Participant.objects.active()
        .select_related("chatroom", "user")
        .filter(user=user, chatroom_id=chatroom_id)
        .first()
    )
    if participant is None:
        login_failure_record(username=str(user.pk), address=address)
        raise NotAuthenticated(WRONG_CREDENTIALS, code=Code.WRONG_CREDENTIALS)
    return participant


@transaction.atomic
def chatroom_create_with_account(*, username: str, password: str, address: str, name: str) -> Participant:
    """Creates a chatroom owned by an existing account (its password) or a new one; answers the owner's membership.

    One transaction: a chatroom that cannot be created leaves no new account behind.
    """
    user, _created = user_get_or_create(username=username, password=password, address=address)
    rate_limit_hit(scope="chatroom_create", user_id=user.pk, address=address)
    chatroom = chatroom_create(creator=user, name=name)
    return Participant.objects.select_related("chatroom", "user").get(chatroom=chatroom, user=user)
