"""deploy/granian.sh: the project under granian's WSGI server, on PostgreSQL, as a client uses it."""

import json
import signal
import subprocess
import time

import pytest
from django.db import connection

from tests.servers import app_env, get, granian, manage

pytestmark = [pytest.mark.postgres]


@pytest.fixture
def env(transactional_db, tmp_path):
    """The test database (what the server writes stays visible here), an operator, a metrics folder."""
    database = connection.settings_dict
    url = (
        f"postgres://{database['USER']}@{database['HOST'] or '127.0.0.1'}:{database['PORT'] or 5432}/{database['NAME']}"
    )
    (tmp_path / "prometheus").mkdir()
    environment = app_env(
        DATABASE_URL=url,
        DJANGO_SUPERUSER_USERNAME="granian-op",
        DJANGO_SUPERUSER_PASSWORD="granian-op-secret",
        PROMETHEUS_MULTIPROC_DIR=str(tmp_path / "prometheus"),
    )
    try:
        manage("ensure_operator", env=environment)
    except subprocess.CalledProcessError as error:
        raise AssertionError(error.stdout + error.stderr) from error
    return environment


def call(server, path: str, token: str, body: dict | None = None) -> tuple[int, dict, object]:
    headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}
    status, answer_headers, answer = get(
        f"{server.url}{path}", headers, None if body is None else json.dumps(body).encode()
    )
    return status, answer_headers, json.loads(answer) if answer else None


def test_granian_serves_the_chat_and_stops_cleanly(env):
    with granian(env, workers=2) as server:
        status, _, answer = call(
            server, "/api/auth/token", "", {"username": "granian-op", "password": "granian-op-secret"}
        )
        assert status == 200, answer
        token = answer["token"]
        status, _, room = call(server, "/chatrooms/Chat/chatrooms/create", token, {"topic": "Under granian"})
        assert status == 200, room
        status, _, sent = call(server, f"/chatrooms/Chat/chatrooms/{room}/messages", token, {"text": "<p>hello</p>"})
        assert status == 200, sent
        # Several polls (over new connections, which granian spreads over its workers): each sees the message.
        for _ in range(6):
            status, headers, polled = call(server, f"/chatrooms/Chat/chatrooms/{room}/messages?limit=10", token)
            assert status == 200 and [message["text"] for message in polled][-1] == "<p>hello</p>", polled
            assert {name.lower() for name in headers} >= {"x-request-id", "content-security-policy"}
        assert get(f"{server.url}/readyz")[0] == 200
        # A reload (systemctl reload): new workers, the same server, still answering.
        server.process.send_signal(signal.SIGHUP)
        deadline = time.monotonic() + 20
        while "HUP signal received" not in server.output() or server.output().count("Started worker-") < 4:
            assert time.monotonic() < deadline, server.output()
            time.sleep(0.1)
        status, _, polled = call(server, f"/chatrooms/Chat/chatrooms/{room}/messages?limit=10", token)
        assert status == 200 and polled[-1]["text"] == "<p>hello</p>", polled
        server.process.send_signal(signal.SIGTERM)
        deadline = time.monotonic() + 20
        while server.process.poll() is None:
            assert time.monotonic() < deadline, "granian did not stop on SIGTERM"
            time.sleep(0.1)
        assert server.process.returncode == 0, server.output()
        log = server.output()
        assert "Traceback" not in log, log
        # Its access log: one line per request (the path without its query).
        assert log.count(f'"GET /chatrooms/Chat/chatrooms/{room}/messages HTTP/1.1" 200') == 7, log
