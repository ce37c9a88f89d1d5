"""The browsable API: DRF's HTML pages for every way in, readable and with a JSON form for every write.

JSON clients never meet this module: the JSON renderer stays the compact orjson one, and only these pages indent
their JSON. The pages' header, title and breadcrumbs are drawn by `templates/rest_framework/api.html`.
"""

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

import orjson
from django import forms
from django.http import HttpRequest
from drf_spectacular.drainage import GENERATOR_STATS
from rest_framework import serializers
from rest_framework.fields import empty
from rest_framework.renderers import BrowsableAPIRenderer as DRFBrowsableAPIRenderer
from rest_framework.request import override_method
from rest_framework.utils import formatting

if TYPE_CHECKING:
    # Only for the annotations: rest_framework.views reads the renderer setting while it is imported.
    from rest_framework.views import APIView

# Methods whose form carries a body (DELETE and OPTIONS are buttons).
BODY_METHODS = ("POST", "PUT", "PATCH")


def view_name(view: "APIView") -> str:
    """A page's title and breadcrumb: the view's own `name`, else what it holds ("Chatrooms", "Chatroom").

    A ViewSet's list route is named in the plural (or by its `list_name`), its item route in the singular.
    """
    name = getattr(view, "name", None)
    if name:
        return name
    base = view.__class__.__name__
    for ending in ("ViewSet", "View"):
        base = formatting.remove_trailing_string(base, ending)
    base = formatting.camelcase_to_spaces(base)
    if getattr(view, "suffix", None) == "List":
        return getattr(view, "list_name", None) or f"{base}s"
    return base


def _handler(view: "APIView", method: str) -> Any:
    """The function that answers the method: the ViewSet action it is mapped to, else the view's method."""
    action_map: Mapping[str, str] = getattr(view, "action_map", None) or {}
    return getattr(view, action_map.get(method.lower(), method.lower()), None)


def _documented_body(view: "APIView", method: str) -> serializers.Serializer | None:
    """The request body the schema documents for the method (`extend_schema(request=...)`), as a serializer."""
    schema_class = getattr(_handler(view, method), "kwargs", {}).get("schema")
    if schema_class is None:
        return None
    schema = schema_class()
    schema.view = view
    schema.method = method
    # Without `request=`, drf-spectacular guesses from the view and reports a failed guess: here that is no form.
    with GENERATOR_STATS.silence():
        body = schema.get_request_serializer()
    if isinstance(body, type) and issubclass(body, serializers.Serializer):
        return body()
    if isinstance(body, serializers.Serializer) and not isinstance(body, serializers.ListSerializer):
        return body.__class__()
    return None


def _body_serializer(view: "APIView", method: str, instance: Any) -> serializers.Serializer | None:
    """The serializer that describes the method's body: the view's own, else the one its schema documents."""
    if hasattr(view, "get_serializer"):
        serializer = view.get_serializer(instance=instance) if method in ("PUT", "PATCH") else view.get_serializer()
        return None if isinstance(serializer, serializers.ListSerializer) else serializer
    documented = _documented_body(view, method)
    serializer_class = getattr(view, "serializer_class", None)
    if documented is None and serializer_class is not None:
        return serializer_class(context={"request": view.request, "view": view})
    return documented


def form_initial(view: "APIView", method: str, request: HttpRequest, instance: Any, shown: Any = None) -> dict | None:
    """The JSON body a write's form starts with, ready to send once the required fields are filled; None if unknown.

    Required fields start blank, optional ones at their default (or null); an optional field with neither is
    left out. An edit (PUT, PATCH) starts from the values the page shows, where the answer has them; a new
    object (POST) from the page's filters that name a field of the body (`?chatroom=`).

    A view may add what it knows of the caller with `browsable_initial(request, fields=...)` (the Teahaz
    endpoints name the caller in `userID`, which their permission reads from the body).
    """
    serializer = _body_serializer(view, method, instance)
    if serializer is None:
        return None
    data = {}
    for name, field in serializer.fields.items():
        if field.read_only or isinstance(field, serializers.HiddenField):
            continue
        if field.required:
            data[name] = field.get_initial()
        elif field.default is not empty:
            data[name] = field.get_default()
        elif field.allow_null:
            data[name] = None
        # An optional field with neither a default nor null is left out: a blank value could be refused.
    if method in ("PUT", "PATCH") and isinstance(shown, Mapping):
        data.update({name: shown[name] for name in data if name in shown})
    elif method == "POST":
        # A list filtered by a field of the body (`?chatroom=`) creates in the same place.
        query = getattr(request, "query_params", {})
        data.update({name: query[name] for name in data if query.get(name)})
    known = getattr(view, "browsable_initial", None)
    if known is not None:
        data.update(known(request, fields=set(serializer.fields)))
    return data


def _as_json(data: Any) -> str:
    return orjson.dumps(data, default=str, option=orjson.OPT_INDENT_2 | orjson.OPT_NON_STR_KEYS).decode()


class BrowsableAPIRenderer(DRFBrowsableAPIRenderer):
    """DRF's HTML pages with indented JSON, a JSON form for every write the caller may make, and no repeated crumb.

    Every parser of this server reads JSON only (a cookie-authenticated write must be JSON, see the cross-site
    rule), so DRF's HTML forms could never be sent: each write gets DRF's raw-data form, filled with the body the
    serializer (or the schema) describes.
    """

    def get_content(
        self, renderer: Any, data: Any, accepted_media_type: str | None, renderer_context: Mapping[str, Any]
    ) -> str:
        if data is None or getattr(renderer, "format", None) != "json":
            return super().get_content(renderer, data, accepted_media_type, dict(renderer_context))
        return _as_json(data)

    def get_raw_data_form(self, data: Any, view: "APIView", method: str, request: Any) -> forms.Form | None:
        if method not in view.allowed_methods:
            return None
        serializer = getattr(data, "serializer", None)
        instance = None if getattr(serializer, "many", False) else getattr(serializer, "instance", None)
        with override_method(view, request, method) as probe:
            initial = form_initial(view, method, probe, instance, data) if method in BODY_METHODS else None
            if initial is not None:
                # A permission that reads the body (the Teahaz userID) judges the form as it would be sent.
                probe._full_data = initial  # type: ignore[attr-defined]
            if not self.show_form_for_method(view, method, probe, instance):
                return None
            media_types = [parser.media_type for parser in view.parser_classes]
            content = _as_json(initial) if initial is not None else None

            class GenericContentForm(forms.Form):
                _content_type = forms.ChoiceField(
                    label="Media type",
                    choices=[(media_type, media_type) for media_type in media_types],
                    initial=media_types[0],
                    widget=forms.Select(attrs={"data-override": "content-type"}),
                )
                _content = forms.CharField(
                    label="Content",
                    widget=forms.Textarea(attrs={"data-override": "content"}),
                    initial=content,
                    required=False,
                )

            return GenericContentForm()

    def get_breadcrumbs(self, request: Any) -> list[tuple[str, str]]:
        """DRF's breadcrumbs, less a crumb that repeats the one before it (a root reached with and without `/`)."""
        crumbs: list[tuple[str, str]] = []
        for name, url in super().get_breadcrumbs(request):
            if not crumbs or crumbs[-1][0] != name:
                crumbs.append((name, url))
        return crumbs
