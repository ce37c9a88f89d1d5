"""Cached reads of the request prologue (who is calling, their access to a chatroom), and what invalidates them.

Every entry is stored beside the version it was built under; a version key names what the entry depends on (a
chatroom, a token) and gets a new random value from the service that changes that thing (at once and again after
commit). A read fetches the entry and the current version in one cache round trip and answers the entry only
when the two agree, so:

- with a shared cache (`REDIS_URL`), a change takes effect at once in every process;
- with the per-process cache, another process answers its own entry for at most CHAT_ACCESS_CACHE_SECONDS.

Each process keeps a copy of the entries it read (`_copies`) and, while the version and the entry's stamp in
the cache still match it, answers that copy without fetching and unpickling the entry again.

The version is read before the database, so an entry built from rows that a writer changed in the meantime
carries the old version and is refused by the next read. Caches never outvote the database: writes (any request
but GET, HEAD and OPTIONS) authenticate and enter from the database, and `0` turns the cache off.
"""

import uuid
from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING, TypeVar, cast

from django.conf import settings
from django.core.cache import cache
from django.db import transaction
from django.db.models import Model
from django.db.models.base import ModelState

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


M = TypeVar("M", bound="Model")


def model_copy(instance: M) -> M:
    """A shallow copy of a model instance: its own field values and state (what `copy.copy` gives, for less)."""
    state = ModelState()
    state.__dict__.update(instance._state.__dict__)
    if "fields_cache" in state.__dict__:
        state.fields_cache = dict(state.fields_cache)
    copied = instance.__class__.__new__(instance.__class__)
    copied.__dict__.update(instance.__dict__)
    copied._state = state
    return copied


def _stamp_key(key: str) -> str:
    return f"{key}:stamp"


# This process's copies of the entries it read last: (version, stamp, value) by key. A read checks the version and
# the entry's stamp in the cache (two short strings) and answers its copy while both agree, instead of fetching
# and unpickling the whole entry (a chatroom's participant list, a user) on every request.
_copies: dict[str, tuple[str, str, object]] = {}
_COPIES_MAX = 10_000


def _store(key: str, version: str, value: object, *, seconds: int) -> None:
    """Writes an entry under a new stamp, which tells every process that its copy is not this entry."""
    stamp = uuid.uuid4().hex
    cache.set_many({key: (version, stamp, value), _stamp_key(key): stamp}, timeout=seconds)
    _remember(key, version, stamp, value)


def _remember(key: str, version: str, stamp: str, value: object) -> None:
    if len(_copies) >= _COPIES_MAX:
        _copies.clear()
    _copies[key] = (version, stamp, value)


def versioned(*, key: str, version_key: str, build: Callable[[], T | None], copy: Callable[[T], T]) -> T | None:
    """The entry under `key` if it was built under the current version, else `build()` (stored unless None).

    This process keeps the entry it read last and answers `copy(entry)` while the cache says that entry is still
    current: callers may change what they are given, never the entry kept here.
    """
    seconds = _entry_seconds()
    if not seconds:
        return build()
    kept = _copies.get(key)
    if kept is not None:
        found = cache.get_many([version_key, _stamp_key(key)])
        if found.get(version_key) == kept[0] and found.get(_stamp_key(key)) == kept[1]:
            return copy(cast(T, kept[2]))
    found = cache.get_many([key, version_key])
    version, entry = found.get(version_key), found.get(key)
    if version is not None and entry is not None and entry[0] == version:
        _remember(key, *entry)
        return copy(entry[2])
    if version is None:
        # First read since the version was bumped away or expired: give it one, whichever process wins.
        cache.add(version_key, uuid.uuid4().hex, timeout=_VERSION_SECONDS)
        version = cache.get(version_key)
    value = build()
    if value is not None and version is not None:
        _store(key, version, value, seconds=seconds)
        return copy(value)
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
    version, _stamp, access = entry
    access.participant.last_seen_at = participant.last_seen_at
    access.participant.last_read_at = participant.last_read_at
    _store(key, version, access, seconds=_entry_seconds())


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
    version, _stamp, rows = entry
    rows = [{**row, "last_seen_at": last_seen_at} if row["user_id"] == user_id else row for row in rows]
    _store(key, version, rows, seconds=_entry_seconds())
