"""`GET /api/v1/events`: the caller's events live, as Server-Sent Events or as a JSON long-poll.

An async Django view (no DRF: its views are synchronous), served by the ASGI server. It authenticates as
the rest of the API does (a bearer token or the session cookie; a GET needs no cross-site check), then
hands the connection to chat/events/streams.py.
"""

import math
from collections.abc import AsyncIterator, Callable
from functools import partial
from importlib import import_module
from types import SimpleNamespace
from typing import Any, cast

import orjson
from django.conf import settings
from django.contrib.auth import get_user
from django.core.handlers.asgi import ASGIRequest
from django.http import HttpRequest, HttpResponse, HttpResponseBase, JsonResponse, StreamingHttpResponse
from rest_framework import exceptions as drf_exceptions
from rest_framework.request import Request

from chat import exceptions as domain
from chat.api.authentication import BearerTokenAuthentication, SessionCookieAuthentication
from chat.api.errors import DOMAIN_STATUS, error_body
from chat.api.schema import ERROR_REF
from chat.events.selectors import EventBatch
from chat.events.streams import Connection, in_thread
from chat.exceptions import Code
from chat.models import AuthToken, User
from chatsite.metrics import ACTIVE_STREAMS

# A cursor is a short string; anything longer is refused before it reaches the log.
CURSOR_MAX_LENGTH = 200
DEFAULT_TIMEOUT = 25.0


def _token_valid(*, token_id: Any) -> bool:
    return AuthToken.objects.valid().filter(pk=token_id, user__is_active=True).exists()


def _session_valid(*, session_key: str | None, user_id: Any) -> bool:
    # A fresh read of the session, as at a new request: logged out, expired or a changed password ends it.
    store = import_module(settings.SESSION_ENGINE).SessionStore(session_key=session_key)
    return get_user(cast(HttpRequest, SimpleNamespace(session=store))).pk == user_id


def authenticate(*, request: HttpRequest) -> tuple[User, Callable[[], bool]]:
    """The caller and a check of whether their credential still holds; NotAuthenticated without one.

    The API's own authentication classes decide, so a token or session is accepted here exactly when the
    rest of the API accepts it (an invalid bearer token is refused even if a session cookie comes too).
    """
    drf_request = Request(request)
    try:
        bearer = BearerTokenAuthentication().authenticate(drf_request)
    except drf_exceptions.AuthenticationFailed as exc:
        raise domain.NotAuthenticated(str(exc.detail), code=Code.INVALID_TOKEN) from exc
    if bearer is not None:
        user, token = bearer
        return user, partial(_token_valid, token_id=token.pk)
    session = SessionCookieAuthentication().authenticate(drf_request)
    if session is not None:
        user = session[0]
        return user, partial(_session_valid, session_key=request.session.session_key, user_id=user.pk)
    raise domain.NotAuthenticated()


def _error(exc: domain.ChatError) -> JsonResponse:
    status = next((code for cls, code in DOMAIN_STATUS.items() if isinstance(exc, cls)), 400)
    response = JsonResponse(error_body(exc.detail, exc.code), status=status)
    if isinstance(exc, domain.Throttled):
        response["Retry-After"] = str(exc.retry_after)
    if isinstance(exc, domain.NotAuthenticated):
        response["WWW-Authenticate"] = "Bearer"
    return response


def _wants_json(request: HttpRequest) -> bool:
    """`format=json` or `format=sse` decides; without it, an Accept of JSON (and not of SSE) asks for JSON."""
    chosen = request.GET.get("format")
    if chosen is not None:
        if chosen not in ("json", "sse"):
            raise domain.Invalid("format is json or sse.", code=Code.INVALID_EVENTS_FORMAT)
        return chosen == "json"
    accept = request.headers.get("Accept", "")
    return "application/json" in accept and "text/event-stream" not in accept


def _cursor(request: HttpRequest) -> str | None:
    """`Last-Event-ID` (what a reconnecting EventSource sends) before `?cursor=`; neither means from now."""
    cursor = request.headers.get("Last-Event-ID") or request.GET.get("cursor") or None
    if cursor is not None and len(cursor) > CURSOR_MAX_LENGTH:
        raise domain.Invalid("Invalid cursor.", code=Code.INVALID_CURSOR)
    return cursor


def _timeout(request: HttpRequest) -> float:
    raw = request.GET.get("timeout")
    if raw is None:
        return DEFAULT_TIMEOUT
    try:
        timeout = float(raw)
    except ValueError:
        timeout = math.nan
    limit = settings.CHAT_EVENTS_POLL_TIMEOUT_MAX_SECONDS
    if not 0 <= timeout <= limit:  # NaN too
        raise domain.Invalid(f"timeout is a number of seconds from 0 to {limit}.", code=Code.INVALID_TIMEOUT)
    return timeout


def _batch_json(batch: EventBatch) -> HttpResponse:
    body = orjson.dumps({"events": batch.events, "cursor": batch.cursor, "resync": batch.resync})
    return HttpResponse(body, content_type="application/json")


async def _counted(frames: AsyncIterator[bytes]) -> AsyncIterator[bytes]:
    ACTIVE_STREAMS.inc()
    try:
        async for frame in frames:
            yield frame
    finally:
        ACTIVE_STREAMS.dec()
        await frames.aclose()  # type: ignore[attr-defined]


