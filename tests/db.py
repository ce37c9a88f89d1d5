"""Helpers for tests of database constraints."""

from django.db import IntegrityError, transaction


def refused(create) -> bool:
    """Whether the database refuses what `create` writes (inside its own savepoint)."""
    try:
        with transaction.atomic():
            create()
    except IntegrityError:
        return True
    return False


def wake_statements() -> int:
    """Statements a committed write that recorded events sends after its commit to wake the event streams.

    One `pg_notify` on PostgreSQL without Redis; none with Redis (a PUBLISH, no database statement) or on
    SQLite (in process). A test's transaction that never commits sends none.
    """
    from django.conf import settings
    from django.db import connection

    return int(connection.vendor == "postgresql" and not settings.CHAT_EVENTS_REDIS_URL)
