"""v1's ViewSets. Each enters the chatroom through `chat.access.chatroom_enter`, bounds its queryset by the access
that answers (so a list never holds what its detail view would refuse), and writes through the services."""

import dataclasses
import uuid
from collections.abc import Mapping
from datetime import datetime
from typing import Any, ClassVar, Literal

from django.db.models import F, FilteredRelation, Model, Q, QuerySet
from django.utils import timezone
from drf_spectacular.openapi import AutoSchema
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.permissions import IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response

from chat.access import RoomAccess, chatroom_access, chatroom_enter
from chat.api.authentication import BearerTokenAuthentication, SessionCookieAuthentication, is_write
from chat.api.v1 import filters
from chat.api.v1 import serializers as v1
from chat.api.v1.pagination import MessageCursorPagination, MessageSearchPagination
from chat.exceptions import Code, NotFound, NotParticipant
from chat.http import client_address
from chat.models import Channel, Chatroom, Message, Participant, User
from chat.permissions import ChannelAccess
from chat.selectors.memberships import chatroom_infos, unread_count
from chat.selectors.messages import (
    MESSAGE_FIELDS,
    mentions_by_message,
    message_page,
    message_sent_at,
    messages_visible,
)
from chat.selectors.search import search_fields
from chat.selectors.users import user_get, users_in_chatroom, users_other_than, users_to_invite
from chat.services.chatrooms import channel_create, channel_update, chatroom_create, chatroom_rename
from chat.services.messages import message_delete, message_edit, message_post
from chat.services.participants import (
    participant_add,
    participant_ban,
    participant_remove,
    participant_remove_by,
    participant_set_role,
    participant_unban,
)
from chat.services.presence import presence_status, read_marker_move
from chat.text import shown_name
from chat.throttles import rate_limit_hit, search_limit_hit
from invites.models import Invite
from invites.services import invite_create, invite_get, invite_redeem_for_user, invite_revoke

UUID_PATTERN = r"[0-9a-fA-F]{8}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{12}"
CHATROOM_PARAMETER = OpenApiParameter("chatroom", uuid.UUID, required=True, description="The chatroom (required).")


def _user_json(*, user_id: uuid.UUID, username: str, display_name: str) -> dict:
    return {"id": user_id, "username": username, "name": shown_name(display_name=display_name, username=username)}


class ChatroomParameter(serializers.Serializer):
    chatroom = serializers.UUIDField()


class V1ViewSet(viewsets.GenericViewSet):
    """An endpoint of v1: the caller holds a bearer token or a session cookie (under the cross-site rule)."""

    authentication_classes = [BearerTokenAuthentication, SessionCookieAuthentication]
    permission_classes = [IsAuthenticated]

    @property
    def caller(self) -> User:
        """The authenticated caller: IsAuthenticated lets no one else through."""
        user = self.request.user
        assert isinstance(user, User)
        return user

    def enter(self, chatroom_id: uuid.UUID) -> RoomAccess:
        """The caller's access; a chatroom the caller is not in is not found, as if it did not exist."""
        try:
            return chatroom_enter(user=self.caller, chatroom_id=chatroom_id, fresh=is_write(self.request))
        except NotParticipant:
            raise NotFound("Chatroom not found.", code=Code.CHATROOM_NOT_FOUND) from None

    def validated(self, serializer_class: type[serializers.Serializer], data: Any) -> dict:
        serializer = serializer_class(data=data)
        serializer.is_valid(raise_exception=True)
        return serializer.validated_data


