"""One connection's delivery of the event log: a Server-Sent Events stream or a long-poll answer.

A connection registers its listener with this process's hub before it reads the log, so an event that
commits in between wakes it; woken, it reads what follows its cursor (`events_after`, which applies the
read rules as they are now). A stream's queue of frames is bounded: a consumer too slow to take them is
sent `resync` and closed rather than held in memory. Every database call runs in a worker thread of the
shared pool (never one thread per stream), so the connections to the database stay few.
"""

import asyncio
import logging
import time
import uuid
from collections.abc import AsyncIterator, Callable
from typing import Any, TypeVar

import orjson
from asgiref.sync import sync_to_async
from django.conf import settings
from django.db import close_old_connections

from chat.events import bus
from chat.events.selectors import EventBatch, chatroom_ids_of, event_cursor_now, events_after
from chat.exceptions import Code, Throttled
from chat.models import User

logger = logging.getLogger("chat.events.streams")

T = TypeVar("T")

# The most events one read of the log brings in (the selector's own default).
READ_LIMIT = 500
HEARTBEAT = b": heartbeat\n\n"
# Events committed behind a transaction still in flight (EventBatch.pending) are read again this soon.
PENDING_RETRY_SECONDS = 0.1


def _call(function: Callable[..., T], kwargs: dict[str, Any]) -> T:
    # A worker thread of the pool keeps its database connection between calls: as at each request's start,
    # drop it when it is too old or broke in an earlier call.
    close_old_connections()
    return function(**kwargs)


async def in_thread(function: Callable[..., T], /, **kwargs: Any) -> T:
    """Runs synchronous ORM code in the shared thread pool (not a thread of the connection's own)."""
    return await sync_to_async(_call, thread_sensitive=False)(function, kwargs)


def sse_event(event: dict) -> bytes:
    """One event as an SSE frame: `id`, `event` (its type) and `data` (the whole event, JSON on one line)."""
    return b"id: %s\nevent: %s\ndata: %s\n\n" % (event["id"].encode(), event["type"].encode(), orjson.dumps(event))


def sse_resync(cursor: str) -> bytes:
    """The `resync` frame: reload through v1, then resume from its id (the log's position now)."""
    return b"id: %s\nevent: resync\ndata: %s\n\n" % (cursor.encode(), orjson.dumps({"cursor": cursor, "resync": True}))


