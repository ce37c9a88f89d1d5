"""Posting messages (idempotent by id) and hiding them."""

import uuid
from collections.abc import Sequence

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone

from chat.exceptions import Conflict, Invalid, NotFound, TooLarge
from chat.models import Message, Participant, User
from chat.permissions import access_channel, readable_channels
from chat.services.moderation import moderation_log_add
from chat.text import ENCRYPTED_PLACEHOLDER_HTML, html_to_text, is_storable, sanitize_html, text_to_html


def _as_uuid(value: object, error: Exception) -> uuid.UUID:
    """The value as a UUID (clients send strings), else the given domain error."""
    if isinstance(value, uuid.UUID):
        return value
    try:
        return uuid.UUID(str(value))
    except ValueError:
        raise error from None


def _same_message(
    stored: Message,
    *,
    author_id: uuid.UUID,
    channel_id: uuid.UUID,
    body: str,
    fmt: str,
    key_id: str | None,
    reply_to_id: uuid.UUID | None,
    mention_ids: set[uuid.UUID],
) -> bool:
    return (
        stored.author_id == author_id
        and stored.channel_id == channel_id
        and stored.body == body
        and stored.format == fmt
        and stored.key_id == key_id
        and stored.reply_to_id == reply_to_id
        and set(stored.mentions.values_list("id", flat=True)) == mention_ids
    )


def _rendered(*, body: str, fmt: str, key_id: str | None, has_mentions: bool) -> tuple[str, str]:
    """The (html, text) forms of a body, computed once at write time."""
    if fmt == Message.Format.HTML:
        html = sanitize_html(body)
        text = html_to_text(html)
        if not text and not has_mentions:
            raise Invalid("The message has no visible text.", code="empty_message")
        return html, text
    if key_id:
        return ENCRYPTED_PLACEHOLDER_HTML, body
    return text_to_html(body), body


def message_post(
    *,
    participant: Participant,
    channel_id: uuid.UUID,
    body: str,
    fmt: str = Message.Format.PLAIN,
    message_id: uuid.UUID | None = None,
    key_id: str | None = None,
    reply_to_id: uuid.UUID | None = None,
    mention_ids: Sequence[uuid.UUID] = (),
) -> tuple[Message, bool]:
    """Posts a message where the participant may write; the same id again answers the stored one."""
    channel_id = _as_uuid(channel_id, NotFound("Channel not found.", code="channel_not_found"))
    access_channel(participant=participant, channel_id=channel_id, need="w")
    if not isinstance(body, str) or not body:
        raise Invalid("The message must be a non-empty string.", code="empty_message")
    if not is_storable(body):
        raise Invalid("The message holds characters that cannot be stored.", code="invalid_message")
    if len(body.encode("utf-8")) > settings.CHAT_MESSAGE_MAX_BYTES:
        raise TooLarge(f"A message may hold at most {settings.CHAT_MESSAGE_MAX_BYTES} bytes.", code="message_too_large")
    if fmt not in Message.Format.values:
        raise Invalid(f"Unknown message format '{fmt}'.", code="invalid_format")
    if key_id is not None and (not isinstance(key_id, str) or len(key_id) > 64 or not is_storable(key_id)):
        raise Invalid("keyID must be a string of at most 64 characters.", code="invalid_key_id")
    key_id = key_id or ""
    if message_id is not None:
        message_id = _as_uuid(message_id, Invalid("The message id must be a UUID.", code="invalid_message_id"))
    bad_mention = Invalid("Only participants of this chatroom can be mentioned.", code="invalid_mention")
    mentions = {_as_uuid(mention, bad_mention) for mention in mention_ids}
    bad_reply = Invalid("replyID does not name a message you can read here.", code="invalid_reply")
    if reply_to_id is not None:
        reply_to_id = _as_uuid(reply_to_id, bad_reply)

    same = {
        "author_id": participant.user_id,
        "channel_id": channel_id,
        "body": body,
        "fmt": fmt,
        "key_id": key_id,
        "reply_to_id": reply_to_id,
        "mention_ids": mentions,
    }
    if message_id is not None:
        # A retry is answered before the checks below: they held when it was stored and may not now.
        stored = Message.objects.filter(pk=message_id).first()
        if stored is not None:
            if _same_message(stored, **same):
                return stored, False
            raise Conflict("A different message with this id exists.", code="message_id_conflict")

    if mentions:
        found = set(
            Participant.objects.filter(
                chatroom_id=participant.chatroom_id, user_id__in=mentions, state=Participant.State.ACTIVE
            ).values_list("user_id", flat=True)
        )
        if found != mentions:
            raise bad_mention
    if reply_to_id is not None:
        readable = {channel.id for channel in readable_channels(participant=participant)}
        reply_channel = (
            Message.objects.filter(pk=reply_to_id, chatroom_id=participant.chatroom_id, hidden_at__isnull=True)
            .values_list("channel_id", flat=True)
            .first()
        )
        if reply_channel not in readable:
            raise bad_reply

    html, text = _rendered(body=body, fmt=fmt, key_id=key_id, has_mentions=bool(mentions))
    try:
        with transaction.atomic():
            message = Message.objects.create(
                id=message_id or uuid.uuid4(),
                chatroom_id=participant.chatroom_id,
                channel_id=channel_id,
                author_id=participant.user_id,
                kind=Message.Kind.TEXT,
                format=fmt,
                body=body,
                html=html,
                text=text,
                key_id=key_id,
                reply_to_id=reply_to_id,
            )
            if mentions:
                message.mentions.set(mentions)
    except IntegrityError:
        # The same id was stored a moment ago by a concurrent request.
        stored = Message.objects.filter(pk=message_id).first()
        if stored is not None and _same_message(stored, **same):
            return stored, False
        raise Conflict("A different message with this id exists.", code="message_id_conflict") from None
    return message, True


@transaction.atomic
def message_hide(*, message: Message, actor: User | None, reason: str) -> Message:
    """Hides a message from every client, recording who, when and why."""
    message.hidden_at = timezone.now()
    message.hidden_by = actor
    message.hidden_reason = (reason or "").strip()[:500]
    message.save(update_fields=["hidden_at", "hidden_by", "hidden_reason"])
    moderation_log_add(
        actor=actor,
        action="hide",
        target=f"message {message.pk}",
        chatroom=message.chatroom,
        reason=message.hidden_reason,
    )
    return message


@transaction.atomic
def message_unhide(*, message: Message, actor: User | None) -> Message:
    """Shows a hidden message again."""
    message.hidden_at = None
    message.hidden_by = None
    message.hidden_reason = ""
    message.save(update_fields=["hidden_at", "hidden_by", "hidden_reason"])
    moderation_log_add(actor=actor, action="unhide", target=f"message {message.pk}", chatroom=message.chatroom)
    return message
