"""The Origam chat protocol: each view parses, authenticates, calls chat's selectors or services, and renders."""

import uuid

from django.utils import timezone
from drf_spectacular.utils import extend_schema
from rest_framework.permissions import IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from chat.access import RoomAccess, chatroom_enter
from chat.api.authentication import BearerTokenAuthentication, SessionCookieAuthentication
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
from chat.models import Message
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


class OrigamView(APIView):
    """An Origam endpoint: the caller holds a bearer token or a session cookie (under the cross-site rule)."""

    authentication_classes = [BearerTokenAuthentication, SessionCookieAuthentication]
    permission_classes = [IsAuthenticated]


class ChatroomView(OrigamView):
    """An endpoint inside one chatroom: only its active participants get in, and they are marked present."""

    def enter(self, request: Request, chatroom_id: uuid.UUID) -> RoomAccess:
        """The caller's access; a chatroom the caller is not in is not found, as if it did not exist."""
        try:
            return chatroom_enter(user=request.user, chatroom_id=chatroom_id)
        except NotParticipant:
            raise NotFound("Chatroom not found.", code=Code.CHATROOM_NOT_FOUND) from None


def _messages_json(rows: list[dict]) -> list[dict]:
    return rendering.messages_json(rows, mentions_by_message(message_ids=[row["id"] for row in rows]))


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


class ChatroomListView(OrigamView):
    """The caller's chatrooms, each with its unread count."""

    @extend_schema(responses=InfoSerializer(many=True))
    def get(self, request: Request) -> Response:
        return Response(rendering.infos_json(chatroom_infos(user_id=request.user.pk)))


class ChatroomCreateView(OrigamView):
    """Creates a chatroom with the caller as owner and the invited users in it; answers its id as a string."""

    @extend_schema(request=ChatroomCreateSerializer, responses={200: {"type": "string", "format": "uuid"}})
    def post(self, request: Request) -> Response:
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


class LocalUserView(OrigamView):
    """The caller."""

    @extend_schema(responses=UserSerializer)
    def get(self, request: Request) -> Response:
        return Response(rendering.user_of(request.user))


class ListToInviteView(OrigamView):
    """Active users other than the caller, to invite into a new chatroom."""

    @extend_schema(parameters=[UserQuerySerializer], responses=UserSerializer(many=True))
    def get(self, request: Request) -> Response:
        query = UserQuerySerializer.parse(request.query_params)
        search_limit_hit(search_phrase=query["searchPhrase"], user_id=request.user.pk, address=client_address(request))
        rows = users_other_than(
            user_id=request.user.pk, search_phrase=query["searchPhrase"], limit=query["limit"], offset=query["offset"]
        )
        return Response(rendering.users_json(rows))


class MessagesView(ChatroomView):
    """GET a page of the chatroom's messages (ascending); POST a message (idempotent by its id)."""

    @extend_schema(parameters=[MessageQuerySerializer], responses=MessageSerializer(many=True))
    def get(self, request: Request, chatroom_id: uuid.UUID) -> Response:
        access = self.enter(request, chatroom_id)
        query = MessageQuerySerializer.parse(request.query_params)
        rows = default_channel_page(
            access=access,
            limit=query["limit"],
            after=query.get("afterIdIncluding"),
            before=query.get("beforeIdIncluding"),
        )
        return Response(_messages_json(rows))

    @extend_schema(request=MessagePostSerializer, responses=MessageSerializer)
    def post(self, request: Request, chatroom_id: uuid.UUID) -> Response:
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


class InfoView(ChatroomView):
    """GET the chatroom's info; PATCH (or POST, as the real client does) `{"topic"}` renames it."""

    @extend_schema(responses=InfoSerializer)
    def get(self, request: Request, chatroom_id: uuid.UUID) -> Response:
        return Response(_info_json(access=self.enter(request, chatroom_id)))

    @extend_schema(request=TopicSerializer, responses=InfoSerializer)
    def patch(self, request: Request, chatroom_id: uuid.UUID) -> Response:
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

    @extend_schema(request=TopicSerializer, responses=InfoSerializer)
    def post(self, request: Request, chatroom_id: uuid.UUID) -> Response:
        return self.patch(request, chatroom_id)


class ParticipantsView(ChatroomView):
    """Every participant with its presence."""

    @extend_schema(responses=ParticipantSerializer(many=True))
    def get(self, request: Request, chatroom_id: uuid.UUID) -> Response:
        access = self.enter(request, chatroom_id)
        return Response(
            rendering.participants_json(participants_with_presence(chatroom_id=access.chatroom.pk, now=timezone.now()))
        )


class InviteUserView(ChatroomView):
    """Makes a user a participant; one already in stays as is."""

    @extend_schema(request=UserIdSerializer, responses=UserSerializer)
    def post(self, request: Request, chatroom_id: uuid.UUID) -> Response:
        access = self.enter(request, chatroom_id)
        data = validated(UserIdSerializer, request.data)
        user = user_get(user_id=data["userId"])
        rate_limit_hit(scope="invite_create", user_id=request.user.pk, address=client_address(request))
        participant_add(chatroom=access.chatroom, user=user, invited_by=request.user)
        return Response(rendering.user_of(user))


class ChatroomUserListView(ChatroomView):
    """A page of users as seen from one chatroom; `select` names the selector that picks them."""

    select = staticmethod(users_in_chatroom)

    @extend_schema(parameters=[UserQuerySerializer], responses=UserSerializer(many=True))
    def get(self, request: Request, chatroom_id: uuid.UUID) -> Response:
        access = self.enter(request, chatroom_id)
        query = UserQuerySerializer.parse(request.query_params)
        search_limit_hit(search_phrase=query["searchPhrase"], user_id=request.user.pk, address=client_address(request))
        rows = self.select(
            chatroom_id=access.chatroom.pk,
            search_phrase=query["searchPhrase"],
            limit=query["limit"],
            offset=query["offset"],
        )
        return Response(rendering.users_json(rows))


class UsersToInviteView(ChatroomUserListView):
    """Active users who are not in the chatroom."""

    select = staticmethod(users_to_invite)


class UsersInChatroomView(ChatroomUserListView):
    """The chatroom's participants, the caller included (whom to mention, or to outvite)."""


class AbandonView(ChatroomView):
    """The caller leaves the chatroom; an owner's role passes on."""

    @extend_schema(request=None, responses={200: EMPTY_RESPONSE})
    def post(self, request: Request, chatroom_id: uuid.UUID) -> Response:
        access = self.enter(request, chatroom_id)
        participant_remove(participant=access.participant, actor=request.user)
        return Response({})


class OutviteUserView(ChatroomView):
    """Removes a participant: the caller always may remove itself; removing another needs a chatroom admin."""

    @extend_schema(request=UserIdSerializer, responses={200: EMPTY_RESPONSE})
    def post(self, request: Request, chatroom_id: uuid.UUID) -> Response:
        access = self.enter(request, chatroom_id)
        data = validated(UserIdSerializer, request.data)
        participant_remove_by(actor=access.participant, user_id=data["userId"])
        return Response({})


class PolledDataView(ChatroomView):
    """Messages, info, participants and the caller in one answer: `chat.services.polls.chatroom_poll`, rendered."""

    @extend_schema(parameters=[MessageQuerySerializer], responses=PolledDataSerializer)
    def get(self, request: Request, chatroom_id: uuid.UUID) -> Response:
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
                "messages": rendering.messages_json(poll.messages, poll.mentions),
                "info": _info_json(access=access, unread=poll.unread),
                "participants": rendering.participants_json(poll.participants),
                "localUser": rendering.user_of(access.user),
            }
        )
