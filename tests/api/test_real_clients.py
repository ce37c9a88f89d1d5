"""The exact requests of the real clients, replayed through HTTP, and exactly what those clients read back.

Each request below copies, field for field, what the public source of a real client sends (URL, method, query
string, headers and their casing, body and its field casing, content type), and each assertion checks what that
client then reads from the answer. Sources, read not copied:

- Origam chat client: origam/origam `chat-html/src/ChatApp/services/ChatHTTPApi.ts` (axios 1.x; API prefix
  `/chatrooms/Chat`, avatars `/chatrooms/Avatar/` + avatarUrl from `config.ts`), `TransportSvc.tsx` (the poll),
  `SendMessageBarUI.tsx` + `SendMessageBar.tsx` (a message's HTML comes from draftjs-to-html, mentions are bare ids),
  `model/Messages.ts` (pending messages are matched by id); the Origam main client lists the chatrooms with
  `GET /chatrooms/Chat` (`frontend-html/src/model/entities/OrigamAPI.ts`).
- Teahaz Python client: teahaz/teahaz.py `teahaz/client.py` as of 2021-07-06 (requests.Session; only 200 succeeds;
  GET parameters as headers, None-valued ones left out by requests; `Teacup.login` sends the username as `userID`
  and keeps using it as `userID` afterwards).
- Teahaz JavaScript client: teahaz/teahaz.js `teahaz.rewrite.js` as of 2021-07-04..06 (axios 0.21 under Node: no
  Origin, the cookie taken from the first `Set-Cookie` header split at `; ` and `=`, sent back as a raw `Cookie`).
"""

import json
import re
import uuid
from datetime import datetime
from http.cookies import SimpleCookie
from typing import Any

import pytest
from rest_framework.test import APIClient

from chat.models import Channel, Chatroom, Message, Participant, User
from chat.services.chatrooms import chatroom_create
from chat.services.participants import participant_add
from chat.services.tokens import token_issue
from invites.models import Invite
from invites.services import invite_create
from tests.conftest import PASSWORD

# --------------------------------------------------------------------------------------------- Origam

ORIGAM_API = "/chatrooms/Chat"  # config.apiUrlPrefix: no trailing slash, every path appended with "/"
AVATAR_PREFIX = "/chatrooms/Avatar/"  # config.avatarUrlPrefix
AXIOS_ACCEPT = "application/json, text/plain, */*"
SAME_ORIGIN = "http://testserver"

USER_KEYS = {"id", "name", "avatarUrl"}
MESSAGE_KEYS = {"id", "authorId", "authorName", "authorAvatarUrl", "timeSent", "text", "mentions"}
PARTICIPANT_KEYS = {"id", "name", "avatarUrl", "status"}
INFO_KEYS = {"id", "topic", "categoryName", "referenceId", "unreadMessageCount"}


def browser(user: User) -> APIClient:
    """The chat page in a logged-in browser: the session cookie, a same-origin Origin on writes, no CSRF token."""
    client = APIClient(enforce_csrf_checks=True, HTTP_ACCEPT=AXIOS_ACCEPT, HTTP_ORIGIN=SAME_ORIGIN)
    client.force_login(user)
    return client


def token_page(user: User) -> APIClient:
    """The chat page given a token (`sessionStorage.origamAuthToken`): `Authorization: Bearer`, no cookie."""
    raw, _token = token_issue(user=user, name="origam page")
    return APIClient(HTTP_ACCEPT=AXIOS_ACCEPT, HTTP_AUTHORIZATION=f"Bearer {raw}")


def axios_post(client: APIClient, path: str, body: dict):
    """`axios.post(url, object)`: JSON.stringify of the object (undefined keys left out) as application/json."""
    return client.post(path, json.dumps(body), content_type="application/json")


def room(chatroom_id: object, endpoint: str) -> str:
    return f"{ORIGAM_API}/chatrooms/{chatroom_id}/{endpoint}"


