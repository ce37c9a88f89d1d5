"""`GET /api/v1/events` answers bad requests with a clear 4xx, in process through Django's ASGI handler."""

import pytest
from asgiref.sync import async_to_sync
from django.test import AsyncClient, Client

from chat.services.tokens import token_issue
from tests.conftest import PASSWORD
from tests.events.live import in_a_thread

# The view's database work runs in worker threads, which see only committed rows.
pytestmark = pytest.mark.django_db(transaction=True)


def asgi_get(path: str, **headers: str):
    return in_a_thread(lambda: async_to_sync(AsyncClient().get)(path, headers=headers))


@pytest.fixture
def token(member) -> str:
    return token_issue(user=member)[0]


def test_a_synchronous_server_refuses_the_stream_rather_than_hold_a_worker(token):
    response = in_a_thread(lambda: Client().get("/api/v1/events", headers={"Authorization": f"Bearer {token}"}))
    assert response.status_code == 503
    assert response.json()["code"] == "stream_needs_asgi"


def test_without_credentials_401():
    response = asgi_get("/api/v1/events")
    assert response.status_code == 401
    assert response.json() == {
        "detail": "Authentication credentials were not provided or are not valid.",
        "code": "not_authenticated",
    }
    assert response["WWW-Authenticate"] == "Bearer"


def test_a_wrong_token_401(member):
    response = asgi_get("/api/v1/events", Authorization="Bearer not-a-token")
    assert response.status_code == 401
    assert response.json()["code"] == "invalid_token"


@pytest.mark.parametrize(
    ("query", "code"),
    [
        ("format=json&timeout=-1", "invalid_timeout"),
        ("format=json&timeout=61", "invalid_timeout"),
        ("format=json&timeout=soon", "invalid_timeout"),
        ("format=json&timeout=nan", "invalid_timeout"),
        ("format=xml", "invalid_events_format"),
        ("format=json&cursor=" + "x" * 201, "invalid_cursor"),
        ("format=json&cursor=garbage", "invalid_cursor"),
        ("cursor=garbage", "invalid_cursor"),
    ],
)
def test_bad_parameters_400(token, query, code):
    response = asgi_get(f"/api/v1/events?{query}", Authorization=f"Bearer {token}")
    assert response.status_code == 400
    assert response.json()["code"] == code
    assert set(response.json()) == {"detail", "code"}


def test_only_get(token):
    response = in_a_thread(
        lambda: async_to_sync(AsyncClient().post)(
            "/api/v1/events", {}, content_type="application/json", headers={"Authorization": f"Bearer {token}"}
        )
    )
    assert response.status_code == 405
    assert response.json()["code"] == "method_not_allowed"


def test_a_browser_session_long_polls_without_a_csrf_token(member):
    client = AsyncClient()
    assert in_a_thread(lambda: async_to_sync(client.alogin)(username=member.username, password=PASSWORD))
    response = in_a_thread(
        lambda: async_to_sync(client.get)("/api/v1/events?timeout=0", headers={"Accept": "application/json"})
    )
    assert response.status_code == 200
    body = response.json()
    assert body["events"] == [] and body["resync"] is False and body["cursor"]
