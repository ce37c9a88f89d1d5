"""The JSON renderer of every adapter."""

from collections.abc import Mapping
from typing import Any

import orjson
from rest_framework.renderers import JSONRenderer


class ORJSONRenderer(JSONRenderer):
    """Renders JSON with orjson: UUIDs and timezone-aware datetimes (with their offset) natively."""

    def render(
        self, data: Any, accepted_media_type: str | None = None, renderer_context: Mapping[str, Any] | None = None
    ) -> bytes:
        if data is None:
            return b""
        return orjson.dumps(data, default=str, option=orjson.OPT_NON_STR_KEYS)