def draft_mention(user: User, name: str) -> str:
    """A mention as draftjs-to-html writes the client's MENTION entity (text and url `@name`, value the id)."""
    return f'<a href="@{name}" class="wysiwyg-mention" data-mention data-value="{user.pk}">@{name}</a>'


def is_guid_text(value: object) -> bool:
    return isinstance(value, str) and str(uuid.UUID(value)) == value


def moment_parses(value: str) -> bool:
    """moment(string) reads an ISO 8601 time; with its offset it means the same instant in every time zone."""
    pattern = r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?(Z|[+-]\d\d:\d\d)"
    return re.fullmatch(pattern, value) is not None and datetime.fromisoformat(value).tzinfo is not None


@pytest.fixture
def alice(make_user) -> User:
    return make_user("alice", display_name="Alice Smith")


@pytest.fixture
def bob(make_user) -> User:
    return make_user("bob", display_name="Bob Jones")


@pytest.fixture
def origam_room(alice, bob) -> Chatroom:
    return chatroom_create(creator=alice, name="Plans", invite_users=[bob])


def test_origam_main_client_lists_chatrooms_at_the_api_root_without_slash(alice, origam_room):
    answer = token_page(alice).get(ORIGAM_API)

    assert answer.status_code == 200
    [item] = answer.json()
    assert set(item) == INFO_KEYS
    assert item["id"] == str(origam_room.pk) and item["topic"] == "Plans"
    assert isinstance(item["unreadMessageCount"], int)


def test_origam_create_chatroom_dialog(alice, bob, make_user):
    make_user("carol", display_name="Carol", is_active=False)
    page = browser(alice)
    record_id = str(uuid.uuid4())

    # getUsersToInviteByReferences: searchPhrase, limit, offset, then the page's `reference*` query parameters.
    listed = page.get(
        f"{ORIGAM_API}/users/listToInvite?searchPhrase=&limit=100&offset=0"
        f"&referenceCategory=Order&referenceRecordId={record_id}"
    )
    assert listed.status_code == 200
    assert listed.json() == [{"id": str(bob.pk), "name": "Bob Jones", "avatarUrl": str(bob.pk)}]
    searched = page.get(f"{ORIGAM_API}/users/listToInvite?searchPhrase=bob+jo&limit=100&offset=0")
    assert [user["id"] for user in searched.json()] == [str(bob.pk)]

    # createChatroom: camelCase topic and inviteUsers, PascalCase references.
    created = axios_post(
        page,
        f"{ORIGAM_API}/chatrooms/create",
        {
            "topic": "Order 42",
            "ReferenceCategory": "Order",
            "ReferenceRecordId": record_id,
            "inviteUsers": [{"id": str(bob.pk)}],
        },
    )
    assert created.status_code == 200
    chatroom_id = created.json()  # `{ chatroomId: response.data }`, then `?chatroomId=` of the page
    assert is_guid_text(chatroom_id)
    stored = Chatroom.objects.get(pk=chatroom_id)
    assert (stored.name, stored.reference_category, str(stored.reference_record_id)) == ("Order 42", "Order", record_id)
    assert set(stored.participants.values_list("user__username", flat=True)) == {"alice", "bob"}

    # Opened without references: `references.referenceCategory` is undefined, so JSON.stringify leaves both out.
    plain = axios_post(page, f"{ORIGAM_API}/chatrooms/create", {"topic": "Lunch", "inviteUsers": []})
    assert plain.status_code == 200
    assert Chatroom.objects.get(pk=plain.json()).reference_record_id is None


