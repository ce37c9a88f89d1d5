"""Bearer tokens and Teahaz log-ins: issued once, revoked in bulk."""

from typing import Any, cast

from django import forms
from django.contrib import admin
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.template.response import TemplateResponse

from chat.admin.base import CheapCountPaginator, ModerationAdmin, adopt, operator, shortened, timestamp
from chat.models import AuthToken, AuthTokenQuerySet
from chat.services.tokens import OPERATOR_TOKEN_MAX_DAYS, token_issue_by_operator, token_revoke_by_operator


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
        if self.value() == "valid":
            return cast(AuthTokenQuerySet, queryset).valid()
        if self.value() == "expired":
            return cast(AuthTokenQuerySet, queryset).expired()
        if self.value() == "revoked":
            return cast(AuthTokenQuerySet, queryset).revoked()
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

    # Revoked or expired shows as not valid; the state filter tells them apart.
    list_display = ("holder", "room", "short_name", "created", "expires", "valid")
    list_display_links = ("holder",)
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

    holder = shortened("user", "user", ordering="user__username", length=24)
    room = shortened("chatroom", "chatroom", ordering="chatroom__name", length=24)
    short_name = shortened("name", "name", length=40)
    created = timestamp("created_at", "created")
    expires = timestamp("expires_at", "expires")

    @admin.display(boolean=True, description="valid")
    def valid(self, token: AuthToken) -> bool:
        return token.is_valid

    def has_change_permission(self, request: HttpRequest, obj: AuthToken | None = None) -> bool:
        return False

    def get_form(
        self, request: HttpRequest, obj: AuthToken | None = None, change: bool = False, **kwargs: Any
    ) -> type[forms.ModelForm]:
        if obj is None:
            kwargs["form"] = TokenIssueForm
        return super().get_form(request, obj, change, **kwargs)

    def get_fields(self, request: HttpRequest, obj: AuthToken | None = None) -> tuple[str, ...]:
        return ("user", "name", "days") if obj is None else self.fields

    def get_readonly_fields(self, request: HttpRequest, obj: AuthToken | None = None) -> tuple[str, ...]:
        return () if obj is None else self.fields

    def save_model(self, request: HttpRequest, obj: AuthToken, form: forms.Form, change: bool) -> None:
        raw, token = token_issue_by_operator(
            user=form.cleaned_data["user"],
            actor=operator(request),
            name=form.cleaned_data["name"] or f"issued in the admin by {request.user}",
            ttl_seconds=form.cleaned_data["days"] * 86400,
        )
        adopt(obj, token)
        # response_add shows it; the admin gives it no other way from save_model to there.
        request._issued_raw_token = raw  # type: ignore[attr-defined]

    def response_add(self, request: HttpRequest, obj: AuthToken, post_url_continue: str | None = None) -> HttpResponse:
        context = {
            **self.admin_site.each_context(request),
            "title": "Token issued",
            "opts": self.opts,
            "token": obj,
            "raw_token": request._issued_raw_token,  # type: ignore[attr-defined]
        }
        response = TemplateResponse(request, "admin/chat/authtoken/issued.html", context)
        # The raw value is shown this once: no cache may keep it.
        response["Cache-Control"] = "no-store"
        return response

    @admin.action(description="Revoke selected tokens", permissions=["moderate"])
    def revoke_tokens(self, request: HttpRequest, queryset: QuerySet) -> None:
        if self.too_many(request, queryset):
            return
        tokens = cast(AuthTokenQuerySet, queryset).unrevoked().select_related("user", "chatroom")
        self.apply_each(
            request, tokens, lambda token: token_revoke_by_operator(token=token, actor=operator(request)), "Revoked"
        )
