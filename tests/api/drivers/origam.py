"""The Origam driver: JSON under /chatrooms/Chat/, with a bearer token or a browser session as the real client."""

from collections.abc import Callable

from rest_framework.test import APIClient

from chat.models import Chatroom, Message, User
from tests.api.drivers.base import Answer, Need, Operation, Outcome, Perform, bearer_client
from tests.api.drivers.world import World

API = "/chatrooms/Chat"
POSTED = "<p>posted here</p>"
TOPIC = "Renamed"


def _url(endpoint: str, world: World) -> str:
    return f"{API}/chatrooms/{world.chatroom.pk}/{endpoint}"


def _self_id(world: World) -> str:
    """The caller's own id; anonymous names the owner's."""
    return str((world.user or world.owner).pk)


def _get(endpoint: str) -> Perform:
    def perform(client: APIClient, world: World) -> Answer:
        return client.get(_url(endpoint, world))

    return perform


def _post(endpoint: str, body: dict | Callable[[World], dict], method: str = "post") -> Perform:
    """A JSON write; `body` is a dict, or a function of the world that makes one."""

    def perform(client: APIClient, world: World) -> Answer:
        data = body(world) if callable(body) else body
        return getattr(client, method)(_url(endpoint, world), data, format="json")

    return perform


def _ids(items: list[dict]) -> set[str]:
    return {str(item["id"]) for item in items}


def _shows_seed(messages: list[dict], world: World) -> bool:
    return str(world.seeds["default"].pk) in _ids(messages)


def _listed(response: Answer, world: World) -> dict | None:
    return next((info for info in response.json() if info["id"] == str(world.chatroom.pk)), None)


def _gone(user_of: Callable[[World], User | None]) -> Callable[[World], bool]:
    """A write that removes someone: stored when they had a membership and it is gone."""

    def stored(world: World) -> bool:
        user = user_of(world)
        return user is not None and user.pk in world.joined and world.participant(user) is None

    return stored


OPERATIONS = (
    Operation(
        "chatrooms.list",
        "GET",
        "/",
        Need.ENTER,
        lambda client, world: client.get(f"{API}/"),
        shows=lambda response, world: _listed(response, world) is not None,
        filters=frozenset({Outcome.NOT_PARTICIPANT}),
    ),
    Operation(
        "chatrooms.list(unread)",
        "GET",
        "/",
        Need.READ,
        lambda client, world: client.get(f"{API}/"),
        shows=lambda response, world: (_listed(response, world) or {}).get("unreadMessageCount") == 1,
        filters=frozenset({Outcome.NOT_PARTICIPANT, Outcome.HIDDEN}),
    ),
    Operation(
        "messages.get",
        "GET",
        "/chatrooms/{}/messages",
        Need.READ,
        _get("messages"),
        shows=lambda response, world: _shows_seed(response.json(), world),
        filters=frozenset({Outcome.HIDDEN}),
    ),
    Operation(
        "messages.post",
        "POST",
        "/chatrooms/{}/messages",
        Need.WRITE,
        _post("messages", {"text": POSTED}),
        shows=lambda response, world: response.json()["text"] == POSTED,
        stored=lambda world: Message.objects.filter(channel=world.default, author=world.user, html=POSTED).exists(),
    ),
    Operation(
        "polledData",
        "GET",
        "/chatrooms/{}/polledData",
        Need.READ,
        _get("polledData"),
        shows=lambda response, world: (
            _shows_seed(response.json()["messages"], world) and response.json()["info"]["id"] == str(world.chatroom.pk)
        ),
        filters=frozenset({Outcome.HIDDEN}),
    ),
    Operation(
        "info.get",
        "GET",
        "/chatrooms/{}/info",
        Need.READ,
        _get("info"),
        shows=lambda response, world: response.json()["unreadMessageCount"] == 1,
        filters=frozenset({Outcome.HIDDEN}),
    ),
    Operation(
        "info.patch",
        "PATCH",
        "/chatrooms/{}/info",
        Need.ENTER,
        _post("info", {"topic": TOPIC}, method="patch"),
        shows=lambda response, world: response.json()["topic"] == TOPIC,
        stored=lambda world: Chatroom.objects.get(pk=world.chatroom.pk).name == TOPIC,
    ),
    Operation(
        "info.post",
        "POST",
        "/chatrooms/{}/info",
        Need.ENTER,
        _post("info", {"topic": TOPIC}),
        shows=lambda response, world: response.json()["topic"] == TOPIC,
        stored=lambda world: Chatroom.objects.get(pk=world.chatroom.pk).name == TOPIC,
    ),
    Operation(
        "participants",
        "GET",
        "/chatrooms/{}/participants",
        Need.ENTER,
        _get("participants"),
        shows=lambda response, world: {str(world.owner.pk), str(world.victim.pk)} <= _ids(response.json()),
    ),
    Operation(
        "inviteUser",
        "POST",
        "/chatrooms/{}/inviteUser",
        Need.ENTER,
        _post("inviteUser", lambda world: {"userId": str(world.candidate.pk)}),
        shows=lambda response, world: response.json()["id"] == str(world.candidate.pk),
        stored=lambda world: world.participant(world.candidate) is not None,
    ),
    Operation(
        "usersToInvite",
        "GET",
        "/chatrooms/{}/usersToInvite",
        Need.ENTER,
        _get("usersToInvite"),
        shows=lambda response, world: str(world.candidate.pk) in _ids(response.json()),
    ),
    Operation(
        "usersToMention",
        "GET",
        "/chatrooms/{}/usersToMention",
        Need.ENTER,
        _get("usersToMention"),
        shows=lambda response, world: str(world.victim.pk) in _ids(response.json()),
    ),
    Operation(
        "usersToOutvite",
        "GET",
        "/chatrooms/{}/usersToOutvite",
        Need.ENTER,
        _get("usersToOutvite"),
        shows=lambda response, world: str(world.victim.pk) in _ids(response.json()),
    ),
    Operation(
        "abandon",
        "POST",
        "/chatrooms/{}/abandon",
        Need.ENTER,
        _post("abandon", {}),
        shows=lambda response, world: response.json() == {},
        stored=_gone(lambda world: world.user),
    ),
    Operation(
        "outviteUser(self)",
        "POST",
        "/chatrooms/{}/outviteUser",
        Need.ENTER,
        _post("outviteUser", lambda world: {"userId": _self_id(world)}),
        shows=lambda response, world: response.json() == {},
        stored=_gone(lambda world: world.user),
    ),
    Operation(
        "outviteUser(other)",
        "POST",
        "/chatrooms/{}/outviteUser",
        Need.MANAGE,
        _post("outviteUser", lambda world: {"userId": str(world.victim.pk)}),
        shows=lambda response, world: response.json() == {},
        stored=_gone(lambda world: world.victim),
    ),
)


class OrigamDriver:
    """Origam: a bearer token (the page given one) or a Django session (the browser page)."""

    name: str = "origam"
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