class InChatroom(V1ViewSet):
    """An endpoint whose objects belong to one chatroom: a list names it (`?chatroom=`), a detail is found by id.

    The caller enters that chatroom once per request; an object of a chatroom the caller is not in, or one the
    access does not reach, is not found.
    """

    model: ClassVar[type[Model]]
    not_found: ClassVar[str] = "Not found."
    _access: RoomAccess | None = None

    @property
    def access(self) -> RoomAccess:
        if self._access is None:
            self._access = self.enter(self._chatroom_id())
        return self._access

    def _chatroom_id(self) -> uuid.UUID:
        lookup = self.kwargs.get(self.lookup_url_kwarg or self.lookup_field)
        if lookup is None:
            source = self.request.data if self.request.method == "POST" else self.request.query_params
            given = source.get("chatroom") if isinstance(source, Mapping) else None
            return self.validated(ChatroomParameter, {} if given is None else {"chatroom": given})["chatroom"]
        chatroom_id = self.model._default_manager.filter(pk=lookup).values_list("chatroom_id", flat=True).first()
        if chatroom_id is None:
            raise NotFound(self.not_found)
        return chatroom_id

    def schema_queryset(self) -> QuerySet | None:
        """An empty queryset while the schema is generated (there is no caller to enter with)."""
        return self.model._default_manager.none() if getattr(self, "swagger_fake_view", False) else None

    def get_object(self) -> Any:
        """The object among those the access reaches (a list's filters do not apply to a detail)."""
        found = self.get_queryset().filter(pk=self.kwargs[self.lookup_url_kwarg or self.lookup_field]).first()
        if found is None:
            raise NotFound(self.not_found)
        return found

    def enter(self, chatroom_id: uuid.UUID) -> RoomAccess:
        if self.kwargs.get(self.lookup_url_kwarg or self.lookup_field) is None:
            return super().enter(chatroom_id)
        try:
            return super().enter(chatroom_id)
        except NotFound:
            raise NotFound(self.not_found) from None


# Chatrooms.


@extend_schema_view(
    list=extend_schema(summary="Your chatrooms", responses=v1.ChatroomSerializer(many=True)),
    retrieve=extend_schema(summary="A chatroom you are in", responses=v1.ChatroomSerializer),
    create=extend_schema(summary="Create a chatroom", responses={201: v1.ChatroomSerializer}),
    partial_update=extend_schema(summary="Rename a chatroom", responses=v1.ChatroomSerializer),
    leave=extend_schema(summary="Leave a chatroom", request=None, responses={204: None}),
    read=extend_schema(summary="Mark a chatroom read", request=v1.ReadMarkerSerializer, responses={204: None}),
)
class ChatroomViewSet(V1ViewSet):
    """The chatrooms you are an active participant of, by name. You create one as its owner; any participant may
    rename it; leaving passes an owner's role on to the longest-standing admin, else participant."""

    serializer_class = v1.ChatroomSerializer
    filterset_class = filters.ChatroomFilter
    lookup_value_regex = UUID_PATTERN

    def get_queryset(self) -> QuerySet:
        if getattr(self, "swagger_fake_view", False):
            return Chatroom.objects.none()  # the schema is generated with no caller
        return (
            Chatroom.objects.annotate(
                mine=FilteredRelation("participants", condition=Q(participants__user_id=self.caller.pk))
            )
            .filter(mine__state=Participant.State.ACTIVE)
            .annotate(role=F("mine__role"))
            .order_by("name", "id")
        )

    def _json(self, chatroom: Chatroom, role: str, unread: int) -> dict:
        return {
            "id": chatroom.pk,
            "name": chatroom.name,
            "role": role,
            "created_at": chatroom.created_at,
            "last_activity_at": chatroom.last_sent_at or chatroom.created_at,
            "unread": unread,
        }

    def _entered_json(self, access: RoomAccess) -> dict:
        return self._json(access.chatroom, access.participant.role, unread_count(access=access))

    def list(self, request: Request) -> Response:
        chatrooms = self.filter_queryset(self.get_queryset())
        unread = {info["chatroom_id"]: info["unread"] for info in chatroom_infos(user_id=self.caller.pk)}
        return Response([self._json(chatroom, chatroom.role, unread.get(chatroom.pk, 0)) for chatroom in chatrooms])

    def retrieve(self, request: Request, pk: str) -> Response:
        access = self.enter(uuid.UUID(pk))
        return Response(self._entered_json(access))

    def create(self, request: Request) -> Response:
        data = self.validated(v1.ChatroomSerializer, request.data)
        rate_limit_hit(scope="chatroom_create", user_id=self.caller.pk, address=client_address(request))
        chatroom = chatroom_create(creator=self.caller, name=data["name"])
        return Response(self._entered_json(self.enter(chatroom.pk)), status=status.HTTP_201_CREATED)

    def partial_update(self, request: Request, pk: str) -> Response:
        access = self.enter(uuid.UUID(pk))
        data = self.validated(v1.ChatroomSerializer, request.data)
        chatroom_rename(chatroom=access.chatroom, name=data["name"])
        return Response(self._entered_json(access))

    @action(detail=True, methods=["post"])
    def leave(self, request: Request, pk: str) -> Response:
        access = self.enter(uuid.UUID(pk))
        participant_remove(participant=access.participant, actor=self.caller)
        return Response(status=status.HTTP_204_NO_CONTENT)

    @action(detail=True, methods=["post"], serializer_class=v1.ReadMarkerSerializer)
    def read(self, request: Request, pk: str) -> Response:
        """Marks the chatroom read up to a message of a channel you can read (never backwards)."""
        access = self.enter(uuid.UUID(pk))
        data = self.validated(v1.ReadMarkerSerializer, request.data)
        sent_at = message_sent_at(access=access, message_id=data["message"])
        read_marker_move(participant=access.participant, up_to=sent_at)
        return Response(status=status.HTTP_204_NO_CONTENT)


