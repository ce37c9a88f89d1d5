"""The admin site itself: titled chatsite, with a dashboard of what an operator checks first.

Its own module, outside chat/admin/, because building the default site must not import the modules that register
on it."""

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.contrib import admin
from django.db.models import Model, QuerySet
from django.http import HttpRequest
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode

from chat.models import Chatroom, Message, ModerationLog, Participant

# The dashboard counts messages up to this, then shows "10000+": a busy day must not cost a long count.
DASHBOARD_COUNT_CAP = 10_000
# How many of the newest moderation log rows the dashboard lists.
DASHBOARD_RECENT_MODERATION = 5


@dataclass(frozen=True)
class Figure:
    """One number on the dashboard, linking to the list it counts."""

    label: str
    value: str
    url: str


def capped_count(queryset: QuerySet) -> str:
    """The queryset's size, counting no further than the cap."""
    counted = queryset.order_by().values("pk")[: DASHBOARD_COUNT_CAP + 1].count()
    return f"{DASHBOARD_COUNT_CAP}+" if counted > DASHBOARD_COUNT_CAP else str(counted)


def today_bounds() -> tuple[datetime, datetime]:
    """Today in the server's time zone, as the admin's own "Today" date filter defines it."""
    midnight = timezone.localtime().replace(hour=0, minute=0, second=0, microsecond=0)
    return midnight, midnight + timedelta(days=1)


def changelist(model: type[Model], **params: str) -> str:
    url = reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_changelist")
    return f"{url}?{urlencode(params)}" if params else url


def dashboard_figures(request: HttpRequest) -> list[Figure]:
    """The counts the operator may see, one query each: the message counts read an index and stop at the cap; the
    chatroom and participant tables are the size of the community, not of its history."""
    user = request.user
    start, end = today_bounds()
    today = {"__gte": str(start), "__lt": str(end)}
    figures = []
    if user.has_perm("chat.view_chatroom"):
        figures.append(Figure("chatrooms", str(Chatroom.objects.count()), changelist(Chatroom)))
    if user.has_perm("chat.view_participant"):
        active = Participant.objects.filter(last_seen_at__gte=start).values("user_id").distinct().count()
        seen_today = {f"last_seen_at{suffix}": value for suffix, value in today.items()}
        figures.append(Figure("people active today", str(active), changelist(Participant, **seen_today)))
    if user.has_perm("chat.view_message"):
        sent_today = {f"sent_at{suffix}": value for suffix, value in today.items()}
        figures.append(
            Figure(
                "messages today",
                capped_count(Message.objects.filter(sent_at__gte=start, sent_at__lt=end)),
                changelist(Message, **sent_today),
            )
        )
        figures.append(
            Figure(
                "hidden messages",
                capped_count(Message.objects.filter(hidden_at__isnull=False)),
                changelist(Message, hidden="yes"),
            )
        )
    return figures


def recent_moderation(request: HttpRequest) -> list[ModerationLog] | None:
    """The newest moderation log rows, or None for an operator who may not read the log."""
    if not request.user.has_perm("chat.view_moderationlog"):
        return None
    rows = ModerationLog.objects.select_related("actor").order_by("-created_at", "-id")
    return list(rows[:DASHBOARD_RECENT_MODERATION])


class ChatsiteAdminSite(admin.AdminSite):
    """Django's admin site under the project's name, its index opening with the dashboard."""

    site_header = "chatsite"
    site_title = "chatsite"
    index_title = "chatsite at a glance"
    # The sidebar repeats the index's model list and takes a quarter of a 1280 px screen from every list.
    enable_nav_sidebar = False

    def index(self, request: HttpRequest, extra_context: dict[str, Any] | None = None) -> TemplateResponse:
        context = {
            "dashboard": dashboard_figures(request),
            "recent_moderation": recent_moderation(request),
            "moderation_log_url": changelist(ModerationLog),
            **(extra_context or {}),
        }
        return super().index(request, context)
