"""The hub that wakes a process's streams, and the in-process engine of the embedded default."""

import asyncio
import threading
import uuid

import orjson
import pytest

from chat.events import bus
from tests.events.live import in_a_thread


def run(coroutine):
    return in_a_thread(lambda: asyncio.run(coroutine))


def test_a_notification_wakes_the_listeners_of_its_chatrooms_and_users_only():
    async def scenario() -> tuple[bool, bool, bool, bool]:
        hub = bus.Hub(loop=asyncio.get_running_loop(), transport=bus.LocalTransport())
        room, other_room, user = uuid.uuid4(), uuid.uuid4(), uuid.uuid4()
        in_room = bus.Listener(user_id=uuid.uuid4(), chatroom_ids=frozenset({room}))
        elsewhere = bus.Listener(user_id=uuid.uuid4(), chatroom_ids=frozenset({other_room}))
        addressed = bus.Listener(user_id=user, chatroom_ids=frozenset())
        gone = bus.Listener(user_id=uuid.uuid4(), chatroom_ids=frozenset({room}))
        for listener in (in_room, elsewhere, addressed, gone):
            hub.add(listener)
        hub.remove(gone)
        hub.deliver(bus.encode(chatroom_ids=[room], user_ids=[user]))
        hub.task.cancel()
        return in_room.woken.is_set(), elsewhere.woken.is_set(), addressed.woken.is_set(), gone.woken.is_set()

    assert run(scenario()) == (True, False, True, False)


def test_a_notification_naming_the_user_marks_their_memberships_for_a_fresh_look():
    async def scenario() -> tuple[bool, bool, set]:
        hub = bus.Hub(loop=asyncio.get_running_loop(), transport=bus.LocalTransport())
        old, new, user = uuid.uuid4(), uuid.uuid4(), uuid.uuid4()
        listener = bus.Listener(user_id=user, chatroom_ids=frozenset({old}))
        hub.add(listener)
        hub.deliver(bus.encode(chatroom_ids=[], user_ids=[user]))
        marked = listener.membership_changed
        hub.set_chatrooms(listener, frozenset({new}))
        listener.woken.clear()
        hub.deliver(bus.encode(chatroom_ids=[old], user_ids=[]))
        woken_by_old = listener.woken.is_set()
        hub.task.cancel()
        return marked, woken_by_old, set(hub.by_chatroom)

    marked, woken_by_old, indexed = run(scenario())
    assert marked and not woken_by_old
    assert len(indexed) == 1


def test_a_notification_too_large_for_notify_wakes_everyone():
    payload = bus.encode(chatroom_ids=[uuid.uuid4() for _ in range(bus.MAX_IDS + 1)], user_ids=[])
    assert orjson.loads(payload) == {"all": True}
    small = bus.encode(chatroom_ids=[uuid.uuid4()], user_ids=[uuid.uuid4()])
    assert len(small) < 8000 and set(orjson.loads(small)) == {"c", "u"}

    async def scenario() -> bool:
        hub = bus.Hub(loop=asyncio.get_running_loop(), transport=bus.LocalTransport())
        listener = bus.Listener(user_id=uuid.uuid4(), chatroom_ids=frozenset({uuid.uuid4()}))
        hub.add(listener)
        hub.deliver(payload)
        hub.task.cancel()
        return listener.woken.is_set()

    assert run(scenario())


@pytest.mark.parametrize("payload", [b"not json", b"[]", b'{"c": ["not-a-uuid"]}', b'{"c": 5}'])
def test_a_malformed_notification_is_ignored(payload, caplog):
    async def scenario() -> bool:
        hub = bus.Hub(loop=asyncio.get_running_loop(), transport=bus.LocalTransport())
        listener = bus.Listener(user_id=uuid.uuid4(), chatroom_ids=frozenset())
        hub.add(listener)
        hub.deliver(payload)
        hub.task.cancel()
        return listener.woken.is_set()

    assert run(scenario()) is False
    assert "malformed event notification" in caplog.text


def test_the_in_process_engine_carries_a_publish_from_another_thread(settings):
    settings.CHAT_EVENTS_REDIS_URL = ""  # and the test settings' database decides between PostgreSQL and local

    async def scenario() -> bool:
        transport = bus.LocalTransport()
        bus._hub = hub = bus.Hub(loop=asyncio.get_running_loop(), transport=transport)
        room = uuid.uuid4()
        listener = bus.Listener(user_id=uuid.uuid4(), chatroom_ids=frozenset({room}))
        hub.add(listener)
        # As a write committed in a worker thread does.
        thread = threading.Thread(target=transport.publish, args=(bus.encode(chatroom_ids=[room], user_ids=[]),))
        thread.start()
        async with asyncio.timeout(5):
            await listener.woken.wait()
        thread.join()
        hub.task.cancel()
        return True

    try:
        assert run(scenario())
    finally:
        bus._hub = None


def test_the_engine_follows_the_settings(settings):
    settings.CHAT_EVENTS_REDIS_URL = "redis://127.0.0.1:6379/0"
    assert isinstance(bus.transport(), bus.RedisTransport)
    settings.CHAT_EVENTS_REDIS_URL = ""
    expected = (
        bus.PostgresTransport if settings.DATABASES["default"]["ENGINE"].endswith("postgresql") else bus.LocalTransport
    )
    assert isinstance(bus.transport(), expected)
