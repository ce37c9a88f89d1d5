"""Fixtures of the event stream's tests."""

import pytest

from chat.services.chatrooms import chatroom_create
from chat.services.participants import participant_add
from chat.services.tokens import token_issue
from tests.events.live import World


@pytest.fixture
def world(make_user) -> World:
    poster, reader = make_user("poster"), make_user("reader")
    chatroom = chatroom_create(creator=poster, name="Live room")
    participant_add(chatroom=chatroom, user=reader)
    return World(
        chatroom=chatroom,
        poster=poster,
        poster_token=token_issue(user=poster)[0],
        reader=reader,
        reader_token=token_issue(user=reader)[0],
    )
