"""Chatrooms and their participants: created, renamed, joined, banned and promoted through the services."""

from typing import TYPE_CHECKING, Any, cast

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.views.main import ChangeList
from django.db.models import Count, IntegerField, Model, OuterRef, QuerySet, Subquery
from django.db.models.functions import Coalesce
from django.http import HttpRequest
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.html import format_html

from chat.admin.base import ChatroomFilter, ModerationAdmin, adopt, operator, shortened, timestamp
from chat.models import Channel, Chatroom, Message, Participant, ParticipantQuerySet, User
from chat.services.chatrooms import chatroom_create, chatroom_rename
from chat.services.participants import (
    participant_add,
    participant_ban,
    participant_remove,
    participant_set_role,
    participant_unban,
)

if TYPE_CHECKING:
    from django.contrib.admin.options import _FieldOpts, _FieldsetSpec


def count_of(model: type[Model], field: str, **conditions: object) -> Coalesce:
    """A correlated COUNT of `model` rows pointing at the outer row: one subquery, no join that multiplies."""
    rows = (
        model._default_manager.filter(**{field: OuterRef("pk")}, **conditions)
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


# Most chatrooms have no reference: it stays folded away, saying what it is for those that do.
ORIGAM_REFERENCE_FIELDSET: "tuple[str, _FieldOpts]" = (
    "Origam reference",
    {
        "classes": ("collapse",),
        "fields": ("reference_category", "reference_record_id"),
        "description": (
            "An Origam client can open a chatroom about a record of its own application (an order, a project): "
            "the record's category and id, answered back to Origam clients as categoryName and referenceId. "
            "Teahaz clients ignore them; leave both empty for an ordinary chatroom. They are set when the chatroom "
            "is created and never change."
        ),
    },
)


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

    list_display = ("name", "owner", "created", "participant_count", "message_count")
    list_display_links = ("name",)
    list_select_related = ("created_by",)
    search_fields = ("name",)
    list_filter = (("created_at", admin.DateFieldListFilter),)
    ordering = ("name", "id")
    autocomplete_fields = ("created_by",)
    inlines = (ParticipantInline, ChannelInline)

    owner = shortened("created_by", "created by", ordering="created_by__username", length=24)
    created = timestamp("created_at", "created", date_only=True)

    def get_changelist(self, request: HttpRequest, **kwargs) -> type[ChangeList]:
        return ChatroomChangeList

    def get_form(
        self, request: HttpRequest, obj: Chatroom | None = None, change: bool = False, **kwargs: Any
    ) -> type[forms.ModelForm]:
        if obj is None:
            kwargs["form"] = ChatroomAddForm
        return super().get_form(request, obj, change, **kwargs)

    def get_fieldsets(self, request: HttpRequest, obj: Chatroom | None = None) -> "_FieldsetSpec":
        main = ("name", "created_by") if obj is None else ("id", "name", "created_by", "created_at", "updated_at")
        return [(None, {"fields": main}), ORIGAM_REFERENCE_FIELDSET]

    def get_readonly_fields(self, request: HttpRequest, obj: Chatroom | None = None) -> tuple[str, ...]:
        if obj is None:
            return ()
        return ("id", "created_by", "created_at", "updated_at", "reference_category", "reference_record_id")

    def get_inlines(self, request: HttpRequest, obj: Chatroom | None) -> tuple:
        return self.inlines if obj is not None else ()

    @admin.display(description="participants", ordering="participant_count")
    def participant_count(self, chatroom: Chatroom) -> str:
        url = reverse("admin:chat_participant_changelist")
        count = chatroom.participant_count  # type: ignore[attr-defined]  # annotated by ChatroomChangeList
        return format_html('<a href="{}?chatroom__id__exact={}">{}</a>', url, chatroom.pk, count)

    @admin.display(description="messages", ordering="message_count")
    def message_count(self, chatroom: Chatroom) -> str:
        url = reverse("admin:chat_message_changelist")
        count = chatroom.message_count  # type: ignore[attr-defined]  # annotated by ChatroomChangeList
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
        cast(forms.ModelChoiceField, self.fields["user"]).queryset = User.objects.filter(is_active=True)


@admin.register(Participant)
class ParticipantAdmin(ModerationAdmin):
    """Memberships: roles and bans change only through the actions, which call the participant services."""

    list_display = ("person", "room", "role", "state", "seen", "joined")
    list_display_links = ("person",)
    list_select_related = ("user", "chatroom")
    list_filter = ("role", "state", ("last_seen_at", admin.DateFieldListFilter), ChatroomFilter)
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

    person = shortened("user", "user", ordering="user__username", length=24)
    room = shortened("chatroom", "chatroom", ordering="chatroom__name")
    seen = timestamp("last_seen_at", "last seen")
    joined = timestamp("joined_at", "joined", date_only=True)

    def has_change_permission(self, request: HttpRequest, obj: Participant | None = None) -> bool:
        return False

    def get_form(
        self, request: HttpRequest, obj: Participant | None = None, change: bool = False, **kwargs: Any
    ) -> type[forms.ModelForm]:
        if obj is None:
            kwargs["form"] = ParticipantAddForm
        return super().get_form(request, obj, change, **kwargs)

    def get_fields(self, request: HttpRequest, obj: Participant | None = None) -> tuple[str, ...]:
        return ("chatroom", "user") if obj is None else self.view_fields

    def get_readonly_fields(self, request: HttpRequest, obj: Participant | None = None) -> tuple[str, ...]:
        return () if obj is None else self.view_fields

    def save_model(self, request: HttpRequest, obj: Participant, form: forms.ModelForm, change: bool) -> None:
        participant, _created = participant_add(
            chatroom=form.cleaned_data["chatroom"], user=form.cleaned_data["user"], invited_by=operator(request)
        )
        adopt(obj, participant)

    def delete_model(self, request: HttpRequest, obj: Participant) -> None:
        participant_remove(participant=obj, actor=operator(request))

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet) -> None:
        for participant in queryset.select_related("user", "chatroom"):
            participant_remove(participant=participant, actor=operator(request))

    def _active(self, queryset: QuerySet) -> QuerySet:
        return cast(ParticipantQuerySet, queryset).active().select_related("user", "chatroom")

    @admin.action(description="Ban selected participants (asks for a reason)", permissions=["moderate"])
    def ban(self, request: HttpRequest, queryset: QuerySet) -> TemplateResponse | None:
        return self.ask_reason(
            request,
            self._active(queryset),
            action="ban",
            title="Ban participants",
            apply=lambda participant, reason: participant_ban(
                participant=participant, actor=operator(request), reason=reason
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
            lambda participant: participant_unban(participant=participant, actor=operator(request)),
            "Unbanned",
        )

    def _set_role(self, request: HttpRequest, queryset: QuerySet, role: str) -> None:
        if self.too_many(request, queryset):
            return
        self.apply_each(
            request,
            queryset.select_related("user", "chatroom"),
            lambda participant: participant_set_role(participant=participant, role=role, actor=operator(request)),
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