# Channels.


def _channel_json(*, chatroom_id: uuid.UUID, channel: ChannelAccess) -> dict:
    return {
        "id": channel.id,
        "chatroom": chatroom_id,
        "name": channel.name,
        "public": channel.public,
        "is_default": channel.is_default,
        "permissions": {"r": channel.r, "w": channel.w, "x": channel.x},
    }


@extend_schema_view(
    list=extend_schema(
        summary="The channels you can read", parameters=[CHATROOM_PARAMETER], responses=v1.ChannelSerializer(many=True)
    ),
    retrieve=extend_schema(summary="A channel you can read", responses=v1.ChannelSerializer),
    create=extend_schema(summary="Create a channel", responses={201: v1.ChannelSerializer}),
    partial_update=extend_schema(
        summary="Rename a channel, or make it public or private",
        request=v1.ChannelUpdateSerializer,
        responses=v1.ChannelSerializer,
    ),
)
class ChannelViewSet(InChatroom):
    """The channels of a chatroom that you can read, each with your own r/w/x on it. Chatroom admins create
    channels, rename them and make them public or private; a channel you cannot read is not found."""

    model = Channel
    not_found = "Channel not found."
    serializer_class = v1.ChannelSerializer
    queryset = Channel.objects.none()  # for the schema: channels are read from the caller's access
    lookup_value_regex = UUID_PATTERN

    def get_serializer_class(self) -> type[serializers.Serializer]:
        return v1.ChannelUpdateSerializer if self.action == "partial_update" else v1.ChannelSerializer

    def list(self, request: Request) -> Response:
        access = self.access
        return Response(
            [_channel_json(chatroom_id=access.chatroom.pk, channel=channel) for channel in access.readable_channels]
        )

    def retrieve(self, request: Request, pk: str) -> Response:
        access = self.access
        return Response(_channel_json(chatroom_id=access.chatroom.pk, channel=access.channel(uuid.UUID(pk))))

    def create(self, request: Request) -> Response:
        data = self.validated(v1.ChannelSerializer, request.data)
        access = self.access
        access.require_moderator()
        rate_limit_hit(scope="channel_create", user_id=self.caller.pk, address=client_address(request))
        channel = channel_create(chatroom=access.chatroom, name=data["name"], public=data["public"])
        # The caller's rights on the new channel, as any later request will see them.
        created = chatroom_access(user=self.caller, chatroom_id=access.chatroom.pk).channel(channel.pk)
        return Response(_channel_json(chatroom_id=access.chatroom.pk, channel=created), status=status.HTTP_201_CREATED)

    def partial_update(self, request: Request, pk: str) -> Response:
        data = self.validated(v1.ChannelUpdateSerializer, request.data)
        access = self.access
        channel = channel_update(
            access=access, channel_id=uuid.UUID(pk), name=data.get("name"), public=data.get("public")
        )
        # Only chatroom admins change a channel, and they hold rwx on every channel, public or private.
        changed = dataclasses.replace(access.channel(channel.pk), name=channel.name, public=channel.public)
        return Response(_channel_json(chatroom_id=access.chatroom.pk, channel=changed))


