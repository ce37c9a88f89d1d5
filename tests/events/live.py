"""Real ASGI servers (uvicorn, as in production) on the test database, and a client of their event stream."""

import json
import threading
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TypeVar

import httpx
from django.db import connection

from chat.models import Chatroom, User
from tests.servers import app_env

T = TypeVar("T")


def in_a_thread(function: Callable[[], T]) -> T:
    """Calls `function` in a new thread: one with no event loop, whatever an earlier test (a browser's) left in
    this one, as a server's worker thread would have."""
    results: list[T] = []
    errors: list[BaseException] = []

    def run() -> None:
        try:
            results.append(function())
        except BaseException as exc:  # handed back to the caller's thread
            errors.append(exc)

    worker = threading.Thread(target=run)
    worker.start()
    worker.join(timeout=120)
    if errors:
        raise errors[0]
    return results[0]


def database_url() -> str:
    """The URL of the database the test runs on (pytest-django's test database), for a server process."""
    database = connection.settings_dict
    credentials = database["USER"] + (f":{database['PASSWORD']}" if database["PASSWORD"] else "")
    return f"postgres://{credentials}@{database['HOST'] or '127.0.0.1'}:{database['PORT'] or 5432}/{database['NAME']}"


def stream_env(*, channel: str, redis_url: str = "", **extra: str) -> dict[str, str]:
    """A production-like stream server's environment: the test database, its own notification channel."""
    return app_env(
        DATABASE_URL=database_url(),
        CHAT_EVENTS_CHANNEL=channel,
        CHAT_EVENTS_REDIS_URL=redis_url,
        CHAT_RATE_LIMITS_ENABLED="0",
        **extra,
    )


def unique_channel() -> str:
    return f"chatsite-test-events-{uuid.uuid4().hex}"


@dataclass
class Frame:
    """One SSE frame: its fields, and its comment lines."""

    fields: dict[str, str] = field(default_factory=dict)
    comments: list[str] = field(default_factory=list)

    @property
    def event(self) -> str | None:
        return self.fields.get("event")


class EventStream:
    """A client of `GET /api/v1/events` reading frames as they come (httpx, as a bot would)."""

    def __init__(self, url: str, *, token: str, last_event_id: str | None = None, read_timeout: float = 10) -> None:
        headers = {"Authorization": f"Bearer {token}", "Accept": "text/event-stream"}
        if last_event_id is not None:
            headers["Last-Event-ID"] = last_event_id
        self.client = httpx.Client(timeout=httpx.Timeout(10, read=read_timeout))
        self.response = self.client.send(self.client.build_request("GET", f"{url}/api/v1/events", headers=headers),
                                         stream=True)  # fmt: skip
        self.lines = self.response.iter_lines()

    def frame(self) -> Frame | None:
        """The next frame, or None at the end of the stream."""
        frame = Frame()
        for line in self.lines:
            if line == "":
                if frame.fields or frame.comments:
                    return frame
                continue
            name, _, value = line.partition(":")
            if name == "":
                frame.comments.append(value.strip())
            else:
                frame.fields[name] = value.removeprefix(" ")
        return None

    def next_event(self, event_type: str | None = None) -> Frame | None:
        """The next event (of that type, when given; others and heartbeats skipped), or None at the end."""
        while (frame := self.frame()) is not None:
            if frame.event is not None and event_type in (None, frame.event):
                return frame
        return None

    def messages_until_idle(self, *, beats: int = 2) -> list[str]:
        """The bodies of the messages posted until the stream has sent `beats` heartbeats (or ended)."""
        bodies: list[str] = []
        idle = 0
        while idle < beats and (frame := self.frame()) is not None:
            if frame.comments == ["heartbeat"]:
                idle += 1
            elif frame.event == "message.posted":
                bodies.append(posted_body(frame))
        return bodies

    def close(self) -> None:
        self.response.close()
        self.client.close()


@dataclass
class World:
    """A chatroom where `poster` (its owner) writes and `reader` (a member) streams, each with a bearer token."""

    chatroom: Chatroom
    poster: User
    poster_token: str
    reader: User
    reader_token: str


def post(url: str, world: World, body: str, *, chatroom: Chatroom | None = None, channel: str | None = None) -> dict:
    """The poster sends a message through v1 on the server at `url`."""
    data = {"chatroom": str((chatroom or world.chatroom).pk), "body": body}
    if channel is not None:
        data["channel"] = channel
    response = httpx.post(
        f"{url}/api/v1/messages/", json=data, headers={"Authorization": f"Bearer {world.poster_token}"}, timeout=10
    )
    assert response.status_code == 201, response.text
    return response.json()


def posted_body(frame: Frame | None) -> str:
    """The body of the message a `message.posted` frame carries (its id and type as the frame says)."""
    assert frame is not None and frame.event == "message.posted", frame
    event = json.loads(frame.fields["data"])
    assert event["id"] == frame.fields["id"] and event["type"] == frame.event
    return event["data"]["body"]
