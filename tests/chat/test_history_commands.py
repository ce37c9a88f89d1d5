"""export_chatroom and purge_history: what they write, what they delete, and the moderation log rows."""

import json
from datetime import timedelta

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone

from chat.access import chatroom_access
from chat.models import Message, ModerationLog
from chat.services.chatrooms import chatroom_create, default_channel
from chat.services.messages import message_post


def post(chatroom, author, body: str, *, days_ago: int = 0, hidden: bool = False) -> Message:
    access = chatroom_access(user=author, chatroom_id=chatroom.pk)
    message, _ = message_post(access=access, channel_id=default_channel(chatroom_id=chatroom.pk).pk, body=body)
    sent_at = timezone.now() - timedelta(days=days_ago)
    Message.objects.filter(pk=message.pk).update(sent_at=sent_at, hidden_at=sent_at if hidden else None)
    return message


@pytest.mark.django_db
def test_export_writes_the_chatroom_its_participants_and_every_message_oldest_first(
    tmp_path, owner, member, chatroom, capsys
):
    old = post(chatroom, member, "first", days_ago=3)
    hidden = post(chatroom, owner, "hidden one", days_ago=2, hidden=True)
    new = post(chatroom, member, "latest")
    other = chatroom_create(creator=owner, name="Elsewhere")
    post(other, owner, "not exported")

    call_command("export_chatroom", str(chatroom.pk), "--output", str(tmp_path / "out.jsonl"))

    lines = [json.loads(line) for line in (tmp_path / "out.jsonl").read_text().splitlines()]
    assert lines[0] == {
        "type": "chatroom", "id": str(chatroom.pk), "name": "Tea room", "created_at": lines[0]["created_at"]
    }  # fmt: skip
    participants = [line for line in lines if line["type"] == "participant"]
    assert {line["username"]: line["role"] for line in participants} == {"owner": "owner", "member": "member"}
    messages = {line["id"]: line for line in lines if line["type"] == "message"}
    stored = [str(pk) for pk in Message.objects.filter(chatroom=chatroom).order_by("seq").values_list("pk", flat=True)]
    assert list(messages) == stored  # every message (the system ones too), in the chatroom's order
    assert stored.index(str(old.pk)) < stored.index(str(hidden.pk)) < stored.index(str(new.pk))
    assert messages[str(old.pk)]["body"] == "first" and messages[str(old.pk)]["author_id"] == str(member.pk)
    assert messages[str(hidden.pk)]["hidden_at"] is not None and messages[str(new.pk)]["hidden_at"] is None
    assert messages[str(new.pk)]["file"] is None
    assert f"Exported 2 participants and {len(stored)} messages." in capsys.readouterr().err
    log = ModerationLog.objects.get(action="chatroom_export")
    assert log.chatroom == chatroom and log.target == f"{len(stored)} messages, 2 participants"


@pytest.mark.django_db
def test_export_to_standard_output(owner, chatroom, capfdbinary):
    post(chatroom, owner, "hello")
    call_command("export_chatroom", str(chatroom.pk))
    lines = [json.loads(line) for line in capfdbinary.readouterr().out.splitlines()]
    assert [line["type"] for line in lines[:2]] == ["chatroom", "participant"]
    assert [line["body"] for line in lines[2:] if line["kind"] == "text"] == ["hello"]


@pytest.mark.django_db
@pytest.mark.parametrize("chatroom_id", ["not-a-uuid", "00000000-0000-0000-0000-000000000000"])
def test_export_of_an_unknown_chatroom_fails_clearly(chatroom_id):
    with pytest.raises(CommandError):
        call_command("export_chatroom", chatroom_id)
    assert not ModerationLog.objects.exists()


@pytest.mark.django_db
def test_purge_hidden_only_deletes_old_hidden_messages(owner, member, chatroom, capsys):
    old_hidden = post(chatroom, member, "old hidden", days_ago=40, hidden=True)
    old_shown = post(chatroom, member, "old shown", days_ago=40)
    new_hidden = post(chatroom, member, "new hidden", days_ago=1, hidden=True)

    call_command("purge_history", "--older-than", "30", "--hidden-only")

    remaining = set(Message.objects.values_list("pk", flat=True))
    assert old_hidden.pk not in remaining and {old_shown.pk, new_hidden.pk} <= remaining
    assert "Deleted 1 hidden messages older than 30 days." in capsys.readouterr().out
    log = ModerationLog.objects.get(action="history_purge")
    assert log.chatroom == chatroom and log.target.startswith("1 hidden messages sent before ")
    assert log.reason == "retention of 30 days"


