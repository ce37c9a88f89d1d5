"""Reads about chatrooms: the caller's membership and the participant list."""

import uuid
from datetime import timedelta

import pytest
from django.utils import timezone

from chat.access import chatroom_access
from chat.exceptions import NotFound, NotParticipant
from chat.models import Participant
from chat.selectors.chatrooms import participant_rows
from chat.services.participants import participant_add, participant_ban

pytestmark = pytest.mark.django_db


def test_chatroom_access_unknown_chatroom_is_not_found(member):
    with pytest.raises(NotFound):
        chatroom_access(user=member, chatroom_id=uuid.uuid4())


def test_chatroom_access_refuses_outsiders_and_the_banned(chatroom, owner, member, outsider):
    with pytest.raises(NotParticipant):
        chatroom_access(user=outsider, chatroom_id=chatroom.pk)
    participant_ban(participant=Participant.objects.get(chatroom=chatroom, user=member), actor=owner)
    with pytest.raises(NotParticipant):
        chatroom_access(user=member, chatroom_id=chatroom.pk)


@pytest.mark.parametrize("count", [3, 60])
def test_participant_rows_oldest_first_active_only_in_one_query(
    chatroom, owner, make_user, count, django_assert_num_queries
):
    start = timezone.now() - timedelta(days=1)
    Participant.objects.filter(chatroom=chatroom).update(joined_at=start)
    for number in range(count):
        participant, _ = participant_add(chatroom=chatroom, user=make_user(f"p{number:02}", display_name=f"P {number}"))
        Participant.objects.filter(pk=participant.pk).update(joined_at=start + timedelta(minutes=count - number))
    banned = make_user("banned")
    participant_add(chatroom=chatroom, user=banned)
    participant_ban(participant=Participant.objects.get(chatroom=chatroom, user=banned), actor=owner)
    with django_assert_num_queries(1):
        rows = participant_rows(chatroom_id=chatroom.pk)
    assert [row["user__username"] for row in rows] == ["owner"] + [f"p{n:02}" for n in reversed(range(count))]
    last = rows[1]
    assert last["user__display_name"] == f"P {count - 1}" and last["role"] == "member"
    assert {"user_id", "last_seen_at", "user__color_r", "user__color_g", "user__color_b"} <= set(last)
