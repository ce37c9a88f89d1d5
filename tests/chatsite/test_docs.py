"""The API's docs pages (/api/docs/, /api/redoc/) and its schema (/api/schema/), as a browser and as tools get them."""

import json
import urllib.request

import pytest
from django.test import Client

from tests.chatsite.test_security_headers import (
    SITE_POLICY,
    assert_no_inline_code,
    assert_site_headers,
    directives,
    inspect_page,
)

BROWSER_ACCEPT = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"


def no_other_site(text: str) -> None:
    """The page names no other site to load from (a CDN, a font service): it works offline."""
    for marker in ("https://", "http://", "//cdn", "fonts.googleapis", "unpkg", "jsdelivr"):
        assert marker not in text, marker


def test_swagger_ui_page_is_served_offline_within_the_site_policy(db):
    response = Client().get("/api/docs/", HTTP_ACCEPT=BROWSER_ACCEPT)

    assert_site_headers(response)  # the site's policy as it is: no inline script or style allowed
    page = inspect_page(response)
    assert_no_inline_code(page)
    assert "/static/drf_spectacular_sidecar/swagger-ui-dist/swagger-ui-bundle.js" in page.loaded
    assert "/static/drf_spectacular_sidecar/swagger-ui-dist/swagger-ui.css" in page.loaded
    assert "/api/docs/?script=" in page.loaded
    no_other_site(response.content.decode())


def test_swagger_ui_start_up_script_is_a_script_of_this_server(db):
    response = Client().get("/api/docs/?script=")

    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/javascript")
    script = response.content.decode()
    assert 'url: "/api/schema/"' in script
    assert '"validatorUrl": null' in script  # no badge fetched from the public validator
    no_other_site(script)


def test_redoc_page_is_served_offline_and_may_only_add_inline_styles(db):
    response = Client().get("/api/redoc/", HTTP_ACCEPT=BROWSER_ACCEPT)

    # ReDoc draws its styles as <style> elements and searches in a blob: worker; scripts stay this server's files.
    expected = directives(SITE_POLICY) | {"style-src": "'self' 'unsafe-inline'", "worker-src": "blob:"}
    assert directives(response["Content-Security-Policy"]) == expected
    page = inspect_page(response)
    assert_no_inline_code(page)
    assert "/static/drf_spectacular_sidecar/redoc/bundles/redoc.standalone.js" in page.loaded
    assert 'spec-url="/api/schema/"' in response.content.decode()
    no_other_site(response.content.decode())


def test_only_the_redoc_page_loosens_the_style_policy(db):
    for url in ("/api/docs/", "/api/schema/", "/"):
        policy = directives(Client().get(url, HTTP_ACCEPT=BROWSER_ACCEPT)["Content-Security-Policy"])
        assert policy["style-src"] == "'self'", url
        assert policy["script-src"] == "'self'", url


@pytest.mark.parametrize(
    "asset",
    [
        "drf_spectacular_sidecar/swagger-ui-dist/swagger-ui-bundle.js",
        "drf_spectacular_sidecar/swagger-ui-dist/swagger-ui-standalone-preset.js",
        "drf_spectacular_sidecar/swagger-ui-dist/swagger-ui.css",
        "drf_spectacular_sidecar/redoc/bundles/redoc.standalone.js",
        "chat/docs.css",
    ],
)
def test_the_assets_are_served_by_this_server(live_server, asset):
    with urllib.request.urlopen(f"{live_server.url}/static/{asset}") as response:
        assert response.status == 200
        assert len(response.read()) > 100


def test_schema_opened_in_a_browser_is_shown_as_text(db):
    response = Client().get("/api/schema/", HTTP_ACCEPT=BROWSER_ACCEPT)

    assert response.status_code == 200
    assert response["Content-Type"] == "text/plain; charset=utf-8"
    assert response["Content-Disposition"].startswith("inline")
    assert response.content.startswith(b"openapi: 3.")


def test_schema_as_json_in_a_browser(db):
    response = Client().get("/api/schema/?format=json", HTTP_ACCEPT=BROWSER_ACCEPT)

    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    schema = json.loads(response.content)
    assert "/api/v1/chatrooms/" in schema["paths"]


@pytest.mark.parametrize(
    ("accept", "media_type"),
    [
        ("application/vnd.oai.openapi", "application/vnd.oai.openapi"),
        ("application/vnd.oai.openapi+json", "application/vnd.oai.openapi+json"),
        ("application/json", "application/json"),
        ("*/*", "application/vnd.oai.openapi"),
    ],
)
def test_schema_for_tools_keeps_its_media_types(db, accept, media_type):
    response = Client().get("/api/schema/", HTTP_ACCEPT=accept)

    assert response.status_code == 200
    assert response["Content-Type"].split(";")[0] == media_type


@pytest.mark.parametrize("logged_in", [False, True])
def test_front_page_links_the_docs(db, member, logged_in):
    client = Client()
    if logged_in:
        client.force_login(member)

    text = client.get("/").content.decode()

    for url in ('href="/api/docs/"', 'href="/api/redoc/"', 'href="/api/schema/"', 'href="/api/v1/"'):
        assert url in text


def test_browsable_pages_link_the_docs(member):
    client = Client()
    client.force_login(member)

    text = client.get("/api/v1/", HTTP_ACCEPT=BROWSER_ACCEPT).content.decode()

    assert '<li><a href="/api/docs/">Docs</a></li>' in text
