"""The Teahaz protocol (chat API v0) as ViewSets keyed by the chatroom id: parse, call chat/ and invites/, render.

The router (`routers.py`) maps each ViewSet's `chatroom_actions` at `<prefix>/<chatroom_id>` and its
`collection_actions` at `<prefix>/`; the URLs, methods and answers are the contract's (teahaz.md, teahaz-2022.md).
"""

import uuid
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any, ClassVar, Literal

from django.utils import timezone
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import exceptions
from rest_framework.authentication import BaseAuthentication
from rest_framework.permissions import IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.viewsets import ViewSet

from chat.access import RoomAccess, chatroom_access, chatroom_enter
from chat.api.authentication import BearerTokenAuthentication, SessionCookieAuthentication, entry_of, is_write
from chat.api.cross_site import enforce_cross_site_rule, refuse_cross_site_navigation
from chat.api.teahaz import serializers as shapes
from chat.api.teahaz.authentication import (
    TeahazCookieAuthentication,
    UserIDMatches,
    caller,
    cookie_name,
    names_user,
    request_object,
)
from chat.api.teahaz.dialect import Dialect, body_fields, param, request_dialect
from chat.api.teahaz.params import (
    MESSAGES_MAX_COUNT,
    get_param,
    param_count,
    param_epoch,
    param_integer,
    param_uuid,
    path_uuid,
)
from chat.api.teahaz.rendering import (
    channel_json,
    chatroom_json,
    invite_json,
    message_json,
    message_row,
    messages_json,
    user_row_json,
)
from chat.exceptions import Code, Invalid, NotAuthenticated, NotFound, NotParticipant
from chat.http import client_address
from chat.models import User
from chat.selectors.chatrooms import participant_rows
from chat.selectors.messages import message_page
from chat.services.accounts import WRONG_CREDENTIALS
from chat.services.chatroom_logins import chatroom_create_with_account, chatroom_login
from chat.services.chatrooms import channel_create
from chat.services.files import file_post
from chat.services.messages import message_post
from chat.services.tokens import token_check, token_issue, token_revoke
from chat.text import decode_base64, decode_base64_text
from chat.throttles import rate_limit_hit
from invites.services import invite_create, invite_redeem

if TYPE_CHECKING:
    from rest_framework.permissions import _SupportsHasPermission

# The Teahaz wire names a message's fields as its clients send them.
WIRE_TEXTS = {Code.INVALID_REPLY: "replyID does not name a message you can read here."}


def wire_error(error: Invalid) -> Invalid:
    """The domain error in the words of the Teahaz wire (its field names), where they differ."""
    if error.code in WIRE_TEXTS:
        return Invalid(WIRE_TEXTS[error.code], code=error.code)
    return error


USER_ID_HEADER = OpenApiParameter(
    "userID", OpenApiTypes.STR, OpenApiParameter.HEADER, description="Your user id or username (2021 dialect)."
)
USERNAME_HEADER = OpenApiParameter(
    "username", OpenApiTypes.STR, OpenApiParameter.HEADER, description="Your username (2022 dialect)."
)
CALLER_HEADERS = [USER_ID_HEADER, USERNAME_HEADER]


def header(name: str, kind: Any, description: str, *, required: bool = False) -> OpenApiParameter:
    """A Teahaz GET parameter, documented as the header it travels in (the query string also works)."""
    return OpenApiParameter(name, kind, OpenApiParameter.HEADER, required=required, description=description)


def logged_in_response(request: Request, *, user: User, chatroom_id: uuid.UUID) -> Response:
    """Chatroom data with the log-in cookie: named after the chatroom, the only cookie the response sets.

    The user has just logged in (or joined): reading the access records no presence.
    """
    access = chatroom_access(user=user, chatroom_id=chatroom_id)
    raw, token = token_issue(user=access.user, chatroom=access.chatroom)
    response = Response(chatroom_json(access))
    response.set_cookie(
        cookie_name(access.chatroom.pk),
        raw,
        expires=token.expires_at,
        path="/",
        secure=request.is_secure(),
        httponly=True,
        samesite="Lax",
    )
    return response


