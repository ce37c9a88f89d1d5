"""Integrity lives in the database: each constraint refuses a bad row even when Python is bypassed."""

import pytest

from chat.models import Channel, ChannelGrant, Participant, User
from tests.db import refused

pytestmark = pytest.mark.django_db


def test_username_is_unique_regardless_of_case():
    User.objects.create(username="Alice")
    assert refused(lambda: User.objects.create(username="aLICE"))
    assert not refused(lambda: User.objects.create(username="alice2"))
    assert User.objects.filter(username__iexact="alice").count() == 1


@pytest.mark.parametrize("field", ["color_r", "color_g", "color_b"])
def test_colour_components_stay_in_range(field):
    assert refused(lambda: User.objects.create(username="painter", **{field: 256}))
    assert not refused(lambda: User.objects.create(username="painter", **{field: 255}))


def test_one_participant_row_per_user_and_chatroom(chatroom, member):
    assert refused(lambda: Participant.objects.create(chatroom=chatroom, user=member))
    assert Participant.objects.filter(chatroom=chatroom, user=member).count() == 1


def test_one_owner_per_chatroom(chatroom, member):
    participant = Participant.objects.get(chatroom=chatroom, user=member)
    assert refused(lambda: Participant.objects.filter(pk=participant.pk).update(role=Participant.Role.OWNER))
    assert Participant.objects.filter(chatroom=chatroom, role=Participant.Role.OWNER).count() == 1


def test_one_default_channel_per_chatroom(chatroom):
    assert refused(lambda: Channel.objects.create(chatroom=chatroom, name="second", is_default=True))
    assert not refused(lambda: Channel.objects.create(chatroom=chatroom, name="second", is_default=False))


def test_channel_names_are_unique_per_chatroom(chatroom, owner):
    from chat.services.chatrooms import chatroom_create

    Channel.objects.create(chatroom=chatroom, name="news")
    assert refused(lambda: Channel.objects.create(chatroom=chatroom, name="news"))
    other = chatroom_create(creator=owner, name="Other room")
    assert not refused(lambda: Channel.objects.create(chatroom=other, name="news"))


def test_one_grant_per_user_and_channel(chatroom, member):
    channel = Channel.objects.create(chatroom=chatroom, name="secret", public=False)
    ChannelGrant.objects.create(channel=channel, user=member)
    assert refused(lambda: ChannelGrant.objects.create(channel=channel, user=member, w=True))
