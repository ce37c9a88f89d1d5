"""Teahaz endpoints, mounted at "" and at "api/v0/": each answers with and without a trailing slash, never redirects."""

from django.urls import re_path

from chat.api.teahaz import views

# Any path segment: the view answers 404 (as JSON) for one that is not a UUID.
CHATROOM = r"(?P<chatroom_id>[^/]+)"

urlpatterns = [
    re_path(r"^chatroom/?$", views.ChatroomCreateView.as_view(), name="chatroom"),
    re_path(rf"^chatroom/{CHATROOM}/?$", views.ChatroomDetailView.as_view(), name="chatroom-detail"),
    re_path(rf"^login/{CHATROOM}/?$", views.LoginView.as_view(), name="login"),
    re_path(rf"^users/{CHATROOM}/?$", views.UsersView.as_view(), name="users"),
    re_path(rf"^channels/{CHATROOM}/?$", views.ChannelsView.as_view(), name="channels"),
    re_path(rf"^messages/{CHATROOM}/?$", views.MessagesView.as_view(), name="messages"),
    re_path(rf"^invites/{CHATROOM}/?$", views.InvitesView.as_view(), name="invites"),
    re_path(rf"^files/{CHATROOM}/?$", views.FilesView.as_view(), name="files"),
]