def _parameter(name: str, where: str, schema: dict, description: str) -> dict:
    return {"name": name, "in": where, "required": False, "schema": schema, "description": description}


EVENT_SCHEMA = {
    "type": "object",
    "required": ["id", "type", "chatroom", "data"],
    "properties": {
        "id": {"type": "string", "description": "The event's cursor: resume after it with `Last-Event-ID`."},
        "type": {"type": "string", "description": "What changed, such as `message.posted`."},
        "chatroom": {"type": "string", "format": "uuid"},
        "data": {"type": "object", "description": "The v1 representation of what changed."},
    },
}
EVENTS_PATH = {
    "get": {
        "operationId": "v1_events",
        "summary": "Live events",
        "description": (
            "Every change the caller may see, in every chatroom they are in, after a cursor. By default a "
            "Server-Sent Events stream (`text/event-stream`): each event as `id`, `event` (its type) and `data` "
            "(the event as JSON), a `: heartbeat` comment when idle, and a last `resync` event when the cursor is "
            "older than the log keeps or the client fell too far behind: reload through v1, then resume from the "
            "`resync` event's id. With `format=json` (or `Accept: application/json`) a long-poll: the answer comes "
            "as soon as there are events, or empty at the timeout. Served by the ASGI server; at most "
            "`CHAT_EVENTS_STREAMS_PER_USER` open at once per user (429 `too_many_streams`)."
        ),
        "tags": ["v1"],
        "parameters": [
            _parameter(
                "cursor",
                "query",
                {"type": "string", "maxLength": CURSOR_MAX_LENGTH},
                "Resume after this event id; none means from now.",
            ),
            _parameter(
                "Last-Event-ID",
                "header",
                {"type": "string", "maxLength": CURSOR_MAX_LENGTH},
                "As `cursor` (sent by a reconnecting EventSource); it takes precedence.",
            ),
            _parameter(
                "format",
                "query",
                {"type": "string", "enum": ["sse", "json"]},
                "`json` for a long-poll; `sse` (the default unless Accept asks for JSON) for a stream.",
            ),
            _parameter(
                "timeout",
                "query",
                {"type": "number", "minimum": 0, "maximum": 60, "default": DEFAULT_TIMEOUT},
                "A long-poll's longest wait in seconds (the maximum is CHAT_EVENTS_POLL_TIMEOUT_MAX_SECONDS).",
            ),
        ],
        "responses": {
            "200": {
                "description": "The stream, or the long-poll's answer.",
                "content": {
                    "text/event-stream": {"schema": {"type": "string"}},
                    "application/json": {
                        "schema": {
                            "type": "object",
                            "required": ["events", "cursor", "resync"],
                            "properties": {
                                "events": {"type": "array", "items": EVENT_SCHEMA},
                                "cursor": {"type": "string", "description": "Poll again from here."},
                                "resync": {"type": "boolean", "description": "Reload through v1, then poll from here."},
                            },
                        }
                    },
                },
            },
            "405": {"description": "Only GET.", "content": {"application/json": {"schema": ERROR_REF}}},
        },
    }
}


def document_events(result: dict, **kwargs: Any) -> dict:
    """drf-spectacular hook: the event stream is a plain async view, so its path is written out here."""
    result.setdefault("paths", {})["/api/v1/events"] = EVENTS_PATH
    return result


async def events(request: HttpRequest) -> HttpResponseBase:
    """The events the caller may see after a cursor: a stream (SSE) by default, a long-poll as JSON."""
    if request.method != "GET":
        response = JsonResponse(error_body("Only GET.", "method_not_allowed"), status=405)
        response["Allow"] = "GET"
        return response
    if not isinstance(request, ASGIRequest):
        # A synchronous server would hold a worker per stream, or buffer the stream for ever.
        return JsonResponse(
            error_body(
                "The event stream is served by the ASGI server: route /api/v1/events to it.", Code.STREAM_NEEDS_ASGI
            ),
            status=503,
        )
    try:
        wants_json = _wants_json(request)
        timeout = _timeout(request) if wants_json else 0.0
        cursor = _cursor(request)
        user, credentials_valid = await in_thread(authenticate, request=request)
    except domain.ChatError as exc:
        return _error(exc)
    connection = Connection(user=user, credentials_valid=credentials_valid)
    try:
        first = await connection.open(cursor=cursor, listen=wants_json)
        if wants_json:
            first = await connection.long_poll(first, timeout=timeout)
    except domain.ChatError as exc:
        await connection.close()
        return _error(exc)
    except BaseException:  # the client went (cancelled) or the log failed: the slot and listener go too
        await connection.close()
        raise
    if wants_json:
        await connection.close()
        return _batch_json(first)
    # The stream's generator closes the connection when it ends.
    stream = StreamingHttpResponse(_counted(connection.sse(first)), content_type="text/event-stream")
    # No cache may keep it, and no proxy may buffer it (nginx reads X-Accel-Buffering).
    stream["Cache-Control"] = "no-cache"
    stream["X-Accel-Buffering"] = "no"
    return stream
