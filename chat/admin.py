"""The operators' moderation desk: every moderation act goes through a service, which records it."""

import uuid
from collections.abc import Callable, Iterable

from django import forms
from django.contrib import admin, messages
from django.contrib.admin import helpers
from django.contrib.admin.options import IncorrectLookupParameters
from django.contrib.admin.views.main import ChangeList
from django.contrib.auth import get_permission_codename
from django.contrib.auth.admin import UserAdmin
from django.contrib.auth.forms import AdminUserCreationForm
from django.core.paginator import Paginator
from django.db import connections, transaction
from django.db.models import Count, IntegerField, Model, OuterRef, QuerySet, Subquery
from django.db.models.functions import Coalesce, Substr
from django.forms.models import BaseInlineFormSet
from django.http import HttpRequest, HttpResponse
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.functional import cached_property
from django.utils.html import format_html
from django.utils.safestring import mark_safe

from chat.exceptions import ChatError
from chat.models import AuthToken, Channel, ChannelGrant, Chatroom, Message, ModerationLog, Participant, User
from chat.services.chatrooms import channel_create, chatroom_create, chatroom_rename, grant_clear, grant_set
from chat.services.messages import message_hide, message_unhide
from chat.services.participants import (
    participant_add,
    participant_ban,
    participant_remove,
    participant_set_role,
    participant_unban,
)
from chat.services.tokens import OPERATOR_TOKEN_MAX_DAYS, token_issue_by_operator, token_revoke_by_operator

# A bulk action walks its objects one service call at a time; beyond this, ask the operator to narrow the selection.
BULK_ACTION_LIMIT = 1000


# ---------------------------------------------------------------------------------------------------------------
# Shared tools (invites/admin.py uses them too)
# ---------------------------------------------------------------------------------------------------------------


def table_row_estimate(queryset: QuerySet) -> int | None:
    """PostgreSQL's own estimate of the rows in the queryset's table (None elsewhere or before any ANALYZE)."""
    connection = connections[queryset.db]
    if connection.vendor != "postgresql":
        return None
    with connection.cursor() as cursor:
        cursor.execute("SELECT reltuples FROM pg_class WHERE oid = to_regclass(%s)", [queryset.model._meta.db_table])
        row = cursor.fetchone()
    if row is None or row[0] is None or row[0] < 0:
        return None
    return int(row[0])


class CheapCountPaginator(Paginator):
    """Never counts a big table: the planner's estimate when unfiltered, else a count that stops at `cap`."""

    cap = 10_000

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.count_is_estimate = False
        self.count_is_capped = False

    @cached_property
    def count(self) -> int:
        queryset = self.object_list
        if not queryset.query.where:
            estimate = table_row_estimate(queryset)
            if estimate is not None and estimate > self.cap:
                self.count_is_estimate = True
                return estimate
        counted = queryset.order_by().values("pk")[: self.cap + 1].count()
        if counted > self.cap:
            self.count_is_capped = True
            return self.cap
        return counted


class ReasonForm(forms.Form):
    """The reason an operator gives for hiding or banning: required, and kept in the trail."""

    reason = forms.CharField(
        max_length=500, strip=True, widget=forms.Textarea(attrs={"rows": 3, "cols": 70}), help_text="Required."
    )