# Participants.


@extend_schema_view(
    list=extend_schema(summary="The participants", responses=v1.ParticipantSerializer(many=True)),
    retrieve=extend_schema(summary="A participant", responses=v1.ParticipantSerializer),
    partial_update=extend_schema(
        summary="Change a role", request=v1.RoleSerializer, responses=v1.ParticipantSerializer
    ),
    destroy=extend_schema(summary="Remove a participant", responses={204: None}),
    ban=extend_schema(summary="Ban a participant", request=v1.BanSerializer, responses=v1.ParticipantSerializer),
    unban=extend_schema(summary="Lift a ban", request=None, responses=v1.ParticipantSerializer),
)
class ParticipantViewSet(InChatroom):
    """The participants of a chatroom with their role and presence (online, away, offline, or never seen).
    Chatroom admins also see banned ones; they change roles, ban, unban and remove; nobody removes the owner;
    anyone may remove themselves."""

    model = Participant
    not_found = "Participant not found."
    serializer_class = v1.ParticipantSerializer
    filterset_class = filters.ParticipantFilter
    lookup_value_regex = r"[0-9]+"

    def get_serializer_class(self) -> type[serializers.Serializer]:
        return {
            "partial_update": v1.RoleSerializer,
            "ban": v1.BanSerializer,
            "create": v1.ParticipantAddSerializer,
        }.get(self.action, v1.ParticipantSerializer)

    def get_queryset(self) -> QuerySet:
        if (fake := self.schema_queryset()) is not None:
            return fake
        access = self.access
        participants = Participant.objects.filter(chatroom_id=access.chatroom.pk).select_related("user")
        if not access.may_moderate:
            participants = participants.filter(state=Participant.State.ACTIVE)
        return participants.order_by("joined_at", "pk")

    def _json(self, participant: Participant, *, now: Any = None) -> dict:
        user = participant.user
        return {
            "id": participant.pk,
            "chatroom": participant.chatroom_id,
            "user": _user_json(user_id=user.pk, username=user.username, display_name=user.display_name),
            "role": participant.role,
            "state": participant.state,
            "presence": presence_status(last_seen_at=participant.last_seen_at, now=now or timezone.now()),
            "joined_at": participant.joined_at,
            "last_seen_at": participant.last_seen_at,
        }

    def _target(self) -> Participant:
        participant = self.get_object()
        participant.chatroom = self.access.chatroom
        return participant

    def list(self, request: Request) -> Response:
        now = timezone.now()
        return Response([self._json(p, now=now) for p in self.filter_queryset(self.get_queryset())])

    def retrieve(self, request: Request, pk: str) -> Response:
        return Response(self._json(self._target()))

    def partial_update(self, request: Request, pk: str) -> Response:
        data = self.validated(v1.RoleSerializer, request.data)
        self.access.require_moderator()
        participant = participant_set_role(participant=self._target(), role=data["role"], actor=self.caller)
        return Response(self._json(participant))

    def create(self, request: Request) -> Response:
        """Adds a user to the chatroom (any participant may, as in Origam); one already in stays as is."""
        data = self.validated(v1.ParticipantAddSerializer, request.data)
        user = user_get(user_id=data["user"])
        rate_limit_hit(scope="invite_create", user_id=self.caller.pk, address=client_address(request))
        participant, created = participant_add(chatroom=self.access.chatroom, user=user, invited_by=self.caller)
        participant.user = user
        return Response(self._json(participant), status=status.HTTP_201_CREATED if created else status.HTTP_200_OK)

    def destroy(self, request: Request, pk: str) -> Response:
        participant_remove_by(actor=self.access.participant, user_id=self._target().user_id)
        return Response(status=status.HTTP_204_NO_CONTENT)

    @action(detail=True, methods=["post"])
    def ban(self, request: Request, pk: str) -> Response:
        data = self.validated(v1.BanSerializer, request.data)
        self.access.require_moderator()
        participant = participant_ban(participant=self._target(), actor=self.caller, reason=data["reason"])
        return Response(self._json(participant))

    @action(detail=True, methods=["post"])
    def unban(self, request: Request, pk: str) -> Response:
        self.access.require_moderator()
        return Response(self._json(participant_unban(participant=self._target(), actor=self.caller)))


