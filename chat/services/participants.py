"""Membership: adding, removing, banning and unbanning participants, roles and ownership."""

import uuid

from django.db import IntegrityError, transaction

from chat.exceptions import Forbidden, Invalid
from chat.models import Chatroom, Participant, User
from chat.services.moderation import moderation_log_add
from chat.services.tokens import tokens_revoke_for


def participant_add(
    *, chatroom: Chatroom, user: User, invited_by: User | None = None, role: str = Participant.Role.MEMBER
) -> tuple[Participant, bool]:
    """Makes the user a participant; an active one stays as is, a banned one is refused."""
    if not user.is_active:
        raise Invalid("That user is not active.", code="user_inactive")
    if role not in Participant.Role.values:
        raise Invalid(f"Unknown role '{role}'.", code="invalid_role")
    existing = Participant.objects.filter(chatroom=chatroom, user=user).first()
    if existing is not None:
        if existing.state == Participant.State.BANNED:
            raise Forbidden("That user is banned from this chatroom.", code="banned")
        return existing, False
    try:
        with transaction.atomic():
            participant = Participant.objects.create(chatroom=chatroom, user=user, invited_by=invited_by, role=role)
    except IntegrityError:
        # Someone added the same user at the same moment: the stored row is the answer.
        participant = Participant.objects.filter(chatroom=chatroom, user=user).first()
        if participant is None:
            # No such row: the constraint broken was the one owner per chatroom.
            raise Invalid("This chatroom has an owner already.", code="owner_exists") from None
        if participant.state == Participant.State.BANNED:
            raise Forbidden("That user is banned from this chatroom.", code="banned") from None
        return participant, False
    return participant, True


def _lock_fresh(participant: Participant) -> bool:
    """Locks the participant's row until the transaction ends and reloads its role and state; False once removed.

    The caller's copy may be stale: a concurrent leave may have made this participant the owner since it was read.
    """
    stored = Participant.objects.select_for_update().filter(pk=participant.pk).values("role", "state").first()
    if stored is None:
        return False
    participant.role, participant.state = stored["role"], stored["state"]
    return True


def _ownership_pass(*, leaving: Participant) -> Participant | None:
    """Makes the longest-standing remaining admin, else participant, the owner."""
    remaining = (
        Participant.objects.select_for_update()
        .filter(chatroom_id=leaving.chatroom_id, state=Participant.State.ACTIVE)
        .exclude(pk=leaving.pk)
        .order_by("joined_at", "pk")
    )
    heir = remaining.filter(role=Participant.Role.ADMIN).first() or remaining.first()
    Participant.objects.filter(pk=leaving.pk).update(role=Participant.Role.MEMBER)
    leaving.role = Participant.Role.MEMBER
    if heir is not None:
        Participant.objects.filter(pk=heir.pk).update(role=Participant.Role.OWNER)
        heir.role = Participant.Role.OWNER
    return heir


@transaction.atomic
def participant_remove(*, participant: Participant, actor: User | None) -> None:
    """Removes a participant (leaving, or removed by someone); the owner's role passes on first."""
    if not _lock_fresh(participant):
        return  # removed a moment ago by a concurrent request
    if participant.role == Participant.Role.OWNER:
        _ownership_pass(leaving=participant)
    tokens_revoke_for(user=participant.user, chatroom=participant.chatroom)
    Participant.objects.filter(pk=participant.pk).delete()
    if actor is not None and actor.pk != participant.user_id:
        moderation_log_add(actor=actor, action="remove", target=participant, chatroom=participant.chatroom)


@transaction.atomic
def participant_ban(*, participant: Participant, actor: User | None, reason: str = "") -> Participant:
    """Bans a participant: they lose access and their log-ins to the chatroom at once."""
    if not _lock_fresh(participant):
        raise Invalid("That user is no longer a participant of this chatroom.", code="not_a_participant")
    if participant.role == Participant.Role.OWNER:
        _ownership_pass(leaving=participant)
    participant.state = Participant.State.BANNED
    participant.role = Participant.Role.MEMBER
    participant.save(update_fields=["state", "role"])
    tokens_revoke_for(user=participant.user, chatroom=participant.chatroom)
    moderation_log_add(actor=actor, action="ban", target=participant, chatroom=participant.chatroom, reason=reason)
    return participant


@transaction.atomic
def participant_unban(*, participant: Participant, actor: User | None) -> Participant:
    """Lifts a ban: the user is an ordinary participant again."""
    if not _lock_fresh(participant):
        raise Invalid("That user is no longer a participant of this chatroom.", code="not_a_participant")
    participant.state = Participant.State.ACTIVE
    participant.save(update_fields=["state"])
    moderation_log_add(actor=actor, action="unban", target=participant, chatroom=participant.chatroom)
    return participant


@transaction.atomic
def participant_set_role(*, participant: Participant, role: str, actor: User | None) -> Participant:
    """Changes a role; making someone owner demotes the current owner to admin."""
    if role not in Participant.Role.values:
        raise Invalid(f"Unknown role '{role}'.", code="invalid_role")
    if not _lock_fresh(participant):
        raise Invalid("That user is no longer a participant of this chatroom.", code="not_a_participant")
    if participant.state != Participant.State.ACTIVE:
        raise Invalid("A banned participant cannot be given a role.", code="participant_banned")
    if role == participant.role:
        return participant
    if participant.role == Participant.Role.OWNER:
        raise Invalid("Make someone else the owner instead.", code="owner_required")
    if role == Participant.Role.OWNER:
        Participant.objects.filter(chatroom_id=participant.chatroom_id, role=Participant.Role.OWNER).update(
            role=Participant.Role.ADMIN
        )
    participant.role = role
    participant.save(update_fields=["role"])
    moderation_log_add(actor=actor, action=f"role:{role}", target=participant, chatroom=participant.chatroom)
    return participant


@transaction.atomic
def participant_outvite(*, actor: Participant, user_id: uuid.UUID) -> None:
    """Removes a participant: anyone may leave; removing another needs an admin, and never hits the owner."""
    if user_id == actor.user_id:
        participant_remove(participant=actor, actor=actor.user)
        return
    if not actor.is_admin:
        raise Forbidden("Only the chatroom's owner and admins may remove someone else.", code="not_chatroom_admin")
    target = (
        Participant.objects.select_for_update(of=("self",))
        .select_related("user", "chatroom")
        .filter(chatroom_id=actor.chatroom_id, user_id=user_id, state=Participant.State.ACTIVE)
        .first()
    )
    if target is None:
        raise Invalid("That user is not a participant of this chatroom.", code="not_a_participant")
    if target.role == Participant.Role.OWNER:
        raise Forbidden("Nobody may remove the chatroom's owner.", code="owner_protected")
    participant_remove(participant=target, actor=actor.user)
