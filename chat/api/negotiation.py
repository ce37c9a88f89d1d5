"""DRF's content negotiation, answered at once for the clients that poll."""

from collections.abc import Iterable
from typing import Any

from rest_framework.negotiation import DefaultContentNegotiation
from rest_framework.renderers import BaseRenderer
from rest_framework.request import Request

# What the real clients send (or nothing, which means `*/*`), each naming the first renderer, JSON.
_PLAIN_ACCEPT = frozenset({"*/*", "application/json", "application/json, text/plain, */*"})


class ContentNegotiation(DefaultContentNegotiation):
    """A request without a format override whose `Accept` is one of the plain ones gets the first renderer without
    parsing the header; DRF's negotiation, which chooses the same, decides every other (a browser's HTML, `?format=`,
    a 406). It cost about a twentieth of an idle poll."""

    def select_renderer(
        self, request: Request, renderers: Iterable[BaseRenderer], format_suffix: str | None = None
    ) -> tuple[BaseRenderer, str] | Any:
        renderers = list(renderers)
        if (
            format_suffix is None
            and renderers
            and renderers[0].media_type == "application/json"
            and request.META.get("HTTP_ACCEPT", "*/*") in _PLAIN_ACCEPT
            and self.settings.URL_FORMAT_OVERRIDE not in request.query_params
        ):
            return renderers[0], renderers[0].media_type
        return super().select_renderer(request, renderers, format_suffix)
