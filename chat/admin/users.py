"""Users: Django's user admin with the chat profile."""

from django.contrib import admin
from django.contrib.auth.admin import UserAdmin
from django.contrib.auth.forms import AdminUserCreationForm
from django.contrib.auth.models import Group
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.html import format_html

from chat.admin.base import operator, timestamp
from chat.models import User
from chat.services.accounts import users_delete

# Nothing in chatsite gives permissions by group: the operator grants them per user.
admin.site.unregister(Group)


def hex_colour(user: User) -> str:
    return f"#{user.color_r:02x}{user.color_g:02x}{user.color_b:02x}"


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
    list_display = ("username", "display_name", "swatch", "email", "active", "staff", "joined")
    list_display_links = ("username",)
    list_filter = ("is_staff", "is_superuser", "is_active")
    search_fields = ("username", "display_name", "email")

    joined = timestamp("date_joined", "joined", date_only=True)

    @admin.display(description="colour")
    def colour(self, user: User) -> str:
        return format_html("{} {}", self.swatch(user), hex_colour(user))

    @admin.display(description="colour")
    def swatch(self, user: User) -> str:
        # An SVG swatch: its fill is an attribute, not a style, so the site's CSP (no inline style) lets it show.
        return format_html(
            '<svg width="14" height="14" viewBox="0 0 14 14" role="img" aria-label="{}"><title>{}</title>'
            '<rect x=".5" y=".5" width="13" height="13" fill="{}" stroke="#888"/></svg>',
            hex_colour(user),
            hex_colour(user),
            hex_colour(user),
        )

    @admin.display(boolean=True, description="active", ordering="is_active")
    def active(self, user: User) -> bool:
        return user.is_active

    @admin.display(boolean=True, description="staff", ordering="is_staff")
    def staff(self, user: User) -> bool:
        return user.is_staff

    def delete_model(self, request: HttpRequest, obj: User) -> None:
        self.delete_queryset(request, User.objects.filter(pk=obj.pk))

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet) -> None:
        users_delete(users=queryset, actor=operator(request))
