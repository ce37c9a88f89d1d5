"""The README's backup recipe: pg_dump the database, restore it into a fresh one, and every message is there."""

import shutil
import subprocess
import uuid

import psycopg
import pytest
from django.db import connection

from chat.models import Message
from tests.chat.test_history_commands import post

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.skipif(shutil.which("pg_dump") is None, reason="needs pg_dump and pg_restore"),
]


def client_args(settings: dict, database: str) -> list[str]:
    args = ["-h", settings["HOST"] or "127.0.0.1", "-p", str(settings["PORT"] or 5432), "-d", database]
    return [*args, "-U", settings["USER"]] if settings["USER"] else args


@pytest.mark.django_db(transaction=True)
def test_dump_and_restore_keep_every_message(tmp_path, owner, member, chatroom):
    for index in range(30):
        post(chatroom, member if index % 2 else owner, f"message {index} ✓", days_ago=index % 3, hidden=index == 7)
    stored = dict(Message.objects.values_list("id", "body"))
    settings = connection.settings_dict
    dump = tmp_path / "chatsite.dump"
    env = {"PGPASSWORD": settings["PASSWORD"] or "", "PATH": "/usr/bin:/bin"}

    subprocess.run(["pg_dump", "-Fc", "-f", str(dump), *client_args(settings, settings["NAME"])], env=env, check=True)
    fresh = f"restore_{uuid.uuid4().hex[:12]}"
    with connection.cursor() as cursor:
        cursor.execute(f'CREATE DATABASE "{fresh}"')
    try:
        subprocess.run(
            ["pg_restore", "--no-owner", "--exit-on-error", *client_args(settings, fresh), str(dump)],
            env=env,
            check=True,
        )
        conninfo = psycopg.conninfo.make_conninfo(
            host=settings["HOST"] or "127.0.0.1", port=settings["PORT"] or 5432, dbname=fresh,
            user=settings["USER"] or None, password=settings["PASSWORD"] or None,
        )  # fmt: skip
        with psycopg.connect(conninfo) as restored:
            rows: dict[uuid.UUID, str] = dict(
                restored.execute(f"SELECT id, body FROM {Message._meta.db_table}").fetchall()
            )
            hidden = restored.execute(f"SELECT count(*) FROM {Message._meta.db_table} WHERE hidden_at IS NOT NULL")
            assert hidden.fetchone() == (1,)
    finally:
        with connection.cursor() as cursor:
            cursor.execute(f'DROP DATABASE IF EXISTS "{fresh}"')
    assert rows == stored and len(rows) >= 30
