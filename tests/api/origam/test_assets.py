"""The Origam client build (ORIGAM_CHAT_APP_DIR): its page, its assets and its other files, and nothing else."""

import json
import re
import shutil
import subprocess
import uuid
from pathlib import Path

import pytest
from django.contrib.staticfiles import finders
from django.test import Client
from django.urls import Resolver404, resolve

from chat.models import Message
from chat.web import client_build
from tests.api.origam.helpers import API, room_url
from tests.conftest import PASSWORD

PAGE = b'<!doctype html><html><head><script type="module" src="/chatAssets/index-4f2a9c.js"></script></head></html>'
SCRIPT = b"console.log('origam chat');"
STYLE = b"body{margin:0}"
LOCALE = '{"send": "Senden", "topic": "Thema ä"}'.encode()
SECRET = b"the server's secrets"


@pytest.fixture
def build(settings, tmp_path) -> Path:
    """A client build like Vite's, a secret beside it, and links that try to reach the secret."""
    root = tmp_path / "origam-build"
    (root / "chatAssets").mkdir(parents=True)
    (root / "locale" / "de").mkdir(parents=True)
    (root / "index.html").write_bytes(PAGE)
    (root / "chatAssets" / "index-4f2a9c.js").write_bytes(SCRIPT)
    (root / "chatAssets" / "index-77ab01.css").write_bytes(STYLE)
    (root / "locale" / "de" / "translation.json").write_bytes(LOCALE)
    (root / ".env").write_bytes(SECRET)
    (tmp_path / "secret.txt").write_bytes(SECRET)
    (root / "chatAssets" / "leak.js").symlink_to(tmp_path / "secret.txt")
    (root / "locale" / "outside").symlink_to(tmp_path, target_is_directory=True)
    (root / "chatAssets" / "loop.js").symlink_to(root / "chatAssets" / "loop.js")
    # Files named like API and avatar paths: the catch-all must never serve them in their place.
    (root / "Chat").mkdir()
    (root / "Chat" / "localUser").write_bytes(SECRET)
    (root / "Avatar").mkdir()
    settings.ORIGAM_CHAT_APP_DIR = str(root)
    return root


@pytest.fixture
def browser(make_user) -> Client:
    """A browser with a logged-in session (the Origam page rides on its cookie)."""
    client = Client()
    client.force_login(make_user("reader"))
    return client


def streamed(response) -> bytes:
    return b"".join(response.streaming_content)


def assert_json_404(response) -> None:
    assert response.status_code == 404
    assert response["Content-Type"] == "application/json"
    assert response.json() == {"detail": "Not found.", "code": "not_found"}


# The page.


@pytest.mark.parametrize("url", ["/chatrooms/", "/chatrooms/index.html"])
def test_page_for_a_logged_in_browser_is_never_cached(browser, build, url):
    response = browser.get(url)

    assert response.status_code == 200
    assert response["Content-Type"] == "text/html; charset=utf-8"
    assert response["Cache-Control"] == "no-store"
    assert streamed(response) == PAGE


def test_slashless_chatrooms_goes_to_the_page(browser, build):
    response = browser.get("/chatrooms")

    assert response.status_code == 302
    assert response["Location"] == "/chatrooms/"


GATE_TAG = re.compile(r'<script src="([^"]+)" data-login-url="([^"]+)"></script>')
# Runs the gate script as a browser would, with a page URL and (or not) a token in sessionStorage, and tells
# where it sent the browser (null: nowhere, the client loads).
GATE_HARNESS = """
const [source, href, loginUrl, storage] = process.argv.slice(1);
const url = new URL(href);
let replacedWith = null;
globalThis.window = {
  sessionStorage: {
    getItem(key) {
      if (storage === "disabled") throw new Error("SecurityError: storage is disabled");
      return key === "origamAuthToken" && storage !== "" ? storage : null;
    },
  },
  location: {pathname: url.pathname, search: url.search, hash: url.hash, replace(to) { replacedWith = to; }},
};
globalThis.document = {currentScript: {getAttribute: (name) => (name === "data-login-url" ? loginUrl : null)}};
new Function(source)();
process.stdout.write(JSON.stringify(replacedWith));
"""
needs_node = pytest.mark.skipif(shutil.which("node") is None, reason="needs node to run the gate script")


def gate_of(page: bytes) -> tuple[str, str]:
    """The gate script's URL and log-in URL, from the page a visitor without a session got."""
    match = GATE_TAG.search(page.decode())
    assert match is not None, page
    return match.group(1), match.group(2)


def run_gate(page: bytes, href: str, *, token: str) -> str | None:
    """Where the page's gate sends a browser at this URL: a path, or None when it lets the client load."""
    script_url, login_url = gate_of(page)
    assert script_url.startswith("/static/")
    found = finders.find(script_url.removeprefix("/static/"))
    assert isinstance(found, str)
    source = Path(found).read_text()
    done = subprocess.run(
        ["node", "-e", GATE_HARNESS, source, href, login_url, token], capture_output=True, check=True, text=True
    )
    return json.loads(done.stdout)


