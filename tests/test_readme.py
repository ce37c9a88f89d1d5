"""The README's curl sessions, run as written against a live server, in the README's order, after `make demo`.

The shell blocks come from README.md itself, so the page cannot drift from what the server does.
"""

import os
import shutil
import socket
import sqlite3
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.servers import free_port

ROOT = Path(__file__).resolve().parent.parent
README = ROOT / "README.md"
README_PORT = "127.0.0.1:8000"

pytestmark = [
    pytest.mark.live,
    pytest.mark.skipif(
        not all(shutil.which(tool) for tool in ("bash", "curl", "jq", "python3")),
        reason="the README's sessions need bash, curl, jq and python3",
    ),
]


def curl_sessions() -> dict[str, list[str]]:
    """The `sh` blocks of each README section that offers "A session with curl", by section, in order."""
    sessions: dict[str, list[str]] = {}
    section, session = "", None
    block: list[str] | None = None
    in_other_block = False
    for line in README.read_text().splitlines():
        if block is not None or in_other_block:
            if line.startswith("```"):
                if block is not None and session is not None:
                    sessions[session].append("\n".join(block))
                block, in_other_block = None, False
            elif block is not None:
                block.append(line)
        elif line.startswith("```"):
            block, in_other_block = ([], False) if line.strip() == "```sh" else (None, True)
        elif line.startswith("#"):
            level, title = len(line) - len(line.lstrip("#")), line.lstrip("#").strip()
            if level == 2:
                section = title
            session = section if "A session with curl" in title else None
            if session is not None:
                sessions[session] = []
        elif "A session with curl" in line:
            session = section
            sessions[session] = []
    return sessions


@pytest.fixture
def live_server_env(tmp_path) -> dict[str, str]:
    """A development server's environment with its own SQLite database, whatever the suite runs on."""
    environment = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("DJANGO_", "DATABASE_", "REDIS_", "CHAT_", "PYTEST_"))
    }
    environment.update(
        DJANGO_DEBUG="1",
        DATABASE_URL=f"sqlite:///{tmp_path / 'db.sqlite3'}",
        # Uploads (the session's file, avatars) stay out of the project folder.
        CHAT_FILES_DIR=str(tmp_path / "uploads"),
        DJANGO_MEDIA_ROOT=str(tmp_path / "media"),
        PYTHONPATH=str(ROOT),
    )
    # The blocks run from the project folder as a reader would: `.venv/bin/python manage.py ...`.
    (tmp_path / ".venv").symlink_to(sys.prefix)
    (tmp_path / "manage.py").symlink_to(ROOT / "manage.py")
    return environment


