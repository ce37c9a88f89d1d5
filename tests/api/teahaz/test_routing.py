"""Where Teahaz lives: both mounts, with and without the trailing slash, no redirects, JSON 404 and 405."""

import pytest

from chat.models import Chatroom
from invites.models import Invite
from tests.api.teahaz.conftest import MOUNTS, as_user, log_in, post_json, random_id, url
from tests.conftest import PASSWORD

ENDPOINTS_WITH_ID = ("chatroom", "login", "users", "channels", "messages", "invites")


@pytest.mark.parametrize("mount", MOUNTS)
@pytest.mark.parametrize("slash", [False, True])
def test_create_chatroom_at_both_mounts_with_and_without_slash(api_client, db, mount, slash):
    response = post_json(
        api_client,
        url("chatroom", mount=mount, slash=slash),
        {"username": "alice", "password": PASSWORD, "chatroom_name": "Tea"},
    )
    assert response.status_code == 200, response.content
    assert Chatroom.objects.filter(pk=response.json()["chatroomID"], name="Tea").exists()


@pytest.mark.parametrize("mount", MOUNTS)
@pytest.mark.parametrize("slash", [False, True])
def test_log_in_and_every_read_at_both_mounts_with_and_without_slash(api_client, owner, chatroom, mount, slash):
    response = post_json(
        api_client, url("login", chatroom.id, mount=mount, slash=slash), {"userID": "owner", "password": PASSWORD}
    )
    assert response.status_code == 200
    headers = {**as_user(owner), "get-method": "count"}
    for endpoint in ENDPOINTS_WITH_ID:
        response = api_client.get(url(endpoint, chatroom.id, mount=mount, slash=slash), headers=headers)
        assert response.status_code == 200, (endpoint, response.content)
        assert response["Content-Type"] == "application/json"


@pytest.mark.parametrize("mount", MOUNTS)
@pytest.mark.parametrize("slash", [False, True])
def test_writes_at_both_mounts_with_and_without_slash_never_redirect(logged_in, owner, chatroom, mount, slash):
    client = logged_in(owner)
    channel_id = client.get(url("channels", chatroom.id), headers=as_user(owner)).json()[0]["channelID"]
    response = post_json(
        client,
        url("messages", chatroom.id, mount=mount, slash=slash),
        {"userID": str(owner.id), "channelID": channel_id, "data": "hi"},
    )
    assert response.status_code == 200
    response = post_json(
        client,
        url("channels", chatroom.id, mount=mount, slash=slash),
        {"userID": str(owner.id), "channel_name": f"c{mount}{slash}"},
    )
    assert response.status_code == 200
    response = client.delete(url("login", chatroom.id, mount=mount, slash=slash))
    assert response.status_code == 200


@pytest.mark.parametrize("endpoint", ENDPOINTS_WITH_ID)
@pytest.mark.parametrize("method", ["get", "post", "delete"])
def test_path_id_that_is_not_a_uuid_is_json_404(api_client, db, endpoint, method):
    response = getattr(api_client, method)(url(endpoint, "not-a-uuid"), headers={"userID": "x"})
    if response.status_code == 405:
        return  # the method itself is not served there: that answer comes first
    assert response.status_code == 404
    assert response.json() == {"detail": "Chatroom not found.", "code": "chatroom_not_found"}


def test_path_id_that_is_not_a_uuid_is_404_for_a_logged_in_caller_too(logged_in, owner):
    client = logged_in(owner)
    response = client.get(url("messages", "123"), headers={**as_user(owner), "get-method": "count"})
    assert response.status_code == 404
    assert response.json()["code"] == "chatroom_not_found"


