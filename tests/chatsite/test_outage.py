"""The database or the cache unreachable: 503 + Retry-After + the error body, logged once, then recovery."""

import logging
from unittest import mock

import pytest
from django.db import OperationalError
from redis.exceptions import ConnectionError as RedisConnectionError
from rest_framework.test import APIClient

from chat.models import User
from chat.services.tokens import token_issue
from chatsite import outage


@pytest.fixture
def bearer():
    def make(user: User) -> APIClient:
        raw, _token = token_issue(user=user, name="test")
        client = APIClient()
        client.credentials(HTTP_AUTHORIZATION=f"Bearer {raw}")
        return client

    return make


def unreachable_database():
    return mock.patch(
        "django.db.backends.utils.CursorWrapper.execute", side_effect=OperationalError("connection refused")
    )


@pytest.mark.django_db
def test_every_api_answers_503_and_logs_the_outage_once(bearer, member, chatroom, caplog):
    client = bearer(member)
    with caplog.at_level(logging.WARNING), unreachable_database():
        answers = [
            client.get("/chatrooms/Chat"),
            client.get(f"/api/v0/messages/{chatroom.pk}"),
            client.post("/api/auth/token", {"username": "member", "password": "x"}, format="json"),
        ]
    for response in answers:
        assert response.status_code == 503
        assert response["Retry-After"] == "5"
        assert response.json()["code"] == "service_unavailable"
        assert "database" in response.json()["detail"]
    lines = [record for record in caplog.records if record.levelno >= logging.WARNING]
    assert [record.name for record in lines] == ["chatsite.outage"]
    assert lines[0].exc_info is None
    assert "database is unreachable" in lines[0].getMessage()


@pytest.mark.django_db
def test_the_server_recovers_by_itself_and_says_so(bearer, member, caplog):
    client = bearer(member)
    with unreachable_database():
        assert client.get("/chatrooms/Chat").status_code == 503
    caplog.clear()
    with caplog.at_level(logging.WARNING, logger="chatsite.outage"):
        assert client.get("/chatrooms/Chat").status_code == 200
        assert client.get("/chatrooms/Chat").status_code == 200
    assert [record.getMessage()[:36] for record in caplog.records] == ["The database is reachable again afte"]
    assert outage._down_since == {}


@pytest.mark.django_db
def test_an_unreachable_cache_is_503_too(api_client, member, settings):
    with (
        mock.patch("django.core.cache.cache.get", side_effect=RedisConnectionError("refused")),
        mock.patch("django.core.cache.cache.get_many", side_effect=RedisConnectionError("refused")),
        mock.patch("django.core.cache.cache.add", side_effect=RedisConnectionError("refused")),
    ):
        response = api_client.post("/api/auth/token", {"username": "member", "password": "wrong"}, format="json")
    assert response.status_code == 503
    assert response.json()["code"] == "service_unavailable"
    assert "cache" in response.json()["detail"]


def test_an_outage_outside_a_view_is_503_from_the_error_handler(rf):
    request = rf.get("/")
    try:
        raise OperationalError("server closed the connection unexpectedly")
    except OperationalError:
        response = outage.server_error(request)
    assert response.status_code == 503
    assert response["Retry-After"] == "5"


def test_any_other_error_is_still_a_500(rf):
    try:
        raise ValueError("a bug")
    except ValueError:
        response = outage.server_error(rf.get("/"))
    assert response.status_code == 500


@pytest.mark.django_db
def test_a_request_that_needs_no_database_does_not_end_the_outage(bearer, member, caplog):
    client = bearer(member)
    with unreachable_database():
        assert client.get("/chatrooms/Chat").status_code == 503
    connection_before = outage.connection.connection
    outage.connection.connection = None  # what Django leaves after closing the connection that failed
    try:
        assert client.get("/healthz").status_code == 200
        assert "database" in outage._down_since
    finally:
        outage.connection.connection = connection_before
    assert client.get("/chatrooms/Chat").status_code == 200
    assert outage._down_since == {}


@pytest.mark.django_db
def test_the_cache_is_probed_again_at_most_once_per_retry_interval(api_client, member, settings, caplog):
    refused = RedisConnectionError("refused")
    with (
        mock.patch("django.core.cache.cache.get", side_effect=refused) as get,
        mock.patch("django.core.cache.cache.get_many", side_effect=refused),
        mock.patch("django.core.cache.cache.add", side_effect=refused),
    ):
        body = {"username": "member", "password": "x"}
        assert api_client.post("/api/auth/token", body, format="json").status_code == 503
        get.reset_mock()
        assert api_client.get("/healthz").status_code == 200
        assert api_client.get("/healthz").status_code == 200
        assert get.call_count == 1
    assert "cache" in outage._down_since
    settings.CHAT_OUTAGE_RETRY_AFTER_SECONDS = 0
    caplog.clear()
    with caplog.at_level(logging.WARNING, logger="chatsite.outage"):
        api_client.get("/healthz")
    assert outage._down_since == {}
    assert [record.getMessage()[:33] for record in caplog.records] == ["The cache is reachable again afte"]
