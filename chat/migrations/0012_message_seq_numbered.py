from django.db import migrations

# One statement over the whole table: each chatroom's messages numbered in the order they were read in until now.
NUMBER_MESSAGES = """
UPDATE chat_message SET seq = numbered.seq
FROM (
    SELECT id, row_number() OVER (PARTITION BY chatroom_id ORDER BY sent_at, id) AS seq FROM chat_message
) AS numbered
WHERE chat_message.id = numbered.id
"""
MARK_CHATROOMS = """
UPDATE chat_chatroom SET last_seq = newest.seq, last_sent_at = newest.sent_at
FROM (SELECT chatroom_id, max(seq) AS seq, max(sent_at) AS sent_at FROM chat_message GROUP BY chatroom_id) AS newest
WHERE chat_chatroom.id = newest.chatroom_id
"""
BATCH = 1000


def number_messages(apps, schema_editor):
    """Numbers the messages of each chatroom by (sent_at, id), the order pages had, and marks each chatroom's end."""
    if schema_editor.connection.vendor == "postgresql":
        with schema_editor.connection.cursor() as cursor:
            cursor.execute(NUMBER_MESSAGES)
            cursor.execute(MARK_CHATROOMS)
        return
    # The embedded database holds one small site: a loop is fast enough there.
    Chatroom = apps.get_model("chat", "Chatroom")
    Message = apps.get_model("chat", "Message")
    for chatroom in Chatroom.objects.all().iterator():
        seq = 0
        batch = []
        sent_at = None
        for message in Message.objects.filter(chatroom=chatroom).order_by("sent_at", "id").only("id", "sent_at"):
            seq += 1
            message.seq = seq
            sent_at = message.sent_at
            batch.append(message)
            if len(batch) == BATCH:
                Message.objects.bulk_update(batch, ["seq"])
                batch = []
        Message.objects.bulk_update(batch, ["seq"])
        Chatroom.objects.filter(pk=chatroom.pk).update(last_seq=seq, last_sent_at=sent_at)


class Migration(migrations.Migration):

    dependencies = [
        ('chat', '0011_message_seq'),
    ]

    operations = [
        migrations.RunPython(number_messages, migrations.RunPython.noop),
    ]
