"""The cross-site rule for cookie-authenticated requests (the README explains it under "Cross-site requests")."""

from urllib.parse import urlsplit

from django.conf import settings
from django.http import HttpRequest
from django.utils.http import is_same_domain
from rest_framework import exceptions
from rest_framework.request import Request

from chat.exceptions import Code


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
            detail=exceptions.ErrorDetail("Cross-site request refused.", code=Code.CROSS_SITE_REFUSED)
        )


def refuse_cross_site_navigation(request: Request) -> None:
    """A GET that creates something (Teahaz invites) is refused when a browser sent it from another site.

    Browsers mark every request with `Sec-Fetch-Site`; a link on a foreign page clicked by a logged-in admin
    arrives as `cross-site` and carries the SameSite=Lax cookie. Clients that are not browsers send no such header.
    """
    if request.META.get("HTTP_SEC_FETCH_SITE", "").lower() == "cross-site":
        raise exceptions.PermissionDenied(
            detail=exceptions.ErrorDetail("Cross-site request refused.", code=Code.CROSS_SITE_REFUSED)
        )
