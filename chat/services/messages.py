"""Posting messages (idempotent by id), editing and deleting them, and hiding them."""

import uuid
from collections.abc import Sequence
from contextlib import nullcontext
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import cast

from django.conf import settings
from django.db import connections, router, transaction
from django.db.models import F
from django.db.models.functions import Coalesce, Greatest, Now
from django.db.models.signals import post_save, pre_save
from django.utils import timezone

from chat.access import RoomAccess
from chat.events.bus import notify_column
from chat.events.models import EventType
from chat.events.services import message_event_record, message_event_statement, message_event_written
from chat.exceptions import Code, Conflict, Forbidden, Invalid, NotFound, TooLarge
from chat.limits import KEY_ID_MAX_LENGTH, REASON_MAX_LENGTH
from chat.models import Chatroom, Message, MessageVersion, Participant, User
from chat.services.moderation import moderation_log_add
from chat.sql import hot_cursor
from chat.text import ENCRYPTED_PLACEHOLDER_HTML, html_to_text, is_storable, sanitize_html, text_to_html


@dataclass(frozen=True, slots=True)
class _Content:
    """What a post says: a retry under the same id must say the same."""

    author_id: uuid.UUID
    channel_id: uuid.UUID
    body: str
    fmt: str
    key_id: str
    reply_to_id: uuid.UUID | None
    mention_ids: frozenset[uuid.UUID]

    def matches(self, stored: Message) -> bool:
        return (
            stored.author_id == self.author_id
            and stored.channel_id == self.channel_id
            and _first_body(stored) == self.body
            and stored.format == self.fmt
            and stored.key_id == self.key_id
            and stored.reply_to_id == self.reply_to_id
            # An edit may have changed the mentions, and versions keep no mentions: once edited, the first body
            # alone says what the post said.
            and (stored.edited_at is not None or set(stored.mentions.values_list("id", flat=True)) == self.mention_ids)
        )


class MessageIdTaken(Exception):
    """A message with this id is stored already: `message_create` wrote nothing."""


def message_create(*, chatroom_id: uuid.UUID, **fields: object) -> Message:
    """Inserts a message at the end of its chatroom's order: the one way a message row is written.

    Bumping the chatroom's counter locks its row until the surrounding transaction commits, so the messages of a
    chatroom commit one at a time in `seq` order and a reader paging forward never passes a row still to come.
    The send time comes from the database's clock, the one clock every app process shares, and grows with `seq`
    by at least a microsecond: a time bound (Teahaz `since`) reads in the same order and repeats no neighbour.

    The insert is idempotent by id (`ON CONFLICT (id) DO NOTHING`): when the id is taken nothing is inserted and
    `MessageIdTaken` is raised, without an error inside the database, so a caller's transaction stays usable and
    nobody looks the id up before inserting. On PostgreSQL the bump, the insert and its event are one prepared
    statement (a taken id then still uses up a place: `seq` grows, with gaps, and only its order counts);
    elsewhere they are written in one transaction.
    """
    message = Message(chatroom_id=chatroom_id, **fields)
    connection = connections[router.db_for_write(Message)]
    # The row is written in SQL of its own, not by Model.save(): its signals are sent as save() would send them.
    pre_save.send(sender=Message, instance=message, raw=False, using=connection.alias, update_fields=None)
    given = [field for field in Message._meta.concrete_fields if field.attname not in ("seq", "sent_at")]
    columns = ", ".join(connection.ops.quote_name(cast(str, field.column)) for field in (*given, *_PLACE_FIELDS))
    values = [field.get_db_prep_save(field.pre_save(message, True), connection) for field in given]
    placeholders = ", ".join(["%s"] * len(given))
    insert = f"INSERT INTO {_MESSAGE_TABLE} ({columns}) VALUES ({placeholders}, {{place}}) ON CONFLICT (id) DO NOTHING"
    place: tuple[int, datetime] | None
    if connection.vendor == "postgresql":
        # The place, the row and its event in one statement, so a post outside a transaction needs no BEGIN and
        # COMMIT (the statement is its own transaction); the chatroom's row stays locked until it commits.
        # Alone (its own transaction), the statement also sends the streams' NOTIFY, which goes out on its commit.
        notify = (
            None if connection.in_atomic_block else notify_column(chatroom_ids=[chatroom_id], using=connection.alias)
        )
        notifying, notify_params = (f", {notify[0]}", notify[1]) if notify else ("", [])
        sql = (
            f"WITH place AS ({_BUMP_POSTGRESQL}), message AS ("
            + insert.format(place="(SELECT last_seq FROM place), (SELECT last_sent_at FROM place)")
            + f" RETURNING id, chatroom_id, channel_id, seq, sent_at), event AS ({message_event_statement('message')}) "
            + f"SELECT seq, sent_at{notifying} FROM message"
        )
        with hot_cursor(Message, write=True) as cursor:
            cursor.execute(sql, [chatroom_id, *values, EventType.MESSAGE_POSTED, *notify_params])
            row = cursor.fetchone()
        place = None if row is None else (row[0], row[1])
        if place is not None:
            _created(message, place, using=connection.alias)
            message_event_written(chatroom_id=chatroom_id, notified=notify is not None)
    else:
        with transaction.atomic(using=connection.alias, savepoint=False):
            after_last = Coalesce(F("last_sent_at") + timedelta(microseconds=1), Now())
            Chatroom.objects.filter(pk=chatroom_id).update(
                last_seq=F("last_seq") + 1, last_sent_at=Greatest(after_last, Now())
            )
            seq, sent_at = Chatroom.objects.filter(pk=chatroom_id).values_list("last_seq", "last_sent_at").get()
            seq_field, sent_at_field = _PLACE_FIELDS
            prepared = [
                seq_field.get_db_prep_save(seq, connection),
                sent_at_field.get_db_prep_save(sent_at, connection),
            ]
            with connection.cursor() as cursor:
                cursor.execute(insert.format(place="%s, %s") + " RETURNING id", [*values, *prepared])
                # The UPDATE above has just set the time.
                place = (seq, cast(datetime, sent_at)) if cursor.fetchone() is not None else None
            if place is not None:
                _created(message, place, using=connection.alias)
                message_event_record(type=EventType.MESSAGE_POSTED, message=message)
    # Raised outside the block: nothing failed, so a caller's transaction is not marked for rollback.
    if place is None:
        raise MessageIdTaken(message.pk)
    return message


