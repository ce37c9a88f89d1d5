"""Computes every user's canonical username and skeleton (its own migration: PostgreSQL then alters the table
in a fresh transaction)."""

from django.db import migrations

from chat.usernames import canonical_username, username_skeleton


def fill_canonical(apps, schema_editor):
    """Computes both forms for every user; refuses to go on when two users' names become one."""
    User = apps.get_model("chat", "User")
    holders: dict[str, list[str]] = {}
    users = list(User.objects.only("pk", "username"))
    for user in users:
        user.username_canonical = canonical_username(user.username)
        user.username_skeleton = username_skeleton(user.username)
        holders.setdefault(user.username_canonical, []).append(user.username)
    collisions = {canonical: names for canonical, names in holders.items() if len(names) > 1}
    if collisions:
        listed = "; ".join(" and ".join(repr(name) for name in names) for names in collisions.values())
        raise RuntimeError(
            f"These usernames are one name once normalised (NFKC, case folded): {listed}. "
            "Rename all but one of each (the admin's Users page, or `manage.py shell`), then migrate again."
        )
    User.objects.bulk_update(users, ["username_canonical", "username_skeleton"], batch_size=1000)


class Migration(migrations.Migration):

    dependencies = [
        ("chat", "0008_user_username_canonical"),
    ]

    operations = [
        migrations.RunPython(fill_canonical, migrations.RunPython.noop),
    ]
