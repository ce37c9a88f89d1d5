"""The throttles of failed log-ins and of sign-ups."""

import os
import subprocess
import sys
import threading
import time
import uuid

import pytest
import redis
from django.test import override_settings

from chat.exceptions import NotAuthenticated, Throttled
from chat.models import User
from chat.services.accounts import user_authenticate, user_get_or_create
from chat.throttles import login_attempt_take, rate_limit_hit
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


REDIS_URL = "redis://127.0.0.1:6379/5"


def redis_reachable() -> bool:
    try:
        return bool(redis.Redis.from_url(REDIS_URL, socket_connect_timeout=1).ping())
    except redis.RedisError:
        return False


needs_redis = pytest.mark.skipif(not redis_reachable(), reason=f"needs Redis at {REDIS_URL}")


@pytest.fixture(params=["locmem", pytest.param("redis", marks=needs_redis)])
def shared_cache(request):
    """The cache every thread of this process shares, then Redis (shared by every process too)."""
    if request.param == "locmem":
        yield
        return
    prefix = f"test-{uuid.uuid4()}"
    with override_settings(
        CACHES={
            "default": {
                "BACKEND": "django.core.cache.backends.redis.RedisCache",
                "LOCATION": REDIS_URL,
                "KEY_PREFIX": prefix,
            }
        }
    ):
        yield
    client = redis.Redis.from_url(REDIS_URL)
    for key in client.scan_iter(f"{prefix}:*"):
        client.delete(key)


def simultaneously(count: int, act) -> list[bool]:
    """Runs act(index) in `count` threads released at once; which of them passed (no Throttled)."""
    barrier = threading.Barrier(count)
    passed = [False] * count

    def run(index: int) -> None:
        barrier.wait()
        try:
            act(index)
        except Throttled:
            return
        passed[index] = True

    threads = [threading.Thread(target=run, args=(index,)) for index in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return passed


def test_simultaneous_failures_never_pass_more_than_the_limit(shared_cache, settings):
    settings.CHAT_LOGIN_FAILURES_PER_ACCOUNT = 5
    passed = simultaneously(40, lambda index: login_attempt_take(username="victim", address=f"10.0.0.{index}"))
    assert sum(passed) == 5
    with pytest.raises(Throttled):
        login_attempt_take(username="victim", address="10.0.1.1")


def test_simultaneous_acts_never_pass_more_than_the_rate_limit(shared_cache, settings):
    settings.CHAT_RATE_LIMITS_ENABLED = True
    settings.CHAT_RATE_LIMITS = {"message_send": {"user": (7, 60), "address": (1000, 60)}}
    user_id = uuid.uuid4()
    passed = simultaneously(40, lambda index: rate_limit_hit(scope="message_send", user_id=user_id, address="10.0.0.1"))
    assert sum(passed) == 7


def test_a_refused_attempt_gives_back_what_it_took(settings):
    settings.CHAT_LOGIN_FAILURES_PER_ADDRESS = 2
    login_attempt_take(username="a", address="10.0.0.1")
    login_attempt_take(username="b", address="10.0.0.1")
    with pytest.raises(Throttled):
        login_attempt_take(username="c", address="10.0.0.1")
    # The account "c" was not charged for the attempt its address was refused.
    settings.CHAT_LOGIN_FAILURES_PER_ACCOUNT = 1
    login_attempt_take(username="c", address="10.0.0.2")


def test_sending_allows_a_burst_then_about_one_a_second(clock, settings):
    settings.CHAT_RATE_LIMITS_ENABLED = True
    settings.CHAT_RATE_LIMITS = {"message_send": {"user": (20, 20)}}
    user_id = uuid.uuid4()

    def send() -> int | None:
        try:
            rate_limit_hit(scope="message_send", user_id=user_id, address="10.0.0.1")
        except Throttled as error:
            return error.retry_after
        return None

    clock[0] = 1_000_000.0  # the start of a window, so the burst is not split across two
    assert [send() for _ in range(20)] == [None] * 20
    retry_after = send()
    assert retry_after is not None and 1 <= retry_after <= 21
    clock[0] += retry_after
    assert send() is None
    passed = 0
    for _ in range(240):  # a minute of four attempts a second
        clock[0] += 0.25
        passed += send() is None
    assert 55 <= passed <= 65


def test_rate_limits_switched_off_count_nothing(settings):
    settings.CHAT_RATE_LIMITS_ENABLED = False
    settings.CHAT_RATE_LIMITS = {"message_send": {"user": (1, 60)}}
    for _ in range(5):
        rate_limit_hit(scope="message_send", user_id=uuid.uuid4(), address="10.0.0.1")


CHILD = """
import sys, uuid
import django
django.setup()
from django.test.utils import override_settings
from chat.throttles import rate_limit_hit
with override_settings(CHAT_RATE_LIMITS_ENABLED=True, CHAT_RATE_LIMITS={"message_send": {"user": (5, 60)}}):
    for _ in range(int(sys.argv[2])):
        rate_limit_hit(scope="message_send", user_id=uuid.UUID(sys.argv[1]), address="10.0.0.1")
"""


@needs_redis
def test_the_counter_is_shared_by_two_processes_on_redis(settings):
    user_id = uuid.uuid4()
    environment = {**os.environ, "DJANGO_SETTINGS_MODULE": "tests.settings", "REDIS_URL": REDIS_URL}
    child = subprocess.run(
        [sys.executable, "-c", CHILD, str(user_id), "4"], env=environment, capture_output=True, text=True, timeout=60
    )
    assert child.returncode == 0, child.stderr
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL}}
    settings.CHAT_RATE_LIMITS_ENABLED = True
    settings.CHAT_RATE_LIMITS = {"message_send": {"user": (5, 60)}}
    rate_limit_hit(scope="message_send", user_id=user_id, address="10.0.0.1")  # the fifth
    with pytest.raises(Throttled):
        rate_limit_hit(scope="message_send", user_id=user_id, address="10.0.0.1")
    # And the other way: the other process is refused what this one used up.
    child = subprocess.run(
        [sys.executable, "-c", CHILD, str(user_id), "1"], env=environment, capture_output=True, text=True, timeout=60
    )
    assert child.returncode != 0 and "Throttled" in child.stderr
