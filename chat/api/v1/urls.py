"""The v1 router: every resource under /api/v1/, listed at its root."""

from django.urls import path
from rest_framework.routers import APIRootView, DefaultRouter

from chat.api.v1 import events, views


class V1RootView(APIRootView):
    """The project's own REST API: follow a link to a resource; each page says what it holds and who may change it."""

    name = "chatsite API v1"


class V1Router(DefaultRouter):
    """DRF's router, with a root page titled for this API."""

    APIRootView = V1RootView
    root_view_name = "v1-root"


router = V1Router()
router.register("me", views.MeViewSet, basename="v1-me")
router.register("chatrooms", views.ChatroomViewSet, basename="v1-chatroom")
router.register("channels", views.ChannelViewSet, basename="v1-channel")
router.register("participants", views.ParticipantViewSet, basename="v1-participant")
router.register("messages", views.MessageViewSet, basename="v1-message")
router.register("invites", views.InviteViewSet, basename="v1-invite")
router.register("users", views.UserViewSet, basename="v1-user")

# The event stream is a plain async view beside the router's resources.
urlpatterns = [path("events", events.events, name="v1-events"), *router.urls]
