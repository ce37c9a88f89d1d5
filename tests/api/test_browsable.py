"""The browsable API of every way in (v1, Teahaz at /api/v0/, Origam): readable pages, and forms that work.

Each page is fetched as a logged-in browser would (the session, `Accept: text/html`); a form's JSON is then sent
as the page's script sends it (the session, JSON, the page's own Origin), and the stored rows are checked.
"""

import html
import json
import re

import pytest
from django.test import Client

from chat.models import Channel, Message

BROWSER_ACCEPT = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"
# What a page for developers must not show: module paths, framework defaults, DRF's class-derived names.
INTERNAL_NOTES = [
    re.compile(r"chat\.(services|selectors|api|access)\."),
    re.compile(r"DefaultRouter"),
    re.compile(r"\b(List|Instance)</h1>"),
    re.compile(r"Api Root"),
    re.compile(r"Django REST framework"),
]


@pytest.fixture
def browser(member) -> Client:
    client = Client()
    client.force_login(member)
    return client


def page(client: Client, url: str, status: int = 200) -> str:
    response = client.get(url, HTTP_ACCEPT=BROWSER_ACCEPT)
    assert response.status_code == status, response.content[:300]
    assert response["Content-Type"] == "text/html; charset=utf-8"
    return response.content.decode()


def title(text: str) -> str:
    found = re.search(r"<title>(.*?)</title>", text, re.S)
    assert found is not None
    return html.unescape(found.group(1).strip())


def breadcrumbs(text: str) -> list[str]:
    found = re.search(r'<ul class="breadcrumb">(.*?)</ul>', text, re.S)
    assert found is not None
    items = re.findall(r"<li.*?</li>", found.group(1), re.S)
    return [html.unescape(re.sub(r"<[^>]+>", "", item)).strip() for item in items]


def answer(text: str) -> str:
    """The response the page shows, as text: its status line and headers, then the body."""
    found = re.search(r'<div class="response-info"[^>]*>\s*<pre class="prettyprint">(.*?)</pre>', text, re.S)
    assert found is not None
    return html.unescape(re.sub(r"<[^>]+>", "", found.group(1)))


def shown_body(text: str) -> object:
    """The JSON body the page shows, parsed."""
    return json.loads(answer(text).split("\n\n", 1)[1])


def form_body(text: str, method: str = "POST") -> dict:
    """The JSON a write's form starts with (DRF's raw-data form for the method), parsed."""
    forms = dict(re.findall(r'<div\s+id="(\w+)-generic-content-form">(.*?)</form>', text, re.S))
    form = forms.get(method.lower() if method == "POST" else "put")
    assert form is not None, f"no {method} form on the page"
    content = re.search(r'<textarea name="_content"[^>]*>(.*?)</textarea>', form, re.S)
    assert content is not None
    return json.loads(html.unescape(content.group(1)))


def assert_site_page(text: str, *, name: str, crumbs: list[str]) -> None:
    assert title(text) == f"{name} \N{EN DASH} chatsite API"
    assert re.search(r'<a class="navbar-brand" href="/">chatsite</a>', text)
    assert f"<h1>{html.escape(name)}</h1>" in text
    assert breadcrumbs(text) == crumbs
    for note in INTERNAL_NOTES:
        assert not note.search(text), note.pattern


def send_as_the_page(client: Client, url: str, body: dict, method: str = "post"):
    """What DRF's page script sends for a raw-data form: the JSON as typed, with the page's own Origin."""
    return getattr(client, method)(
        url, json.dumps(body), content_type="application/json", HTTP_ORIGIN="http://testserver"
    )


# Pages: titles, breadcrumbs, descriptions, indented JSON.


def test_v1_pages_name_their_resource(browser, chatroom):
    root = page(browser, "/api/v1/")
    assert_site_page(root, name="chatsite API v1", crumbs=["chatsite API v1"])
    assert "follow a link to a resource" in root

    listing = page(browser, "/api/v1/chatrooms/")
    assert_site_page(listing, name="Chatrooms", crumbs=["chatsite API v1", "Chatrooms"])
    assert "You create one as its owner" in listing

    item = page(browser, f"/api/v1/chatrooms/{chatroom.pk}/")
    assert_site_page(item, name="Chatroom", crumbs=["chatsite API v1", "Chatrooms", "Chatroom"])
    assert_site_page(page(browser, "/api/v1/me/"), name="Me", crumbs=["chatsite API v1", "Me"])


