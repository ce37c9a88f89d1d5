"""Participants: bans, unbans and role changes through the services, each logged with the operator."""

import re

from django.urls import reverse

from chat.models import ModerationLog, Participant
from chat.services.chatrooms import chatroom_create
from chat.services.participants import participant_ban
from chat.services.tokens import token_issue
from tests.chat.admin.helpers import change_url, changelist_url, form_holding, listed, log_of, object_tools, run_action


def test_participant_list_search_and_filters(admin_client, make_user, chatroom, member_participant, owner_participant):
    rows = listed(admin_client, Participant, q="member")
    assert rows == [member_participant]
    assert listed(admin_client, Participant, role__exact="owner") == [owner_participant]
    participant_ban(participant=member_participant, actor=None, reason="test")
    assert listed(admin_client, Participant, state__exact="banned") == [member_participant]
    other = chatroom_create(creator=make_user("y"), name="Other")
    assert chatroom.pk not in {p.chatroom_id for p in listed(admin_client, Participant, chatroom__id__exact=other.pk)}


def test_ban_asks_for_a_reason_and_logs_the_operator(admin_client, admin_user, member, member_participant):
    page = run_action(admin_client, Participant, "ban", [member_participant])
    form = form_holding(page, "reason")
    form["reason"] = [""]
    assert admin_client.post(changelist_url(Participant), form).status_code == 200
    member_participant.refresh_from_db()
    assert member_participant.state == Participant.State.ACTIVE

    _raw, token = token_issue(user=member, chatroom=member_participant.chatroom)
    form["reason"] = ["flooding"]
    assert admin_client.post(changelist_url(Participant), form).status_code == 302
    member_participant.refresh_from_db()
    assert member_participant.state == Participant.State.BANNED
    token.refresh_from_db()
    assert token.revoked_at is not None  # the service's rule, so the admin took the service's path
    log = log_of("ban")
    assert (log.actor, log.reason, log.chatroom) == (admin_user, "flooding", member_participant.chatroom)


def test_unban(admin_client, admin_user, member_participant):
    participant_ban(participant=member_participant, actor=None, reason="test")
    assert run_action(admin_client, Participant, "unban", [member_participant]).status_code == 302
    member_participant.refresh_from_db()
    assert member_participant.state == Participant.State.ACTIVE
    assert log_of("unban").actor == admin_user


def test_role_actions(admin_client, admin_user, owner_participant, member_participant):
    run_action(admin_client, Participant, "make_admin", [member_participant])
    member_participant.refresh_from_db()
    assert member_participant.role == Participant.Role.ADMIN
    assert log_of("role:admin").actor == admin_user

    run_action(admin_client, Participant, "make_member", [member_participant])
    member_participant.refresh_from_db()
    assert member_participant.role == Participant.Role.MEMBER
    assert log_of("role:member").actor == admin_user

    run_action(admin_client, Participant, "make_owner", [member_participant])
    member_participant.refresh_from_db()
    owner_participant.refresh_from_db()
    assert (member_participant.role, owner_participant.role) == (Participant.Role.OWNER, Participant.Role.ADMIN)
    assert log_of("role:owner").actor == admin_user


def test_make_owner_takes_exactly_one(admin_client, owner_participant, member_participant, admin_member):
    admin_participant = Participant.objects.get(user=admin_member)
    response = run_action(admin_client, Participant, "make_owner", [member_participant, admin_participant])
    assert response.status_code == 302
    owner_participant.refresh_from_db()
    assert owner_participant.role == Participant.Role.OWNER
    assert not ModerationLog.objects.filter(action="role:owner").exists()


def test_a_refused_role_change_is_reported_not_raised(admin_client, owner_participant):
    response = run_action(admin_client, Participant, "make_member", [owner_participant])
    assert response.status_code == 302
    owner_participant.refresh_from_db()
    assert owner_participant.role == Participant.Role.OWNER
    shown = [str(message) for message in admin_client.get(response["Location"]).context["messages"]]
    assert any("someone else the owner" in message for message in shown)


def test_role_and_state_cannot_be_edited_in_the_form(admin_client, member_participant):
    response = admin_client.post(change_url(member_participant), {"role": "owner", "state": "banned"})
    assert response.status_code == 403
    member_participant.refresh_from_db()
    assert (member_participant.role, member_participant.state) == (Participant.Role.MEMBER, Participant.State.ACTIVE)


def test_participant_added_and_removed_through_the_services(admin_client, admin_user, make_user, chatroom):
    newcomer = make_user("newcomer")
    response = admin_client.post(reverse("admin:chat_participant_add"), {"chatroom": chatroom.pk, "user": newcomer.pk})
    assert response.status_code == 302
    participant = Participant.objects.get(chatroom=chatroom, user=newcomer)
    assert (participant.role, participant.invited_by) == (Participant.Role.MEMBER, admin_user)

    delete_url = reverse("admin:chat_participant_delete", args=[participant.pk])
    assert admin_client.post(delete_url, {"post": "yes"}).status_code == 302
    assert not Participant.objects.filter(pk=participant.pk).exists()
    assert log_of("remove").actor == admin_user


def test_removing_the_owner_in_the_admin_passes_ownership_on(admin_client, owner_participant, member_participant):
    delete_url = reverse("admin:chat_participant_delete", args=[owner_participant.pk])
    assert admin_client.post(delete_url, {"post": "yes"}).status_code == 302
    member_participant.refresh_from_db()
    assert member_participant.role == Participant.Role.OWNER


def test_ban_from_the_participant_page_leads_to_the_reason_page(admin_client, member_participant):
    form = form_holding(admin_client.get(change_url(member_participant)), "_selected_action", press="ban")
    assert form["action"] == ["ban"]
    reason_page = admin_client.post(changelist_url(Participant), form)
    assert reason_page.status_code == 200 and "reason" in reason_page.context["form"].fields


def test_the_participant_controls_are_buttons_styled_like_the_admins_own(admin_client, member_participant):
    tools = object_tools(admin_client.get(change_url(member_participant)))
    offered = re.findall(r'<button type="submit" name="action" value="(\w+)"( class="moderation-takes-away")?>', tools)
    # A member can be promoted or banned; banning is drawn like the admin's delete button.
    assert offered == [("make_admin", ""), ("make_owner", ""), ("ban", ' class="moderation-takes-away"')]
    assert "<select" not in tools


def test_a_banned_participant_is_offered_unban_only(admin_client, admin_user, member_participant):
    participant_ban(participant=member_participant, actor=admin_user, reason="spam")
    tools = object_tools(admin_client.get(change_url(member_participant)))
    assert re.findall(r'name="action" value="(\w+)"', tools) == ["unban"]
