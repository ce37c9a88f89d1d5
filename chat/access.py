"""The one way into a chatroom: who may enter it, and what the caller may read, write and manage there.

Every adapter (both protocols, and whatever comes next) calls `chatroom_enter` for every chatroom endpoint and
hands the `RoomAccess` it answers to the reads and writes of chat/. A read takes the access (or channels taken
from it), never bare channel ids, so a read of a channel the caller may not read cannot be written. The r/w/x
rule itself is `chat.permissions.effective_permissions`.

`RoomAccess` is a plain value: nothing in it touches the database after it is built, so it could as well come
from one hand-written statement or from a cache.
"""

import uuid
from dataclasses import dataclass
from functools import cache
from typing import Any, Literal, TypeVar

from django.db.models import Field, FilteredRelation, Model, Q

from chat.caches import access_key, model_copy, room_version_key, versioned
from chat.exceptions import Code, Forbidden, NotFound, NotParticipant
from chat.models import Channel, ChannelGrant, Chatroom, Participant, User
from chat.permissions import ChannelAccess, effective_permissions
from chat.services.presence import presence_touch
from chat.sql import fetch_rows, hot_sql_enabled

Need = Literal["r", "w", "x"]
M = TypeVar("M", bound=Model)

_CHANNEL_FIELDS = ("id", "name", "public", "is_default")
_GRANT_FIELDS = ("my_grant__id", "my_grant__r", "my_grant__w", "my_grant__x")
_PARTICIPANT_FIELDS = ("id", "role", "state", "joined_at", "last_seen_at", "last_read_at", "invited_by_id")
_CHATROOM_FIELDS = (
    "name",
    "created_by_id",
    "created_at",
    "updated_at",
    "reference_category",
    "reference_record_id",
    "last_seq",
    "last_sent_at",
)


def channel_not_found() -> NotFound:
    return NotFound("Channel not found.", code=Code.CHANNEL_NOT_FOUND)


@dataclass(frozen=True, slots=True)
class RoomAccess:
    """An active participant's view of one chatroom: the participant (with user and chatroom) and every channel."""

    participant: Participant
    chatroom: Chatroom
    # Every channel of the chatroom, oldest first, with the participant's r/w/x.
    channels: tuple[ChannelAccess, ...]

    @property
    def user(self) -> User:
        return self.participant.user

    @property
    def may_moderate(self) -> bool:
        """The owner and admins manage the chatroom (and have rwx on every channel)."""
        return self.participant.is_admin

    def require_moderator(self) -> None:
        """Raises unless the caller is the chatroom's owner or an admin."""
        if not self.may_moderate:
            raise Forbidden("Only the chatroom's owner and admins may do this.", code=Code.NOT_CHATROOM_ADMIN)

    @property
    def readable_channels(self) -> tuple[ChannelAccess, ...]:
        return tuple(channel for channel in self.channels if channel.r)

    @property
    def default_channel(self) -> ChannelAccess:
        """The chatroom's default channel (readable or not: the caller decides what an unreadable one shows)."""
        for channel in self.channels:
            if channel.is_default:
                return channel
        raise NotFound("This chatroom has no default channel.", code=Code.CHANNEL_NOT_FOUND)

    def channel(self, channel_id: uuid.UUID, *, need: Need = "r") -> ChannelAccess:
        """The channel if the caller may `need` on it; one the caller cannot read is not found (as if absent)."""
        for channel in self.channels:
            if channel.id == channel_id:
                if not channel.r:
                    raise channel_not_found()
                if not getattr(channel, need):
                    raise Forbidden(
                        f"You lack the '{need}' permission on this channel.", code=Code(f"no_{need}_permission")
                    )
                return channel
        raise channel_not_found()

    def created(self, channel: Channel) -> ChannelAccess:
        """A channel created after this access was read, as the caller sees it (no grant can exist on it yet)."""
        r, w, x = effective_permissions(role=self.participant.role, public=channel.public, grant=None)
        return ChannelAccess(channel.id, channel.name, channel.public, channel.is_default, r, w, x)

    def holds(self, channel: ChannelAccess) -> bool:
        """Whether this channel, with these rights, was taken from this access."""
        return channel in self.channels