def _created(message: Message, place: tuple[int, datetime], *, using: str) -> None:
    message.seq, message.sent_at = place
    message._state.adding, message._state.db = False, using
    post_save.send(sender=Message, instance=message, created=True, raw=False, using=using, update_fields=None)


_MESSAGE_TABLE = Message._meta.db_table
_PLACE_FIELDS = (Message._meta.get_field("seq"), Message._meta.get_field("sent_at"))
# The chatroom's next place, as `message_create` describes; STATEMENT_TIMESTAMP() is Django's `Now()` here.
_BUMP_POSTGRESQL = (
    f"UPDATE {Chatroom._meta.db_table} SET last_seq = last_seq + 1, last_sent_at = GREATEST("
    "COALESCE(last_sent_at + INTERVAL '1 microsecond', STATEMENT_TIMESTAMP()), STATEMENT_TIMESTAMP()) "
    "WHERE id = %s RETURNING last_seq, last_sent_at"
)


def _first_body(message: Message) -> str:
    """The body as first sent: a retry of the post that stored an edited message says what it said then."""
    if message.edited_at is None:
        return message.body
    first = message.versions.order_by("edited_at", "id").values_list("body", flat=True).first()
    return message.body if first is None else first


def _body_check(*, body: str, fmt: str) -> None:
    """Raises unless the body is a non-empty, storable string within the size limit, in a known format."""
    if not isinstance(body, str) or not body:
        raise Invalid("The message must be a non-empty string.", code=Code.EMPTY_MESSAGE)
    if not is_storable(body):
        raise Invalid("The message holds characters that cannot be stored.", code=Code.INVALID_MESSAGE)
    if len(body.encode("utf-8")) > settings.CHAT_MESSAGE_MAX_BYTES:
        raise TooLarge(
            f"A message may hold at most {settings.CHAT_MESSAGE_MAX_BYTES} bytes.", code=Code.MESSAGE_TOO_LARGE
        )
    if fmt not in Message.Format.values:
        raise Invalid(f"Unknown message format '{fmt}'.", code=Code.INVALID_FORMAT)


def _rendered(*, body: str, text: str | None, fmt: str, key_id: str | None, has_mentions: bool) -> tuple[str, str]:
    """The (html, text) forms of a body, computed once at write time; `text` is a plain body's text, when known."""
    if fmt == Message.Format.HTML:
        html = sanitize_html(body)
        text = html_to_text(html)
        if not text and not has_mentions:
            raise Invalid("The message has no visible text.", code=Code.EMPTY_MESSAGE)
        return html, text
    if key_id:
        return ENCRYPTED_PLACEHOLDER_HTML, body
    if text is None:
        text = body
    return text_to_html(text), text


