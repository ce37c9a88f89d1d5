"""Posting file messages: the content goes to file storage, the message row holds only a placeholder."""

import hashlib
import uuid
from typing import cast

from django.conf import settings
from django.core.files.base import ContentFile
from django.db import transaction

from chat.access import RoomAccess
from chat.exceptions import Code, Conflict, Invalid, TooLarge
from chat.limits import FILE_NAME_MAX_LENGTH
from chat.models import Message, MessageFile
from chat.services.messages import MessageIdTaken, message_create, reply_check
from chat.text import file_placeholder, is_storable, text_to_html


def _same_file(
    stored: Message, *, author_id: uuid.UUID, channel_id: uuid.UUID, reply_to_id: uuid.UUID | None, sha256: str
) -> bool:
    stored_file = MessageFile.objects.filter(message_id=stored.pk).values_list("sha256", flat=True).first()
    return (
        stored.kind == Message.Kind.FILE
        and stored.author_id == author_id
        and stored.channel_id == channel_id
        and stored.reply_to_id == reply_to_id
        and stored_file == sha256
    )


def file_post(
    *,
    access: RoomAccess,
    channel_id: uuid.UUID,
    content: bytes,
    name: str = "",
    message_id: uuid.UUID | None = None,
    reply_to_id: uuid.UUID | None = None,
) -> tuple[Message, bool]:
    """Posts a file where the participant may write; the same id with the same content answers the stored one."""
    access.channel(channel_id, need="w")
    participant = access.participant
    if not content:
        raise Invalid("The file is empty.", code=Code.EMPTY_FILE)
    if len(content) > settings.CHAT_FILE_MAX_BYTES:
        raise TooLarge(f"A file may hold at most {settings.CHAT_FILE_MAX_BYTES} bytes.", code=Code.FILE_TOO_LARGE)
    name = name.strip()
    if len(name) > FILE_NAME_MAX_LENGTH or not is_storable(name) or "/" in name or "\\" in name:
        raise Invalid(
            f"A file name must be a name of at most {FILE_NAME_MAX_LENGTH} characters, without a path.",
            code=Code.INVALID_FILENAME,
        )
    sha256 = hashlib.sha256(content).hexdigest()

    def is_resend(stored: Message | None) -> bool:
        return stored is not None and _same_file(
            stored, author_id=participant.user_id, channel_id=channel_id, reply_to_id=reply_to_id, sha256=sha256
        )

    if message_id is not None:
        # A retry is answered before the checks below: they held when it was stored and may not now.
        stored = Message.objects.filter(pk=message_id).first()
        if stored is not None:
            if stored.deleted_at is not None:
                raise Conflict("The message with this id was deleted.", code=Code.MESSAGE_DELETED)
            if is_resend(stored):
                return stored, False
            raise Conflict("A different message with this id exists.", code=Code.MESSAGE_ID_CONFLICT)
    reply_check(access=access, reply_to_id=reply_to_id)

    placeholder = file_placeholder(name=name, size=len(content))
    try:
        with transaction.atomic():
            # The row first: a concurrent send of the same id fails here, before anything reaches the storage.
            message = message_create(
                id=message_id or uuid.uuid4(),
                chatroom_id=participant.chatroom_id,
                channel_id=channel_id,
                author_id=participant.user_id,
                kind=Message.Kind.FILE,
                format=Message.Format.PLAIN,
                body="",
                html=text_to_html(placeholder),
                text=placeholder,
                reply_to_id=reply_to_id,
            )
            stored_file = MessageFile(message=message, name=name, size=len(content), sha256=sha256)
            stored_file.content.save(str(message.pk), ContentFile(content), save=False)
            try:
                stored_file.save()
            except BaseException:
                stored_file.content.delete(save=False)
                raise
    except MessageIdTaken:
        if message_id is None:
            raise
        # The same id was stored a moment ago by a concurrent request.
        stored = Message.objects.filter(pk=message_id).first()
        if is_resend(stored):
            return cast(Message, stored), False
        raise Conflict("A different message with this id exists.", code=Code.MESSAGE_ID_CONFLICT) from None
    return message, True
