"""The event stream through real uvicorn processes on PostgreSQL: fan-out, resume, heartbeats, caps, shutdown."""

import json
import os
import signal
import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
import redis

from tests.events.live import EventStream, post, posted_body, stream_env, unique_channel
from tests.servers import free_port, uvicorn

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

REDIS_URL = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/0")


@pytest.fixture(params=["redis", "postgres"])
def engine_env(request) -> Iterator[dict[str, str]]:
    """Two ways across processes: Redis pub/sub, and PostgreSQL LISTEN/NOTIFY (no Redis)."""
    channel = unique_channel()
    if request.param == "redis":
        client = redis.Redis.from_url(REDIS_URL)
        try:
            client.ping()
        except redis.RedisError:
            pytest.skip("Redis is not running")
        yield stream_env(channel=channel, redis_url=REDIS_URL, CHAT_EVENTS_HEARTBEAT_SECONDS="1")
        for key in client.scan_iter(f"{channel}:*"):  # the cap's slots
            client.delete(key)
    else:
        yield stream_env(channel=channel, CHAT_EVENTS_HEARTBEAT_SECONDS="1")


def test_a_message_posted_through_one_process_reaches_a_stream_on_another(world, engine_env):
    with uvicorn(engine_env) as streamer, uvicorn(engine_env) as writer:
        stream = EventStream(streamer.url, token=world.reader_token)
        try:
            assert stream.response.status_code == 200
            assert stream.response.headers["content-type"].startswith("text/event-stream")
            assert stream.response.headers["cache-control"] == "no-cache"
            assert stream.response.headers["x-accel-buffering"] == "no"
            opening = stream.frame()
            assert opening is not None and opening.comments == ["open"] and opening.fields["id"]
            post(writer.url, world, "across processes")
            frame = stream.next_event("message.posted")
            assert posted_body(frame) == "across processes"
            # A message sent through a protocol is an event like any other.
            origam = httpx.post(
                f"{writer.url}/chatrooms/Chat/chatrooms/{world.chatroom.pk}/messages",
                json={"text": "through Origam", "mentions": []},
                headers={"Authorization": f"Bearer {world.poster_token}"},
            )
            assert origam.status_code == 200, origam.text
            assert posted_body(stream.next_event("message.posted")) == "through Origam"
        finally:
            stream.close()


def test_resume_after_the_stream_server_is_killed_loses_nothing_and_doubles_nothing(world, engine_env):
    port = free_port()
    with uvicorn(engine_env) as writer:
        with uvicorn(engine_env, port=port) as streamer:
            stream = EventStream(streamer.url, token=world.reader_token)
            post(writer.url, world, "one")
            first = stream.next_event("message.posted")
            assert first is not None and posted_body(first) == "one"
            streamer.process.send_signal(signal.SIGKILL)
            streamer.process.wait()
            stream.close()
        # While no stream server runs, more is written.
        for body in ("two", "three"):
            post(writer.url, world, body)
        with uvicorn(engine_env, port=port) as restarted:
            resumed = EventStream(restarted.url, token=world.reader_token, last_event_id=first.fields["id"])
            try:
                got = [posted_body(resumed.next_event("message.posted")) for _ in range(2)]
                post(writer.url, world, "four")
                # And nothing more: no event repeated, until the stream is idle.
                got += resumed.messages_until_idle()
            finally:
                resumed.close()
    assert got == ["two", "three", "four"]


def test_an_idle_stream_gets_heartbeats_at_the_set_interval(world):
    env = stream_env(channel=unique_channel(), CHAT_EVENTS_HEARTBEAT_SECONDS="1")
    with uvicorn(env) as server:
        stream = EventStream(server.url, token=world.reader_token)
        try:
            assert stream.frame().comments == ["open"]
            started = time.monotonic()
            beats = [stream.frame() for _ in range(2)]
            elapsed = time.monotonic() - started
            metrics = httpx.get(f"{server.url}/metrics").text
        finally:
            stream.close()
    assert [frame.comments for frame in beats] == [["heartbeat"], ["heartbeat"]]
    assert 1.5 < elapsed < 5
    assert "chatsite_active_streams 1.0" in metrics


