from django.db import migrations, models


class Migration(migrations.Migration):
    """Room for each chatroom's message order; 0012 numbers the existing messages, 0013 makes it required."""

    dependencies = [
        ('chat', '0010_user_username_canonical_unique'),
    ]

    operations = [
        migrations.AddField(
            model_name='chatroom',
            name='last_seq',
            field=models.BigIntegerField(default=0, editable=False),
        ),
        migrations.AddField(
            model_name='chatroom',
            name='last_sent_at',
            field=models.DateTimeField(blank=True, editable=False, null=True),
        ),
        migrations.AddField(
            model_name='message',
            name='seq',
            field=models.BigIntegerField(editable=False, null=True),
        ),
    ]
