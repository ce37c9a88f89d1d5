"""CHAT_SIGNUP_OPEN off: no open account creation anywhere, while invites and operators still admit new accounts."""

import pytest
from django.core.management import call_command
from rest_framework.test import APIClient

from chat.models import Chatroom, Participant, User
from invites.services import invite_create
from tests.api.teahaz.conftest import post_json, url
from tests.conftest import PASSWORD

pytestmark = pytest.mark.django_db


@pytest.fixture
def closed(settings):
    settings.CHAT_SIGNUP_OPEN = False


def create_chatroom(username: str, password: str = PASSWORD):
    body = {"username": username, "password": password, "chatroom_name": "Mine"}
    return post_json(APIClient(), url("chatroom"), body)


@pytest.mark.parametrize("mount", ["", "/api/v0"])
def test_a_new_username_cannot_create_a_chatroom(closed, mount):
    body = {"username": "stranger", "password": PASSWORD, "chatroom_name": "Mine"}
    response = post_json(APIClient(), url("chatroom", mount=mount), body)

    assert response.status_code == 403
    assert response.json() == {
        "detail": "Sign-up is closed on this server: ask for an invite.",
        "code": "signup_closed",
    }
    assert not User.objects.filter(username="stranger").exists()
    assert not Chatroom.objects.exists()


def test_an_existing_account_still_creates_chatrooms(closed, owner):
    response = create_chatroom("owner")
    assert response.status_code == 200, response.content
    assert Chatroom.objects.filter(name="Mine", created_by=owner).exists()
    # A wrong password is still a wrong password, not a closed sign-up.
    assert create_chatroom("owner", "wrong password").status_code == 401


def test_open_by_default(settings):
    assert settings.CHAT_SIGNUP_OPEN is True
    assert create_chatroom("stranger").status_code == 200
    assert User.objects.filter(username="stranger").exists()


def test_an_invite_still_admits_a_new_account(closed, owner, chatroom):
    invite = invite_create(chatroom=chatroom, created_by=owner, uses=1)
    body = {"inviteID": str(invite.pk), "username": "newbie", "password": PASSWORD}

    response = post_json(APIClient(), url("invites", chatroom.pk), body)

    assert response.status_code == 200, response.content
    newbie = User.objects.get(username="newbie")
    assert Participant.objects.filter(chatroom=chatroom, user=newbie, state=Participant.State.ACTIVE).exists()


def test_an_operator_still_creates_accounts_in_the_admin(closed, admin_client):
    form = {
        "username": "hired",
        "display_name": "Hired Hand",
        "usable_password": "true",
        "password1": PASSWORD,
        "password2": PASSWORD,
    }
    response = admin_client.post("/admin/chat/user/add/", form)
    assert response.status_code == 302, response.content
    assert User.objects.get(username="hired").check_password(PASSWORD)


def test_an_operator_still_creates_accounts_with_manage_py(closed, monkeypatch):
    monkeypatch.setenv("DJANGO_SUPERUSER_PASSWORD", PASSWORD)
    call_command("createsuperuser", "--noinput", "--username", "root2", "--email", "root2@example.org")
    assert User.objects.get(username="root2").is_superuser
