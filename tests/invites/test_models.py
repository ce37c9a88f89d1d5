"""The invite tables refuse impossible rows themselves."""

from datetime import timedelta

import pytest
from django.db.models import F
from django.utils import timezone

from invites.models import Invite, InviteRedemption
from tests.db import refused

pytestmark = pytest.mark.django_db


def test_invite_uses_left_never_negative(chatroom, owner):
    invite = Invite.objects.create(chatroom=chatroom, created_by=owner, uses_left=0, expires_at=timezone.now())
    assert refused(lambda: Invite.objects.filter(pk=invite.pk).update(uses_left=F("uses_left") - 1))
    invite.refresh_from_db()
    assert invite.uses_left == 0


def test_one_redemption_per_invite_and_user(chatroom, owner, member):
    invite = Invite.objects.create(
        chatroom=chatroom, created_by=owner, uses_left=3, expires_at=timezone.now() + timedelta(days=1)
    )
    InviteRedemption.objects.create(invite=invite, user=member)
    assert refused(lambda: InviteRedemption.objects.create(invite=invite, user=member))
