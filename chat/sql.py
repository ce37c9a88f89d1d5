"""Hand-written SQL for the hottest statements, run as prepared statements on PostgreSQL.

The ORM builds and compiles a queryset on every request: for the message page of a poll that was most of the
request's CPU (`make bench`, README "Speed"). The few statements that every poll, page and post runs (the
token check and access of `chat.services.tokens` and `chat.access`, the page of `chat.selectors.messages`, the
insert of `chat.services.messages`, the event row of `chat.events.services`) are therefore written out beside
their ORM versions, and PostgreSQL prepares them: each connection parses and plans such a statement once, and
afterwards only binds and runs it. They are written so that one plan serves every value, and connections run
them with `plan_cache_mode = force_generic_plan` (chatsite/settings.py): left to choose, PostgreSQL planned the
page anew on every run, which cost more than running it.

The statements still go through Django's cursor wrappers, so query counts in tests, the metrics middleware and
`execute_wrapper` hooks see them as they see any other. Prepared statements need a session of their own on the
server: behind PgBouncer's transaction pooling (before its `max_prepared_statements`) turn them off with
`DATABASE_PREPARED_STATEMENTS=0`; the same SQL then runs with client-side binding.

Other databases (SQLite, for `make run`) keep the ORM's queries: `hot_sql_enabled()` says which path a selector
takes, and tests compare the two paths on PostgreSQL.
"""

from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from typing import Any

from django.conf import settings
from django.db import connections, router
from django.db.backends.utils import CursorWrapper
from django.db.models import Model


def hot_sql_enabled(model: type[Model]) -> bool:
    """Whether the hand-written statements serve reads of this model (PostgreSQL, and not turned off)."""
    return connections[router.db_for_read(model)].vendor == "postgresql" and settings.CHAT_HOT_SQL


def _prepared_cursor_classes() -> tuple[type, type]:
    from django.db.backends.postgresql.base import CursorDebugWrapper, ServerBindingCursor

    class PreparedCursor(ServerBindingCursor):
        """Server-side binding, every statement prepared on its first run on this connection, and results in
        binary (half the cost of reading a page of 100 messages: no UUID or time is parsed from text)."""

        def execute(self, query: Any, params: Any = None, *, prepare: bool | None = None, binary: Any = None) -> Any:
            return super().execute(query, params, prepare=True, binary=True)  # type: ignore[misc]

    class PreparedDebugWrapper(CursorDebugWrapper):
        """Logs a prepared statement with its values in (psycopg keeps no text of a statement run by name)."""

        @contextmanager
        def debug_sql(
            self, sql: Any = None, params: Any = None, use_last_executed_query: bool = False, many: bool = False
        ) -> Iterator[None]:
            if use_last_executed_query and not many:
                sql, use_last_executed_query = self.db.ops.compose_sql(sql, params), False
            with super().debug_sql(sql, params, use_last_executed_query, many):
                yield

    return PreparedCursor, PreparedDebugWrapper


_PREPARED_CURSOR: tuple[type, type] | None = None
_NEVER_BY_COUNT = 2**31


@contextmanager
def hot_cursor(model: type[Model], *, write: bool = False) -> Iterator[CursorWrapper]:
    """A cursor for the hand-written statements, wrapped as Django wraps every cursor (logging, wrappers), on the
    database that reads (or, with `write`, writes) this model."""
    global _PREPARED_CURSOR
    connection = connections[router.db_for_write(model) if write else router.db_for_read(model)]
    if not settings.DATABASE_PREPARED_STATEMENTS:
        with connection.cursor() as cursor:
            yield cursor
        return
    if _PREPARED_CURSOR is None:
        _PREPARED_CURSOR = _prepared_cursor_classes()
    cursor_class, debug_wrapper = _PREPARED_CURSOR
    connection.close_if_health_check_failed()
    connection.ensure_connection()
    connection.validate_thread_sharing()
    if connection.connection.prepare_threshold is None:
        # Django turns psycopg's preparing off for the connection; only these statements ask for it (the ORM's
        # client-side cursors never prepare), so no count ever prepares anything else.
        connection.connection.prepare_threshold = _NEVER_BY_COUNT
    with connection.wrap_database_errors:
        raw = cursor_class(connection.connection)
    _timezone_check(connection, raw)
    wrapped = debug_wrapper(raw, connection) if connection.queries_logged else connection.make_cursor(raw)
    with wrapped as cursor:
        yield cursor


def _timezone_check(connection: Any, cursor: Any) -> None:
    """As Django's own cursors: times load in the connection's time zone, even after it was switched."""
    from django.db.backends.postgresql.base import TIMESTAMPTZ_OID
    from django.db.backends.postgresql.psycopg_any import register_tzloader
    from psycopg.pq import Format

    if connection.timezone != connection.connection.adapters.get_loader(TIMESTAMPTZ_OID, Format.TEXT).timezone:
        register_tzloader(connection.timezone, cursor)


def fetch_rows(model: type[Model], sql: str, params: Sequence[Any] | Mapping[str, Any]) -> list[tuple]:
    """The rows of a hand-written statement, as tuples."""
    with hot_cursor(model) as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()


def fetch_dicts(
    model: type[Model], sql: str, params: Sequence[Any] | Mapping[str, Any], names: Sequence[str]
) -> list[dict[str, Any]]:
    """The rows of a hand-written statement, each as a dict under `names` (in the order of its columns)."""
    with hot_cursor(model) as cursor:
        cursor.execute(sql, params)
        return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]
