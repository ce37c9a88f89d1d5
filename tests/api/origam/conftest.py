"""Fixtures for the Origam protocol tests: clients that log in the ways the real client does."""

from collections.abc import Callable

import pytest
from rest_framework.test import APIClient

from chat.models import User
from chat.services.tokens import token_issue


@pytest.fixture
def bearer() -> Callable[[User], APIClient]:
    """A client that sends `Authorization: Bearer <token>` for the user, as the page given a token does."""

    def make(user: User) -> APIClient:
        raw, _token = token_issue(user=user, name="test")
        client = APIClient()
        client.credentials(HTTP_AUTHORIZATION=f"Bearer {raw}")
        return client

    return make


@pytest.fixture
def session() -> Callable[[User], APIClient]:
    """A client logged in with a Django session cookie, as the browser page is."""

    def make(user: User) -> APIClient:
        client = APIClient()
        client.force_login(user)
        return client

    return make
