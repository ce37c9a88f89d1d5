"""Fan-out: after a transaction that recorded events commits, every process wakes the streams it concerns.

Each committed transaction sends one notification, `{chatroom ids, user ids}`, through one engine chosen by
the settings: Redis pub/sub when `CHAT_EVENTS_REDIS_URL` (by default `REDIS_URL`) is set, else PostgreSQL
`LISTEN/NOTIFY` when the database is PostgreSQL, else an in-process broker (SQLite: one process). Every process
that holds streams runs one subscriber task (started by its first stream) that wakes the local listeners of
those chatrooms and users; a woken stream then reads its events from the log (`events_after`). A notification
carries no event, only who should look, so a lost one costs latency and never an event: a subscriber that
(re)connects wakes every listener of its process, which then reads what it may have missed.
"""

import asyncio
import logging
import threading
import uuid
from collections.abc import Iterable
from typing import Any, Protocol

import orjson
import psycopg
import redis
import redis.asyncio
from django.conf import settings
from django.core.signals import setting_changed
from django.db import connections
from psycopg import sql

from chat.events.slots import slots_for_settings

logger = logging.getLogger("chat.events.bus")

# A NOTIFY payload must stay under 8000 bytes: past this many ids, a notification wakes every listener instead.
MAX_IDS = 150
# Seconds between attempts to reach an unreachable Redis or PostgreSQL again.
RECONNECT_DELAY = 1.0
# Seconds of silence after which the PostgreSQL subscriber checks that its connection is still alive.
LISTEN_CHECK_SECONDS = 30.0


class Listener:
    """One open stream's interest: its user and the user's chatrooms; `woken` is raised when either has news."""

    __slots__ = ("chatroom_ids", "membership_changed", "user_id", "woken")

    def __init__(self, *, user_id: uuid.UUID, chatroom_ids: frozenset[uuid.UUID]) -> None:
        self.user_id = user_id
        self.chatroom_ids = chatroom_ids
        self.woken = asyncio.Event()
        # Set when a notification named the user: their memberships may have changed (joined, banned, left).
        self.membership_changed = False


def encode(*, chatroom_ids: Iterable[uuid.UUID], user_ids: Iterable[uuid.UUID]) -> bytes:
    """The wire form of a notification; too many ids become `{"all": true}` (wake everyone)."""
    chatrooms, users = [str(pk) for pk in chatroom_ids], [str(pk) for pk in user_ids]
    if len(chatrooms) + len(users) > MAX_IDS:
        return orjson.dumps({"all": True})
    return orjson.dumps({"c": chatrooms, "u": users})


