"""Password log-ins: who is who, new accounts, and the throttle on failures."""

import time
import uuid

import pytest

from chat.exceptions import Conflict, Invalid, NotAuthenticated, Throttled
from chat.models import User
from chat.services.logins import user_authenticate, user_create, user_get_or_create, user_lookup
from tests.conftest import PASSWORD

pytestmark = pytest.mark.django_db


@pytest.fixture
def clock(monkeypatch):
    """A controllable time.time for the throttle and for the cache's expiry alike."""
    now = [time.time()]
    monkeypatch.setattr(time, "time", lambda: now[0])
    return now


def fail(username: str, address: str = "10.0.0.1", times: int = 1) -> None:
    for _ in range(times):
        with pytest.raises(NotAuthenticated):
            user_authenticate(identifier=username, password="wrong password", address=address)


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


def test_ten_failures_per_account_throttle_it_even_with_the_right_password(member, clock, settings):
    fail("member", times=settings.CHAT_LOGIN_FAILURES_PER_ACCOUNT - 1)
    assert user_authenticate(identifier="member", password=PASSWORD, address="10.0.0.1") == member
    fail("Member ", address="10.0.0.2")
    with pytest.raises(Throttled) as error:
        user_authenticate(identifier="member", password=PASSWORD, address="10.0.0.3")
    window = settings.CHAT_LOGIN_FAILURE_WINDOW_SECONDS
    assert 0 < error.value.retry_after <= window + 1
    # Another account from the same address is not affected.
    with pytest.raises(NotAuthenticated):
        user_authenticate(identifier="owner", password="wrong", address="10.0.0.3")


def test_fifty_failures_per_address_throttle_the_address(member, clock, settings):
    for number in range(settings.CHAT_LOGIN_FAILURES_PER_ADDRESS):
        fail(f"nobody{number}", address="10.9.9.9")
    with pytest.raises(Throttled):
        user_authenticate(identifier="member", password=PASSWORD, address="10.9.9.9")
    assert user_authenticate(identifier="member", password=PASSWORD, address="10.9.9.8") == member


def test_the_window_passing_frees_the_account(member, clock, settings):
    settings.CHAT_LOGIN_FAILURE_WINDOW_SECONDS = 30
    fail("member", times=settings.CHAT_LOGIN_FAILURES_PER_ACCOUNT)
    clock[0] += 10
    with pytest.raises(Throttled) as error:
        user_authenticate(identifier="member", password=PASSWORD, address="10.0.0.1")
    assert 19 <= error.value.retry_after <= 21
    clock[0] += 21
    assert user_authenticate(identifier="member", password=PASSWORD, address="10.0.0.1") == member


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


def test_user_get_or_create_is_throttled_too(member, clock, settings):
    fail("member", times=settings.CHAT_LOGIN_FAILURES_PER_ACCOUNT)
    with pytest.raises(Throttled):
        user_get_or_create(username="member", password=PASSWORD, address="1.1.1.1")


def test_failures_by_id_and_by_username_count_against_one_account(member, clock, settings):
    half = settings.CHAT_LOGIN_FAILURES_PER_ACCOUNT // 2
    fail("member", address="10.0.0.1", times=half)
    fail(str(member.pk).upper(), address="10.0.0.2", times=settings.CHAT_LOGIN_FAILURES_PER_ACCOUNT - half)
    with pytest.raises(Throttled):
        user_authenticate(identifier=str(member.pk), password=PASSWORD, address="10.0.0.3")


def test_lookup_by_id_comes_first_then_by_a_username_that_looks_like_one(make_user):
    first = make_user()
    impostor = make_user(str(first.pk))
    assert user_lookup(identifier=str(first.pk)) == first
    look_alike = make_user(str(uuid.uuid4()).upper())
    assert user_lookup(identifier=look_alike.username.lower()) == look_alike
    assert user_lookup(identifier=str(uuid.uuid4())) is None
    assert impostor.pk != first.pk


def test_an_address_may_create_only_so_many_accounts_per_window(clock, settings):
    settings.CHAT_SIGNUPS_PER_ADDRESS = 3
    for index in range(3):
        user_get_or_create(username=f"new{index}", password=PASSWORD, address="10.9.9.9")
    with pytest.raises(Throttled) as error:
        user_get_or_create(username="onemore", password=PASSWORD, address="10.9.9.9")
    assert 0 < error.value.retry_after <= settings.CHAT_SIGNUP_WINDOW_SECONDS + 1
    assert not User.objects.filter(username="onemore").exists()
    # Another address, or an existing account logging in, is not held back.
    user_get_or_create(username="elsewhere", password=PASSWORD, address="10.9.9.10")
    assert user_get_or_create(username="new0", password=PASSWORD, address="10.9.9.9")[1] is False
    clock[0] += settings.CHAT_SIGNUP_WINDOW_SECONDS + 1
    assert user_get_or_create(username="onemore", password=PASSWORD, address="10.9.9.9")[1] is True
