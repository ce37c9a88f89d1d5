"""The search migration: indexes on PostgreSQL, nothing on SQLite, both ways, the model state untouched."""

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

pytestmark = pytest.mark.django_db(transaction=True)

SEARCH_INDEXES = {"chat_msg_text_search_idx", "chat_user_username_trgm_idx", "chat_user_display_name_trgm_idx"}
BEFORE, AFTER = ("chat", "0006_message_edit_delete"), ("chat", "0007_search_indexes")


def index_names() -> set[str]:
    with connection.cursor() as cursor:
        return {
            name
            for table in ("chat_message", "chat_user")
            for name in connection.introspection.get_constraints(cursor, table)
        }


def migrate(target: tuple[str, str]) -> None:
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate([target])


def test_the_migration_applies_and_reverts_on_either_backend(is_postgres):
    try:
        migrate(BEFORE)
        assert not SEARCH_INDEXES & index_names()
        migrate(AFTER)
        assert (SEARCH_INDEXES & index_names()) == (SEARCH_INDEXES if is_postgres else set())
    finally:
        migrate(MigrationExecutor(connection).loader.graph.leaf_nodes("chat")[0])
    assert (index_names() >= SEARCH_INDEXES) is is_postgres