# Messages.


# A list with only these parameters is a plain page (`MessageViewSet._plain_list`); any other filter, or a value
# that is not an id, takes the FilterSet (which also says what is wrong with it).
_PLAIN_PAGE_PARAMETERS = frozenset({"chatroom", "channel", "cursor", "page_size", "format"})


def _plain_page(request: Request) -> bool:
    params = request.query_params
    if not _PLAIN_PAGE_PARAMETERS.issuperset(params):
        return False
    channel = params.get("channel")
    if channel is None:
        return True
    try:
        uuid.UUID(channel)
    except ValueError:
        return False
    return True


def messages_json(*, chatroom_id: uuid.UUID, rows: list[dict]) -> list[dict]:
    """Message rows as v1 shows them, with whom each mentions (carried by `message_page`'s rows, else one query
    for the page); a search's rows also carry their `rank` and `snippet`."""
    if all("mentions" in row for row in rows):
        mentions = {row["id"]: row["mentions"] for row in rows}
    else:
        mentions = mentions_by_message(message_ids=[row["id"] for row in rows])
    return [
        {
            "id": row["id"],
            "chatroom": chatroom_id,
            "channel": row["channel_id"],
            "author": None
            if row["author_id"] is None
            else _user_json(
                user_id=row["author_id"], username=row["author__username"], display_name=row["author__display_name"]
            ),
            "kind": row["kind"],
            "format": row["format"],
            "body": row["body"],
            "text": row["text"],
            "html": row["html"],
            "key_id": row["key_id"],
            "reply_to": row["reply_to_id"],
            "mentions": mentions.get(row["id"], []),
            "sent_at": row["sent_at"],
            "edited_at": row["edited_at"],
            **({"rank": row["rank"], "snippet": row["snippet"]} if "snippet" in row else {}),
        }
        for row in rows
    ]