def chatroom_access(*, user: User, chatroom_id: uuid.UUID) -> RoomAccess:
    """The caller's access to the chatroom: active membership and every channel's r/w/x, in one statement.

    A chatroom that does not exist is not found; one the caller is not in (or is banned from) raises
    NotParticipant. Nothing is written: adapters enter with `chatroom_enter`, which also records presence.
    """
    if hot_sql_enabled(Channel):
        rows = _access_rows_sql(user_id=user.pk, chatroom_id=chatroom_id)
    else:
        rows = _access_rows(user_id=user.pk, chatroom_id=chatroom_id)
    return _access_of_rows(user=user, chatroom_id=chatroom_id, rows=rows)


def _access_of_rows(*, user: User, chatroom_id: uuid.UUID, rows: list[tuple]) -> RoomAccess:
    if not rows:
        # Every chatroom has its default channel; one without any channel is entered the long way.
        return _access_without_channels(user=user, chatroom_id=chatroom_id)
    first = rows[0]
    width = len(_CHANNEL_FIELDS) + len(_GRANT_FIELDS)
    member = first[width : width + len(_PARTICIPANT_FIELDS)]
    member_id, _role, state, *_times = member
    if member_id is None or state != Participant.State.ACTIVE:
        raise NotParticipant()
    chatroom = _loaded(
        Chatroom, {"id": chatroom_id, **dict(zip(_CHATROOM_FIELDS, first[width + len(member) :], strict=True))}
    )
    participant = _loaded(
        Participant,
        {"user_id": user.pk, "chatroom_id": chatroom_id, **dict(zip(_PARTICIPANT_FIELDS, member, strict=True))},
    )
    participant.user, participant.chatroom = user, chatroom
    channels = []
    for channel_id, name, public, is_default, grant_id, r, w, x, *_rest in rows:
        grant = (r, w, x) if grant_id is not None else None
        cr, cw, cx = effective_permissions(role=participant.role, public=public, grant=grant)
        channels.append(ChannelAccess(channel_id, name, public, is_default, cr, cw, cx))
    return RoomAccess(participant=participant, chatroom=chatroom, channels=tuple(channels))


def _access_rows(*, user_id: uuid.UUID, chatroom_id: uuid.UUID) -> list[tuple]:
    """Every channel of the chatroom with the caller's grant, membership and the chatroom, through the ORM."""
    return list(
        Channel.objects.filter(chatroom_id=chatroom_id)
        .annotate(
            my_grant=FilteredRelation("grants", condition=Q(grants__user_id=user_id)),
            me=FilteredRelation("chatroom__participants", condition=Q(chatroom__participants__user_id=user_id)),
        )
        .order_by("created_at", "id")
        .values_list(
            *_CHANNEL_FIELDS,
            *_GRANT_FIELDS,
            *(f"me__{field}" for field in _PARTICIPANT_FIELDS),
            *(f"chatroom__{field}" for field in _CHATROOM_FIELDS),
        )
    )


def _column(model: type[Model], name: str) -> str:
    field = model._meta.get_field(name)
    assert isinstance(field, Field) and field.column is not None
    return field.column


@cache
def _access_statement() -> str:
    """The same rows as `_access_rows`, as one hand-written statement (PostgreSQL, prepared; see chat/sql.py)."""
    channels, chatrooms = Channel._meta.db_table, Chatroom._meta.db_table
    grants, participants = ChannelGrant._meta.db_table, Participant._meta.db_table
    columns = _access_columns()
    return (
        f"SELECT {', '.join(columns)} FROM {channels} c JOIN {chatrooms} r ON r.id = c.chatroom_id "
        f"LEFT JOIN {grants} g ON g.channel_id = c.id AND g.user_id = %(user)s "
        f"LEFT JOIN {participants} p ON p.chatroom_id = r.id AND p.user_id = %(user)s "
        "WHERE c.chatroom_id = %(chatroom)s ORDER BY c.created_at, c.id"
    )


def entry_columns_and_joins(*, user: str) -> tuple[list[str], str]:
    """The access rows' columns and joins, for a statement that reads the caller (`user`, an SQL expression of
    their id) from elsewhere in the same round trip: the token check of a write (chat/services/tokens.py). The
    chatroom is the parameter `%(chatroom)s`; a chatroom without channels (or none such) gives one row of NULLs
    here, which `access_of_entry_rows` reads as no row."""
    channels, chatrooms = Channel._meta.db_table, Chatroom._meta.db_table
    grants, participants = ChannelGrant._meta.db_table, Participant._meta.db_table
    joins = (
        f"LEFT JOIN {channels} c ON c.chatroom_id = %(chatroom)s LEFT JOIN {chatrooms} r ON r.id = c.chatroom_id "
        f"LEFT JOIN {grants} g ON g.channel_id = c.id AND g.user_id = {user} "
        f"LEFT JOIN {participants} p ON p.chatroom_id = r.id AND p.user_id = {user}"
    )
    return _access_columns(), joins


