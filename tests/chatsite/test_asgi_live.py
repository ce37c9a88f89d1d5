"""The ASGI application under a real uvicorn: request bodies sent chunked are read as under gunicorn."""

import httpx
import pytest

from tests.events.live import stream_env, unique_channel
from tests.servers import uvicorn

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def test_a_chunked_body_is_read_whole():
    # Only a username: the answer names the missing password, so it was the body that was read.
    body = b'{"username": "somebody-with-a-long-name"}'
    with uvicorn(stream_env(channel=unique_channel())) as server:
        # A generator body: httpx sends it with Transfer-Encoding: chunked and no Content-Length.
        chunked = httpx.post(
            f"{server.url}/api/auth/token",
            content=(body[i : i + 7] for i in range(0, len(body), 7)),
            headers={"Content-Type": "application/json"},
        )
        plain = httpx.post(f"{server.url}/api/auth/token", content=body, headers={"Content-Type": "application/json"})
    assert plain.status_code == 400 and plain.json()["detail"].startswith("password")
    assert chunked.status_code == 400 and chunked.json() == plain.json()