@extend_schema_view(
    list=extend_schema(summary="Messages, a page at a time"),
    retrieve=extend_schema(summary="A message"),
    create=extend_schema(
        summary="Send a message",
        request=v1.MessageCreateSerializer,
        responses={201: v1.MessageSerializer, 200: v1.MessageSerializer},
    ),
    partial_update=extend_schema(
        summary="Edit your message", request=v1.MessageEditSerializer, responses=v1.MessageSerializer
    ),
    destroy=extend_schema(summary="Delete a message", responses={204: None}),
)
class MessageViewSet(InChatroom):
    """The messages of the channels you can read in a chatroom, oldest first within a page, paged by cursor;
    with `q`, the matches of a full-text search, best first.

    A message you cannot see (hidden, deleted, or in a channel you cannot read) is not found. Sending needs the
    `w` permission on the channel; a send that names its own `id` is idempotent: the same message again answers
    200 with the stored one, a different one under that id 409. Only its author edits a message (while they may
    write there); its author or a chatroom admin deletes it.
    """

    model = Message
    not_found = "Message not found."
    serializer_class = v1.MessageSerializer
    filterset_class = filters.MessageFilter
    pagination_class = MessageCursorPagination
    lookup_value_regex = UUID_PATTERN

    def get_serializer_class(self) -> type[serializers.Serializer]:
        return {"create": v1.MessageCreateSerializer, "partial_update": v1.MessageEditSerializer}.get(
            self.action, v1.MessageSerializer
        )

    @property
    def searching(self) -> bool:
        """A list with a `q` that is not blank is a ranked search (see MessageFilter, which strips it too)."""
        return self.action == "list" and bool(self.request.query_params.get("q", "").strip())

    @property
    def paginator(self) -> MessageCursorPagination:
        if getattr(self, "_paginator", None) is None:
            self._paginator = MessageSearchPagination() if self.searching else MessageCursorPagination()
        return self._paginator

    def get_queryset(self) -> QuerySet:
        if (fake := self.schema_queryset()) is not None:
            return fake
        return messages_visible(access=self.access)

    def _one(self, message_id: uuid.UUID) -> dict:
        rows = list(self.get_queryset().filter(pk=message_id).values(*MESSAGE_FIELDS))
        if not rows:
            raise NotFound(self.not_found)
        return messages_json(chatroom_id=self.access.chatroom.pk, rows=rows)[0]

    def list(self, request: Request) -> Response:
        if not self.searching and _plain_page(request):
            return self._plain_list(request)
        messages = self.filter_queryset(self.get_queryset())
        fields = (*MESSAGE_FIELDS, *search_fields(messages)) if self.searching else MESSAGE_FIELDS
        rows = self.paginate_queryset(messages.values(*fields))
        return self.get_paginated_response(messages_json(chatroom_id=self.access.chatroom.pk, rows=rows or []))

    def _plain_list(self, request: Request) -> Response:
        """A page with no filter but the channel: `message_page` reads it (one statement on PostgreSQL), exactly
        the rows the filtered queryset would give."""
        access = self.access
        given = request.query_params.get("channel")
        channels = None if given is None else [c for c in access.readable_channels if c.id == uuid.UUID(given)]

        def fetch(*, limit: int, past: tuple[datetime, uuid.UUID] | None, later: bool) -> list[dict]:
            keep: Literal["oldest", "newest"] = "oldest" if later else "newest"
            return message_page(access=access, channels=channels, limit=limit, keep=keep, past=past, later=later)

        rows = self.paginator.paginate_rows(fetch, request)
        return self.paginator.get_paginated_response(messages_json(chatroom_id=access.chatroom.pk, rows=rows))

    def retrieve(self, request: Request, pk: str) -> Response:
        return Response(self._one(uuid.UUID(pk)))

    def create(self, request: Request) -> Response:
        data = self.validated(v1.MessageCreateSerializer, request.data)
        access = self.access
        channel_id = data.get("channel") or access.default_channel.id
        rate_limit_hit(scope="message_send", user_id=self.caller.pk, address=client_address(request))
        message, created = message_post(
            access=access,
            channel_id=channel_id,
            body=data["body"],
            fmt=data["format"],
            message_id=data.get("id"),
            key_id=data.get("key_id") or None,
            reply_to_id=data.get("reply_to"),
            mention_ids=data["mentions"],
        )
        return Response(self._one(message.pk), status=status.HTTP_201_CREATED if created else status.HTTP_200_OK)

    def partial_update(self, request: Request, pk: str) -> Response:
        data = self.validated(v1.MessageEditSerializer, request.data)
        message = message_edit(
            access=self.access,
            message_id=uuid.UUID(pk),
            body=data["body"],
            fmt=data["format"],
            mention_ids=data.get("mentions"),
        )
        return Response(self._one(message.pk))

    def destroy(self, request: Request, pk: str) -> Response:
        message_delete(access=self.access, message_id=uuid.UUID(pk))
        return Response(status=status.HTTP_204_NO_CONTENT)


# Invites.


def _invite_json(invite: Invite) -> dict:
    return {
        "id": invite.pk,
        "chatroom": invite.chatroom_id,
        "uses_left": invite.uses_left,
        "expires_at": invite.expires_at,
        "state": invite.state,
        "created_at": invite.created_at,
        "revoked_at": invite.revoked_at,
    }