@pytest.fixture
def server(tmp_path, live_server_env) -> Iterator[str]:
    """`manage.py runserver` on a free port, on a migrated database that `seed_demo` filled first."""
    manage = [sys.executable, str(ROOT / "manage.py")]
    for command in (["migrate", "--noinput"], ["seed_demo"]):
        subprocess.run([*manage, *command], env=live_server_env, cwd=tmp_path, check=True, capture_output=True)
    address = f"127.0.0.1:{free_port()}"
    process = subprocess.Popen(
        [*manage, "runserver", address, "--noreload"],
        env=live_server_env,
        cwd=tmp_path,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                host, port = address.split(":")
                socket.create_connection((host, int(port)), timeout=1).close()
                break
            except OSError:
                if process.poll() is not None or time.monotonic() > deadline:
                    errors = process.stderr.read().decode() if process.stderr else ""
                    raise RuntimeError(f"runserver did not start: {errors}") from None
                time.sleep(0.2)
        yield address
    finally:
        process.terminate()
        process.wait(timeout=10)


def run_session(blocks: list[str], *, address: str, cwd: Path, environment: dict[str, str]) -> str:
    script = "set -euo pipefail\n" + "\n".join(blocks).replace(README_PORT, address)
    result = subprocess.run(
        ["bash", "-c", script], env=environment, cwd=cwd, capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 0, f"stdout:\n{result.stdout}\nstderr:\n{result.stderr}"
    return result.stdout


def rows(database: Path, sql: str, *params: object) -> list[tuple]:
    with sqlite3.connect(database) as connection:
        return connection.execute(sql, params).fetchall()


def test_the_readme_offers_a_session_for_each_api():
    sessions = curl_sessions()
    assert [name.split(" (")[0] for name in sessions] == [
        "The Teahaz protocol",
        "The Origam chat protocol",
        "The project's own REST API",
    ]
    assert all(sessions.values())


def test_the_readme_curl_sessions_work_in_order_after_the_demo(server, tmp_path, live_server_env):
    database = tmp_path / "db.sqlite3"
    outputs = {
        name: run_session(blocks, address=server, cwd=tmp_path, environment=live_server_env)
        for name, blocks in curl_sessions().items()
    }
    teahaz, origam, v1 = outputs.values()

    assert '"code"' not in teahaz, teahaz  # no error answer anywhere
    assert '{"detail":"Logged in"}' in teahaz
    members = rows(
        database,
        "SELECT u.username FROM chat_participant p JOIN chat_user u ON u.id = p.user_id "
        "JOIN chat_chatroom c ON c.id = p.chatroom_id WHERE c.name = 'Tea party' ORDER BY u.username",
    )
    assert members == [("tess",), ("tom",)]
    assert rows(database, "SELECT COUNT(*) FROM chat_message WHERE text = 'Hello, tea drinkers'") == [(1,)]

    # The one error the Origam session shows on purpose: the call without credentials.
    assert origam.count('"code"') == 1 and '"code":"not_authenticated"' in origam, origam
    members = rows(
        database,
        "SELECT u.username FROM chat_participant p JOIN chat_user u ON u.id = p.user_id "
        "JOIN chat_chatroom c ON c.id = p.chatroom_id WHERE c.name = 'Summer plans' ORDER BY u.username",
    )
    assert members == [("olga",), ("oscar",)]
    [(html,)] = rows(database, "SELECT html FROM chat_message WHERE html LIKE '%Oscar%'")
    assert "<strong>Oscar</strong>" in html and "script" not in html
    assert rows(
        database,
        "SELECT COUNT(*) FROM chat_authtoken t JOIN chat_user u ON u.id = t.user_id "
        "WHERE u.username = 'olga' AND t.revoked_at IS NULL",
    ) == [(0,)]
    # v1: the one error on purpose is the call without credentials; the edit, the delete and the channel stored.
    assert v1.count('"code"') == 1 and '"code":"not_authenticated"' in v1, v1
    assert "<mark>four</mark>" in v1 and "\n204\n" in v1, v1
    [(message_id, edited_at)] = rows(database, "SELECT id, edited_at FROM chat_message WHERE text LIKE '%tea at four?'")
    assert edited_at is not None
    assert rows(database, "SELECT text FROM chat_messageversion WHERE message_id = ?", message_id) == [
        ("hello @dave, tea at noon?",)
    ]
    assert rows(
        database,
        "SELECT u.username FROM chat_message_mentions m JOIN chat_user u ON u.id = m.user_id WHERE m.message_id = ?",
        message_id,
    ) == [("dave",)]
    [(oops_id, deleted_at)] = rows(database, "SELECT id, deleted_at FROM chat_message WHERE text = 'oops, wrong room'")
    assert deleted_at is not None
    assert rows(
        database, "SELECT action FROM chat_moderationlog WHERE target = ?", f"message {uuid.UUID(oops_id)}"
    ) == [("delete",)]
    assert rows(
        database,
        "SELECT public FROM chat_channel WHERE name = 'staff' AND chatroom_id IN "
        "(SELECT id FROM chat_chatroom WHERE name = 'Bots')",
    ) == [(0,)]
    # The demo is untouched by every session.
    assert rows(database, "SELECT username FROM chat_user WHERE username IN ('alice', 'bob', 'carol')") != []
