"""Messages: read-only, hidden and shown again through the message services; earlier versions and deletions shown."""

from typing import TYPE_CHECKING

from django import forms
from django.contrib import admin, messages
from django.contrib.admin import helpers
from django.contrib.admin.options import IncorrectLookupParameters
from django.contrib.admin.views.main import ChangeList
from django.db.models import QuerySet
from django.db.models.functions import Lower, Substr
from django.http import HttpRequest, HttpResponse
from django.template.response import TemplateResponse
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString, mark_safe

from chat.admin.base import ChatroomFilter, CheapCountPaginator, ModerationAdmin, cut, operator, timestamp, uuid_or_none
from chat.exceptions import ChatError
from chat.models import Channel, Message, MessageFile, MessageVersion, User
from chat.selectors.search import message_search_filter, message_search_time_order
from chat.services.messages import message_hide, message_unhide
from chat.text import text_to_html

if TYPE_CHECKING:
    from django.contrib.admin.options import _FieldOpts, _FieldsetSpec


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


class DeletedFilter(admin.SimpleListFilter):
    title = "deleted"
    parameter_name = "deleted"

    def lookups(self, request: HttpRequest, model_admin: admin.ModelAdmin) -> list[tuple[str, str]]:
        return [("yes", "Yes"), ("no", "No")]

    def queryset(self, request: HttpRequest, queryset: QuerySet) -> QuerySet:
        if self.value() == "yes":
            return queryset.filter(deleted_at__isnull=False)
        if self.value() == "no":
            return queryset.filter(deleted_at__isnull=True)
        return queryset


class ChannelFilter(admin.SimpleListFilter):
    """The channels of the chatroom chosen in the chatroom filter (all channels would be a long, ambiguous list)."""

    title = "channel"
    parameter_name = "channel"

    def lookups(self, request: HttpRequest, model_admin: admin.ModelAdmin) -> list[tuple[str, str]]:
        chatroom_id = uuid_or_none(request.GET.get("chatroom__id__exact"))
        chosen = None
        if self.value() is not None:
            chosen = uuid_or_none(self.value())
            if chosen is None:
                raise IncorrectLookupParameters("The channel filter takes a channel id.")
            if chatroom_id is None:
                chatroom_id = Channel.objects.filter(pk=chosen).values_list("chatroom_id", flat=True).first()
        choices = []
        if chatroom_id is not None:
            channels = Channel.objects.filter(chatroom_id=chatroom_id).order_by("name").values_list("id", "name")
            choices = [(str(channel_id), f"#{name}") for channel_id, name in channels]
        if chosen is not None and str(chosen) not in {value for value, _label in choices}:
            # Django drops a filter without choices, and with it the filtering: keep the chosen one listed.
            choices.append((str(chosen), "(unknown channel)"))
        return choices

    def queryset(self, request: HttpRequest, queryset: QuerySet) -> QuerySet:
        if self.value() is None:
            return queryset
        return queryset.filter(channel_id=self.value())


class MessageVersionInline(admin.TabularInline):
    """The texts an edited message held before, oldest first: read-only, for moderators."""

    model = MessageVersion
    verbose_name = "earlier version"
    verbose_name_plural = "earlier versions"
    fields = ("text", "edited_at", "edited_by")
    readonly_fields = fields
    extra = 0
    can_delete = False

    def get_queryset(self, request: HttpRequest) -> QuerySet:
        return super().get_queryset(request).select_related("edited_by")

    def has_view_permission(self, request: HttpRequest, obj: Message | None = None) -> bool:
        # Whoever may read the message may read what it said before.
        return request.user.has_perm("chat.view_message")

    def has_add_permission(self, request: HttpRequest, obj: Message | None = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Message | None = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Message | None = None) -> bool:
        return False


# The list shows this much of each message's text (the page shows it whole).
EXCERPT_LENGTH = 80


