"""The request body parser of every adapter."""

from collections.abc import Mapping
from typing import Any

from rest_framework import exceptions
from rest_framework.parsers import JSONParser

from chat.exceptions import Code


class JSONBodyParser(JSONParser):
    """JSON bodies; one nested too deeply for the decoder is a parse error (400), not a crash."""

    def parse(self, stream: Any, media_type: str | None = None, parser_context: Mapping[str, Any] | None = None) -> Any:
        try:
            return super().parse(stream, media_type, parser_context)
        except RecursionError:
            raise exceptions.ParseError("The JSON body is nested too deeply.", code=Code.PARSE_ERROR) from None
