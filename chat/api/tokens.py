"""`/api/auth/token`: exchange a username and password for a bearer token, or revoke one."""

from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from chat.api.authentication import BearerTokenAuthentication
from chat.exceptions import NotAuthenticated
from chat.http import client_address
from chat.limits import PASSWORD_MAX_LENGTH, USERNAME_MAX_LENGTH
from chat.services.accounts import user_authenticate
from chat.services.tokens import token_issue, token_revoke


class TokenRequestSerializer(serializers.Serializer):
    """The credentials that buy a token."""

    username = serializers.CharField(max_length=USERNAME_MAX_LENGTH)
    password = serializers.CharField(
        max_length=PASSWORD_MAX_LENGTH, style={"input_type": "password"}, trim_whitespace=False
    )


class TokenView(APIView):
    """POST credentials for a bearer token; DELETE with that token revokes it."""

    authentication_classes = [BearerTokenAuthentication]
    permission_classes = []
    serializer_class = TokenRequestSerializer

    def perform_authentication(self, request: Request) -> None:
        # Lazy: a client still sending an old, revoked token must be able to log in afresh;
        # only DELETE looks at the bearer token (through request.auth).
        pass

    def post(self, request: Request) -> Response:
        serializer = TokenRequestSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        user = user_authenticate(
            identifier=serializer.validated_data["username"],
            password=serializer.validated_data["password"],
            address=client_address(request),
        )
        raw, token = token_issue(user=user, name="api")
        return Response({"token": raw, "expires": token.expires_at.isoformat()})

    def delete(self, request: Request) -> Response:
        if request.auth is None:
            raise NotAuthenticated("Send the token to revoke as `Authorization: Bearer <token>`.")
        _keyword, _, raw = request.META["HTTP_AUTHORIZATION"].partition(" ")
        token_revoke(raw=raw.strip())
        return Response({"detail": "Token revoked."})
