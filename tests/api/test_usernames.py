"""One canonical username through every way in: both protocols' log-ins and sign-ups, the token endpoint, the
log-in page, the admin. Look-alikes of an existing name are refused (400); other spellings of it are it."""

import pytest
from django.test import Client
from rest_framework.test import APIClient

from chat.models import Chatroom, User
from chat.services.participants import participant_add
from invites.services import invite_create
from tests.api.teahaz.conftest import post_json, url
from tests.chat.test_usernames import COMBINING, CYRILLIC, DOTLESS, FULL_WIDTH
from tests.conftest import PASSWORD

pytestmark = pytest.mark.django_db

LOOK_ALIKES = {"cyrillic": CYRILLIC, "dotless": DOTLESS, "combining": COMBINING}
SPELLINGS = {"capitals": "ADMIN", "full-width": FULL_WIDTH, "full-width capitals": "\uff21\uff24\uff2d\uff29\uff2e"}


@pytest.fixture
def admin(make_user) -> User:
    return make_user("admin")


def teahaz_create_chatroom(username: str, password: str = PASSWORD):
    return post_json(APIClient(), url("chatroom"), {"username": username, "password": password, "chatroom_name": "R"})


def token_for(username: str, password: str = PASSWORD):
    return APIClient().post("/api/auth/token", {"username": username, "password": password}, format="json")


def assert_confusable(response) -> None:
    assert response.status_code == 400, response.content
    assert response.json() == {
        "detail": "This username looks like an existing one; choose another.",
        "code": "username_confusable",
    }


@pytest.mark.parametrize("name", LOOK_ALIKES.values(), ids=LOOK_ALIKES.keys())
def test_teahaz_sign_up_refuses_a_look_alike(admin, name):
    assert_confusable(teahaz_create_chatroom(name))
    assert list(User.objects.values_list("username", flat=True)) == ["admin"]
    assert not Chatroom.objects.exists()


@pytest.mark.parametrize("name", LOOK_ALIKES.values(), ids=LOOK_ALIKES.keys())
def test_invite_sign_up_refuses_a_look_alike(admin, owner, chatroom, name):
    invite = invite_create(chatroom=chatroom, created_by=owner, uses=1)
    body = {"inviteID": str(invite.pk), "username": name, "password": PASSWORD}
    assert_confusable(post_json(APIClient(), url("invites", chatroom.pk), body))
    assert not User.objects.exclude(username__in=["admin", "owner"]).exists()


@pytest.mark.parametrize("name", SPELLINGS.values(), ids=SPELLINGS.keys())
def test_another_spelling_is_the_same_account_on_teahaz(admin, name):
    response = teahaz_create_chatroom(name)
    assert response.status_code == 200, response.content
    assert Chatroom.objects.get().created_by == admin
    assert User.objects.count() == 1
    assert teahaz_create_chatroom(name, "wrong password").status_code == 401


@pytest.mark.parametrize("name", SPELLINGS.values(), ids=SPELLINGS.keys())
def test_teahaz_log_in_by_another_spelling(admin, owner, chatroom, name):
    participant_add(chatroom=chatroom, user=admin)
    response = post_json(APIClient(), url("login", chatroom.pk), {"userID": name, "password": PASSWORD})
    assert response.status_code == 200, response.content


@pytest.mark.parametrize("name", SPELLINGS.values(), ids=SPELLINGS.keys())
def test_the_token_endpoint_takes_any_spelling(admin, name):
    response = token_for(name)
    assert response.status_code == 200, response.content
    assert admin.auth_tokens.count() == 1


def test_a_look_alike_stored_before_never_resolves_to_the_real_account(make_user):
    """The reported case: with `adm\u0131n` stored, `admin` must still be `admin` (and the other way round)."""
    admin = make_user("admin")
    impostor = User.objects.create_user(username=DOTLESS, password="another password!")
    assert User.objects.get_by_natural_key("ADMIN") == admin
    assert User.objects.get_by_natural_key(DOTLESS) == impostor
    assert token_for("admin").status_code == 200
    assert token_for(DOTLESS).status_code == 401  # admin's password does not open the look-alike
    assert admin.auth_tokens.count() == 1 and impostor.auth_tokens.count() == 0


@pytest.mark.parametrize("name", LOOK_ALIKES.values(), ids=LOOK_ALIKES.keys())
def test_the_token_endpoint_does_not_take_a_look_alike(admin, name):
    assert token_for(name).status_code == 401


@pytest.mark.parametrize(
    ("name", "logged_in"), [(FULL_WIDTH, True), ("ADMIN", True), (CYRILLIC, False), (DOTLESS, False)]
)
def test_the_log_in_page(admin, name, logged_in):
    client = Client()
    client.post("/accounts/login/", {"username": name, "password": PASSWORD})
    assert (client.session.get("_auth_user_id") == str(admin.pk)) is logged_in


@pytest.mark.parametrize("name", [*LOOK_ALIKES.values(), "ADMIN"])
def test_the_admin_refuses_a_look_alike_or_a_taken_name(admin_user, admin_client, name):
    form = {"username": name, "usable_password": "true", "password1": PASSWORD, "password2": PASSWORD}
    response = admin_client.post("/admin/chat/user/add/", form)
    assert response.status_code == 200  # the form again, with its error
    assert b"errorlist" in response.content
    assert User.objects.filter(username_skeleton=admin_user.username_skeleton).count() == 1


def test_a_rename_keeps_the_forms_in_step(admin):
    admin.username = "Root"
    admin.save()
    admin.refresh_from_db()
    assert (admin.username_canonical, admin.username_skeleton) == ("root", "root")
    assert token_for("ROOT").status_code == 200