def test_origam_first_poll_gives_every_field_the_client_reads(alice, bob, origam_room):
    answer = browser(bob).get(room(origam_room.pk, "polledData"))  # `params: {afterIdIncluding: undefined}`

    assert answer.status_code == 200
    data = answer.json()
    assert set(data) == {"messages", "info", "participants", "localUser"}
    assert data["localUser"] == {"id": str(bob.pk), "name": "Bob Jones", "avatarUrl": str(bob.pk)}
    assert data["info"]["topic"] == "Plans"
    assert set(data["info"]) >= {"topic", "categoryName", "referenceId"}
    assert {p["id"]: p["status"] for p in data["participants"]} == {str(alice.pk): "none", str(bob.pk): "online"}
    assert all(set(p) == PARTICIPANT_KEYS for p in data["participants"])
    [welcome] = data["messages"]
    assert set(welcome) == MESSAGE_KEYS
    assert moment_parses(welcome["timeSent"])
    assert welcome["mentions"] == []


def test_origam_send_then_poll_matches_the_pending_message_by_its_id(alice, bob, origam_room):
    page = browser(alice)
    first = page.get(room(origam_room.pk, "polledData")).json()
    last_server_message = first["messages"][-1]["id"]

    # sendMessage: uuidv4() id, the draftjs-to-html HTML, mentions as the bare ids of the MENTION entities.
    message_id = str(uuid.uuid4())
    html = (
        f"<p>Hi {draft_mention(bob, 'Bob Jones')} , <strong>bold</strong> <em>it</em> <del>old</del> "
        '<code>x = 1</code> <a href="https://example.com/a?b=c" target="_self">link</a></p>\n'
    )
    sent = axios_post(
        page, room(origam_room.pk, "messages"), {"id": message_id, "mentions": [str(bob.pk)], "text": html}
    )
    assert sent.status_code == 200

    # The next poll of the loop: afterIdIncluding = the last message that came from the server.
    polled = page.get(room(origam_room.pk, "polledData") + f"?afterIdIncluding={last_server_message}")
    assert polled.status_code == 200
    messages = polled.json()["messages"]
    assert [m["id"] for m in messages] == [last_server_message, message_id]
    mine = messages[-1]
    assert set(mine) == MESSAGE_KEYS
    assert (mine["authorId"], mine["authorName"], mine["authorAvatarUrl"]) == (
        str(alice.pk),
        "Alice Smith",
        str(alice.pk),
    )
    assert moment_parses(mine["timeSent"])
    assert mine["mentions"] == [{"id": str(bob.pk), "name": "Bob Jones", "avatarUrl": str(bob.pk)}]
    # The client renders `text` as it comes: the mention keeps what the client's stylesheet and links need.
    assert 'class="wysiwyg-mention"' in mine["text"] and f'data-value="{bob.pk}"' in mine["text"]
    assert 'href="@Bob Jones"' in mine["text"]
    for markup in ("<strong>bold</strong>", "<em>it</em>", "<del>old</del>", "<code>x = 1</code>"):
        assert markup in mine["text"]
    assert 'href="https://example.com/a?b=c"' in mine["text"]
    stored = Message.objects.get(pk=message_id)
    assert list(stored.mentions.values_list("pk", flat=True)) == [bob.pk]


def test_origam_underline_from_the_editor_toolbar_survives(alice, origam_room):
    """The client's toolbar offers underline, which draftjs-to-html writes as <ins>."""
    page = browser(alice)
    sent = axios_post(
        page,
        room(origam_room.pk, "messages"),
        {"id": str(uuid.uuid4()), "mentions": [], "text": "<p><ins>under</ins></p>\n"},
    )

    assert sent.status_code == 200
    assert "<ins>under</ins>" in sent.json()["text"]
    stored = Message.objects.get(pk=sent.json()["id"])
    assert (stored.html, stored.text) == ("<p><ins>under</ins></p>", "under")


def test_origam_a_fake_user_header_changes_nobody(alice, bob, origam_room):
    """ChatHTTPApi sends `x-fake-user-id` when the page has `?fakeUserId=`: it must be ignored."""
    page = browser(alice)
    page.credentials(HTTP_X_FAKE_USER_ID=str(bob.pk))

    assert page.get(room(origam_room.pk, "polledData")).json()["localUser"]["id"] == str(alice.pk)
    sent = axios_post(
        page, room(origam_room.pk, "messages"), {"id": str(uuid.uuid4()), "mentions": [], "text": "<p>me</p>"}
    )
    assert Message.objects.get(pk=sent.json()["id"]).author_id == alice.pk


