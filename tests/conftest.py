"""Fixtures every test can use: users, chatrooms, API clients, and a clean cache."""

import pytest
from django.core.cache import cache
from django.db import connection
from rest_framework.test import APIClient

from chat.models import Chatroom, Participant, User
from chat.services.chatrooms import chatroom_create
from chat.services.participants import participant_add

PASSWORD = "correct horse battery"


@pytest.fixture(autouse=True)
def _clear_cache():
    """Throttle counters must not leak from one test into the next."""
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def make_user(db):
    """Creates a user with the shared test password."""
    counter = iter(range(1, 1_000_000))

    def make(username: str | None = None, **fields) -> User:
        return User.objects.create_user(username=username or f"user{next(counter)}", password=PASSWORD, **fields)

    return make


@pytest.fixture
def owner(make_user) -> User:
    return make_user("owner")


@pytest.fixture
def chatroom(owner) -> Chatroom:
    return chatroom_create(creator=owner, name="Tea room")


@pytest.fixture
def member(make_user, chatroom) -> User:
    user = make_user("member")
    participant_add(chatroom=chatroom, user=user)
    return user


@pytest.fixture
def admin_member(make_user, chatroom) -> User:
    user = make_user("roomadmin")
    participant_add(chatroom=chatroom, user=user, role=Participant.Role.ADMIN)
    return user


@pytest.fixture
def outsider(make_user) -> User:
    return make_user("outsider")


@pytest.fixture
def api_client() -> APIClient:
    return APIClient()


@pytest.fixture
def is_postgres() -> bool:
    return connection.vendor == "postgresql"


def pytest_collection_modifyitems(config, items):
    """Tests marked `postgres` need real concurrency: skip them on SQLite."""
    from django.conf import settings

    if settings.DATABASES["default"]["ENGINE"].endswith("postgresql"):
        return
    skip = pytest.mark.skip(reason="needs PostgreSQL (set DATABASE_URL=postgres://...)")
    for item in items:
        if "postgres" in item.keywords:
            item.add_marker(skip)


@pytest.fixture(autouse=True)
def _file_storage(settings, tmp_path):
    """Files a test stores go to a folder of its own, never to the project's."""
    settings.STORAGES = {
        **settings.STORAGES,
        "chat_files": {"BACKEND": "django.core.files.storage.FileSystemStorage", "OPTIONS": {"location": tmp_path}},
    }