def test_json_on_the_page_is_indented_while_json_clients_get_it_compact(browser, chatroom):
    text = page(browser, "/api/v1/chatrooms/")
    body = answer(text).split("\n\n", 1)[1]
    assert body.startswith("[\n  {\n    ")
    assert f'    "id": "{chatroom.pk}",\n' in body
    assert json.loads(body)[0]["name"] == chatroom.name

    compact = browser.get("/api/v1/chatrooms/", HTTP_ACCEPT="application/json")
    assert compact["Content-Type"] == "application/json"
    assert b"\n" not in compact.content and b": " not in compact.content
    assert json.loads(compact.content) == json.loads(body)


def test_teahaz_pages_at_api_v0(browser, member, chatroom):
    root = page(browser, "/api/v0/")
    assert_site_page(root, name="Teahaz API (v0)", crumbs=["Teahaz API (v0)"])
    assert "?userID=" in root  # how to give a Teahaz GET parameter from the address bar

    text = page(browser, f"/api/v0/messages/{chatroom.pk}?userID={member.pk}&get-method=count")
    assert_site_page(text, name="Messages", crumbs=["Teahaz API (v0)", "Messages"])
    assert [message["data"] for message in shown_body(text)] == ["Welcome owner!"]
    assert "\n  {\n    " in answer(text)


def test_origam_pages_under_one_root_crumb(browser, chatroom):
    root = page(browser, "/chatrooms/Chat/")
    assert_site_page(root, name="Origam chat API: your chatrooms", crumbs=["Origam chat API: your chatrooms"])

    text = page(browser, f"/chatrooms/Chat/chatrooms/{chatroom.pk}/polledData")
    assert_site_page(text, name="Polled data", crumbs=["Origam chat API: your chatrooms", "Polled data"])
    assert "what a client polls every few seconds" in text
    assert shown_body(text)["localUser"]["name"] == "member"


# Forms: one for every write, filled with the body it takes; sent as the page sends it, it works.


def test_v1_message_form_sends_a_message(browser, member, chatroom):
    url = f"/api/v1/messages/?chatroom={chatroom.pk}"
    body = form_body(page(browser, url))
    # The list's `chatroom` filter is where the form sends.
    assert body == {"chatroom": str(chatroom.pk), "format": "plain", "body": "", "reply_to": None, "mentions": []}

    body.update(body="typed into the browsable page")
    response = send_as_the_page(browser, url, body)

    assert response.status_code == 201, response.content
    assert Message.objects.filter(chatroom=chatroom, author=member, text="typed into the browsable page").exists()


def test_v1_item_page_has_the_edit_form(browser, chatroom):
    body = form_body(page(browser, f"/api/v1/chatrooms/{chatroom.pk}/"), "PATCH")
    assert body == {"name": chatroom.name}


def test_teahaz_message_form_names_the_caller_and_sends(browser, member, chatroom):
    url = f"/api/v0/messages/{chatroom.pk}"
    body = form_body(page(browser, f"{url}?userID={member.pk}&get-method=count"))
    assert body["userID"] == str(member.pk)
    assert {"channelID", "data", "messageID", "replyID"} <= set(body)

    channel = Channel.objects.get(chatroom=chatroom, is_default=True)
    body.update(data="typed into the Teahaz page", channelID=str(channel.pk))
    response = send_as_the_page(browser, url, body)

    assert response.status_code == 200, response.content
    assert Message.objects.filter(chatroom=chatroom, author=member, text="typed into the Teahaz page").exists()


def test_teahaz_post_only_endpoint_shows_its_form_to_a_browser(db):
    anonymous = Client()
    text = page(anonymous, "/api/v0/chatroom/", status=405)
    assert_site_page(text, name="Chatroom", crumbs=["Teahaz API (v0)", "Chatroom"])
    assert set(form_body(text)) >= {"username", "password", "chatroom_name"}

    # A client that asks for JSON still gets the protocol's JSON 405.
    response = anonymous.get("/api/v0/chatroom/")
    assert response.status_code == 405
    assert response.json()["code"] == "method_not_allowed"


