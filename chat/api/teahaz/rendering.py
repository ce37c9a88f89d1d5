"""Teahaz datatypes as JSON-ready dicts, built from `.values()` rows and domain objects (no serializer on hot paths)."""

from chat.access import RoomAccess
from chat.api.teahaz.params import epoch
from chat.models import Channel, Message, Participant
from chat.permissions import ChannelAccess, effective_permissions
from invites.models import Invite


def channel_json(channel: ChannelAccess) -> dict:
    """Channel, with the caller's own r/w/x."""
    return {
        "channelID": channel.id,
        "channel_name": channel.name,
        "public": channel.public,
        "permissions": {"r": channel.r, "w": channel.w, "x": channel.x},
    }


def new_channel_json(channel: Channel, *, participant: Participant) -> dict:
    """A channel just created, with the creator's permissions on it (no grant can exist yet)."""
    r, w, x = effective_permissions(
        role=participant.role, public=channel.public, grant=None, active=participant.is_active
    )
    return channel_json(ChannelAccess(channel.id, channel.name, channel.public, channel.is_default, r, w, x))


def user_json(row: dict) -> dict:
    """User, from a row of chat.selectors.chatrooms.participant_rows."""
    return {
        "userID": row["user_id"],
        "username": row["user__username"],
        "color": {"r": row["user__color_r"], "g": row["user__color_g"], "b": row["user__color_b"]},
    }


def message_row_json(row: dict) -> dict:
    """Message, from a row of chat.selectors.messages.message_page: `data` is the plain-text form."""
    return {
        "messageID": row["id"],
        "channelID": row["channel_id"],
        "userID": row["author_id"],
        "replyID": row["reply_to_id"],
        "keyID": row["key_id"] or None,
        "send_time": epoch(row["sent_at"]),
        "type": row["kind"],
        "data": row["text"],
    }


def message_json(message: Message) -> dict:
    """Message, from a stored Message."""
    return {
        "messageID": message.id,
        "channelID": message.channel_id,
        "userID": message.author_id,
        "replyID": message.reply_to_id,
        "keyID": message.key_id or None,
        "send_time": epoch(message.sent_at),
        "type": message.kind,
        "data": message.text,
    }


def invite_json(invite: Invite) -> dict:
    """Invite: `uid` and `inviteID` are the same id; `data` is what another client pastes to join."""
    return {
        "uid": invite.id,
        "inviteID": invite.id,
        "uses": invite.uses_left,
        "expiration-time": epoch(invite.expires_at),
        "data": f"teahaz:{invite.chatroom_id}/{invite.id}",
    }


def chatroom_json(access: RoomAccess) -> dict:
    """Chatroom data: the chatroom, the caller's user id, and the channels the caller can read."""
    return {
        "chatroomID": access.chatroom.pk,
        "chatroom_name": access.chatroom.name,
        "userID": access.participant.user_id,
        "channels": [channel_json(channel) for channel in access.readable_channels],
    }
