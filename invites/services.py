"""Invites: creating them, redeeming one use atomically, revoking them."""

import uuid
from datetime import datetime, timedelta

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone

from chat.exceptions import Forbidden, Invalid, NotFound
from chat.models import Chatroom, Participant, User
from chat.services.accounts import user_get_or_create
from chat.services.moderation import moderation_log_add
from chat.services.participants import participant_add
from chat.text import is_storable
from invites.models import Invite, InviteRedemption

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
        raise Invalid(f"uses must be an integer from 1 to {settings.CHAT_INVITE_MAX_USES}.", code="invalid_uses")
    now = timezone.now()
    if expires_at is None:
        expires_at = now + timedelta(seconds=settings.CHAT_INVITE_DEFAULT_TTL_SECONDS)
    if not isinstance(expires_at, datetime) or timezone.is_naive(expires_at) or expires_at <= now:
        raise Invalid("The expiration time must lie in the future.", code="invalid_expiration_time")
    return Invite.objects.create(chatroom=chatroom, created_by=created_by, uses_left=uses, expires_at=expires_at)


def _refuse_unusable(invite: Invite) -> None:
    state = invite.state
    if state != Invite.State.ACTIVE:
        raise Forbidden(STATE_MESSAGES[state], code=f"invite_{state}")


def invite_get(*, invite_id: str, chatroom_id: object) -> Invite:
    """The invite with this id for this chatroom; any other is not found."""
    not_found = NotFound("Invite not found.", code="invite_not_found")
    invite_id = str(invite_id)
    if len(invite_id) > 64 or not is_storable(invite_id):
        raise not_found
    try:
        chatroom_id = uuid.UUID(str(chatroom_id))
    except ValueError:
        raise not_found from None
    invite = Invite.objects.select_related("chatroom").filter(pk=invite_id).first()
    if invite is None or invite.chatroom_id != chatroom_id:
        raise not_found
    return invite


def invite_redeem_for_user(*, invite: Invite, user: User) -> Participant:
    """Admits the user with one use of the invite, atomically; a participant already in uses none."""
    with transaction.atomic():
        existing = Participant.objects.filter(chatroom_id=invite.chatroom_id, user=user).first()
        if existing is not None:
            if existing.state == Participant.State.BANNED:
                raise Forbidden("You are banned from this chatroom.", code="banned")
            return existing
        _refuse_unusable(invite)
        # One conditional UPDATE: of N concurrent redemptions, at most uses_left succeed.
        consumed = Invite.objects.filter(
            pk=invite.pk, uses_left__gt=0, revoked_at__isnull=True, expires_at__gt=timezone.now()
        ).update(uses_left=F("uses_left") - 1)
        if not consumed:
            # A concurrent redemption for this same user may have taken the last use: it admitted them.
            existing = Participant.objects.filter(chatroom_id=invite.chatroom_id, user=user).first()
            if existing is not None and existing.state == Participant.State.ACTIVE:
                return existing
            invite.refresh_from_db()
            _refuse_unusable(invite)
            raise Forbidden(STATE_MESSAGES[Invite.State.USED_UP], code="invite_used_up")
        try:
            with transaction.atomic():
                participant = Participant.objects.create(
                    chatroom_id=invite.chatroom_id, user=user, invited_by=invite.created_by
                )
                InviteRedemption.objects.create(invite=invite, user=user)
        except IntegrityError:
            # The same user redeemed at the same moment: that redemption stands, this one uses nothing.
            transaction.set_rollback(True)
            participant = None
    if participant is None:
        return participant_add(chatroom=invite.chatroom, user=user)[0]
    return participant


def _is_participant_named(*, invite: Invite, username: object) -> bool:
    if not isinstance(username, str) or not is_storable(username):
        return False
    return Participant.objects.filter(
        chatroom_id=invite.chatroom_id, state=Participant.State.ACTIVE, user__username__iexact=username.strip()
    ).exists()


def invite_redeem(
    *, invite_id: str, chatroom_id: object, username: str, password: str, address: str
) -> tuple[Participant, User]:
    """Redeems an invite with an existing account (its password) or a new one, atomically."""
    invite = invite_get(invite_id=invite_id, chatroom_id=chatroom_id)
    # Refused before any account is made or password hashed, unless the caller is in already and needs
    # no use (a second redemption racing the one that took the last use, say).
    if invite.state != Invite.State.ACTIVE and not _is_participant_named(invite=invite, username=username):
        _refuse_unusable(invite)
    with transaction.atomic():
        user, _created = user_get_or_create(username=username, password=password, address=address)
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