def names_no_time(raw: str) -> bool:
    """Whether a `time` is teahaz.py's "no time": 0 (or below)."""
    try:
        return float(raw) <= 0
    except ValueError:
        return False


def message_text(data: str, *, dialect: Dialect) -> str | None:
    """The text of a message's `data` (addendum section 4.3), or None when the text is `data` itself.

    2022 clients always send base64 of UTF-8 text (else 400); a 2021 client's data is text in base64 when it is
    strictly that (as teahaz.js sends), else plain text.
    """
    text = decode_base64_text(data)
    if text is None and dialect is Dialect.V2022:
        raise Invalid("data must be standard base64 of UTF-8 text.", code=Code.INVALID_BASE64_TEXT)
    return text


class TeahazViewSet(ViewSet):
    """Refuses unknown methods (405) and non-UUID path ids (404) first; then cookie, token or session, and userID."""

    authentication_classes = [BearerTokenAuthentication, TeahazCookieAuthentication, SessionCookieAuthentication]
    permission_classes = [IsAuthenticated, UserIDMatches]
    lookup_field = "chatroom_id"
    # Any path segment: the view answers 404 (as JSON) for one that is not a UUID.
    lookup_value_regex = "[^/]+"
    # What the router maps at `<prefix>/<chatroom_id>` and at `<prefix>/`: HTTP method to action.
    chatroom_actions: ClassVar[dict[str, str]] = {}
    collection_actions: ClassVar[dict[str, str]] = {}
    # Actions that log the caller in (or out) and so need no credentials.
    public_actions: ClassVar[frozenset[str]] = frozenset()
    chatroom_id: uuid.UUID

    def is_public(self) -> bool:
        # Authenticators are chosen before DRF sets `self.action`, so the action is read off the method here.
        request = getattr(self, "request", None)
        method = (request.method or "").lower() if request is not None else ""
        return self.action_map.get(method) in self.public_actions

    def get_authenticators(self) -> list[BaseAuthentication]:
        return [] if self.is_public() else super().get_authenticators()

    def get_permissions(self) -> Sequence["_SupportsHasPermission"]:
        return [] if self.is_public() else super().get_permissions()

    def get_authenticate_header(self, request: Request) -> str:
        # Log-in actions run no authenticator, yet their 401 must still name a scheme the client can use.
        return BearerTokenAuthentication().authenticate_header(request)

    def initial(self, request: Request, *args: Any, **kwargs: Any) -> None:
        method = request.method or ""
        if method.lower() not in self.http_method_names or not hasattr(self, method.lower()):
            # Negotiated first, so that a browser's 405 is the browsable page with the form of the method allowed.
            self.format_kwarg = self.get_format_suffix(**kwargs)
            raise exceptions.MethodNotAllowed(method)
        if "chatroom_id" in kwargs:
            self.chatroom_id = path_uuid(kwargs["chatroom_id"])
        super().initial(request, *args, **kwargs)

    def browsable_initial(self, request: Request, *, fields: set[str]) -> dict[str, str]:
        """The browsable API's forms name the logged-in caller in `userID`: as the protocol asks of a sender, and
        where the body has the field (a log-in)."""
        user = request.user
        if not isinstance(user, User) or (self.is_public() and "userID" not in fields):
            return {}
        return {"userID": str(user.pk)}

    def enter(self, request: Request) -> RoomAccess:
        """The caller's access to the chatroom of the URL (403 if not a participant, 404 if none such)."""
        return chatroom_enter(
            user=caller(request), chatroom_id=self.chatroom_id, fresh=is_write(request), entry=entry_of(request)
        )


