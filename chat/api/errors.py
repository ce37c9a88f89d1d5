"""Errors of every adapter: domain and framework exceptions become `{"detail", "code"}` with the right status."""

from typing import Any

from django.core.exceptions import PermissionDenied, RequestDataTooBig
from django.http import Http404, HttpRequest, JsonResponse
from rest_framework import exceptions, status
from rest_framework.response import Response

from chat import exceptions as domain
from chat.exceptions import Code

DOMAIN_STATUS = {
    domain.Invalid: status.HTTP_400_BAD_REQUEST,
    domain.NotAuthenticated: status.HTTP_401_UNAUTHORIZED,
    domain.Forbidden: status.HTTP_403_FORBIDDEN,
    domain.NotFound: status.HTTP_404_NOT_FOUND,
    domain.Conflict: status.HTTP_409_CONFLICT,
    domain.TooLarge: status.HTTP_413_REQUEST_ENTITY_TOO_LARGE,
    domain.Throttled: status.HTTP_429_TOO_MANY_REQUESTS,
}


def domain_status(error: domain.ChatError) -> int:
    """The HTTP status of a domain error (400 for one no mapping names)."""
    return next((code for cls, code in DOMAIN_STATUS.items() if isinstance(error, cls)), 400)


def error_body(detail: Any, code: str) -> dict:
    """The one error shape of both protocols."""
    return {"detail": str(detail), "code": code}


def _flatten(detail: Any) -> tuple[str, str]:
    """The first message and code of a DRF error detail, however nested."""
    if isinstance(detail, dict):
        for field, value in detail.items():
            message, code = _flatten(value)
            prefix = "" if field == "non_field_errors" else f"{field}: "
            return prefix + message, code
    if isinstance(detail, list) and detail:
        return _flatten(detail[0])
    return str(detail), getattr(detail, "code", Code.INVALID) or Code.INVALID


def _challenge(context: dict) -> dict[str, str]:
    """The WWW-Authenticate header a 401 must carry: the view's first authentication scheme."""
    request, view = context.get("request"), context.get("view")
    challenge = view.get_authenticate_header(request) if view is not None and request is not None else None
    return {"WWW-Authenticate": challenge} if challenge else {}


def exception_handler(exc: Exception, context: dict) -> Response | None:
    """Turns domain and framework errors into `{"detail", "code"}` with the right status."""
    headers: dict[str, str] = {}
    if isinstance(exc, domain.ChatError):
        # A ChatError of no listed kind is still the caller's fault: 400, never a 500.
        status_code = domain_status(exc)
        if isinstance(exc, domain.Throttled):
            headers["Retry-After"] = str(exc.retry_after)
        if isinstance(exc, domain.NotAuthenticated):
            headers.update(_challenge(context))
        body = error_body(exc.detail, exc.code)
    elif isinstance(exc, RequestDataTooBig):
        status_code, body = 413, error_body("The request body is too large.", Code.TOO_LARGE)
    elif isinstance(exc, Http404):
        status_code, body = 404, error_body("Not found.", Code.NOT_FOUND)
    elif isinstance(exc, PermissionDenied):
        status_code, body = 403, error_body("You do not have permission to do this.", Code.FORBIDDEN)
    elif isinstance(exc, exceptions.APIException):
        status_code = exc.status_code
        if isinstance(exc, exceptions.ValidationError):
            message, code = _flatten(exc.detail)
        else:
            message, code = str(exc.detail), getattr(exc.detail, "code", None) or exc.default_code
        body = error_body(message, code)
        wait = getattr(exc, "wait", None)
        if wait:
            headers["Retry-After"] = str(int(wait))
        if isinstance(exc, (exceptions.NotAuthenticated, exceptions.AuthenticationFailed)):
            status_code = 401
            headers.update(_challenge(context))
    else:
        return None
    from rest_framework.views import set_rollback  # here: rest_framework.views imports this module

    set_rollback()
    return Response(body, status=status_code, headers=headers)


def json_not_found(request: HttpRequest, exception: Exception | None = None) -> JsonResponse:
    """The 404 page: JSON like every other error of this server."""
    return JsonResponse(error_body("Not found.", Code.NOT_FOUND), status=404)


def json_server_error(request: HttpRequest) -> JsonResponse:
    """The 500 page: JSON, and nothing of the cause."""
    return JsonResponse(error_body("Server error.", Code.SERVER_ERROR), status=500)


def json_bad_request(request: HttpRequest, exception: Exception | None = None) -> JsonResponse:
    """The 400 page for requests Django itself refuses (a bad Host header, say)."""
    return JsonResponse(error_body("Bad request.", Code.BAD_REQUEST), status=400)


def json_permission_denied(request: HttpRequest, exception: Exception | None = None) -> JsonResponse:
    """The 403 page."""
    return JsonResponse(error_body("Forbidden.", Code.FORBIDDEN), status=403)