class Hub:
    """This process's listeners, by user and by chatroom, and the subscriber task that wakes them."""

    def __init__(self, *, loop: asyncio.AbstractEventLoop, transport: "Transport") -> None:
        self.loop = loop
        self.transport = transport
        self.by_user: dict[uuid.UUID, set[Listener]] = {}
        self.by_chatroom: dict[uuid.UUID, set[Listener]] = {}
        # Set once the subscriber listens (again after each reconnection); for tests and the benchmark.
        self.subscribed = asyncio.Event()
        # The per-user cap on open streams (its Redis client, like the subscriber, belongs to this loop).
        self.slots = slots_for_settings()
        self.task = loop.create_task(self._subscribe(), name="chat.events.bus subscriber")

    async def _subscribe(self) -> None:
        try:
            await self.transport.subscribe(self)
        except asyncio.CancelledError:
            raise
        except Exception:  # a subscriber that dies silently would leave every stream of this process deaf
            logger.exception("The event subscriber stopped; streams of this process are not woken any more.")
            raise

    def add(self, listener: Listener) -> None:
        self.by_user.setdefault(listener.user_id, set()).add(listener)
        for chatroom_id in listener.chatroom_ids:
            self.by_chatroom.setdefault(chatroom_id, set()).add(listener)

    def remove(self, listener: Listener) -> None:
        self._discard(self.by_user, listener.user_id, listener)
        for chatroom_id in listener.chatroom_ids:
            self._discard(self.by_chatroom, chatroom_id, listener)

    def set_chatrooms(self, listener: Listener, chatroom_ids: frozenset[uuid.UUID]) -> None:
        """The listener's user is now in these chatrooms (it joined one, or left or was banned from one)."""
        for chatroom_id in listener.chatroom_ids - chatroom_ids:
            self._discard(self.by_chatroom, chatroom_id, listener)
        for chatroom_id in chatroom_ids - listener.chatroom_ids:
            self.by_chatroom.setdefault(chatroom_id, set()).add(listener)
        listener.chatroom_ids = chatroom_ids

    @staticmethod
    def _discard(index: dict[uuid.UUID, set[Listener]], key: uuid.UUID, listener: Listener) -> None:
        listeners = index.get(key)
        if listeners is not None:
            listeners.discard(listener)
            if not listeners:
                del index[key]

    @property
    def listeners(self) -> int:
        return sum(len(listeners) for listeners in self.by_user.values())

    def wake_all(self) -> None:
        for listeners in self.by_user.values():
            for listener in listeners:
                listener.membership_changed = True
                listener.woken.set()

    def deliver(self, payload: bytes | str) -> None:
        """Wakes the listeners a notification names (all of them for `{"all": true}`)."""
        try:
            message = orjson.loads(payload)
            if message.get("all"):
                self.wake_all()
                return
            chatroom_ids = [uuid.UUID(pk) for pk in message.get("c", ())]
            user_ids = [uuid.UUID(pk) for pk in message.get("u", ())]
        except (orjson.JSONDecodeError, AttributeError, TypeError, ValueError):
            logger.warning("Ignored a malformed event notification: %r", payload[:200])
            return
        for user_id in user_ids:
            for listener in self.by_user.get(user_id, ()):
                listener.membership_changed = True
                listener.woken.set()
        for chatroom_id in chatroom_ids:
            for listener in self.by_chatroom.get(chatroom_id, ()):
                listener.woken.set()


class Transport(Protocol):
    """An engine that carries notifications to every process."""

    def publish(self, payload: bytes) -> None:
        """Sends a notification (synchronous: called right after a commit, in whatever thread committed)."""

    async def subscribe(self, hub: Hub) -> None:
        """Hands every notification to `hub.deliver`, forever; `hub.wake_all()` on each (re)subscription."""


class LocalTransport:
    """In one process (the embedded SQLite default): a notification goes straight to this process's hub."""

    def publish(self, payload: bytes) -> None:
        hub = _hub
        if hub is not None and not hub.loop.is_closed():
            hub.loop.call_soon_threadsafe(hub.deliver, payload)

    async def subscribe(self, hub: Hub) -> None:
        hub.subscribed.set()
        await asyncio.Event().wait()


class RedisTransport:
    """Redis pub/sub on one channel: every process publishes to it and each one's subscriber reads all of it."""

    def __init__(self, *, url: str, channel: str) -> None:
        self.url = url
        self.channel = channel
        self._client: redis.Redis | None = None
        self._lock = threading.Lock()

    def publish(self, payload: bytes) -> None:
        with self._lock:
            if self._client is None:
                self._client = redis.Redis.from_url(self.url, socket_connect_timeout=2, socket_timeout=2)
        self._client.publish(self.channel, payload)

    async def subscribe(self, hub: Hub) -> None:
        while True:
            client = redis.asyncio.Redis.from_url(self.url, socket_connect_timeout=2, health_check_interval=30)
            try:
                async with client.pubsub() as pubsub:
                    await pubsub.subscribe(self.channel)
                    async for message in pubsub.listen():
                        if message["type"] == "subscribe":
                            # Anything published before Redis took the subscription was missed: look again.
                            hub.subscribed.set()
                            hub.wake_all()
                        elif message["type"] == "message":
                            hub.deliver(message["data"])
            except (redis.RedisError, OSError) as exc:
                hub.subscribed.clear()
                logger.warning("Event subscriber lost Redis (%s); reconnecting.", exc)
            finally:
                await client.aclose()
            await asyncio.sleep(RECONNECT_DELAY)


