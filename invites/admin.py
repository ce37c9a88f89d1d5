"""Invites in the moderation desk: their state at a glance, their redemptions, and bulk revocation."""

from datetime import datetime
from typing import Any, cast

from django import forms
from django.conf import settings
from django.contrib import admin
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils import timezone

from chat.admin.base import ModerationAdmin, adopt, operator, shortened, timestamp
from invites.models import Invite, InviteQuerySet, InviteRedemption
from invites.services import invite_create, invite_revoke


class InviteStateFilter(admin.SimpleListFilter):
    """The invite's state as `Invite.objects.in_state` reads it: plain column conditions, no join."""

    title = "state"
    parameter_name = "state"

    def lookups(self, request: HttpRequest, model_admin: admin.ModelAdmin) -> list[tuple[str, str]]:
        return list(Invite.State.choices)

    def queryset(self, request: HttpRequest, queryset: QuerySet) -> QuerySet:
        state = self.value()
        if state in Invite.State.values:
            return cast(InviteQuerySet, queryset).in_state(state)
        return queryset


class RedemptionInline(admin.TabularInline):
    """Who joined with the invite, and when: a record, never edited."""

    model = InviteRedemption
    fields = ("user", "redeemed_at")
    readonly_fields = fields
    extra = 0
    can_delete = False

    def get_queryset(self, request: HttpRequest) -> QuerySet:
        return super().get_queryset(request).select_related("user").order_by("redeemed_at", "pk")

    def has_add_permission(self, request: HttpRequest, obj: Invite | None = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Invite | None = None) -> bool:
        return False


class InviteCreateForm(forms.ModelForm):
    """Creates an invite through invite_create: a number of uses and an expiry in the future."""

    uses = forms.IntegerField(min_value=1, initial=1)

    class Meta:
        model = Invite
        fields = ("chatroom", "expires_at")

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        # The limit is a setting: read it when the form is built, not when the module is imported.
        self.fields["uses"] = forms.IntegerField(min_value=1, max_value=settings.CHAT_INVITE_MAX_USES, initial=1)
        self.fields["expires_at"].required = False
        self.fields["expires_at"].help_text = "Leave empty for the default lifetime."

    def clean_expires_at(self) -> datetime | None:
        expires_at = self.cleaned_data.get("expires_at")
        if expires_at is not None and expires_at <= timezone.now():
            raise forms.ValidationError("The expiry must lie in the future.")
        return expires_at


@admin.register(Invite)
class InviteAdmin(ModerationAdmin):
    """Invites: created through invite_create, revoked in bulk through invite_revoke, never edited or deleted."""

    # The creation time is a filter and on the invite's page: the state is what a glance at the list is for.
    list_display = ("short_id", "room", "by", "uses_left", "expires", "state")
    list_display_links = ("short_id",)
    list_select_related = ("chatroom", "created_by")
    list_filter = (InviteStateFilter, ("created_at", admin.DateFieldListFilter))
    search_fields = ("=id", "chatroom__name")
    ordering = ("-created_at", "id")
    autocomplete_fields = ("chatroom",)
    inlines = (RedemptionInline,)
    actions = ("revoke_invites",)
    room = shortened("chatroom", "chatroom", ordering="chatroom__name")
    by = shortened("created_by", "created by", ordering="created_by__username", length=20)
    expires = timestamp("expires_at", "expires")
    view_fields = ("id", "chatroom", "created_by", "created_at", "uses_left", "expires_at", "revoked_at", "revoked_by")

    @admin.display(description="invite")
    def short_id(self, invite: Invite) -> str:
        return f"{invite.id[:8]}…"

    @admin.display(description="state")
    def state(self, invite: Invite) -> str:
        return Invite.State(invite.state).label

    def has_change_permission(self, request: HttpRequest, obj: Invite | None = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Invite | None = None) -> bool:
        # Revoke instead: the invite and its redemptions stay as the record of who came in with it.
        return False

    def get_form(
        self, request: HttpRequest, obj: Invite | None = None, change: bool = False, **kwargs: Any
    ) -> type[forms.ModelForm]:
        if obj is None:
            kwargs["form"] = InviteCreateForm
        return super().get_form(request, obj, change, **kwargs)

    def get_fields(self, request: HttpRequest, obj: Invite | None = None) -> tuple[str, ...]:
        return ("chatroom", "uses", "expires_at") if obj is None else self.view_fields

    def get_readonly_fields(self, request: HttpRequest, obj: Invite | None = None) -> tuple[str, ...]:
        return () if obj is None else self.view_fields

    def get_inlines(self, request: HttpRequest, obj: Invite | None) -> tuple:
        return self.inlines if obj is not None else ()

    def save_model(self, request: HttpRequest, obj: Invite, form: forms.ModelForm, change: bool) -> None:
        created = invite_create(
            chatroom=form.cleaned_data["chatroom"],
            created_by=operator(request),
            uses=form.cleaned_data["uses"],
            expires_at=form.cleaned_data["expires_at"],
        )
        adopt(obj, created)

    @admin.action(description="Revoke selected invites", permissions=["moderate"])
    def revoke_invites(self, request: HttpRequest, queryset: QuerySet) -> None:
        if self.too_many(request, queryset):
            return
        live = queryset.filter(revoked_at__isnull=True).select_related("chatroom")
        self.apply_each(request, live, lambda invite: invite_revoke(invite=invite, actor=operator(request)), "Revoked")