class ModerationAdmin(admin.ModelAdmin):
    """A model admin whose actions need the moderate permission (the model's change permission)."""

    def has_moderate_permission(self, request: HttpRequest) -> bool:
        codename = get_permission_codename("change", self.opts)
        return request.user.has_perm(f"{self.opts.app_label}.{codename}")

    def change_view(
        self, request: HttpRequest, object_id: str, form_url: str = "", extra_context: dict | None = None
    ) -> HttpResponse:
        # The object's page offers the list's moderation actions to those allowed to take them.
        extra_context = {**(extra_context or {}), "can_moderate": self.has_moderate_permission(request)}
        return super().change_view(request, object_id, form_url, extra_context)

    def too_many(self, request: HttpRequest, queryset: QuerySet) -> bool:
        """Refuses (with a message) a selection larger than one request should walk through."""
        if queryset.order_by()[: BULK_ACTION_LIMIT + 1].count() > BULK_ACTION_LIMIT:
            self.message_user(
                request,
                f"Select at most {BULK_ACTION_LIMIT} at once: narrow the list with a filter first.",
                messages.ERROR,
            )
            return True
        return False

    def apply_each(
        self, request: HttpRequest, objects: Iterable[Model], apply: Callable[[Model], object], done: str
    ) -> None:
        """Calls the service on each object, reporting what it did and each refusal the domain gave."""
        count = 0
        for obj in objects:
            try:
                apply(obj)
            except ChatError as error:
                self.message_user(request, f"{obj}: {error.detail}", messages.ERROR)
            else:
                count += 1
        self.message_user(request, f"{done}: {count}.", messages.SUCCESS if count else messages.WARNING)

    def ask_reason(
        self,
        request: HttpRequest,
        queryset: QuerySet,
        *,
        action: str,
        title: str,
        apply: Callable[[Model, str], object],
        done: str,
    ) -> TemplateResponse | None:
        """Shows a page asking for a reason, then applies the service with it (the standard action pattern)."""
        if self.too_many(request, queryset):
            return None
        form = ReasonForm(request.POST if "apply" in request.POST else None)
        if form.is_bound and form.is_valid():
            reason = form.cleaned_data["reason"]
            self.apply_each(request, queryset, lambda obj: apply(obj, reason), done)
            return None
        context = {
            **self.admin_site.each_context(request),
            "title": title,
            "opts": self.opts,
            "form": form,
            "action": action,
            "select_across": request.POST.get("select_across") == "1",
            # Django's changelist wants the ticked ids back even when the whole selection is "all matching".
            "selected": request.POST.getlist(helpers.ACTION_CHECKBOX_NAME),
            "action_checkbox_name": helpers.ACTION_CHECKBOX_NAME,
            "preview": list(queryset[:20]),
            "media": self.media,
        }
        return TemplateResponse(request, "admin/action_reason.html", context)


def adopt(obj: Model, stored: Model) -> None:
    """Makes the admin's unsaved object the one a service stored: the admin logs and redirects with its own."""
    obj.__dict__.update({field.attname: getattr(stored, field.attname) for field in stored._meta.concrete_fields})
    obj._state.adding = False
    obj._state.db = stored._state.db


def _uuid_or_none(value: object) -> uuid.UUID | None:
    try:
        return uuid.UUID(str(value))
    except ValueError:
        return None


class ChatroomFilter(admin.SimpleListFilter):
    """A few chatrooms by name and the chosen one: a server's every chatroom would make each page huge.

    The chatroom list's counts link here for any chatroom."""

    title = "chatroom"
    parameter_name = "chatroom__id__exact"
    shown = 30

    def lookups(self, request: HttpRequest, model_admin: admin.ModelAdmin) -> list[tuple[str, str]]:
        rows = list(Chatroom.objects.order_by("name", "id").values_list("id", "name")[: self.shown])
        if self.value() is not None:
            chosen = _uuid_or_none(self.value())
            if chosen is None:
                raise IncorrectLookupParameters("The chatroom filter takes a chatroom id.")
            if chosen not in {chatroom_id for chatroom_id, _name in rows}:
                name = Chatroom.objects.filter(pk=chosen).values_list("name", flat=True).first()
                rows.insert(0, (chosen, name or "(unknown chatroom)"))
        return [(str(chatroom_id), name) for chatroom_id, name in rows]

    def queryset(self, request: HttpRequest, queryset: QuerySet) -> QuerySet:
        if self.value() is None:
            return queryset
        return queryset.filter(chatroom_id=self.value())


# ---------------------------------------------------------------------------------------------------------------
# Users and tokens
# ---------------------------------------------------------------------------------------------------------------


class ChatUserCreationForm(AdminUserCreationForm):
    """The admin's add-user form, for the custom user model."""

    class Meta(AdminUserCreationForm.Meta):
        model = User
        fields = ("username", "display_name")


