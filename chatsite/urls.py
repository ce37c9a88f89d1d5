"""The URL map: the admin, accounts, the token endpoint, the schema and its docs pages, probes and metrics, the APIs."""

from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path, re_path

from chat.api.origam.avatars import avatar
from chat.api.origam.urls import api_root as origam_api_root
from chat.api.teahaz import urls as teahaz_urls
from chat.api.tokens import TokenView
from chat.web import views as web_views
from chatsite import docs, health, metrics

handler400 = "chat.api.errors.json_bad_request"
handler403 = "chat.api.errors.json_permission_denied"
handler404 = "chat.api.errors.json_not_found"
handler500 = "chatsite.outage.server_error"

urlpatterns = [
    # The APIs every open client polls come first: Django tries the patterns in turn, and no pattern below shares
    # their prefixes. The Teahaz protocol at /api/v0/ (where the real clients look), Origam, then v1.
    path("api/v0/", include((teahaz_urls.v0_urlpatterns, "teahaz"), namespace="teahaz-v0")),
    path("chatrooms/Chat/", include("chat.api.origam.urls")),
    path("api/v1/", include("chat.api.v1.urls")),
    path("", web_views.front, name="home"),
    path("chat/<uuid:chatroom_id>/", web_views.chatroom, name="web-chatroom"),
    path("join/<str:invite_id>", web_views.join, name="web-join"),
    path("accounts/signup/", web_views.signup, name="web-signup"),
    path("accounts/profile/", web_views.profile, name="web-profile"),
    path("accounts/password_change/", auth_views.PasswordChangeView.as_view(), name="password_change"),
    path("accounts/password_change/done/", auth_views.PasswordChangeDoneView.as_view(), name="password_change_done"),
    path("healthz", health.healthz, name="healthz"),
    path("readyz", health.readyz, name="readyz"),
    path("metrics", metrics.metrics_view, name="metrics"),
    path("admin/", admin.site.urls),
    path("accounts/login/", auth_views.LoginView.as_view(), name="login"),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("api/auth/token", TokenView.as_view(), name="auth-token"),
    path("api/auth/token/", TokenView.as_view()),
    path("api/schema/", docs.SchemaView.as_view(), name="schema"),
    path("api/docs/", docs.SwaggerView.as_view(), name="swagger-ui"),
    path("api/redoc/", docs.RedocView.as_view(), name="redoc"),
    path("api-auth/", include("rest_framework.urls")),
    # The Origam chat protocol's API root (fixed by the real client), its avatars, and its client build.
    path("chatrooms/Chat", origam_api_root),
    re_path(r"^chatrooms/Avatar/(?P<user_id>[^/]+)/?\Z", avatar, name="origam-avatar"),
    path("", include("chat.web.urls")),
    # The Teahaz protocol at the server root too (its /api/v0/ is first, above).
    path("", include(("chat.api.teahaz.urls", "teahaz"), namespace="teahaz")),
]
