"""Throttles of failed log-ins and of sign-ups, counted in the shared cache so every process sees them."""

import hashlib
import time

from django.conf import settings
from django.core.cache import cache

from chat.exceptions import Throttled


def _keys(kind: str, value: str) -> tuple[str, str]:
    # Hashed: any username or address makes a short key every cache backend accepts.
    digest = hashlib.sha256(value.encode("utf-8", "surrogatepass")).hexdigest()
    return f"login-fail:{kind}:{digest}:count", f"login-fail:{kind}:{digest}:start"


def _limits(*, username: str, address: str) -> list[tuple[str, str, int]]:
    return [
        ("account", username.strip().lower(), settings.CHAT_LOGIN_FAILURES_PER_ACCOUNT),
        ("address", address or "unknown", settings.CHAT_LOGIN_FAILURES_PER_ADDRESS),
    ]


def _retry_after(kind: str, value: str, *, limit: int, window: int) -> int | None:
    """Seconds until the window frees up, when `limit` events were already counted in it; else None."""
    count_key, start_key = _keys(kind, value)
    if (cache.get(count_key) or 0) < limit:
        return None
    started = cache.get(start_key) or time.time()
    return int(started + window - time.time()) + 1


def _count(kind: str, value: str, *, window: int) -> None:
    """Counts one event in the window that the first event opened."""
    count_key, start_key = _keys(kind, value)
    cache.add(start_key, time.time(), window)
    cache.add(count_key, 0, window)
    try:
        cache.incr(count_key)
    except ValueError:  # expired between add and incr
        cache.set(count_key, 1, window)


def login_throttle_check(*, username: str, address: str) -> None:
    """Raises Throttled while the account or the address has used up its failures in the window."""
    window = settings.CHAT_LOGIN_FAILURE_WINDOW_SECONDS
    for kind, value, limit in _limits(username=username, address=address):
        retry_after = _retry_after(kind, value, limit=limit, window=window)
        if retry_after is not None:
            raise Throttled("Too many failed log-ins. Try again later.", retry_after=retry_after)


def login_failure_record(*, username: str, address: str) -> None:
    """Counts one failed log-in against the account and against the address."""
    for kind, value, _limit in _limits(username=username, address=address):
        _count(kind, value, window=settings.CHAT_LOGIN_FAILURE_WINDOW_SECONDS)


def signup_throttle_check(*, address: str) -> None:
    """Raises Throttled once an address has created CHAT_SIGNUPS_PER_ADDRESS accounts in the window."""
    retry_after = _retry_after(
        "signup",
        address or "unknown",
        limit=settings.CHAT_SIGNUPS_PER_ADDRESS,
        window=settings.CHAT_SIGNUP_WINDOW_SECONDS,
    )
    if retry_after is not None:
        raise Throttled("Too many new accounts from this address. Try again later.", retry_after=retry_after)


def signup_record(*, address: str) -> None:
    """Counts one account created from the address."""
    _count("signup", address or "unknown", window=settings.CHAT_SIGNUP_WINDOW_SECONDS)
