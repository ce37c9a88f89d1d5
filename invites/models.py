"""Invites to a chatroom: limited uses, an expiry, revocation, and every redemption recorded."""

import secrets
from datetime import datetime

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone

from chat.limits import INVITE_ID_MAX_LENGTH


def new_invite_id() -> str:
    """An unguessable, URL-safe invite id: 192 bits from the operating system's CSPRNG."""
    return secrets.token_urlsafe(24)


class InviteQuerySet(models.QuerySet["Invite"]):
    def usable(self, *, now: datetime | None = None) -> "InviteQuerySet":
        """Invites that admit someone now: not revoked, not expired, a use left (the SQL form of `state`)."""
        return self.filter(revoked_at__isnull=True, expires_at__gt=now or timezone.now(), uses_left__gt=0)

    def in_state(self, state: str, *, now: datetime | None = None) -> "InviteQuerySet":
        """Invites whose `state` is this one now."""
        now = now or timezone.now()
        live = self.filter(revoked_at__isnull=True)
        match state:
            case Invite.State.ACTIVE:
                return self.usable(now=now)
            case Invite.State.EXPIRED:
                return live.filter(expires_at__lte=now)
            case Invite.State.USED_UP:
                return live.filter(expires_at__gt=now, uses_left=0)
            case Invite.State.REVOKED:
                return self.filter(revoked_at__isnull=False)
        return self.none()


class Invite(models.Model):
    """An invite to a chatroom that admits at most `uses_left` more users until it expires."""

    class State(models.TextChoices):
        ACTIVE = "active", "Active"
        EXPIRED = "expired", "Expired"
        REVOKED = "revoked", "Revoked"
        USED_UP = "used_up", "Used up"

    id = models.CharField(primary_key=True, max_length=INVITE_ID_MAX_LENGTH, default=new_invite_id, editable=False)
    chatroom = models.ForeignKey("chat.Chatroom", on_delete=models.CASCADE, related_name="invites")
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    uses_left = models.PositiveIntegerField(default=1)
    expires_at = models.DateTimeField()
    revoked_at = models.DateTimeField(null=True, blank=True)
    revoked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    objects = InviteQuerySet.as_manager()

    class Meta:
        constraints = [
            models.CheckConstraint(condition=Q(uses_left__gte=0), name="invites_invite_uses_left_not_negative"),
        ]
        indexes = [models.Index(fields=["chatroom", "-created_at"], name="invites_room_created_idx")]

    def __str__(self) -> str:
        return f"invite {self.id[:8]}… to {self.chatroom}"

    @property
    def state(self) -> str:
        """Why the invite can or cannot be used now."""
        if self.revoked_at is not None:
            return self.State.REVOKED
        if self.expires_at <= timezone.now():
            return self.State.EXPIRED
        if self.uses_left == 0:
            return self.State.USED_UP
        return self.State.ACTIVE


class InviteRedemption(models.Model):
    """One use of an invite: who joined with it, and when."""

    invite = models.ForeignKey(Invite, on_delete=models.CASCADE, related_name="redemptions")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    redeemed_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["invite", "user"], name="invites_redemption_unique_invite_user"),
        ]

    def __str__(self) -> str:
        return f"{self.user} used {self.invite}"
