"""The shared moderation pieces every admin module builds on (invites/admin.py too): the moderation base
class with its reason-asking action flow, the cheap-count paginator, the chatroom filter, and adopting what a
service stored."""

import uuid
from collections.abc import Callable, Iterable
from typing import Any, TypeVar, cast

from django import forms
from django.contrib import admin, messages
from django.contrib.admin import helpers
from django.contrib.admin.options import IncorrectLookupParameters
from django.contrib.auth import get_permission_codename
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db import connections
from django.db.models import Model, QuerySet
from django.http import HttpRequest, HttpResponse
from django.template.response import TemplateResponse
from django.utils import timezone
from django.utils.functional import cached_property
from django.utils.html import format_html

from chat.exceptions import ChatError
from chat.models import Chatroom, User

ModelT = TypeVar("ModelT", bound=Model)


def operator(request: HttpRequest) -> User:
    """The staff member behind an admin request, as the services' `actor` (the admin site admits no one else)."""
    if not isinstance(request.user, User):
        raise PermissionDenied
    return request.user


# A bulk action walks its objects one service call at a time; beyond this, ask the operator to narrow the selection.
BULK_ACTION_LIMIT = 1000


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
        # The admin's changelist always pages a queryset.
        queryset = cast(QuerySet, self.object_list)
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
        self, request: HttpRequest, objects: Iterable[ModelT], apply: Callable[[ModelT], object], done: str
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
        apply: Callable[[Any, str], object],
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


def timestamp(field: str, description: str, *, date_only: bool = False) -> Callable[[admin.ModelAdmin, Model], str]:
    """A list column for a time, short enough to stay on one line ("2026-12-01 09:08", local time).

    Django's own format ("Dec. 1, 2026, 9:08 a.m.") wraps onto three lines in a narrow column; the full time is
    kept in the element's title."""

    @admin.display(description=description, ordering=field)
    def column(model_admin: admin.ModelAdmin, obj: Model) -> str:
        value = getattr(obj, field)
        if value is None:
            return model_admin.get_empty_value_display()
        local = timezone.localtime(value)
        shown = local.strftime("%Y-%m-%d" if date_only else "%Y-%m-%d %H:%M")
        return format_html('<time class="nowrap" datetime="{}" title="{}">{}</time>', value.isoformat(), local, shown)

    return column


def cut(name: str, length: int) -> str:
    """`name` cut to `length` characters for a narrow column, the whole of it in the title."""
    if len(name) <= length:
        return name
    return format_html('<span title="{}">{}…</span>', name, name[: length - 1])


def shortened(
    field: str, description: str, *, ordering: str | None = None, length: int = 32
) -> Callable[[admin.ModelAdmin, Model], str]:
    """A list column showing a related object's name cut to `length` characters."""

    @admin.display(description=description, ordering=ordering or field)
    def column(model_admin: admin.ModelAdmin, obj: Model) -> str:
        value = getattr(obj, field)
        if value is None:
            return model_admin.get_empty_value_display()
        return cut(str(value), length)

    return column


def uuid_or_none(value: object) -> uuid.UUID | None:
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
            chosen = uuid_or_none(self.value())
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
