"""Throttles, counted in the shared cache so that every process sees them: failed log-ins, sign-ups, abuse limits.

Each count is one atomic step (`add` creates the counter, `incr` adds to it: atomic on Redis and on LocMem), and the
decision is taken on the value that step returned. Simultaneous requests each see a different count, so no more of
them pass than the limit allows; a request that is refused gives its place back.
"""

import contextlib
import hashlib
import math
import time
import uuid

from django.conf import settings
from django.core.cache import cache

from chat.exceptions import Code, Throttled


def _key(kind: str, value: str, suffix: str) -> str:
    # Hashed: any username or address makes a short key every cache backend accepts.
    digest = hashlib.sha256(value.encode("utf-8", "surrogatepass")).hexdigest()
    return f"throttle:{kind}:{digest}:{suffix}"


def _incr(key: str, *, timeout: int) -> int:
    """Adds one to the counter, creating it (with its timeout) when this is the first event; the new count."""
    cache.add(key, 0, timeout)
    try:
        return cache.incr(key)
    except ValueError:  # expired between add and incr: this event is the first of a new window
        cache.set(key, 1, timeout)
        return 1


def _decr(key: str) -> None:
    # ValueError: the window ended meanwhile, nothing is left to give back.
    with contextlib.suppress(ValueError):
        cache.decr(key)


def _take(kind: str, value: str, *, limit: int, window: int) -> int | None:
    """Takes one of `limit` places in the window the first event opened; when none is left, the seconds to wait."""
    count_key, start_key = _key(kind, value, "count"), _key(kind, value, "start")
    cache.add(start_key, time.time(), window)
    if _incr(count_key, timeout=window) <= limit:
        return None
    _decr(count_key)
    started = cache.get(start_key) or time.time()
    return int(started + window - time.time()) + 1


def _give_back(kind: str, value: str) -> None:
    _decr(_key(kind, value, "count"))


def _login_limits(*, username: str, address: str) -> list[tuple[str, str, int]]:
    return [
        ("login-account", username.strip().lower(), settings.CHAT_LOGIN_FAILURES_PER_ACCOUNT),
        ("login-address", address or "unknown", settings.CHAT_LOGIN_FAILURES_PER_ADDRESS),
    ]


def login_attempt_take(*, username: str, address: str) -> None:
    """Takes a place for one log-in attempt of the account and of the address, or raises Throttled.

    The place stays taken when the attempt fails (it counts as a failure) and is given back by
    `login_attempt_succeeded`: so at most the limit of wrong passwords is ever tried, however many arrive at once.
    """
    window = settings.CHAT_LOGIN_FAILURE_WINDOW_SECONDS
    taken: list[tuple[str, str]] = []
    for kind, value, limit in _login_limits(username=username, address=address):
        retry_after = _take(kind, value, limit=limit, window=window)
        if retry_after is not None:
            for taken_kind, taken_value in taken:
                _give_back(taken_kind, taken_value)
            raise Throttled("Too many failed log-ins. Try again later.", retry_after=retry_after)
        taken.append((kind, value))


def login_attempt_succeeded(*, username: str, address: str) -> None:
    """Gives back the places a successful log-in attempt took: only failures count."""
    for kind, value, _limit in _login_limits(username=username, address=address):
        _give_back(kind, value)


def login_failure_record(*, username: str, address: str) -> None:
    """Counts one failed log-in found after the attempt itself succeeded (a right password, no membership)."""
    window = settings.CHAT_LOGIN_FAILURE_WINDOW_SECONDS
    for kind, value, _limit in _login_limits(username=username, address=address):
        cache.add(_key(kind, value, "start"), time.time(), window)
        _incr(_key(kind, value, "count"), timeout=window)


def signup_take(*, address: str) -> None:
    """Takes one of the CHAT_SIGNUPS_PER_ADDRESS accounts an address may create in the window, or raises Throttled."""
    retry_after = _take(
        "signup",
        address or "unknown",
        limit=settings.CHAT_SIGNUPS_PER_ADDRESS,
        window=settings.CHAT_SIGNUP_WINDOW_SECONDS,
    )
    if retry_after is not None:
        raise Throttled("Too many new accounts from this address. Try again later.", retry_after=retry_after)


def signup_give_back(*, address: str) -> None:
    """Gives back the place of a sign-up that created no account."""
    _give_back("signup", address or "unknown")


def _sliding_take(kind: str, value: str, *, limit: int, window: int) -> tuple[str, int | None]:
    """Takes a place under `limit` events per sliding `window`: the counter it took it in, and when no place was
    left (none taken), the seconds to wait.

    Two fixed windows, the previous one weighted by how much of it the sliding window still covers: a burst of
    `limit`, then about `limit / window` a second sustained. Only the current window's counter is written.
    """
    now = time.time()
    index, elapsed = divmod(now, window)
    current_key = _key(kind, value, f"w{int(index)}")
    previous = cache.get(_key(kind, value, f"w{int(index) - 1}")) or 0
    count = _incr(current_key, timeout=2 * window)
    covered = 1 - elapsed / window
    if previous * covered + count <= limit:
        return current_key, None
    _decr(current_key)
    excess = previous * covered + count - limit
    if previous and excess <= previous * covered:
        # The previous window's share shrinks by previous/window each second.
        return current_key, math.ceil(excess * window / previous)
    return current_key, math.ceil(window - elapsed + window / limit)


def rate_limit_hit(*, scope: str, user_id: uuid.UUID | None, address: str) -> None:
    """Counts one act of `scope` (CHAT_RATE_LIMITS) for the user and for the address, or raises Throttled (429).

    Called by every adapter right before the service the act runs, so each protocol is limited once and alike.
    """
    if not settings.CHAT_RATE_LIMITS_ENABLED:
        return
    limits = settings.CHAT_RATE_LIMITS[scope]
    taken: list[str] = []
    for kind, value in (("user", str(user_id) if user_id else None), ("address", address or "unknown")):
        if value is None or kind not in limits:
            continue
        limit, window = limits[kind]
        key, retry_after = _sliding_take(f"rate-{scope}-{kind}", value, limit=limit, window=window)
        if retry_after is not None:
            for taken_key in taken:
                _decr(taken_key)
            raise Throttled("Too many requests. Try again later.", retry_after=retry_after, code=Code.RATE_LIMITED)
        taken.append(key)


def search_limit_hit(*, search_phrase: str, user_id: uuid.UUID | None, address: str) -> None:
    """A search (a phrase given: a scan no index serves) counts against the `search` limit; a plain page does not."""
    if search_phrase:
        rate_limit_hit(scope="search", user_id=user_id, address=address)
