"""The Origam chat protocol as two ViewSets and the API root: each parses, calls chat's selectors or services, renders.

`ChatroomViewSet` holds everything under `chatrooms/<id>/` (one action per endpoint) and the creation of a
chatroom; `CallerViewSet` what the caller asks outside any one chatroom; `ChatroomListView` is the API root.
`chat.api.origam.urls` routes them.
"""

import uuid
from typing import Any

from django.utils import timezone
from django.utils.html import format_html, format_html_join
from drf_spectacular.utils import extend_schema
from rest_framework import viewsets
from rest_framework.decorators import action
from rest_framework.permissions import IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from chat.access import RoomAccess, chatroom_enter
from chat.api.authentication import BearerTokenAuthentication, SessionCookieAuthentication, entry_of, is_write
from chat.api.origam import rendering
from chat.api.origam.serializers import (
    ChatroomCreateSerializer,
    InfoSerializer,
    MessagePostSerializer,
    MessageQuerySerializer,
    MessageSerializer,
    ParticipantSerializer,
    PolledDataSerializer,
    TopicSerializer,
    UserIdSerializer,
    UserQuerySerializer,
    UserSerializer,
    validated,
)
from chat.exceptions import Code, Invalid, NotFound, NotParticipant
from chat.http import client_address
from chat.models import Message, User
from chat.selectors.chatrooms import participants_with_presence
from chat.selectors.memberships import chatroom_infos, unread_count
from chat.selectors.messages import default_channel_page, mentions_by_message
from chat.selectors.users import user_get, users_get_active, users_in_chatroom, users_other_than, users_to_invite
from chat.services.chatrooms import chatroom_create, chatroom_rename
from chat.services.messages import message_post
from chat.services.participants import participant_add, participant_remove, participant_remove_by
from chat.services.polls import chatroom_poll
from chat.throttles import rate_limit_hit, search_limit_hit

EMPTY_RESPONSE = {"type": "object", "properties": {}}


class AuthenticatedRequest(Request):
    """A request that `IsAuthenticated` let through: its user is an account, never anonymous."""

    user: User


class OrigamView(APIView):
    """An Origam endpoint: the caller holds a bearer token or a session cookie (under the cross-site rule)."""

    authentication_classes = [BearerTokenAuthentication, SessionCookieAuthentication]
    permission_classes = [IsAuthenticated]


class OrigamViewSet(viewsets.ViewSetMixin, OrigamView):
    """Origam endpoints grouped as the actions of one ViewSet."""


def _info_json(*, access: RoomAccess, unread: int | None = None) -> dict:
    """The Info of the chatroom; `unread` when the caller already knows it (else it is counted)."""
    chatroom = access.chatroom
    return rendering.info_json(
        chatroom_id=chatroom.pk,
        name=chatroom.name,
        reference_category=chatroom.reference_category,
        reference_record_id=chatroom.reference_record_id,
        unread=unread_count(access=access) if unread is None else unread,
    )


def _user_query(request: AuthenticatedRequest) -> dict[str, Any]:
    """The `limit`, `offset` and `searchPhrase` of a user list, once the search throttle let them through."""
    query = UserQuerySerializer.parse(request.query_params)
    search_limit_hit(search_phrase=query["searchPhrase"], user_id=request.user.pk, address=client_address(request))
    return query


class ChatroomListView(OrigamView):
    """The caller's chatrooms, each with its unread count."""

    name = "Origam chat API: your chatrooms"
    # (methods, path) of each endpoint under this root, filled in by the router; the browsable page lists them.
    endpoints: tuple[tuple[tuple[str, ...], str], ...] = ()

    @extend_schema(responses=InfoSerializer(many=True))
    def get(self, request: AuthenticatedRequest) -> Response:
        return Response(rendering.infos_json(chatroom_infos(user_id=request.user.pk)))

    def get_view_description(self, html: bool = False) -> str:
        description = super().get_view_description(html)
        if not html:
            return description
        root = self.request.path.rstrip("/") + "/"
        items = format_html_join(
            "",
            "<li><code>{}</code> {}</li>",
            (
                (" ".join(methods), format_html('<a href="{}">{}</a>', root + path, path) if "{" not in path else path)
                for methods, path in self.endpoints
            ),
        )
        return format_html("{}<p>Endpoints under this root:</p><ul>{}</ul>", description, items)


class CallerViewSet(OrigamViewSet):
    """What the caller asks outside any one chatroom: who it is, and whom it could invite into a new one."""

    @extend_schema(responses=UserSerializer)
    @action(detail=False, methods=["get"], url_path="localUser", url_name="local-user")
    def local_user(self, request: AuthenticatedRequest) -> Response:
        """The caller."""
        return Response(rendering.user_of(request.user))

    @extend_schema(parameters=[UserQuerySerializer], responses=UserSerializer(many=True))
    @action(detail=False, methods=["get"], url_path="users/listToInvite", url_name="list-to-invite")
    def list_to_invite(self, request: AuthenticatedRequest) -> Response:
        """Active users other than the caller, to invite into a new chatroom."""
        query = _user_query(request)
        rows = users_other_than(
            user_id=request.user.pk, search_phrase=query["searchPhrase"], limit=query["limit"], offset=query["offset"]
        )
        return Response(rendering.users_json(rows))


