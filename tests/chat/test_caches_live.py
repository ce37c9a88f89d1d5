"""Cached token checks and accesses across two real processes: a gunicorn server reads, this process writes.

The server answers from its cache; this process revokes, bans, removes, changes a grant or a role, or makes a
channel private through the services. With Redis shared by both, the server's very next answer sees the change;
with each process's own cache, the server sees it within CHAT_ACCESS_CACHE_SECONDS.
"""

import json
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass

import pytest
import redis
from django.db import connection
from django.test.utils import override_settings

from chat.models import Channel, Chatroom, Participant, User
from chat.services.chatrooms import channel_change, channel_create, chatroom_create, grant_set
from chat.services.participants import participant_add, participant_ban, participant_remove, participant_set_role
from chat.services.tokens import token_issue, token_revoke
from tests.chat.test_throttles import REDIS_URL, needs_redis
from tests.servers import app_env, get, gunicorn

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

# The server's bound with its own cache; the test allows scheduling slack on a busy machine above it.
CACHE_SECONDS = 2
SLACK_SECONDS = 1.5


@dataclass
class Live:
    url: str
    shared: bool

    def get(self, path: str, raw: str) -> tuple[int, object]:
        status, _headers, body = get(f"{self.url}{path}", headers={"Authorization": f"Bearer {raw}"})
        return status, json.loads(body) if body else None


def _database_url() -> str:
    settings = connection.settings_dict
    return (
        f"postgres://{settings['USER']}@{settings['HOST'] or '127.0.0.1'}:{settings['PORT'] or 5432}/{settings['NAME']}"
    )


@pytest.fixture(params=[pytest.param("redis", marks=needs_redis), "per-process"])
def live(request) -> Iterator[Live]:
    """A one-worker gunicorn on the test database; with Redis, this process writes its versions there too."""
    extra = {
        "DATABASE_URL": _database_url(),
        "CHAT_ACCESS_CACHE_SECONDS": str(CACHE_SECONDS),
        "CHAT_RATE_LIMITS_ENABLED": "0",
    }
    if request.param == "per-process":
        with gunicorn(app_env(**extra)) as server:
            yield Live(url=server.url, shared=False)
        return
    prefix = f"test-{uuid.uuid4()}"
    caches = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": prefix,
        }
    }
    try:
        with (
            gunicorn(app_env(**extra, REDIS_URL=REDIS_URL, REDIS_KEY_PREFIX=prefix)) as server,
            override_settings(CACHES=caches, REDIS_URL=REDIS_URL),
        ):
            yield Live(url=server.url, shared=True)
    finally:
        client = redis.Redis.from_url(REDIS_URL)
        for key in client.scan_iter(f"{prefix}:*"):
            client.delete(key)


@dataclass
class Room:
    chatroom: Chatroom
    owner: User
    member: User
    raw: str  # the member's bearer token


def _room(make_user) -> Room:
    owner, member = make_user(), make_user()
    chatroom = chatroom_create(creator=owner, name="Cached")
    participant_add(chatroom=chatroom, user=member)
    raw, _token = token_issue(user=member, name="live")
    return Room(chatroom=chatroom, owner=owner, member=member, raw=raw)


def _info(room: Room) -> str:
    return f"/chatrooms/Chat/chatrooms/{room.chatroom.pk}/info"


def _channels(room: Room) -> str:
    return f"/api/v1/channels/?chatroom={room.chatroom.pk}"


def _channel_names(live: Live, room: Room) -> set[str] | None:
    status, body = live.get(_channels(room), room.raw)
    return {channel["name"] for channel in body} if status == 200 and isinstance(body, list) else None


def _takes_effect(live: Live, seen: Callable[[], bool]) -> float:
    """Seconds until `seen()` holds on the server: the first answer with Redis, else within the bound."""
    start = time.monotonic()
    if live.shared:
        assert seen(), "the server answered from a stale cache entry"
        return 0.0
    while not seen():
        assert time.monotonic() - start <= CACHE_SECONDS + SLACK_SECONDS, "the change did not reach the server"
        time.sleep(0.1)
    return time.monotonic() - start


def _cached(live: Live, path: str, raw: str) -> None:
    """Two reads: the server now holds the entries (token check, access) it answers the next reads from."""
    for _ in range(2):
        assert live.get(path, raw)[0] == 200


def test_a_revoked_token_is_refused(live, make_user):
    room = _room(make_user)
    _cached(live, "/chatrooms/Chat/localUser", room.raw)
    assert token_revoke(raw=room.raw) is True
    _takes_effect(live, lambda: live.get("/chatrooms/Chat/localUser", room.raw)[0] == 401)


def test_a_ban_is_refused(live, make_user):
    room = _room(make_user)
    _cached(live, _info(room), room.raw)
    participant_ban(participant=Participant.objects.get(user=room.member), actor=room.owner, reason="live")
    # The ban also ends the member's log-ins to this chatroom; the bearer token stays, the chatroom is gone.
    _takes_effect(live, lambda: live.get(_info(room), room.raw)[0] == 404)


def test_a_removal_is_refused(live, make_user):
    room = _room(make_user)
    _cached(live, _info(room), room.raw)
    participant_remove(participant=Participant.objects.get(user=room.member), actor=room.owner)
    _takes_effect(live, lambda: live.get(_info(room), room.raw)[0] == 404)


def test_a_changed_grant_is_seen(live, make_user):
    room = _room(make_user)
    secret = channel_create(chatroom=room.chatroom, name="secret", public=False)
    grant_set(channel=secret, user=room.member, r=True, w=False, x=False, actor=room.owner)
    _cached(live, _channels(room), room.raw)
    assert "secret" in (_channel_names(live, room) or set())
    default = Channel.objects.get(chatroom=room.chatroom, is_default=True).name
    grant_set(channel=secret, user=room.member, r=False, w=False, x=False, actor=room.owner)
    _takes_effect(live, lambda: _channel_names(live, room) == {default})


def test_a_role_change_is_seen(live, make_user):
    room = _room(make_user)
    channel_create(chatroom=room.chatroom, name="staff", public=False)
    _cached(live, _channels(room), room.raw)
    assert "staff" not in (_channel_names(live, room) or {"staff"})
    participant_set_role(
        participant=Participant.objects.get(user=room.member), role=Participant.Role.ADMIN, actor=room.owner
    )
    # Admins read every channel, private ones included.
    _takes_effect(live, lambda: "staff" in (_channel_names(live, room) or set()))


def test_a_channel_made_private_is_seen(live, make_user):
    room = _room(make_user)
    side = channel_create(chatroom=room.chatroom, name="side", public=True)
    _cached(live, _channels(room), room.raw)
    assert "side" in (_channel_names(live, room) or set())
    channel_change(channel=side, actor=room.owner, public=False)
    _takes_effect(live, lambda: "side" not in (_channel_names(live, room) or {"side"}))
