"""The password check behind Django's own log-in pages (/accounts/login/, the admin's, the browsable API's)."""

from typing import Any

from django.contrib.auth.backends import ModelBackend
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest

from chat.exceptions import NotAuthenticated, Throttled
from chat.http import client_address
from chat.models import User
from chat.services.accounts import user_authenticate


class ThrottledModelBackend(ModelBackend):
    """Django's ModelBackend, its failures counted and throttled per account and address as the API's log-ins are."""

    def authenticate(
        self, request: HttpRequest | None, username: str | None = None, password: str | None = None, **kwargs: Any
    ) -> User | None:
        if username is None:
            username = kwargs.get(User.USERNAME_FIELD)
        if request is None or username is None or password is None:
            # No request (the test client's login(), a script): no client address to count failures against.
            return super().authenticate(request, username=username, password=password, **kwargs)
        try:
            user = user_authenticate(identifier=username, password=password, address=client_address(request))
        except Throttled:
            # PermissionDenied stops Django from trying any other backend: the form answers as for a wrong password.
            raise PermissionDenied from None
        except NotAuthenticated:
            return None
        return user if self.user_can_authenticate(user) else None
