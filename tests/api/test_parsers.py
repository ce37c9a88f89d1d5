"""The JSON body parser of every adapter."""

import pytest


@pytest.mark.django_db
@pytest.mark.parametrize("url", ["/api/auth/token", "/api/v0/chatroom/", "/chatroom"])
def test_a_json_body_nested_too_deeply_is_a_400_on_every_protocol(client, url):
    body = "[" * 100_000 + "]" * 100_000

    response = client.post(url, data=body, content_type="application/json")

    assert response.status_code == 400
    assert response.json()["code"] == "parse_error"
