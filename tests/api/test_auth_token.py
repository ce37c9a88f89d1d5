"""`/api/auth/token` and `manage.py issue_token`: credentials for a bearer token, and its revocation."""

from datetime import datetime, timedelta

import pytest
from django.core.management import CommandError, call_command
from django.urls import include, path
from django.utils import timezone
from rest_framework.response import Response
from rest_framework.views import APIView

from chat.models import AuthToken, ModerationLog
from chat.services.tokens import token_hash
from tests.conftest import PASSWORD


class WhoAmIView(APIView):
    """Needs a caller (the default authentication and permission classes)."""

    def get(self, request):
        return Response({"username": request.user.username})


urlpatterns = [path("test/whoami", WhoAmIView.as_view()), path("", include("chatsite.urls"))]

pytestmark = [pytest.mark.django_db, pytest.mark.urls(__name__)]

URL = "/api/auth/token"


def get_token(client, username: str = "member", password: str = PASSWORD, **extra):
    return client.post(URL, {"username": username, "password": password}, format="json", **extra)


def whoami(client, raw: str):
    return client.get("/test/whoami", HTTP_AUTHORIZATION=f"Bearer {raw}")


def test_credentials_buy_a_token_that_is_stored_hashed(api_client, member):
    response = get_token(api_client, username="MEMBER")
    assert response.status_code == 200
    body = response.json()
    assert set(body) == {"token", "expires"}
    stored = AuthToken.objects.get(user=member)
    assert stored.key_hash == token_hash(body["token"]) and stored.chatroom is None
    assert datetime.fromisoformat(body["expires"]) == stored.expires_at > timezone.now()


def test_the_trailing_slash_works_too(api_client, member):
    response = api_client.post(f"{URL}/", {"username": "member", "password": PASSWORD}, format="json")
    assert response.status_code == 200


def test_the_token_authenticates_as_bearer(api_client, member):
    raw = get_token(api_client).json()["token"]
    response = whoami(api_client, raw)
    assert response.status_code == 200 and response.json() == {"username": "member"}
    assert api_client.get("/test/whoami", HTTP_AUTHORIZATION=f"bearer {raw}").status_code == 200


def test_no_or_a_bad_token_is_401(api_client, member):
    assert api_client.get("/test/whoami").status_code == 401
    response = whoami(api_client, "not-a-token")
    assert response.status_code == 401 and response.json()["code"] == "invalid_token"


@pytest.mark.parametrize(("username", "password"), [("member", "wrong password"), ("nobody", PASSWORD)])
def test_wrong_credentials_are_401_json(api_client, member, username, password):
    response = get_token(api_client, username=username, password=password)
    assert response.status_code == 401
    assert response.json() == {"detail": "Wrong username or password.", "code": "wrong_credentials"}
    assert response["WWW-Authenticate"] == "Bearer"
    assert not AuthToken.objects.exists()


@pytest.mark.parametrize(
    "body",
    [{}, {"username": "member"}, {"username": ["member"], "password": PASSWORD}, {"username": "m", "password": None}],
)
def test_malformed_requests_are_400(api_client, member, body):
    response = api_client.post(URL, body, format="json")
    assert response.status_code == 400 and set(response.json()) == {"detail", "code"}


def test_non_json_is_refused(api_client, member):
    response = api_client.post(URL, {"username": "member", "password": PASSWORD})  # multipart form
    assert response.status_code == 415
    response = api_client.generic("POST", URL, "{broken", content_type="application/json")
    assert response.status_code == 400 and response.json()["code"] == "parse_error"


def test_failures_are_throttled_with_retry_after(api_client, member, settings):
    for _ in range(settings.CHAT_LOGIN_FAILURES_PER_ACCOUNT):
        assert get_token(api_client, password="wrong password").status_code == 401
    response = get_token(api_client)
    assert response.status_code == 429
    assert response.json()["code"] == "throttled"
    assert 0 < int(response["Retry-After"]) <= settings.CHAT_LOGIN_FAILURE_WINDOW_SECONDS + 1
    assert not AuthToken.objects.exists()