class ChatroomViewSet(OrigamViewSet):
    """One chatroom, an action per endpoint: only its active participants get in, and they are marked present."""

    lookup_field = "chatroom_id"
    # The path converter `chat.api.origam.urls` registers: a GUID in either letter case, else no route (404).
    lookup_value_converter = "origam_guid"

    def enter(self, request: AuthenticatedRequest, chatroom_id: uuid.UUID) -> RoomAccess:
        """The caller's access; a chatroom the caller is not in is not found, as if it did not exist."""
        try:
            return chatroom_enter(
                user=request.user, chatroom_id=chatroom_id, fresh=is_write(request), entry=entry_of(request)
            )
        except NotParticipant:
            raise NotFound("Chatroom not found.", code=Code.CHATROOM_NOT_FOUND) from None

    @extend_schema(request=ChatroomCreateSerializer, responses={200: {"type": "string", "format": "uuid"}})
    @action(detail=False, methods=["post"], url_path="create", url_name="create")
    def create_chatroom(self, request: AuthenticatedRequest) -> Response:
        """Creates a chatroom with the caller as owner and the invited users in it; answers its id as a string."""
        data = validated(ChatroomCreateSerializer, request.data)
        users = users_get_active(user_ids=data.get("inviteUsers") or [])
        rate_limit_hit(scope="chatroom_create", user_id=request.user.pk, address=client_address(request))
        chatroom = chatroom_create(
            creator=request.user,
            name=data["topic"],
            invite_users=users,
            reference_category=data.get("ReferenceCategory") or "",
            reference_record_id=data.get("ReferenceRecordId"),
        )
        return Response(str(chatroom.pk))

    @extend_schema(parameters=[MessageQuerySerializer], responses=MessageSerializer(many=True))
    @action(detail=True, methods=["get"])
    def messages(self, request: AuthenticatedRequest, chatroom_id: uuid.UUID) -> Response:
        """A page of the chatroom's messages, ascending."""
        access = self.enter(request, chatroom_id)
        query = MessageQuerySerializer.parse(request.query_params)
        rows = default_channel_page(
            access=access,
            limit=query["limit"],
            after=query.get("afterIdIncluding"),
            before=query.get("beforeIdIncluding"),
        )
        return Response(rendering.messages_json(rows))

    @extend_schema(request=MessagePostSerializer, responses=MessageSerializer)
    @messages.mapping.post
    def post_message(self, request: AuthenticatedRequest, chatroom_id: uuid.UUID) -> Response:
        """Posts a message, idempotent by its id."""
        access = self.enter(request, chatroom_id)
        data = validated(MessagePostSerializer, request.data)
        rate_limit_hit(scope="message_send", user_id=request.user.pk, address=client_address(request))
        message, _created = message_post(
            access=access,
            channel_id=access.default_channel.id,
            body=data["text"],
            fmt=Message.Format.HTML,
            message_id=data.get("id"),
            mention_ids=data.get("mentions") or [],
        )
        # The answer (new or a same-saying retry) mentions exactly whom the post did: none needs no query.
        mentions = mentions_by_message(message_ids=[message.pk]).get(message.pk, []) if data.get("mentions") else []
        return Response(rendering.message_of(message, author=access.user, mentions=mentions))

    @extend_schema(responses=InfoSerializer)
    @action(detail=True, methods=["get"])
    def info(self, request: AuthenticatedRequest, chatroom_id: uuid.UUID) -> Response:
        """The chatroom's info."""
        return Response(_info_json(access=self.enter(request, chatroom_id)))

    @extend_schema(request=TopicSerializer, responses=InfoSerializer)
    @info.mapping.post
    @info.mapping.patch
    def rename(self, request: AuthenticatedRequest, chatroom_id: uuid.UUID) -> Response:
        """Renames the chatroom to `{"topic"}`: PATCH, or POST as the real client does."""
        access = self.enter(request, chatroom_id)
        data = validated(TopicSerializer, request.data)
        try:
            chatroom_rename(chatroom=access.chatroom, name=data["topic"])
        except Invalid as error:
            if error.code != Code.INVALID_CHATROOM_NAME:
                raise
            # The Origam wire calls the chatroom's name its topic.
            raise Invalid(error.detail.replace("The chatroom name", "topic"), code=Code.INVALID_TOPIC) from None
        return Response(_info_json(access=access))

    @extend_schema(responses=ParticipantSerializer(many=True))
    @action(detail=True, methods=["get"])
    def participants(self, request: AuthenticatedRequest, chatroom_id: uuid.UUID) -> Response:
        """Every participant with its presence."""
        access = self.enter(request, chatroom_id)
        return Response(
            rendering.participants_json(participants_with_presence(chatroom_id=access.chatroom.pk, now=timezone.now()))
        )

    @extend_schema(request=UserIdSerializer, responses=UserSerializer)
    @action(detail=True, methods=["post"], url_path="inviteUser", url_name="invite-user")
    def invite_user(self, request: AuthenticatedRequest, chatroom_id: uuid.UUID) -> Response:
        """Makes a user a participant; one already in stays as is."""
        access = self.enter(request, chatroom_id)
        data = validated(UserIdSerializer, request.data)
        user = user_get(user_id=data["userId"])
        rate_limit_hit(scope="invite_create", user_id=request.user.pk, address=client_address(request))
        participant_add(chatroom=access.chatroom, user=user, invited_by=request.user)
        return Response(rendering.user_of(user))

    @extend_schema(parameters=[UserQuerySerializer], responses=UserSerializer(many=True))
    @action(detail=True, methods=["get"], url_path="usersToInvite", url_name="users-to-invite")
    def users_to_invite(self, request: AuthenticatedRequest, chatroom_id: uuid.UUID) -> Response:
        """Active users who are not in the chatroom."""
        access = self.enter(request, chatroom_id)
        query = _user_query(request)
        rows = users_to_invite(
            chatroom_id=access.chatroom.pk,
            search_phrase=query["searchPhrase"],
            limit=query["limit"],
            offset=query["offset"],
        )
        return Response(rendering.users_json(rows))

    @extend_schema(parameters=[UserQuerySerializer], responses=UserSerializer(many=True))
    @action(detail=True, methods=["get"], url_path="usersToMention", url_name="users-to-mention")
    def users_to_mention(self, request: AuthenticatedRequest, chatroom_id: uuid.UUID) -> Response:
        """The chatroom's participants, the caller included, whom to mention."""
        return self._participant_users(request, chatroom_id)

    @extend_schema(parameters=[UserQuerySerializer], responses=UserSerializer(many=True))
    @action(detail=True, methods=["get"], url_path="usersToOutvite", url_name="users-to-outvite")
    def users_to_outvite(self, request: AuthenticatedRequest, chatroom_id: uuid.UUID) -> Response:
        """The chatroom's participants, the caller included, whom to outvite."""
        return self._participant_users(request, chatroom_id)

    def _participant_users(self, request: AuthenticatedRequest, chatroom_id: uuid.UUID) -> Response:
        access = self.enter(request, chatroom_id)
        query = _user_query(request)
        rows = users_in_chatroom(
            chatroom_id=access.chatroom.pk,
            search_phrase=query["searchPhrase"],
            limit=query["limit"],
            offset=query["offset"],
        )
        return Response(rendering.users_json(rows))

    @extend_schema(request=None, responses={200: EMPTY_RESPONSE})
    @action(detail=True, methods=["post"])
    def abandon(self, request: AuthenticatedRequest, chatroom_id: uuid.UUID) -> Response:
        """The caller leaves the chatroom; an owner's role passes on."""
        access = self.enter(request, chatroom_id)
        participant_remove(participant=access.participant, actor=request.user)
        return Response({})

    @extend_schema(request=UserIdSerializer, responses={200: EMPTY_RESPONSE})
    @action(detail=True, methods=["post"], url_path="outviteUser", url_name="outvite-user")
    def outvite_user(self, request: AuthenticatedRequest, chatroom_id: uuid.UUID) -> Response:
        """Removes a participant: the caller always may remove itself; removing another needs a chatroom admin."""
        access = self.enter(request, chatroom_id)
        data = validated(UserIdSerializer, request.data)
        participant_remove_by(actor=access.participant, user_id=data["userId"])
        return Response({})

    @extend_schema(parameters=[MessageQuerySerializer], responses=PolledDataSerializer)
    @action(detail=True, methods=["get"], url_path="polledData", url_name="polled-data")
    def polled_data(self, request: AuthenticatedRequest, chatroom_id: uuid.UUID) -> Response:
        """Messages, info, participants and the caller in one answer: what a client polls every few seconds."""
        access = self.enter(request, chatroom_id)
        query = MessageQuerySerializer.parse(request.query_params)
        poll = chatroom_poll(
            access=access,
            limit=query["limit"],
            after=query.get("afterIdIncluding"),
            before=query.get("beforeIdIncluding"),
        )
        return Response(
            {
                "messages": rendering.messages_json(poll.messages),
                "info": _info_json(access=access, unread=poll.unread),
                "participants": rendering.participants_json(poll.participants),
                "localUser": rendering.user_of(access.user),
            }
        )
