"""The Origam API under /chatrooms/Chat/: a router over the two ViewSets, the chatroom list as its root."""

import uuid
from collections.abc import Callable
from typing import Any

from django.urls import URLPattern, URLResolver, path, register_converter
from rest_framework import routers

from chat.api.origam import views


class GuidConverter:
    """A GUID in either letter case (Django's own `uuid` converter takes lower case only)."""

    regex = "[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}"

    def to_python(self, value: str) -> uuid.UUID:
        return uuid.UUID(value)

    def to_url(self, value: uuid.UUID | str) -> str:
        return str(value)


register_converter(GuidConverter, views.ChatroomViewSet.lookup_value_converter)


class OrigamRouter(routers.DefaultRouter):
    """Path routes, each as the client writes it and again with a trailing slash; the chatroom list is the root."""

    include_format_suffixes = False
    root_view_name = "origam-chatrooms"

    def __init__(self) -> None:
        super().__init__(trailing_slash=False, use_regex_path=False)

    def get_urls(self) -> list[URLPattern | URLResolver]:
        """Every route, then the same with a trailing slash: APPEND_SLASH is off, so nothing is ever redirected."""
        urls: list[URLPattern | URLResolver] = []
        for url in super().get_urls():
            urls.append(url)
            # The root's two spellings are the mount's: /chatrooms/Chat/ here, /chatrooms/Chat in chatsite.urls.
            if isinstance(url, URLPattern) and str(url.pattern):
                urls.append(path(f"{url.pattern}/", url.callback))
        return urls

    def endpoints(self) -> tuple[tuple[tuple[str, ...], str], ...]:
        """(methods, path) of every route as `get_urls` builds it, the chatroom id written as its path parameter."""
        found = []
        for prefix, viewset, _basename in self.registry:
            lookup = f"{{{getattr(viewset, 'lookup_field', 'pk')}}}"
            for route in self.get_routes(viewset):
                mapping = self.get_method_map(viewset, route.mapping)
                if mapping:
                    route_path = route.url.format(prefix=prefix, lookup=lookup, trailing_slash="").strip("/")
                    found.append((tuple(method.upper() for method in mapping), route_path))
        return tuple(sorted(found, key=lambda endpoint: endpoint[1]))

    def get_api_root_view(self, api_urls: Any | None = None) -> Callable[..., Any]:
        """The API root answers the caller's chatrooms (the real client lists them there); its page lists the rest."""
        return views.ChatroomListView.as_view(endpoints=self.endpoints())


router = OrigamRouter()
router.register("chatrooms", views.ChatroomViewSet, basename="origam-chatroom")
router.register("", views.CallerViewSet, basename="origam")

urlpatterns = router.urls
# The root as the client writes it, without the slash of the /chatrooms/Chat/ mount: chatsite.urls routes it here.
api_root = router.get_api_root_view()
