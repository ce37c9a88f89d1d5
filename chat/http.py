"""Facts about an HTTP request that chat/ itself needs (the throttles, the log-in backend), free of any adapter."""

from django.conf import settings
from django.http import HttpRequest


def client_address(request: HttpRequest) -> str:
    """The caller's address: the proxy's X-Forwarded-For only when the operator says to trust it."""
    if settings.CHAT_TRUST_X_FORWARDED_FOR:
        # The last entry is the one our proxy added; the ones before it are whatever the client claimed.
        forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")[-1].strip()
        if forwarded:
            return forwarded
    return request.META.get("REMOTE_ADDR", "") or "unknown"
