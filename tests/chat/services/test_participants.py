"""Membership: add, remove, ban, unban, roles, and ownership passing on."""

from datetime import timedelta

import pytest
from django.utils import timezone

from chat.exceptions import Forbidden, Invalid
from chat.models import AuthToken, ModerationLog, Participant
from chat.services.chatrooms import chatroom_create
from chat.services.participants import (
    participant_add,
    participant_ban,
    participant_remove,
    participant_set_role,
    participant_unban,
)
from chat.services.tokens import token_check, token_issue

pytestmark = pytest.mark.django_db


def row(chatroom, user) -> Participant:
    return Participant.objects.get(chatroom=chatroom, user=user)


def roles(chatroom) -> dict[str, str]:
    return dict(Participant.objects.filter(chatroom=chatroom).values_list("user__username", "role"))


def joined(chatroom, user, *, minutes_ago: int, role: str = Participant.Role.MEMBER) -> Participant:
    participant, _ = participant_add(chatroom=chatroom, user=user, role=role)
    Participant.objects.filter(pk=participant.pk).update(joined_at=timezone.now() - timedelta(minutes=minutes_ago))
    return row(chatroom, user)


def test_participant_add(chatroom, owner, outsider):
    participant, created = participant_add(chatroom=chatroom, user=outsider, invited_by=owner)
    assert created
    stored = row(chatroom, outsider)
    assert (stored.role, stored.state, stored.invited_by) == ("member", "active", owner)
    again, created = participant_add(chatroom=chatroom, user=outsider, role=Participant.Role.ADMIN)
    assert not created and again.pk == participant.pk and row(chatroom, outsider).role == "member"


def test_participant_add_refuses_banned_and_inactive_users(chatroom, owner, member, make_user):
    participant_ban(participant=row(chatroom, member), actor=owner)
    with pytest.raises(Forbidden):
        participant_add(chatroom=chatroom, user=member)
    inactive = make_user(is_active=False)
    with pytest.raises(Invalid):
        participant_add(chatroom=chatroom, user=inactive)
    assert not Participant.objects.filter(user=inactive).exists()


@pytest.mark.parametrize("role", [Participant.Role.OWNER, "superuser"])
def test_participant_add_refuses_a_second_owner_or_an_unknown_role(chatroom, outsider, role):
    with pytest.raises(Invalid):
        participant_add(chatroom=chatroom, user=outsider, role=role)
    assert not Participant.objects.filter(user=outsider).exists()
    assert roles(chatroom) == {"owner": "owner"}


def test_owner_leaving_passes_ownership_to_the_longest_standing_admin(chatroom, owner, make_user):
    joined(chatroom, make_user("oldmember"), minutes_ago=50)
    joined(chatroom, make_user("newadmin"), minutes_ago=10, role=Participant.Role.ADMIN)
    joined(chatroom, make_user("oldadmin"), minutes_ago=30, role=Participant.Role.ADMIN)
    participant_remove(participant=row(chatroom, owner), actor=owner)
    assert roles(chatroom) == {"oldmember": "member", "newadmin": "admin", "oldadmin": "owner"}
    # Leaving on one's own leaves no moderation trail.
    assert not ModerationLog.objects.filter(action="remove").exists()


def test_owner_leaving_without_admins_passes_to_the_longest_standing_participant(chatroom, owner, make_user):
    joined(chatroom, make_user("second"), minutes_ago=10)
    joined(chatroom, make_user("first"), minutes_ago=30)
    banned = joined(chatroom, make_user("banned"), minutes_ago=60)
    participant_ban(participant=banned, actor=owner)
    participant_remove(participant=row(chatroom, owner), actor=owner)
    assert roles(chatroom) == {"second": "member", "first": "owner", "banned": "member"}


def test_last_participant_leaving_leaves_an_empty_chatroom(chatroom, owner):
    participant_remove(participant=row(chatroom, owner), actor=owner)
    assert not Participant.objects.filter(chatroom=chatroom).exists()


def test_removal_by_someone_else_revokes_log_ins_and_leaves_a_trail(chatroom, owner, member):
    other_room = chatroom_create(creator=member, name="Mine")
    here, _ = token_issue(user=member, chatroom=chatroom)
    there, _ = token_issue(user=member, chatroom=other_room)
    bearer, _ = token_issue(user=member)
    participant_remove(participant=row(chatroom, member), actor=owner)
    assert not Participant.objects.filter(chatroom=chatroom, user=member).exists()
    assert token_check(raw=here, chatroom_id=chatroom.pk) is None
    assert token_check(raw=there, chatroom_id=other_room.pk) is not None
    assert token_check(raw=bearer) is not None
    log = ModerationLog.objects.get(action="remove")
    assert (log.actor, log.chatroom, log.target) == (owner, chatroom, f"member in {chatroom}")


def test_removed_participant_can_be_added_again(chatroom, owner, member):
    participant_remove(participant=row(chatroom, member), actor=owner)
    _participant, created = participant_add(chatroom=chatroom, user=member)
    assert created


