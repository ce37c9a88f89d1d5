"""Who is calling a Teahaz endpoint: the per-chatroom log-in cookie, and the `userID` or `username` naming them."""

import uuid
from typing import Any

from drf_spectacular.extensions import OpenApiAuthenticationExtension
from rest_framework import exceptions
from rest_framework.authentication import BaseAuthentication
from rest_framework.permissions import BasePermission
from rest_framework.request import Request

from chat.api.authentication import is_write
from chat.api.cross_site import enforce_cross_site_rule
from chat.api.teahaz.dialect import HEADER_METHODS, caller_claims
from chat.api.teahaz.params import as_uuid
from chat.exceptions import Code
from chat.models import AuthToken, User
from chat.services.tokens import token_check
from chat.usernames import canonical_username


def cookie_name(chatroom_id: uuid.UUID) -> str:
    """The log-in cookie of a chatroom is named after the chatroom's id."""
    return str(chatroom_id)


def path_chatroom_id(request: Request) -> uuid.UUID | None:
    """The chatroom id of the URL, when it is a UUID."""
    return as_uuid((request.parser_context or {}).get("kwargs", {}).get("chatroom_id"))


class TeahazCookieAuthentication(BaseAuthentication):
    """The log-in cookie named after the chatroom in the URL; a write it authenticates must pass the cross-site rule."""

    def authenticate(self, request: Request) -> tuple[User, AuthToken] | None:
        chatroom_id = path_chatroom_id(request)
        if chatroom_id is None:
            return None
        raw = request.COOKIES.get(cookie_name(chatroom_id))
        if not raw:
            return None
        write = is_write(request)
        token = token_check(raw=raw, chatroom_id=chatroom_id, fresh=write, entering=chatroom_id if write else None)
        if token is None:
            raise exceptions.AuthenticationFailed(
                detail=exceptions.ErrorDetail("Your log-in has expired or was revoked.", code=Code.LOGIN_EXPIRED)
            )
        enforce_cross_site_rule(request._request)
        return token.user, token


def request_object(request: Request) -> dict:
    """The JSON object of a POST body (anything else is invalid input)."""
    data = request.data
    if not isinstance(data, dict):
        # DRF's own exception: the browsable API probes permissions (which read the body) and catches only those.
        raise exceptions.ParseError(exceptions.ErrorDetail("The body must be a JSON object.", code=Code.INVALID_BODY))
    return data


def caller(request: Request) -> User:
    """The user a request is authenticated as; the permissions have refused anyone else (else 401)."""
    user = request.user
    if not isinstance(user, User):
        raise exceptions.NotAuthenticated(exceptions.ErrorDetail("Not logged in.", code=Code.NOT_LOGGED_IN))
    return user


def names_user(claimed: Any, user: User) -> bool:
    """Whether a `userID` names this user: by id, or by username (its canonical form)."""
    if not isinstance(claimed, str) or not claimed.strip():
        return False
    claimed = claimed.strip()
    return as_uuid(claimed) == user.pk or canonical_username(claimed) == user.username_canonical


class UserIDMatches(BasePermission):
    """The request's `userID` or `username` (or both) name the authenticated user; none, or another, is 401."""

    def has_permission(self, request: Request, view: Any) -> bool:
        body = None if request.method in HEADER_METHODS else request_object(request)
        claims = [claim for claim in caller_claims(request, body) if claim is not None and claim != ""]
        # DRF's own exception: the browsable API probes permissions and catches only those.
        if not claims:
            raise exceptions.NotAuthenticated(exceptions.ErrorDetail("userID is required.", code=Code.USERID_REQUIRED))
        user = caller(request)
        if not all(names_user(claim, user) for claim in claims):
            raise exceptions.NotAuthenticated(
                exceptions.ErrorDetail("userID does not name the logged-in user.", code=Code.USERID_MISMATCH)
            )
        return True


class TeahazCookieScheme(OpenApiAuthenticationExtension):
    """The schema's name for the log-in cookie (its name is the chatroom id)."""

    target_class = "chat.api.teahaz.authentication.TeahazCookieAuthentication"
    name = "teahazCookie"

    def get_security_definition(self, auto_schema: Any) -> dict:
        return {
            "type": "apiKey",
            "in": "cookie",
            "name": "<chatroom_id>",
            "description": "Set by POST /chatroom/, /login/<chatroom_id> and /invites/<chatroom_id>.",
        }
