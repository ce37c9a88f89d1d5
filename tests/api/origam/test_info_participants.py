"""info (read and rename), participants with presence, and presence kept without a write on every request."""

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from chat.models import Participant
from chat.services.participants import participant_add, participant_ban
from tests.access import cached_reads_expire
from tests.api.origam.helpers import participant_of, room_url


def test_info_shape(bearer, owner, chatroom):
    response = bearer(owner).get(room_url(chatroom, "info"))
    assert response.status_code == 200
    assert response.json() == {
        "id": str(chatroom.pk),
        "topic": "Tea room",
        "categoryName": "",
        "referenceId": None,
        "unreadMessageCount": 1,
    }


@pytest.mark.parametrize("method", ["patch", "post"])
def test_any_participant_renames_the_chatroom(bearer, member, chatroom, method):
    response = getattr(bearer(member), method)(room_url(chatroom, "info"), {"topic": "  Coffee room "}, format="json")
    assert response.status_code == 200
    assert response.json()["topic"] == "Coffee room"
    chatroom.refresh_from_db()
    assert chatroom.name == "Coffee room"


@pytest.mark.parametrize(
    "body", [{}, {"topic": ""}, {"topic": "   "}, {"topic": None}, {"topic": 5}, {"topic": "x" * 101}, {"name": "x"}]
)
def test_bad_topic_is_400(bearer, member, chatroom, body):
    response = bearer(member).patch(room_url(chatroom, "info"), body, format="json")
    assert response.status_code == 400
    assert set(response.json()) == {"detail", "code"}
    chatroom.refresh_from_db()
    assert chatroom.name == "Tea room"


def test_topic_of_100_characters_is_fine(bearer, member, chatroom):
    assert bearer(member).patch(room_url(chatroom, "info"), {"topic": "y" * 100}, format="json").status_code == 200
    chatroom.refresh_from_db()
    assert chatroom.name == "y" * 100


def _seen(user, chatroom, ago: timedelta | None) -> None:
    Participant.objects.filter(user=user, chatroom=chatroom).update(
        last_seen_at=None if ago is None else timezone.now() - ago
    )
    cached_reads_expire()


def test_participants_with_their_status(bearer, make_user, owner, member, admin_member, chatroom):
    never = make_user("never", display_name="Never Seen")
    gone = make_user("gone")
    participant_add(chatroom=chatroom, user=never)
    participant_add(chatroom=chatroom, user=gone)
    _seen(member, chatroom, timedelta(seconds=30))
    _seen(admin_member, chatroom, timedelta(minutes=5))
    _seen(gone, chatroom, timedelta(hours=2))
    response = bearer(owner).get(room_url(chatroom, "participants"))
    assert response.status_code == 200
    assert response.json() == [
        {"id": str(owner.pk), "name": "owner", "avatarUrl": str(owner.pk), "status": "online"},
        {"id": str(member.pk), "name": "member", "avatarUrl": str(member.pk), "status": "online"},
        {"id": str(admin_member.pk), "name": "roomadmin", "avatarUrl": str(admin_member.pk), "status": "away"},
        {"id": str(never.pk), "name": "Never Seen", "avatarUrl": str(never.pk), "status": "none"},
        {"id": str(gone.pk), "name": "gone", "avatarUrl": str(gone.pk), "status": "offline"},
    ]


def test_presence_thresholds_are_settings(bearer, owner, member, chatroom, settings):
    settings.CHAT_PRESENCE_ONLINE_SECONDS = 10
    settings.CHAT_PRESENCE_AWAY_SECONDS = 20
    _seen(member, chatroom, timedelta(seconds=15))
    statuses = {p["id"]: p["status"] for p in bearer(owner).get(room_url(chatroom, "participants")).json()}
    assert statuses[str(member.pk)] == "away"
    _seen(member, chatroom, timedelta(seconds=25))
    statuses = {p["id"]: p["status"] for p in bearer(owner).get(room_url(chatroom, "participants")).json()}
    assert statuses[str(member.pk)] == "offline"


def test_banned_participants_are_not_listed(bearer, owner, member, chatroom):
    participant_ban(participant=participant_of(member, chatroom), actor=owner)
    ids = [p["id"] for p in bearer(owner).get(room_url(chatroom, "participants")).json()]
    assert ids == [str(owner.pk)]


@pytest.mark.parametrize("endpoint", ["info", "messages", "participants", "usersToMention"])
def test_a_request_into_the_chatroom_marks_the_caller_present(bearer, member, chatroom, endpoint):
    assert participant_of(member, chatroom).last_seen_at is None
    assert bearer(member).get(room_url(chatroom, endpoint)).status_code == 200
    seen = participant_of(member, chatroom).last_seen_at
    assert seen is not None and timezone.now() - seen < timedelta(seconds=5)


def test_presence_is_written_at_most_once_per_interval(bearer, member, chatroom, settings):
    settings.CHAT_PRESENCE_WRITE_INTERVAL_SECONDS = 15
    client = bearer(member)
    client.get(room_url(chatroom, "info"))
    first = participant_of(member, chatroom).last_seen_at
    with CaptureQueriesContext(connection) as queries:
        assert client.get(room_url(chatroom, "info")).status_code == 200
    assert not [q for q in queries if q["sql"].lstrip().upper().startswith("UPDATE")]
    assert participant_of(member, chatroom).last_seen_at == first
    _seen(member, chatroom, timedelta(seconds=16))
    client.get(room_url(chatroom, "info"))
    assert participant_of(member, chatroom).last_seen_at > first