@pytest.mark.django_db
def test_purge_all_deletes_every_old_message_in_every_chatroom(owner, member, chatroom):
    other = chatroom_create(creator=owner, name="Elsewhere")
    reply_target = post(chatroom, member, "old", days_ago=40)
    post(chatroom, member, "old hidden", days_ago=40, hidden=True)
    post(other, owner, "old elsewhere", days_ago=35)
    kept = post(chatroom, member, "recent", days_ago=5)
    Message.objects.filter(pk=kept.pk).update(reply_to=reply_target)

    call_command("purge_history", "--older-than", "30")

    assert list(Message.objects.filter(kind="text").values_list("pk", flat=True)) == [kept.pk]
    assert Message.objects.get(pk=kept.pk).reply_to is None
    rows = ModerationLog.objects.filter(action="history_purge").values_list("chatroom__name", "target")
    logs = {name: target.split(" sent")[0] for name, target in rows}
    assert logs == {"Tea room": "2 messages", "Elsewhere": "1 messages"}


@pytest.mark.django_db
def test_purge_defaults_to_the_retention_setting(settings, owner, chatroom):
    old = post(chatroom, owner, "old", days_ago=10)
    settings.CHAT_RETENTION_DAYS = 7
    call_command("purge_history")
    assert not Message.objects.filter(pk=old.pk).exists()


@pytest.mark.django_db
def test_purge_without_a_retention_refuses(settings, owner, chatroom):
    post(chatroom, owner, "old", days_ago=1000)
    settings.CHAT_RETENTION_DAYS = 0
    with pytest.raises(CommandError, match="--older-than"):
        call_command("purge_history")
    with pytest.raises(CommandError, match="at least one day"):
        call_command("purge_history", "--older-than", "-1")
    assert Message.objects.filter(kind="text").count() == 1 and not ModerationLog.objects.exists()


@pytest.mark.django_db
def test_purge_deletes_in_batches_until_nothing_is_left(monkeypatch, owner, chatroom):
    from chat.services import retention

    monkeypatch.setattr(retention, "BATCH_SIZE", 2)
    for index in range(5):
        post(chatroom, owner, f"old {index}", days_ago=90)
    assert retention.history_purge(older_than_days=30, hidden_only=False) == 5
    assert not Message.objects.filter(kind="text").exists()


@pytest.mark.django_db
def test_purge_removes_the_stored_content_of_file_messages(
    owner, chatroom, tmp_path, django_capture_on_commit_callbacks
):
    from chat.models import MessageFile
    from chat.services.files import file_post

    access = chatroom_access(user=owner, chatroom_id=chatroom.pk)
    channel_id = default_channel(chatroom_id=chatroom.pk).pk
    old, _ = file_post(access=access, channel_id=channel_id, content=b"old bytes", name="old.txt")
    new, _ = file_post(access=access, channel_id=channel_id, content=b"new bytes", name="new.txt")
    Message.objects.filter(pk=old.pk).update(sent_at=timezone.now() - timedelta(days=60))
    old_name, new_name = (MessageFile.objects.get(pk=message.pk).content.name for message in (old, new))
    assert (tmp_path / old_name).is_file()

    with django_capture_on_commit_callbacks(execute=True):
        call_command("purge_history", "--older-than", "30")

    assert not MessageFile.objects.filter(pk=old.pk).exists()
    assert not (tmp_path / old_name).exists()
    assert (tmp_path / new_name).read_bytes() == b"new bytes"


@pytest.mark.django_db
def test_export_names_the_stored_file_of_a_file_message(owner, chatroom, capfdbinary):
    from chat.services.files import file_post

    access = chatroom_access(user=owner, chatroom_id=chatroom.pk)
    message, _ = file_post(
        access=access, channel_id=default_channel(chatroom_id=chatroom.pk).pk, content=b"12345", name="notes.txt"
    )
    call_command("export_chatroom", str(chatroom.pk))
    lines = [json.loads(line) for line in capfdbinary.readouterr().out.splitlines()]
    exported = next(line for line in lines if line.get("id") == str(message.pk))
    assert exported["kind"] == "file"
    assert exported["file"] == {"name": "notes.txt", "size": 5, "stored_as": f"chatrooms/{chatroom.pk}/{message.pk}"}
