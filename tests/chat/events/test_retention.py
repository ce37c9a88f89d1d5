"""The log keeps events for CHAT_EVENTS_RETENTION_HOURS: the purge, and `resync` for cursors it left behind."""

from datetime import timedelta
from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.utils import timezone

from chat.events.models import Event, EventPurge
from chat.events.selectors import event_cursor_now, events_after
from chat.events.services import events_purge
from chat.models import Participant
from chat.services.messages import message_post
from tests.access import access_of
from tests.chat.events.conftest import of_type, read_all

pytestmark = pytest.mark.django_db(transaction=True)


def _post(user, chatroom, body: str) -> None:
    access = access_of(Participant.objects.get(chatroom=chatroom, user=user))
    message_post(access=access, channel_id=access.default_channel.id, body=body)


def _age(hours: float) -> None:
    """Makes every event recorded so far `hours` older."""
    for event in Event.objects.all():
        Event.objects.filter(pk=event.pk).update(created_at=event.created_at - timedelta(hours=hours))


def test_the_purge_deletes_only_events_older_than_the_retention(owner, member, chatroom, settings):
    settings.CHAT_EVENTS_RETENTION_HOURS = 24
    before_all = event_cursor_now()
    _post(owner, chatroom, "old")
    _age(25)
    kept_from = event_cursor_now()
    _post(owner, chatroom, "new")
    old_count = Event.objects.filter(created_at__lt=timezone.now() - timedelta(hours=24)).count()
    assert old_count > 0

    assert events_purge() == old_count
    assert not Event.objects.filter(created_at__lt=timezone.now() - timedelta(hours=24)).exists()
    assert [event["data"]["body"] for event in of_type(read_all(member, kept_from), "message.posted")] == ["new"]
    # A cursor from before the purged events may have missed them: it must reload through v1.
    stale = events_after(user=member, cursor=before_all)
    assert stale.resync and stale.events == []
    # ... and carries on from the cursor it is given.
    _post(owner, chatroom, "newest")
    assert [event["data"]["body"] for event in of_type(read_all(member, stale.cursor), "message.posted")] == ["newest"]


def test_a_cursor_at_the_last_purged_event_lost_nothing(owner, member, chatroom):
    _post(owner, chatroom, "old")
    last_old = read_all(member, "0.0").events[-1]["id"]
    _age(100)
    _post(owner, chatroom, "new")
    events_purge(older_than=timedelta(hours=1))
    batch = events_after(user=member, cursor=last_old)
    assert not batch.resync
    assert [event["data"]["body"] for event in of_type(batch, "message.posted")] == ["new"]


def test_a_cursor_this_log_never_gave_must_resync(owner, member, chatroom):
    _post(owner, chatroom, "hello")
    xid, event_id = (int(part) for part in event_cursor_now().split("."))
    ahead = f"{xid + 1_000_000}.{event_id + 1_000_000}"
    batch = events_after(user=member, cursor=ahead)
    assert batch.resync and batch.events == []


def test_the_command_purges_by_the_setting_or_everything(owner, chatroom, settings):
    settings.CHAT_EVENTS_RETENTION_HOURS = 2
    _post(owner, chatroom, "old")
    _age(3)
    _post(owner, chatroom, "new")
    recent = Event.objects.filter(created_at__gte=timezone.now() - timedelta(hours=2)).count()
    out = StringIO()
    call_command("purge_events", stdout=out)
    assert "events older than 2 hours" in out.getvalue()
    assert Event.objects.count() == recent > 0
    call_command("purge_events", "--all", stdout=out)
    assert Event.objects.count() == 0
    assert EventPurge.objects.count() == 2
    # Nothing left to purge: no purge is recorded.
    call_command("purge_events", "--all", stdout=StringIO())
    assert EventPurge.objects.count() == 2


def test_the_command_refuses_a_retention_under_an_hour(db):
    with pytest.raises(CommandError):
        call_command("purge_events", "--older-than", "0")