class ChatroomViewSet(TeahazViewSet):
    """`POST /chatroom/` creates a chatroom and logs in to it; `GET /chatroom/<chatroom_id>` answers its data."""

    collection_actions = {"post": "create"}
    chatroom_actions = {"get": "retrieve"}
    public_actions = frozenset({"create"})

    # Every creation answers 200, as the contract says (the schema would say 201 for a `create` action).
    @extend_schema(request=shapes.TeahazChatroomCreateSerializer, responses={200: shapes.TeahazChatroomDataSerializer})
    def create(self, request: Request) -> Response:
        """Create a chatroom and log in to it (GET has no meaning here: 405)."""
        data = request_object(request)
        body = shapes.TeahazChatroomCreateSerializer(data=body_fields(data))
        body.is_valid(raise_exception=True)
        participant = chatroom_create_with_account(
            username=body.validated_data["username"],
            password=body.validated_data["password"],
            address=client_address(request),
            name=body.validated_data["chatroom_name"],
        )
        return logged_in_response(request, user=participant.user, chatroom_id=participant.chatroom_id)

    @extend_schema(parameters=CALLER_HEADERS, responses=shapes.TeahazChatroomDataSerializer)
    def retrieve(self, request: Request, chatroom_id: str) -> Response:
        """The logged-in caller's Chatroom data."""
        return Response(chatroom_json(self.enter(request)))


class LoginViewSet(TeahazViewSet):
    """`/login/<chatroom_id>`: GET checks the log-in, POST logs in (sets the cookie), DELETE logs out."""

    chatroom_actions = {"get": "retrieve", "post": "log_in", "delete": "log_out"}
    public_actions = frozenset({"log_in", "log_out"})

    @extend_schema(parameters=CALLER_HEADERS, responses=shapes.TeahazDetailSerializer)
    def retrieve(self, request: Request, chatroom_id: str) -> Response:
        """Whether the caller is logged in to the chatroom (401 if not)."""
        try:
            self.enter(request)
        except (NotFound, NotParticipant) as error:
            raise NotAuthenticated("Not logged in to this chatroom.", code=Code.NOT_LOGGED_IN) from error
        return Response({"detail": "Logged in"})

    @extend_schema(request=shapes.TeahazLoginSerializer, responses=shapes.TeahazChatroomDataSerializer)
    def log_in(self, request: Request, chatroom_id: str) -> Response:
        """Log in with a password: answers the Chatroom data and sets the chatroom's log-in cookie."""
        data = request_object(request)
        body = shapes.TeahazLoginSerializer(data=data)
        body.is_valid(raise_exception=True)
        user_id, username = body.validated_data.get("userID"), body.validated_data.get("username")
        participant = chatroom_login(
            chatroom_id=self.chatroom_id,
            identifier=user_id or username,
            password=body.validated_data["password"],
            address=client_address(request),
        )
        if user_id and username and not names_user(username, participant.user):
            raise NotAuthenticated(WRONG_CREDENTIALS, code=Code.WRONG_CREDENTIALS)
        return logged_in_response(request, user=participant.user, chatroom_id=participant.chatroom_id)

    @extend_schema(request=None, responses=shapes.TeahazDetailSerializer)
    def log_out(self, request: Request, chatroom_id: str) -> Response:
        """Log out: revokes the log-in the cookie carries and clears the cookie."""
        # The cookie rides along on its own: a cross-site page must not be able to log the user out.
        enforce_cross_site_rule(request._request)
        name = cookie_name(self.chatroom_id)
        raw = request.COOKIES.get(name, "")
        if token_check(raw=raw, chatroom_id=self.chatroom_id) is not None:
            token_revoke(raw=raw)
        response = Response({"detail": "Logged out"})
        response.delete_cookie(name, path="/", samesite="Lax")
        return response


class UsersViewSet(TeahazViewSet):
    """`GET /users/<chatroom_id>`: every participant of the chatroom."""

    chatroom_actions = {"get": "list"}

    @extend_schema(parameters=CALLER_HEADERS, responses=shapes.TeahazUserSerializer(many=True))
    def list(self, request: Request, chatroom_id: str) -> Response:
        """Every participant of the chatroom."""
        access = self.enter(request)
        rows = participant_rows(chatroom_id=access.chatroom.pk)
        return Response([user_row_json(row) for row in rows])


