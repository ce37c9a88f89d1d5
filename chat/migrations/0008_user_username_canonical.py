"""One canonical username (NFKC + case folding) and the skeleton that look-alike names share: the columns."""

from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ("chat", "0007_search_indexes"),
    ]

    operations = [
        migrations.AddField(
            model_name="user",
            name="username_canonical",
            field=models.CharField(default="", editable=False, max_length=600),
            preserve_default=False,
        ),
        migrations.AddField(
            model_name="user",
            name="username_skeleton",
            field=models.CharField(db_index=True, default="", editable=False, max_length=600),
            preserve_default=False,
        ),
    ]
