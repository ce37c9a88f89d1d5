"""Accounts: look-up, password checks, account creation (sign-up) and deletion."""

import uuid
from collections.abc import Iterable

from django.conf import settings
from django.contrib.auth.hashers import make_password
from django.contrib.auth.password_validation import validate_password
from django.contrib.auth.validators import UnicodeUsernameValidator
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import IntegrityError, transaction

from chat.caches import tokens_changed
from chat.exceptions import ChatError, Code, Conflict, Forbidden, Invalid, NotAuthenticated
from chat.limits import DISPLAY_NAME_MAX_LENGTH, USERNAME_MAX_LENGTH
from chat.models import AuthToken, Participant, User
from chat.services.participants import participant_remove
from chat.text import is_storable
from chat.throttles import login_attempt_succeeded, login_attempt_take, signup_give_back, signup_take
from chat.usernames import canonical_username

WRONG_CREDENTIALS = "Wrong username or password."


def user_lookup(*, identifier: str) -> User | None:
    """The active user named by id (a UUID) or by username (its canonical form); an id wins over a look-alike name."""
    if not is_storable(str(identifier)):
        return None
    identifier = str(identifier).strip()
    try:
        by_id = User.objects.filter(is_active=True, pk=uuid.UUID(identifier)).first()
    except ValueError:
        by_id = None
    # A username may itself look like a UUID: no id matching, it is still a name.
    return by_id or User.objects.named(identifier).filter(is_active=True).first()


def account_key(*, identifier: object, user: User | None) -> str:
    """The one name an account's failures count under, however the caller spelled it (id or username)."""
    if user is not None:
        return str(user.pk)
    try:
        return str(uuid.UUID(str(identifier)))
    except ValueError:
        return canonical_username(str(identifier))


def user_authenticate(*, identifier: str, password: str, address: str) -> User:
    """The user whose id or username and password these are; every failure looks alike and counts."""
    # A password no hasher can encode fails like any wrong one.
    usable = isinstance(password, str) and is_storable(password)
    user = user_lookup(identifier=identifier) if usable else None
    account = account_key(identifier=identifier, user=user)
    # The attempt takes its place before the password is checked, so simultaneous guesses cannot overrun the limit.
    login_attempt_take(username=account, address=address)
    if user is None:
        make_password(password if usable else "")  # spend the same time as a real check: no enumeration by timing
    elif user.check_password(password):
        login_attempt_succeeded(username=account, address=address)
        return user
    raise NotAuthenticated(WRONG_CREDENTIALS, code=Code.WRONG_CREDENTIALS)


def user_create(*, username: str, password: str) -> User:
    """Creates an account after checking the username and the password rules."""
    username = User.normalize_username((username or "").strip())
    if not username or len(username) > USERNAME_MAX_LENGTH:
        raise Invalid(f"A username of 1 to {USERNAME_MAX_LENGTH} characters is required.", code=Code.INVALID_USERNAME)
    try:
        UnicodeUsernameValidator()(username)
    except ValidationError as error:
        raise Invalid(error.messages[0], code=Code.INVALID_USERNAME) from error
    if not isinstance(password, str) or not password:
        raise Invalid("A password is required.", code=Code.INVALID_PASSWORD)
    if not is_storable(password):
        raise Invalid("The password holds characters that cannot be used.", code=Code.INVALID_PASSWORD)
    refusal = User.objects.username_refusal(username)
    if refusal is not None:
        code, message = refusal
        raise (Conflict if code == Code.USERNAME_TAKEN else Invalid)(message, code=code)
    try:
        validate_password(password, User(username=username))
    except ValidationError as error:
        raise Invalid(" ".join(error.messages), code=Code.INVALID_PASSWORD) from error
    try:
        with transaction.atomic():
            return User.objects.create_user(username=username, password=password)
    except IntegrityError as error:
        raise Conflict("That username was taken a moment ago.", code=Code.USERNAME_TAKEN) from error


def user_get_or_create(*, username: str, password: str, address: str, via_invite: bool = False) -> tuple[User, bool]:
    """The existing account if the password is right, else a new account with that username.

    A new account needs open sign-up (CHAT_SIGNUP_OPEN) unless an invite admits it (`via_invite`).
    """
    if not isinstance(username, str) or not username.strip() or not is_storable(username):
        raise Invalid("A username is required.", code=Code.INVALID_USERNAME)
    if not isinstance(password, str) or not password:
        raise Invalid("A password is required.", code=Code.INVALID_PASSWORD)
    if User.objects.named(username).exists():
        return user_authenticate(identifier=username.strip(), password=password, address=address), False
    return user_signup(username=username, password=password, address=address, via_invite=via_invite), True


def user_signup(*, username: str, password: str, address: str, via_invite: bool = False) -> User:
    """A new account, if sign-up is open (CHAT_SIGNUP_OPEN) or an invite admits it, within the address's quota."""
    if not via_invite and not settings.CHAT_SIGNUP_OPEN:
        raise Forbidden("Sign-up is closed on this server: ask for an invite.", code=Code.SIGNUP_CLOSED)
    signup_take(address=address)
    try:
        return user_create(username=username, password=password)
    except ChatError:
        signup_give_back(address=address)
        raise


@transaction.atomic
def users_delete(*, users: Iterable[User], actor: User | None) -> int:
    """Deletes these accounts; each leaves its chatrooms first, so ownership passes on and no chatroom is left
    without an owner. Says how many accounts were deleted."""
    user_ids = [user.pk for user in users]
    for participant in Participant.objects.filter(user_id__in=user_ids).select_related("user", "chatroom"):
        participant_remove(participant=participant, actor=actor)
    # Their tokens go with them: no cached check may log them in again.
    tokens_changed(key_hashes=list(AuthToken.objects.filter(user_id__in=user_ids).values_list("key_hash", flat=True)))
    _total, deleted = User.objects.filter(pk__in=user_ids).delete()
    return deleted.get(User._meta.label, 0)


def user_profile_update(
    *, user: User, display_name: str, avatar: UploadedFile | None = None, remove_avatar: bool = False
) -> User:
    """Sets the name others see and, when given, a new avatar (already validated) or none."""
    display_name = (display_name or "").strip()
    if len(display_name) > DISPLAY_NAME_MAX_LENGTH or not is_storable(display_name):
        raise Invalid(
            f"A display name has at most {DISPLAY_NAME_MAX_LENGTH} characters.", code=Code.INVALID_DISPLAY_NAME
        )
    user.display_name = display_name
    fields = ["display_name"]
    if avatar is not None:
        user.avatar.save(avatar.name or "avatar", avatar, save=False)
        fields.append("avatar")
    elif remove_avatar and user.avatar:
        user.avatar.delete(save=False)
        fields.append("avatar")
    user.save(update_fields=fields)
    return user
