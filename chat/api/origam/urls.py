"""The Origam API under /chatrooms/Chat/: each path with and without a trailing slash, ids in either letter case."""

import uuid

from django.urls import URLPattern, path, register_converter

from chat.api.origam import views


class GuidConverter:
    """A GUID in either letter case (Django's own `uuid` converter takes lower case only)."""

    regex = "[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}"

    def to_python(self, value: str) -> uuid.UUID:
        return uuid.UUID(value)

    def to_url(self, value: uuid.UUID | str) -> str:
        return str(value)


register_converter(GuidConverter, "origam_guid")


def both_slashes(route: str, view: type[views.OrigamView], name: str) -> list[URLPattern]:
    """The route as the client writes it and with a trailing slash, so nothing is ever redirected."""
    return [path(route, view.as_view(), name=name), path(f"{route}/", view.as_view())]


ROOM = "chatrooms/<origam_guid:chatroom_id>"

urlpatterns = [
    path("", views.ChatroomListView.as_view(), name="origam-chatrooms"),
    *both_slashes("chatrooms/create", views.ChatroomCreateView, "origam-chatroom-create"),
    *both_slashes("localUser", views.LocalUserView, "origam-local-user"),
    *both_slashes("users/listToInvite", views.ListToInviteView, "origam-list-to-invite"),
    *both_slashes(f"{ROOM}/messages", views.MessagesView, "origam-messages"),
    *both_slashes(f"{ROOM}/info", views.InfoView, "origam-info"),
    *both_slashes(f"{ROOM}/participants", views.ParticipantsView, "origam-participants"),
    *both_slashes(f"{ROOM}/inviteUser", views.InviteUserView, "origam-invite-user"),
    *both_slashes(f"{ROOM}/usersToInvite", views.UsersToInviteView, "origam-users-to-invite"),
    *both_slashes(f"{ROOM}/usersToMention", views.UsersInChatroomView, "origam-users-to-mention"),
    *both_slashes(f"{ROOM}/usersToOutvite", views.UsersInChatroomView, "origam-users-to-outvite"),
    *both_slashes(f"{ROOM}/abandon", views.AbandonView, "origam-abandon"),
    *both_slashes(f"{ROOM}/outviteUser", views.OutviteUserView, "origam-outvite-user"),
    *both_slashes(f"{ROOM}/polledData", views.PolledDataView, "origam-polled-data"),
]
