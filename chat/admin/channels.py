"""Channels and their r/w/x grants, created, renamed and made public or private through the chatroom services."""

from typing import Any

from django import forms
from django.contrib import admin
from django.db.models import QuerySet
from django.forms.models import BaseInlineFormSet
from django.http import HttpRequest
from django.urls import reverse
from django.utils.html import format_html

from chat.admin.base import adopt, operator, shortened, timestamp
from chat.models import Channel, ChannelGrant, User
from chat.services.chatrooms import channel_change, channel_create, grant_clear, grant_set


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


class ChannelChangeForm(forms.ModelForm):
    """Name and public flag; the chatroom is read-only here, so Django leaves the unique name to this form."""

    class Meta:
        model = Channel
        fields = ("name", "public")

    def clean_name(self) -> str:
        name = self.cleaned_data["name"]
        taken = Channel.objects.filter(chatroom_id=self.instance.chatroom_id, name=name.strip())
        if taken.exclude(pk=self.instance.pk).exists():
            raise forms.ValidationError("A channel of that name exists in this chatroom.")
        return name


@admin.register(Channel)
class ChannelAdmin(admin.ModelAdmin):
    """Channels with their grants: created through channel_create, renamed and made public or private through
    channel_change, grants through grant_set and grant_clear."""

    list_display = ("name", "room", "public", "is_default", "created", "message_link")
    list_display_links = ("name",)
    list_select_related = ("chatroom",)
    list_filter = ("public", "is_default")
    search_fields = ("name", "chatroom__name")
    ordering = ("chatroom__name", "created_at", "id")
    autocomplete_fields = ("chatroom",)
    inlines = (ChannelGrantInline,)

    room = shortened("chatroom", "chatroom", ordering="chatroom__name")
    created = timestamp("created_at", "created", date_only=True)

    def get_form(
        self, request: HttpRequest, obj: Channel | None = None, change: bool = False, **kwargs: Any
    ) -> type[forms.ModelForm]:
        kwargs["form"] = ChannelAddForm if obj is None else ChannelChangeForm
        return super().get_form(request, obj, change, **kwargs)

    def get_fields(self, request: HttpRequest, obj: Channel | None = None) -> tuple[str, ...]:
        return ChannelAddForm.Meta.fields if obj is None else ("chatroom", "name", "public", "is_default", "created_at")

    def get_readonly_fields(self, request: HttpRequest, obj: Channel | None = None) -> tuple[str, ...]:
        # A channel stays in its chatroom, and the default channel is chosen when the chatroom is created.
        return () if obj is None else ("chatroom", "is_default", "created_at")

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
            # The form has already written its values onto obj: the service compares against the stored row.
            stored = Channel.objects.select_related("chatroom").get(pk=obj.pk)
            changed = channel_change(
                channel=stored,
                actor=operator(request),
                name=form.cleaned_data["name"],
                public=form.cleaned_data["public"],
            )
            adopt(obj, changed)
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
                grant_clear(channel=channel, user=original_user, actor=operator(request))
                formset.deleted_objects.append(grant_form.instance)
            elif grant_form.has_changed():
                data = grant_form.cleaned_data
                if data["user"].pk != original_user.pk:
                    grant_clear(channel=channel, user=original_user, actor=operator(request))
                grant = grant_set(
                    channel=channel, user=data["user"], r=data["r"], w=data["w"], x=data["x"], actor=operator(request)
                )
                formset.changed_objects.append((grant, grant_form.changed_data))
        for grant_form in formset.extra_forms:
            if not grant_form.has_changed() or grant_form in formset.deleted_forms:
                continue
            data = grant_form.cleaned_data
            grant = grant_set(
                channel=channel, user=data["user"], r=data["r"], w=data["w"], x=data["x"], actor=operator(request)
            )
            formset.new_objects.append(grant)