def test_origam_invite_mention_rename_and_leave_dialogs(alice, bob, make_user, origam_room):
    carol = make_user("carol", display_name="Carol King")
    page = browser(alice)

    # InviteUserDialog, then inviteUsers: one POST per user, `{userId}` in camelCase.
    to_invite = page.get(room(origam_room.pk, "usersToInvite") + "?searchPhrase=&limit=100&offset=0")
    assert to_invite.status_code == 200
    assert to_invite.json() == [{"id": str(carol.pk), "name": "Carol King", "avatarUrl": str(carol.pk)}]
    invited = axios_post(page, room(origam_room.pk, "inviteUser"), {"userId": str(carol.pk)})
    assert invited.status_code == 200
    assert Participant.objects.filter(chatroom=origam_room, user=carol).exists()

    # MentionUserDialog.
    mentionable = page.get(room(origam_room.pk, "usersToMention") + "?searchPhrase=car&limit=100&offset=0")
    assert mentionable.status_code == 200
    assert [set(u) for u in mentionable.json()] == [USER_KEYS]

    # RenameChatroomWorkflow: POST (not PATCH) info, then a poll from the last server message.
    renamed = axios_post(page, room(origam_room.pk, "info"), {"topic": "Plans for May"})
    assert renamed.status_code == 200
    assert page.get(room(origam_room.pk, "polledData")).json()["info"]["topic"] == "Plans for May"

    # AbandonChatroomWorkflow: OutviteUserDialog lists participants; outviting oneself is how the client leaves.
    outvitable = page.get(room(origam_room.pk, "usersToOutvite") + "?searchPhrase=&limit=100&offset=0").json()
    assert {u["id"] for u in outvitable} == {str(alice.pk), str(bob.pk), str(carol.pk)}
    left = axios_post(page, room(origam_room.pk, "outviteUser"), {"userId": str(alice.pk)})
    assert left.status_code == 200
    assert not Participant.objects.filter(chatroom=origam_room, user=alice, state=Participant.State.ACTIVE).exists()

    # ChatHTTPApi.abandonChatroom posts an empty object.
    assert axios_post(browser(bob), room(origam_room.pk, "abandon"), {}).status_code == 200


def test_origam_token_page_polls_and_sends_without_cookie_or_origin(alice, origam_room):
    page = token_page(alice)

    assert page.get(room(origam_room.pk, "polledData")).status_code == 200
    sent = axios_post(
        page, room(origam_room.pk, "messages"), {"id": str(uuid.uuid4()), "mentions": [], "text": "<p>hi</p>"}
    )
    assert sent.status_code == 200


def test_origam_every_avatar_url_of_a_poll_is_an_image(alice, bob, origam_room):
    data = browser(alice).get(room(origam_room.pk, "polledData")).json()
    urls = {m["authorAvatarUrl"] for m in data["messages"]} | {p["avatarUrl"] for p in data["participants"]}

    for avatar_url in urls | {data["localUser"]["avatarUrl"]}:
        answer = APIClient().get(AVATAR_PREFIX + avatar_url)  # an <img>: no token, no log-in needed
        assert answer.status_code == 200, avatar_url
        assert answer["Content-Type"].startswith("image/")


# --------------------------------------------------------------------------------------------- Teahaz

TEAHAZ = "/api/v0"
MESSAGE_FIELDS = {"messageID", "channelID", "userID", "keyID", "send_time", "type", "data"}


def python_client() -> APIClient:
    """teahaz.py: a requests.Session, which keeps the cookies it is sent."""
    return APIClient(HTTP_ACCEPT="*/*", HTTP_USER_AGENT="python-requests/2.25.1")


