"""Invites in the moderation desk: state at a glance and as a filter, redemptions, creation and bulk revocation."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from chat.exceptions import Forbidden
from chat.models import ModerationLog, Participant
from chat.services.chatrooms import chatroom_create
from invites.models import Invite
from invites.services import invite_create, invite_redeem_for_user, invite_revoke
from tests.chat.admin.helpers import change_url, changelist_url, listed, run_action


@pytest.fixture
def invites(chatroom, owner, make_user) -> dict[str, Invite]:
    """One invite in each state."""
    active = invite_create(chatroom=chatroom, created_by=owner, uses=3)
    expired = invite_create(chatroom=chatroom, created_by=owner, uses=3)
    Invite.objects.filter(pk=expired.pk).update(expires_at=timezone.now() - timedelta(minutes=1))
    revoked = invite_revoke(invite=invite_create(chatroom=chatroom, created_by=owner), actor=owner)
    used_up = invite_create(chatroom=chatroom, created_by=owner, uses=1)
    invite_redeem_for_user(invite=used_up, user=make_user("guest"))
    return {"active": active, "expired": expired, "revoked": revoked, "used_up": used_up}


def test_changelist_shows_uses_left_expiry_and_state(admin_client, invites):
    response = admin_client.get(changelist_url(Invite))
    assert response.status_code == 200
    content = response.content.decode()
    for state in ("Active", "Expired", "Revoked", "Used up"):
        assert f'<td class="field-state">{state}</td>' in content
    assert '<td class="field-uses_left">3</td>' in content
    assert '<td class="field-expires"><time class="nowrap"' in content


@pytest.mark.parametrize("state", ["active", "expired", "revoked", "used_up"])
def test_state_filter(admin_client, invites, state):
    assert listed(admin_client, Invite, state=state) == [invites[state]]


def test_change_page_shows_the_redemptions(admin_client, invites):
    response = admin_client.get(change_url(invites["used_up"]))
    assert response.status_code == 200
    (formset,) = response.context["inline_admin_formsets"]
    assert [form.instance.user.username for form in formset.formset] == ["guest"]


def test_search_by_exact_id_and_chatroom_name(admin_client, invites, make_user):
    elsewhere = chatroom_create(creator=make_user("host"), name="Garden party")
    other = invite_create(chatroom=elsewhere, created_by=None)
    assert listed(admin_client, Invite, q=invites["active"].pk) == [invites["active"]]
    assert listed(admin_client, Invite, q="garden") == [other]


def test_bulk_revoke_goes_through_the_service_and_logs_the_operator(admin_client, admin_user, invites, chatroom):
    response = run_action(admin_client, Invite, "revoke_invites", [invites["active"], invites["expired"]])
    assert response.status_code == 302
    for key in ("active", "expired"):
        invites[key].refresh_from_db()
        assert invites[key].revoked_by == admin_user and invites[key].state == Invite.State.REVOKED
    logs = ModerationLog.objects.filter(action="revoke invite", actor=admin_user)
    assert {log.target for log in logs} == {str(invites["active"]), str(invites["expired"])}
    assert {log.chatroom for log in logs} == {chatroom}


def test_invite_created_in_the_admin(admin_client, admin_user, chatroom):
    add_url = reverse("admin:invites_invite_add")
    assert admin_client.get(add_url).status_code == 200
    response = admin_client.post(
        add_url, {"chatroom": chatroom.pk, "uses": "4", "expires_at_0": "", "expires_at_1": ""}
    )
    assert response.status_code == 302
    invite = Invite.objects.get()
    assert (invite.uses_left, invite.created_by, invite.state) == (4, admin_user, Invite.State.ACTIVE)
    assert invite.expires_at > timezone.now() + timedelta(days=6)


@pytest.mark.parametrize(
    ("uses", "expires"),
    [("0", ""), ("100000", ""), ("2", (timezone.now() - timedelta(days=1)).strftime("%Y-%m-%d"))],
)
def test_invite_creation_refuses_bad_input(admin_client, chatroom, uses, expires):
    response = admin_client.post(
        reverse("admin:invites_invite_add"),
        {"chatroom": chatroom.pk, "uses": uses, "expires_at_0": expires, "expires_at_1": "12:00:00" if expires else ""},
    )
    assert response.status_code == 200 and response.context["errors"]
    assert not Invite.objects.exists()


def test_invites_are_neither_edited_nor_deleted(admin_client, invites):
    invite = invites["active"]
    page = admin_client.get(change_url(invite))
    assert b'name="uses_left"' not in page.content
    assert admin_client.post(change_url(invite), {"uses_left": "999"}).status_code == 403
    delete_url = reverse("admin:invites_invite_delete", args=[invite.pk])
    assert admin_client.post(delete_url, {"post": "yes"}).status_code == 403
    invite.refresh_from_db()
    assert invite.uses_left == 3


def test_an_invite_revoked_in_the_admin_admits_nobody(admin_client, invites, make_user):
    invite = invites["active"]
    run_action(admin_client, Invite, "revoke_invites", [invite])
    with pytest.raises(Forbidden):
        invite_redeem_for_user(invite=Invite.objects.get(pk=invite.pk), user=make_user("latecomer"))
    assert not Participant.objects.filter(user__username="latecomer").exists()