def reply_check(*, access: RoomAccess, reply_to_id: uuid.UUID | None) -> None:
    """A reply answers a visible message of the chatroom in a channel the caller can read (else Invalid)."""
    if reply_to_id is None:
        return
    reply_channel = (
        Message.objects.visible()
        .filter(pk=reply_to_id, chatroom_id=access.chatroom.pk)
        .values_list("channel_id", flat=True)
        .first()
    )
    if reply_channel not in {channel.id for channel in access.readable_channels}:
        raise Invalid("The reply does not answer a message you can read here.", code=Code.INVALID_REPLY)


def _retried(stored: Message, content: _Content) -> Message:
    """The stored message when a retry says the same; a different or deleted message under its id is a conflict."""
    if stored.deleted_at is not None:
        raise Conflict("The message with this id was deleted.", code=Code.MESSAGE_DELETED)
    if not content.matches(stored):
        raise Conflict("A different message with this id exists.", code=Code.MESSAGE_ID_CONFLICT)
    return stored


def _mentions_check(*, access: RoomAccess, mentions: set[uuid.UUID]) -> None:
    """Mentions name active participants of the chatroom (else Invalid); none costs no query."""
    if not mentions:
        return
    found = set(
        Participant.objects.active()
        .filter(chatroom_id=access.chatroom.pk, user_id__in=mentions)
        .values_list("user_id", flat=True)
    )
    if found != mentions:
        raise Invalid("Only participants of this chatroom can be mentioned.", code=Code.INVALID_MENTION)


