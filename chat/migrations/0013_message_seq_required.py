from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('chat', '0012_message_seq_numbered'),
    ]

    operations = [
        migrations.AlterField(
            model_name='message',
            name='seq',
            field=models.BigIntegerField(editable=False),
        ),
        migrations.AlterField(
            model_name='message',
            name='sent_at',
            field=models.DateTimeField(editable=False),
        ),
        migrations.AddConstraint(
            model_name='message',
            constraint=models.UniqueConstraint(fields=('chatroom', 'seq'), name='chat_message_unique_seq_per_chatroom'),
        ),
    ]
