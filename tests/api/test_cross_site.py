"""The cross-site rule for cookie-authenticated writes, on a tiny view with the default authentication."""

import pytest
from django.urls import path
from rest_framework.response import Response
from rest_framework.test import APIClient
from rest_framework.views import APIView

from chat.services.tokens import token_issue


class EchoView(APIView):
    """Answers who called, for any method; reads no body, so only the authentication decides."""

    def get(self, request):
        return Response({"user": request.user.username})

    post = put = patch = delete = get


urlpatterns = [path("echo", EchoView.as_view())]

pytestmark = [pytest.mark.django_db, pytest.mark.urls(__name__)]

OWN = "http://testserver"
FOREIGN = "https://evil.example"


@pytest.fixture
def browser(member) -> APIClient:
    """A browser logged in with the session cookie."""
    client = APIClient()
    client.force_login(member)
    return client


def write(
    client: APIClient, *, method: str = "post", content_type: str = "application/json", body: str = "{}", **headers
):
    return client.generic(method.upper(), "/echo", body, content_type=content_type, **headers)


def assert_refused(response, status: int, code: str) -> None:
    assert response.status_code == status, response.content
    assert response.json()["code"] == code and response.json()["detail"]


@pytest.mark.parametrize("method", ["post", "put", "patch", "delete"])
def test_foreign_origin_is_refused(browser, method):
    assert_refused(write(browser, method=method, HTTP_ORIGIN=FOREIGN), 403, "cross_site_refused")


def test_opaque_null_origin_is_refused(browser):
    assert_refused(write(browser, HTTP_ORIGIN="null"), 403, "cross_site_refused")


def test_same_origin_json_passes(browser):
    response = write(browser, HTTP_ORIGIN=OWN)
    assert response.status_code == 200 and response.json() == {"user": "member"}
    assert write(browser, content_type="application/json; charset=utf-8", HTTP_ORIGIN=OWN).status_code == 200


@pytest.mark.parametrize(
    ("content_type", "body"),
    [
        ("application/x-www-form-urlencoded", "text=hello"),
        ("multipart/form-data; boundary=xyz", "--xyz--"),
        ("text/plain", '{"text": "hello"}'),
    ],
)
def test_a_body_that_a_cross_site_form_can_send_is_refused(browser, content_type, body):
    # Refused whatever the Origin says: a form needs no CORS preflight, JSON does.
    for headers in ({"HTTP_ORIGIN": OWN}, {}):
        assert_refused(write(browser, content_type=content_type, body=body, **headers), 415, "unsupported_media_type")


def test_neither_origin_nor_referer_passes(browser):
    assert write(browser).status_code == 200


def test_referer_stands_in_for_a_missing_origin(browser):
    assert_refused(write(browser, HTTP_REFERER=f"{FOREIGN}/page"), 403, "cross_site_refused")
    assert_refused(write(browser, HTTP_REFERER="not a url"), 403, "cross_site_refused")
    assert write(browser, HTTP_REFERER=f"{OWN}/chatrooms/Chat/").status_code == 200


def test_origin_wins_over_referer(browser):
    assert_refused(write(browser, HTTP_ORIGIN=FOREIGN, HTTP_REFERER=f"{OWN}/"), 403, "cross_site_refused")


def test_trusted_origins_pass(browser, settings):
    settings.CSRF_TRUSTED_ORIGINS = ["https://app.example", "https://chat.example/"]
    assert write(browser, HTTP_ORIGIN="https://app.example").status_code == 200
    assert write(browser, HTTP_ORIGIN="https://chat.example").status_code == 200
    assert write(browser, HTTP_ORIGIN="HTTPS://APP.EXAMPLE").status_code == 200
    assert_refused(write(browser, HTTP_ORIGIN="https://app.example.evil"), 403, "cross_site_refused")
    assert_refused(write(browser, HTTP_ORIGIN="http://app.example"), 403, "cross_site_refused")


def test_trusted_origins_with_a_subdomain_wildcard_read_as_django_reads_them(browser, settings):
    settings.CSRF_TRUSTED_ORIGINS = ["https://*.example.org"]
    assert write(browser, HTTP_ORIGIN="https://chat.example.org").status_code == 200
    assert write(browser, HTTP_ORIGIN="https://a.b.example.org").status_code == 200
    assert_refused(write(browser, HTTP_ORIGIN="http://chat.example.org"), 403, "cross_site_refused")
    assert_refused(write(browser, HTTP_ORIGIN="https://evilexample.org"), 403, "cross_site_refused")
    assert_refused(write(browser, HTTP_ORIGIN="https://example.org.evil"), 403, "cross_site_refused")


def test_bearer_token_is_not_subject_to_the_rule(member):
    raw, _ = token_issue(user=member)
    client = APIClient()
    response = write(
        client,
        content_type="application/x-www-form-urlencoded",
        body="text=hello",
        HTTP_ORIGIN=FOREIGN,
        HTTP_AUTHORIZATION=f"Bearer {raw}",
    )
    assert response.status_code == 200 and response.json() == {"user": "member"}


def test_bearer_wins_over_a_session_cookie(browser, member):
    raw, _ = token_issue(user=member)
    response = write(browser, HTTP_ORIGIN=FOREIGN, HTTP_AUTHORIZATION=f"Bearer {raw}")
    assert response.status_code == 200


def test_reads_are_never_subject(browser):
    for method in ("get", "head", "options"):
        response = getattr(browser, method)("/echo", HTTP_ORIGIN=FOREIGN, content_type="text/plain")
        assert response.status_code == 200, method


def test_anonymous_write_is_unauthenticated_not_cross_site(api_client):
    response = write(api_client, HTTP_ORIGIN=FOREIGN)
    assert_refused(response, 401, "not_authenticated")


def test_a_malformed_content_length_is_not_a_server_error(browser):
    response = write(browser, method="delete", body="", content_type="", CONTENT_LENGTH="abc", HTTP_ORIGIN=OWN)
    assert_refused(response, 415, "unsupported_media_type")


def test_a_bodyless_write_needs_no_json_but_still_a_right_origin(browser):
    # An empty form (or runserver labelling a bodyless DELETE text/plain) forges nothing but the request itself.
    for content_type in ("application/x-www-form-urlencoded", "text/plain", ""):
        assert_refused(
            write(browser, content_type=content_type, body="", HTTP_ORIGIN=FOREIGN), 403, "cross_site_refused"
        )
        assert write(browser, content_type=content_type, body="", HTTP_ORIGIN=OWN).status_code == 200