@admin.register(User)
class ChatUserAdmin(UserAdmin):
    """Django's user admin with the chat profile: display name, colour, avatar."""

    add_form = ChatUserCreationForm
    fieldsets = (
        (None, {"fields": ("username", "password")}),
        ("Chat profile", {"fields": ("display_name", ("color_r", "color_g", "color_b"), "colour", "avatar")}),
        ("Personal info", {"fields": ("first_name", "last_name", "email")}),
        ("Permissions", {"fields": ("is_active", "is_staff", "is_superuser", "groups", "user_permissions")}),
        ("Important dates", {"fields": ("last_login", "date_joined")}),
    )
    add_fieldsets = (
        (
            None,
            {"classes": ("wide",), "fields": ("username", "display_name", "usable_password", "password1", "password2")},
        ),
    )
    readonly_fields = ("colour",)
    list_display = ("username", "display_name", "colour", "email", "is_active", "is_staff", "date_joined")
    list_filter = ("is_staff", "is_superuser", "is_active")
    search_fields = ("username", "display_name", "email")

    @admin.display(description="colour")
    def colour(self, user: User) -> str:
        hex_colour = f"#{user.color_r:02x}{user.color_g:02x}{user.color_b:02x}"
        return format_html(
            '<span style="display:inline-block;width:1em;height:1em;background:{};border:1px solid #888;'
            'vertical-align:middle"></span> {}',
            hex_colour,
            hex_colour,
        )

    def delete_model(self, request: HttpRequest, obj: User) -> None:
        self.delete_queryset(request, User.objects.filter(pk=obj.pk))

    @transaction.atomic
    def delete_queryset(self, request: HttpRequest, queryset: QuerySet) -> None:
        # Leaving each chatroom first passes ownership on, so no chatroom is left without an owner.
        participations = Participant.objects.filter(user__in=queryset).select_related("user", "chatroom")
        for participant in participations:
            participant_remove(participant=participant, actor=request.user)
        super().delete_queryset(request, queryset)


class TokenIssueForm(forms.ModelForm):
    """Issues an API bearer token for a user; the lifetime is given in days."""

    days = forms.IntegerField(min_value=1, max_value=OPERATOR_TOKEN_MAX_DAYS, initial=30, help_text="Lifetime in days.")

    class Meta:
        model = AuthToken
        fields = ("user", "name")


class TokenStateFilter(admin.SimpleListFilter):
    title = "state"
    parameter_name = "state"

    def lookups(self, request: HttpRequest, model_admin: admin.ModelAdmin) -> list[tuple[str, str]]:
        return [("valid", "Valid"), ("expired", "Expired"), ("revoked", "Revoked")]

    def queryset(self, request: HttpRequest, queryset: QuerySet) -> QuerySet:
        now = timezone.now()
        if self.value() == "valid":
            return queryset.filter(revoked_at__isnull=True, expires_at__gt=now)
        if self.value() == "expired":
            return queryset.filter(revoked_at__isnull=True, expires_at__lte=now)
        if self.value() == "revoked":
            return queryset.filter(revoked_at__isnull=False)
        return queryset


class TokenScopeFilter(admin.SimpleListFilter):
    title = "kind"
    parameter_name = "kind"

    def lookups(self, request: HttpRequest, model_admin: admin.ModelAdmin) -> list[tuple[str, str]]:
        return [("api", "API bearer token"), ("login", "Teahaz chatroom log-in")]

    def queryset(self, request: HttpRequest, queryset: QuerySet) -> QuerySet:
        if self.value() == "api":
            return queryset.filter(chatroom__isnull=True)
        if self.value() == "login":
            return queryset.filter(chatroom__isnull=False)
        return queryset


@admin.register(AuthToken)
class AuthTokenAdmin(ModerationAdmin):
    """Bearer tokens and Teahaz log-ins: issued here once, revoked in bulk, the stored hash never shown."""

    list_display = ("user", "chatroom", "name", "created_at", "expires_at", "revoked_at", "valid")
    list_select_related = ("user", "chatroom")
    list_filter = (TokenStateFilter, TokenScopeFilter)
    search_fields = ("user__username", "name")
    ordering = ("-created_at", "-id")
    # Every Teahaz log-in adds a row: the table grows like the message table.
    show_full_result_count = False
    paginator = CheapCountPaginator
    fields = ("user", "chatroom", "name", "created_at", "expires_at", "revoked_at")
    readonly_fields = ("created_at",)
    autocomplete_fields = ("user",)
    actions = ("revoke_tokens",)

    @admin.display(boolean=True, description="valid")
    def valid(self, token: AuthToken) -> bool:
        return token.is_valid

    def has_change_permission(self, request: HttpRequest, obj: AuthToken | None = None) -> bool:
        return False

    def get_form(self, request: HttpRequest, obj: AuthToken | None = None, **kwargs) -> type[forms.ModelForm]:
        if obj is None:
            kwargs["form"] = TokenIssueForm
        return super().get_form(request, obj, **kwargs)

    def get_fields(self, request: HttpRequest, obj: AuthToken | None = None) -> tuple[str, ...]:
        return ("user", "name", "days") if obj is None else self.fields

    def get_readonly_fields(self, request: HttpRequest, obj: AuthToken | None = None) -> tuple[str, ...]:
        return () if obj is None else self.fields

    def save_model(self, request: HttpRequest, obj: AuthToken, form: forms.Form, change: bool) -> None:
        raw, token = token_issue_by_operator(
            user=form.cleaned_data["user"],
            actor=request.user,
            name=form.cleaned_data["name"] or f"issued in the admin by {request.user}",
            ttl_seconds=form.cleaned_data["days"] * 86400,
        )
        adopt(obj, token)
        request._issued_raw_token = raw

    def response_add(self, request: HttpRequest, obj: AuthToken, post_url_continue: str | None = None) -> HttpResponse:
        context = {
            **self.admin_site.each_context(request),
            "title": "Token issued",
            "opts": self.opts,
            "token": obj,
            "raw_token": request._issued_raw_token,
        }
        response = TemplateResponse(request, "admin/chat/authtoken/issued.html", context)
        # The raw value is shown this once: no cache may keep it.
        response["Cache-Control"] = "no-store"
        return response

    @admin.action(description="Revoke selected tokens", permissions=["moderate"])
    def revoke_tokens(self, request: HttpRequest, queryset: QuerySet) -> None:
        if self.too_many(request, queryset):
            return
        tokens = queryset.filter(revoked_at__isnull=True).select_related("user", "chatroom")
        self.apply_each(
            request, tokens, lambda token: token_revoke_by_operator(token=token, actor=request.user), "Revoked"
        )


