"""Who may call the Origam API: credentials, the cross-site rule, identity headers, membership, paths."""

import re
import uuid

import pytest
from rest_framework.test import APIClient

from chat.models import Message
from chat.services.tokens import token_issue, token_revoke
from tests.api.origam.helpers import API, SAME_ORIGIN, room_url

ROOM_ENDPOINTS = [
    ("get", "messages"),
    ("post", "messages"),
    ("get", "info"),
    ("patch", "info"),
    ("post", "info"),
    ("get", "participants"),
    ("post", "inviteUser"),
    ("get", "usersToInvite"),
    ("get", "usersToMention"),
    ("get", "usersToOutvite"),
    ("post", "abandon"),
    ("post", "outviteUser"),
    ("get", "polledData"),
]
TOP_ENDPOINTS = [("get", ""), ("post", "chatrooms/create"), ("get", "localUser"), ("get", "users/listToInvite")]


def assert_error(response, status: int, code: str | None = None) -> None:
    assert response.status_code == status, response.content
    body = response.json()
    assert set(body) == {"detail", "code"} and body["detail"]
    if code is not None:
        assert body["code"] == code


@pytest.mark.parametrize(("method", "endpoint"), ROOM_ENDPOINTS)
def test_room_endpoints_refuse_anonymous_with_401(api_client, chatroom, method, endpoint):
    response = getattr(api_client, method)(room_url(chatroom, endpoint), {}, format="json")
    assert_error(response, 401, "not_authenticated")
    assert response["WWW-Authenticate"] == "Bearer"


@pytest.mark.parametrize(("method", "endpoint"), TOP_ENDPOINTS)
def test_top_endpoints_refuse_anonymous_with_401(api_client, db, method, endpoint):
    assert_error(getattr(api_client, method)(API + endpoint, {}, format="json"), 401, "not_authenticated")


def test_unknown_bearer_token_is_401(api_client, chatroom):
    api_client.credentials(HTTP_AUTHORIZATION="Bearer not-a-real-token")
    assert_error(api_client.get(API + "localUser"), 401, "invalid_token")


def test_revoked_bearer_token_is_401(api_client, owner):
    raw, _ = token_issue(user=owner)
    api_client.credentials(HTTP_AUTHORIZATION=f"Bearer {raw}")
    assert api_client.get(API + "localUser").status_code == 200
    token_revoke(raw=raw)
    assert_error(api_client.get(API + "localUser"), 401, "invalid_token")


def test_chatroom_login_token_of_teahaz_is_no_bearer_token(api_client, owner, chatroom):
    raw, _ = token_issue(user=owner, chatroom=chatroom)
    api_client.credentials(HTTP_AUTHORIZATION=f"Bearer {raw}")
    assert_error(api_client.get(room_url(chatroom, "info")), 401)


def test_session_and_bearer_both_identify_the_caller(session, bearer, owner):
    for client in (session(owner), bearer(owner)):
        response = client.get(API + "localUser")
        assert response.status_code == 200
        assert response.json() == {"id": str(owner.pk), "name": "owner", "avatarUrl": str(owner.pk)}


def test_session_write_from_same_origin_without_csrf_token_works(session, owner, chatroom):
    client = APIClient(enforce_csrf_checks=True)
    client.force_login(owner)
    response = client.post(
        room_url(chatroom, "messages"), {"text": "<p>hello</p>"}, format="json", HTTP_ORIGIN=SAME_ORIGIN
    )
    assert response.status_code == 200, response.content
    assert Message.objects.filter(chatroom=chatroom, author=owner, html="<p>hello</p>").exists()


def test_session_write_with_neither_origin_nor_referer_passes(owner, chatroom):
    client = APIClient(enforce_csrf_checks=True)
    client.force_login(owner)
    response = client.post(room_url(chatroom, "info"), {"topic": "From a script"}, format="json")
    assert response.status_code == 200
    chatroom.refresh_from_db()
    assert chatroom.name == "From a script"