@pytest.mark.parametrize("url", ["/chatrooms/", "/chatrooms/index.html?lang=de"])
def test_visitor_without_a_session_gets_the_page_with_the_gate_first(db, build, url):
    response = Client().get(url)

    assert response.status_code == 200
    assert response["Content-Type"] == "text/html; charset=utf-8"
    assert response["Cache-Control"] == "no-store"
    assert response["X-Content-Type-Options"] == "nosniff"
    gate = '<script src="/static/chat/origam-gate.js" data-login-url="/accounts/login/"></script>'
    # A classic script ahead of the client's module script, so it decides before the client starts.
    assert response.content == PAGE.replace(b"<head>", b"<head>" + gate.encode())
    assert finders.find("chat/origam-gate.js") is not None


def test_a_page_without_a_head_still_gets_the_gate_first(db, build):
    (build / "index.html").write_bytes(b"<!doctype html><title>chat</title><script type=module src=x.js></script>")

    response = Client().get("/chatrooms/")

    assert response.content.startswith(b'<script src="/static/chat/origam-gate.js"')
    assert response.content.endswith(b"<title>chat</title><script type=module src=x.js></script>")


@needs_node
def test_page_opened_with_a_token_and_no_session_loads_and_chats(build, bearer, member, chatroom):
    page = Client().get("/chatrooms/index.html")
    assert page.status_code == 200
    assert "sessionid" not in page.cookies

    assert (
        run_gate(
            page.content,
            f"http://testserver/chatrooms/index.html#/chatroom?chatroomId={chatroom.pk}",
            token="the-token",
        )
        is None
    )

    # The client then sends the token it read as a bearer header, as the Origam client does.
    client = bearer(member)
    assert client.get(f"{API}localUser").json()["id"] == str(member.pk)
    sent = client.post(room_url(chatroom, "messages"), {"text": "<p>hello from a token</p>"}, format="json")
    assert sent.status_code == 200, sent.content
    assert Message.objects.get(pk=sent.json()["id"]).author == member


@needs_node
@pytest.mark.parametrize("storage", ["", "disabled"])
def test_visitor_with_neither_logs_in_and_comes_back_fragment_included(make_user, build, storage):
    make_user("visitor")
    client = Client(enforce_csrf_checks=True)
    back = "/chatrooms/index.html?lang=de#/chatroom?chatroomId=3f2c"
    page = client.get("/chatrooms/index.html?lang=de")

    sent_to = run_gate(page.content, f"http://testserver{back}", token=storage)

    assert sent_to == "/accounts/login/?next=%2Fchatrooms%2Findex.html%3Flang%3Dde%23%2Fchatroom%3FchatroomId%3D3f2c"
    login_page = client.get(sent_to)
    assert login_page.status_code == 200
    next_field = re.search(r'name="next" value="([^"]*)"', login_page.content.decode()).group(1)
    assert next_field == back
    logged_in = client.post(
        "/accounts/login/",
        {
            "username": "visitor",
            "password": PASSWORD,
            "next": next_field,
            "csrfmiddlewaretoken": client.cookies["csrftoken"].value,
        },
    )
    assert logged_in.status_code == 302
    assert logged_in["Location"] == back
    again = client.get("/chatrooms/index.html?lang=de")
    assert again.status_code == 200
    assert streamed(again) == PAGE  # with a session, the page as built: no gate
    assert again["Cache-Control"] == "no-store"


def test_page_refuses_writes(browser, build):
    response = browser.post("/chatrooms/", {})

    assert response.status_code == 405
    assert response.json()["code"] == "method_not_allowed"


# Assets and other files.


@pytest.mark.parametrize(
    ("url", "content_type", "content"),
    [
        ("/chatAssets/index-4f2a9c.js", "text/javascript; charset=utf-8", SCRIPT),
        ("/chatAssets/index-77ab01.css", "text/css; charset=utf-8", STYLE),
    ],
)
def test_assets_are_served_with_their_type_and_cached_for_long(db, build, url, content_type, content):
    response = Client().get(url)

    assert response.status_code == 200
    assert response["Content-Type"] == content_type
    assert streamed(response) == content
    assert response["Cache-Control"].startswith("public, max-age=")
    assert int(re.search(r"max-age=(\d+)", response["Cache-Control"]).group(1)) >= 86400
    assert response["X-Content-Type-Options"] == "nosniff"


def test_other_files_of_the_build_are_served_and_revalidated(db, build):
    client = Client()

    response = client.get("/chatrooms/locale/de/translation.json")

    assert response.status_code == 200
    assert response["Content-Type"] == "application/json; charset=utf-8"
    assert streamed(response) == LOCALE
    assert "no-cache" in response["Cache-Control"]
    again = client.get("/chatrooms/locale/de/translation.json", HTTP_IF_NONE_MATCH=response["ETag"])
    assert again.status_code == 304
    assert again.content == b""
    by_date = client.get("/chatrooms/locale/de/translation.json", HTTP_IF_MODIFIED_SINCE=response["Last-Modified"])
    assert by_date.status_code == 304

    (build / "locale" / "de" / "translation.json").write_bytes(LOCALE + b"\n")
    changed = client.get("/chatrooms/locale/de/translation.json", HTTP_IF_NONE_MATCH=response["ETag"])
    assert changed.status_code == 200
    assert streamed(changed) == LOCALE + b"\n"


