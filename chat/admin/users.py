"""Users: Django's user admin with the chat profile."""

from django.contrib import admin
from django.contrib.auth.admin import UserAdmin
from django.contrib.auth.forms import AdminUserCreationForm
from django.contrib.auth.models import Group
from django.db import transaction
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.html import format_html

from chat.models import Participant, User
from chat.services.participants import participant_remove


# Nothing in chatsite gives permissions by group: the operator grants them per user.
admin.site.unregister(Group)


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
        ("Permissions", {"fields": ("is_active", "is_staff", "is_superuser", "user_permissions")}),
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
        # An SVG swatch: its fill is an attribute, not a style, so the site's CSP (no inline style) lets it show.
        return format_html(
            '<svg width="14" height="14" viewBox="0 0 14 14" aria-hidden="true">'
            '<rect x=".5" y=".5" width="13" height="13" fill="{}" stroke="#888"/></svg> {}',
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
