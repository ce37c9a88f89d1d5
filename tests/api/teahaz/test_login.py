"""Logging in: chatroom creation, the cookie, POST/GET/DELETE /login, the userID rule, other credentials, throttles."""

import io
import json
import sys
from datetime import timedelta
from http.cookies import SimpleCookie

import pytest
from django.core.handlers.wsgi import WSGIHandler
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from django.utils import timezone
from rest_framework.test import APIClient

from chat.models import AuthToken, Channel, Chatroom, Message, Participant, User
from chat.services.participants import participant_ban, participant_remove
from tests.api.teahaz.conftest import as_user, log_in, post_json, random_id, url
from tests.conftest import PASSWORD

WRONG = {"detail": "Wrong username or password.", "code": "wrong_credentials"}


def create_chatroom(client: APIClient, *, username: str = "alice", password: str = PASSWORD, name: str = "Tea"):
    return post_json(client, url("chatroom"), {"username": username, "password": password, "chatroom_name": name})


# POST /chatroom/


def test_create_chatroom_makes_account_room_channel_owner_and_welcome(api_client, db):
    response = create_chatroom(api_client)
    assert response.status_code == 200
    body = response.json()
    user = User.objects.get(username="alice")
    assert user.check_password(PASSWORD)
    chatroom = Chatroom.objects.get(pk=body["chatroomID"])
    channel = Channel.objects.get(chatroom=chatroom)
    assert body == {
        "chatroomID": str(chatroom.id),
        "chatroom_name": "Tea",
        "userID": str(user.id),
        "channels": [
            {
                "channelID": str(channel.id),
                "channel_name": "default",
                "name": "default",
                "public": True,
                "permissions": {"r": True, "w": True, "x": True},
            }
        ],
        "users": [
            {
                "userID": str(user.id),
                "username": "alice",
                "color": {"r": user.color_r, "g": user.color_g, "b": user.color_b},
                "nickname": user.name,
                "colour": {"r": user.color_r, "g": user.color_g, "b": user.color_b},
            }
        ],
    }
    assert channel.is_default and channel.public
    assert Participant.objects.get(chatroom=chatroom).user == user
    assert Participant.objects.get(chatroom=chatroom).role == Participant.Role.OWNER
    welcome = Message.objects.get(chatroom=chatroom)
    assert (welcome.kind, welcome.author, welcome.text) == ("system", None, "Welcome alice!")


def test_create_chatroom_sets_the_login_cookie_as_first_and_only_cookie(api_client, db):
    response = create_chatroom(api_client)
    chatroom_id = response.json()["chatroomID"]
    assert list(response.cookies) == [chatroom_id]
    morsel = response.cookies[chatroom_id]
    assert "=" not in morsel.value and len(morsel.value) >= 40
    assert morsel["httponly"] and morsel["samesite"] == "Lax" and morsel["path"] == "/"
    assert not morsel["secure"]
    token = AuthToken.objects.get(user__username="alice")
    assert str(token.chatroom_id) == chatroom_id and token.key_hash != morsel.value and token.is_valid


def test_login_cookie_is_the_first_set_cookie_header_on_the_wire(db):
    """Through Django's real WSGI handler: the JavaScript client reads only the first Set-Cookie header."""
    body = b'{"username": "alice", "password": "%s", "chatroom_name": "Tea"}' % PASSWORD.encode()
    environ = {
        "REQUEST_METHOD": "POST",
        "PATH_INFO": "/api/v0/chatroom",
        "SERVER_NAME": "testserver",
        "SERVER_PORT": "80",
        "HTTP_HOST": "testserver",
        "CONTENT_TYPE": "application/json",
        "CONTENT_LENGTH": str(len(body)),
        "wsgi.input": io.BytesIO(body),
        "wsgi.url_scheme": "http",
        "wsgi.errors": sys.stderr,
    }
    captured = {}

    def start_response(status: str, headers: list) -> None:
        captured["status"], captured["headers"] = status, headers

    # As Django's test client does: the end of this request must not close the test's database connection.
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    try:
        b"".join(WSGIHandler()(environ, start_response))
    finally:
        request_started.connect(close_old_connections)
        request_finished.connect(close_old_connections)
    assert captured["status"].startswith("200")
    set_cookies = [value for name, value in captured["headers"] if name.lower() == "set-cookie"]
    chatroom_id = str(Chatroom.objects.get().id)
    assert len(set_cookies) == 1
    first = set_cookies[0].strip()  # HTTP parsers drop the space after the colon
    name, _, value = first.split("; ")[0].partition("=")
    assert name == chatroom_id and value and "=" not in value
    assert "HttpOnly" in first and "SameSite=Lax" in first and "Path=/" in first


