"""Accounts: who is who, password checks and new accounts."""

import uuid

import pytest

from chat.exceptions import Conflict, Invalid, NotAuthenticated
from chat.models import AuthToken, Participant, User
from chat.services.accounts import user_authenticate, user_create, user_get_or_create, user_lookup, users_delete
from chat.services.tokens import token_issue
from tests.conftest import PASSWORD

pytestmark = pytest.mark.django_db


def test_authenticate_by_username_in_any_case_or_by_id(member):
    assert user_authenticate(identifier="MEMBER", password=PASSWORD, address="1.2.3.4") == member
    assert user_authenticate(identifier=str(member.pk), password=PASSWORD, address="1.2.3.4") == member


@pytest.mark.parametrize("identifier", ["member", "nobody", ""])
def test_every_failure_looks_alike(member, identifier):
    with pytest.raises(NotAuthenticated) as error:
        user_authenticate(identifier=identifier, password="wrong", address="1.2.3.4")
    assert (error.value.code, error.value.detail) == ("wrong_credentials", "Wrong username or password.")


def test_inactive_user_cannot_log_in(make_user):
    make_user("sleeper", is_active=False)
    with pytest.raises(NotAuthenticated):
        user_authenticate(identifier="sleeper", password=PASSWORD, address="1.2.3.4")
    assert user_lookup(identifier="sleeper") is None


@pytest.mark.parametrize(
    ("identifier", "password"),
    [("nul\x00name", "x"), ("member", "nul\x00password"), ("lone\ud800", "x"), ("member", "lone\ud800")],
)
def test_unstorable_credentials_are_plain_failures(member, identifier, password):
    with pytest.raises(NotAuthenticated):
        user_authenticate(identifier=identifier, password=password, address="1.2.3.4")


def test_user_create(db):
    user = user_create(username="  newcomer ", password="a long enough password")
    assert user.username == "newcomer" and user.check_password("a long enough password")
    with pytest.raises(Conflict):
        user_create(username="NEWCOMER", password="a long enough password")


@pytest.mark.parametrize(
    ("username", "password", "code"),
    [
        ("", "a long enough password", "invalid_username"),
        ("x" * 151, "a long enough password", "invalid_username"),
        ("has space", "a long enough password", "invalid_username"),
        ("nul\x00", "a long enough password", "invalid_username"),
        ("fine", "short", "invalid_password"),
        ("fine", "1234567890123", "invalid_password"),
        ("fine", "", "invalid_password"),
        ("fine", "lone \ud800 surrogate password", "invalid_password"),
        ("fine", "nul \x00 in a password", "invalid_password"),
    ],
)
def test_user_create_refusals(db, username, password, code):
    with pytest.raises(Invalid) as error:
        user_create(username=username, password=password)
    assert error.value.code == code
    assert not User.objects.exists()


def test_user_get_or_create(member):
    user, created = user_get_or_create(username="Member", password=PASSWORD, address="1.1.1.1")
    assert (user, created) == (member, False)
    with pytest.raises(NotAuthenticated):
        user_get_or_create(username="member", password="wrong password", address="1.1.1.1")
    user, created = user_get_or_create(username="fresh", password="a long enough password", address="1.1.1.1")
    assert created and User.objects.get(username="fresh") == user
    with pytest.raises(Invalid):
        user_get_or_create(username=" ", password="a long enough password", address="1.1.1.1")
    with pytest.raises(Invalid):
        user_get_or_create(username="other", password=None, address="1.1.1.1")
    for username in ("nul\x00", "lone\ud800"):
        with pytest.raises(Invalid):
            user_get_or_create(username=username, password="a long enough password", address="1.1.1.1")
    assert User.objects.count() == 3  # owner, member, fresh


def test_lookup_by_id_comes_first_then_by_a_username_that_looks_like_one(make_user):
    first = make_user()
    impostor = make_user(str(first.pk))
    assert user_lookup(identifier=str(first.pk)) == first
    look_alike = make_user(str(uuid.uuid4()).upper())
    assert user_lookup(identifier=look_alike.username.lower()) == look_alike
    assert user_lookup(identifier=str(uuid.uuid4())) is None
    assert impostor.pk != first.pk


def test_users_delete_passes_ownership_on_first(chatroom, owner, member, admin_member, outsider):
    token_issue(user=owner, chatroom=chatroom)
    assert users_delete(users=User.objects.filter(pk__in=[owner.pk, outsider.pk]), actor=None) == 2
    assert not User.objects.filter(pk__in=[owner.pk, outsider.pk]).exists()
    # The longest-standing admin holds the chatroom now; nobody else's role changed.
    roles = dict(Participant.objects.filter(chatroom=chatroom).values_list("user__username", "role"))
    assert roles == {"member": "member", "roomadmin": "owner"}
    assert not AuthToken.objects.filter(user_id=owner.pk).exists()
