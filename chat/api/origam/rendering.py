"""Rows straight to Origam JSON: plain dicts that orjson encodes, no serializer on the hot paths."""

import uuid
from collections.abc import Iterable, Mapping
from datetime import datetime

from chat.models import Message, User
from chat.text import shown_name

# A message without an author (a system message, or one whose author's account was deleted) shows under the
# nil GUID, with a name that says which it is; a deleted user's words must never pass for the system's.
NO_AUTHOR_ID = "00000000-0000-0000-0000-000000000000"
SYSTEM_AUTHOR_NAME = "System"
DELETED_AUTHOR_NAME = "Deleted user"


def user_json(*, user_id: uuid.UUID, username: str, display_name: str) -> dict:
    """A User: `avatarUrl` is the id, since the client prefixes it with /chatrooms/Avatar/."""
    return {"id": user_id, "name": shown_name(display_name=display_name, username=username), "avatarUrl": str(user_id)}


def user_of(user: User) -> dict:
    """A User from a model instance."""
    return user_json(user_id=user.pk, username=user.username, display_name=user.display_name)


def users_json(rows: Iterable[Mapping]) -> list[dict]:
    """Users from rows of `chat.selectors.users`."""
    return [user_json(user_id=row["id"], username=row["username"], display_name=row["display_name"]) for row in rows]


def _mentions_json(mentions: Iterable[Mapping]) -> list[dict]:
    return [{"id": m["id"], "name": m["name"], "avatarUrl": str(m["id"])} for m in mentions]


def _message_json(
    *,
    message_id: uuid.UUID,
    author_id: uuid.UUID | None,
    author_name: str,
    kind: str,
    sent_at: datetime,
    html: str,
    mentions: Iterable[Mapping],
) -> dict:
    if author_id is None:
        author = NO_AUTHOR_ID
        author_name = SYSTEM_AUTHOR_NAME if kind == Message.Kind.SYSTEM else DELETED_AUTHOR_NAME
    else:
        author = str(author_id)
    return {
        "id": message_id,
        "authorId": author,
        "authorName": author_name,
        "authorAvatarUrl": author,
        "timeSent": sent_at,
        "text": html,
        "mentions": _mentions_json(mentions),
    }


def messages_json(rows: Iterable[Mapping]) -> list[dict]:
    """Messages from rows of `message_page`, which carry whom each mentions."""
    return [
        _message_json(
            message_id=row["id"],
            author_id=row["author_id"],
            author_name=shown_name(display_name=row["author__display_name"], username=row["author__username"]),
            kind=row["kind"],
            sent_at=row["sent_at"],
            html=row["html"],
            mentions=row["mentions"],
        )
        for row in rows
    ]


def message_of(message: Message, *, author: User, mentions: Iterable[Mapping]) -> dict:
    """A Message from a model instance that `author` wrote."""
    return _message_json(
        message_id=message.pk,
        author_id=message.author_id,
        author_name=author.name,
        kind=message.kind,
        sent_at=message.sent_at,
        html=message.html,
        mentions=mentions,
    )


def participants_json(rows: Iterable[Mapping]) -> list[dict]:
    """Participants from rows of `participants_with_presence`."""
    return [
        {"id": row["user_key"], "name": row["name"], "avatarUrl": row["user_key"], "status": row["status"]}
        for row in rows
    ]


def info_json(
    *,
    chatroom_id: uuid.UUID,
    name: str,
    reference_category: str,
    reference_record_id: uuid.UUID | None,
    unread: int,
) -> dict:
    """An Info: the topic is the chatroom's name; the reference ties it to an Origam record."""
    return {
        "id": chatroom_id,
        "topic": name,
        "categoryName": reference_category,
        "referenceId": reference_record_id,
        "unreadMessageCount": unread,
    }


def infos_json(rows: Iterable[Mapping]) -> list[dict]:
    """Infos from rows of `chatroom_infos`."""
    return [info_json(**row) for row in rows]
