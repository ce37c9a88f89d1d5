"""The throttles of failed log-ins and of sign-ups."""

import time

import pytest

from chat.exceptions import NotAuthenticated, Throttled
from chat.models import User
from chat.services.accounts import user_authenticate, user_get_or_create
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
