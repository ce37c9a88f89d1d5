"""File messages in file storage: a deleted file message takes its content along."""

from datetime import timedelta

from django.core.files.storage import storages
from django.utils import timezone

from chat.models import Channel, Message, MessageFile
from chat.services.files import file_post
from chat.services.messages import message_hide
from chat.services.retention import history_purge
from tests.access import access_of


def posted_file(participant, content: bytes = b"\x00\x01") -> MessageFile:
    channel = Channel.objects.get(chatroom=participant.chatroom, is_default=True)
    message, _created = file_post(access=access_of(participant), channel_id=channel.pk, content=content)
    return MessageFile.objects.get(message=message)


def test_purged_history_deletes_the_stored_files(owner, chatroom, django_capture_on_commit_callbacks):
    participant = chatroom.participants.get(user=owner)
    purged, kept = posted_file(participant), posted_file(participant, b"kept")
    message_hide(message=purged.message, actor=None, reason="spam")
    Message.objects.filter(pk=purged.message_id).update(sent_at=timezone.now() - timedelta(days=40))
    storage = storages["chat_files"]
    assert storage.exists(purged.content.name) and storage.exists(kept.content.name)

    with django_capture_on_commit_callbacks(execute=True):
        assert history_purge(older_than_days=30, hidden_only=True) == 1

    assert not MessageFile.objects.filter(pk=purged.pk).exists()
    assert not storage.exists(purged.content.name)
    assert storage.exists(kept.content.name)


def test_a_deleted_chatroom_deletes_its_files(owner, chatroom, django_capture_on_commit_callbacks):
    stored = posted_file(chatroom.participants.get(user=owner))

    with django_capture_on_commit_callbacks(execute=True):
        chatroom.delete()

    assert not MessageFile.objects.exists()
    assert not storages["chat_files"].exists(stored.content.name)