def _access_columns() -> list[str]:
    return [
        *(f"c.{field}" for field in _CHANNEL_FIELDS),
        *(f"g.{field.split('__')[1]}" for field in _GRANT_FIELDS),
        *(f"p.{_column(Participant, field)}" for field in _PARTICIPANT_FIELDS),
        *(f"r.{_column(Chatroom, field)}" for field in _CHATROOM_FIELDS),
    ]


@dataclass(frozen=True, slots=True)
class Entry:
    """The access rows of one chatroom, read with a write's token check (one round trip for the whole prologue)."""

    chatroom_id: uuid.UUID
    rows: list[tuple]


def access_of_entry_rows(*, chatroom_id: uuid.UUID, rows: list[tuple]) -> Entry:
    """The rows of `entry_columns_and_joins`, as `chatroom_enter` takes them."""
    return Entry(chatroom_id=chatroom_id, rows=[row for row in rows if row[0] is not None])


def _access_rows_sql(*, user_id: uuid.UUID, chatroom_id: uuid.UUID) -> list[tuple]:
    return fetch_rows(Channel, _access_statement(), {"user": user_id, "chatroom": chatroom_id})


def _loaded(model: type[M], values: dict[str, Any]) -> M:
    """A model instance from the values of a row, as the ORM would load it (every field given, none deferred)."""
    names = [field.attname for field in model._meta.concrete_fields]
    return model.from_db(Channel.objects.db, names, [values[name] for name in names])


def _access_without_channels(*, user: User, chatroom_id: uuid.UUID) -> RoomAccess:
    participant = (
        Participant.objects.active().select_related("chatroom").filter(user_id=user.pk, chatroom_id=chatroom_id).first()
    )
    if participant is None:
        if not Chatroom.objects.filter(pk=chatroom_id).exists():
            raise NotFound("Chatroom not found.", code=Code.CHATROOM_NOT_FOUND)
        raise NotParticipant()
    participant.user = user
    return RoomAccess(participant=participant, chatroom=participant.chatroom, channels=())


def _access_copy(access: RoomAccess) -> RoomAccess:
    """An access whose participant and chatroom a request may change without changing anyone else's."""
    participant, chatroom = model_copy(access.participant), model_copy(access.chatroom)
    participant.user, participant.chatroom = access.participant.user, chatroom
    return RoomAccess(participant=participant, chatroom=chatroom, channels=access.channels)


def chatroom_enter(
    *, user: User, chatroom_id: uuid.UUID, fresh: bool = False, entry: Entry | None = None
) -> RoomAccess:
    """The way in for every request inside a chatroom: the caller's access (else raises), marked present.

    A read may answer the access from the cache (see chat/caches.py: a change to the chatroom's members, roles,
    channels or grants is seen at once with a shared cache, within CHAT_ACCESS_CACHE_SECONDS without); a write
    passes `fresh=True` and reads the database, or takes the `entry` that its token check read in the same
    statement (on PostgreSQL). Presence is written at most once per interval (a conditional UPDATE), so the idle
    poll writes nothing.
    """
    if fresh and entry is not None and entry.chatroom_id == chatroom_id:
        access = _access_of_rows(user=user, chatroom_id=chatroom_id, rows=entry.rows)
    elif fresh:
        access = chatroom_access(user=user, chatroom_id=chatroom_id)
    else:
        cached = versioned(
            key=access_key(user_id=user.pk, chatroom_id=chatroom_id),
            version_key=room_version_key(chatroom_id),
            build=lambda: chatroom_access(user=user, chatroom_id=chatroom_id),
            copy=_access_copy,
        )
        assert cached is not None  # chatroom_access answers an access or raises
        access = cached
        # The caller as authenticated for this request, not the copy the entry was built with.
        access.participant.user = user
    presence_touch(participant=access.participant)
    return access
