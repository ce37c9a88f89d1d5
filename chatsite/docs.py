"""The API's documentation pages and its schema: Swagger UI, ReDoc and the OpenAPI document, all served offline.

The pages load their scripts and styles from this server (drf-spectacular-sidecar's copies, under /static/) and
run no inline script: Swagger UI's start-up script is a separate request (`?script`), so the site's
Content-Security-Policy holds as it is. ReDoc draws its styles at run time as `<style>` elements and runs its
search in a worker it builds from a `blob:` URL, so its page alone may use inline styles and blob workers (never
inline scripts). ReDoc's bundle also shows its maker's logo from their CDN: the policy blocks that image (the page
asks nothing of another site) and ReDoc then leaves it out.
"""

from typing import Any

from csp.constants import UNSAFE_INLINE
from csp.decorators import csp_update
from django.utils.decorators import method_decorator
from drf_spectacular.views import SpectacularAPIView, SpectacularRedocView, SpectacularSwaggerSplitView
from rest_framework.request import Request
from rest_framework.response import Response

# What a browser's address bar asks for names text/html; API clients and tools ask for YAML or JSON (or */*).
_BROWSER_MEDIA_TYPE = "text/html"
# How a browser is sent each schema format: shown as text, never downloaded as an unknown type.
_SHOWN_AS = {"yaml": "text/plain; charset=utf-8", "json": "application/json"}


class SchemaView(SpectacularAPIView):
    """The OpenAPI schema of every way in: YAML, or JSON with `?format=json` or `Accept: application/json`.

    Opened in a browser it is shown as text (YAML) or as JSON, not downloaded.
    """

    def finalize_response(self, request: Request, response: Response, *args: Any, **kwargs: Any) -> Response:
        response = super().finalize_response(request, response, *args, **kwargs)
        renderer = getattr(response, "accepted_renderer", None)
        shown_as = _SHOWN_AS.get(getattr(renderer, "format", ""))
        if shown_as and response.status_code == 200 and _BROWSER_MEDIA_TYPE in request.headers.get("Accept", ""):
            response.content_type = shown_as
        return response


class SwaggerView(SpectacularSwaggerSplitView):
    """Swagger UI over the schema: every operation, with "Try it out" as the logged-in user."""

    template_name = "docs/swagger_ui.html"
    title = "chatsite API: Swagger UI"


@method_decorator(csp_update({"style-src": [UNSAFE_INLINE], "worker-src": ["blob:"]}), name="dispatch")
class RedocView(SpectacularRedocView):
    """ReDoc over the schema: the whole API as one readable page."""

    template_name = "docs/redoc.html"
    title = "chatsite API: ReDoc"
