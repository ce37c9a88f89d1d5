"""What both protocol adapters share: authentication, the cross-site rule, errors, JSON."""

from typing import Any
from urllib.parse import urlsplit

import orjson
from django.conf import settings
from django.core.exceptions import PermissionDenied, RequestDataTooBig
from django.http import Http404, HttpRequest, JsonResponse
from django.utils.http import is_same_domain
from rest_framework import exceptions, status
from rest_framework.authentication import BaseAuthentication, SessionAuthentication
from rest_framework.parsers import JSONParser
from rest_framework.renderers import JSONRenderer
from rest_framework.request import Request
from rest_framework.response import Response

from chat import exceptions as domain
from chat.models import AuthToken, User
from chat.services.tokens import token_check

DOMAIN_STATUS = {
    domain.Invalid: status.HTTP_400_BAD_REQUEST,
    domain.NotAuthenticated: status.HTTP_401_UNAUTHORIZED,
    domain.Forbidden: status.HTTP_403_FORBIDDEN,
    domain.NotFound: status.HTTP_404_NOT_FOUND,
    domain.Conflict: status.HTTP_409_CONFLICT,
    domain.TooLarge: status.HTTP_413_REQUEST_ENTITY_TOO_LARGE,
    domain.Throttled: status.HTTP_429_TOO_MANY_REQUESTS,
}


class JSONBodyParser(JSONParser):
    """JSON bodies; one nested too deeply for the decoder is a parse error (400), not a crash."""

    def parse(self, stream: Any, media_type: str | None = None, parser_context: dict | None = None) -> Any:
        try:
            return super().parse(stream, media_type, parser_context)
        except RecursionError:
            raise exceptions.ParseError("The JSON body is nested too deeply.", code="parse_error") from None


class ORJSONRenderer(JSONRenderer):
    """Renders JSON with orjson: UUIDs and timezone-aware datetimes (with their offset) natively."""

    def render(self, data: Any, accepted_media_type: str | None = None, renderer_context: dict | None = None) -> bytes:
        if data is None:
            return b""
        return orjson.dumps(data, default=str, option=orjson.OPT_NON_STR_KEYS)


def client_address(request: HttpRequest) -> str:
    """The caller's address: the proxy's X-Forwarded-For only when the operator says to trust it."""
    if settings.CHAT_TRUST_X_FORWARDED_FOR:
        # The last entry is the one our proxy added; the ones before it are whatever the client claimed.
        forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")[-1].strip()
        if forwarded:
            return forwarded
    return request.META.get("REMOTE_ADDR", "") or "unknown"


def _origin_of(url: str) -> str | None:
    parts = urlsplit(url)
    if not parts.scheme or not parts.netloc:
        return None
    return f"{parts.scheme}://{parts.netloc}".lower()


def _trusted(origin: str, own: str) -> bool:
    """This server, or an entry of CSRF_TRUSTED_ORIGINS read as Django's CSRF check reads it (`*.` subdomains)."""
    if origin == own:
        return True
    scheme, _, netloc = origin.partition("://")
    for item in settings.CSRF_TRUSTED_ORIGINS:
        item = item.lower().rstrip("/")
        if origin == item:
            return True
        trusted_scheme, _, trusted_netloc = item.partition("://")
        if "*" in trusted_netloc and scheme == trusted_scheme and is_same_domain(netloc, trusted_netloc.lstrip("*")):
            return True
    return False


def enforce_cross_site_rule(request: HttpRequest) -> None:
    """A cookie-authenticated write must be JSON (else 415) from this server or a trusted origin (else 403)."""
    if request.method in ("GET", "HEAD", "OPTIONS", "TRACE"):
        return
    content_type = request.META.get("CONTENT_TYPE", "").split(";")[0].strip().lower()
    try:
        has_body = int(request.META.get("CONTENT_LENGTH") or 0) != 0
    except ValueError:
        has_body = True  # a length that is not a number: assume the worst
    # Only a body needs to be JSON: a bodyless DELETE is harmless, and wsgiref (runserver) labels it text/plain.
    if has_body and content_type != "application/json":
        raise exceptions.UnsupportedMediaType(content_type or "none")
    origin = request.META.get("HTTP_ORIGIN") or None
    if origin is None and request.META.get("HTTP_REFERER"):
        origin = _origin_of(request.META["HTTP_REFERER"]) or "null"
    if origin is None:
        return  # neither header: not a browser page, nothing ambient to abuse
    own = f"{request.scheme}://{request.get_host()}".lower()
    if not _trusted(origin.lower().rstrip("/"), own):
        raise exceptions.PermissionDenied(
            detail=exceptions.ErrorDetail("Cross-site request refused.", code="cross_site_refused")
        )


