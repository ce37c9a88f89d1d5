"""The per-user cap on open streams: shared through Redis when it is configured, per process otherwise.

In Redis each user has a sorted set of their open streams, each scored by the time it lapses; a stream
renews its entry at every heartbeat and removes it when it ends, so the slots of a process that was
killed lapse by themselves after three heartbeats instead of locking the user out.
"""

import time
import uuid
from typing import Protocol

import redis.asyncio
from django.conf import settings

# Atomically: drop lapsed entries, refuse past the cap, else add this stream and keep the key as long as it.
ACQUIRE = """
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', ARGV[1])
if redis.call('ZCARD', KEYS[1]) >= tonumber(ARGV[3]) then
  return 0
end
redis.call('ZADD', KEYS[1], ARGV[2], ARGV[4])
redis.call('EXPIREAT', KEYS[1], math.ceil(tonumber(ARGV[2])))
return 1
"""


def _lapse() -> float:
    """When a stream's slot lapses unless renewed: three heartbeats from now."""
    return time.time() + 3 * settings.CHAT_EVENTS_HEARTBEAT_SECONDS


class Slots(Protocol):
    async def acquire(self, *, user_id: uuid.UUID, stream_id: str) -> bool:
        """Takes a slot for this stream; False when the user already holds the cap's number of streams."""

    async def renew(self, *, user_id: uuid.UUID, stream_id: str) -> None:
        """Keeps the stream's slot from lapsing (called at each heartbeat)."""

    async def release(self, *, user_id: uuid.UUID, stream_id: str) -> None:
        """Frees the stream's slot."""


class LocalSlots:
    """Streams counted in this process only (no Redis): the cap holds per process. Entries lapse as in Redis."""

    def __init__(self) -> None:
        self.open: dict[uuid.UUID, dict[str, float]] = {}

    async def acquire(self, *, user_id: uuid.UUID, stream_id: str) -> bool:
        now = time.time()
        streams = {key: lapse for key, lapse in self.open.get(user_id, {}).items() if lapse > now}
        if len(streams) >= settings.CHAT_EVENTS_STREAMS_PER_USER:
            self.open[user_id] = streams
            return False
        streams[stream_id] = _lapse()
        self.open[user_id] = streams
        return True

    async def renew(self, *, user_id: uuid.UUID, stream_id: str) -> None:
        streams = self.open.get(user_id, {})
        if stream_id in streams:
            streams[stream_id] = _lapse()

    async def release(self, *, user_id: uuid.UUID, stream_id: str) -> None:
        streams = self.open.get(user_id, {})
        streams.pop(stream_id, None)
        if not streams:
            self.open.pop(user_id, None)


class RedisSlots:
    """Streams counted across every process through Redis."""

    def __init__(self, *, url: str, prefix: str) -> None:
        self.client = redis.asyncio.Redis.from_url(url, socket_connect_timeout=2, socket_timeout=2)
        self.prefix = prefix
        self.acquire_script = self.client.register_script(ACQUIRE)

    def _key(self, user_id: uuid.UUID) -> str:
        return f"{self.prefix}:streams:{user_id}"

    async def acquire(self, *, user_id: uuid.UUID, stream_id: str) -> bool:
        cap = settings.CHAT_EVENTS_STREAMS_PER_USER
        taken = await self.acquire_script(keys=[self._key(user_id)], args=[time.time(), _lapse(), cap, stream_id])
        return bool(taken)

    async def renew(self, *, user_id: uuid.UUID, stream_id: str) -> None:
        key, lapse = self._key(user_id), _lapse()
        async with self.client.pipeline(transaction=True) as pipe:
            await pipe.zadd(key, {stream_id: lapse}, xx=True).expireat(key, int(lapse) + 1).execute()

    async def release(self, *, user_id: uuid.UUID, stream_id: str) -> None:
        await self.client.zrem(self._key(user_id), stream_id)


def slots_for_settings() -> Slots:
    """Redis when the events engine is Redis (the cap then holds over all processes), else this process."""
    if settings.CHAT_EVENTS_REDIS_URL:
        return RedisSlots(url=settings.CHAT_EVENTS_REDIS_URL, prefix=settings.CHAT_EVENTS_CHANNEL)
    return LocalSlots()