# ---------------------------------------------------------------------------------------------------------------
# Chatrooms, participants, channels
# ---------------------------------------------------------------------------------------------------------------


def count_of(model: type[Model], field: str, **conditions: object) -> Coalesce:
    """A correlated COUNT of `model` rows pointing at the outer row: one subquery, no join that multiplies."""
    rows = (
        model.objects.filter(**{field: OuterRef("pk")}, **conditions)
        .order_by()
        .values(field)
        .annotate(n=Count("pk"))
        .values("n")
    )
    return Coalesce(Subquery(rows, output_field=IntegerField()), 0)


class CappedCount(Subquery):
    """COUNT(*) of a sliced subquery: stops after the slice, so a chatroom with millions of messages stays cheap."""

    template = "(SELECT COUNT(*) FROM (%(subquery)s) AS capped)"
    output_field = IntegerField()


# The chatroom list counts each chatroom's messages up to this, then shows "10000+".
MESSAGE_COUNT_CAP = 10_000


class ParticipantInline(admin.TabularInline):
    """Who is in the chatroom; roles and bans change through the participant actions."""

    model = Participant
    fk_name = "chatroom"
    fields = ("user", "role", "state", "joined_at", "last_seen_at")
    readonly_fields = fields
    extra = 0
    can_delete = False
    show_change_link = True

    def get_queryset(self, request: HttpRequest) -> QuerySet:
        return super().get_queryset(request).select_related("user").order_by("joined_at", "pk")

    def has_add_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return False


class ChannelInline(admin.TabularInline):
    """The chatroom's channels; their grants are edited on each channel's page."""

    model = Channel
    fields = ("name", "public", "is_default", "created_at")
    readonly_fields = fields
    extra = 0
    can_delete = False
    show_change_link = True

    def has_add_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return False


class ChatroomChangeList(ChangeList):
    """The chatroom list, with its counts as correlated subqueries (only here: not in autocomplete or forms)."""

    def get_queryset(self, request: HttpRequest, exclude_parameters: list | None = None) -> QuerySet:
        if "message_count" not in self.root_queryset.query.annotations:
            self.root_queryset = self.root_queryset.annotate(
                participant_count=count_of(Participant, "chatroom", state=Participant.State.ACTIVE),
                message_count=CappedCount(
                    Message.objects.filter(chatroom=OuterRef("pk")).order_by().values("pk")[: MESSAGE_COUNT_CAP + 1]
                ),
            )
        return super().get_queryset(request, exclude_parameters)


class ChatroomAddForm(forms.ModelForm):
    class Meta:
        model = Chatroom
        fields = ("name", "created_by", "reference_category", "reference_record_id")
        labels = {"created_by": "Owner"}

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["created_by"].required = True


