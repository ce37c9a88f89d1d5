"""Helpers of the event log tests: clients that call the APIs as real clients do, and reads of the log."""

from collections.abc import Callable

import pytest
from rest_framework.test import APIClient

from chat.events.selectors import EventBatch, events_after
from chat.models import User
from chat.services.tokens import token_issue


@pytest.fixture
def client_for() -> Callable[[User], APIClient]:
    """A v1 client holding a bearer token for the user."""

    def make(user: User) -> APIClient:
        raw, _token = token_issue(user=user)
        return APIClient(headers={"Authorization": f"Bearer {raw}"})

    return make


def of_type(batch: EventBatch, *types: str) -> list[dict]:
    """The batch's events of those types, in order."""
    return [event for event in batch.events if event["type"] in types]


def read_all(user: User, cursor: str) -> EventBatch:
    """Every event after `cursor`, following full batches to the end (as a client catching up does)."""
    events: list[dict] = []
    while True:
        batch = events_after(user=user, cursor=cursor)
        assert not batch.resync
        events.extend(batch.events)
        if not batch.events:
            return EventBatch(events=events, cursor=batch.cursor, resync=False)
        cursor = batch.cursor


@pytest.fixture
def session() -> Callable[[User], APIClient]:
    """A client logged in with a Django session cookie, as the Origam page in a browser is."""

    def make(user: User) -> APIClient:
        client = APIClient()
        client.force_login(user)
        return client

    return make