def test_open_streams_hold_no_thread_each(world):
    env = stream_env(channel=unique_channel(), CHAT_EVENTS_STREAMS_PER_USER="100")
    with uvicorn(env) as server:

        def threads() -> int:
            status = Path(f"/proc/{server.process.pid}/status").read_text()
            return int(next(line for line in status.splitlines() if line.startswith("Threads:")).split()[1])

        streams = [EventStream(server.url, token=world.reader_token) for _ in range(40)]
        try:
            assert all(stream.frame().comments == ["open"] for stream in streams)
            held = threads()
        finally:
            for stream in streams:
                stream.close()
    # The event loop, asgiref's shared thread and the database pool's few workers, not one per stream.
    assert held < 20


def test_a_revoked_token_ends_the_stream(world):
    env = stream_env(channel=unique_channel(), CHAT_EVENTS_HEARTBEAT_SECONDS="1")
    with uvicorn(env) as server:
        stream = EventStream(server.url, token=world.reader_token)
        try:
            assert stream.frame().comments == ["open"]
            revoked = httpx.delete(
                f"{server.url}/api/auth/token", headers={"Authorization": f"Bearer {world.reader_token}"}
            )
            assert revoked.status_code == 200
            started = time.monotonic()
            while stream.frame() is not None:
                assert time.monotonic() - started < 5
        finally:
            stream.close()
        again = httpx.get(f"{server.url}/api/v1/events", headers={"Authorization": f"Bearer {world.reader_token}"})
    assert again.status_code == 401
    assert again.json()["code"] == "invalid_token"


def test_the_per_user_cap_holds_across_processes_with_redis(world, engine_env):
    env = {**engine_env, "CHAT_EVENTS_STREAMS_PER_USER": "1"}
    with uvicorn(env) as first_server, uvicorn(env) as second_server:
        stream = EventStream(first_server.url, token=world.reader_token)
        try:
            assert stream.frame().comments == ["open"]
            refused = httpx.get(
                f"{second_server.url}/api/v1/events?format=json&timeout=0",
                headers={"Authorization": f"Bearer {world.reader_token}"},
            )
            same_process = httpx.get(
                f"{first_server.url}/api/v1/events?format=json&timeout=0",
                headers={"Authorization": f"Bearer {world.reader_token}"},
            )
            # Another user is not held back by the reader's streams.
            other = httpx.get(
                f"{second_server.url}/api/v1/events?format=json&timeout=0",
                headers={"Authorization": f"Bearer {world.poster_token}"},
            )
        finally:
            stream.close()
        # The closed stream's slot is free again.
        deadline = time.monotonic() + 5
        while True:
            after = httpx.get(
                f"{first_server.url}/api/v1/events?format=json&timeout=0",
                headers={"Authorization": f"Bearer {world.reader_token}"},
            )
            if after.status_code == 200 or time.monotonic() > deadline:
                break
            time.sleep(0.1)
    assert same_process.status_code == 429 and same_process.json()["code"] == "too_many_streams"
    assert same_process.headers["retry-after"]
    if env["CHAT_EVENTS_REDIS_URL"]:
        assert refused.status_code == 429 and refused.json()["code"] == "too_many_streams"
    else:
        assert refused.status_code == 200  # without Redis the cap holds per process, as documented
    assert other.status_code == 200
    assert after.status_code == 200


def test_long_poll_answers_at_the_timeout_and_as_soon_as_events_exist(world, engine_env):
    headers = {"Authorization": f"Bearer {world.reader_token}", "Accept": "application/json"}
    with uvicorn(engine_env) as server, uvicorn(engine_env) as writer:
        now = httpx.get(f"{server.url}/api/v1/events?timeout=0", headers=headers)
        assert now.status_code == 200 and now.headers["content-type"] == "application/json"
        cursor = now.json()["cursor"]
        started = time.monotonic()
        idle = httpx.get(f"{server.url}/api/v1/events", params={"cursor": cursor, "timeout": 1}, headers=headers)
        idle_took = time.monotonic() - started
        answers: list[dict] = []

        def poll_until_a_message() -> None:
            # The first answer may bring other events (the poster's presence, say): poll on from its cursor.
            after = cursor
            while not any(event["type"] == "message.posted" for answer in answers for event in answer["events"]):
                answer = httpx.get(
                    f"{server.url}/api/v1/events", params={"cursor": after, "timeout": 20}, headers=headers, timeout=30
                ).json()
                answers.append(answer)
                after = answer["cursor"]

        poll = threading.Thread(target=poll_until_a_message)
        started = time.monotonic()
        poll.start()
        time.sleep(0.5)
        post(writer.url, world, "wake up")
        poll.join(timeout=30)
        early_took = time.monotonic() - started
    assert idle.json() == {"events": [], "cursor": cursor, "resync": False}
    assert 1 <= idle_took < 3
    messages = [event["data"]["body"] for a in answers for event in a["events"] if event["type"] == "message.posted"]
    assert messages == ["wake up"]
    assert all(a["events"] and a["cursor"] == a["events"][-1]["id"] and a["resync"] is False for a in answers)
    assert early_took < 5