@admin.register(Chatroom)
class ChatroomAdmin(admin.ModelAdmin):
    """Chatrooms with who is in them, their channels and their sizes; created and renamed through the services."""

    list_display = ("name", "created_by", "created_at", "participant_count", "message_count")
    list_select_related = ("created_by",)
    search_fields = ("name",)
    list_filter = (("created_at", admin.DateFieldListFilter),)
    ordering = ("name", "id")
    autocomplete_fields = ("created_by",)
    inlines = (ParticipantInline, ChannelInline)

    def get_changelist(self, request: HttpRequest, **kwargs) -> type[ChangeList]:
        return ChatroomChangeList

    def get_form(self, request: HttpRequest, obj: Chatroom | None = None, **kwargs) -> type[forms.ModelForm]:
        if obj is None:
            kwargs["form"] = ChatroomAddForm
        return super().get_form(request, obj, **kwargs)

    def get_fields(self, request: HttpRequest, obj: Chatroom | None = None) -> tuple[str, ...]:
        if obj is None:
            return ChatroomAddForm.Meta.fields
        return ("id", "name", "created_by", "created_at", "updated_at", "reference_category", "reference_record_id")

    def get_readonly_fields(self, request: HttpRequest, obj: Chatroom | None = None) -> tuple[str, ...]:
        if obj is None:
            return ()
        return ("id", "created_by", "created_at", "updated_at", "reference_category", "reference_record_id")

    def get_inlines(self, request: HttpRequest, obj: Chatroom | None) -> tuple:
        return self.inlines if obj is not None else ()

    @admin.display(description="participants", ordering="participant_count")
    def participant_count(self, chatroom: Chatroom) -> str:
        url = reverse("admin:chat_participant_changelist")
        return format_html('<a href="{}?chatroom__id__exact={}">{}</a>', url, chatroom.pk, chatroom.participant_count)

    @admin.display(description="messages", ordering="message_count")
    def message_count(self, chatroom: Chatroom) -> str:
        url = reverse("admin:chat_message_changelist")
        count = chatroom.message_count
        shown = f"{MESSAGE_COUNT_CAP}+" if count > MESSAGE_COUNT_CAP else str(count)
        return format_html('<a href="{}?chatroom__id__exact={}">{}</a>', url, chatroom.pk, shown)

    def save_model(self, request: HttpRequest, obj: Chatroom, form: forms.ModelForm, change: bool) -> None:
        if change:
            if "name" in form.changed_data:
                chatroom_rename(chatroom=obj, name=form.cleaned_data["name"])
            return
        created = chatroom_create(
            creator=form.cleaned_data["created_by"],
            name=form.cleaned_data["name"],
            reference_category=form.cleaned_data["reference_category"],
            reference_record_id=form.cleaned_data["reference_record_id"],
        )
        adopt(obj, created)

    def has_delete_permission(self, request: HttpRequest, obj: Chatroom | None = None) -> bool:
        # Deleting would take every message with it (and list each one on the confirmation page).
        return False


class ParticipantAddForm(forms.ModelForm):
    """Adds an active user to a chatroom as a member."""

    class Meta:
        model = Participant
        fields = ("chatroom", "user")

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["user"].queryset = User.objects.filter(is_active=True)


