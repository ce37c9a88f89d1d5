"""The Teahaz driver: GET parameters as headers, POST bodies as JSON, the per-chatroom cookie as real clients use it."""

from rest_framework.test import APIClient

from chat.models import Channel, Message
from invites.models import Invite
from tests.api.drivers.base import Answer, Need, Operation, Outcome, Perform, bearer_client
from tests.api.drivers.world import SEED_TEXT, World
from tests.conftest import PASSWORD

API = "/api/v0"
NEW_CHANNEL = "made-here"
POSTED = "posted here"
FILE_DATA = "AAECAw=="  # the bytes 0, 1, 2, 3 in base64


def _url(endpoint: str, world: World) -> str:
    return f"{API}/{endpoint}/{world.chatroom.pk}"


def _user_id(world: World) -> str:
    """The `userID` the caller sends: its own, or (anonymous) the owner's, claiming to be someone it is not."""
    return str((world.user or world.owner).pk)


def _get(endpoint: str, **headers: str) -> Perform:
    def perform(client: APIClient, world: World) -> Answer:
        return client.get(_url(endpoint, world), headers={"userID": _user_id(world), **headers})

    return perform


def _messages_of_side(client: APIClient, world: World) -> Answer:
    headers = {"userID": _user_id(world), "get-method": "count", "channelID": str(world.side.pk)}
    return client.get(_url("messages", world), headers=headers)


def _post(endpoint: str, body: dict) -> Perform:
    def perform(client: APIClient, world: World) -> Answer:
        return client.post(_url(endpoint, world), {"userID": _user_id(world), **body}, format="json")

    return perform


def _post_message(client: APIClient, world: World) -> Answer:
    return _post("messages", {"channelID": str(world.side.pk), "data": POSTED})(client, world)


def _post_file(client: APIClient, world: World) -> Answer:
    return _post("files", {"channelID": str(world.side.pk), "data": FILE_DATA})(client, world)


def _lists_side(channels: list[dict], world: World) -> bool:
    return str(world.side.pk) in {channel["channelID"] for channel in channels}


OPERATIONS = (
    Operation(
        "chatroom.get",
        "GET",
        "/chatroom/{}",
        Need.READ,
        _get("chatroom"),
        shows=lambda response, world: _lists_side(response.json()["channels"], world),
        filters=frozenset({Outcome.HIDDEN}),
    ),
    Operation(
        "login.get",
        "GET",
        "/login/{}",
        Need.ENTER,
        _get("login"),
        shows=lambda response, world: response.json() == {"detail": "Logged in"},
        # The contract: 200 when the log-in is good for this chatroom, else 401, whatever the credential.
        answers={Outcome.NOT_PARTICIPANT: 401},
    ),
    Operation(
        "users.get",
        "GET",
        "/users/{}",
        Need.ENTER,
        _get("users"),
        shows=lambda response, world: (
            {str(world.owner.pk), str(world.victim.pk)} <= {user["userID"] for user in response.json()}
        ),
    ),
    Operation(
        "channels.get",
        "GET",
        "/channels/{}",
        Need.READ,
        _get("channels"),
        shows=lambda response, world: _lists_side(response.json(), world),
        filters=frozenset({Outcome.HIDDEN}),
    ),
    Operation(
        "channels.post",
        "POST",
        "/channels/{}",
        Need.MANAGE,
        _post("channels", {"channel_name": NEW_CHANNEL}),
        shows=lambda response, world: response.json()["channel_name"] == NEW_CHANNEL,
        stored=lambda world: Channel.objects.filter(chatroom=world.chatroom, name=NEW_CHANNEL).exists(),
    ),
    Operation(
        "messages.get(channelID)",
        "GET",
        "/messages/{}",
        Need.READ,
        _messages_of_side,
        shows=lambda response, world: (
            [(m["channelID"], m["data"]) for m in response.json()] == [(str(world.side.pk), SEED_TEXT)]
        ),
    ),
    Operation(
        "messages.get(every channel)",
        "GET",
        "/messages/{}",
        Need.READ,
        _get("messages", **{"get-method": "since", "time": "0"}),
        shows=lambda response, world: str(world.seeds["side"].pk) in {m["messageID"] for m in response.json()},
        filters=frozenset({Outcome.HIDDEN}),
    ),
    Operation(
        "messages.post",
        "POST",
        "/messages/{}",
        Need.WRITE,
        _post_message,
        shows=lambda response, world: response.json()["data"] == POSTED,
        stored=lambda world: Message.objects.filter(channel=world.side, author=world.user, text=POSTED).exists(),
    ),
    Operation(
        "files.post",
        "POST",
        "/files/{}",
        Need.WRITE,
        _post_file,
        shows=lambda response, world: (response.json()["type"], response.json()["data"]) == ("file", FILE_DATA),
        stored=lambda world: Message.objects.filter(
            channel=world.side, author=world.user, kind=Message.Kind.FILE, file__isnull=False
        ).exists(),
    ),
    Operation(
        "invites.get",
        "GET",
        "/invites/{}",
        Need.MANAGE,
        _get("invites"),
        shows=lambda response, world: Invite.objects.filter(pk=response.json()["inviteID"]).exists(),
        stored=lambda world: Invite.objects.filter(chatroom=world.chatroom, created_by=world.user).exists(),
    ),
)


class TeahazDriver:
    """Teahaz: the log-in cookie named after the chatroom (what real clients hold), or a bearer token."""

    name: str = "teahaz"
    credentials: tuple[str, ...] = ("cookie", "bearer")
    operations: tuple[Operation, ...] = OPERATIONS

    def client(self, world: World, credential: str) -> APIClient:
        if credential == "bearer":
            return bearer_client(world)
        assert world.user is not None
        client = APIClient()
        chatroom = world.elsewhere or world.chatroom
        response = client.post(
            f"{API}/login/{chatroom.pk}", {"userID": str(world.user.pk), "password": PASSWORD}, format="json"
        )
        assert response.status_code == 200, response.content
        return client

    def refusal(self, outcome: Outcome, credential: str) -> int:
        if outcome is Outcome.NOT_PARTICIPANT and credential == "cookie":
            # Its cookie is another chatroom's, or was revoked by the ban: no log-in to this chatroom at all.
            return 401
        return {
            Outcome.UNAUTHENTICATED: 401,
            Outcome.NOT_PARTICIPANT: 403,
            Outcome.HIDDEN: 404,
            Outcome.FORBIDDEN: 403,
        }[outcome]
