"""Who sees which event is decided when the log is read: private channels, bans and removals."""

import pytest

from chat.events.selectors import event_cursor_now, events_after
from chat.models import Channel, Participant
from chat.services.chatrooms import channel_create, grant_set
from chat.services.messages import message_post
from chat.services.participants import participant_ban, participant_unban
from tests.access import access_of
from tests.chat.events.conftest import of_type, read_all

pytestmark = pytest.mark.django_db(transaction=True)


def _post(user, chatroom, body: str, channel: Channel | None = None):
    access = access_of(Participant.objects.get(chatroom=chatroom, user=user))
    channel_id = channel.pk if channel is not None else access.default_channel.id
    return message_post(access=access, channel_id=channel_id, body=body)[0]


def test_a_private_channel_s_messages_reach_only_its_readers(owner, member, make_user, chatroom):
    reader = make_user("reader")
    Participant.objects.create(chatroom=chatroom, user=reader)
    staff = channel_create(chatroom=chatroom, name="staff", public=False)
    grant_set(channel=staff, user=reader, r=True, w=False, x=False, actor=owner)
    cursor = event_cursor_now()
    secret = _post(owner, chatroom, "the secret", staff)
    _post(owner, chatroom, "for everyone")

    def bodies(user) -> list[str]:
        return [event["data"]["body"] for event in of_type(read_all(user, cursor), "message.posted")]

    assert bodies(owner) == ["the secret", "for everyone"]
    assert bodies(reader) == ["the secret", "for everyone"]
    assert bodies(member) == ["for everyone"]
    assert str(secret.pk) not in str(read_all(member, cursor).events)


def test_a_grant_taken_away_hides_the_channel_s_events_at_once(owner, make_user, chatroom):
    reader = make_user("reader")
    Participant.objects.create(chatroom=chatroom, user=reader)
    staff = channel_create(chatroom=chatroom, name="staff", public=False)
    grant_set(channel=staff, user=reader, r=True, w=False, x=False, actor=owner)
    cursor = event_cursor_now()
    _post(owner, chatroom, "while granted", staff)
    grant_set(channel=staff, user=reader, r=False, w=False, x=False, actor=owner)

    # Read after the grant went: the earlier message is not shown either (rights as they are when read).
    assert of_type(read_all(reader, cursor), "message.posted") == []


def test_a_ban_ends_the_chatroom_s_events_but_for_the_one_saying_so(owner, member, chatroom):
    cursor = event_cursor_now()
    _post(owner, chatroom, "before the ban")
    participant = Participant.objects.get(chatroom=chatroom, user=member)
    participant_ban(participant=participant, actor=owner, reason="spam")
    _post(owner, chatroom, "after the ban")

    batch = read_all(member, cursor)
    # Membership is read when the log is: nothing of the chatroom, not even what came before the ban.
    assert [event["type"] for event in batch.events] == ["participant.banned"]
    assert batch.events[0]["data"]["user"]["id"] == str(member.pk)
    assert batch.events[0]["data"]["state"] == "banned"
    # The others see the ban too, once.
    assert len(of_type(read_all(owner, cursor), "participant.banned")) == 1


def test_a_removed_participant_sees_only_their_removal(client_for, owner, member, chatroom):
    cursor = event_cursor_now()
    _post(owner, chatroom, "before")
    theirs = Participant.objects.get(chatroom=chatroom, user=member)
    assert client_for(owner).delete(f"/api/v1/participants/{theirs.pk}/").status_code == 204
    _post(owner, chatroom, "after")

    batch = read_all(member, cursor)
    assert [event["type"] for event in batch.events] == ["participant.left"]
    assert len(of_type(read_all(owner, cursor), "participant.left")) == 1


def test_an_outsider_sees_nothing_of_the_chatroom(owner, outsider, chatroom):
    cursor = event_cursor_now()
    _post(owner, chatroom, "hello")
    batch = events_after(user=outsider, cursor=cursor)
    assert batch.events == [] and batch.cursor == cursor and not batch.resync


def test_a_user_banned_and_unbanned_is_told_of_their_ban_once(owner, member, chatroom):
    cursor = event_cursor_now()
    participant = Participant.objects.get(chatroom=chatroom, user=member)
    participant_ban(participant=participant, actor=owner, reason="spam")
    participant_unban(participant=Participant.objects.get(pk=participant.pk), actor=owner)

    # Active again, the member could read the chatroom's copy of the ban too: only their own copy is shown.
    mine = of_type(read_all(member, cursor), "participant.banned", "participant.unbanned")
    assert [event["type"] for event in mine] == ["participant.banned", "participant.unbanned"]
    theirs = of_type(read_all(owner, cursor), "participant.banned", "participant.unbanned")
    assert [event["type"] for event in theirs] == ["participant.banned", "participant.unbanned"]