@extend_schema_view(
    list=extend_schema(summary="A chatroom's invites", responses=v1.InviteSerializer(many=True)),
    retrieve=extend_schema(summary="An invite", responses=v1.InviteSerializer),
    create=extend_schema(summary="Create an invite", responses={201: v1.InviteSerializer}),
    revoke=extend_schema(summary="Revoke an invite", request=None, responses=v1.InviteSerializer),
    redeem=extend_schema(summary="Join with an invite", request=v1.RedeemSerializer, responses=v1.ChatroomSerializer),
)
class InviteViewSet(InChatroom):
    """Invites into a chatroom: its admins create, list and revoke them. Anyone logged in who holds an invite's
    id joins with it (`redeem`) while it has uses left and has neither expired nor been revoked; a participant
    already in uses none."""

    model = Invite
    not_found = "Invite not found."
    serializer_class = v1.InviteSerializer
    lookup_value_regex = r"[A-Za-z0-9_-]+"

    def get_serializer_class(self) -> type[serializers.Serializer]:
        return v1.RedeemSerializer if self.action == "redeem" else v1.InviteSerializer

    def get_queryset(self) -> QuerySet:
        if (fake := self.schema_queryset()) is not None:
            return fake
        access = self.access
        access.require_moderator()
        return Invite.objects.filter(chatroom_id=access.chatroom.pk).order_by("-created_at", "pk")

    def list(self, request: Request) -> Response:
        return Response([_invite_json(invite) for invite in self.get_queryset()])

    def retrieve(self, request: Request, pk: str) -> Response:
        return Response(_invite_json(self.get_object()))

    def create(self, request: Request) -> Response:
        data = self.validated(v1.InviteSerializer, request.data)
        access = self.access
        access.require_moderator()
        rate_limit_hit(scope="invite_create", user_id=self.caller.pk, address=client_address(request))
        invite = invite_create(
            chatroom=access.chatroom, created_by=self.caller, uses=data["uses"], expires_at=data.get("expires_at")
        )
        return Response(_invite_json(invite), status=status.HTTP_201_CREATED)

    @action(detail=True, methods=["post"])
    def revoke(self, request: Request, pk: str) -> Response:
        invite = self.get_object()
        invite.chatroom = self.access.chatroom
        return Response(_invite_json(invite_revoke(invite=invite, actor=self.caller)))

    @action(detail=True, methods=["post"])
    def redeem(self, request: Request, pk: str) -> Response:
        data = self.validated(v1.RedeemSerializer, request.data)
        invite = invite_get(invite_id=pk, chatroom_id=data["chatroom"])
        participant = invite_redeem_for_user(invite=invite, user=self.caller)
        chatroom = invite.chatroom
        return Response(
            {"id": chatroom.pk, "name": chatroom.name, "role": participant.role, "created_at": chatroom.created_at}
        )


# Users and the caller.


@extend_schema_view(
    list=extend_schema(
        summary="Find users", parameters=[v1.UserQuerySerializer], responses=v1.UserSerializer(many=True)
    )
)
class UserViewSet(V1ViewSet):
    """Users by name (display name or username, any case), a page at a time: whom to invite (anyone active but
    you, or with `chatroom`, those not in it) or whom to mention (with `chatroom`, its participants)."""

    serializer_class = v1.UserSerializer
    queryset = User.objects.none()  # for the schema: users are read through chat.selectors.users

    def list(self, request: Request) -> Response:
        query = self.validated(v1.UserQuerySerializer, request.query_params)
        search_limit_hit(search_phrase=query["search"], user_id=self.caller.pk, address=client_address(request))
        page = {"search_phrase": query["search"], "limit": query["limit"], "offset": query["offset"]}
        if "chatroom" not in query:
            rows = users_other_than(user_id=self.caller.pk, **page)
        else:
            chatroom_id = self.enter(query["chatroom"]).chatroom.pk
            select = users_to_invite if query["purpose"] == "invite" else users_in_chatroom
            rows = select(chatroom_id=chatroom_id, **page)
        return Response(
            [_user_json(user_id=r["id"], username=r["username"], display_name=r["display_name"]) for r in rows]
        )


class OneObjectSchema(AutoSchema):
    """The schema of a `list` route that answers one object (the caller), not an array."""

    def _is_list_view(self, serializer: Any = None) -> bool:
        return False


@extend_schema_view(list=extend_schema(summary="You", responses=v1.MeSerializer))
class MeViewSet(V1ViewSet):
    """The account you are calling as."""

    list_name = "Me"
    schema = OneObjectSchema()
    serializer_class = v1.MeSerializer
    queryset = User.objects.none()  # for the schema: the caller is the request's user
    pagination_class = None

    def list(self, request: Request) -> Response:
        user = self.caller
        return Response(
            {
                **_user_json(user_id=user.pk, username=user.username, display_name=user.display_name),
                "display_name": user.display_name,
                "color": [user.color_r, user.color_g, user.color_b],
            }
        )