def test_ban_revokes_that_chatrooms_log_ins_and_leaves_a_trail(chatroom, owner, member):
    here, _ = token_issue(user=member, chatroom=chatroom)
    bearer, _ = token_issue(user=member)
    participant_ban(participant=row(chatroom, member), actor=owner, reason="spam")
    stored = row(chatroom, member)
    assert (stored.state, stored.role) == ("banned", "member")
    assert token_check(raw=here, chatroom_id=chatroom.pk) is None
    assert AuthToken.objects.get(chatroom=chatroom, user=member).revoked_at is not None
    assert token_check(raw=bearer) is not None
    log = ModerationLog.objects.get(action="ban")
    assert (log.actor, log.chatroom, log.reason) == (owner, chatroom, "spam")


def test_banning_the_owner_passes_ownership_on(chatroom, owner, admin_member, member):
    participant_ban(participant=row(chatroom, owner), actor=None, reason="operator")
    assert roles(chatroom) == {"owner": "member", "roomadmin": "owner", "member": "member"}
    assert row(chatroom, owner).state == "banned"


def test_unban(chatroom, owner, member):
    participant_ban(participant=row(chatroom, member), actor=owner)
    participant_unban(participant=row(chatroom, member), actor=owner)
    assert row(chatroom, member).state == "active"
    assert list(ModerationLog.objects.order_by("pk").values_list("action", flat=True)) == ["ban", "unban"]


def test_set_role(chatroom, owner, member):
    participant_set_role(participant=row(chatroom, member), role="admin", actor=owner)
    assert row(chatroom, member).role == "admin"
    participant_set_role(participant=row(chatroom, member), role="member", actor=owner)
    assert row(chatroom, member).role == "member"
    assert list(ModerationLog.objects.order_by("pk").values_list("action", flat=True)) == ["role:admin", "role:member"]


def test_making_someone_owner_demotes_the_owner_to_admin(chatroom, owner, member):
    participant_set_role(participant=row(chatroom, member), role="owner", actor=owner)
    assert roles(chatroom) == {"owner": "admin", "member": "owner"}


def test_set_role_refusals(chatroom, owner, member):
    with pytest.raises(Invalid):
        participant_set_role(participant=row(chatroom, member), role="king", actor=owner)
    with pytest.raises(Invalid):
        participant_set_role(participant=row(chatroom, owner), role="member", actor=owner)
    participant_ban(participant=row(chatroom, member), actor=owner)
    with pytest.raises(Invalid):
        participant_set_role(participant=row(chatroom, member), role="admin", actor=owner)
    assert roles(chatroom) == {"owner": "owner", "member": "member"}


def test_an_heir_leaving_on_a_stale_copy_passes_on_the_ownership_it_was_given(chatroom, owner, admin_member, member):
    # The heir's request read its row just before the owner left: what is stored decides, not that copy.
    stale_heir = row(chatroom, admin_member)
    participant_remove(participant=row(chatroom, owner), actor=owner)
    assert roles(chatroom) == {"roomadmin": "owner", "member": "member"}
    participant_remove(participant=stale_heir, actor=admin_member)
    assert roles(chatroom) == {"member": "owner"}


def test_banning_a_stale_copy_of_a_new_owner_passes_ownership_on(chatroom, owner, admin_member, member):
    stale_heir = row(chatroom, admin_member)
    participant_remove(participant=row(chatroom, owner), actor=owner)
    participant_ban(participant=stale_heir, actor=None, reason="operator")
    assert roles(chatroom) == {"roomadmin": "member", "member": "owner"}
    assert row(chatroom, admin_member).state == "banned"


def test_a_stale_copy_of_a_new_owner_cannot_be_demoted(chatroom, owner, admin_member, member):
    stale_heir = row(chatroom, admin_member)
    participant_remove(participant=row(chatroom, owner), actor=owner)
    with pytest.raises(Invalid):
        participant_set_role(participant=stale_heir, role=Participant.Role.MEMBER, actor=None)
    assert roles(chatroom) == {"roomadmin": "owner", "member": "member"}


def test_banning_someone_who_has_left_is_invalid(chatroom, owner, member):
    stale = row(chatroom, member)
    participant_remove(participant=row(chatroom, member), actor=member)
    with pytest.raises(Invalid):
        participant_ban(participant=stale, actor=owner)
    assert not Participant.objects.filter(chatroom=chatroom, user=member).exists()


def test_unbanning_someone_removed_meanwhile_is_invalid(chatroom, owner, member):
    participant_ban(participant=row(chatroom, member), actor=owner)
    stale = row(chatroom, member)
    participant_remove(participant=row(chatroom, member), actor=owner)
    with pytest.raises(Invalid):
        participant_unban(participant=stale, actor=owner)
    assert not Participant.objects.filter(chatroom=chatroom, user=member).exists()
    assert not ModerationLog.objects.filter(action="unban").exists()
