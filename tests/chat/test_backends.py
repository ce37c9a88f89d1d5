"""Django's own log-in pages (/accounts/login/, the admin's, the browsable API's) count failures like the API does."""

import uuid

import pytest
from django.test import Client, override_settings

from tests.conftest import PASSWORD

LOGIN_PAGES = ["/accounts/login/", "/admin/login/", "/api-auth/login/"]


def form_login(client: Client, path: str, username: str, password: str):
    return client.post(path, {"username": username, "password": password})


def is_logged_in(client: Client) -> bool:
    return "_auth_user_id" in client.session


@pytest.mark.parametrize("path", LOGIN_PAGES)
@override_settings(CHAT_LOGIN_FAILURES_PER_ACCOUNT=3)
def test_a_login_page_stops_trying_passwords_once_the_account_is_throttled(make_user, path):
    make_user("guessed", is_staff=True)
    for _attempt in range(3):
        client = Client()
        form_login(client, path, "guessed", "wrong password")
        assert not is_logged_in(client)
    client = Client()
    # Even the right password is refused until the window has passed: guessing cannot go on.
    response = form_login(client, path, "guessed", PASSWORD)
    assert not is_logged_in(client)
    assert response.status_code == 200  # the form again, with its error


@override_settings(CHAT_LOGIN_FAILURES_PER_ACCOUNT=3)
def test_failures_on_the_login_page_and_on_the_api_count_together(make_user, api_client):
    make_user("guessed")
    for _attempt in range(3):
        form_login(Client(), "/accounts/login/", "GUESSED", "wrong password")
    response = api_client.post("/api/auth/token", {"username": "guessed", "password": PASSWORD}, format="json")
    assert response.status_code == 429
    assert int(response["Retry-After"]) > 0


@override_settings(CHAT_LOGIN_FAILURES_PER_ADDRESS=3)
def test_a_login_page_throttles_one_address_guessing_many_accounts(make_user):
    for index in range(3):
        form_login(Client(), "/accounts/login/", f"nobody{index}", "wrong password")
    make_user("victim")
    client = Client()
    form_login(client, "/accounts/login/", "victim", PASSWORD)
    assert not is_logged_in(client)


def test_the_right_password_still_logs_in(make_user):
    user = make_user("rightful")
    client = Client()
    response = form_login(client, "/accounts/login/", "Rightful", PASSWORD)
    assert response.status_code == 302
    assert client.session["_auth_user_id"] == str(user.pk)


def test_an_inactive_account_cannot_log_in(make_user):
    make_user("gone", is_active=False)
    client = Client()
    form_login(client, "/accounts/login/", "gone", PASSWORD)
    assert not is_logged_in(client)


def test_a_username_that_looks_like_a_user_id_still_logs_in(make_user):
    name = str(uuid.uuid4())
    user = make_user(name)
    client = Client()
    form_login(client, "/accounts/login/", name, PASSWORD)
    assert client.session["_auth_user_id"] == str(user.pk)