@admin.register(Participant)
class ParticipantAdmin(ModerationAdmin):
    """Memberships: roles and bans change only through the actions, which call the participant services."""

    list_display = ("user", "chatroom", "role", "state", "last_seen_at", "joined_at")
    list_select_related = ("user", "chatroom")
    list_filter = ("role", "state", ChatroomFilter)
    search_fields = ("user__username", "chatroom__name")
    ordering = ("-joined_at", "-id")
    autocomplete_fields = ("chatroom", "user")
    actions = ("ban", "unban", "make_admin", "make_member", "make_owner")
    change_form_template = "admin/chat/participant/change_form.html"
    view_fields = (
        "user",
        "chatroom",
        "role",
        "state",
        "joined_at",
        "last_seen_at",
        "last_read_at",
        "invited_by",
    )

    def has_change_permission(self, request: HttpRequest, obj: Participant | None = None) -> bool:
        return False

    def get_form(self, request: HttpRequest, obj: Participant | None = None, **kwargs) -> type[forms.ModelForm]:
        if obj is None:
            kwargs["form"] = ParticipantAddForm
        return super().get_form(request, obj, **kwargs)

    def get_fields(self, request: HttpRequest, obj: Participant | None = None) -> tuple[str, ...]:
        return ("chatroom", "user") if obj is None else self.view_fields

    def get_readonly_fields(self, request: HttpRequest, obj: Participant | None = None) -> tuple[str, ...]:
        return () if obj is None else self.view_fields

    def save_model(self, request: HttpRequest, obj: Participant, form: forms.ModelForm, change: bool) -> None:
        participant, _created = participant_add(
            chatroom=form.cleaned_data["chatroom"], user=form.cleaned_data["user"], invited_by=request.user
        )
        adopt(obj, participant)

    def delete_model(self, request: HttpRequest, obj: Participant) -> None:
        participant_remove(participant=obj, actor=request.user)

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet) -> None:
        for participant in queryset.select_related("user", "chatroom"):
            participant_remove(participant=participant, actor=request.user)

    def _active(self, queryset: QuerySet) -> QuerySet:
        return queryset.filter(state=Participant.State.ACTIVE).select_related("user", "chatroom")

    @admin.action(description="Ban selected participants (asks for a reason)", permissions=["moderate"])
    def ban(self, request: HttpRequest, queryset: QuerySet) -> TemplateResponse | None:
        return self.ask_reason(
            request,
            self._active(queryset),
            action="ban",
            title="Ban participants",
            apply=lambda participant, reason: participant_ban(
                participant=participant, actor=request.user, reason=reason
            ),
            done="Banned",
        )

    @admin.action(description="Unban selected participants", permissions=["moderate"])
    def unban(self, request: HttpRequest, queryset: QuerySet) -> None:
        if self.too_many(request, queryset):
            return
        banned = queryset.filter(state=Participant.State.BANNED).select_related("user", "chatroom")
        self.apply_each(
            request,
            banned,
            lambda participant: participant_unban(participant=participant, actor=request.user),
            "Unbanned",
        )

    def _set_role(self, request: HttpRequest, queryset: QuerySet, role: str) -> None:
        if self.too_many(request, queryset):
            return
        self.apply_each(
            request,
            queryset.select_related("user", "chatroom"),
            lambda participant: participant_set_role(participant=participant, role=role, actor=request.user),
            f"Now {role}",
        )

    @admin.action(description="Make selected participants admins", permissions=["moderate"])
    def make_admin(self, request: HttpRequest, queryset: QuerySet) -> None:
        self._set_role(request, queryset, Participant.Role.ADMIN)

    @admin.action(description="Make selected participants members", permissions=["moderate"])
    def make_member(self, request: HttpRequest, queryset: QuerySet) -> None:
        self._set_role(request, queryset, Participant.Role.MEMBER)

    @admin.action(description="Make the selected participant the owner", permissions=["moderate"])
    def make_owner(self, request: HttpRequest, queryset: QuerySet) -> None:
        if queryset.order_by()[:2].count() != 1:
            self.message_user(request, "Select exactly one participant to make owner.", messages.ERROR)
            return
        self._set_role(request, queryset, Participant.Role.OWNER)


class ChannelGrantInline(admin.TabularInline):
    """Explicit r/w/x grants; saved through grant_set and grant_clear so the trail records them."""

    model = ChannelGrant
    fields = ("user", "r", "w", "x", "granted_by", "granted_at")
    readonly_fields = ("granted_by", "granted_at")
    autocomplete_fields = ("user",)
    extra = 0

    def get_queryset(self, request: HttpRequest) -> QuerySet:
        return super().get_queryset(request).select_related("user", "granted_by")


class ChannelAddForm(forms.ModelForm):
    class Meta:
        model = Channel
        fields = ("chatroom", "name", "public")


