"""The v1 driver: the project's own REST API under /api/v1/, with a bearer token or a browser session."""

from collections.abc import Callable

from rest_framework.test import APIClient

from chat.models import Channel, Chatroom, Message, ModerationLog, Participant, User
from invites.models import Invite
from tests.api.drivers.base import Answer, Need, Operation, Outcome, Perform, bearer_client
from tests.api.drivers.world import SEED_TEXT, World, own_message

API = "/api/v1"
POSTED = "posted here"
NAME = "Renamed"
EDITED = "edited here"


def _room(world: World) -> str:
    return str(world.chatroom.pk)


def _get(url: Callable[[World], str]) -> Perform:
    def perform(client: APIClient, world: World) -> Answer:
        return client.get(API + url(world))

    return perform


def _send(url: Callable[[World], str], body: Callable[[World], dict] | None = None, method: str = "post") -> Perform:
    """A JSON write; a bodyless one sends no body at all, as a script would."""

    def perform(client: APIClient, world: World) -> Answer:
        if body is None:
            return getattr(client, method)(API + url(world))
        return getattr(client, method)(API + url(world), body(world), format="json")

    return perform


def _ids(items: list[dict]) -> set[str]:
    return {str(item["id"]) for item in items}


def _participant_id(world: World, user_of: Callable[[World], User | None]) -> str:
    """The id of a user's membership; the owner's when the caller has none (anonymous, outsiders)."""
    participant = Participant.objects.filter(chatroom=world.chatroom, user=user_of(world)).first()
    if participant is None:
        participant = Participant.objects.get(chatroom=world.chatroom, user=world.owner)
    return str(participant.pk)


def _victim(world: World) -> str:
    return _participant_id(world, lambda w: w.victim)


def _invite(world: World) -> Invite:
    assert world.invite is not None
    return world.invite


def _own(world: World) -> Message:
    """The caller's own message; an anonymous caller, who has none, aims at the seed."""
    return world.own or world.seeds["side"]


def _edited(message_of: Callable[[World], Message]) -> Callable[[World], bool]:
    def stored(world: World) -> bool:
        message = Message.objects.get(pk=message_of(world).pk)
        return message.text == EDITED and message.edited_at is not None and message.versions.exists()

    return stored


def _deleted(message_of: Callable[[World], Message], *, logged: bool) -> Callable[[World], bool]:
    """Whether the message is deleted by the caller; a deletion by an admin of another's is in the log too."""

    def stored(world: World) -> bool:
        message = Message.objects.get(pk=message_of(world).pk)
        deleted = message.deleted_at is not None and message.deleted_by_id == getattr(world.user, "pk", None)
        entry = ModerationLog.objects.filter(action="delete", target=f"message {message.pk}", actor=world.user)
        return deleted and entry.exists() == logged

    return stored


def _gone(user_of: Callable[[World], User | None]) -> Callable[[World], bool]:
    def stored(world: World) -> bool:
        user = user_of(world)
        return user is not None and user.pk in world.joined and world.participant(user) is None

    return stored


