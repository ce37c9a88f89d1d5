"""The canonical username is unique; it replaces the case-insensitive constraint on Lower(username)."""

from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ("chat", "0009_user_username_canonical_fill"),
    ]

    operations = [
        migrations.RemoveConstraint(
            model_name="user",
            name="chat_user_username_ci_unique",
        ),
        migrations.AddConstraint(
            model_name="user",
            constraint=models.UniqueConstraint(fields=("username_canonical",), name="chat_user_username_canonical_unique"),
        ),
    ]