def test_cookie_is_secure_over_https(db):
    client = APIClient()
    response = client.post(
        url("chatroom"),
        {"username": "alice", "password": PASSWORD, "chatroom_name": "Tea"},
        format="json",
        secure=True,
    )
    assert response.status_code == 200
    assert response.cookies[response.json()["chatroomID"]]["secure"]


def test_create_chatroom_with_an_existing_account_needs_its_password(api_client, owner):
    response = create_chatroom(api_client, username="OWNER", password=PASSWORD, name="Second")
    assert response.status_code == 200
    assert response.json()["userID"] == str(owner.id)
    assert Participant.objects.get(chatroom_id=response.json()["chatroomID"]).user == owner

    response = create_chatroom(APIClient(), username="owner", password="not the password", name="Third")
    assert response.status_code == 401
    assert response.json() == WRONG
    assert not Chatroom.objects.filter(name="Third").exists()


@pytest.mark.parametrize(
    "body",
    [
        {"username": "bob", "password": "short", "chatroom_name": "Tea"},
        {"username": "bob", "password": PASSWORD, "chatroom_name": ""},
        {"username": "bob", "password": PASSWORD, "chatroom_name": "   "},
        {"username": "bob", "password": PASSWORD, "chatroom_name": "x" * 101},
        {"username": "bob", "password": PASSWORD},
        {"username": "bob", "chatroom_name": "Tea"},
        {"password": PASSWORD, "chatroom_name": "Tea"},
        {"username": 5, "password": PASSWORD, "chatroom_name": "Tea"},
        {"username": "bob", "password": PASSWORD, "chatroom_name": ["Tea"]},
        {"username": "bob", "password": PASSWORD, "chatroom_name": "Te\x00a"},
        {"username": "bob", "password": PASSWORD, "chatroom_name": "Te\ud800a"},
        {"username": "b o b", "password": PASSWORD, "chatroom_name": "Tea"},
        [1, 2],
        "text",
    ],
)
def test_create_chatroom_refuses_bad_input_with_400_and_stores_nothing(api_client, db, body):
    # Sent as ASCII JSON (a lone surrogate travels as an escape, as any JSON encoder writes it).
    response = api_client.post(url("chatroom"), json.dumps(body), content_type="application/json")
    assert response.status_code == 400, response.content
    assert set(response.json()) == {"detail", "code"}
    assert not Chatroom.objects.exists() and not User.objects.exists()
    assert not response.cookies


def test_create_chatroom_with_a_100_character_name_works(api_client, db):
    assert create_chatroom(api_client, name="x" * 100).status_code == 200


def test_create_chatroom_refuses_a_form_or_a_broken_json_body(api_client, db):
    form = api_client.post(url("chatroom"), {"username": "a", "password": PASSWORD, "chatroom_name": "T"})
    assert form.status_code == 415
    assert form.json()["code"] == "unsupported_media_type"
    broken = api_client.post(url("chatroom"), b'{"username": ', content_type="application/json")
    assert broken.status_code == 400
    assert broken.json()["code"] == "parse_error"
    assert not Chatroom.objects.exists()


# GET /chatroom/<id>


def test_get_chatroom_answers_the_callers_chatroom_data(logged_in, member, chatroom):
    client = logged_in(member)
    response = client.get(url("chatroom", chatroom.id), headers=as_user(member))
    assert response.status_code == 200
    assert response.json()["chatroomID"] == str(chatroom.id)
    assert response.json()["chatroom_name"] == "Tea room"
    assert response.json()["userID"] == str(member.id)
    assert response.json()["channels"][0]["permissions"] == {"r": True, "w": True, "x": False}


# POST /login


