"""Membership: adding, removing, banning and unbanning participants, roles and ownership."""

import uuid

from django.db import IntegrityError, transaction

from chat.caches import room_changed
from chat.events.models import EventType
from chat.events.services import participant_event_record
from chat.exceptions import Code, Forbidden, Invalid
from chat.models import Chatroom, Participant, User
from chat.services.moderation import moderation_log_add
from chat.services.tokens import tokens_revoke_for


def participant_add(
    *, chatroom: Chatroom, user: User, invited_by: User | None = None, role: str = Participant.Role.MEMBER
) -> tuple[Participant, bool]:
    """Makes the user a participant; an active one stays as is, a banned one is refused."""
    if not user.is_active:
        raise Invalid("That user is not active.", code=Code.USER_INACTIVE)
    if role not in Participant.Role.values:
        raise Invalid(f"Unknown role '{role}'.", code=Code.INVALID_ROLE)
    return participant_join(
        chatroom_id=chatroom.pk,
        user=user,
        invited_by=invited_by,
        role=role,
        banned="That user is banned from this chatroom.",
    )


def participant_existing(*, chatroom_id: uuid.UUID, user: User, banned: str) -> Participant | None:
    """The user's membership of the chatroom if any; a banned one is refused with that text."""
    existing = Participant.objects.filter(chatroom_id=chatroom_id, user=user).first()
    if existing is not None and existing.state == Participant.State.BANNED:
        raise Forbidden(banned, code=Code.BANNED)
    return existing


def participant_join(
    *,
    chatroom_id: uuid.UUID,
    user: User,
    invited_by: User | None = None,
    role: str = Participant.Role.MEMBER,
    banned: str = "You are banned from this chatroom.",
) -> tuple[Participant, bool]:
    """The one way a user joins: an active participant stays as is, a banned one is refused (`banned` says why).

    Says whether the row is new. Under a concurrent join of the same user, the row stored first is the answer.
    """
    existing = participant_existing(chatroom_id=chatroom_id, user=user, banned=banned)
    if existing is not None:
        return existing, False
    try:
        with transaction.atomic():
            participant = Participant.objects.create(
                chatroom_id=chatroom_id, user=user, invited_by=invited_by, role=role
            )
            participant_event_record(type=EventType.PARTICIPANT_JOINED, participant=participant)
        room_changed(chatroom_id=chatroom_id)
    except IntegrityError:
        stored = participant_existing(chatroom_id=chatroom_id, user=user, banned=banned)
        if stored is None:
            # No such row: the constraint broken was the one owner per chatroom.
            raise Invalid("This chatroom has an owner already.", code=Code.OWNER_EXISTS) from None
        return stored, False
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
        Participant.objects.select_for_update(of=("self",))
        .select_related("user")
        .active()
        .filter(chatroom_id=leaving.chatroom_id)
        .exclude(pk=leaving.pk)
        .order_by("joined_at", "pk")
    )
    heir = remaining.filter(role=Participant.Role.ADMIN).first() or remaining.first()
    Participant.objects.filter(pk=leaving.pk).update(role=Participant.Role.MEMBER)
    leaving.role = Participant.Role.MEMBER
    if heir is not None:
        Participant.objects.filter(pk=heir.pk).update(role=Participant.Role.OWNER)
        heir.role = Participant.Role.OWNER
        participant_event_record(type=EventType.PARTICIPANT_ROLE_CHANGED, participant=heir)
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
    participant_event_record(type=EventType.PARTICIPANT_LEFT, participant=participant, tell_them=True)
    room_changed(chatroom_id=participant.chatroom_id)
    if actor is not None and actor.pk != participant.user_id:
        moderation_log_add(actor=actor, action="remove", target=participant, chatroom=participant.chatroom)