def requests_post(client: APIClient, path: str, body: dict):
    """`session.post(url=..., json=...)`: application/json, None as null."""
    return client.post(path, json.dumps(body), content_type="application/json")


def requests_headers(values: dict[str, str | None]) -> dict[str, str]:
    """requests leaves out a header whose value is None."""
    return {name: value for name, value in values.items() if value is not None}


def message_from_dict(data: dict) -> dict:
    """teahaz.py `Message.from_dict` indexes each of these keys."""
    assert set(data) >= MESSAGE_FIELDS
    assert isinstance(data["send_time"], float)
    return data


def channel_from_dict(data: dict) -> tuple[str, str, bool]:
    return data["channelID"], data["channel_name"], data["public"]


def test_teahaz_python_client_session(db, make_user):
    make_user("bob")
    alice = python_client()

    # Chatroom.create: POST {url}/api/v0/chatroom (no slash), then _initialize_from_response.
    created = requests_post(
        alice, f"{TEAHAZ}/chatroom", {"chatroom_name": "Tea party", "username": "alice", "password": PASSWORD}
    )
    assert created.status_code == 200
    data = created.json()
    chatroom_id, user_id = data["chatroomID"], data["userID"]
    assert data["chatroom_name"] == "Tea party"
    [(default_id, default_name, public)] = [channel_from_dict(c) for c in data["channels"]]
    assert (default_name, public) == ("default", True)

    # Teacup.login on a fresh session: the username travels as userID, and stays the userID from then on.
    logged = python_client()
    login = requests_post(logged, f"{TEAHAZ}/login/{chatroom_id}", {"userID": "alice", "password": PASSWORD})
    assert login.status_code == 200
    channels = logged.get(f"{TEAHAZ}/channels/{chatroom_id}", headers={"userID": "alice"})
    assert channels.status_code == 200
    assert [channel_from_dict(c) for c in channels.json()] == [(default_id, "default", True)]

    # Chatroom.send: replyID None, no type, no keyID.
    sent = requests_post(
        logged,
        f"{TEAHAZ}/messages/{chatroom_id}",
        {"userID": "alice", "channelID": default_id, "replyID": None, "data": "Hello"},
    )
    assert sent.status_code == 200
    message = message_from_dict(sent.json())
    assert (message["userID"], message["data"], message["type"]) == (user_id, "Hello", "text")
    assert Message.objects.get(pk=message["messageID"]).reply_to_id is None

    # The event loop: get_since(previous) every second, time as str(float); count is None so not sent.
    since = logged.get(
        f"{TEAHAZ}/messages/{chatroom_id}",
        headers=requests_headers(
            {
                "get-method": "since",
                "userID": "alice",
                "channelID": default_id,
                "count": None,
                "time": str(message["send_time"]),
            }
        ),
    )
    assert since.status_code == 200
    assert [message_from_dict(m)["messageID"] for m in since.json()] == [message["messageID"]]
    counted = logged.get(
        f"{TEAHAZ}/messages/{chatroom_id}",
        headers=requests_headers(
            {"get-method": "count", "userID": "alice", "channelID": default_id, "count": "10", "time": None}
        ),
    )
    assert counted.status_code == 200
    assert [m["type"] for m in map(message_from_dict, counted.json())] == ["text", "system"]

    # create_channel: {"userID", "channel_name"} only.
    channel = requests_post(logged, f"{TEAHAZ}/channels/{chatroom_id}", {"userID": "alice", "channel_name": "random"})
    assert channel.status_code == 200
    assert channel_from_dict(channel.json())[1:] == ("random", True)

    # create_invite: uses and expiration-time as strings in headers; the client reads uses, inviteID, expiration-time.
    expiry = message["send_time"] + 3600.5
    invite = logged.get(
        f"{TEAHAZ}/invites/{chatroom_id}", headers={"userID": "alice", "uses": "2", "expiration-time": str(expiry)}
    )
    assert invite.status_code == 200
    invite_data = invite.json()
    assert invite_data["uses"] == 2 and isinstance(invite_data["inviteID"], str)
    assert invite_data["expiration-time"] == pytest.approx(expiry, abs=1e-6)
    assert Invite.objects.get(pk=invite_data["inviteID"]).uses_left == 2

    # Teacup.use_invite on a fresh session, for an existing account.
    bob = python_client()
    joined = requests_post(
        bob,
        f"{TEAHAZ}/invites/{chatroom_id}",
        {"inviteID": invite_data["inviteID"], "username": "bob", "password": PASSWORD},
    )
    assert joined.status_code == 200
    assert joined.json()["chatroomID"] == chatroom_id
    assert [channel_from_dict(c)[1] for c in joined.json()["channels"]] == ["default", "random"]
    bob_id = joined.json()["userID"]
    assert bob.get(f"{TEAHAZ}/channels/{chatroom_id}", headers={"userID": bob_id}).status_code == 200
    assert Invite.objects.get(pk=invite_data["inviteID"]).uses_left == 1


