"""Request bodies at the WSGI edge: chunked bodies read, oversized ones answered 413 before the connection closes.

Django reads a body by its Content-Length, so a chunked body (no Content-Length) would look empty.
Gunicorn decodes chunked bodies and marks the stream `wsgi.input_terminated`; such a body is read here
(up to the limit) and handed on with its length. A server that cannot (runserver's wsgiref) gets 411.

A body over the limit is answered 413 without being parsed, but it is first read and thrown away
(up to CHAT_REQUEST_DRAIN_BYTES): closing a socket with unread data makes the kernel reset the
connection, and the client would see a broken pipe instead of the answer.
"""

import io
from collections.abc import Callable, Iterable
from typing import Any

import orjson
from django.conf import settings

from chat.exceptions import Code

StartResponse = Callable[..., Any]
WSGIApp = Callable[[dict[str, Any], StartResponse], Iterable[bytes]]

READ_SIZE = 64 * 1024


def _answer(start_response: StartResponse, status: str, detail: str, code: Code) -> list[bytes]:
    body = orjson.dumps({"detail": detail, "code": code})
    start_response(
        status,
        [("Content-Type", "application/json"), ("Content-Length", str(len(body))), ("Connection", "close")],
    )
    return [body]


def _drain(stream: Any, limit: int) -> None:
    """Reads and discards up to `limit` bytes (the stream ends the read earlier at the body's end)."""
    while limit > 0:
        chunk = stream.read(min(READ_SIZE, limit))
        if not chunk:
            return
        limit -= len(chunk)


class RequestBodyLimits:
    """WSGI middleware: the request body limit (CHAT_REQUEST_MAX_BYTES) and chunked transfer encoding."""

    def __init__(self, app: WSGIApp) -> None:
        self.app = app

    def __call__(self, environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        limit = settings.CHAT_REQUEST_MAX_BYTES
        too_large = f"The request body is larger than {limit} bytes."
        stream = environ["wsgi.input"]
        if "chunked" in environ.get("HTTP_TRANSFER_ENCODING", "").lower():
            if not environ.get("wsgi.input_terminated"):
                return _answer(
                    start_response,
                    "411 Length Required",
                    "This server cannot read a chunked body here; send Content-Length.",
                    Code.LENGTH_REQUIRED,
                )
            body = stream.read(limit + 1)
            if len(body) > limit:
                _drain(stream, settings.CHAT_REQUEST_DRAIN_BYTES)
                return _answer(start_response, "413 Request Entity Too Large", too_large, Code.TOO_LARGE)
            environ["wsgi.input"] = io.BytesIO(body)
            environ["CONTENT_LENGTH"] = str(len(body))
            return self.app(environ, start_response)
        try:
            length = int(environ.get("CONTENT_LENGTH") or 0)
        except ValueError:
            return _answer(
                start_response, "400 Bad Request", "The Content-Length is not a number.", Code.INVALID_CONTENT_LENGTH
            )
        if length > limit:
            _drain(stream, min(length, settings.CHAT_REQUEST_DRAIN_BYTES))
            return _answer(start_response, "413 Request Entity Too Large", too_large, Code.TOO_LARGE)
        return self.app(environ, start_response)