@pytest.mark.parametrize("identifier", ["id", "member", "MEMBER", "Member"])
def test_log_in_by_id_or_by_username_in_any_case(api_client, member, chatroom, identifier):
    user_id = str(member.id) if identifier == "id" else identifier
    response = post_json(api_client, url("login", chatroom.id), {"userID": user_id, "password": PASSWORD})
    assert response.status_code == 200
    body = response.json()
    assert body["userID"] == str(member.id) and body["chatroomID"] == str(chatroom.id)
    assert [channel["channel_name"] for channel in body["channels"]] == ["default"]
    assert list(response.cookies) == [str(chatroom.id)]
    assert AuthToken.objects.filter(user=member, chatroom=chatroom, revoked_at=None).count() == 1


def test_log_in_accepts_the_early_clients_username_field(api_client, member, chatroom):
    response = post_json(api_client, url("login", chatroom.id), {"username": "member", "password": PASSWORD})
    assert response.status_code == 200
    assert response.json()["userID"] == str(member.id)


def test_every_log_in_failure_looks_alike(api_client, member, outsider, chatroom, make_user):
    banned = make_user("banned")
    from chat.services.participants import participant_add

    participant_ban(participant=participant_add(chatroom=chatroom, user=banned)[0], actor=None)
    attempts = [
        (chatroom.id, {"userID": "member", "password": "wrong password!"}),
        (chatroom.id, {"userID": "nobody", "password": PASSWORD}),
        (chatroom.id, {"userID": random_id(), "password": PASSWORD}),
        (chatroom.id, {"userID": "outsider", "password": PASSWORD}),
        (chatroom.id, {"userID": "banned", "password": PASSWORD}),
        (random_id(), {"userID": "member", "password": PASSWORD}),
    ]
    for chatroom_id, body in attempts:
        response = post_json(api_client, url("login", chatroom_id), body)
        assert response.status_code == 401, body
        assert response.json() == WRONG
        assert response["WWW-Authenticate"] == "Bearer"
        assert not response.cookies
    assert not AuthToken.objects.exists()


@pytest.mark.parametrize(
    "body", [{"userID": "member"}, {"password": PASSWORD}, {"userID": 7, "password": PASSWORD}, [], "member"]
)
def test_log_in_with_malformed_input_is_400(api_client, member, chatroom, body):
    response = post_json(api_client, url("login", chatroom.id), body)
    assert response.status_code == 400
    assert set(response.json()) == {"detail", "code"}


def test_failed_log_ins_are_throttled_with_retry_after(api_client, member, chatroom, settings):
    settings.CHAT_LOGIN_FAILURES_PER_ACCOUNT = 3
    for _ in range(3):
        response = post_json(api_client, url("login", chatroom.id), {"userID": "member", "password": "wrong one!!"})
        assert response.status_code == 401
    response = post_json(api_client, url("login", chatroom.id), {"userID": "member", "password": PASSWORD})
    assert response.status_code == 429
    assert response.json()["code"] == "throttled"
    assert 0 < int(response["Retry-After"]) <= settings.CHAT_LOGIN_FAILURE_WINDOW_SECONDS + 1
    assert not response.cookies


def test_throttling_counts_a_user_id_in_any_spelling_as_one_account(api_client, member, chatroom, settings):
    settings.CHAT_LOGIN_FAILURES_PER_ACCOUNT = 2
    for spelling in (str(member.id), str(member.id).upper()):
        response = post_json(api_client, url("login", chatroom.id), {"userID": spelling, "password": "wrong one!!"})
        assert response.status_code == 401
    response = post_json(api_client, url("login", chatroom.id), {"userID": member.id.hex, "password": PASSWORD})
    assert response.status_code == 429


def test_not_a_participant_counts_as_a_failed_log_in(api_client, outsider, chatroom, settings):
    settings.CHAT_LOGIN_FAILURES_PER_ACCOUNT = 2
    for _ in range(2):
        response = post_json(api_client, url("login", chatroom.id), {"userID": "outsider", "password": PASSWORD})
        assert response.json() == WRONG
    response = post_json(api_client, url("login", chatroom.id), {"userID": "outsider", "password": PASSWORD})
    assert response.status_code == 429


