"""`events_after` costs a fixed number of queries, however many chatrooms, channels and events there are."""

import pytest

from chat.events.selectors import event_cursor_now, events_after
from chat.models import Participant
from chat.services.chatrooms import channel_create, chatroom_create, grant_set
from chat.services.messages import message_post
from chat.services.participants import participant_ban
from tests.access import access_of

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.mark.parametrize("size", [2, 12])
def test_events_after_costs_the_same_queries_whatever_the_size(make_user, size, django_assert_num_queries):
    owner, reader = make_user("boss"), make_user("reader")
    cursor = event_cursor_now()
    for number in range(size):
        room = chatroom_create(creator=owner, name=f"room {number}", invite_users=[reader])
        staff = channel_create(chatroom=room, name="staff", public=False)
        grant_set(channel=staff, user=reader, r=True, w=False, x=False, actor=owner)
        access = access_of(Participant.objects.get(chatroom=room, user=owner))
        for index in range(size):
            message_post(access=access, channel_id=access.default_channel.id, body=f"m{index}", mention_ids=[reader.pk])
            message_post(access=access, channel_id=staff.pk, body=f"s{index}")
    gone = chatroom_create(creator=owner, name="gone", invite_users=[reader])
    participant_ban(participant=Participant.objects.get(chatroom=gone, user=reader), actor=owner)

    # The log's position, the reader's chatrooms and rights, the events (with their messages), the mentions.
    with django_assert_num_queries(4):
        batch = events_after(user=reader, cursor=cursor)
    # Each chatroom's welcome and its messages in both channels; nothing of the chatroom the reader is banned from.
    posted = [event for event in batch.events if event["type"] == "message.posted"]
    assert len(posted) == size + 2 * size * size
    assert str(gone.pk) not in {event["chatroom"] for event in posted}
    with django_assert_num_queries(1):
        assert events_after(user=reader, cursor=None).events == []
    # Nothing new: the position, the chatrooms, the (empty) events.
    with django_assert_num_queries(3):
        assert events_after(user=reader, cursor=batch.cursor).events == []
