"""Teahaz endpoints, mounted at "" and at "api/v0/": each answers with and without a trailing slash, never redirects.

At "api/v0/" the mount's root lists the endpoints (the browsable API starts there); at the server root, "" is the
home page.
"""

from django.urls import path

from chat.api.teahaz import views
from chat.api.teahaz.routers import TeahazRootView, TeahazRouter

router = TeahazRouter()
router.register("chatroom", views.ChatroomViewSet, basename="chatroom")
router.register("login", views.LoginViewSet, basename="login")
router.register("users", views.UsersViewSet, basename="users")
router.register("channels", views.ChannelsViewSet, basename="channels")
router.register("messages", views.MessagesViewSet, basename="messages")
router.register("invites", views.InvitesViewSet, basename="invites")
router.register("files", views.FilesViewSet, basename="files")

urlpatterns = router.urls
v0_urlpatterns = [
    path("", TeahazRootView.as_view(endpoints=router.endpoint_names()), name="root"),
    *urlpatterns,
]
