"""Cached reads of the request prologue (who is calling, their access to a chatroom), and what invalidates them.

Every entry is stored beside the version it was built under; a version key names what the entry depends on (a
chatroom, a token) and gets a new random value from the service that changes that thing (at once and again after
commit). A read fetches
the entry and the current version in one cache round trip and answers the entry only when the two agree, so:

- with a shared cache (`REDIS_URL`), a change takes effect at once in every process;
- with the per-process cache, another process answers its own entry for at most CHAT_ACCESS_CACHE_SECONDS.

The version is read before the database, so an entry built from rows that a writer changed in the meantime
carries the old version and is refused by the next read. Caches never outvote the database: writes (any request
but GET, HEAD and OPTIONS) authenticate and enter from the database, and `0` turns the cache off.
"""

import uuid
from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING, TypeVar

from django.conf import settings
from django.core.cache import cache
from django.db import transaction

if TYPE_CHECKING:
    from datetime import datetime

    from chat.models import Participant

T = TypeVar("T")

# How long an entry lives where the shared cache checks its version on every read: the bound on stale answers is
# then only the time a version bump takes to reach Redis. Version keys outlive every entry.
_SHARED_ENTRY_SECONDS = 60
_VERSION_SECONDS = 24 * 3600


def cache_is_shared() -> bool:
    """Whether every app process reads the same cache (Redis), so that a version bump reaches all of them."""
    return bool(settings.REDIS_URL)


def _entry_seconds() -> int:
    if not settings.CHAT_ACCESS_CACHE_SECONDS:
        return 0
    return _SHARED_ENTRY_SECONDS if cache_is_shared() else settings.CHAT_ACCESS_CACHE_SECONDS


def room_version_key(chatroom_id: uuid.UUID) -> str:
    return f"chat:v:room:{chatroom_id}"


def token_version_key(key_hash: str) -> str:
    return f"chat:v:token:{key_hash}"


def access_key(*, user_id: uuid.UUID, chatroom_id: uuid.UUID) -> str:
    return f"chat:access:{user_id}:{chatroom_id}"


def token_key(key_hash: str) -> str:
    return f"chat:token:{key_hash}"


def participants_key(chatroom_id: uuid.UUID) -> str:
    return f"chat:participants:{chatroom_id}"


def versioned(*, key: str, version_key: str, build: Callable[[], T | None]) -> T | None:
    """The entry under `key` if it was built under the current version, else `build()` (stored unless None)."""
    seconds = _entry_seconds()
    if not seconds:
        return build()
    found = cache.get_many([key, version_key])
    version, entry = found.get(version_key), found.get(key)
    if version is not None and entry is not None and entry[0] == version:
        return entry[1]
    if version is None:
        # First read since the version was bumped away or expired: give it one, whichever process wins.
        cache.add(version_key, uuid.uuid4().hex, timeout=_VERSION_SECONDS)
        version = cache.get(version_key)
    value = build()
    if value is not None and version is not None:
        cache.set(key, (version, value), timeout=seconds)
    return value


def _bump(keys: list[str]) -> None:
    """New versions now and again after commit: an entry built in between, from rows read before the commit,
    carries the first and is refused after the second (so is one built while the change rolls back: a miss)."""
    if not keys:
        return

    def bump() -> None:
        cache.set_many({key: uuid.uuid4().hex for key in keys}, timeout=_VERSION_SECONDS)

    bump()
    if transaction.get_connection().in_atomic_block:
        transaction.on_commit(bump)


def room_changed(*, chatroom_id: uuid.UUID) -> None:
    """Every cached access to this chatroom is stale (its members, roles, channels, grants or name changed)."""
    _bump([room_version_key(chatroom_id)])


def tokens_changed(*, key_hashes: Iterable[str]) -> None:
    """These tokens' cached checks are stale (revoked, or their user changed)."""
    _bump([token_version_key(key_hash) for key_hash in key_hashes])


def access_refresh(*, participant: "Participant") -> None:
    """Copies the participant's presence and read marker, just written, into their cached access (if any).

    The entry keeps the version it was built under, so a change to the chatroom in the meantime still refuses it.
    """
    if not _entry_seconds():
        return
    key = access_key(user_id=participant.user_id, chatroom_id=participant.chatroom_id)
    entry = cache.get(key)
    if entry is None:
        return
    version, access = entry
    access.participant.last_seen_at = participant.last_seen_at
    access.participant.last_read_at = participant.last_read_at
    cache.set(key, (version, access), timeout=_entry_seconds())


def participants_seen(*, chatroom_id: uuid.UUID, user_id: uuid.UUID, last_seen_at: "datetime") -> None:
    """Copies a participant's presence, just written, into the chatroom's cached participant rows (if any).

    Two processes writing presence at once may each put back the other's older time; the next write (at most one
    presence interval later) corrects it, and presence shows minutes, not seconds.
    """
    if not _entry_seconds():
        return
    key = participants_key(chatroom_id)
    entry = cache.get(key)
    if entry is None:
        return
    version, rows = entry
    for row in rows:
        if row["user_id"] == user_id:
            row["last_seen_at"] = last_seen_at
    cache.set(key, (version, rows), timeout=_entry_seconds())
