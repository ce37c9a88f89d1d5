"""Search indexes, on PostgreSQL only: full text over message text, trigrams over user names.

The indexes are not part of the models' state (SQLite has neither GIN nor pg_trgm), so `makemigrations` sees no
change on either backend; elsewhere these operations do nothing. They are built CONCURRENTLY, so that adding
them to a live database with millions of messages does not block writes, hence a non-atomic migration.
"""

from django.contrib.postgres.indexes import GinIndex, OpClass
from django.contrib.postgres.search import SearchVector
from django.db import migrations, models
from django.db.models.functions import Cast, Upper

def _indexes():
    """(model, index) pairs: the expression chat.selectors.search filters on, and the one icontains compares."""
    yield "message", GinIndex(SearchVector("text", config="simple"), name="chat_msg_text_search_idx")
    for field in ("username", "display_name"):
        name = f"chat_user_{field}_trgm_idx"
        yield "user", GinIndex(OpClass(Upper(Cast(field, output_field=models.TextField())), name="gin_trgm_ops"), name=name)


def create_indexes(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    # Trusted since PostgreSQL 13: the database owner may create it. Django's TrigramExtension operation is not
    # used because its reverse queries pg_extension on every backend.
    schema_editor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    for model_name, index in _indexes():
        # A concurrent build that failed leaves an invalid index behind: start again from nothing.
        schema_editor.execute(f'DROP INDEX CONCURRENTLY IF EXISTS "{index.name}"')
        schema_editor.add_index(apps.get_model("chat", model_name), index, concurrently=True)


def drop_indexes(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    # pg_trgm stays: other indexes of the database may use it.
    for _model_name, index in _indexes():
        schema_editor.execute(f'DROP INDEX CONCURRENTLY IF EXISTS "{index.name}"')


class Migration(migrations.Migration):
    atomic = False

    dependencies = [
        ("chat", "0006_message_edit_delete"),
    ]

    operations = [
        migrations.RunPython(create_indexes, drop_indexes, elidable=False),
    ]
