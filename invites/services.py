"""Invites: creating them, redeeming one use atomically, revoking them."""

import uuid
from datetime import datetime, timedelta

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone

from chat.exceptions import Code, Forbidden, Invalid, NotFound
from chat.limits import INVITE_ID_MAX_LENGTH
from chat.models import Chatroom, Participant, User
from chat.services.accounts import user_get_or_create, user_signup
from chat.services.moderation import moderation_log_add
from chat.services.participants import participant_existing, participant_join
from chat.text import is_storable
from chat.usernames import canonical_username
from invites.models import Invite, InviteRedemption

BANNED = "You are banned from this chatroom."
STATE_MESSAGES = {
    Invite.State.EXPIRED: "This invite has expired.",
    Invite.State.REVOKED: "This invite has been revoked.",
    Invite.State.USED_UP: "This invite has been used up.",
}


def invite_create(
    *, chatroom: Chatroom, created_by: User | None, uses: int = 1, expires_at: datetime | None = None
) -> Invite:
    """Creates an invite with 1..CHAT_INVITE_MAX_USES uses that expires in the future."""
    if isinstance(uses, bool) or not isinstance(uses, int) or not 1 <= uses <= settings.CHAT_INVITE_MAX_USES:
        raise Invalid(f"uses must be an integer from 1 to {settings.CHAT_INVITE_MAX_USES}.", code=Code.INVALID_USES)
    now = timezone.now()
    if expires_at is None:
        expires_at = now + timedelta(seconds=settings.CHAT_INVITE_DEFAULT_TTL_SECONDS)
    if not isinstance(expires_at, datetime) or timezone.is_naive(expires_at) or expires_at <= now:
        raise Invalid("The expiration time must lie in the future.", code=Code.INVALID_EXPIRATION_TIME)
    return Invite.objects.create(chatroom=chatroom, created_by=created_by, uses_left=uses, expires_at=expires_at)


def _refuse_unusable(invite: Invite) -> None:
    state = Invite.State(invite.state)
    if state != Invite.State.ACTIVE:
        raise Forbidden(STATE_MESSAGES[state], code=Code(f"invite_{state}"))


def invite_get(*, invite_id: str, chatroom_id: uuid.UUID) -> Invite:
    """The invite with this id for this chatroom; any other is not found."""
    not_found = NotFound("Invite not found.", code=Code.INVITE_NOT_FOUND)
    if len(invite_id) > INVITE_ID_MAX_LENGTH or not is_storable(invite_id):
        raise not_found
    invite = Invite.objects.select_related("chatroom").filter(pk=invite_id).first()
    if invite is None or invite.chatroom_id != chatroom_id:
        raise not_found
    return invite


class _UsesNothing(Exception):
    """This redemption rolls back and uses nothing: the user joins without it."""


def invite_redeem_for_user(*, invite: Invite, user: User) -> Participant:
    """Admits the user with one use of the invite, atomically; a participant already in uses none."""
    try:
        with transaction.atomic():
            existing = participant_existing(chatroom_id=invite.chatroom_id, user=user, banned=BANNED)
            if existing is not None:
                return existing
            _refuse_unusable(invite)
            # One conditional UPDATE: of N concurrent redemptions, at most uses_left succeed.
            consumed = Invite.objects.usable().filter(pk=invite.pk).update(uses_left=F("uses_left") - 1)
            if not consumed:
                # A concurrent redemption for this same user may have taken the last use: it admitted them.
                existing = Participant.objects.active().filter(chatroom_id=invite.chatroom_id, user=user).first()
                if existing is not None:
                    return existing
                invite.refresh_from_db()
                _refuse_unusable(invite)
                raise Forbidden(STATE_MESSAGES[Invite.State.USED_UP], code=Code.INVITE_USED_UP)
            participant, created = participant_join(
                chatroom_id=invite.chatroom_id, user=user, invited_by=invite.created_by, banned=BANNED
            )
            if not created:
                # A concurrent request admitted the same user a moment ago.
                raise _UsesNothing
            InviteRedemption.objects.create(invite=invite, user=user)
            return participant
    except (_UsesNothing, IntegrityError):
        # IntegrityError: the user redeemed this invite before and left since; coming back uses nothing.
        return participant_join(chatroom_id=invite.chatroom_id, user=user, invited_by=invite.created_by, banned=BANNED)[
            0
        ]


def _is_participant_named(*, invite: Invite, username: str) -> bool:
    if not is_storable(username):
        return False
    return (
        Participant.objects.active()
        .filter(chatroom_id=invite.chatroom_id, user__username_canonical=canonical_username(username))
        .exists()
    )


def invite_redeem(
    *, invite_id: str, chatroom_id: uuid.UUID, username: str, password: str, address: str
) -> tuple[Participant, User]:
    """Redeems an invite with an existing account (its password) or a new one, atomically."""
    invite = invite_get(invite_id=invite_id, chatroom_id=chatroom_id)
    # Refused before any account is made or password hashed, unless the caller is in already and needs
    # no use (a second redemption racing the one that took the last use, say).
    if invite.state != Invite.State.ACTIVE and not _is_participant_named(invite=invite, username=username):
        _refuse_unusable(invite)
    with transaction.atomic():
        user, _created = user_get_or_create(username=username, password=password, address=address, via_invite=True)
        participant = invite_redeem_for_user(invite=invite, user=user)
    return participant, user


@transaction.atomic
def invite_revoke(*, invite: Invite, actor: User | None) -> Invite:
    """Revokes an invite: it admits nobody from now on."""
    if invite.revoked_at is None:
        invite.revoked_at = timezone.now()
        invite.revoked_by = actor
        invite.save(update_fields=["revoked_at", "revoked_by"])
        moderation_log_add(actor=actor, action="revoke invite", target=invite, chatroom=invite.chatroom)
    return invite


def invite_find(*, invite_id: str) -> Invite:
    """The invite behind an invite link (its id alone is the secret), whatever its state; else not found."""
    if not invite_id or len(invite_id) > INVITE_ID_MAX_LENGTH or not is_storable(invite_id):
        raise NotFound("Invite not found.", code=Code.INVITE_NOT_FOUND)
    invite = Invite.objects.select_related("chatroom").filter(pk=invite_id).first()
    if invite is None:
        raise NotFound("Invite not found.", code=Code.INVITE_NOT_FOUND)
    return invite


def invite_usable_check(*, invite: Invite) -> None:
    """Raises Forbidden, saying why, unless the invite can admit someone now."""
    _refuse_unusable(invite)


@transaction.atomic
def invite_signup(*, invite: Invite, username: str, password: str, address: str) -> tuple[User, Participant]:
    """A new account that an invite link admits (even with open sign-up off), in the chatroom at once with one use
    of the invite; if the invite cannot admit it, no account is created."""
    _refuse_unusable(invite)
    user = user_signup(username=username, password=password, address=address, via_invite=True)
    return user, invite_redeem_for_user(invite=invite, user=user)
