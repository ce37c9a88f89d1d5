"""The data migration to canonical usernames: existing rows get both forms; two rows that become one are refused."""

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

BEFORE = [("chat", "0008_user_username_canonical")]
AFTER = [("chat", "0009_user_username_canonical_fill")]


@pytest.fixture
def old_schema(transactional_db):
    """The database as it stood before the canonical form existed; the current schema is restored afterwards."""
    executor = MigrationExecutor(connection)
    latest = executor.loader.graph.leaf_nodes()
    executor.migrate(BEFORE)
    apps = MigrationExecutor(connection).loader.project_state(BEFORE).apps
    yield apps
    apps.get_model("chat", "User").objects.all().delete()  # rows a test left colliding would stop the way back
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(latest)


def migrate_forward() -> None:
    executor = MigrationExecutor(connection)
    executor.migrate(AFTER)


def test_existing_users_get_their_canonical_form_and_skeleton(old_schema):
    User = old_schema.get_model("chat", "User")
    User.objects.create(username="Alice", password="!")
    User.objects.create(username="adm\u0131n", password="!")

    migrate_forward()

    with connection.cursor() as cursor:
        cursor.execute("SELECT username, username_canonical FROM chat_user")
        rows = dict(cursor.fetchall())
    assert rows == {"Alice": "alice", "adm\u0131n": "adm\u0131n"}


def test_two_users_whose_names_become_one_stop_the_migration_naming_them(old_schema):
    User = old_schema.get_model("chat", "User")
    User.objects.create(username="Stra\u00dfe", password="!")
    User.objects.create(username="STRASSE", password="!")
    User.objects.create(username="bob", password="!")

    with pytest.raises(RuntimeError) as error:
        migrate_forward()

    message = str(error.value)
    assert "'Stra\u00dfe' and 'STRASSE'" in message and "bob" not in message
    assert "Rename all but one" in message
