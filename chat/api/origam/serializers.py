"""Origam input validation (query strings and JSON bodies) and the shapes of its answers, for the schema."""

import uuid
from typing import Any

from django.conf import settings
from rest_framework import serializers

from chat.api.fields import StrictCharField, StrictUUIDField
from chat.limits import CHATROOM_NAME_MAX_LENGTH, REFERENCE_CATEGORY_MAX_LENGTH, USERNAME_MAX_LENGTH

# The user lists (whom to invite, mention, outvite) page with these.
USERS_DEFAULT_LIMIT = 100
USERS_MAX_LIMIT = 500
# Far beyond any real list, and far below what a database's OFFSET can hold.
MAX_OFFSET = 1_000_000_000
MAX_ID_LIST = 1000


class GuidField(StrictUUIDField):
    """A GUID as text, in either letter case (the Origam name for a strict UUID)."""


class OptionalGuidField(GuidField):
    """A GUID, or nothing: null or an empty string."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(required=False, allow_null=True, **kwargs)

    def validate_empty_values(self, data: Any) -> tuple[bool, Any]:
        if data == "":
            return True, None
        return super().validate_empty_values(data)


class UserRefField(GuidField):
    """A user named by its GUID, either bare (`"guid"`) or as an object (`{"id": "guid"}`)."""

    def to_internal_value(self, data: Any) -> uuid.UUID:
        if isinstance(data, dict):
            data = data.get("id")
        return super().to_internal_value(data)


class UserRefListField(serializers.ListField):
    """A list of user references; null means none, each user counts once."""

    child = UserRefField()

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(required=False, allow_null=True, max_length=MAX_ID_LIST, **kwargs)

    def to_internal_value(self, data: Any) -> list[uuid.UUID]:
        return list(dict.fromkeys(super().to_internal_value(data)))


def validated(serializer_class: type[serializers.Serializer], data: Any) -> dict:
    """The validated data of a body or query; anything wrong raises a 400."""
    serializer = serializer_class(data=data)
    serializer.is_valid(raise_exception=True)
    return serializer.validated_data


class QueryParamsSerializer(serializers.Serializer):
    """Query parameters, where an empty value (`?limit=`) means the parameter was not given."""

    @classmethod
    def parse(cls, query_params: Any) -> dict:
        """The validated parameters; anything wrong raises a 400."""
        return validated(cls, {key: value for key, value in query_params.items() if value != ""})


class MessageQuerySerializer(QueryParamsSerializer):
    """`limit`, `afterIdIncluding`, `beforeIdIncluding` of a message page; a limit above the maximum is cut."""

    limit = serializers.IntegerField(required=False, min_value=1)
    afterIdIncluding = GuidField(required=False)
    beforeIdIncluding = GuidField(required=False)

    def validate_limit(self, value: int) -> int:
        return min(value, settings.ORIGAM_MESSAGES_MAX_LIMIT)

    def validate(self, attrs: dict) -> dict:
        attrs.setdefault("limit", min(settings.ORIGAM_MESSAGES_DEFAULT_LIMIT, settings.ORIGAM_MESSAGES_MAX_LIMIT))
        return attrs


class UserQuerySerializer(QueryParamsSerializer):
    """`limit`, `offset`, `searchPhrase` of a user list; a limit above the maximum is cut."""

    limit = serializers.IntegerField(required=False, min_value=1, default=USERS_DEFAULT_LIMIT)
    offset = serializers.IntegerField(required=False, min_value=0, max_value=MAX_OFFSET, default=0)
    searchPhrase = serializers.CharField(required=False, allow_blank=True, max_length=USERNAME_MAX_LENGTH, default="")

    def validate_limit(self, value: int) -> int:
        return min(value, USERS_MAX_LIMIT)


class MessagePostSerializer(serializers.Serializer):
    """A message from the client: its own id (optional), its HTML and whom it mentions."""

    id = OptionalGuidField()
    text = StrictCharField(trim_whitespace=False, allow_blank=True)
    mentions = UserRefListField()


class TopicSerializer(serializers.Serializer):
    """A chatroom's new topic (its name)."""

    topic = StrictCharField(max_length=CHATROOM_NAME_MAX_LENGTH)


class UserIdSerializer(serializers.Serializer):
    """The user to invite or to remove."""

    userId = GuidField()


class ChatroomCreateSerializer(serializers.Serializer):
    """A new chatroom: its topic, whom to invite, and the Origam record it belongs to."""

    topic = StrictCharField(max_length=CHATROOM_NAME_MAX_LENGTH)
    inviteUsers = UserRefListField()
    ReferenceCategory = StrictCharField(
        required=False, allow_blank=True, allow_null=True, max_length=REFERENCE_CATEGORY_MAX_LENGTH
    )
    ReferenceRecordId = OptionalGuidField()


class UserSerializer(serializers.Serializer):
    """A user as Origam shows one; `avatarUrl` is the user's id, served under /chatrooms/Avatar/."""

    id = serializers.UUIDField()
    name = serializers.CharField()
    avatarUrl = serializers.CharField()


class ParticipantSerializer(UserSerializer):
    """A participant with its presence."""

    status = serializers.ChoiceField(choices=["online", "away", "offline", "none"])


class MessageSerializer(serializers.Serializer):
    """A message as Origam shows one: `text` is sanitised HTML, `timeSent` has its UTC offset."""

    id = serializers.UUIDField()
    authorId = serializers.UUIDField()
    authorName = serializers.CharField()
    authorAvatarUrl = serializers.CharField()
    timeSent = serializers.DateTimeField()
    text = serializers.CharField()
    mentions = UserSerializer(many=True)


class InfoSerializer(serializers.Serializer):
    """A chatroom as Origam shows one."""

    id = serializers.UUIDField()
    topic = serializers.CharField()
    categoryName = serializers.CharField()
    referenceId = serializers.UUIDField(allow_null=True)
    unreadMessageCount = serializers.IntegerField()


class PolledDataSerializer(serializers.Serializer):
    """Everything the client refreshes every few seconds, in one answer."""

    messages = MessageSerializer(many=True)
    info = InfoSerializer()
    participants = ParticipantSerializer(many=True)
    localUser = UserSerializer()
