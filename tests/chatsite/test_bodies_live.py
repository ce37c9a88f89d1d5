"""Request bodies through a real gunicorn: chunked bodies are read, an oversized one gets its 413."""

import http.client
import json
import socket
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.servers import Server, app_env, gunicorn, manage

LIMIT = 1024 * 1024


@pytest.fixture(scope="module")
def server() -> Iterator[Server]:
    with tempfile.TemporaryDirectory() as folder:
        env = app_env(
            DATABASE_URL=f"sqlite:///{Path(folder) / 'db.sqlite3'}",
            CHAT_REQUEST_MAX_BYTES=str(LIMIT),
            DJANGO_SUPERUSER_USERNAME="op",
            DJANGO_SUPERUSER_PASSWORD="op-secret-pw",
        )
        manage("migrate", "--noinput", env=env)
        manage("ensure_operator", env=env)
        with gunicorn(env) as running:
            yield running


def post_chunked(server: Server, path: str, chunks: list[bytes]) -> tuple[int, dict]:
    host, port = server.url.removeprefix("http://").split(":")
    connection = http.client.HTTPConnection(host, int(port), timeout=10)
    connection.request(
        "POST", path, body=iter(chunks), headers={"Content-Type": "application/json"}, encode_chunked=True
    )
    response = connection.getresponse()
    return response.status, json.loads(response.read())


def test_a_chunked_json_body_is_read(server):
    status, body = post_chunked(server, "/api/auth/token", [b'{"username": "op", ', b'"password": "op-secret-pw"}'])
    assert status == 200, body
    assert body["token"]


def test_a_chunked_body_over_the_limit_is_413(server):
    status, body = post_chunked(server, "/api/auth/token", [b"x" * 65536] * 20)
    assert status == 413
    assert body == {"detail": f"The request body is larger than {LIMIT} bytes.", "code": "too_large"}


@pytest.mark.parametrize("size", [10 * 1024 * 1024, LIMIT + 1])
def test_an_oversized_body_gets_its_413_before_the_connection_closes(server, size):
    host, port = server.url.removeprefix("http://").split(":")
    with socket.create_connection((host, int(port)), timeout=10) as sock:
        head = (
            f"POST /api/auth/token HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
            f"Content-Length: {size}\r\n\r\n"
        )
        sock.sendall(head.encode())
        sock.sendall(b" " * size)  # a reset connection would fail here or in recv, not answer
        answer = b""
        while chunk := sock.recv(65536):
            answer += chunk
    status_line, _, rest = answer.partition(b"\r\n")
    assert status_line == b"HTTP/1.1 413 Request Entity Too Large"
    assert json.loads(rest.partition(b"\r\n\r\n")[2])["code"] == "too_large"


def test_a_body_within_the_limit_reaches_the_view(server):
    host, port = server.url.removeprefix("http://").split(":")
    connection = http.client.HTTPConnection(host, int(port), timeout=10)
    body = json.dumps({"username": "op", "password": "op-secret-pw", "pad": "x" * (LIMIT - 100)}).encode()
    connection.request("POST", "/api/auth/token", body=body, headers={"Content-Type": "application/json"})
    assert connection.getresponse().status == 200
