"""Benchmarks of the hot reads through HTTP, in-process: `make bench` (never part of `make test`).

Builds a throw-away test database (SQLite, or PostgreSQL when DATABASE_URL says so), fills one
chatroom with a long history and many participants, then times the requests clients make most:
the idle Origam poll, the first poll of a chatroom, and a Teahaz page of messages. It prints the
median and 95th percentile time and the queries each request runs. Read the ratios: a shared
machine is noisy.
"""

import os
import statistics
import sys
import time
import uuid
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tests.settings")

import django

django.setup()

from django.conf import settings  # noqa: E402
from django.db import connection  # noqa: E402
from django.test.utils import setup_databases, teardown_databases  # noqa: E402
from django.utils import timezone  # noqa: E402
from rest_framework.test import APIClient  # noqa: E402

from chat.models import Message, Participant, User  # noqa: E402
from chat.services.chatrooms import chatroom_create, default_channel  # noqa: E402
from chat.services.tokens import token_issue  # noqa: E402

HISTORY = int(os.environ.get("BENCH_HISTORY", 20_000))
PARTICIPANTS = int(os.environ.get("BENCH_PARTICIPANTS", 200))
ROUNDS = int(os.environ.get("BENCH_ROUNDS", 300))


def fill() -> tuple[User, uuid.UUID]:
    """One chatroom with HISTORY messages and PARTICIPANTS participants; returns its owner and id."""
    owner = User.objects.create_user(username="bench-owner", password="bench password 1")
    chatroom = chatroom_create(creator=owner, name="Benchmark room")
    users = User.objects.bulk_create(User(username=f"bench{i}") for i in range(PARTICIPANTS))
    Participant.objects.bulk_create(Participant(chatroom=chatroom, user=user) for user in users)
    channel = default_channel(chatroom_id=chatroom.pk)
    start = timezone.now() - timedelta(days=30)
    Message.objects.bulk_create(
        (
            Message(
                chatroom=chatroom,
                channel=channel,
                author=owner,
                body=f"message {i}",
                text=f"message {i}",
                html=f"<p>message {i}</p>",
                sent_at=start + timedelta(seconds=i),
            )
            for i in range(HISTORY)
        ),
        batch_size=2000,
    )
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")  # as autovacuum would have done on a live server
    return owner, chatroom.pk


def measure(name: str, request: Callable[[], object]) -> None:
    """Times ROUNDS requests after a warm-up and prints median, p95 and the query count."""
    for _ in range(10):
        request()
    queries: list[str] = []

    def count(execute, sql, params, many, context):
        queries.append(sql)
        return execute(sql, params, many, context)

    # An execute wrapper, not CaptureQueriesContext: each request starts by resetting connection.queries.
    with connection.execute_wrapper(count):
        request()
    timings = []
    for _ in range(ROUNDS):
        started = time.perf_counter()
        response = request()
        timings.append((time.perf_counter() - started) * 1000)
        assert response.status_code == 200, response.content
    timings.sort()
    p95 = timings[int(len(timings) * 0.95) - 1]
    print(f"{name:<40} median {statistics.median(timings):6.2f} ms   p95 {p95:6.2f} ms   {len(queries)} queries")


def main() -> None:
    settings.ALLOWED_HOSTS = ["testserver"]
    old_config = setup_databases(verbosity=0, interactive=False)
    try:
        owner, chatroom_id = fill()
        raw, _token = token_issue(user=owner)
        client = APIClient()
        client.credentials(HTTP_AUTHORIZATION=f"Bearer {raw}")
        poll = f"/chatrooms/Chat/chatrooms/{chatroom_id}/polledData"
        newest = client.get(poll).json()["messages"][-1]["id"]
        print(f"{connection.vendor}: {HISTORY} messages, {PARTICIPANTS + 1} participants, {ROUNDS} rounds")
        measure("Origam idle poll (nothing new)", lambda: client.get(poll, {"afterIdIncluding": newest}))
        measure("Origam first poll (newest 100)", lambda: client.get(poll))
        measure(
            "Teahaz count page (newest 100)",
            lambda: client.get(
                f"/api/v0/messages/{chatroom_id}",
                headers={"userID": str(owner.pk), "get-method": "count", "count": "100"},
            ),
        )
        since = (timezone.now() - timedelta(days=31)).timestamp()
        measure(
            "Teahaz since page (oldest 100)",
            lambda: client.get(
                f"/api/v0/messages/{chatroom_id}",
                headers={"userID": str(owner.pk), "get-method": "since", "time": str(since)},
            ),
        )
    finally:
        teardown_databases(old_config, verbosity=0)


if __name__ == "__main__":
    main()