def test_failures_from_one_address_are_throttled_across_accounts(api_client, member, chatroom, settings):
    settings.CHAT_LOGIN_FAILURES_PER_ADDRESS = 3
    for name in ("a1", "a2", "a3"):
        assert post_json(api_client, url("login", chatroom.id), {"userID": name, "password": "x"}).status_code == 401
    response = post_json(api_client, url("login", chatroom.id), {"userID": "member", "password": PASSWORD})
    assert response.status_code == 429
    assert "Retry-After" in response


# GET /login


def test_get_login_says_logged_in_with_the_cookie_and_matching_user_id(logged_in, member, chatroom):
    client = logged_in(member)
    for user_id in (str(member.id), "member", "MeMbEr"):
        response = client.get(url("login", chatroom.id), headers={"userID": user_id})
        assert response.status_code == 200
        assert response.json() == {"detail": "Logged in"}


def test_get_login_reads_user_id_from_the_query_string_when_no_header(logged_in, member, chatroom):
    client = logged_in(member)
    assert client.get(url("login", chatroom.id), {"userID": "member"}).status_code == 200
    # The header wins over the query string.
    response = client.get(url("login", chatroom.id), {"userID": "member"}, headers={"userID": "owner"})
    assert response.status_code == 401


def test_get_login_is_401_without_cookie_without_user_id_or_with_another_user(logged_in, member, owner, chatroom):
    assert APIClient().get(url("login", chatroom.id), headers=as_user(member)).status_code == 401
    client = logged_in(member)
    missing = client.get(url("login", chatroom.id))
    assert missing.status_code == 401 and missing.json()["code"] == "userid_required"
    other = client.get(url("login", chatroom.id), headers=as_user(owner))
    assert other.status_code == 401 and other.json()["code"] == "userid_mismatch"
    assert client.get(url("login", chatroom.id), headers={"userID": random_id()}).status_code == 401


def test_a_cookie_opens_only_its_own_chatroom(logged_in, owner, member, chatroom):
    from chat.services.chatrooms import chatroom_create

    other_room = chatroom_create(creator=owner, name="Other")
    client = logged_in(member)
    # Present the cookie under the other chatroom's name: it is not valid there.
    client.cookies[str(other_room.id)] = client.cookies[str(chatroom.id)].value
    response = client.get(url("login", other_room.id), headers=as_user(member))
    assert response.status_code == 401
    assert response.json()["code"] == "login_expired"
    response = client.get(url("users", other_room.id), headers=as_user(member))
    assert response.status_code == 401


def test_a_garbage_or_expired_cookie_is_401(logged_in, member, chatroom):
    client = APIClient()
    client.cookies[str(chatroom.id)] = "garbage"
    assert client.get(url("login", chatroom.id), headers=as_user(member)).status_code == 401
    client = logged_in(member)
    AuthToken.objects.filter(user=member).update(expires_at=timezone.now() - timedelta(seconds=1))
    response = client.get(url("users", chatroom.id), headers=as_user(member))
    assert response.status_code == 401


# DELETE /login


def test_delete_login_revokes_the_token_and_clears_the_cookie(logged_in, member, chatroom):
    client = logged_in(member)
    raw = client.cookies[str(chatroom.id)].value
    response = client.delete(url("login", chatroom.id))
    assert response.status_code == 200
    assert response.json() == {"detail": "Logged out"}
    morsel = response.cookies[str(chatroom.id)]
    assert morsel.value == "" and morsel["max-age"] == 0 and morsel["path"] == "/"
    assert AuthToken.objects.get(user=member).revoked_at is not None
    # The client dropped the cookie; replaying the old value does not work either.
    assert client.get(url("login", chatroom.id), headers=as_user(member)).status_code == 401
    replay = APIClient()
    replay.cookies[str(chatroom.id)] = raw
    assert replay.get(url("login", chatroom.id), headers=as_user(member)).status_code == 401


def test_delete_login_without_a_body_passes_whatever_the_content_type_says(logged_in, member, chatroom):
    """runserver (wsgiref) labels a request without Content-Type as text/plain; a bodyless DELETE is no form."""
    client = logged_in(member)
    response = client.generic("DELETE", url("login", chatroom.id), "", content_type="text/plain")
    assert response.status_code == 200
    assert AuthToken.objects.get(user=member).revoked_at is not None