def test_failures_are_throttled_per_address(api_client, member, settings):
    settings.CHAT_LOGIN_FAILURES_PER_ADDRESS = 3
    for number in range(3):
        get_token(api_client, username=f"nobody{number}", REMOTE_ADDR="10.7.7.7")
    assert get_token(api_client, REMOTE_ADDR="10.7.7.7").status_code == 429
    assert get_token(api_client, REMOTE_ADDR="10.7.7.8").status_code == 200


def test_delete_with_the_token_revokes_it(api_client, member):
    raw = get_token(api_client).json()["token"]
    other = get_token(api_client).json()["token"]
    response = api_client.delete(URL, HTTP_AUTHORIZATION=f"Bearer {raw}")
    assert response.status_code == 200
    assert AuthToken.objects.get(key_hash=token_hash(raw)).revoked_at is not None
    assert whoami(api_client, raw).status_code == 401
    assert api_client.delete(URL, HTTP_AUTHORIZATION=f"Bearer {raw}").status_code == 401
    assert whoami(api_client, other).status_code == 200


def test_delete_without_a_token_is_401(api_client, member):
    get_token(api_client)
    response = api_client.delete(URL)
    assert response.status_code == 401 and set(response.json()) == {"detail", "code"}
    assert not AuthToken.objects.filter(revoked_at__isnull=False).exists()


def test_delete_with_a_session_cookie_is_401(api_client, member):
    api_client.force_login(member)
    assert api_client.delete(URL).status_code == 401


def test_a_chatroom_log_in_is_not_a_bearer_token(api_client, chatroom, member):
    from chat.services.tokens import token_issue

    raw, _ = token_issue(user=member, chatroom=chatroom)
    assert whoami(api_client, raw).status_code == 401
    assert api_client.delete(URL, HTTP_AUTHORIZATION=f"Bearer {raw}").status_code == 401


def test_a_password_change_ends_the_token(api_client, member):
    raw = get_token(api_client).json()["token"]
    member.set_password("a completely new password")
    member.save()
    assert whoami(api_client, raw).status_code == 401


def test_issue_token_command_prints_a_working_token(api_client, member, capsys):
    call_command("issue_token", "Member", "--days", "2")
    raw = capsys.readouterr().out.strip()
    assert whoami(api_client, raw).json() == {"username": "member"}
    stored = AuthToken.objects.get(key_hash=token_hash(raw))
    assert timezone.now() + timedelta(days=1) < stored.expires_at <= timezone.now() + timedelta(days=2)


def test_issue_token_command_leaves_a_trail_as_the_admin_does(member, capsys):
    call_command("issue_token", "member", "--name", "deploy script")
    raw = capsys.readouterr().out.strip()
    token = AuthToken.objects.get(key_hash=token_hash(raw))
    log = ModerationLog.objects.get(action="issue token")
    assert (log.actor, log.target) == (None, f"token {token.pk} of member")
    assert token.name == "deploy script"


@pytest.mark.parametrize("args", [["nobody"], ["member", "--days", "0"], ["member", "--days", "99999999999"]])
def test_issue_token_command_refuses(member, args):
    with pytest.raises(CommandError):
        call_command("issue_token", *args)
    assert not AuthToken.objects.exists()


def test_issue_token_command_refuses_an_inactive_user(make_user):
    make_user("sleeper", is_active=False)
    with pytest.raises(CommandError):
        call_command("issue_token", "sleeper")


def test_a_stale_bearer_header_does_not_stop_a_fresh_log_in(api_client, member):
    raw = get_token(api_client).json()["token"]
    api_client.delete(URL, HTTP_AUTHORIZATION=f"Bearer {raw}")
    response = get_token(api_client, HTTP_AUTHORIZATION=f"Bearer {raw}")
    assert response.status_code == 200 and whoami(api_client, response.json()["token"]).status_code == 200