@pytest.mark.parametrize(
    "headers",
    [{"HTTP_ORIGIN": "https://evil.example"}, {"HTTP_REFERER": "https://evil.example/page"}, {"HTTP_ORIGIN": "null"}],
)
def test_session_write_from_a_foreign_origin_is_403(owner, chatroom, headers):
    client = APIClient(enforce_csrf_checks=True)
    client.force_login(owner)
    response = client.post(room_url(chatroom, "messages"), {"text": "<p>pwned</p>"}, format="json", **headers)
    assert_error(response, 403, "cross_site_refused")
    assert not Message.objects.filter(html="<p>pwned</p>").exists()


def test_session_write_form_encoded_is_415(owner, chatroom):
    client = APIClient(enforce_csrf_checks=True)
    client.force_login(owner)
    response = client.post(room_url(chatroom, "info"), {"topic": "Form"}, HTTP_ORIGIN=SAME_ORIGIN)
    assert_error(response, 415, "unsupported_media_type")
    chatroom.refresh_from_db()
    assert chatroom.name == "Tea room"


def test_session_write_as_text_plain_is_415(owner, chatroom):
    client = APIClient()
    client.force_login(owner)
    response = client.generic(
        "POST", room_url(chatroom, "info"), '{"topic": "Sneaky"}', content_type="text/plain", HTTP_ORIGIN=SAME_ORIGIN
    )
    assert_error(response, 415)
    chatroom.refresh_from_db()
    assert chatroom.name == "Tea room"


def test_bearer_write_needs_no_origin_check(bearer, owner, chatroom):
    response = bearer(owner).post(
        room_url(chatroom, "info"), {"topic": "Scripted"}, format="json", HTTP_ORIGIN="https://other.example"
    )
    assert response.status_code == 200
    chatroom.refresh_from_db()
    assert chatroom.name == "Scripted"


def test_bearer_write_form_encoded_is_415(bearer, owner, chatroom):
    response = bearer(owner).post(room_url(chatroom, "info"), {"topic": "Form"})
    assert_error(response, 415, "unsupported_media_type")


def test_identity_header_is_ignored(bearer, session, api_client, outsider, owner, chatroom):
    fake = {"HTTP_X_FAKE_USER_ID": str(owner.pk), "HTTP_X_USER_ID": str(owner.pk), "HTTP_REMOTE_USER": "owner"}
    assert_error(api_client.get(API + "localUser", **fake), 401)
    client = bearer(outsider)
    assert client.get(API + "localUser", **fake).json()["id"] == str(outsider.pk)
    assert_error(client.get(room_url(chatroom, "messages"), **fake), 404, "chatroom_not_found")
    response = client.post(room_url(chatroom, "messages"), {"text": "<p>as owner?</p>"}, format="json", **fake)
    assert_error(response, 404)
    assert not Message.objects.filter(html="<p>as owner?</p>").exists()


@pytest.mark.parametrize(("method", "endpoint"), ROOM_ENDPOINTS)
def test_non_participant_gets_404_like_a_missing_chatroom(bearer, outsider, chatroom, method, endpoint):
    client = bearer(outsider)
    missing = getattr(client, method)(room_url(str(uuid.uuid4()), endpoint), {}, format="json")
    foreign = getattr(client, method)(room_url(chatroom, endpoint), {}, format="json")
    assert_error(missing, 404, "chatroom_not_found")
    assert_error(foreign, 404, "chatroom_not_found")
    assert missing.json() == foreign.json()


def test_path_ids_in_either_letter_case(bearer, owner, chatroom):
    client = bearer(owner)
    upper = client.get(room_url(str(chatroom.pk).upper(), "info"))
    assert upper.status_code == 200
    assert upper.json()["id"] == str(chatroom.pk)


