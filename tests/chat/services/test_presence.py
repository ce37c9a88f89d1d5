"""Presence and read markers: fresh enough, without a write on every poll."""

from datetime import UTC, datetime, timedelta

import pytest

from chat.models import Participant
from chat.services.presence import (
    pending_read_markers,
    presence_status,
    presence_touch,
    read_marker,
    read_marker_move,
)

pytestmark = pytest.mark.django_db

T0 = datetime(2030, 1, 1, 12, 0, tzinfo=UTC)


def stored(participant: Participant) -> Participant:
    return Participant.objects.get(pk=participant.pk)


@pytest.fixture
def participant(chatroom, member) -> Participant:
    # With its user, as `chatroom_enter` hands it over (the presence event names the user).
    return Participant.objects.select_related("user").get(chatroom=chatroom, user=member)


def test_presence_touch_writes_at_most_once_per_interval(participant, settings, django_assert_num_queries):
    interval = timedelta(seconds=settings.CHAT_PRESENCE_WRITE_INTERVAL_SECONDS)
    with django_assert_num_queries(2):  # the UPDATE and its event
        assert presence_touch(participant=participant, now=T0) is True
    assert stored(participant).last_seen_at == T0
    with django_assert_num_queries(0):
        assert presence_touch(participant=participant, now=T0 + interval - timedelta(microseconds=1)) is False
    assert stored(participant).last_seen_at == T0
    with django_assert_num_queries(2):
        assert presence_touch(participant=participant, now=T0 + interval) is True
    assert stored(participant).last_seen_at == T0 + interval


def test_a_fresh_row_read_from_the_database_costs_no_query(participant, django_assert_num_queries):
    presence_touch(participant=participant, now=T0)
    again = stored(participant)
    with django_assert_num_queries(0):
        assert presence_touch(participant=again, now=T0 + timedelta(seconds=5)) is False


def test_presence_touch_with_a_stale_row_does_not_claim_a_write(participant):
    # Another request (another process) touched the row a moment ago; this copy still says "never".
    stale = stored(participant)
    presence_touch(participant=participant, now=T0)
    assert presence_touch(participant=stale, now=T0 + timedelta(seconds=1)) is False
    assert stored(participant).last_seen_at == T0


def test_presence_touch_never_moves_back(participant):
    presence_touch(participant=participant, now=T0)
    assert presence_touch(participant=stored(participant), now=T0 - timedelta(hours=1)) is False
    assert stored(participant).last_seen_at == T0


def test_read_marker_never_moves_back(participant, settings, django_assert_num_queries):
    later = T0 + timedelta(seconds=settings.CHAT_READ_MARKER_WRITE_INTERVAL_SECONDS)
    assert read_marker_move(participant=participant, up_to=T0, now=T0) is True
    with django_assert_num_queries(0):
        assert read_marker_move(participant=participant, up_to=T0 - timedelta(seconds=1), now=later) is False
        assert read_marker_move(participant=participant, up_to=T0, now=later) is False
    assert stored(participant).last_read_at == T0
    assert read_marker_move(participant=stored(participant), up_to=T0 + timedelta(seconds=1), now=later) is True
    assert stored(participant).last_read_at == T0 + timedelta(seconds=1)
    # A stale copy cannot pull the marker back either.
    stale = Participant.objects.get(pk=participant.pk)
    stale.last_read_at = None
    assert read_marker_move(participant=stale, up_to=T0, now=later) is False
    assert stored(participant).last_read_at == T0 + timedelta(seconds=1)


def test_in_an_active_room_the_marker_is_stored_once_per_interval(participant, settings, django_assert_num_queries):
    """Moves within the interval after the stored marker wait in the cache; counts read them from there."""
    interval = timedelta(seconds=settings.CHAT_READ_MARKER_WRITE_INTERVAL_SECONDS)
    assert read_marker_move(participant=participant, up_to=T0, now=T0) is True
    for step in range(1, 5):
        moved_to, copy = T0 + step * interval / 5, stored(participant)
        with django_assert_num_queries(0):
            assert read_marker_move(participant=copy, up_to=moved_to, now=moved_to) is False
        assert stored(participant).last_read_at == T0
        assert read_marker(participant=stored(participant)) == moved_to
    assert pending_read_markers(participant_ids=[participant.pk]) == {participant.pk: T0 + 4 * interval / 5}
    # The first move once the stored marker is an interval old writes the row (and its event).
    copy = stored(participant)
    with django_assert_num_queries(2):
        assert read_marker_move(participant=copy, up_to=T0 + interval, now=T0 + interval) is True
    assert stored(participant).last_read_at == T0 + interval
    assert read_marker(participant=stored(participant)) == T0 + interval


def test_a_first_read_after_a_quiet_spell_is_stored_at_once(participant, settings):
    interval = timedelta(seconds=settings.CHAT_READ_MARKER_WRITE_INTERVAL_SECONDS)
    read_marker_move(participant=participant, up_to=T0, now=T0)
    # The next message comes an hour later: its reader's move is written, not kept pending.
    assert read_marker_move(participant=stored(participant), up_to=T0 + timedelta(hours=1), now=T0 + interval) is True
    assert stored(participant).last_read_at == T0 + timedelta(hours=1)
    assert pending_read_markers(participant_ids=[participant.pk]) == {}


def test_a_move_another_process_beat_waits_as_pending(participant, settings):
    # This copy says "never read"; another process stored a marker a moment ago.
    stale = stored(participant)
    read_marker_move(participant=participant, up_to=T0, now=T0)
    assert read_marker_move(participant=stale, up_to=T0 + timedelta(seconds=1), now=T0 + timedelta(seconds=1)) is False
    assert stored(participant).last_read_at == T0
    assert read_marker(participant=stored(participant)) == T0 + timedelta(seconds=1)


def test_read_marker_moves_only_its_own_row(chatroom, owner, participant):
    read_marker_move(participant=participant, up_to=T0)
    assert Participant.objects.get(chatroom=chatroom, user=owner).last_read_at is None


@pytest.mark.parametrize(
    ("age", "status"),
    [(None, "none"), (0, "online"), (59, "online"), (60, "away"), (899, "away"), (900, "offline"), (86400, "offline")],
)
def test_presence_status_thresholds(age, status):
    last_seen = None if age is None else T0 - timedelta(seconds=age)
    assert presence_status(last_seen_at=last_seen, now=T0) == status


def test_presence_status_thresholds_are_settings(settings):
    settings.CHAT_PRESENCE_ONLINE_SECONDS = 5
    settings.CHAT_PRESENCE_AWAY_SECONDS = 10
    assert presence_status(last_seen_at=T0 - timedelta(seconds=5), now=T0) == "away"
    assert presence_status(last_seen_at=T0 - timedelta(seconds=10), now=T0) == "offline"