def node_client(**extra: Any) -> APIClient:
    """teahaz.js under Node: axios 0.21, no Origin, no cookie jar (the cookie is sent by hand)."""
    return APIClient(HTTP_ACCEPT="application/json, text/plain, */*", HTTP_USER_AGENT="axios/0.21.1", **extra)


def first_set_cookie(response) -> tuple[str, str]:
    """`_extract_cookie`: headers['set-cookie'][0].split('; ')[0].split('=')."""
    headers = [morsel.OutputString() for morsel in response.cookies.values()]
    assert headers, "no Set-Cookie header"
    name, value, *rest = headers[0].split("; ")[0].split("=")
    assert rest == []
    return name, value


def axios_json(client: APIClient, path: str, body: dict, *, content_type: str = "application/json;charset=utf-8"):
    """An axios 0.21 POST of an object: its default content type unless the client set its own."""
    return client.post(path, json.dumps(body), content_type=content_type)


def test_teahaz_javascript_client_session(db):
    anonymous = node_client()

    # create_chatroom: POST {server}/api/v0/chatroom/ ; the misspelt `header:` leaves axios's own content type.
    created = axios_json(
        anonymous, f"{TEAHAZ}/chatroom/", {"username": "alice", "password": PASSWORD, "chatroom_name": "Tea"}
    )
    assert created.status_code == 200
    chatroom_id, user_id = created.json()["chatroomID"], created.json()["userID"]
    name, cookie = first_set_cookie(created)
    assert name == chatroom_id  # the client keeps the value only when the name equals the chatroomID it read
    channel_id = created.json()["channels"][0]["channelID"]

    alice = node_client(HTTP_COOKIE=f"{chatroom_id}={cookie}")
    as_alice = {"Content-Type": "application/json", "userID": user_id}

    # check_login, get_channels, get_users.
    assert alice.get(f"{TEAHAZ}/login/{chatroom_id}", headers={"userID": user_id}).status_code == 200
    assert alice.get(f"{TEAHAZ}/channels/{chatroom_id}", headers=as_alice).json()[0]["channelID"] == channel_id
    users = alice.get(f"{TEAHAZ}/users/{chatroom_id}", headers=as_alice)
    assert users.status_code == 200
    assert users.json()[0]["userID"] == user_id

    # send_message: mtype, keyID null and replyID null, data base64 (the client's stand-in for encryption).
    sent = axios_json(
        alice,
        f"{TEAHAZ}/messages/{chatroom_id}",
        {
            "userID": user_id,
            "channelID": channel_id,
            "mtype": "text",
            "data": "SGVsbG8=",
            "keyID": None,
            "replyID": None,
        },
        content_type="application/json",
    )
    assert sent.status_code == 200
    assert message_from_dict(sent.json())["data"] == "SGVsbG8="
    assert Message.objects.get(pk=sent.json()["messageID"]).body == "SGVsbG8="

    # monitor_messages (since) and get_messages (count): numbers in headers, channelID optional.
    since = alice.get(
        f"{TEAHAZ}/messages/{chatroom_id}",
        headers={**as_alice, "get-method": "since", "time": str(sent.json()["send_time"])},
    )
    assert [m["messageID"] for m in since.json()] == [sent.json()["messageID"]]
    counted = alice.get(
        f"{TEAHAZ}/messages/{chatroom_id}",
        headers={**as_alice, "get-method": "count", "count": "5", "channelID": channel_id},
    )
    assert counted.status_code == 200 and len(counted.json()) == 2

    # create_channel with public, create_invite with uses and expiration-time.
    channel = axios_json(
        alice,
        f"{TEAHAZ}/channels/{chatroom_id}",
        {"userID": user_id, "channel_name": "news", "public": False},
        content_type="application/json",
    )
    assert channel.status_code == 200 and channel.json()["public"] is False
    assert Channel.objects.get(pk=channel.json()["channelID"]).public is False
    invite = alice.get(
        f"{TEAHAZ}/invites/{chatroom_id}",
        headers={**as_alice, "uses": "1", "expiration-time": str(sent.json()["send_time"] + 60)},
    )
    assert invite.status_code == 200

    # use_invite: a new user; the client reads userID, chatroomID, chatroom_name, channels and the cookie.
    joined = node_client().post(
        f"{TEAHAZ}/invites/{chatroom_id}",
        json.dumps({"inviteID": invite.json()["inviteID"], "username": "bob", "password": PASSWORD}),
        content_type="application/json",
    )
    assert joined.status_code == 200
    assert {"userID", "chatroomID", "chatroom_name", "channels"} <= set(joined.json())
    bob_name, bob_cookie = first_set_cookie(joined)
    assert bob_name == chatroom_id
    bob = node_client(HTTP_COOKIE=f"{chatroom_id}={bob_cookie}")
    assert bob.get(f"{TEAHAZ}/login/{chatroom_id}", headers={"userID": joined.json()["userID"]}).status_code == 200


