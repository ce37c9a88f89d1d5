"""Teahaz request parameters: GET parameters travel as headers (query string as fallback), ids, times, counts."""

import math
import re
import uuid
from datetime import UTC, datetime

from rest_framework.request import Request

from chat.exceptions import Code, Invalid, NotFound

# The range of datetimes every database and Python can hold: 1970-01-01 up to the end of year 9999.
MAX_EPOCH = 253402300799.0
MESSAGES_DEFAULT_COUNT = 10
MESSAGES_MAX_COUNT = 100
_INTEGER = re.compile(r"\s*([+-]?)([0-9]+)\s*")


def get_param(request: Request, name: str) -> str | None:
    """A GET parameter: the request header of that name first, the query-string parameter second."""
    value = request.headers.get(name)
    if value is None or not value.strip():
        value = request.query_params.get(name)
    if value is None or not value.strip():
        return None
    return value.strip()


def as_uuid(raw: object) -> uuid.UUID | None:
    """The one place the Teahaz adapter reads a UUID from what a client sent (either letter case); else None."""
    if not isinstance(raw, str):
        return None
    try:
        return uuid.UUID(raw)
    except ValueError:
        return None


def path_uuid(raw: str) -> uuid.UUID:
    """An id from the URL path; anything that is not a UUID names nothing (404)."""
    value = as_uuid(raw)
    if value is None:
        raise NotFound("Chatroom not found.", code=Code.CHATROOM_NOT_FOUND)
    return value


def param_uuid(raw: str, *, name: str) -> uuid.UUID:
    """An id from a header or body: a malformed one is invalid input (400)."""
    value = as_uuid(raw)
    if value is None:
        raise Invalid(f"{name} must be a UUID.", code=Code(f"invalid_{name}"))
    return value


def param_epoch(raw: str, *, name: str) -> datetime:
    """A time as float seconds since the Unix epoch (UTC, microseconds), within the years 1970 to 9999."""
    try:
        value = float(raw)
    except ValueError:
        raise Invalid(f"{name} must be seconds since the Unix epoch.", code=Code(f"invalid_{name}")) from None
    if not math.isfinite(value) or not 0 <= value <= MAX_EPOCH:
        raise Invalid(
            f"{name} must be seconds since the Unix epoch, from 0 to {MAX_EPOCH:.0f}.", code=Code(f"invalid_{name}")
        )
    return datetime.fromtimestamp(value, tz=UTC)


def param_integer(raw: str, *, name: str) -> int:
    """A whole number; one of more than six digits stands for 10**6 (every limit here is far below it)."""
    match = _INTEGER.fullmatch(raw)
    if match is None:
        raise Invalid(f"{name} must be an integer.", code=Code(f"invalid_{name}"))
    sign, digits = match.groups()
    digits = digits.lstrip("0") or "0"
    value = 10**6 if len(digits) > 6 else int(digits)
    return -value if sign == "-" else value


def param_count(raw: str | None) -> int:
    """How many messages `get-method: count` answers: 10 by default, 1..100, more is cut to 100."""
    if raw is None:
        return MESSAGES_DEFAULT_COUNT
    count = param_integer(raw, name="count")
    if count < 1:
        raise Invalid("count must be at least 1.", code=Code.INVALID_COUNT)
    return min(count, MESSAGES_MAX_COUNT)


def epoch(value: datetime) -> float:
    """A datetime as float seconds since the Unix epoch (exact to the microsecond for any current time)."""
    return value.timestamp()
