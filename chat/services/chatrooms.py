"""Chatrooms and their channels: creation, renaming, channels and per-user grants."""

import uuid
from collections.abc import Iterable

from django.db import IntegrityError, transaction

from chat.access import RoomAccess
from chat.caches import room_changed
from chat.events.models import EventType
from chat.events.services import (
    channel_event_record,
    chatroom_renamed_record,
    participants_joined_record,
)
from chat.exceptions import Code, Invalid, NotFound
from chat.limits import CHANNEL_NAME_MAX_LENGTH, CHATROOM_NAME_MAX_LENGTH
from chat.models import Channel, ChannelGrant, Chatroom, Message, Participant, User
from chat.services.messages import message_create
from chat.services.moderation import moderation_log_add
from chat.text import is_storable, text_to_html

DEFAULT_CHANNEL_NAME = "default"


def _clean_name(value: str, *, what: str, max_length: int, code: Code) -> str:
    """The name without surrounding blanks; `what` names it in the error ("The chatroom name")."""
    if not isinstance(value, str) or not value.strip() or not is_storable(value):
        raise Invalid(f"{what} must be a non-empty string.", code=code)
    value = value.strip()
    if len(value) > max_length:
        raise Invalid(f"{what} must be at most {max_length} characters.", code=code)
    return value


def _chatroom_name(value: str) -> str:
    return _clean_name(
        value, what="The chatroom name", max_length=CHATROOM_NAME_MAX_LENGTH, code=Code.INVALID_CHATROOM_NAME
    )


@transaction.atomic
def chatroom_create(
    *,
    creator: User,
    name: str,
    invite_users: Iterable[User] = (),
    reference_category: str = "",
    reference_record_id: uuid.UUID | None = None,
) -> Chatroom:
    """Creates a chatroom with its public default channel, its creator as owner and a welcome."""
    name = _chatroom_name(name)
    chatroom = Chatroom.objects.create(
        name=name,
        created_by=creator,
        reference_category=reference_category or "",
        reference_record_id=reference_record_id,
    )
    channel = Channel.objects.create(chatroom=chatroom, name=DEFAULT_CHANNEL_NAME, public=True, is_default=True)
    owner = Participant.objects.create(chatroom=chatroom, user=creator, role=Participant.Role.OWNER)
    welcome = f"Welcome {creator.username}!"
    message_create(
        chatroom_id=chatroom.pk,
        channel=channel,
        author=None,
        subject=creator,
        kind=Message.Kind.SYSTEM,
        format=Message.Format.PLAIN,
        body=welcome,
        text=welcome,
        html=text_to_html(welcome),
    )
    invited = {user.pk: user for user in invite_users if user.pk != creator.pk}
    if any(not user.is_active for user in invited.values()):
        raise Invalid("Only active users can be invited.", code=Code.USER_INACTIVE)
    # A new chatroom has no bans and no members yet: one INSERT admits everyone invited.
    joined = Participant.objects.bulk_create(
        Participant(chatroom=chatroom, user=user, invited_by=creator) for user in invited.values()
    )
    participants_joined_record(participants=[owner, *joined])
    return chatroom


@transaction.atomic
def chatroom_rename(*, chatroom: Chatroom, name: str) -> Chatroom:
    """Changes the chatroom's name (the Origam topic)."""
    chatroom.name = _chatroom_name(name)
    chatroom.save(update_fields=["name", "updated_at"])
    chatroom_renamed_record(chatroom=chatroom)
    room_changed(chatroom_id=chatroom.pk)
    return chatroom


def _channel_name(value: str) -> str:
    return _clean_name(
        value, what="The channel name", max_length=CHANNEL_NAME_MAX_LENGTH, code=Code.INVALID_CHANNEL_NAME
    )


def _public_check(public: bool) -> None:
    if not isinstance(public, bool):
        raise Invalid("public must be true or false.", code=Code.INVALID_PUBLIC)


def _duplicate_channel() -> Invalid:
    return Invalid("A channel of that name exists in this chatroom.", code=Code.DUPLICATE_CHANNEL)


def channel_create(*, chatroom: Chatroom, name: str, public: bool = True) -> Channel:
    """Creates a channel whose name is unique in the chatroom."""
    name = _channel_name(name)
    _public_check(public)
    try:
        with transaction.atomic():
            channel = Channel.objects.create(chatroom=chatroom, name=name, public=public)
            channel_event_record(type=EventType.CHANNEL_CREATED, channel=channel)
    except IntegrityError as error:
        raise _duplicate_channel() from error
    room_changed(chatroom_id=chatroom.pk)
    return channel