@admin.register(Channel)
class ChannelAdmin(admin.ModelAdmin):
    """Channels with their grants; created through channel_create, grants through grant_set and grant_clear."""

    list_display = ("name", "chatroom", "public", "is_default", "created_at", "message_link")
    list_select_related = ("chatroom",)
    list_filter = ("public", "is_default")
    search_fields = ("name", "chatroom__name")
    ordering = ("chatroom__name", "created_at", "id")
    autocomplete_fields = ("chatroom",)
    inlines = (ChannelGrantInline,)

    def get_form(self, request: HttpRequest, obj: Channel | None = None, **kwargs) -> type[forms.ModelForm]:
        if obj is None:
            kwargs["form"] = ChannelAddForm
        return super().get_form(request, obj, **kwargs)

    def get_fields(self, request: HttpRequest, obj: Channel | None = None) -> tuple[str, ...]:
        return ChannelAddForm.Meta.fields if obj is None else ("chatroom", "name", "public", "is_default", "created_at")

    def get_readonly_fields(self, request: HttpRequest, obj: Channel | None = None) -> tuple[str, ...]:
        # No service renames a channel or flips it public: only its grants change here.
        return () if obj is None else ("chatroom", "name", "public", "is_default", "created_at")

    def get_inlines(self, request: HttpRequest, obj: Channel | None) -> tuple:
        return self.inlines if obj is not None else ()

    @admin.display(description="messages")
    def message_link(self, channel: Channel) -> str:
        url = reverse("admin:chat_message_changelist")
        return format_html(
            '<a href="{}?chatroom__id__exact={}&amp;channel={}">messages</a>', url, channel.chatroom_id, channel.pk
        )

    def has_delete_permission(self, request: HttpRequest, obj: Channel | None = None) -> bool:
        return False

    def save_model(self, request: HttpRequest, obj: Channel, form: forms.ModelForm, change: bool) -> None:
        if change:
            return
        created = channel_create(
            chatroom=form.cleaned_data["chatroom"], name=form.cleaned_data["name"], public=form.cleaned_data["public"]
        )
        adopt(obj, created)

    def save_formset(
        self, request: HttpRequest, form: forms.ModelForm, formset: BaseInlineFormSet, change: bool
    ) -> None:
        """Saves the grants through the services (never formset.save()), keeping what the admin's log expects."""
        channel = form.instance
        formset.new_objects, formset.changed_objects, formset.deleted_objects = [], [], []
        for grant_form in formset.initial_forms:
            original_user = User.objects.get(pk=grant_form.initial["user"])
            if grant_form in formset.deleted_forms:
                grant_clear(channel=channel, user=original_user, actor=request.user)
                formset.deleted_objects.append(grant_form.instance)
            elif grant_form.has_changed():
                data = grant_form.cleaned_data
                if data["user"].pk != original_user.pk:
                    grant_clear(channel=channel, user=original_user, actor=request.user)
                grant = grant_set(
                    channel=channel, user=data["user"], r=data["r"], w=data["w"], x=data["x"], actor=request.user
                )
                formset.changed_objects.append((grant, grant_form.changed_data))
        for grant_form in formset.extra_forms:
            if not grant_form.has_changed() or grant_form in formset.deleted_forms:
                continue
            data = grant_form.cleaned_data
            grant = grant_set(
                channel=channel, user=data["user"], r=data["r"], w=data["w"], x=data["x"], actor=request.user
            )
            formset.new_objects.append(grant)


# ---------------------------------------------------------------------------------------------------------------
# Messages
# ---------------------------------------------------------------------------------------------------------------


class HiddenFilter(admin.SimpleListFilter):
    title = "hidden"
    parameter_name = "hidden"

    def lookups(self, request: HttpRequest, model_admin: admin.ModelAdmin) -> list[tuple[str, str]]:
        return [("yes", "Yes"), ("no", "No")]

    def queryset(self, request: HttpRequest, queryset: QuerySet) -> QuerySet:
        if self.value() == "yes":
            return queryset.filter(hidden_at__isnull=False)
        if self.value() == "no":
            return queryset.filter(hidden_at__isnull=True)
        return queryset


class ChannelFilter(admin.SimpleListFilter):
    """The channels of the chatroom chosen in the chatroom filter (all channels would be a long, ambiguous list)."""

    title = "channel"
    parameter_name = "channel"

    def lookups(self, request: HttpRequest, model_admin: admin.ModelAdmin) -> list[tuple[str, str]]:
        chatroom_id = _uuid_or_none(request.GET.get("chatroom__id__exact"))
        chosen = None
        if self.value() is not None:
            chosen = _uuid_or_none(self.value())
            if chosen is None:
                raise IncorrectLookupParameters("The channel filter takes a channel id.")
            if chatroom_id is None:
                chatroom_id = Channel.objects.filter(pk=chosen).values_list("chatroom_id", flat=True).first()
        channels = Channel.objects.filter(chatroom_id=chatroom_id).order_by("name").values_list("id", "name")
        choices = [(str(channel_id), f"#{name}") for channel_id, name in channels] if chatroom_id else []
        if chosen is not None and str(chosen) not in {value for value, _label in choices}:
            # Django drops a filter without choices, and with it the filtering: keep the chosen one listed.
            choices.append((str(chosen), "(unknown channel)"))
        return choices

    def queryset(self, request: HttpRequest, queryset: QuerySet) -> QuerySet:
        if self.value() is None:
            return queryset
        return queryset.filter(channel_id=self.value())


