"""The browser log-in pages at /accounts/: Django's own views with the project's templates."""

import shutil
import subprocess
from pathlib import Path

import pytest
from django.contrib.staticfiles import finders
from django.test import Client

from tests.conftest import PASSWORD


@pytest.mark.django_db
def test_login_page_renders_the_form_and_carries_next():
    response = Client().get("/accounts/login/?next=/chatrooms/index.html")

    html = response.content.decode()
    assert response.status_code == 200
    assert "<title>Log in · chatsite</title>" in html
    assert 'name="next" value="/chatrooms/index.html"' in html
    assert 'name="csrfmiddlewaretoken"' in html
    # The script that carries a deep link's #fragment into `next` is loaded once, from a file (CSP: no inline).
    assert html.count('<script src="/static/chat/login-next.js" defer></script>') == 1
    assert "<script>" not in html


# Runs login-next.js against a page whose `next` field holds NEXT, opened at HREF; prints the field afterwards.
LOGIN_NEXT_HARNESS = """
const [source, href, nextValue] = process.argv.slice(1);
const field = {value: nextValue};
globalThis.window = {location: {hash: new URL(href).hash}};
globalThis.document = {querySelector: (selector) => (selector === 'input[name="next"]' ? field : null)};
new Function(source)();
process.stdout.write(field.value);
"""


@pytest.mark.skipif(shutil.which("node") is None, reason="needs node to run the page's script")
@pytest.mark.parametrize(
    ("href", "next_value", "expected"),
    [
        (
            "http://testserver/accounts/login/?next=/chatrooms/#/chatroom?chatroomId=1",
            "/chatrooms/",
            "/chatrooms/#/chatroom?chatroomId=1",
        ),
        ("http://testserver/accounts/login/?next=/chatrooms/", "/chatrooms/", "/chatrooms/"),
        ("http://testserver/accounts/login/#/other", "/chatrooms/#/kept", "/chatrooms/#/kept"),
        ("http://testserver/accounts/login/#/other", "", ""),
    ],
)
def test_login_page_script_carries_the_fragment_into_next(href, next_value, expected):
    source = Path(finders.find("chat/login-next.js")).read_text()

    done = subprocess.run(
        ["node", "-e", LOGIN_NEXT_HARNESS, source, href, next_value], capture_output=True, check=True, text=True
    )

    assert done.stdout == expected


@pytest.mark.django_db
def test_log_in_returns_to_next_and_log_out_ends_the_session(member):
    client = Client()
    response = client.post(
        "/accounts/login/", {"username": "member", "password": PASSWORD, "next": "/chatrooms/Chat/localUser"}
    )
    assert response.status_code == 302 and response["Location"] == "/chatrooms/Chat/localUser"
    assert client.get("/chatrooms/Chat/localUser").json()["id"] == str(member.pk)

    response = client.post("/accounts/logout/")
    assert response.status_code == 200 and b"You are logged out" in response.content
    assert client.get("/chatrooms/Chat/localUser").status_code == 401


@pytest.mark.django_db
def test_a_wrong_password_shows_the_form_again_with_an_error(member):
    response = Client().post("/accounts/login/", {"username": "member", "password": "not the password"})
    assert response.status_code == 200
    assert b"didn't match" in response.content


@pytest.mark.django_db
def test_the_front_page_greets_the_logged_in_user_and_offers_the_way_in(member, admin_user):
    anonymous = Client().get("/")
    assert anonymous.status_code == 200 and b'href="/accounts/login/"' in anonymous.content

    client = Client()
    client.force_login(member)
    page = client.get("/").content.decode()
    assert '<span class="whoami">member</span>' in page and "/admin/" not in page

    client.force_login(admin_user)
    assert 'href="/admin/"' in client.get("/").content.decode()


@pytest.mark.django_db
def test_logging_in_without_next_lands_on_the_front_page(member):
    response = Client().post("/accounts/login/", {"username": "member", "password": PASSWORD})
    assert response.status_code == 302 and response["Location"] == "/"
