"""Invites: creation, redemption (one use each, atomically), revocation."""

from datetime import timedelta

import pytest
from django.utils import timezone

from chat.exceptions import Forbidden, Invalid, NotAuthenticated, NotFound
from chat.models import ModerationLog, Participant, User
from chat.services.chatrooms import chatroom_create
from chat.services.participants import participant_ban
from invites.models import Invite, InviteRedemption
from invites.services import invite_create, invite_get, invite_redeem, invite_revoke
from tests.conftest import PASSWORD

pytestmark = pytest.mark.django_db

NEW_PASSWORD = "a long enough password"


def redeem(invite: Invite, username: str, password: str = NEW_PASSWORD, chatroom_id=None):
    return invite_redeem(
        invite_id=invite.pk,
        chatroom_id=chatroom_id or invite.chatroom_id,
        username=username,
        password=password,
        address="10.1.1.1",
    )


def uses_left(invite: Invite) -> int:
    return Invite.objects.get(pk=invite.pk).uses_left


def test_invite_create(chatroom, owner, settings):
    invite = invite_create(chatroom=chatroom, created_by=owner, uses=3)
    stored = Invite.objects.get(pk=invite.pk)
    assert (stored.chatroom, stored.created_by, stored.uses_left, stored.state) == (chatroom, owner, 3, "active")
    ttl = timedelta(seconds=settings.CHAT_INVITE_DEFAULT_TTL_SECONDS)
    assert timezone.now() + ttl - timedelta(minutes=1) < stored.expires_at <= timezone.now() + ttl
    assert len(invite.pk) >= 22  # at least 128 bits, URL-safe base64
    assert invite_create(chatroom=chatroom, created_by=owner).pk != invite.pk


@pytest.mark.parametrize("uses", [0, -1, 1001, "3", 2.5, True, None])
def test_invite_create_uses_range(chatroom, owner, uses):
    with pytest.raises(Invalid):
        invite_create(chatroom=chatroom, created_by=owner, uses=uses)
    assert not Invite.objects.exists()


def test_invite_create_uses_bounds(chatroom, owner):
    assert invite_create(chatroom=chatroom, created_by=owner, uses=1).uses_left == 1
    assert invite_create(chatroom=chatroom, created_by=owner, uses=1000).uses_left == 1000


def test_invite_create_expiry_must_lie_in_the_future(chatroom, owner):
    later = timezone.now() + timedelta(hours=1)
    assert invite_create(chatroom=chatroom, created_by=owner, expires_at=later).expires_at == later
    for when in (timezone.now(), timezone.now() - timedelta(seconds=1), later.replace(tzinfo=None)):
        with pytest.raises(Invalid):
            invite_create(chatroom=chatroom, created_by=owner, expires_at=when)
    assert Invite.objects.count() == 1


def test_redeem_with_a_new_account(chatroom, owner):
    invite = invite_create(chatroom=chatroom, created_by=owner, uses=2)
    participant, user = redeem(invite, "newbie")
    assert user.username == "newbie" and user.check_password(NEW_PASSWORD)
    assert (participant.user, participant.chatroom, participant.role) == (user, chatroom, "member")
    assert Participant.objects.get(chatroom=chatroom, user=user).invited_by == owner
    assert uses_left(invite) == 1
    assert InviteRedemption.objects.filter(invite=invite, user=user).exists()


def test_redeem_with_an_existing_account(chatroom, owner, outsider):
    invite = invite_create(chatroom=chatroom, created_by=owner, uses=2)
    participant, user = redeem(invite, "OUTSIDER", PASSWORD)
    assert user == outsider and participant.chatroom == chatroom
    assert uses_left(invite) == 1


def test_existing_participant_consumes_no_use(chatroom, owner, member):
    invite = invite_create(chatroom=chatroom, created_by=owner, uses=1)
    participant, user = redeem(invite, "member", PASSWORD)
    assert user == member and participant == Participant.objects.get(chatroom=chatroom, user=member)
    assert uses_left(invite) == 1 and not InviteRedemption.objects.exists()


@pytest.mark.parametrize("state", ["expired", "revoked", "used_up"])
def test_existing_participant_gets_in_even_on_an_unusable_invite(chatroom, owner, member, state):
    invite = invite_create(chatroom=chatroom, created_by=owner, uses=1)
    if state == "expired":
        Invite.objects.filter(pk=invite.pk).update(expires_at=timezone.now() - timedelta(seconds=1))
    elif state == "revoked":
        invite_revoke(invite=invite, actor=owner)
    else:
        redeem(invite, "first")
    participant, user = redeem(invite, "Member", PASSWORD)
    assert user == member and participant == Participant.objects.get(chatroom=chatroom, user=member)
    # ... with the right password only.
    with pytest.raises(NotAuthenticated):
        redeem(invite, "member", "not the password")


