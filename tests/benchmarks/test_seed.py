"""The benchmark's seeding: the rows it promises, the table's indexes and keys intact, reuse and clean-up."""

from datetime import timedelta

import pytest
from django.db import connection
from django.utils import timezone

from benchmarks import seed
from chat.models import Message, Participant
from chat.services.messages import message_create

pytestmark = [pytest.mark.postgres, pytest.mark.django_db]


def message_table_shape() -> tuple[list, list]:
    """The indexes and constraints of the message table and of those that point at it."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT indexdef FROM pg_indexes WHERE tablename = 'chat_message' ORDER BY indexdef")
        indexes = cursor.fetchall()
        cursor.execute(
            """
            SELECT conrelid::regclass::text, conname, pg_get_constraintdef(oid) FROM pg_constraint
            WHERE conrelid = 'chat_message'::regclass OR confrelid = 'chat_message'::regclass ORDER BY conname
            """
        )
        return indexes, cursor.fetchall()


def test_seeds_each_history_with_100_participants_and_keeps_the_table_intact():
    before = message_table_shape()

    users, rooms, seeded = seed.seeded_rooms(histories=[10, 250])

    assert seeded
    assert message_table_shape() == before
    assert len(users) == seed.PARTICIPANTS
    for history, room in rooms.items():
        messages = Message.objects.filter(chatroom_id=room.chatroom_id)
        assert messages.count() == history
        assert {str(channel) for channel in messages.values_list("channel_id", flat=True)} == {room.channel_id}
        assert messages.filter(sent_at__gte=seed.SEED_END).count() == 0
        participants = Participant.objects.filter(chatroom_id=room.chatroom_id)
        assert participants.count() == seed.PARTICIPANTS
        assert participants.filter(role=Participant.Role.OWNER).get().user == users[0]


def test_a_seeded_database_is_reused_and_loses_only_what_runs_posted():
    _users, rooms, _seeded = seed.seeded_rooms(histories=[20])
    room = rooms[20]
    kept = set(Message.objects.filter(chatroom_id=room.chatroom_id).values_list("id", flat=True))
    message_create(chatroom_id=room.chatroom_id, channel_id=room.channel_id, body="posted", html="", text="")
    Participant.objects.filter(chatroom_id=room.chatroom_id).update(last_read_at=timezone.now() + timedelta(days=1))

    _users, again, seeded = seed.seeded_rooms(histories=[20])

    assert not seeded
    assert again == rooms
    assert set(Message.objects.filter(chatroom_id=room.chatroom_id).values_list("id", flat=True)) == kept
    assert not Participant.objects.filter(chatroom_id=room.chatroom_id).exclude(last_read_at=seed.SEED_END).exists()
