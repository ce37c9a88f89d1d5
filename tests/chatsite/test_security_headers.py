"""Every HTML page carries a Content-Security-Policy and a Permissions-Policy, and none needs inline code."""

from html.parser import HTMLParser
from pathlib import Path

import pytest
from django.contrib.staticfiles import finders
from django.test import Client
from django.urls import reverse

from chat.models import Message

SITE_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; font-src 'self'; "
    "connect-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
)
ORIGAM_PAGE_POLICY = (
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; font-src 'self' data:; "
    "connect-src 'self'; manifest-src 'self'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
)


def directives(policy: str) -> dict[str, str]:
    """A policy as directive -> sources (browsers read the directives in any order)."""
    pairs = (part.strip().split(" ", 1) for part in policy.split(";") if part.strip())
    return {name: sources for name, sources in pairs}


class InlineCode(HTMLParser):
    """Collects what a CSP without 'unsafe-inline' would block, and the scripts and styles a page loads."""

    def __init__(self) -> None:
        super().__init__()
        self.inline_scripts: list[str] = []
        self.inline_styles: list[str] = []
        self.loaded: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        attributes = dict(attrs)
        for name, value in attrs:
            if name.startswith("on"):
                self.inline_scripts.append(f"<{tag} {name}={value!r}>")
            if name == "style":
                self.inline_styles.append(f"<{tag} style={value!r}>")
            if name in ("href", "src") and value and value.startswith("javascript:"):
                self.inline_scripts.append(f"<{tag} {name}={value!r}>")
        if tag == "script":
            if attributes.get("src"):
                self.loaded.append(attributes["src"] or "")
            elif attributes.get("type") != "application/json":  # a data block, never run
                self.inline_scripts.append("<script> without src")
        if tag == "style":
            self.inline_styles.append("<style>")
        if tag == "link" and attributes.get("rel") == "stylesheet":
            self.loaded.append(attributes.get("href") or "")


def inspect_page(response) -> InlineCode:
    assert response.status_code == 200, response.content[:500]
    assert response["Content-Type"].startswith("text/html")
    parser = InlineCode()
    parser.feed(response.content.decode())
    return parser


def assert_site_headers(response, *, inline_styles: bool = False) -> None:
    expected = directives(SITE_POLICY)
    if inline_styles:
        expected["style-src"] = "'self' 'unsafe-inline'"
    assert directives(response["Content-Security-Policy"]) == expected
    permissions = response["Permissions-Policy"]
    for feature in ("camera=()", "microphone=()", "geolocation=()", "payment=()", "usb=()"):
        assert feature in permissions


def assert_no_inline_code(page: InlineCode, *, inline_styles_allowed: bool = False) -> None:
    assert page.inline_scripts == []
    if not inline_styles_allowed:
        assert page.inline_styles == []
    for url in page.loaded:
        # Every script and style sheet is one of ours (or Django's, or DRF's), served from this origin.
        assert url.startswith("/") and not url.startswith("//"), url
        if url.startswith("/static/"):
            assert finders.find(url.removeprefix("/static/")) is not None, url


@pytest.fixture
def staff_browser(admin_user) -> Client:
    client = Client()
    client.force_login(admin_user)
    return client


@pytest.fixture
def browser(member) -> Client:
    client = Client()
    client.force_login(member)
    return client


# The server's own pages.


@pytest.mark.parametrize("logged_in", [False, True])
def test_front_page(db, member, logged_in):
    client = Client()
    if logged_in:
        client.force_login(member)

    response = client.get("/")

    assert_site_headers(response)
    assert_no_inline_code(inspect_page(response))


def test_log_in_page_and_its_fragment_script(db):
    response = Client().get("/accounts/login/?next=/chatrooms/")

    assert_site_headers(response)
    page = inspect_page(response)
    assert_no_inline_code(page)
    assert "/static/chat/login-next.js" in page.loaded
    assert "/static/chat/site.css" in page.loaded


def test_logged_out_page(browser):
    response = browser.post("/accounts/logout/")

    assert_site_headers(response)
    assert_no_inline_code(inspect_page(response))


# The admin.


@pytest.mark.parametrize(
    "url",
    [
        "/admin/",
        "/admin/chat/user/",
        "/admin/chat/chatroom/add/",
        "/admin/chat/authtoken/add/",
    ],
)
def test_admin_pages(staff_browser, url):
    response = staff_browser.get(url)

    assert_site_headers(response)
    assert_no_inline_code(inspect_page(response))


def test_admin_log_in_page(db):
    response = Client().get("/admin/login/")

    assert_site_headers(response)
    assert_no_inline_code(inspect_page(response))


