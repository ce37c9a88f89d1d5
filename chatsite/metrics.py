"""Prometheus metrics: requests, latency, database queries, messages posted, streams; and `/metrics`.

Under gunicorn each worker is a process of its own, so with `PROMETHEUS_MULTIPROC_DIR` set
prometheus-client keeps every worker's samples in files there and `/metrics` adds them up
(`deploy/gunicorn.conf.py` empties the folder at start and forgets each worker that exits).
"""

import ipaddress
import os
import time
from collections.abc import Callable
from contextlib import ExitStack
from functools import lru_cache
from typing import Any

from django.conf import settings
from django.db import connections, transaction
from django.db.models.signals import post_save
from django.http import HttpRequest, HttpResponse
from prometheus_client import (
    CONTENT_TYPE_LATEST,
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    generate_latest,
    multiprocess,
)

from chat.api.errors import json_not_found
from chat.http import client_address

REQUESTS = Counter(
    "chatsite_http_requests_total",
    "HTTP requests answered, by URL pattern and status.",
    ["method", "endpoint", "status"],
)
LATENCY = Histogram(
    "chatsite_http_request_duration_seconds",
    "Time from the request reaching Django to its response, by URL pattern.",
    ["method", "endpoint"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0),
)
QUERIES = Counter(
    "chatsite_db_queries_total", "Database queries run while answering requests, by URL pattern.", ["endpoint"]
)
MESSAGES_POSTED = Counter("chatsite_messages_posted_total", "Messages stored (counted once their transaction commits).")
# Counted by the event stream (chat/api/v1/events.py) in the ASGI server's process: 0 under gunicorn.
ACTIVE_STREAMS = Gauge("chatsite_active_streams", "Event streams open now.", multiprocess_mode="livesum")

# Requests matching no URL pattern share one label, so a scanner cannot grow the series without bound.
UNMATCHED = "<unmatched>"


def _endpoint(request: HttpRequest) -> str:
    match = getattr(request, "resolver_match", None)
    if match is None:
        return UNMATCHED
    return "/" + match.route if match.route else (match.view_name or UNMATCHED)


class MetricsMiddleware:
    """Counts each request by URL pattern and status, times it, and counts its database queries."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        queries = 0

        def count(execute: Callable[..., Any], sql: str, params: Any, many: bool, context: dict) -> Any:
            nonlocal queries
            queries += 1
            return execute(sql, params, many, context)

        started = time.perf_counter()
        with ExitStack() as stack:
            for alias in connections:
                stack.enter_context(connections[alias].execute_wrapper(count))
            response = self.get_response(request)
        endpoint = _endpoint(request)
        LATENCY.labels(request.method, endpoint).observe(time.perf_counter() - started)
        REQUESTS.labels(request.method, endpoint, str(response.status_code)).inc()
        if queries:
            QUERIES.labels(endpoint).inc(queries)
        return response


def count_message_posted(sender: type, instance: Any, created: bool, **kwargs: Any) -> None:
    """A new message row counts once its transaction commits (a rolled-back send never does)."""
    if created and not kwargs.get("raw"):
        transaction.on_commit(MESSAGES_POSTED.inc, using=kwargs.get("using"))


def connect_signals() -> None:
    from chat.models import Message

    post_save.connect(count_message_posted, sender=Message, dispatch_uid="chatsite.metrics.messages_posted")


@lru_cache(maxsize=8)
def _networks(allowed: tuple[str, ...]) -> tuple[ipaddress.IPv4Network | ipaddress.IPv6Network, ...]:
    return tuple(ipaddress.ip_network(item, strict=False) for item in allowed)


def metrics_allowed(address: str) -> bool:
    """Whether the caller's address is inside one of METRICS_ALLOWED_NETWORKS."""
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return False
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    return any(ip in network for network in _networks(tuple(settings.METRICS_ALLOWED_NETWORKS)))


def metrics_view(request: HttpRequest) -> HttpResponse:
    """The Prometheus exposition; a caller from outside the allowed networks sees a plain 404."""
    if not metrics_allowed(client_address(request)):
        return json_not_found(request)
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        registry = CollectorRegistry()
        multiprocess.MultiProcessCollector(registry)
        return HttpResponse(generate_latest(registry), content_type=CONTENT_TYPE_LATEST)
    return HttpResponse(generate_latest(), content_type=CONTENT_TYPE_LATEST)