def test_a_cursor_the_log_cannot_resume_from_gets_resync_then_the_end(world):
    # A cursor ahead of the log: one it never gave (a restored database, say); an expired one reads the same.
    unknown = "999999999.1"
    env = stream_env(channel=unique_channel())
    with uvicorn(env) as server:
        stream = EventStream(server.url, token=world.reader_token, last_event_id=unknown)
        try:
            opening = stream.frame()
            resync = stream.next_event()
            end = stream.frame()
        finally:
            stream.close()
        poll = httpx.get(
            f"{server.url}/api/v1/events",
            params={"cursor": unknown, "format": "json", "timeout": 5},
            headers={"Authorization": f"Bearer {world.reader_token}"},
        )
    assert opening is not None and opening.comments == ["open"]
    assert resync is not None and resync.event == "resync"
    data = json.loads(resync.fields["data"])
    assert data == {"cursor": resync.fields["id"], "resync": True} and resync.fields["id"] != unknown
    assert end is None
    assert poll.status_code == 200
    assert poll.json()["resync"] is True and poll.json()["events"] == [] and poll.json()["cursor"] != unknown


def test_a_consumer_too_slow_to_keep_up_gets_resync_and_is_closed(world):
    # Large messages, so that a few fill the socket buffers between the server and the client.
    env = stream_env(
        channel=unique_channel(),
        CHAT_EVENTS_HEARTBEAT_SECONDS="1",
        CHAT_EVENTS_QUEUE_MAX="4",
        CHAT_MESSAGE_MAX_BYTES="1000000",
    )
    count, body = 16, "x" * 900_000
    with uvicorn(env) as server, uvicorn(env) as writer:
        # A client with a tiny receive buffer that stops reading once the stream is open.
        sock = socket.socket()
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
        sock.connect(("127.0.0.1", int(server.url.rsplit(":", 1)[1])))
        sock.sendall(
            f"GET /api/v1/events HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer {world.reader_token}\r\n"
            "Accept: text/event-stream\r\n\r\n".encode()
        )
        received = b""
        while b": open" not in received:
            received += sock.recv(4096)
        for number in range(count):
            post(writer.url, world, f"{number} {body}")
        time.sleep(3)  # the server's queue stays full for more than a heartbeat interval
        sock.settimeout(10)
        deadline = time.monotonic() + 30
        while (chunk := sock.recv(1 << 20)) and time.monotonic() < deadline:
            received += chunk
        sock.close()
        assert server.process.poll() is None
    text = received.decode(errors="replace")
    assert text.count("event: message.posted") >= 1
    assert "event: resync" in text
    delivered = text.count("event: message.posted")
    assert delivered < count
    # The resync frame is the last one: the stream ended after it (chunked encoding's last chunk follows).
    assert text.rstrip().endswith("0") and text.rindex("event: resync") > text.rfind("event: message.posted")


def test_server_shutdown_ends_open_streams(world):
    env = stream_env(channel=unique_channel())
    with uvicorn(env) as server:
        stream = EventStream(server.url, token=world.reader_token)
        try:
            assert stream.frame().comments == ["open"]
            started = time.monotonic()
            server.process.send_signal(signal.SIGTERM)
            assert stream.frame() is None or stream.frame() is None
            ended = time.monotonic() - started
        except httpx.RemoteProtocolError:
            ended = time.monotonic() - started
        finally:
            stream.close()
        server.process.wait(timeout=10)
        output = server.output()
    assert ended < 5
    # uvicorn ends by the signal it was sent once it has shut down (a clean stop to systemd and compose).
    assert server.process.returncode in (0, -signal.SIGTERM)
    assert "Finished server process" in output