@pytest.mark.parametrize("bad_id", ["not-a-guid", "12345", f"{uuid.uuid4().hex}", "../../admin"])
def test_path_id_that_is_no_guid_is_404(bearer, owner, bad_id):
    response = bearer(owner).get(f"{API}chatrooms/{bad_id}/info")
    assert_error(response, 404, "not_found")


def test_paths_answer_with_and_without_trailing_slash(bearer, owner, chatroom):
    client = bearer(owner)
    for path in (room_url(chatroom, "polledData"), API + "localUser", API + "users/listToInvite"):
        assert client.get(path).status_code == 200
        assert client.get(path + "/").status_code == 200
    response = client.post(room_url(chatroom, "messages") + "/", {"text": "<p>slash</p>"}, format="json")
    assert response.status_code == 200
    assert Message.objects.filter(html="<p>slash</p>").count() == 1


def test_wrong_method_is_405(bearer, owner, chatroom):
    client = bearer(owner)
    assert_error(client.delete(room_url(chatroom, "messages")), 405, "method_not_allowed")
    assert_error(client.get(room_url(chatroom, "abandon")), 405, "method_not_allowed")
    assert_error(client.put(API + "localUser", {}, format="json"), 405, "method_not_allowed")


@pytest.mark.parametrize(
    "body", ['{"text": ', "[1, 2]", '"just a string"', "null", "42", '{"text": "\\ud800"}', "\x00"]
)
def test_malformed_json_bodies_are_400(bearer, owner, chatroom, body):
    response = bearer(owner).generic("POST", room_url(chatroom, "messages"), body, content_type="application/json")
    assert_error(response, 400)
    assert Message.objects.filter(chatroom=chatroom).count() == 1


def test_json_nested_too_deeply_is_400_not_a_crash(bearer, owner, chatroom):
    body = "[" * 100_000 + "]" * 100_000
    response = bearer(owner).generic("POST", room_url(chatroom, "messages"), body, content_type="application/json")
    assert_error(response, 400, "parse_error")


def test_body_beyond_the_upload_limit_is_413(bearer, owner, chatroom, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 10_000
    body = '{"text": "' + "x" * 20_000 + '"}'
    response = bearer(owner).generic("POST", room_url(chatroom, "messages"), body, content_type="application/json")
    assert_error(response, 413, "too_large")
    assert Message.objects.filter(chatroom=chatroom).count() == 1


@pytest.mark.parametrize("endpoint", ["polledData", "messages", "info", "usersToInvite"])
def test_the_browsable_api_shows_the_endpoints(bearer, owner, chatroom, endpoint):
    response = bearer(owner).get(room_url(chatroom, endpoint), HTTP_ACCEPT="text/html")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/html")
    assert "\N{EN DASH} chatsite API</title>".encode() in response.content


@pytest.mark.parametrize("root", [API, API.rstrip("/")])
def test_the_browsable_api_root_lists_every_endpoint(bearer, owner, chatroom, root):
    client = bearer(owner)
    response = client.get(root, HTTP_ACCEPT="text/html")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/html")
    page = response.content.decode()
    assert chatroom.name in page
    listed: dict[str, set[str]] = {}
    links = {}
    for methods, href, path in re.findall(r'<li><code>([A-Z ]+)</code> (?:<a href="([^"]+)">)?([^<]+)', page):
        listed[path] = set(methods.split())
        if href:
            links[path] = href
    expected: dict[str, set[str]] = {}
    for method, endpoint in ROOM_ENDPOINTS:
        expected.setdefault(f"chatrooms/{{chatroom_id}}/{endpoint}", set()).add(method.upper())
    for method, endpoint in TOP_ENDPOINTS:
        if endpoint:
            expected.setdefault(endpoint, set()).add(method.upper())
    assert listed == expected
    assert links == {
        "chatrooms/create": f"{API}chatrooms/create",
        "localUser": f"{API}localUser",
        "users/listToInvite": f"{API}users/listToInvite",
    }
    for path, href in links.items():
        if "GET" in listed[path]:
            assert client.get(href).status_code == 200