def test_assets_answer_head(db, build):
    response = Client().head("/chatAssets/index-4f2a9c.js")

    assert response.status_code == 200
    assert response["Content-Type"] == "text/javascript; charset=utf-8"


def test_a_missing_asset_is_a_json_404(db, build):
    assert_json_404(Client().get("/chatAssets/index-000000.js"))


@pytest.mark.parametrize(
    "url",
    [
        "/chatAssets/../../secret.txt",
        "/chatAssets/%2e%2e/%2e%2e/secret.txt",
        "/chatAssets/%2E%2E/%2E%2E/secret.txt",
        "/chatAssets/..%2f..%2fsecret.txt",
        "/chatAssets/..%5c..%5csecret.txt",
        "/chatrooms/../secret.txt",
        "/chatrooms/%2e%2e/secret.txt",
        "/chatrooms/locale/%2e%2e/%2e%2e/secret.txt",
        "/chatrooms/./locale/de/translation.json",
        "/chatAssets//etc/passwd",
        "/chatAssets/%2fetc%2fpasswd",
        "/chatrooms//etc/passwd",
        "/chatAssets/leak.js",  # a symlink to a file outside the build
        "/chatrooms/locale/outside/secret.txt",  # through a symlink to a folder outside it
        "/chatAssets/loop.js",  # a symlink to itself
        "/chatrooms/.env",  # hidden files are never served
        "/chatrooms/locale",  # a folder
        "/chatrooms/locale/de/",
        "/chatAssets/%00.js",
    ],
)
def test_nothing_outside_the_build_is_ever_served(browser, build, url):
    response = browser.get(url)

    assert_json_404(response)
    assert SECRET not in response.content


def test_absolute_path_to_a_file_that_exists_is_refused(browser, build, tmp_path):
    response = browser.get(f"/chatrooms/{tmp_path / 'secret.txt'}")

    assert_json_404(response)


# API and avatar paths are never taken by the build's catch-all.


@pytest.mark.parametrize(
    "url",
    [
        "/chatrooms/Chat/localUser",
        "/chatrooms/Chat/",
        "/chatrooms/Chat/no-such-endpoint",
        "/chatrooms/Chat",
        "/chatrooms/Avatar/not-a-uuid",
        "/chatrooms/Avatar/a/b",
        "/chatrooms/Avatar",
    ],
)
def test_api_and_avatar_paths_are_never_build_files(browser, build, url):
    try:
        answered_by = resolve(url).func
    except Resolver404:
        answered_by = None  # nobody answers the path: the 404 handler does, which is just as good
    assert answered_by is not client_build.app_file

    response = browser.get(url)

    assert not getattr(response, "streaming", False)
    assert SECRET not in response.content


def test_avatar_path_answers_an_avatar_even_when_the_build_has_a_file_of_that_name(browser, build, make_user):
    user = make_user(display_name="Build Shadow")
    (build / "Avatar" / str(user.pk)).write_bytes(SECRET)

    response = browser.get(f"/chatrooms/Avatar/{user.pk}")

    assert response.status_code == 200
    assert response["Content-Type"] == "image/svg+xml"
    assert SECRET not in response.content


def test_unknown_avatar_is_a_404_even_when_the_build_has_a_file_of_that_name(browser, build):
    missing = uuid.uuid4()
    (build / "Avatar" / str(missing)).write_bytes(SECRET)

    assert_json_404(browser.get(f"/chatrooms/Avatar/{missing}"))


# No build configured.


@pytest.mark.parametrize(
    "url",
    [
        "/chatrooms",
        "/chatrooms/",
        "/chatrooms/index.html",
        "/chatAssets/index-4f2a9c.js",
        "/chatrooms/locale/de/translation.json",
    ],
)
@pytest.mark.parametrize("setting", ["", "missing"])
def test_without_a_build_every_path_is_a_json_404(browser, build, settings, tmp_path, url, setting):
    settings.ORIGAM_CHAT_APP_DIR = str(tmp_path / "no-such-folder") if setting == "missing" else ""

    assert_json_404(browser.get(url))
    assert_json_404(Client().get(url))  # not a redirect to log in to a page that is not there


def test_without_a_build_avatars_still_work(browser, settings, make_user):
    settings.ORIGAM_CHAT_APP_DIR = ""
    user = make_user(display_name="No Build")

    response = browser.get(f"/chatrooms/Avatar/{user.pk}")

    assert response.status_code == 200
    assert response["Content-Type"] == "image/svg+xml"


def test_a_build_without_its_page_still_serves_its_assets_but_no_page(browser, build):
    (build / "index.html").unlink()

    assert_json_404(browser.get("/chatrooms/"))
    assert browser.get("/chatAssets/index-77ab01.css").status_code == 200
