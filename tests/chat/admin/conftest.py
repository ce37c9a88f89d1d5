"""The participants and the private channel most admin tests moderate."""

import pytest

from chat.models import Channel, Participant
from chat.services.chatrooms import channel_create


@pytest.fixture
def owner_participant(chatroom, owner) -> Participant:
    return Participant.objects.select_related("chatroom", "user").get(chatroom=chatroom, user=owner)


@pytest.fixture
def member_participant(chatroom, member) -> Participant:
    return Participant.objects.select_related("chatroom", "user").get(chatroom=chatroom, user=member)


@pytest.fixture
def private_channel(chatroom) -> Channel:
    return channel_create(chatroom=chatroom, name="staff", public=False)