def test_unknown_or_foreign_invite_is_not_found(chatroom, owner):
    elsewhere = chatroom_create(creator=owner, name="Elsewhere")
    invite = invite_create(chatroom=elsewhere, created_by=owner)
    for invite_id, chatroom_id in (
        ("nope", chatroom.pk),
        (invite.pk, chatroom.pk),
        (invite.pk + "x", elsewhere.pk),
        ("nul\x00", chatroom.pk),
        ("lone\ud800", chatroom.pk),
    ):
        with pytest.raises(NotFound):
            invite_redeem(
                invite_id=invite_id, chatroom_id=chatroom_id, username="x1", password=NEW_PASSWORD, address="1.1.1.1"
            )
    assert invite_get(invite_id=invite.pk, chatroom_id=elsewhere.pk) == invite
    assert uses_left(invite) == 1 and not User.objects.filter(username="x1").exists()


@pytest.mark.parametrize("state", ["expired", "revoked", "used_up"])
def test_unusable_invite_is_forbidden_and_creates_no_account(chatroom, owner, state):
    invite = invite_create(chatroom=chatroom, created_by=owner, uses=1)
    if state == "expired":
        Invite.objects.filter(pk=invite.pk).update(expires_at=timezone.now() - timedelta(seconds=1))
    elif state == "revoked":
        invite_revoke(invite=invite, actor=owner)
    else:
        redeem(invite, "first")
    with pytest.raises(Forbidden) as error:
        redeem(invite, "latecomer")
    assert error.value.code == f"invite_{state}"
    assert not User.objects.filter(username="latecomer").exists()


def test_banned_user_is_forbidden_and_consumes_no_use(chatroom, owner, member):
    participant_ban(participant=Participant.objects.get(chatroom=chatroom, user=member), actor=owner)
    invite = invite_create(chatroom=chatroom, created_by=owner, uses=1)
    with pytest.raises(Forbidden) as error:
        redeem(invite, "member", PASSWORD)
    assert error.value.code == "banned"
    assert uses_left(invite) == 1
    assert Participant.objects.get(chatroom=chatroom, user=member).state == "banned"


def test_new_account_with_a_short_password_is_invalid(chatroom, owner):
    invite = invite_create(chatroom=chatroom, created_by=owner)
    with pytest.raises(Invalid) as error:
        redeem(invite, "shorty", "short")
    assert error.value.code == "invalid_password"
    assert not User.objects.filter(username="shorty").exists() and uses_left(invite) == 1


def test_existing_account_with_a_wrong_password_is_not_authenticated(chatroom, owner, outsider):
    invite = invite_create(chatroom=chatroom, created_by=owner)
    with pytest.raises(NotAuthenticated):
        redeem(invite, "outsider", "not the password")
    assert uses_left(invite) == 1 and not Participant.objects.filter(user=outsider).exists()


def test_a_failed_redemption_leaves_no_new_account(chatroom, owner, monkeypatch):
    # The invite is used up between the first look and the conditional UPDATE (another request won).
    invite = invite_create(chatroom=chatroom, created_by=owner, uses=1)
    stale = Invite.objects.get(pk=invite.pk)
    Invite.objects.filter(pk=invite.pk).update(uses_left=0)
    monkeypatch.setattr("invites.services.invite_get", lambda **kwargs: stale)
    with pytest.raises(Forbidden) as error:
        redeem(invite, "unlucky")
    assert error.value.code == "invite_used_up"
    assert not User.objects.filter(username="unlucky").exists()
    assert not Participant.objects.filter(user__username="unlucky").exists()


def test_invite_revoke(chatroom, owner):
    invite = invite_create(chatroom=chatroom, created_by=owner, uses=5)
    invite_revoke(invite=invite, actor=owner)
    stored = Invite.objects.get(pk=invite.pk)
    assert (stored.revoked_by, stored.state) == (owner, "revoked") and stored.revoked_at is not None
    first_time = stored.revoked_at
    invite_revoke(invite=stored, actor=None)
    assert Invite.objects.get(pk=invite.pk).revoked_at == first_time
    log = ModerationLog.objects.get()
    assert (log.actor, log.action, log.chatroom) == (owner, "revoke invite", chatroom)


def test_invite_state(chatroom, owner):
    invite = invite_create(chatroom=chatroom, created_by=owner, uses=1)
    assert invite.state == Invite.State.ACTIVE
    invite.uses_left = 0
    assert invite.state == Invite.State.USED_UP
    invite.expires_at = timezone.now()
    assert invite.state == Invite.State.EXPIRED
    invite.revoked_at = timezone.now()
    assert invite.state == Invite.State.REVOKED
