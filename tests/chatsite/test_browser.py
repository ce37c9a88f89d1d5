"""A real browser (headless Chromium) against a live server: the Origam page's gate, and no CSP violation."""

import re
import shutil
import subprocess
from html import unescape
from pathlib import Path

import pytest

from chat.models import Message
from chat.services.tokens import token_issue

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
pytestmark = pytest.mark.skipif(CHROMIUM is None, reason="needs Chromium for the real-browser checks")
CSP_VIOLATION = "Content Security Policy"

# A stand-in for the Origam client build: a module script that, like the real client, reads the token from
# sessionStorage, sends it as a bearer header, and posts a message to the chatroom named in the fragment.
CLIENT_PAGE = (
    '<!doctype html><html><head><script type="module" src="/chatAssets/app-1.js"></script>'
    '<link rel="stylesheet" href="/chatAssets/app-1.css"></head><body><p id="state">loading</p></body></html>'
)
CLIENT_SCRIPT = """
const state = document.getElementById("state");
const token = sessionStorage.getItem("origamAuthToken");
const headers = {"Content-Type": "application/json", ...(token ? {Authorization: `Bearer ${token}`} : {})};
const chatroomId = new URLSearchParams(location.hash.split("?")[1]).get("chatroomId");
const me = await fetch("/chatrooms/Chat/localUser", {headers});
if (!me.ok) {
  state.textContent = `localUser answered ${me.status}`;
} else {
  const sent = await fetch(`/chatrooms/Chat/chatrooms/${chatroomId}/messages`, {
    method: "POST", headers, body: JSON.stringify({text: "<p>sent from a real browser</p>"}),
  });
  state.textContent = sent.ok ? `sent as ${(await me.json()).name}` : `messages answered ${sent.status}`;
}
"""
# What the Origam main client does before opening the page: a token into this tab's sessionStorage.
OPENER_PAGE = '<!doctype html><html><head><script src="/chatrooms/opener.js"></script></head></html>'
OPENER_SCRIPT = """
const [token, chatroomId] = location.hash.slice(1).split(",");
sessionStorage.setItem("origamAuthToken", token);
location.replace(`/chatrooms/index.html#/chatroom?chatroomId=${chatroomId}`);
"""


@pytest.fixture
def build(settings, tmp_path) -> Path:
    root = tmp_path / "origam-build"
    (root / "chatAssets").mkdir(parents=True)
    (root / "index.html").write_text(CLIENT_PAGE)
    (root / "chatAssets" / "app-1.js").write_text(CLIENT_SCRIPT)
    (root / "chatAssets" / "app-1.css").write_text("#state { font-weight: bold; }")
    (root / "opener.html").write_text(OPENER_PAGE)
    (root / "opener.js").write_text(OPENER_SCRIPT)
    settings.ORIGAM_CHAT_APP_DIR = str(root)
    return root


def browse(url: str, tmp_path: Path) -> tuple[str, str]:
    """The DOM Chromium ends with after loading the URL and running its scripts, and the browser's log."""
    assert CHROMIUM is not None
    done = subprocess.run(
        [
            CHROMIUM,
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            f"--user-data-dir={tmp_path / 'chromium-profile'}",
            "--enable-logging=stderr",
            "--v=0",
            "--virtual-time-budget=15000",
            "--dump-dom",
            url,
        ],
        capture_output=True,
        text=True,
        timeout=120,
    )
    return done.stdout, done.stderr


def test_page_opened_with_a_token_and_no_session_chats(live_server, build, member, chatroom, tmp_path):
    raw, _token = token_issue(user=member, name="origam main client")

    dom, log = browse(f"{live_server.url}/chatrooms/opener.html#{raw},{chatroom.pk}", tmp_path)

    assert '<p id="state">sent as member</p>' in dom, (dom, log)
    assert Message.objects.filter(chatroom=chatroom, author=member, body__contains="sent from a real browser")
    assert CSP_VIOLATION not in log


def test_visitor_with_neither_ends_at_log_in_with_the_fragment_kept(live_server, build, tmp_path):
    dom, log = browse(f"{live_server.url}/chatrooms/index.html#/chatroom?chatroomId=3f2c", tmp_path)

    assert "Log in to chatsite" in dom, (dom, log)
    next_field = re.search(r'name="next" value="([^"]*)"', dom)
    assert next_field is not None
    assert unescape(next_field.group(1)) == "/chatrooms/index.html#/chatroom?chatroomId=3f2c"
    assert "loading" not in dom  # the client never started
    assert CSP_VIOLATION not in log


@pytest.mark.parametrize(
    "path",
    [
        "/",
        "/accounts/login/",
        "/admin/login/",
        "/api-auth/login/",
        "/chatrooms/Chat/",
        "/api/v1/",
        "/api/v0/",
        "/api/docs/",
    ],
)
def test_pages_load_without_a_csp_violation(live_server, path, tmp_path):
    dom, log = browse(f"{live_server.url}{path}", tmp_path)

    assert "<body" in dom, log
    assert CSP_VIOLATION not in log, log


def test_swagger_ui_renders_every_api_without_a_csp_violation(live_server, tmp_path):
    dom, log = browse(f"{live_server.url}/api/docs/", tmp_path)

    # Swagger UI fetched the schema from this server and drew an operation block for each path.
    assert 'class="swagger-ui' in dom, log
    operations = re.findall(r'class="opblock opblock-(get|post|put|patch|delete)', dom)
    assert len(operations) > 40, (len(operations), log)
    for path in ("/api/v1/chatrooms/", "/api/v0/messages/{chatroom_id}/", "/chatrooms/Chat/localUser"):
        assert f'data-path="{path}"' in dom, path
    assert CSP_VIOLATION not in log, log


def test_redoc_renders_the_schema_and_loads_nothing_from_another_site(live_server, tmp_path):
    dom, log = browse(f"{live_server.url}/api/redoc/", tmp_path)

    assert "chatsite API" in dom, log
    assert "/api/v1/chatrooms/" in dom, log
    # ReDoc's bundle always asks for its maker's logo from their CDN: the policy keeps the page offline by
    # refusing it (ReDoc then leaves the image out). Nothing else of the page is refused.
    refused = [line for line in log.splitlines() if CSP_VIOLATION in line]
    assert all("https://cdn.redoc.ly/redoc/logo-mini.svg" in line for line in refused), refused