OPERATIONS = (
    Operation(
        "chatrooms.list",
        "GET",
        "/chatrooms",
        Need.ENTER,
        _get(lambda world: "/chatrooms/"),
        shows=lambda response, world: _room(world) in _ids(response.json()),
        filters=frozenset({Outcome.NOT_PARTICIPANT}),
    ),
    Operation(
        "chatrooms.retrieve",
        "GET",
        "/chatrooms/{}",
        Need.ENTER,
        _get(lambda world: f"/chatrooms/{world.chatroom.pk}/"),
        shows=lambda response, world: response.json()["id"] == _room(world),
    ),
    Operation(
        "chatrooms.rename",
        "PATCH",
        "/chatrooms/{}",
        Need.ENTER,
        _send(lambda world: f"/chatrooms/{world.chatroom.pk}/", lambda world: {"name": NAME}, method="patch"),
        shows=lambda response, world: response.json()["name"] == NAME,
        stored=lambda world: Chatroom.objects.get(pk=world.chatroom.pk).name == NAME,
    ),
    Operation(
        "chatrooms.leave",
        "POST",
        "/chatrooms/{}/leave",
        Need.ENTER,
        _send(lambda world: f"/chatrooms/{world.chatroom.pk}/leave/"),
        shows=lambda response, world: response.status_code == 204,
        stored=_gone(lambda world: world.user),
        answers={Outcome.ALLOWED: 204},
    ),
    Operation(
        "chatrooms.read",
        "POST",
        "/chatrooms/{}/read",
        Need.READ,
        _send(
            lambda world: f"/chatrooms/{world.chatroom.pk}/read/",
            lambda world: {"message": str(world.seeds["side"].pk)},
        ),
        shows=lambda response, world: response.status_code == 204,
        stored=lambda world: (
            world.user is not None
            and getattr(world.participant(world.user), "last_read_at", None) == world.seeds["side"].sent_at
        ),
        answers={Outcome.ALLOWED: 204},
    ),
    Operation(
        "participants.add",
        "POST",
        "/participants",
        Need.ENTER,
        _send(
            lambda world: "/participants/", lambda world: {"chatroom": _room(world), "user": str(world.candidate.pk)}
        ),
        shows=lambda response, world: response.json()["user"]["id"] == str(world.candidate.pk),
        stored=lambda world: world.participant(world.candidate) is not None,
        answers={Outcome.ALLOWED: 201},
    ),
    Operation(
        "channels.list",
        "GET",
        "/channels",
        Need.READ,
        _get(lambda world: f"/channels/?chatroom={world.chatroom.pk}"),
        shows=lambda response, world: str(world.side.pk) in _ids(response.json()),
        filters=frozenset({Outcome.HIDDEN}),
    ),
    Operation(
        "channels.retrieve",
        "GET",
        "/channels/{}",
        Need.READ,
        _get(lambda world: f"/channels/{world.side.pk}/"),
        shows=lambda response, world: response.json()["id"] == str(world.side.pk),
    ),
    Operation(
        "channels.create",
        "POST",
        "/channels",
        Need.MANAGE,
        _send(lambda world: "/channels/", lambda world: {"chatroom": _room(world), "name": "new"}),
        shows=lambda response, world: response.json()["name"] == "new",
        stored=lambda world: Channel.objects.filter(chatroom=world.chatroom, name="new").exists(),
        answers={Outcome.ALLOWED: 201},
    ),
    Operation(
        "channels.update",
        "PATCH",
        "/channels/{}",
        Need.READ_AND_MANAGE,
        _send(
            lambda world: f"/channels/{world.side.pk}/",
            lambda world: {"name": "renamed", "public": not world.side.public},
            method="patch",
        ),
        shows=lambda response, world: (
            (response.json()["name"], response.json()["public"]) == ("renamed", not world.side.public)
        ),
        stored=lambda world: Channel.objects.filter(
            pk=world.side.pk, name="renamed", public=not world.side.public
        ).exists(),
    ),
    Operation(
        "participants.list",
        "GET",
        "/participants",
        Need.ENTER,
        _get(lambda world: f"/participants/?chatroom={world.chatroom.pk}"),
        shows=lambda response, world: str(world.victim.pk) in {str(p["user"]["id"]) for p in response.json()},
    ),
    Operation(
        "participants.retrieve",
        "GET",
        "/participants/{}",
        Need.ENTER,
        _get(lambda world: f"/participants/{_victim(world)}/"),
        shows=lambda response, world: response.json()["user"]["id"] == str(world.victim.pk),
    ),
    Operation(
        "participants.role",
        "PATCH",
        "/participants/{}",
        Need.MANAGE,
        _send(lambda world: f"/participants/{_victim(world)}/", lambda world: {"role": "admin"}, method="patch"),
        shows=lambda response, world: response.json()["role"] == "admin",
        stored=lambda world: getattr(world.participant(world.victim), "role", None) == "admin",
    ),
    Operation(
        "participants.ban",
        "POST",
        "/participants/{}/ban",
        Need.MANAGE,
        _send(lambda world: f"/participants/{_victim(world)}/ban/", lambda world: {"reason": "spam"}),
        shows=lambda response, world: response.json()["state"] == "banned",
        stored=lambda world: getattr(world.participant(world.victim), "state", None) == "banned",
    ),
    Operation(
        "participants.unban",
        "POST",
        "/participants/{}/unban",
        Need.MANAGE,
        _send(lambda world: f"/participants/{_victim(world)}/unban/"),
        shows=lambda response, world: response.json()["state"] == "active",
    ),
    Operation(
        "participants.remove(other)",
        "DELETE",
        "/participants/{}",
        Need.MANAGE,
        _send(lambda world: f"/participants/{_victim(world)}/", method="delete"),
        shows=lambda response, world: response.status_code == 204,
        stored=_gone(lambda world: world.victim),
        answers={Outcome.ALLOWED: 204},
    ),
    Operation(
        "participants.remove(self)",
        "DELETE",
        "/participants/{}",
        Need.ENTER,
        _send(lambda world: f"/participants/{_participant_id(world, lambda w: w.user)}/", method="delete"),
        shows=lambda response, world: response.status_code == 204,
        stored=_gone(lambda world: world.user),
        answers={Outcome.ALLOWED: 204},
    ),
    Operation(
        "messages.list",
        "GET",
        "/messages",
        Need.READ,
        _get(lambda world: f"/messages/?chatroom={world.chatroom.pk}"),
        shows=lambda response, world: str(world.seeds["side"].pk) in _ids(response.json()["results"]),
        filters=frozenset({Outcome.HIDDEN}),
    ),
    Operation(
        "messages.list(channel)",
        "GET",
        "/messages",
        Need.READ,
        _get(lambda world: f"/messages/?chatroom={world.chatroom.pk}&channel={world.side.pk}"),
        shows=lambda response, world: _ids(response.json()["results"]) == {str(world.seeds["side"].pk)},
        filters=frozenset({Outcome.HIDDEN}),
    ),
    Operation(
        "messages.retrieve",
        "GET",
        "/messages/{}",
        Need.READ,
        _get(lambda world: f"/messages/{world.seeds['side'].pk}/"),
        shows=lambda response, world: response.json()["id"] == str(world.seeds["side"].pk),
    ),
    Operation(
        "messages.create",
        "POST",
        "/messages",
        Need.WRITE,
        _send(
            lambda world: "/messages/",
            lambda world: {"chatroom": _room(world), "channel": str(world.side.pk), "body": POSTED},
        ),
        shows=lambda response, world: response.json()["text"] == POSTED,
        stored=lambda world: Message.objects.filter(channel=world.side, author=world.user, text=POSTED).exists(),
        answers={Outcome.ALLOWED: 201},
    ),
    Operation(
        "messages.edit(own)",
        "PATCH",
        "/messages/{}",
        Need.WRITE,
        _send(lambda world: f"/messages/{_own(world).pk}/", lambda world: {"body": EDITED}, method="patch"),
        shows=lambda response, world: (response.json()["text"], bool(response.json()["edited_at"])) == (EDITED, True),
        stored=_edited(_own),
        given=own_message,
    ),
    Operation(
        "messages.edit(other)",
        "PATCH",
        "/messages/{}",
        Need.AUTHOR,
        _send(lambda world: f"/messages/{world.seeds['side'].pk}/", lambda world: {"body": EDITED}, method="patch"),
        shows=lambda response, world: False,
        stored=lambda world: Message.objects.get(pk=world.seeds["side"].pk).text != SEED_TEXT,
    ),
    Operation(
        "messages.delete(own)",
        "DELETE",
        "/messages/{}",
        Need.READ,
        _send(lambda world: f"/messages/{_own(world).pk}/", method="delete"),
        shows=lambda response, world: response.status_code == 204,
        stored=_deleted(_own, logged=False),
        answers={Outcome.ALLOWED: 204},
        given=own_message,
    ),
    Operation(
        "messages.delete(other)",
        "DELETE",
        "/messages/{}",
        Need.READ_AND_MANAGE,
        _send(lambda world: f"/messages/{world.seeds['side'].pk}/", method="delete"),
        shows=lambda response, world: response.status_code == 204,
        stored=_deleted(lambda world: world.seeds["side"], logged=True),
        answers={Outcome.ALLOWED: 204},
    ),
    Operation(
        "invites.list",
        "GET",
        "/invites",
        Need.MANAGE,
        _get(lambda world: f"/invites/?chatroom={world.chatroom.pk}"),
        shows=lambda response, world: _invite(world).pk in _ids(response.json()),
    ),
    Operation(
        "invites.retrieve",
        "GET",
        "/invites/{}",
        Need.MANAGE,
        _get(lambda world: f"/invites/{_invite(world).pk}/"),
        shows=lambda response, world: response.json()["id"] == _invite(world).pk,
    ),
    Operation(
        "invites.create",
        "POST",
        "/invites",
        Need.MANAGE,
        _send(lambda world: "/invites/", lambda world: {"chatroom": _room(world), "uses": 3}),
        shows=lambda response, world: response.json()["uses_left"] == 3,
        stored=lambda world: Invite.objects.filter(chatroom=world.chatroom, uses_left=3).exists(),
        answers={Outcome.ALLOWED: 201},
    ),
    Operation(
        "invites.revoke",
        "POST",
        "/invites/{}/revoke",
        Need.MANAGE,
        _send(lambda world: f"/invites/{_invite(world).pk}/revoke/"),
        shows=lambda response, world: response.json()["state"] == "revoked",
        stored=lambda world: Invite.objects.filter(pk=_invite(world).pk, revoked_at__isnull=False).exists(),
    ),
    Operation(
        "users.list(mention)",
        "GET",
        "/users",
        Need.ENTER,
        _get(lambda world: f"/users/?chatroom={world.chatroom.pk}&purpose=mention"),
        shows=lambda response, world: str(world.victim.pk) in _ids(response.json()),
    ),
    Operation(
        "users.list(invite)",
        "GET",
        "/users",
        Need.ENTER,
        _get(lambda world: f"/users/?chatroom={world.chatroom.pk}&purpose=invite"),
        shows=lambda response, world: str(world.candidate.pk) in _ids(response.json()),
    ),
)


class V1Driver:
    """v1: a bearer token (scripts, bots) or a Django session (the browsable API)."""

    name: str = "v1"
    credentials: tuple[str, ...] = ("bearer", "session")
    operations: tuple[Operation, ...] = OPERATIONS

    def client(self, world: World, credential: str) -> APIClient:
        if credential == "bearer":
            return bearer_client(world)
        assert world.user is not None
        client = APIClient()
        client.force_login(world.user)
        return client

    def refusal(self, outcome: Outcome, credential: str) -> int:
        # A chatroom the caller is not in does not exist for it; neither does a channel it cannot read.
        return {
            Outcome.UNAUTHENTICATED: 401,
            Outcome.NOT_PARTICIPANT: 404,
            Outcome.HIDDEN: 404,
            Outcome.FORBIDDEN: 403,
        }[outcome]
