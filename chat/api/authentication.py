"""The credentials every adapter accepts: a bearer token and the Django session cookie."""

import uuid

from rest_framework import exceptions
from rest_framework.authentication import BaseAuthentication, SessionAuthentication
from rest_framework.permissions import SAFE_METHODS
from rest_framework.request import Request

from chat.access import Entry
from chat.api.cross_site import enforce_cross_site_rule
from chat.exceptions import Code
from chat.models import AuthToken, User
from chat.services.tokens import token_check


def is_write(request: Request) -> bool:
    """A request that may change something: it authenticates and enters from the database, never the cache."""
    return request.method not in SAFE_METHODS


def entering(request: Request) -> uuid.UUID | None:
    """The chatroom a write enters, named by its URL (`chatroom_id`): its token check reads the access too."""
    if not is_write(request):
        return None
    chatroom_id = (request.parser_context or {}).get("kwargs", {}).get("chatroom_id")
    if isinstance(chatroom_id, uuid.UUID):
        return chatroom_id
    try:
        return uuid.UUID(chatroom_id) if isinstance(chatroom_id, str) else None
    except ValueError:
        return None


def entry_of(request: Request) -> Entry | None:
    """The access rows that the request's token check read with it, if it did (see `entering`)."""
    token = request.auth
    return token.entry if isinstance(token, AuthToken) else None


class BearerTokenAuthentication(BaseAuthentication):
    """`Authorization: Bearer <token>`: an API token issued by /api/auth/token or by an operator."""

    keyword = "Bearer"

    def authenticate(self, request: Request) -> tuple[User, AuthToken] | None:
        header = request.META.get("HTTP_AUTHORIZATION", "")
        if not header:
            return None
        keyword, _, raw = header.partition(" ")
        if keyword.lower() != self.keyword.lower():
            return None
        token = token_check(raw=raw.strip(), fresh=is_write(request), entering=entering(request))
        if token is None:
            raise exceptions.AuthenticationFailed(
                detail=exceptions.ErrorDetail("Invalid or expired token.", code=Code.INVALID_TOKEN)
            )
        return token.user, token

    def authenticate_header(self, request: Request) -> str:
        return self.keyword


class SessionCookieAuthentication(SessionAuthentication):
    """The Django session cookie, with the cross-site rule in place of the CSRF token check."""

    def enforce_csrf(self, request: Request) -> None:
        enforce_cross_site_rule(request._request)

    def authenticate_header(self, request: Request) -> str:
        # Answering 401 (not 403) when nobody is logged in needs a WWW-Authenticate challenge.
        return 'Session realm="chatsite"'
