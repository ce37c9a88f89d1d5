"""The PostgreSQL backend's health check: no round trip while the server is silent, `SELECT 1` once it spoke."""

import time

import psycopg
import pytest
from django.db import connections

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def conn():
    """The default connection, persistent and health-checked as in production."""
    connection = connections["default"]
    connection.ensure_connection()
    enabled = connection.health_check_enabled
    connection.health_check_enabled = True
    yield connection
    connection.health_check_enabled = enabled


@pytest.fixture
def selects(monkeypatch, conn) -> list[bool]:
    """Each `SELECT 1` health check the backend makes, with its outcome."""
    calls: list[bool] = []
    checked = type(conn).is_usable

    def is_usable(self) -> bool:
        calls.append(checked(self))
        return calls[-1]

    monkeypatch.setattr(type(conn), "is_usable", is_usable)
    return calls


def new_request(conn) -> None:
    """What Django does at the start of each request, then before its first query."""
    conn.close_if_unusable_or_obsolete()
    conn.close_if_health_check_failed()


def conninfo(conn) -> str:
    params = conn.get_connection_params()
    return " ".join(f"{key}={params[key]}" for key in ("host", "port", "user", "password", "dbname") if params.get(key))


def test_the_backend_is_the_projects(settings, conn):
    assert settings.DATABASES["default"]["ENGINE"] == "chatsite.postgresql"
    assert type(conn).__module__ == "chatsite.postgresql.base"


def test_a_silent_idle_connection_is_kept_without_asking_the_server(conn, selects):
    before = conn.connection
    for number in range(3):
        new_request(conn)
        with conn.cursor() as cursor:
            cursor.execute("SELECT %s", [number])
            assert cursor.fetchone() == (number,)
    assert selects == []
    assert conn.connection is before


def test_a_connection_the_server_ended_is_checked_dropped_and_replaced(conn, selects):
    pid = conn.connection.info.backend_pid
    with psycopg.connect(conninfo(conn), autocommit=True) as other:
        assert other.execute("SELECT pg_terminate_backend(%s)", [pid]).fetchone() == (True,)
    deadline = time.monotonic() + 5
    while conn._quiet():  # until the server's goodbye reaches the socket
        assert time.monotonic() < deadline, "the terminated connection never became readable"
        time.sleep(0.05)
    new_request(conn)
    assert selects == [False]
    assert conn.connection is None
    with conn.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        assert cursor.fetchone()[0] != pid


def test_a_connection_inside_a_transaction_is_checked_by_the_server(conn, selects):
    with conn.cursor() as cursor:
        cursor.execute("BEGIN")
    try:
        conn.health_check_done = False
        conn.close_if_health_check_failed()
        assert selects == [True]
    finally:
        with conn.cursor() as cursor:
            cursor.execute("ROLLBACK")