def test_admin_change_forms_with_moderation_tools(staff_browser, admin_user, chatroom, member):
    message = Message.objects.filter(chatroom=chatroom).first()
    participant = chatroom.participants.get(user=member)

    for url in (
        reverse("admin:chat_user_change", args=[member.pk]),
        reverse("admin:chat_message_change", args=[message.pk]),
        reverse("admin:chat_participant_change", args=[participant.pk]),
    ):
        response = staff_browser.get(url)
        assert_site_headers(response)
        page = inspect_page(response)
        assert_no_inline_code(page)


def test_admin_token_issued_page(staff_browser, member):
    response = staff_browser.post(
        reverse("admin:chat_authtoken_add"), {"user": member.pk, "name": "deploy script", "days": "7"}
    )

    assert_site_headers(response)
    page = inspect_page(response)
    assert_no_inline_code(page)
    assert "/static/chat/select-on-focus.js" in page.loaded


# DRF's browsable API and its log-in page: their templates carry inline styles (never inline scripts).


def test_browsable_api_page_and_its_log_out_button(member):
    browser = Client(enforce_csrf_checks=True)
    browser.force_login(member)

    response = browser.get("/chatrooms/Chat/", HTTP_ACCEPT="text/html")

    assert_site_headers(response, inline_styles=True)
    assert_no_inline_code(inspect_page(response), inline_styles_allowed=True)
    # DRF's own menu logs out with an inline onclick; ours is a form button that needs no script.
    assert 'action="/api-auth/logout/?next=/chatrooms/Chat/"' in response.content.decode()
    logged_out = browser.post(
        "/api-auth/logout/?next=/chatrooms/Chat/", {"csrfmiddlewaretoken": browser.cookies["csrftoken"].value}
    )
    assert logged_out.status_code == 302
    assert browser.get("/chatrooms/Chat/", HTTP_ACCEPT="application/json").status_code == 401


def test_browsable_api_log_in_page(db):
    response = Client().get("/api-auth/login/")

    assert_site_headers(response, inline_styles=True)
    assert_no_inline_code(inspect_page(response), inline_styles_allowed=True)


def test_json_answers_keep_working_under_the_policy(browser):
    response = browser.get("/chatrooms/Chat/", HTTP_ACCEPT="application/json")

    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    assert isinstance(response.json(), list)
    assert "unsafe-inline" not in response["Content-Security-Policy"]


# The Origam client page: the strictest policy, with or without a session.


@pytest.fixture
def build(settings, tmp_path) -> Path:
    root = tmp_path / "origam-build"
    (root / "chatAssets").mkdir(parents=True)
    (root / "index.html").write_bytes(
        b'<!doctype html><html><head><script type="module" src="/chatAssets/index-1.js"></script>'
        b'<link rel="stylesheet" href="/chatAssets/index-1.css"></head><body><div id="root"></div></body></html>'
    )
    settings.ORIGAM_CHAT_APP_DIR = str(root)
    return root


@pytest.mark.parametrize("logged_in", [False, True])
def test_origam_client_page_gets_the_strictest_policy(build, member, logged_in):
    client = Client()
    if logged_in:
        client.force_login(member)

    response = client.get("/chatrooms/")

    assert response.status_code == 200
    assert directives(response["Content-Security-Policy"]) == directives(ORIGAM_PAGE_POLICY)
    assert "camera=()" in response["Permissions-Policy"]
    page = InlineCode()
    page.feed(b"".join(response).decode())
    assert page.inline_scripts == [] and page.inline_styles == []  # the gate, when there, is external too


def test_avatars_keep_their_own_policy(client, member):
    response = Client().get(f"/chatrooms/Avatar/{member.pk}")

    assert response["Content-Security-Policy"] == "default-src 'none'; style-src 'unsafe-inline'"
    assert "camera=()" in response["Permissions-Policy"]


def test_the_standing_policy_follows_the_settings(client, settings, db):
    """The policy plain answers carry is built once per process, and again when the settings change."""
    assert directives(client.get("/accounts/login/")["Content-Security-Policy"]) == directives(SITE_POLICY)
    settings.CONTENT_SECURITY_POLICY = {"DIRECTIVES": {"default-src": ["'none'"]}}
    settings.CONTENT_SECURITY_POLICY_REPORT_ONLY = {"DIRECTIVES": {"img-src": ["'self'"]}}
    response = client.get("/accounts/login/")
    assert directives(response["Content-Security-Policy"]) == {"default-src": "'none'"}
    assert directives(response["Content-Security-Policy-Report-Only"])["img-src"] == "'self'"


def test_a_decorated_view_still_gets_its_own_policy(client, db):
    """ReDoc's page loosens the policy with django-csp's decorator: built for it, not the standing one."""
    policy = directives(client.get("/api/redoc/")["Content-Security-Policy"])
    assert "'unsafe-inline'" in policy["style-src"] and policy["worker-src"] == "blob:"
    assert directives(client.get("/accounts/login/")["Content-Security-Policy"]) == directives(SITE_POLICY)
