"""Fixtures of the v1 tests: clients holding a bearer token, as scripts and bots call v1."""

from collections.abc import Callable

import pytest
from rest_framework.test import APIClient

from chat.models import User
from chat.services.tokens import token_issue


@pytest.fixture
def client_for() -> Callable[[User], APIClient]:
    def make(user: User) -> APIClient:
        raw, _token = token_issue(user=user)
        return APIClient(headers={"Authorization": f"Bearer {raw}"})

    return make
