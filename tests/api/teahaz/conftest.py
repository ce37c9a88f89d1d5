"""Helpers for Teahaz protocol tests: URLs at both mounts, JSON posts, and clients logged in the way real ones are."""

import uuid

import pytest
from rest_framework.test import APIClient

from chat.models import Chatroom, User
from tests.conftest import PASSWORD

MOUNTS = ("", "/api/v0")


def url(endpoint: str, chatroom_id: object = None, *, mount: str = "/api/v0", slash: bool = False) -> str:
    """An endpoint's URL as a real client builds it."""
    path = f"{mount}/{endpoint}" + (f"/{chatroom_id}" if chatroom_id is not None else "")
    return path + ("/" if slash else "")


def post_json(client: APIClient, path: str, body: object, **extra):
    """A POST with a JSON body, as every real client sends it."""
    return client.post(path, body, format="json", **extra)


def log_in(client: APIClient, user: User, chatroom: Chatroom, *, password: str = PASSWORD) -> None:
    """Logs the client in to the chatroom through POST /login; the client keeps the cookie it gets."""
    response = post_json(client, url("login", chatroom.id), {"userID": str(user.id), "password": password})
    assert response.status_code == 200, response.content


def as_user(user: User) -> dict:
    """The userID header of a GET request."""
    return {"userID": str(user.id)}


def random_id() -> str:
    return str(uuid.uuid4())


@pytest.fixture
def logged_in(chatroom):
    """A new client logged in to the chatroom as the given user."""

    def make(user: User, room: Chatroom | None = None) -> APIClient:
        client = APIClient()
        log_in(client, user, room or chatroom)
        return client

    return make