class Connection:
    """One client's stream or long-poll: its slot under the per-user cap, its listener, its cursor."""

    def __init__(self, *, user: User, credentials_valid: Callable[[], bool]) -> None:
        self.user = user
        # Synchronous: whether the credential that opened the connection is still good (a token not revoked).
        self.credentials_valid = credentials_valid
        self.stream_id = uuid.uuid4().hex
        self.hub = bus.hub()
        self.listener: bus.Listener | None = None
        self.slot = False
        self.cursor: str | None = None

    @staticmethod
    def read_limit() -> int:
        """The most events one read of the log brings in: no more than a stream's queue holds."""
        return min(READ_LIMIT, settings.CHAT_EVENTS_QUEUE_MAX)

    async def open(self, *, cursor: str | None, listen: bool) -> EventBatch:
        """Takes a slot (Throttled past the cap), listens if told to, then reads the first events after `cursor`.

        Invalid for a garbage cursor. A stream listens only once its generator runs (`sse`), so that a
        client gone before then leaves no listener behind; it reads the log again when it starts.
        """
        self.slot = await self.hub.slots.acquire(user_id=self.user.pk, stream_id=self.stream_id)
        if not self.slot:
            raise Throttled(
                f"At most {settings.CHAT_EVENTS_STREAMS_PER_USER} event streams at once per user.",
                code=Code.TOO_MANY_STREAMS,
                retry_after=settings.CHAT_EVENTS_HEARTBEAT_SECONDS,
            )
        if listen:
            await self._listen()
        batch = await in_thread(events_after, user=self.user, cursor=cursor, limit=self.read_limit())
        self.cursor = batch.cursor
        return batch

    async def _listen(self) -> bus.Listener:
        chatroom_ids = await in_thread(chatroom_ids_of, user=self.user)
        self.listener = bus.Listener(user_id=self.user.pk, chatroom_ids=chatroom_ids)
        self.hub.add(self.listener)
        return self.listener

    async def close(self) -> None:
        """Stops listening and frees the slot (safe to call whatever `open` got to)."""
        if self.listener is not None:
            self.hub.remove(self.listener)
            self.listener = None
        if self.slot:
            self.slot = False
            try:
                await self.hub.slots.release(user_id=self.user.pk, stream_id=self.stream_id)
            except Exception:  # Redis unreachable: the slot lapses by itself after three heartbeats
                logger.warning("Could not free a stream slot.", exc_info=True)

    async def _next(self, *, limit: int) -> EventBatch:
        """After a wake: the user's chatrooms again if a notification named the user, then the next events."""
        assert self.listener is not None
        if self.listener.membership_changed:
            self.listener.membership_changed = False
            self.hub.set_chatrooms(self.listener, await in_thread(chatroom_ids_of, user=self.user))
        batch = await in_thread(events_after, user=self.user, cursor=self.cursor, limit=limit)
        self.cursor = batch.cursor
        return batch

    def _credentials_and_chatrooms(self) -> tuple[bool, frozenset[uuid.UUID]]:
        return self.credentials_valid(), chatroom_ids_of(user=self.user)

    async def _heartbeat_check(self, listener: bus.Listener) -> bool:
        """Whether the credential still holds; also looks for chatrooms joined or left since the last look.

        A notification names the user when an event is addressed to them (a ban, say); a chatroom they
        joined may be named only by its own id, which this listener does not follow yet: found here, at
        the latest one heartbeat later, and its events read at once.
        """
        valid, chatroom_ids = await in_thread(self._credentials_and_chatrooms)
        if valid and chatroom_ids != listener.chatroom_ids:
            self.hub.set_chatrooms(listener, chatroom_ids)
            listener.woken.set()
        return valid

    async def _wait(self, *, pending: bool, timeout: float | None = None) -> None:
        """Until a notification wakes the listener, or the timeout; sooner when committed events are pending."""
        assert self.listener is not None
        if pending:
            timeout = PENDING_RETRY_SECONDS if timeout is None else min(timeout, PENDING_RETRY_SECONDS)
        try:
            async with asyncio.timeout(timeout):
                await self.listener.woken.wait()
        except TimeoutError:
            pass
        self.listener.woken.clear()

    async def long_poll(self, first: EventBatch, *, timeout: float) -> EventBatch:
        """The first batch that has events (or says resync), or an empty one at the timeout."""
        assert self.listener is not None
        deadline = time.monotonic() + timeout
        batch = first
        while not (batch.events or batch.resync):
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                break
            await self._wait(pending=batch.pending, timeout=remaining)
            batch = await self._next(limit=self.read_limit())
        return batch

    async def sse(self, first: EventBatch) -> AsyncIterator[bytes]:
        """The stream's frames: the events as they commit, a heartbeat when idle; ends with `resync` if need be.

        A producer task reads the log into a bounded queue; this generator, driven by the server as fast as
        the client takes the bytes, writes the queue out. The stream ends when the client goes, the server
        shuts down (the generator is cancelled), the credential is no longer valid (checked at each
        heartbeat), the log says resync, or the client falls a whole queue behind.
        """
        assert self.cursor is not None
        capacity = settings.CHAT_EVENTS_QUEUE_MAX
        # One place more than the capacity, for the frame that ends the stream.
        queue: asyncio.Queue[bytes | None] = asyncio.Queue(maxsize=capacity + 1)
        overflowed = False
        # Set by the writer each time it takes a frame, so the producer knows the client keeps up.
        room = asyncio.Event()

        async def produce(batch: EventBatch, limit: int) -> None:
            nonlocal overflowed
            assert self.listener is not None
            try:
                while True:
                    for event in batch.events:
                        queue.put_nowait(sse_event(event))
                    if batch.resync:
                        # The log's cursor of a resync is its position now.
                        queue.put_nowait(sse_resync(batch.cursor))
                        return
                    if len(batch.events) < limit:
                        # Everything is read: wait for news.
                        await self._wait(pending=batch.pending)
                    if queue.qsize() >= capacity:
                        # More to read and no room: the client has a heartbeat interval to take some frames.
                        room.clear()
                        try:
                            async with asyncio.timeout(settings.CHAT_EVENTS_HEARTBEAT_SECONDS):
                                await room.wait()
                        except TimeoutError:
                            overflowed = True
                            queue.put_nowait(None)
                            return
                    limit = min(capacity - queue.qsize(), READ_LIMIT)
                    batch = await self._next(limit=limit)
            except Exception:
                logger.exception("An event stream could not read the log; closing it.")
                queue.put_nowait(None)

        heartbeat = settings.CHAT_EVENTS_HEARTBEAT_SECONDS
        producer: asyncio.Task | None = None
        try:
            listener = await self._listen()
            # What committed between the first read and listening: read once more straight away.
            listener.woken.set()
            producer = asyncio.create_task(produce(first, self.read_limit()), name=f"event stream {self.stream_id}")
            # The reconnection point from the start (an `id` alone sets it): resuming works before any event.
            yield b": open\nid: %s\n\n" % self.cursor.encode()
            next_beat = time.monotonic() + heartbeat
            while True:
                try:
                    async with asyncio.timeout(max(0.0, next_beat - time.monotonic())):
                        frame = await queue.get()
                    room.set()
                except TimeoutError:
                    if not await self._heartbeat_check(listener):
                        return
                    await self.hub.slots.renew(user_id=self.user.pk, stream_id=self.stream_id)
                    next_beat = time.monotonic() + heartbeat
                    yield HEARTBEAT
                    continue
                if overflowed:
                    # Whatever is still queued is dropped: the client reloads through v1 instead.
                    yield sse_resync(await in_thread(event_cursor_now))
                    return
                if frame is None:
                    return
                yield frame
                if frame.startswith(b"id: ") and b"\nevent: resync\n" in frame:
                    return
        finally:
            if producer is not None:
                producer.cancel()
            await self.close()
