"""The foundation works end to end: a chatroom is created with its channel, owner and welcome."""

from chat.models import Channel, Message, Participant


def test_chatroom_create_makes_default_channel_owner_and_welcome(chatroom, owner):
    channel = Channel.objects.get(chatroom=chatroom)
    assert channel.is_default and channel.public and channel.name == "default"
    assert Participant.objects.get(chatroom=chatroom).role == Participant.Role.OWNER
    welcome = Message.objects.get(chatroom=chatroom)
    assert welcome.kind == Message.Kind.SYSTEM and welcome.author is None
    assert welcome.text == f"Welcome {owner.username}!"