def log_in_request(endpoint: str, chatroom: Chatroom, owner: User) -> tuple[str, dict]:
    """The path and body of each request that logs a client in to a chatroom."""
    if endpoint == "chatroom":
        return f"{TEAHAZ}/chatroom/", {"username": "newbie", "password": PASSWORD, "chatroom_name": "R"}
    if endpoint == "login":
        return f"{TEAHAZ}/login/{chatroom.pk}", {"userID": "member", "password": PASSWORD}
    invite = invite_create(chatroom=chatroom, created_by=owner, uses=1)
    return f"{TEAHAZ}/invites/{chatroom.pk}", {"inviteID": invite.id, "username": "joiner", "password": PASSWORD}


@pytest.mark.parametrize("endpoint", ["chatroom", "login", "invites"])
def test_teahaz_a_log_in_sets_exactly_one_cookie_whose_value_survives_the_split(db, endpoint, make_user):
    """The JavaScript client reads only the first Set-Cookie header and splits it at '='."""
    owner = make_user("owner")
    chatroom = chatroom_create(creator=owner, name="Room")
    participant_add(chatroom=chatroom, user=make_user("member"))
    path, body = log_in_request(endpoint, chatroom, owner)

    answer = axios_json(node_client(), path, body)

    assert answer.status_code == 200
    assert len(answer.cookies) == 1
    name, value = first_set_cookie(answer)
    assert name == answer.json()["chatroomID"]
    assert SimpleCookie(f"{name}={value}")[name].value == value  # sent back unquoted, unchanged
    cookie_client = node_client(HTTP_COOKIE=f"{name}={value}")
    check = cookie_client.get(f"{TEAHAZ}/login/{name}", headers={"userID": answer.json()["userID"]})
    assert check.status_code == 200
