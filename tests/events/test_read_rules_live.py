"""The read rules hold on the stream (real uvicorn processes on PostgreSQL): private channels, bans, joins."""

import httpx
import pytest

from chat.models import Participant
from chat.services.chatrooms import channel_create, chatroom_create
from invites.services import invite_create
from tests.events.live import EventStream, World, post, posted_body, stream_env, unique_channel
from tests.servers import uvicorn

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def env() -> dict[str, str]:
    return stream_env(channel=unique_channel(), CHAT_EVENTS_HEARTBEAT_SECONDS="1")


def test_a_private_channel_never_reaches_a_participant_who_may_not_read_it(world: World, env):
    private = channel_create(chatroom=world.chatroom, name="staff", public=False)
    with uvicorn(env) as streamer, uvicorn(env) as writer:
        stream = EventStream(streamer.url, token=world.reader_token)
        poster_stream = EventStream(streamer.url, token=world.poster_token)
        try:
            post(writer.url, world, "secret", channel=str(private.pk))
            post(writer.url, world, "public")
            reader_saw = stream.messages_until_idle()
            poster_saw = poster_stream.messages_until_idle()
        finally:
            stream.close()
            poster_stream.close()
    assert reader_saw == ["public"]
    assert poster_saw == ["secret", "public"]  # the owner reads every channel: the message was an event


def test_a_ban_ends_that_chatrooms_events_at_once(world: World, env):
    participant = Participant.objects.get(chatroom=world.chatroom, user=world.reader)
    with uvicorn(env) as streamer, uvicorn(env) as writer:
        stream = EventStream(streamer.url, token=world.reader_token)
        try:
            post(writer.url, world, "before")
            assert posted_body(stream.next_event("message.posted")) == "before"
            banned = httpx.post(
                f"{writer.url}/api/v1/participants/{participant.pk}/ban/",
                json={"reason": "testing"},
                headers={"Authorization": f"Bearer {world.poster_token}"},
            )
            assert banned.status_code == 200, banned.text
            post(writer.url, world, "after")
            after_ban = stream.messages_until_idle()
        finally:
            stream.close()
    assert after_ban == []


def test_a_chatroom_joined_while_streaming_streams_at_once(world: World, env):
    other = chatroom_create(creator=world.poster, name="Second room")
    invite = invite_create(chatroom=other, created_by=world.poster)
    with uvicorn(env) as streamer, uvicorn(env) as writer:
        stream = EventStream(streamer.url, token=world.reader_token)
        try:
            opening = stream.frame()
            assert opening is not None and opening.comments == ["open"]
            joined = httpx.post(
                f"{writer.url}/api/v1/invites/{invite.pk}/redeem/",
                json={"chatroom": str(other.pk)},
                headers={"Authorization": f"Bearer {world.reader_token}"},
            )
            assert joined.status_code in (200, 201), joined.text
            post(writer.url, world, "welcome", chatroom=other)
            saw = stream.messages_until_idle(beats=3)
        finally:
            stream.close()
    assert saw == ["welcome"]
