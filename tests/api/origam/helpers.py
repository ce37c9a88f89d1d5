"""Paths and data builders shared by the Origam protocol tests."""

from datetime import timedelta

from django.utils import timezone

from chat.access import chatroom_access
from chat.models import Chatroom, Message, Participant, User
from chat.services.chatrooms import default_channel
from chat.services.messages import message_post
from tests.access import access_of

API = "/chatrooms/Chat/"
SAME_ORIGIN = "http://testserver"


def room_url(chatroom: Chatroom | str, endpoint: str) -> str:
    """The path of one endpoint inside a chatroom."""
    chatroom_id = chatroom.pk if isinstance(chatroom, Chatroom) else chatroom
    return f"{API}chatrooms/{chatroom_id}/{endpoint}"


def post_messages(chatroom: Chatroom, author: User, count: int, *, prefix: str = "message") -> list[Message]:
    """Posts plain messages through the service, one second apart (after everything else), oldest first."""
    participant = chatroom_access(user=author, chatroom_id=chatroom.pk).participant
    channel = default_channel(chatroom_id=chatroom.pk)
    start = (
        Message.objects.filter(chatroom=chatroom).order_by("-sent_at").values_list("sent_at", flat=True).first()
        or timezone.now()
    ) + timedelta(seconds=1)
    messages = []
    for index in range(count):
        message, _ = message_post(access=access_of(participant), channel_id=channel.pk, body=f"{prefix} {index}")
        sent_at = start + timedelta(seconds=index)
        Message.objects.filter(pk=message.pk).update(sent_at=sent_at)
        message.sent_at = sent_at
        messages.append(message)
    return messages


def participant_of(user: User, chatroom: Chatroom) -> Participant:
    """The stored membership, fresh from the database."""
    return Participant.objects.get(user=user, chatroom=chatroom)