class MessageChangeList(ChangeList):
    """The message list reads an excerpt, not the bodies (a page of 64 KiB messages would be megabytes).

    A search keeps time order, in a form that lets the full-text index find the matches (see
    `chat.selectors.search.message_search_time_order`).
    """

    def get_queryset(self, request: HttpRequest, exclude_parameters: list | None = None) -> QuerySet:
        queryset = super().get_queryset(request, exclude_parameters)
        if self.query.strip():
            queryset = queryset.order_by(*message_search_time_order(queryset, queryset.query.order_by))
        return queryset.defer("body", "html", "text").annotate(excerpt=Substr("text", 1, EXCERPT_LENGTH))


def excerpt_of(message: Message) -> str:
    """The start of the message's text that MessageChangeList annotates each row with."""
    return message.excerpt  # type: ignore[attr-defined]


@admin.register(Message)
class MessageAdmin(ModerationAdmin):
    """Messages: read-only (moderation hides, it never rewrites); hide and unhide call the message services."""

    # Five short columns fit a 1280 px screen beside the filters; the kind is a filter, system messages say so.
    list_display = ("sent", "place", "author_name", "short_text", "state")
    list_display_links = ("sent",)
    list_select_related = ("author", "channel", "chatroom")
    list_filter = (
        ("sent_at", admin.DateFieldListFilter),
        HiddenFilter,
        DeletedFilter,
        "kind",
        ChatroomFilter,
        ChannelFilter,
    )
    # Searched through chat.selectors.search (the full-text index on PostgreSQL), never by Django's LIKE scan.
    search_fields = ("text",)
    search_help_text = "Every word of the text, or an author's username."
    # Served by chat_msg_room_time_idx / chat_msg_channel_time_idx when filtered by chatroom or channel.
    ordering = ("-sent_at", "-id")
    # Sorting a million rows by another column would be a full sort: only time order is offered.
    sortable_by = ("sent",)
    show_full_result_count = False
    paginator = CheapCountPaginator
    list_per_page = 100
    actions = ("hide_messages", "unhide_messages")
    change_form_template = "admin/chat/message/change_form.html"

    identity_fields = ("id", "chatroom", "channel", "author", "kind", "format", "sent_at", "reply_to", "key_id")

    readonly_fields = ("html_source", "file_name", "file_size")
    inlines = (MessageVersionInline,)

    sent = timestamp("sent_at", "sent")

    def get_inlines(self, request: HttpRequest, obj: Message | None) -> tuple:
        # Only an edited message has earlier versions; an empty table on every other page would be noise.
        return self.inlines if obj is not None and obj.edited_at is not None else ()

    def get_search_results(self, request: HttpRequest, queryset: QuerySet, search_term: str) -> tuple[QuerySet, bool]:
        """Messages whose text holds the words (the same path as every other search), or by the user so named."""
        term = search_term.strip()
        if not term:
            return queryset, False
        authors = User.objects.alias(username_lower=Lower("username")).filter(username_lower=term.lower())
        try:
            found = message_search_filter(queryset, term, or_author_ids=list(authors.values_list("pk", flat=True)))
        except ChatError as error:
            self.message_user(request, error.detail, messages.ERROR)
            return queryset.none(), False
        return found, False

    def get_changelist(self, request: HttpRequest, **kwargs) -> type[ChangeList]:
        return MessageChangeList

    def get_fieldsets(self, request: HttpRequest, obj: Message | None = None) -> "_FieldsetSpec":
        # The text once; the HTML only when it says more than the text does (an HTML message, encrypted data).
        content: tuple[str, ...] = ("text",)
        if obj is not None and obj.html != text_to_html(obj.text):
            content += ("html_source",)
        fieldsets: tuple[tuple[str | None, _FieldOpts], ...] = (
            (None, {"fields": self.identity_fields}),
            ("Content", {"fields": (*content, "mentions")}),
        )
        if obj is not None and obj.kind == Message.Kind.FILE:
            # A file's content is in file storage, not in the row: its name and size say what it is.
            fieldsets += (("File", {"fields": ("file_name", "file_size")}),)
        if obj is not None and obj.edited_at is not None:
            fieldsets += (("Edited", {"fields": ("edited_at",)}),)
        if obj is not None and obj.deleted_at is not None:
            fieldsets += (("Deleted", {"fields": ("deleted_at", "deleted_by")}),)
        if obj is not None and obj.hidden_at is not None:
            fieldsets += (("Moderation", {"fields": ("hidden_at", "hidden_by", "hidden_reason")}),)
        return fieldsets

    def render_change_form(
        self,
        request: HttpRequest,
        context: dict,
        add: bool = False,
        change: bool = False,
        form_url: str = "",
        obj: Message | None = None,
    ) -> HttpResponse:
        if obj is not None:
            # Django's heading would be str(message), repeating the text the page shows below it.
            author = obj.author or "system"
            context["subtitle"] = f"By {author} in {obj.chatroom} · #{obj.channel}"
        return super().render_change_form(request, context, add, change, form_url, obj)

    def _file(self, message: Message) -> MessageFile | None:
        return MessageFile.objects.filter(message_id=message.pk).first()

    @admin.display(description="file name")
    def file_name(self, message: Message) -> str:
        stored = self._file(message)
        return (stored.name or "(no name)") if stored is not None else "—"

    @admin.display(description="file size")
    def file_size(self, message: Message) -> str:
        stored = self._file(message)
        return f"{stored.size} bytes" if stored is not None else "—"

    @admin.display(description=mark_safe('<input type="checkbox" id="action-toggle">'))
    def action_checkbox(self, message: Message) -> SafeString:
        # Django labels the box with str(message), which would load each row's deferred text.
        label = format_html("Select this message for an action - {}", excerpt_of(message)[:60])
        checkbox = forms.CheckboxInput({"class": "action-select", "aria-label": label}, lambda value: False)
        return checkbox.render(helpers.ACTION_CHECKBOX_NAME, str(message.pk))

    @admin.display(description="HTML")
    def html_source(self, message: Message) -> str:
        # The markup as stored (what Origam clients render), shown as source rather than rendered here.
        return format_html("<code>{}</code>", message.html)

    @admin.display(description="where")
    def place(self, message: Message) -> str:
        return format_html('{} <span class="quiet">#{}</span>', cut(message.chatroom.name, 32), message.channel.name)

    @admin.display(description="author")
    def author_name(self, message: Message) -> str:
        if message.author is None:
            return format_html('<span class="quiet">{}</span>', message.get_kind_display().lower())
        return cut(str(message.author), 20)

    @admin.display(description="text")
    def short_text(self, message: Message) -> str:
        excerpt = excerpt_of(message)
        return excerpt if len(excerpt) < EXCERPT_LENGTH else f"{excerpt}…"

    @admin.display(description="state")
    def state(self, message: Message) -> str:
        # Only the exceptions are marked: a red cross on every visible message would read as an alarm.
        marks = []
        if message.deleted_at is not None:
            marks.append("deleted")
        if message.hidden_at is not None:
            marks.append(format_html('<span title="{}">hidden</span>', message.hidden_reason))
        if message.edited_at is not None:
            marks.append(format_html('<span class="quiet">{}</span>', "edited"))
        return format_html_join(" ", "{}", ((mark,) for mark in marks))

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
            apply=lambda message, reason: message_hide(message=message, actor=operator(request), reason=reason),
            done="Hidden",
        )

    @admin.action(description="Unhide selected messages", permissions=["moderate"])
    def unhide_messages(self, request: HttpRequest, queryset: QuerySet) -> None:
        hidden = self._full(queryset.filter(hidden_at__isnull=False))
        if self.too_many(request, hidden):
            return
        self.apply_each(
            request, hidden, lambda message: message_unhide(message=message, actor=operator(request)), "Shown"
        )
