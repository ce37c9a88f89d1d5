"""The world a permission-matrix case runs in, built straight through the models.

The matrix must not depend on how chat/ names its services, so this module writes the rows a chatroom, its
channels, grants, memberships and a ban leave behind, and nothing else.
"""

import enum
import uuid
from dataclasses import dataclass, field
from datetime import timedelta

from django.utils import timezone

from chat.models import (
    AuthToken,
    Channel,
    ChannelGrant,
    Chatroom,
    Message,
    MessageVersion,
    ModerationLog,
    Participant,
    User,
)
from chat.services.messages import message_create
from invites.models import Invite
from tests.conftest import PASSWORD

SEED_TEXT = "seed"
OWN_TEXT = "my own words"


class Standing(enum.Enum):
    """Where a caller stands towards the chatroom."""

    ANONYMOUS = "anonymous"
    OUTSIDER = "outsider"  # authenticated, but not an active participant (another chatroom's, or banned)
    MEMBER = "member"
    ADMIN = "admin"  # the chatroom's owner or one of its admins


@dataclass(frozen=True)
class Caller:
    """One kind of caller: its place in the chatroom and the explicit grant it holds on the target channels."""

    name: str
    standing: Standing
    role: str | None = None
    banned: bool = False
    elsewhere: bool = False
    grant: str | None = None  # "rw-" style, on every target channel; None is no grant at all


@dataclass
class World:
    """A chatroom whose default channel and a second channel are both public or both private, with a caller."""

    chatroom: Chatroom
    owner: User
    default: Channel
    side: Channel
    victim: User  # a plain member, for removing someone else
    candidate: User  # a user who is in no chatroom, for inviting
    caller: Caller
    user: User | None
    elsewhere: Chatroom | None = None
    invite: Invite | None = None  # an active invite, made by the victim (never a caller), for managing invites
    seeds: dict[str, Message] = field(default_factory=dict)
    own: Message | None = None  # the caller's own message on the side channel, for operations that need one
    joined: set[uuid.UUID] = field(default_factory=set)  # who had a membership, banned or not, once built

    def participant(self, user: User) -> Participant | None:
        """The user's stored membership of the chatroom, fresh from the database."""
        return Participant.objects.filter(chatroom=self.chatroom, user=user).first()


def _user(username: str) -> User:
    return User.objects.create_user(username=username, password=PASSWORD)


def _chatroom(*, name: str, owner: User, public: bool) -> tuple[Chatroom, Channel]:
    chatroom = Chatroom.objects.create(name=name, created_by=owner)
    default = Channel.objects.create(chatroom=chatroom, name="default", public=public, is_default=True)
    Participant.objects.create(chatroom=chatroom, user=owner, role=Participant.Role.OWNER)
    return chatroom, default


def _seed(channel: Channel) -> Message:
    """A message nobody in the matrix wrote, so that it is unread for every caller who may read it."""
    return message_create(
        chatroom_id=channel.chatroom_id,
        channel=channel,
        author=None,
        kind=Message.Kind.SYSTEM,
        body=SEED_TEXT,
        text=SEED_TEXT,
        html=f"<p>{SEED_TEXT}</p>",
    )


def build_world(*, caller: Caller, public: bool) -> World:
    """The chatroom, the target channels (public or private), and the caller in its place."""
    owner = _user("owner")
    chatroom, default = _chatroom(name="Tea room", owner=owner, public=public)
    side = Channel.objects.create(chatroom=chatroom, name="side", public=public)
    victim = _user("victim")
    Participant.objects.create(chatroom=chatroom, user=victim)
    world = World(
        chatroom=chatroom,
        owner=owner,
        default=default,
        side=side,
        victim=victim,
        candidate=_user("candidate"),
        caller=caller,
        user=None,
        seeds={"default": _seed(default), "side": _seed(side)},
        invite=Invite.objects.create(
            chatroom=chatroom, created_by=victim, uses_left=5, expires_at=timezone.now() + timedelta(days=1)
        ),
    )
    if caller.standing is not Standing.ANONYMOUS:
        _place_caller(world)
    world.joined = set(Participant.objects.filter(chatroom=chatroom).values_list("user_id", flat=True))
    return world


def _place_caller(world: World) -> None:
    """The caller's account, and its membership (or another chatroom's) and grants."""
    caller, chatroom, owner = world.caller, world.chatroom, world.owner
    if caller.role == Participant.Role.OWNER:
        world.user = owner
    else:
        world.user = _user("caller")
    if caller.elsewhere:
        world.elsewhere, _ = _chatroom(name="Elsewhere", owner=world.user, public=True)
    elif caller.role != Participant.Role.OWNER:
        Participant.objects.create(chatroom=chatroom, user=world.user, role=caller.role or Participant.Role.MEMBER)
    if caller.grant is not None:
        r, w, x = (flag != "-" for flag in caller.grant)
        for channel in (world.default, world.side):
            ChannelGrant.objects.create(user=world.user, channel=channel, r=r, w=w, x=x, granted_by=owner)


def own_message(world: World) -> None:
    """A text message the caller wrote on the side channel (before any ban); none for an anonymous caller."""
    if world.user is None:
        return
    world.own = message_create(
        chatroom_id=world.chatroom.pk,
        channel=world.side,
        author=world.user,
        kind=Message.Kind.TEXT,
        body=OWN_TEXT,
        text=OWN_TEXT,
        html=f"<p>{OWN_TEXT}</p>",
    )


def ban(world: World) -> None:
    """What a ban leaves: the membership marked banned, and the caller's log-ins to the chatroom revoked."""
    Participant.objects.filter(chatroom=world.chatroom, user=world.user).update(
        state=Participant.State.BANNED, role=Participant.Role.MEMBER
    )
    AuthToken.objects.filter(user=world.user, chatroom=world.chatroom).update(revoked_at=timezone.now())


def stored_state(*, presence: bool) -> dict[str, list]:
    """Everything a request into a chatroom could write, to show that a refused one wrote nothing.

    Without `presence`, leaves out when each participant was last seen: a participant refused something
    inside the chatroom was still there.
    """
    return {
        "chatrooms": list(Chatroom.objects.order_by("pk").values_list("pk", "name")),
        "channels": list(Channel.objects.order_by("pk").values_list("pk", "name", "public")),
        "grants": list(ChannelGrant.objects.order_by("pk").values_list("user_id", "channel_id", "r", "w", "x")),
        "participants": list(
            Participant.objects.order_by("pk").values_list(
                "user_id", "chatroom_id", "role", "state", "last_read_at", *(["last_seen_at"] if presence else [])
            )
        ),
        "messages": list(
            Message.objects.order_by("pk").values_list("pk", "channel_id", "text", "edited_at", "deleted_at")
        ),
        "mentions": list(Message.mentions.through.objects.order_by("pk").values_list("message_id", "user_id")),
        "versions": list(MessageVersion.objects.order_by("pk").values_list("pk", "message_id")),
        "moderation": list(ModerationLog.objects.order_by("pk").values_list("pk", "action", "target")),
        "invites": list(Invite.objects.order_by("pk").values_list("pk", "uses_left")),
    }