def message_post(
    *,
    access: RoomAccess,
    channel_id: uuid.UUID,
    body: str,
    text: str | None = None,
    fmt: str = Message.Format.PLAIN,
    message_id: uuid.UUID | None = None,
    key_id: str | None = None,
    reply_to_id: uuid.UUID | None = None,
    mention_ids: Sequence[uuid.UUID] = (),
) -> tuple[Message, bool]:
    """Posts a message where the caller may write; the same id again answers the stored one.

    The rights come from `access`: nothing here asks the database about channels again. `text` is what a plain
    body says when the body encodes it (Teahaz base64); the body is kept as sent.
    """
    access.channel(channel_id, need="w")
    participant = access.participant
    _body_check(body=body, fmt=fmt)
    if key_id is not None and (
        not isinstance(key_id, str) or len(key_id) > KEY_ID_MAX_LENGTH or not is_storable(key_id)
    ):
        raise Invalid(
            f"The key id must be a string of at most {KEY_ID_MAX_LENGTH} characters.", code=Code.INVALID_KEY_ID
        )
    key_id = key_id or ""
    mentions = set(mention_ids)

    content = _Content(
        author_id=participant.user_id,
        channel_id=channel_id,
        body=body,
        fmt=fmt,
        key_id=key_id,
        reply_to_id=reply_to_id,
        mention_ids=frozenset(mentions),
    )
    try:
        _mentions_check(access=access, mentions=mentions)
        reply_check(access=access, reply_to_id=reply_to_id)
    except Invalid:
        # A retry is answered even when a check fails now: the checks held when it was stored.
        stored = Message.objects.filter(pk=message_id).first() if message_id is not None else None
        if stored is None:
            raise
        return _retried(stored, content), False

    html, text = _rendered(body=body, text=text, fmt=fmt, key_id=key_id, has_mentions=bool(mentions))
    # Insert first, look up only when the id is taken: a new message (nearly every post) needs no look-up, and
    # without mentions it is one statement (see `message_create`), so no transaction is opened for it.
    new_id = message_id or uuid.uuid4()
    try:
        with transaction.atomic() if mentions else nullcontext():
            message = message_create(
                id=new_id,
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
                # A new message has no mentions yet: one INSERT, no look-up of the users or of existing links.
                Mention = Message.mentions.through
                Mention.objects.bulk_create(Mention(message_id=message.pk, user_id=user_id) for user_id in mentions)
    except MessageIdTaken:
        # The id is taken: by this message sent before (or a moment ago, concurrently), or by another.
        stored = Message.objects.filter(pk=new_id).first()
        if stored is None:
            # Deleted from the database in the moment between: the id was taken, so the send stays refused.
            raise Conflict("A different message with this id exists.", code=Code.MESSAGE_ID_CONFLICT) from None
        return _retried(stored, content), False
    return message, True


def _visible_message(*, access: RoomAccess, message_id: uuid.UUID) -> Message:
    """The message, locked for the change, if the caller can read it here; else not found (as if absent)."""
    readable = [channel.id for channel in access.readable_channels]
    message = (
        Message.objects.visible()
        .select_for_update()
        .filter(pk=message_id, chatroom_id=access.chatroom.pk, channel_id__in=readable)
        .first()
    )
    if message is None:
        raise NotFound("Message not found.", code=Code.MESSAGE_NOT_FOUND)
    return message


def _still_named(*, body: str, text: str, mentioned: Sequence[tuple[uuid.UUID, str, str]]) -> set[uuid.UUID]:
    """The mentioned users an edited body still names: by id (a mention link's `data-*` attribute carries it) or
    as `@username` / `@display name` in its text, in any case."""
    body_folded, text_folded = body.casefold(), text.casefold()
    return {
        user_id
        for user_id, username, display_name in mentioned
        if str(user_id) in body_folded
        or f"@{username}".casefold() in text_folded
        or (display_name and f"@{display_name}".casefold() in text_folded)
    }


@transaction.atomic
def message_edit(
    *,
    access: RoomAccess,
    message_id: uuid.UUID,
    body: str,
    fmt: str,
    mention_ids: Sequence[uuid.UUID] | None = None,
) -> Message:
    """Replaces the text of the caller's own message, keeping the text it replaces as a MessageVersion.

    Only the author edits a text message, and only where they may still write. The HTML and plain text are
    computed again, so both protocols show the current text; a message sent with a key id (opaque data) stays
    opaque. `mention_ids`, when given, become the message's mentions (active participants, as for a post);
    when not, the message keeps the mentions its new text still names (see `_still_named`; an opaque body keeps
    them all), so that nobody stays mentioned by words that are gone.
    """
    message = _visible_message(access=access, message_id=message_id)
    if message.author_id is None or message.author_id != access.participant.user_id:
        raise Forbidden("Only the author may edit a message.", code=Code.NOT_MESSAGE_AUTHOR)
    if message.kind != Message.Kind.TEXT:
        raise Invalid("Only the text of a text message can be edited.", code=Code.MESSAGE_NOT_EDITABLE)
    access.channel(message.channel_id, need="w")
    _body_check(body=body, fmt=fmt)
    named = None if mention_ids is None else set(mention_ids)
    if named is not None:
        _mentions_check(access=access, mentions=named)
    mentioned = list(message.mentions.values_list("id", "username", "display_name"))
    before = {user_id for user_id, _username, _name in mentioned}
    html, text = _rendered(
        body=body, text=None, fmt=fmt, key_id=message.key_id, has_mentions=bool(before if named is None else named)
    )
    if named is None:
        named = before if message.key_id else _still_named(body=body, text=text, mentioned=mentioned)
    now = timezone.now()
    MessageVersion.objects.create(
        message=message, body=message.body, html=message.html, text=message.text, edited_at=now, edited_by=access.user
    )
    message.body, message.format, message.html, message.text, message.edited_at = body, fmt, html, text, now
    message.save(update_fields=["body", "format", "html", "text", "edited_at"])
    if named != before:
        # Primary keys stand for the users (no query to load them); the stubs only know integer keys.
        message.mentions.set(named)  # type: ignore[arg-type]
    message_event_record(type=EventType.MESSAGE_EDITED, message=message)
    return message


@transaction.atomic
def message_delete(*, access: RoomAccess, message_id: uuid.UUID) -> None:
    """Deletes a message: the author their own, a chatroom admin any (recorded in the moderation log).

    The row stays, marked deleted, for the moderators in the admin; no read of either protocol returns it again.
    """
    message = _visible_message(access=access, message_id=message_id)
    own = message.author_id is not None and message.author_id == access.participant.user_id
    if not own and not access.may_moderate:
        raise Forbidden("Only the author or a chatroom admin may delete a message.", code=Code.NOT_MESSAGE_AUTHOR)
    message.deleted_at = timezone.now()
    message.deleted_by = access.user
    message.save(update_fields=["deleted_at", "deleted_by"])
    message_event_record(type=EventType.MESSAGE_DELETED, message=message)
    if not own:
        moderation_log_add(actor=access.user, action="delete", target=f"message {message.pk}", chatroom=access.chatroom)


@transaction.atomic
def message_hide(*, message: Message, actor: User | None, reason: str) -> Message:
    """Hides a message from every client, recording who, when and why."""
    message.hidden_at = timezone.now()
    message.hidden_by = actor
    message.hidden_reason = (reason or "").strip()[:REASON_MAX_LENGTH]
    message.save(update_fields=["hidden_at", "hidden_by", "hidden_reason"])
    message_event_record(type=EventType.MESSAGE_HIDDEN, message=message)
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
    message_event_record(type=EventType.MESSAGE_UNHIDDEN, message=message)
    moderation_log_add(actor=actor, action="unhide", target=f"message {message.pk}", chatroom=message.chatroom)
    return message