def channel_change(
    *, channel: Channel, actor: User | None, name: str | None = None, public: bool | None = None
) -> Channel:
    """Renames a channel or makes it public or private (whichever is given), recorded in the moderation log.

    Trusts its caller: `channel_update` checks the chatroom admin first, the Django admin
    is the operator's. A grant still replaces the new public/private default for its user.
    """
    changes: list[str] = []
    if name is not None:
        name = _channel_name(name)
        if name != channel.name:
            changes.append(f"renamed from #{channel.name}")
            channel.name = name
    if public is not None:
        _public_check(public)
        if public != channel.public:
            changes.append("made public" if public else "made private")
            channel.public = public
    if not changes:
        return channel
    try:
        with transaction.atomic():
            channel.save(update_fields=["name", "public"])
            channel_event_record(type=EventType.CHANNEL_CHANGED, channel=channel)
            moderation_log_add(
                actor=actor,
                action="channel",
                target=f"#{channel.name}: {', '.join(changes)}",
                chatroom=channel.chatroom,
            )
    except IntegrityError as error:
        raise _duplicate_channel() from error
    room_changed(chatroom_id=channel.chatroom_id)
    return channel


def _managed_channel(*, access: RoomAccess, channel_id: uuid.UUID) -> Channel:
    """The channel, if the caller administers its chatroom; one the caller cannot read is not found."""
    access.channel(channel_id, need="r")
    access.require_moderator()
    channel = Channel.objects.select_related("chatroom").filter(pk=channel_id, chatroom_id=access.chatroom.pk).first()
    if channel is None:
        raise NotFound("Channel not found.", code=Code.CHANNEL_NOT_FOUND)
    return channel


def channel_update(
    *, access: RoomAccess, channel_id: uuid.UUID, name: str | None = None, public: bool | None = None
) -> Channel:
    """Renames a channel of the caller's chatroom, makes it public or private, or both at once (chatroom admins
    only; one the caller cannot read is not found). The name stays unique in the chatroom."""
    channel = _managed_channel(access=access, channel_id=channel_id)
    return channel_change(channel=channel, actor=access.user, name=name, public=public)


def channel_rename(*, access: RoomAccess, channel_id: uuid.UUID, name: str) -> Channel:
    """Renames a channel of the caller's chatroom (chatroom admins only); the name stays unique there."""
    return channel_update(access=access, channel_id=channel_id, name=name)


def channel_set_public(*, access: RoomAccess, channel_id: uuid.UUID, public: bool) -> Channel:
    """Makes a channel of the caller's chatroom public or private (chatroom admins only)."""
    return channel_update(access=access, channel_id=channel_id, public=public)


def default_channel(*, chatroom_id: uuid.UUID) -> Channel:
    """The chatroom's default channel (the one Origam clients see)."""
    channel = Channel.objects.filter(chatroom_id=chatroom_id, is_default=True).first()
    if channel is None:
        raise NotFound("This chatroom has no default channel.", code=Code.CHANNEL_NOT_FOUND)
    return channel


@transaction.atomic
def grant_set(*, channel: Channel, user: User, r: bool, w: bool, x: bool, actor: User | None) -> ChannelGrant:
    """Gives a user explicit r/w/x on a channel, replacing the channel's default for them."""
    if not all(isinstance(flag, bool) for flag in (r, w, x)):
        raise Invalid("r, w and x must be true or false.", code=Code.INVALID_PERMISSIONS)
    grant, _created = ChannelGrant.objects.update_or_create(
        channel=channel, user=user, defaults={"r": r, "w": w, "x": x, "granted_by": actor}
    )
    channel_event_record(type=EventType.CHANNEL_PERMISSIONS_CHANGED, channel=channel, user_id=user.pk)
    room_changed(chatroom_id=channel.chatroom_id)
    flags = "".join(flag if value else "-" for flag, value in zip("rwx", (r, w, x), strict=True))
    moderation_log_add(actor=actor, action=f"grant:{flags}", target=f"{user} on #{channel}", chatroom=channel.chatroom)
    return grant


@transaction.atomic
def grant_clear(*, channel: Channel, user: User, actor: User | None) -> bool:
    """Removes a user's explicit grant: the channel's default applies to them again."""
    deleted, _ = ChannelGrant.objects.filter(channel=channel, user=user).delete()
    room_changed(chatroom_id=channel.chatroom_id)
    if deleted:
        channel_event_record(type=EventType.CHANNEL_PERMISSIONS_CHANGED, channel=channel, user_id=user.pk)
        moderation_log_add(actor=actor, action="grant:clear", target=f"{user} on #{channel}", chatroom=channel.chatroom)
    return bool(deleted)