def test_delete_login_revokes_only_that_log_in(logged_in, member, chatroom):
    phone, laptop = logged_in(member), logged_in(member)
    assert phone.delete(url("login", chatroom.id)).status_code == 200
    assert phone.get(url("login", chatroom.id), headers=as_user(member)).status_code == 401
    assert laptop.get(url("login", chatroom.id), headers=as_user(member)).status_code == 200


def test_delete_login_without_a_cookie_just_clears_it(api_client, chatroom):
    response = api_client.delete(url("login", chatroom.id))
    assert response.status_code == 200
    assert response.cookies[str(chatroom.id)].value == ""


def test_delete_login_from_a_foreign_page_is_refused(logged_in, member, chatroom):
    client = logged_in(member)
    response = client.delete(url("login", chatroom.id), headers={"Origin": "https://evil.example"})
    assert response.status_code == 403
    assert response.json()["code"] == "cross_site_refused"
    assert AuthToken.objects.get(user=member).revoked_at is None


# Removal, bans, other credentials


def test_a_ban_revokes_the_cookie_and_a_bearer_token_then_gets_403(logged_in, api_client, member, chatroom):
    client = logged_in(member)
    token = post_json(api_client, "/api/auth/token", {"username": "member", "password": PASSWORD}).json()["token"]
    participant_ban(participant=Participant.objects.get(user=member, chatroom=chatroom), actor=None)
    assert client.get(url("users", chatroom.id), headers=as_user(member)).status_code == 401
    response = APIClient().get(
        url("users", chatroom.id), headers={**as_user(member), "Authorization": f"Bearer {token}"}
    )
    assert response.status_code == 403
    assert response.json()["code"] == "not_participant"


def test_a_removed_participant_is_logged_out(logged_in, member, chatroom):
    client = logged_in(member)
    participant_remove(participant=Participant.objects.get(user=member, chatroom=chatroom), actor=None)
    assert client.get(url("channels", chatroom.id), headers=as_user(member)).status_code == 401


def test_a_bearer_token_works_with_a_matching_user_id(api_client, member, chatroom):
    token = post_json(api_client, "/api/auth/token", {"username": "member", "password": PASSWORD}).json()["token"]
    client = APIClient(headers={"Authorization": f"Bearer {token}"})
    assert client.get(url("users", chatroom.id), headers=as_user(member)).status_code == 200
    assert client.get(url("users", chatroom.id), headers={"userID": "owner"}).status_code == 401
    assert client.get(url("login", chatroom.id), headers=as_user(member)).status_code == 200
    bad = APIClient(headers={"Authorization": "Bearer nonsense"})
    assert bad.get(url("users", chatroom.id), headers=as_user(member)).status_code == 401


def test_get_login_is_401_for_a_bearer_token_of_a_non_participant(api_client, outsider, chatroom):
    token = post_json(api_client, "/api/auth/token", {"username": "outsider", "password": PASSWORD}).json()["token"]
    client = APIClient(headers={"Authorization": f"Bearer {token}"})
    assert client.get(url("login", chatroom.id), headers=as_user(outsider)).status_code == 401
    assert client.get(url("users", chatroom.id), headers=as_user(outsider)).status_code == 403


def test_a_django_session_works_with_a_matching_user_id(member, chatroom):
    client = APIClient()
    assert client.login(username="member", password=PASSWORD)
    assert client.get(url("channels", chatroom.id), headers=as_user(member)).status_code == 200
    assert client.get(url("channels", chatroom.id), headers={"userID": "owner"}).status_code == 401


def test_logging_in_again_keeps_working_after_a_password_change(logged_in, member, chatroom):
    client = logged_in(member)
    member.set_password("a brand new password")
    member.save()
    assert client.get(url("login", chatroom.id), headers=as_user(member)).status_code == 401
    fresh = APIClient()
    log_in(fresh, member, chatroom, password="a brand new password")
    assert fresh.get(url("login", chatroom.id), headers=as_user(member)).status_code == 200


def test_log_in_response_sets_no_session_or_csrf_cookie(member, chatroom):
    client = APIClient()
    assert client.login(username="member", password=PASSWORD)  # a browser that also has a session
    response = post_json(client, url("login", chatroom.id), {"userID": "member", "password": PASSWORD})
    assert response.status_code == 200
    assert list(response.cookies) == [str(chatroom.id)]
    assert isinstance(response.cookies, SimpleCookie)
