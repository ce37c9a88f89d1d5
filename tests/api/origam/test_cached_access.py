"""The cached prologue in one process: reads answer from the cache, writes from the database, bumps at once."""

from chat.models import Message, Participant
from chat.services.participants import participant_ban
from chat.services.tokens import token_issue, token_revoke
from tests.api.origam.helpers import room_url


def test_a_write_reads_the_database_where_a_read_may_answer_from_the_cache(bearer, member, chatroom):
    client = bearer(member)
    assert client.get(room_url(chatroom, "info")).status_code == 200
    # Banned behind the services' back (no version bump): only the database knows.
    Participant.objects.filter(user=member, chatroom=chatroom).update(state=Participant.State.BANNED)
    assert client.get(room_url(chatroom, "info")).status_code == 200  # the cached access, within its bound
    response = client.post(room_url(chatroom, "messages"), {"text": "<p>still here?</p>"}, format="json")
    assert response.status_code == 404, response.content
    assert not Message.objects.filter(author=member).exists()


def test_a_ban_through_the_service_is_seen_by_the_next_read(bearer, owner, member, chatroom):
    client = bearer(member)
    assert client.get(room_url(chatroom, "info")).status_code == 200
    participant_ban(participant=Participant.objects.get(user=member, chatroom=chatroom), actor=owner)
    assert client.get(room_url(chatroom, "info")).status_code == 404


def test_a_revocation_is_seen_by_the_next_read(member, chatroom, api_client):
    raw, _token = token_issue(user=member)
    api_client.credentials(HTTP_AUTHORIZATION=f"Bearer {raw}")
    assert api_client.get("/chatrooms/Chat/localUser").status_code == 200
    token_revoke(raw=raw)
    assert api_client.get("/chatrooms/Chat/localUser").status_code == 401


def test_with_the_cache_off_every_read_asks_the_database(bearer, member, chatroom, settings):
    settings.CHAT_ACCESS_CACHE_SECONDS = 0
    client = bearer(member)
    assert client.get(room_url(chatroom, "info")).status_code == 200
    Participant.objects.filter(user=member, chatroom=chatroom).update(state=Participant.State.BANNED)
    assert client.get(room_url(chatroom, "info")).status_code == 404