class MessageChangeList(ChangeList):
    """The message list reads an excerpt, not the bodies (a page of 64 KiB messages would be megabytes)."""

    def get_queryset(self, request: HttpRequest, exclude_parameters: list | None = None) -> QuerySet:
        queryset = super().get_queryset(request, exclude_parameters)
        return queryset.defer("body", "html", "text").annotate(excerpt=Substr("text", 1, 120))


@admin.register(Message)
class MessageAdmin(ModerationAdmin):
    """Messages: read-only (moderation hides, it never rewrites); hide and unhide call the message services."""

    list_display = ("sent_at", "chatroom", "channel", "author", "kind", "short_text", "hidden")
    list_select_related = ("author", "channel", "chatroom")
    list_filter = (
        ("sent_at", admin.DateFieldListFilter),
        HiddenFilter,
        "kind",
        ChatroomFilter,
        ChannelFilter,
    )
    search_fields = ("text", "author__username")
    # Served by chat_msg_room_time_idx / chat_msg_channel_time_idx when filtered by chatroom or channel.
    ordering = ("-sent_at", "-id")
    # Sorting a million rows by another column would be a full sort: only time order is offered.
    sortable_by = ("sent_at",)
    show_full_result_count = False
    paginator = CheapCountPaginator
    list_per_page = 100
    actions = ("hide_messages", "unhide_messages")
    change_form_template = "admin/chat/message/change_form.html"
    fieldsets = (
        (None, {"fields": ("id", "chatroom", "channel", "author", "kind", "format", "sent_at", "reply_to", "key_id")}),
        ("Content", {"fields": ("text", "html", "body", "mentions")}),
        ("Moderation", {"fields": ("hidden_at", "hidden_by", "hidden_reason")}),
    )

    def get_changelist(self, request: HttpRequest, **kwargs) -> type[ChangeList]:
        return MessageChangeList

    @admin.display(description=mark_safe('<input type="checkbox" id="action-toggle">'))
    def action_checkbox(self, message: Message) -> str:
        # Django labels the box with str(message), which would load each row's deferred text.
        label = format_html("Select this message for an action - {}", message.excerpt[:60])
        checkbox = forms.CheckboxInput({"class": "action-select", "aria-label": label}, lambda value: False)
        return checkbox.render(helpers.ACTION_CHECKBOX_NAME, str(message.pk))

    @admin.display(description="text")
    def short_text(self, message: Message) -> str:
        excerpt = message.excerpt
        return excerpt if len(excerpt) < 120 else f"{excerpt}…"

    @admin.display(boolean=True, description="hidden")
    def hidden(self, message: Message) -> bool:
        return message.hidden_at is not None

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Message | None = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Message | None = None) -> bool:
        return False

    def _full(self, queryset: QuerySet) -> QuerySet:
        # The changelist's queryset defers the bodies; the services and the log want whole rows.
        return Message.objects.filter(pk__in=queryset.values("pk")).select_related("chatroom").order_by("-sent_at")

    @admin.action(description="Hide selected messages (asks for a reason)", permissions=["moderate"])
    def hide_messages(self, request: HttpRequest, queryset: QuerySet) -> TemplateResponse | None:
        return self.ask_reason(
            request,
            self._full(queryset.filter(hidden_at__isnull=True)),
            action="hide_messages",
            title="Hide messages",
            apply=lambda message, reason: message_hide(message=message, actor=request.user, reason=reason),
            done="Hidden",
        )

    @admin.action(description="Unhide selected messages", permissions=["moderate"])
    def unhide_messages(self, request: HttpRequest, queryset: QuerySet) -> None:
        hidden = self._full(queryset.filter(hidden_at__isnull=False))
        if self.too_many(request, hidden):
            return
        self.apply_each(request, hidden, lambda message: message_unhide(message=message, actor=request.user), "Shown")


# ---------------------------------------------------------------------------------------------------------------
# The trail
# ---------------------------------------------------------------------------------------------------------------


@admin.register(ModerationLog)
class ModerationLogAdmin(admin.ModelAdmin):
    """Who did what to whom, when and why: written only by the services, read-only here."""

    list_display = ("created_at", "actor", "action", "chatroom", "target", "reason")
    list_select_related = ("actor", "chatroom")
    list_filter = ("action", ChatroomFilter, ("created_at", admin.DateFieldListFilter))
    search_fields = ("target", "reason", "actor__username")
    ordering = ("-created_at", "-id")
    show_full_result_count = False
    paginator = CheapCountPaginator

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: ModerationLog | None = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: ModerationLog | None = None) -> bool:
        return False