@transaction.atomic
def participant_ban(*, participant: Participant, actor: User | None, reason: str = "") -> Participant:
    """Bans a participant: they lose access and their log-ins to the chatroom at once."""
    if not _lock_fresh(participant):
        raise Invalid("That user is no longer a participant of this chatroom.", code=Code.NOT_A_PARTICIPANT)
    if participant.role == Participant.Role.OWNER:
        _ownership_pass(leaving=participant)
    participant.state = Participant.State.BANNED
    participant.role = Participant.Role.MEMBER
    participant.save(update_fields=["state", "role"])
    participant_event_record(type=EventType.PARTICIPANT_BANNED, participant=participant, tell_them=True)
    room_changed(chatroom_id=participant.chatroom_id)
    tokens_revoke_for(user=participant.user, chatroom=participant.chatroom)
    moderation_log_add(actor=actor, action="ban", target=participant, chatroom=participant.chatroom, reason=reason)
    return participant


@transaction.atomic
def participant_unban(*, participant: Participant, actor: User | None) -> Participant:
    """Lifts a ban: the user is an ordinary participant again."""
    if not _lock_fresh(participant):
        raise Invalid("That user is no longer a participant of this chatroom.", code=Code.NOT_A_PARTICIPANT)
    participant.state = Participant.State.ACTIVE
    participant.save(update_fields=["state"])
    participant_event_record(type=EventType.PARTICIPANT_UNBANNED, participant=participant)
    room_changed(chatroom_id=participant.chatroom_id)
    moderation_log_add(actor=actor, action="unban", target=participant, chatroom=participant.chatroom)
    return participant


@transaction.atomic
def participant_set_role(*, participant: Participant, role: str, actor: User | None) -> Participant:
    """Changes a role; making someone owner demotes the current owner to admin."""
    if role not in Participant.Role.values:
        raise Invalid(f"Unknown role '{role}'.", code=Code.INVALID_ROLE)
    if not _lock_fresh(participant):
        raise Invalid("That user is no longer a participant of this chatroom.", code=Code.NOT_A_PARTICIPANT)
    if participant.state != Participant.State.ACTIVE:
        raise Invalid("A banned participant cannot be given a role.", code=Code.PARTICIPANT_BANNED)
    if role == participant.role:
        return participant
    if participant.role == Participant.Role.OWNER:
        raise Invalid("Make someone else the owner instead.", code=Code.OWNER_REQUIRED)
    if role == Participant.Role.OWNER:
        previous = Participant.objects.select_related("user").filter(
            chatroom_id=participant.chatroom_id, role=Participant.Role.OWNER
        )
        for demoted in previous.select_for_update(of=("self",)):
            demoted.role = Participant.Role.ADMIN
            demoted.save(update_fields=["role"])
            participant_event_record(type=EventType.PARTICIPANT_ROLE_CHANGED, participant=demoted)
    participant.role = role
    participant.save(update_fields=["role"])
    participant_event_record(type=EventType.PARTICIPANT_ROLE_CHANGED, participant=participant)
    room_changed(chatroom_id=participant.chatroom_id)
    moderation_log_add(actor=actor, action=f"role:{role}", target=participant, chatroom=participant.chatroom)
    return participant


@transaction.atomic
def participant_remove_by(*, actor: Participant, user_id: uuid.UUID) -> None:
    """The actor removes a participant: anyone may leave; removing another needs an admin, and never hits the owner."""
    if user_id == actor.user_id:
        participant_remove(participant=actor, actor=actor.user)
        return
    if not actor.is_admin:
        raise Forbidden("Only the chatroom's owner and admins may remove someone else.", code=Code.NOT_CHATROOM_ADMIN)
    target = (
        Participant.objects.select_for_update(of=("self",))
        .select_related("user", "chatroom")
        .active()
        .filter(chatroom_id=actor.chatroom_id, user_id=user_id)
        .first()
    )
    if target is None:
        raise Invalid("That user is not a participant of this chatroom.", code=Code.NOT_A_PARTICIPANT)
    if target.role == Participant.Role.OWNER:
        raise Forbidden("Nobody may remove the chatroom's owner.", code=Code.OWNER_PROTECTED)
    participant_remove(participant=target, actor=actor.user)
