"""A real outage: gunicorn on a private PostgreSQL cluster that is stopped, then started again."""

import json
import time
import uuid

import pytest

from tests.servers import POSTGRES_BIN, app_env, get, gunicorn, manage, postgres_cluster

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.skipif(POSTGRES_BIN is None, reason="needs PostgreSQL's initdb and pg_ctl"),
]


def token_for(server_url: str, username: str, password: str) -> str:
    body = json.dumps({"username": username, "password": password}).encode()
    status, _, answer = get(f"{server_url}/api/auth/token", {"Content-Type": "application/json"}, body)
    assert status == 200, answer
    return json.loads(answer)["token"]


def test_stopped_database_is_503_then_the_server_recovers_by_itself():
    with postgres_cluster() as cluster:
        env = app_env(
            DATABASE_URL=cluster.url, DJANGO_SUPERUSER_USERNAME="op", DJANGO_SUPERUSER_PASSWORD="op-secret-pw"
        )
        manage("migrate", "--noinput", env=env)
        manage("ensure_operator", env=env)
        with gunicorn(env) as server:
            auth = {"Authorization": f"Bearer {token_for(server.url, 'op', 'op-secret-pw')}"}
            assert get(f"{server.url}/chatrooms/Chat", auth)[0] == 200

            cluster.stop()
            answers = [
                get(f"{server.url}/chatrooms/Chat", auth),
                # A chatroom nobody has entered: no cached access can answer it (the token check is cached).
                get(f"{server.url}/chatrooms/Chat/chatrooms/{uuid.uuid4()}/info", auth),
                get(
                    f"{server.url}/api/auth/token",
                    {"Content-Type": "application/json"},
                    b'{"username":"op","password":"op-secret-pw"}',
                ),
                get(f"{server.url}/readyz"),
            ]
            for status, headers, body in answers:
                assert status == 503, body
                assert headers["Retry-After"] == "5"
                assert json.loads(body)["code"] == "service_unavailable"
            assert get(f"{server.url}/healthz")[0] == 200

            cluster.start()
            deadline = time.monotonic() + 10
            while get(f"{server.url}/readyz")[0] != 200:
                assert time.monotonic() < deadline, "the server did not recover"
                time.sleep(0.2)
            assert get(f"{server.url}/chatrooms/Chat", auth)[0] == 200

            # A restart between two requests: the worker's connection is dead, yet no request fails. The health
            # check asks the server only because its goodbye is waiting on the socket (chatsite/postgresql).
            cluster.stop()
            cluster.start()
            assert [get(f"{server.url}/chatrooms/Chat", auth)[0] for _ in range(3)] == [200, 200, 200]

            log = server.output()
            assert log.count("The database is unreachable") == 1, log
            assert "The database is reachable again" in log
            assert "Traceback" not in log
