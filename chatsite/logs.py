"""Logs: a request id in every line of a request and in its `X-Request-ID` header; JSON lines on demand."""

import json
import logging
import re
import uuid
from collections.abc import Callable
from contextvars import ContextVar
from datetime import UTC, datetime

from django.http import HttpRequest, HttpResponse

# A proxy's or client's id is kept when it looks like one (a UUID, a hex string, nginx's $request_id);
# anything else (too long, spaces, control characters) could forge log lines, so a new one is made.
REQUEST_ID_PATTERN = re.compile(r"[A-Za-z0-9._-]{8,128}")

request_id: ContextVar[str] = ContextVar("request_id", default="-")


class RequestIdMiddleware:
    """Takes a well-formed incoming `X-Request-ID` or makes one, for the logs and the response."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        incoming = request.META.get("HTTP_X_REQUEST_ID", "")
        value = incoming if REQUEST_ID_PATTERN.fullmatch(incoming) else uuid.uuid4().hex
        request.request_id = value  # type: ignore[attr-defined]
        # Kept until the response is closed (see request_id_clear): Django logs 4xx and 5xx answers after
        # the middleware chain has returned.
        request_id.set(value)
        response = self.get_response(request)
        response["X-Request-ID"] = value
        return response


def request_id_clear(**kwargs: object) -> None:
    """`request_finished` receiver: lines logged between requests carry no stale id."""
    request_id.set("-")


class RequestIdFilter(logging.Filter):
    """Puts the current request's id on every record (`-` outside a request)."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.request_id = request_id.get()
        return True


class JSONFormatter(logging.Formatter):
    """One JSON object a line: time, level, logger, message, request id, and the traceback if any."""

    def format(self, record: logging.LogRecord) -> str:
        entry = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
            "request_id": getattr(record, "request_id", "-"),
        }
        status = getattr(record, "status_code", None)
        if status is not None:
            entry["status"] = status
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        return json.dumps(entry, ensure_ascii=False)
