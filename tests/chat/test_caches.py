"""The versioned cache in one process: the copy it keeps is answered only while the cache says it is current."""

import pytest
from django.core.cache import cache

from chat import caches

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _clean():
    cache.clear()
    caches._copies.clear()
    yield
    cache.clear()
    caches._copies.clear()


def read(builds: list, *, value=None):
    def build():
        builds.append(1)
        return value if value is not None else [{"n": len(builds)}]

    return caches.versioned(key="k", version_key="v", build=build, copy=list)


def test_the_kept_copy_answers_until_the_version_changes(settings):
    settings.CHAT_ACCESS_CACHE_SECONDS = 2
    builds: list = []
    first = read(builds)
    second = read(builds)
    assert builds == [1] and first == second == [{"n": 1}]
    # Each caller gets its own list: reordering or extending it changes nobody else's.
    second.append({"n": 99})
    assert read(builds) == [{"n": 1}]
    caches._bump(["v"])
    assert read(builds) == [{"n": 2}] and len(builds) == 2


def test_an_entry_stored_again_replaces_the_kept_copy(settings):
    settings.CHAT_ACCESS_CACHE_SECONDS = 2
    builds: list = []
    read(builds)
    version, _stamp, rows = cache.get("k")
    # What a presence write does: the same version, new rows, a new stamp.
    caches._store("k", version, [{"n": "seen"}], seconds=2)
    caches._copies.clear()  # as in another process, whose copy is the old entry
    caches._copies["k"] = (version, _stamp, rows)
    assert read(builds) == [{"n": "seen"}] and builds == [1]


def test_an_expired_entry_is_not_answered_from_the_copy(settings):
    settings.CHAT_ACCESS_CACHE_SECONDS = 2
    builds: list = []
    read(builds)
    # The entry and its stamp run out after CHAT_ACCESS_CACHE_SECONDS; the process's copy must not outlive them.
    cache.delete_many(["k", caches._stamp_key("k")])
    assert read(builds) == [{"n": 2}] and len(builds) == 2


def test_without_the_cache_every_read_builds(settings):
    settings.CHAT_ACCESS_CACHE_SECONDS = 0
    builds: list = []
    read(builds)
    read(builds)
    assert len(builds) == 2 and caches._copies == {}


def test_cached_tokens_and_accesses_are_copies(settings, member, chatroom):
    from chat.access import chatroom_enter
    from chat.services.tokens import token_check, token_issue

    settings.CHAT_ACCESS_CACHE_SECONDS = 2
    raw, _token = token_issue(user=member)
    first = token_check(raw=raw)
    assert first is not None
    first.user.display_name = "changed by a request"
    again = token_check(raw=raw)
    assert again is not None and again is not first and again.user.display_name == member.display_name
    access = chatroom_enter(user=member, chatroom_id=chatroom.pk)
    access.participant.role = "owner"
    access.chatroom.name = "changed by a request"
    fresh = chatroom_enter(user=member, chatroom_id=chatroom.pk)
    assert fresh.participant.role == "member" and fresh.chatroom.name == chatroom.name
