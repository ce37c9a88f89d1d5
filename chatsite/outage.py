"""The database or the cache unreachable: 503 with Retry-After, one log line per outage, recovery on its own.

A request that hits an outage error answers `{"detail", "code": "service_unavailable"}`; the first one
logs a warning, later ones during the same outage log nothing; once requests succeed again each
process notices the service is back and logs its recovery. Connections recover by themselves:
Django drops a connection that failed at the end of its request and opens a new one on the next.
"""

import logging
import sys
import threading
import time
from collections.abc import Callable

from django.conf import settings
from django.core.cache import cache
from django.db import InterfaceError, OperationalError, connection
from django.http import HttpRequest, HttpResponse, JsonResponse
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError

from chat.api.errors import error_body, json_server_error
from chat.exceptions import Code

logger = logging.getLogger("chatsite.outage")

DATABASE_ERRORS: tuple[type[Exception], ...] = (OperationalError, InterfaceError)
CACHE_ERRORS: tuple[type[Exception], ...] = (RedisConnectionError, RedisTimeoutError)
OUTAGE_ERRORS = DATABASE_ERRORS + CACHE_ERRORS

_lock = threading.Lock()
# Service ("database", "cache") -> when this process first saw it fail.
_down_since: dict[str, float] = {}
# When this process last asked an unreachable cache whether it is back.
_cache_probed_at = 0.0


def service_of(exc: BaseException) -> str | None:
    """Which service an exception says is unreachable, or None for any other error."""
    if isinstance(exc, DATABASE_ERRORS):
        return "database"
    if isinstance(exc, CACHE_ERRORS):
        return "cache"
    return None


def outage_begin(service: str, exc: BaseException) -> None:
    """Logs the first failure of an outage (without a traceback); later ones are silent."""
    with _lock:
        if service in _down_since:
            return
        _down_since[service] = time.monotonic()
    first_line = (str(exc).strip().splitlines() or [""])[0]
    logger.warning(
        "The %s is unreachable (%s: %s); answering 503 until it returns.", service, type(exc).__name__, first_line
    )


def _reachable(service: str) -> bool:
    """Whether a failed service answers again, without making requests wait on one that does not.

    The database counts as back when the request that just succeeded holds an open connection (it
    connected, or reused one that works); nothing is probed, so while the host is unreachable no
    request waits for a connection timeout it did not need. The cache is probed, at most once per
    Retry-After interval per process.
    """
    if service == "database":
        return connection.connection is not None
    global _cache_probed_at
    now = time.monotonic()
    if now - _cache_probed_at < settings.CHAT_OUTAGE_RETRY_AFTER_SECONDS:
        return False
    _cache_probed_at = now
    try:
        cache.get("chatsite:outage-probe")
    except CACHE_ERRORS:
        return False
    return True


def outage_check_recovery() -> None:
    """During an outage, after a request that did not fail, checks each failed service and logs its return."""
    for service in list(_down_since):
        if _reachable(service):
            with _lock:
                since = _down_since.pop(service, None)
            if since is not None:
                logger.warning("The %s is reachable again after %.0f s.", service, time.monotonic() - since)


def service_unavailable(service: str) -> JsonResponse:
    """The 503 answer: the usual error body and a Retry-After."""
    response = JsonResponse(
        error_body(
            f"The service is unavailable: its {service} cannot be reached. Try again later.", Code.SERVICE_UNAVAILABLE
        ),
        status=503,
    )
    response["Retry-After"] = str(settings.CHAT_OUTAGE_RETRY_AFTER_SECONDS)
    # Logged once per outage by outage_begin; Django must not log every such answer with a traceback.
    response._has_been_logged = True  # type: ignore[attr-defined]
    return response


class OutageMiddleware:
    """A view that fails because the database or the cache is unreachable answers 503, not 500."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if _down_since and response.status_code != 503:
            outage_check_recovery()
        return response

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        service = service_of(exception)
        if service is None:
            return None
        outage_begin(service, exception)
        return service_unavailable(service)


def server_error(request: HttpRequest) -> HttpResponse:
    """The 500 handler: an outage error raised outside a view (a middleware saving the session) is a 503 too."""
    exc = sys.exc_info()[1]
    service = service_of(exc) if exc is not None else None
    if service is None:
        return json_server_error(request)
    outage_begin(service, exc)  # type: ignore[arg-type]
    return service_unavailable(service)
