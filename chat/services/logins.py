"""Password log-ins: account look-up, account creation, and throttling of failures."""

import hashlib
import time
import uuid

from django.conf import settings
from django.contrib.auth.hashers import make_password
from django.contrib.auth.password_validation import validate_password
from django.contrib.auth.validators import UnicodeUsernameValidator
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from chat.exceptions import Conflict, Invalid, NotAuthenticated, Throttled
from chat.models import User
from chat.text import is_storable

WRONG_CREDENTIALS = "Wrong username or password."


def _keys(kind: str, value: str) -> tuple[str, str]:
    # Hashed: any username or address makes a short key every cache backend accepts.
    digest = hashlib.sha256(value.encode("utf-8", "surrogatepass")).hexdigest()
    return f"login-fail:{kind}:{digest}:count", f"login-fail:{kind}:{digest}:start"


def _limits(*, username: str, address: str) -> list[tuple[str, str, int]]:
    return [
        ("account", username.strip().lower(), settings.CHAT_LOGIN_FAILURES_PER_ACCOUNT),
        ("address", address or "unknown", settings.CHAT_LOGIN_FAILURES_PER_ADDRESS),
    ]


def _retry_after(kind: str, value: str, *, limit: int, window: int) -> int | None:
    """Seconds until the window frees up, when `limit` events were already counted in it; else None."""
    count_key, start_key = _keys(kind, value)
    if (cache.get(count_key) or 0) < limit:
        return None
    started = cache.get(start_key) or time.time()
    return int(started + window - time.time()) + 1


def _count(kind: str, value: str, *, window: int) -> None:
    """Counts one event in the window that the first event opened."""
    count_key, start_key = _keys(kind, value)
    cache.add(start_key, time.time(), window)
    cache.add(count_key, 0, window)
    try:
        cache.incr(count_key)
    except ValueError:  # expired between add and incr
        cache.set(count_key, 1, window)


def login_throttle_check(*, username: str, address: str) -> None:
    """Raises Throttled while the account or the address has used up its failures in the window."""
    window = settings.CHAT_LOGIN_FAILURE_WINDOW_SECONDS
    for kind, value, limit in _limits(username=username, address=address):
        retry_after = _retry_after(kind, value, limit=limit, window=window)
        if retry_after is not None:
            raise Throttled("Too many failed log-ins. Try again later.", retry_after=retry_after)


def login_failure_record(*, username: str, address: str) -> None:
    """Counts one failed log-in against the account and against the address."""
    for kind, value, _limit in _limits(username=username, address=address):
        _count(kind, value, window=settings.CHAT_LOGIN_FAILURE_WINDOW_SECONDS)


def signup_throttle_check(*, address: str) -> None:
    """Raises Throttled once an address has created CHAT_SIGNUPS_PER_ADDRESS accounts in the window."""
    retry_after = _retry_after(
        "signup",
        address or "unknown",
        limit=settings.CHAT_SIGNUPS_PER_ADDRESS,
        window=settings.CHAT_SIGNUP_WINDOW_SECONDS,
    )
    if retry_after is not None:
        raise Throttled("Too many new accounts from this address. Try again later.", retry_after=retry_after)


def signup_record(*, address: str) -> None:
    """Counts one account created from the address."""
    _count("signup", address or "unknown", window=settings.CHAT_SIGNUP_WINDOW_SECONDS)


def user_lookup(*, identifier: str) -> User | None:
    """The active user named by id (a UUID) or by username (any letter case); an id wins over a look-alike name."""
    if not is_storable(str(identifier)):
        return None
    queryset = User.objects.filter(is_active=True)
    identifier = str(identifier).strip()
    try:
        by_id = queryset.filter(pk=uuid.UUID(identifier)).first()
    except ValueError:
        by_id = None
    # A username may itself look like a UUID: no id matching, it is still a name.
    return by_id or queryset.filter(username__iexact=identifier).first()


def account_key(*, identifier: object, user: User | None) -> str:
    """The one name an account's failures count under, however the caller spelled it (id or username)."""
    if user is not None:
        return str(user.pk)
    try:
        return str(uuid.UUID(str(identifier)))
    except ValueError:
        return str(identifier).strip().lower()


def user_authenticate(*, identifier: str, password: str, address: str) -> User:
    """The user whose id or username and password these are; every failure looks alike and counts."""
    # A password no hasher can encode fails like any wrong one.
    usable = isinstance(password, str) and is_storable(password)
    user = user_lookup(identifier=identifier) if usable else None
    account = account_key(identifier=identifier, user=user)
    login_throttle_check(username=account, address=address)
    if user is None:
        make_password(password if usable else "")  # spend the same time as a real check: no enumeration by timing
    elif user.check_password(password):
        return user
    login_failure_record(username=account, address=address)
    raise NotAuthenticated(WRONG_CREDENTIALS, code="wrong_credentials")


def user_create(*, username: str, password: str) -> User:
    """Creates an account after checking the username and the password rules."""
    username = (username or "").strip()
    if not username or len(username) > 150:
        raise Invalid("A username of 1 to 150 characters is required.", code="invalid_username")
    try:
        UnicodeUsernameValidator()(username)
    except ValidationError as error:
        raise Invalid(error.messages[0], code="invalid_username") from error
    if not isinstance(password, str) or not password:
        raise Invalid("A password is required.", code="invalid_password")
    if not is_storable(password):
        raise Invalid("The password holds characters that cannot be used.", code="invalid_password")
    try:
        validate_password(password, User(username=username))
    except ValidationError as error:
        raise Invalid(" ".join(error.messages), code="invalid_password") from error
    try:
        with transaction.atomic():
            return User.objects.create_user(username=username, password=password)
    except IntegrityError as error:
        raise Conflict("That username was taken a moment ago.", code="username_taken") from error


def user_get_or_create(*, username: str, password: str, address: str) -> tuple[User, bool]:
    """The existing account if the password is right, else a new account with that username."""
    if not isinstance(username, str) or not username.strip() or not is_storable(username):
        raise Invalid("A username is required.", code="invalid_username")
    if not isinstance(password, str) or not password:
        raise Invalid("A password is required.", code="invalid_password")
    if User.objects.filter(username__iexact=username.strip()).exists():
        return user_authenticate(identifier=username.strip(), password=password, address=address), False
    signup_throttle_check(address=address)
    user = user_create(username=username, password=password)
    signup_record(address=address)
    return user, True
