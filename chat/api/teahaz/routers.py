"""The Teahaz router: each endpoint is a ViewSet at `<prefix>/<chatroom_id>`, with or without a trailing slash.

The protocol's shape is not DRF's list-and-detail one: most endpoints answer several methods at the chatroom's id
(a message page and a sent message at `messages/<chatroom_id>`), and only `POST chatroom/` has no id. So each
ViewSet names the actions its two routes map (`chatroom_actions`, `collection_actions`); the URLs are exactly
those of the contract, and a method neither names answers 405 (APPEND_SLASH is off: nothing redirects).
"""

from collections.abc import Mapping
from typing import Any

from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.reverse import reverse
from rest_framework.routers import Route, SimpleRouter
from rest_framework.views import APIView

# A path segment that stands for the chatroom id in the root's listing (the view answers 404 to it).
CHATROOM_PLACEHOLDER = "{chatroom_id}"
QUOTED_PLACEHOLDER = "%7Bchatroom_id%7D"


class TeahazRouter(SimpleRouter):
    """Routes `<prefix>/` and `<prefix>/<chatroom_id>` to the actions each ViewSet names for them."""

    def __init__(self) -> None:
        super().__init__()
        # Every endpoint answers with and without the slash, as the real clients call both.
        self.trailing_slash = "/?"

    def get_routes(self, viewset: Any) -> list[Route]:
        return [
            Route(
                url=r"^{prefix}{trailing_slash}$",
                mapping=dict(getattr(viewset, "collection_actions", {})),
                name="{basename}",
                detail=False,
                initkwargs={},
            ),
            Route(
                url=r"^{prefix}/{lookup}{trailing_slash}$",
                mapping=dict(getattr(viewset, "chatroom_actions", {})),
                name="{basename}-detail",
                detail=True,
                initkwargs={},
            ),
        ]

    def endpoint_names(self) -> dict[str, str]:
        """Each endpoint's URL name, keyed by how the root lists it."""
        names = {}
        for prefix, viewset, basename in self.registry:
            if getattr(viewset, "collection_actions", {}):
                names[prefix] = basename
            if getattr(viewset, "chatroom_actions", {}):
                names[f"{prefix}/{CHATROOM_PLACEHOLDER}"] = f"{basename}-detail"
        return names


class TeahazRootView(APIView):
    """The Teahaz protocol's endpoints; `{chatroom_id}` stands for a chatroom's id.

    Teahaz clients send GET parameters as headers; in a browser, put them in the query string instead
    (`?userID=<your id>&get-method=count`). Log in to a chatroom first (POST to its `login/`) or use the session.
    """

    name = "Teahaz API (v0)"
    # A map of URLs, the same for everyone.
    authentication_classes: list = []
    permission_classes = [AllowAny]
    schema = None
    endpoints: Mapping[str, str] = {}

    def get(self, request: Request) -> Response:
        namespace = request.resolver_match.namespace if request.resolver_match else ""
        listing = {}
        for key, name in self.endpoints.items():
            kwargs = {"chatroom_id": CHATROOM_PLACEHOLDER} if name.endswith("-detail") else {}
            address = reverse(f"{namespace}:{name}" if namespace else name, kwargs=kwargs, request=request)
            listing[key] = address.replace(QUOTED_PLACEHOLDER, CHATROOM_PLACEHOLDER)
        return Response(listing)