@pytest.mark.parametrize(
    ("endpoint", "with_id", "method", "allowed"),
    [
        ("chatroom", False, "get", {"POST"}),
        ("chatroom", False, "delete", {"POST"}),
        ("chatroom", True, "post", {"GET"}),
        ("chatroom", True, "put", {"GET"}),
        ("login", True, "put", {"GET", "POST", "DELETE"}),
        ("users", True, "post", {"GET"}),
        ("users", True, "delete", {"GET"}),
        ("channels", True, "patch", {"GET", "POST"}),
        ("messages", True, "put", {"GET", "POST"}),
        ("messages", True, "delete", {"GET", "POST"}),
        ("invites", True, "delete", {"GET", "POST"}),
    ],
)
def test_unserved_methods_answer_405_with_allow_before_anything_else(
    api_client, db, endpoint, with_id, method, allowed
):
    path = url(endpoint, random_id() if with_id else None)
    response = getattr(api_client, method)(path)
    assert response.status_code == 405
    assert response.json()["code"] == "method_not_allowed"
    assert {item.strip() for item in response["Allow"].split(",")} - {"OPTIONS", "HEAD"} == allowed


def test_head_does_not_create_an_invite(logged_in, owner, chatroom):
    client = logged_in(owner)
    response = client.head(url("invites", chatroom.id), headers=as_user(owner))
    assert response.status_code == 405
    assert not Invite.objects.exists()


def test_get_chatroom_without_id_is_405_allowing_only_post(api_client, db):
    for mount in MOUNTS:
        for slash in (False, True):
            response = api_client.get(url("chatroom", mount=mount, slash=slash))
            assert response.status_code == 405
            assert "POST" in response["Allow"] and "GET" not in response["Allow"]


def test_unknown_chatroom_is_401_without_credentials(api_client, db):
    response = api_client.get(url("users", random_id()), headers={"userID": "someone"})
    assert response.status_code == 401
    assert set(response.json()) == {"detail", "code"}


def test_unknown_chatroom_is_404_for_a_caller_with_a_bearer_token(api_client, owner):
    token = post_json(api_client, "/api/auth/token", {"username": "owner", "password": PASSWORD}).json()["token"]
    response = api_client.get(url("users", random_id()), headers={**as_user(owner), "Authorization": f"Bearer {token}"})
    assert response.status_code == 404
    assert response.json()["code"] == "chatroom_not_found"


def test_the_browsable_api_shows_a_teahaz_view(logged_in, owner, chatroom):
    client = logged_in(owner)
    response = client.get(url("channels", chatroom.id), headers={**as_user(owner), "Accept": "text/html"})
    assert response.status_code == 200
    assert b"Channels" in response.content and b"<html" in response.content


def test_log_in_helper_works_at_the_root_mount_too(api_client, owner, chatroom):
    log_in(api_client, owner, chatroom)
    assert api_client.get(url("login", chatroom.id, mount=""), headers=as_user(owner)).status_code == 200


ROOT_LISTING = {
    "chatroom": "/api/v0/chatroom",
    "chatroom/{chatroom_id}": "/api/v0/chatroom/{chatroom_id}",
    "login/{chatroom_id}": "/api/v0/login/{chatroom_id}",
    "users/{chatroom_id}": "/api/v0/users/{chatroom_id}",
    "channels/{chatroom_id}": "/api/v0/channels/{chatroom_id}",
    "messages/{chatroom_id}": "/api/v0/messages/{chatroom_id}",
    "invites/{chatroom_id}": "/api/v0/invites/{chatroom_id}",
    "files/{chatroom_id}": "/api/v0/files/{chatroom_id}",
}


def test_the_browsable_api_root_lists_every_endpoint(api_client, db):
    response = api_client.get("/api/v0/", headers={"Accept": "text/html"})
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/html")
    page = response.content.decode()
    for address in ROOT_LISTING.values():
        assert f"http://testserver{address}" in page, address


def test_the_api_root_answers_the_listing_as_json_to_anyone(api_client, db):
    response = api_client.get("/api/v0/")
    assert response.status_code == 200
    assert response.json() == {key: f"http://testserver{address}" for key, address in ROOT_LISTING.items()}


def test_each_listed_endpoint_answers_at_its_address(logged_in, owner, chatroom):
    client = logged_in(owner)
    listing = client.get("/api/v0/").json()
    headers = {**as_user(owner), "get-method": "count"}
    for key in ("chatroom/{chatroom_id}", "login/{chatroom_id}", "users/{chatroom_id}", "messages/{chatroom_id}"):
        response = client.get(listing[key].replace("{chatroom_id}", str(chatroom.id)), headers=headers)
        assert response.status_code == 200, (key, response.content)
