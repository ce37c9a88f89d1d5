"""Teahaz datatypes as JSON-ready dicts, built from `.values()` rows and domain objects (no serializer on hot paths).

One shape per datatype serves both dialects: the 2021 keys and the 2022 spellings side by side (addendum section
3: old clients read only the keys they know, so the extra keys are harmless). Only a message's `data` depends on
the reader's dialect.
"""

import base64
from collections.abc import Iterable, Mapping

from chat.access import RoomAccess
from chat.api.teahaz.dialect import Dialect
from chat.api.teahaz.params import epoch
from chat.models import Message, User
from chat.permissions import ChannelAccess
from chat.selectors.chatrooms import participant_rows
from chat.selectors.files import file_contents
from chat.text import encode_base64_text, shown_name
from invites.models import Invite

NO_COLOR = {"r": 0, "g": 0, "b": 0}


def channel_json(channel: ChannelAccess) -> dict:
    """Channel, with the caller's own r/w/x; 2022 clients read `name`."""
    return {
        "channelID": channel.id,
        "channel_name": channel.name,
        "name": channel.name,
        "public": channel.public,
        "permissions": {"r": channel.r, "w": channel.w, "x": channel.x},
    }


def user_json(*, user_id: object, username: str, display_name: str, color: Mapping[str, int]) -> dict:
    """User: 2022 clients read `nickname` (the display name) and spell the colour both ways."""
    return {
        "userID": user_id,
        "username": username,
        "color": dict(color),
        "nickname": shown_name(display_name=display_name, username=username),
        "colour": dict(color),
    }


def user_row_json(row: Mapping) -> dict:
    """User, from a row of chat.selectors.chatrooms.participant_rows."""
    return user_json(
        user_id=row["user_id"],
        username=row["user__username"],
        display_name=row["user__display_name"],
        color={"r": row["user__color_r"], "g": row["user__color_g"], "b": row["user__color_b"]},
    )


def _system_data(row: Mapping) -> dict:
    """A system message as 2022 clients read it: the welcome names the new user."""
    if row["subject_id"] is None:
        user_info = user_json(user_id=None, username="", display_name="", color=NO_COLOR)
    else:
        user_info = user_json(
            user_id=row["subject_id"],
            username=row["subject__username"],
            display_name=row["subject__display_name"],
            color={"r": row["subject__color_r"], "g": row["subject__color_g"], "b": row["subject__color_b"]},
        )
    return {"event_type": "newuser", "user_info": user_info}


def message_data(row: Mapping, *, dialect: Dialect, file_content: bytes | None) -> str | dict:
    """A message's `data` in the reader's dialect (addendum section 4.3).

    Files and end-to-end encrypted data are opaque and the same for everyone. Otherwise a 2021 reader gets
    what a Teahaz sender sent (the plain text of other protocols' messages), a 2022 reader base64 of the text.
    """
    if row["kind"] == Message.Kind.FILE:
        return base64.b64encode(file_content or b"").decode("ascii")
    if row["kind"] == Message.Kind.SYSTEM and dialect is Dialect.V2022:
        return _system_data(row)
    if row["key_id"]:
        return row["body"]
    if dialect is Dialect.V2021:
        return row["body"] if row["format"] == Message.Format.PLAIN else row["text"]
    return encode_base64_text(row["text"])


def message_json(row: Mapping, *, dialect: Dialect, file_content: bytes | None = None) -> dict:
    """Message, from a row of chat.selectors.messages.message_page (or `message_row`)."""
    send_time = epoch(row["sent_at"])
    return {
        "messageID": row["id"],
        "channelID": row["channel_id"],
        "userID": row["author_id"],
        "username": row["author__username"],
        "replyID": row["reply_to_id"],
        "keyID": row["key_id"] or None,
        "send_time": send_time,
        "time": send_time,
        "type": row["kind"],
        "data": message_data(row, dialect=dialect, file_content=file_content),
    }


def messages_json(rows: Iterable[Mapping], *, dialect: Dialect) -> list[dict]:
    """Messages, with the content of the file messages among them read from file storage."""
    rows = list(rows)
    files = file_contents(message_ids=[row["id"] for row in rows if row["kind"] == Message.Kind.FILE])
    return [message_json(row, dialect=dialect, file_content=files.get(row["id"])) for row in rows]


def message_row(message: Message, *, author: User) -> dict:
    """A message its author just sent, as the row `message_json` reads (no system message is sent)."""
    return {
        "id": message.pk,
        "channel_id": message.channel_id,
        "author_id": message.author_id,
        "author__username": author.username,
        "reply_to_id": message.reply_to_id,
        "key_id": message.key_id,
        "sent_at": message.sent_at,
        "kind": message.kind,
        "format": message.format,
        "body": message.body,
        "text": message.text,
    }


def invite_json(invite: Invite) -> dict:
    """Invite: `uid` and `inviteID` are the same id; `data` is what another client pastes to join."""
    expires = epoch(invite.expires_at)
    return {
        "uid": invite.id,
        "inviteID": invite.id,
        "uses": invite.uses_left,
        "expiration-time": expires,
        "expiration_time": expires,
        "chatroom_id": invite.chatroom_id,
        "chatroomID": invite.chatroom_id,
        "data": f"teahaz:{invite.chatroom_id}/{invite.id}",
    }


def chatroom_json(access: RoomAccess) -> dict:
    """Chatroom data: the chatroom, the caller's user id, the channels the caller can read (default first).

    2022 clients also read `users`, and take its first entry as themselves: the caller comes first.
    """
    rows = participant_rows(chatroom_id=access.chatroom.pk)
    rows.sort(key=lambda row: row["user_id"] != access.participant.user_id)
    return {
        "chatroomID": access.chatroom.pk,
        "chatroom_name": access.chatroom.name,
        "userID": access.participant.user_id,
        "channels": [channel_json(channel) for channel in access.readable_channels],
        "users": [user_row_json(row) for row in rows],
    }