class ChannelsViewSet(TeahazViewSet):
    """`/channels/<chatroom_id>`: GET the channels the caller can read; POST creates one (chatroom admins)."""

    chatroom_actions = {"get": "list", "post": "create"}

    @extend_schema(parameters=CALLER_HEADERS, responses=shapes.TeahazChannelSerializer(many=True))
    def list(self, request: Request, chatroom_id: str) -> Response:
        """The channels the caller can read."""
        return Response([channel_json(channel) for channel in self.enter(request).readable_channels])

    @extend_schema(request=shapes.TeahazChannelCreateSerializer, responses={200: shapes.TeahazChannelSerializer})
    def create(self, request: Request, chatroom_id: str) -> Response:
        """Create a channel (chatroom admins)."""
        access = self.enter(request)
        access.require_moderator()
        data = request_object(request)
        body = shapes.TeahazChannelCreateSerializer(data=body_fields(data))
        body.is_valid(raise_exception=True)
        rate_limit_hit(scope="channel_create", user_id=access.user.pk, address=client_address(request))
        channel = channel_create(
            chatroom=access.chatroom,
            name=body.validated_data["channel_name"],
            public=body.validated_data["public"],
        )
        return Response(channel_json(access.created(channel)))


class MessagesViewSet(TeahazViewSet):
    """`/messages/<chatroom_id>`: GET a page of messages (`since` or `count`); POST sends one.

    Two rules read the dialect: a 2022 request without `get-method` means `since`, and its `count` with a
    `time` of 0 or less (teahaz.py's "no time") has no upper bound.
    """

    chatroom_actions = {"get": "list", "post": "create"}

    @extend_schema(
        parameters=[
            *CALLER_HEADERS,
            header("get-method", OpenApiTypes.STR, '"since" or "count" (2022 dialect: since when absent).'),
            header(
                "time",
                OpenApiTypes.FLOAT,
                "Epoch seconds: the lower bound (since) or upper bound (count; in the 2022 dialect 0 is none).",
            ),
            header("count", OpenApiTypes.INT, f"How many (count): default 10, at most {MESSAGES_MAX_COUNT}."),
            header("channelID", OpenApiTypes.UUID, "Only this channel."),
        ],
        responses=shapes.TeahazMessageSerializer(many=True),
    )
    def list(self, request: Request, chatroom_id: str) -> Response:
        """A page of messages: those since `time` (since, oldest first) or the `count` up to it (count, newest first).

        A 2022 request without `get-method` means `since`, and its `count` with a `time` of 0 or less (teahaz.py's
        "no time") has no upper bound.
        """
        dialect = request_dialect(request)
        method = get_param(request, "get-method")
        if method is None and dialect is Dialect.V2022:
            method = "since"
        if method not in ("since", "count"):
            raise Invalid('get-method must be "since" or "count".', code=Code.INVALID_GET_METHOD)
        raw_time = get_param(request, "time")
        raw_channel = get_param(request, "channelID")
        channel_id = param_uuid(raw_channel, name="channelID") if raw_channel else None
        since = until = None
        keep: Literal["oldest", "newest"]
        if method == "since":
            if raw_time is None:
                raise Invalid('get-method "since" needs a time.', code=Code.TIME_REQUIRED)
            since, limit, keep = param_epoch(raw_time, name="time"), MESSAGES_MAX_COUNT, "oldest"
        else:
            if dialect is Dialect.V2022 and raw_time is not None and names_no_time(raw_time):
                raw_time = None
            until = param_epoch(raw_time, name="time") if raw_time is not None else timezone.now()
            limit, keep = param_count(get_param(request, "count")), "newest"

        access = self.enter(request)
        channels = [access.channel(channel_id, need="r")] if channel_id is not None else None
        # Teahaz shows no mentions: the page reads none.
        rows = message_page(
            access=access, channels=channels, since=since, until=until, limit=limit, keep=keep, with_mentions=False
        )
        if method == "count":
            rows.reverse()  # newest first, as the original server answered
        return Response(messages_json(rows, dialect=dialect))

    @extend_schema(request=shapes.TeahazMessagePostSerializer, responses={200: shapes.TeahazMessageSerializer})
    def create(self, request: Request, chatroom_id: str) -> Response:
        """Send a message (again with the same `messageID`: the one stored is answered)."""
        access = self.enter(request)
        data = request_object(request)
        dialect = request_dialect(request, data)
        body = shapes.TeahazMessagePostSerializer(data=data)
        body.is_valid(raise_exception=True)
        rate_limit_hit(scope="message_send", user_id=access.user.pk, address=client_address(request))
        sent, key_id = body.validated_data["data"], body.validated_data["keyID"] or None
        try:
            message, _created = message_post(
                access=access,
                channel_id=body.validated_data["channelID"],
                body=sent,
                text=None if key_id else message_text(sent, dialect=dialect),
                message_id=body.validated_data["messageID"],
                key_id=key_id,
                reply_to_id=body.validated_data["replyID"],
            )
        except Invalid as error:
            raise wire_error(error) from None
        return Response(message_json(message_row(message, author=access.user), dialect=dialect))