def refuse_cross_site_navigation(request: Request) -> None:
    """A GET that creates something (Teahaz invites) is refused when a browser sent it from another site.

    Browsers mark every request with `Sec-Fetch-Site`; a link on a foreign page clicked by a logged-in admin
    arrives as `cross-site` and carries the SameSite=Lax cookie. Clients that are not browsers send no such header.
    """
    if request.META.get("HTTP_SEC_FETCH_SITE", "").lower() == "cross-site":
        raise exceptions.PermissionDenied(
            detail=exceptions.ErrorDetail("Cross-site request refused.", code="cross_site_refused")
        )


class BearerTokenAuthentication(BaseAuthentication):
    """`Authorization: Bearer <token>`: an API token issued by /api/auth/token or by an operator."""

    keyword = "Bearer"

    def authenticate(self, request: Request) -> tuple[User, AuthToken] | None:
        header = request.META.get("HTTP_AUTHORIZATION", "")
        if not header:
            return None
        keyword, _, raw = header.partition(" ")
        if keyword.lower() != self.keyword.lower():
            return None
        token = token_check(raw=raw.strip())
        if token is None:
            raise exceptions.AuthenticationFailed(
                detail=exceptions.ErrorDetail("Invalid or expired token.", code="invalid_token")
            )
        return token.user, token

    def authenticate_header(self, request: Request) -> str:
        return self.keyword


class SessionCookieAuthentication(SessionAuthentication):
    """The Django session cookie, with the cross-site rule in place of the CSRF token check."""

    def enforce_csrf(self, request: Request) -> None:
        enforce_cross_site_rule(request._request)

    def authenticate_header(self, request: Request) -> str:
        # Answering 401 (not 403) when nobody is logged in needs a WWW-Authenticate challenge.
        return 'Session realm="chatsite"'


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
    return str(detail), getattr(detail, "code", "invalid") or "invalid"


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
        status_code = next((code for cls, code in DOMAIN_STATUS.items() if isinstance(exc, cls)), 400)
        if isinstance(exc, domain.Throttled):
            headers["Retry-After"] = str(exc.retry_after)
        if isinstance(exc, domain.NotAuthenticated):
            headers.update(_challenge(context))
        body = error_body(exc.detail, exc.code)
    elif isinstance(exc, RequestDataTooBig):
        status_code, body = 413, error_body("The request body is too large.", "too_large")
    elif isinstance(exc, Http404):
        status_code, body = 404, error_body("Not found.", "not_found")
    elif isinstance(exc, PermissionDenied):
        status_code, body = 403, error_body("You do not have permission to do this.", "forbidden")
    elif isinstance(exc, exceptions.APIException):
        status_code = exc.status_code
        if isinstance(exc, exceptions.ValidationError):
            message, code = _flatten(exc.detail)
        else:
            message, code = str(exc.detail), getattr(exc.detail, "code", None) or exc.default_code
        body = error_body(message, code)
        if getattr(exc, "wait", None):
            headers["Retry-After"] = str(int(exc.wait))
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
    return JsonResponse(error_body("Not found.", "not_found"), status=404)


def json_server_error(request: HttpRequest) -> JsonResponse:
    """The 500 page: JSON, and nothing of the cause."""
    return JsonResponse(error_body("Server error.", "server_error"), status=500)


def json_bad_request(request: HttpRequest, exception: Exception | None = None) -> JsonResponse:
    """The 400 page for requests Django itself refuses (a bad Host header, say)."""
    return JsonResponse(error_body("Bad request.", "bad_request"), status=400)


def json_permission_denied(request: HttpRequest, exception: Exception | None = None) -> JsonResponse:
    """The 403 page."""
    return JsonResponse(error_body("Forbidden.", "forbidden"), status=403)