class PostgresTransport:
    """PostgreSQL `LISTEN/NOTIFY`: the committing process notifies, each subscriber holds one connection."""

    def __init__(self, *, channel: str, using: str = "default") -> None:
        self.channel = channel
        self.using = using

    def publish(self, payload: bytes) -> None:
        with connections[self.using].cursor() as cursor:
            cursor.execute("SELECT pg_notify(%s, %s)", [self.channel, payload.decode()])

    def _connect_params(self) -> dict[str, Any]:
        database = connections[self.using].settings_dict
        params = {
            "dbname": database["NAME"],
            "user": database["USER"] or None,
            "password": database["PASSWORD"] or None,
            "host": database["HOST"] or None,
            "port": database["PORT"] or None,
            "connect_timeout": database.get("OPTIONS", {}).get("connect_timeout", 5),
        }
        return {key: value for key, value in params.items() if value is not None}

    async def subscribe(self, hub: Hub) -> None:
        listen = sql.SQL("LISTEN {}").format(sql.Identifier(self.channel))
        while True:
            try:
                async with await psycopg.AsyncConnection.connect(autocommit=True, **self._connect_params()) as conn:
                    await conn.execute(listen)
                    hub.subscribed.set()
                    hub.wake_all()
                    while True:
                        async for notify in conn.notifies(timeout=LISTEN_CHECK_SECONDS):
                            hub.deliver(notify.payload)
                        await conn.execute("SELECT 1")  # a connection that died without a word raises here
            except (psycopg.Error, OSError) as exc:
                hub.subscribed.clear()
                logger.warning("Event subscriber lost PostgreSQL (%s); reconnecting.", exc)
            await asyncio.sleep(RECONNECT_DELAY)


_transport: Transport | None = None
_hub: Hub | None = None


def transport() -> Transport:
    """The engine the settings choose: Redis, else PostgreSQL, else in process."""
    global _transport
    if _transport is None:
        if settings.CHAT_EVENTS_REDIS_URL:
            _transport = RedisTransport(url=settings.CHAT_EVENTS_REDIS_URL, channel=settings.CHAT_EVENTS_CHANNEL)
        elif connections["default"].vendor == "postgresql":
            _transport = PostgresTransport(channel=settings.CHAT_EVENTS_CHANNEL)
        else:
            _transport = LocalTransport()
    return _transport


def hub() -> Hub:
    """This process's hub on the running event loop, its subscriber started on first use."""
    global _hub
    loop = asyncio.get_running_loop()
    if _hub is None or _hub.loop is not loop:
        _hub = Hub(loop=loop, transport=transport())
    return _hub


def _settings_changed(*, setting: str, **kwargs: Any) -> None:
    """Tests that change the engine's settings get a transport and hub made from the new ones."""
    global _transport, _hub
    if setting in ("CHAT_EVENTS_REDIS_URL", "CHAT_EVENTS_CHANNEL", "DATABASES"):
        _transport, _hub = None, None


setting_changed.connect(_settings_changed, dispatch_uid="chat.events.bus.settings_changed")


def notify_column(*, chatroom_ids: Iterable[uuid.UUID], using: str) -> tuple[str, list[str]] | None:
    """`pg_notify(...)` as a column of a statement that commits on its own (a post's), when the fan-out is
    PostgreSQL's `NOTIFY` on that database: the notification then goes out with that statement's commit, one
    round trip fewer, and the caller sends `events_committed` with `notified=True`. None with any other engine.
    """
    engine = transport()
    if not isinstance(engine, PostgresTransport) or engine.using != using:
        return None
    return "pg_notify(%s, %s)", [engine.channel, encode(chatroom_ids=chatroom_ids, user_ids=()).decode()]


def events_published(
    sender: object,
    *,
    chatroom_ids: frozenset[uuid.UUID],
    user_ids: frozenset[uuid.UUID],
    notified: bool = False,
    **kwargs: Any,
) -> None:
    """`events_committed` receiver: tells every process which chatrooms and users have new events (unless the
    committing statement `notified` them already, see `notify_column`).

    The change is committed already, so a failure here must not fail the request: it is logged, and the
    streams concerned see the events at their next wake.
    """
    if notified:
        return
    try:
        transport().publish(encode(chatroom_ids=chatroom_ids, user_ids=user_ids))
    except Exception:
        logger.warning("Could not publish an event notification.", exc_info=True)


def connect_signals() -> None:
    from chat.events.signals import events_committed

    events_committed.connect(events_published, dispatch_uid="chat.events.bus.events_published")