class FilesViewSet(TeahazViewSet):
    """`POST /files/<chatroom_id>`: sends a file (base64 in `data`) as a message of type "file"; no GET (405)."""

    chatroom_actions = {"post": "create"}

    @extend_schema(request=shapes.TeahazFilePostSerializer, responses={200: shapes.TeahazMessageSerializer})
    def create(self, request: Request, chatroom_id: str) -> Response:
        """Send a file as a message of type "file"."""
        access = self.enter(request)
        data = request_object(request)
        body = shapes.TeahazFilePostSerializer(data=data)
        body.is_valid(raise_exception=True)
        content = decode_base64(body.validated_data["data"])
        if content is None:
            raise Invalid("data must be the file in standard base64.", code=Code.INVALID_BASE64)
        # A file is a message: it counts against the same sending limit.
        rate_limit_hit(scope="message_send", user_id=access.user.pk, address=client_address(request))
        try:
            message, _created = file_post(
                access=access,
                channel_id=body.validated_data["channelID"],
                content=content,
                name=body.validated_data["filename"],
                message_id=body.validated_data["messageID"],
                reply_to_id=body.validated_data["replyID"],
            )
        except Invalid as error:
            raise wire_error(error) from None
        row = message_row(message, author=access.user)
        return Response(message_json(row, dialect=request_dialect(request, data), file_content=content))


class InvitesViewSet(TeahazViewSet):
    """`/invites/<chatroom_id>`: GET creates an invite (chatroom admins); POST uses one and logs in."""

    chatroom_actions = {"get": "create", "post": "redeem"}
    public_actions = frozenset({"redeem"})
    # GET creates something: a HEAD (which Django would serve with GET) must not.
    http_method_names = ["get", "post", "options"]

    @extend_schema(
        parameters=[
            *CALLER_HEADERS,
            header("uses", OpenApiTypes.INT, "How many users it admits: default 1, at most 1000."),
            header(
                "expiration-time",
                OpenApiTypes.FLOAT,
                "Epoch seconds, in the future: default now + 7 days (also spelt expiration_time).",
            ),
        ],
        responses=shapes.TeahazInviteSerializer,
    )
    def create(self, request: Request, chatroom_id: str) -> Response:
        """Create an invite (chatroom admins): the protocol does it with a GET."""
        refuse_cross_site_navigation(request)
        raw_uses = get_param(request, "uses")
        raw_expiry = param(request, "expiration-time")
        uses = param_integer(raw_uses, name="uses") if raw_uses is not None else 1
        expires_at = param_epoch(raw_expiry, name="expiration-time") if raw_expiry is not None else None
        access = self.enter(request)
        access.require_moderator()
        rate_limit_hit(scope="invite_create", user_id=access.user.pk, address=client_address(request))
        invite = invite_create(chatroom=access.chatroom, created_by=access.user, uses=uses, expires_at=expires_at)
        return Response(invite_json(invite))

    @extend_schema(request=shapes.TeahazInviteRedeemSerializer, responses=shapes.TeahazChatroomDataSerializer)
    def redeem(self, request: Request, chatroom_id: str) -> Response:
        """Use an invite: joins (a new account or an existing one by its password) and logs in."""
        data = request_object(request)
        body = shapes.TeahazInviteRedeemSerializer(data=data)
        body.is_valid(raise_exception=True)
        _participant, user = invite_redeem(
            invite_id=body.validated_data["inviteID"],
            chatroom_id=self.chatroom_id,
            username=body.validated_data["username"],
            password=body.validated_data["password"],
            address=client_address(request),
        )
        return logged_in_response(request, user=user, chatroom_id=self.chatroom_id)