def test_teahaz_channel_form_for_a_chatroom_admin(owner, chatroom):
    client = Client()
    client.force_login(owner)
    url = f"/api/v0/channels/{chatroom.pk}"
    body = form_body(page(client, f"{url}?userID={owner.pk}"))
    assert body["userID"] == str(owner.pk)

    body.update(channel_name="from-the-page", public=True)
    response = send_as_the_page(client, url, body)

    assert response.status_code == 200, response.content
    assert Channel.objects.filter(chatroom=chatroom, name="from-the-page", public=True).exists()


def test_origam_message_form_sends_a_message(browser, member, chatroom):
    url = f"/chatrooms/Chat/chatrooms/{chatroom.pk}/messages"
    body = form_body(page(browser, url))
    assert set(body) >= {"text", "mentions"}

    body.update(text="<p>typed into the Origam page</p>")
    response = send_as_the_page(browser, url, body)

    assert response.status_code in (200, 201), response.content
    assert Message.objects.filter(chatroom=chatroom, author=member, text="typed into the Origam page").exists()


def test_origam_create_form_on_its_405_page(browser):
    text = page(browser, "/chatrooms/Chat/chatrooms/create", status=405)
    assert_site_page(text, name="Create chatroom", crumbs=["Origam chat API: your chatrooms", "Create chatroom"])
    assert "topic" in form_body(text)


def test_token_page_has_the_log_in_form(db):
    text = page(Client(), "/api/auth/token", status=405)
    assert form_body(text) == {"username": "", "password": ""}


def test_no_form_for_a_write_the_caller_may_not_make(browser, chatroom):
    # A member may not list or create invites: the page answers 403 and offers no form.
    text = page(browser, f"/api/v1/invites/?chatroom={chatroom.pk}", status=403)
    assert "generic-content-form" not in text


def _api_views() -> list[tuple[str, type, dict]]:
    """(route, view class, initkwargs) of every DRF view the URL map serves."""
    from django.urls import URLPattern, URLResolver, get_resolver
    from rest_framework.views import APIView

    found = []

    def walk(patterns: list, prefix: str) -> None:
        for pattern in patterns:
            if isinstance(pattern, URLResolver):
                walk(pattern.url_patterns, prefix + str(pattern.pattern))
            elif isinstance(pattern, URLPattern):
                view_class = getattr(pattern.callback, "cls", None)
                if view_class is not None and issubclass(view_class, APIView):
                    found.append(
                        (prefix + str(pattern.pattern), view_class, getattr(pattern.callback, "initkwargs", {}))
                    )

    walk(get_resolver().url_patterns, "/")
    return found


@pytest.mark.parametrize(("route", "view_class", "initkwargs"), _api_views(), ids=lambda value: str(value)[:60])
def test_every_page_name_and_description_is_written_for_its_users(route, view_class, initkwargs):
    view = view_class(**initkwargs)
    name = view.get_view_name()
    assert name and not name.endswith((" List", " Instance")) and name != "Api Root", (route, name)
    description = view.get_view_description()
    assert description.strip(), route
    for note in INTERNAL_NOTES:
        assert not note.search(description), (route, note.pattern, description)


def test_teahaz_log_in_form_names_the_logged_in_user(member, chatroom):
    member.set_password("a long password for the page")
    member.save()
    browser = Client()
    browser.force_login(member)
    url = f"/api/v0/login/{chatroom.pk}"
    body = form_body(page(browser, url, status=401))
    assert body == {"userID": str(member.pk), "password": ""}

    body.update(password="a long password for the page")
    response = send_as_the_page(Client(), url, body)

    assert response.status_code == 200, response.content
    assert response.cookies[str(chatroom.pk)].value


def test_teahaz_chatroom_form_is_a_new_account_and_names_nobody(browser):
    body = form_body(page(browser, "/api/v0/chatroom/", status=405))
    assert "userID" not in body
