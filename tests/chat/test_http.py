"""The caller's address, as the throttles count it."""

import pytest

from chat.http import client_address


def test_client_address(rf, settings):
    request = rf.get("/", REMOTE_ADDR="10.0.0.9", HTTP_X_FORWARDED_FOR="1.2.3.4, 10.0.0.1")
    settings.CHAT_TRUST_X_FORWARDED_FOR = False
    assert client_address(request) == "10.0.0.9"
    settings.CHAT_TRUST_X_FORWARDED_FOR = True
    # The proxy appends the address it saw; whatever stands before it is the client's own claim.
    assert client_address(request) == "10.0.0.1"
    assert client_address(rf.get("/", REMOTE_ADDR="10.0.0.9", HTTP_X_FORWARDED_FOR=" 1.2.3.4 ")) == "1.2.3.4"
    assert client_address(rf.get("/", REMOTE_ADDR="10.0.0.9", HTTP_X_FORWARDED_FOR=" , ")) == "10.0.0.9"
    assert client_address(rf.get("/", REMOTE_ADDR="")) == "unknown"


@pytest.mark.django_db
def test_a_client_cannot_dodge_the_address_throttle_by_claiming_addresses(api_client, settings):
    settings.CHAT_TRUST_X_FORWARDED_FOR = True
    settings.CHAT_LOGIN_FAILURES_PER_ADDRESS = 3
    for attempt in range(4):
        # An appending proxy (nginx's $proxy_add_x_forwarded_for) puts the real address last.
        response = api_client.post(
            "/api/auth/token",
            {"username": f"nobody{attempt}", "password": "wrong password"},
            format="json",
            HTTP_X_FORWARDED_FOR=f"203.0.113.{attempt}, 198.51.100.7",
        )
    assert response.status_code == 429
