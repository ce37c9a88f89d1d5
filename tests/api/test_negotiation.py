"""Content negotiation: the shortcut for plain `Accept` headers chooses what DRF's own negotiation chooses."""

import pytest
from rest_framework.negotiation import DefaultContentNegotiation
from rest_framework.test import APIClient
from rest_framework.views import APIView

from chat.api.negotiation import ContentNegotiation
from chat.services.tokens import token_issue

ACCEPTS = [
    None,
    "*/*",
    "application/json",
    "application/json, text/plain, */*",
    "text/html",
    "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8",
    "application/xml",
    "text/plain",
]


def answer(client: APIClient, path: str, accept: str | None) -> tuple[int, str]:
    headers = {} if accept is None else {"Accept": accept}
    response = client.get(path, headers=headers)
    return response.status_code, response.get("Content-Type", "")


@pytest.fixture
def bearer(member) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {token_issue(user=member)[0]}")
    return client


@pytest.mark.parametrize("accept", ACCEPTS)
@pytest.mark.parametrize("query", ["", "?format=api", "?format=json"])
def test_the_same_renderer_as_drfs_negotiation(bearer, chatroom, monkeypatch, accept, query):
    paths = [f"/api/v1/chatrooms/{chatroom.pk}/{query}", f"/chatrooms/Chat/chatrooms/{chatroom.pk}/info{query}"]
    assert APIView.content_negotiation_class is ContentNegotiation
    ours = [answer(bearer, path, accept) for path in paths]
    monkeypatch.setattr(APIView, "content_negotiation_class", DefaultContentNegotiation)
    assert [answer(bearer, path, accept) for path in paths] == ours
    assert all(status in (200, 406) for status, _ in ours)


def test_plain_accept_headers_answer_json(bearer, chatroom):
    for accept in (None, "*/*", "application/json", "application/json, text/plain, */*"):
        assert answer(bearer, f"/api/v1/chatrooms/{chatroom.pk}/", accept) == (200, "application/json")
    assert answer(bearer, f"/api/v1/chatrooms/{chatroom.pk}/", "text/html")[1].startswith("text/html")
