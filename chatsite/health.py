"""Probes for load balancers and orchestrators: `/healthz` (the process answers) and `/readyz` (it can serve)."""

from collections.abc import Callable

from django.core.cache import cache
from django.db import connection
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.urls import resolve
from django.views.decorators.cache import never_cache

from chatsite.outage import OUTAGE_ERRORS, outage_begin, service_unavailable


@never_cache
def healthz(request: HttpRequest) -> JsonResponse:
    """The process is up and answering; touches neither the database nor the cache."""
    return JsonResponse({"status": "ok"})


@never_cache
def readyz(request: HttpRequest) -> JsonResponse:
    """The database and the cache both answer; 503 with the error body naming the one that does not."""
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
    except OUTAGE_ERRORS as exc:
        outage_begin("database", exc)
        return service_unavailable("database")
    try:
        cache.get("chatsite:readyz")
    except OUTAGE_ERRORS as exc:
        outage_begin("cache", exc)
        return service_unavailable("cache")
    return JsonResponse({"status": "ok", "database": "ok", "cache": "ok"})


# Served before the host check and the HTTPS redirect: see ProbeMiddleware.
PROBE_PATHS = frozenset({"/healthz", "/readyz", "/metrics"})


class ProbeMiddleware:
    """Answers the probes and /metrics whatever the Host header and scheme.

    Load balancers, Docker's healthcheck and Prometheus call an app process by its internal address
    over plain HTTP; ALLOWED_HOSTS and DJANGO_HTTPS's redirect would refuse them.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.path_info not in PROBE_PATHS:
            return self.get_response(request)
        match = resolve(request.path_info)
        request.resolver_match = match
        return match.func(request, *match.args, **match.kwargs)
