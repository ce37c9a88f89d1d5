"""Entering a chatroom the way the adapters do, for tests that call chat/'s reads and writes directly."""

from django.core.cache import cache

from chat.access import RoomAccess, chatroom_access
from chat.models import Participant


def access_of(participant: Participant) -> RoomAccess:
    """The participant's access to its chatroom, read fresh (as `chatroom_enter` would, without presence)."""
    return chatroom_access(user=participant.user, chatroom_id=participant.chatroom_id)


def cached_reads_expire() -> None:
    """A test that changed rows behind the services' back (to make time pass) drops this process's cached token
    checks and accesses, as their expiry (CHAT_ACCESS_CACHE_SECONDS) would by then."""
    cache.clear()
