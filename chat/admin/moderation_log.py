"""The trail: who did what to whom, when and why."""

from django.contrib import admin
from django.http import HttpRequest

from chat.admin.base import ChatroomFilter, CheapCountPaginator, cut, shortened, timestamp
from chat.models import ModerationLog


@admin.register(ModerationLog)
class ModerationLogAdmin(admin.ModelAdmin):
    """Who did what to whom, when and why: written only by the services, read-only here."""

    # The target names its chatroom already; the chatroom is a filter.
    list_display = ("when", "who", "action", "target", "short_reason")
    list_display_links = ("when",)
    list_select_related = ("actor", "chatroom")
    list_filter = ("action", ChatroomFilter, ("created_at", admin.DateFieldListFilter))
    search_fields = ("target", "reason", "actor__username")
    ordering = ("-created_at", "-id")
    show_full_result_count = False
    paginator = CheapCountPaginator

    when = timestamp("created_at", "when")
    who = shortened("actor", "actor", ordering="actor__username", length=20)

    @admin.display(description="reason")
    def short_reason(self, log: ModerationLog) -> str:
        return cut(log.reason, 60)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: ModerationLog | None = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: ModerationLog | None = None) -> bool:
        return False
