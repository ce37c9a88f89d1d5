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
