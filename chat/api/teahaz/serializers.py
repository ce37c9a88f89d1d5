"""Teahaz shapes: strict input serializers for POST bodies, and the datatypes of the contract (for the schema)."""

from rest_framework import serializers

from chat.api.fields import StrictBooleanField, StrictCharField, StrictUUIDField
from chat.exceptions import Code
from chat.limits import (
    CHANNEL_NAME_MAX_LENGTH,
    CHATROOM_NAME_MAX_LENGTH,
    INVITE_REFERENCE_MAX_LENGTH,
    KEY_ID_MAX_LENGTH,
    PASSWORD_MAX_LENGTH,
    USERNAME_MAX_LENGTH,
)
from chat.models import Message


def password_field() -> StrictCharField:
    return StrictCharField(max_length=PASSWORD_MAX_LENGTH, trim_whitespace=False, style={"input_type": "password"})


class TeahazChatroomCreateSerializer(serializers.Serializer):
    """POST /chatroom/: a new chatroom, owned by an existing account (its password) or a new one."""

    username = StrictCharField(max_length=USERNAME_MAX_LENGTH)
    password = password_field()
    chatroom_name = StrictCharField(max_length=CHATROOM_NAME_MAX_LENGTH)


class TeahazLoginSerializer(serializers.Serializer):
    """POST /login/<chatroom_id>: a user id or username, and its password."""

    userID = StrictCharField(max_length=USERNAME_MAX_LENGTH)
    password = password_field()


class TeahazChannelCreateSerializer(serializers.Serializer):
    """POST /channels/<chatroom_id>: a channel named uniquely in the chatroom, public unless said otherwise."""

    userID = StrictCharField(max_length=USERNAME_MAX_LENGTH)
    channel_name = StrictCharField(max_length=CHANNEL_NAME_MAX_LENGTH)
    public = StrictBooleanField(default=True)


class TeahazMessagePostSerializer(serializers.Serializer):
    """POST /messages/<chatroom_id>: a message; `data` is opaque (never trimmed or decoded)."""

    userID = StrictCharField(max_length=USERNAME_MAX_LENGTH)
    channelID = StrictUUIDField()
    data = StrictCharField(trim_whitespace=False)
    replyID = StrictUUIDField(required=False, allow_null=True, default=None)
    keyID = StrictCharField(
        required=False,
        allow_null=True,
        allow_blank=True,
        trim_whitespace=False,
        max_length=KEY_ID_MAX_LENGTH,
        default=None,
    )
    type = StrictCharField(required=False, allow_null=True, default=None)
    messageID = StrictUUIDField(required=False, allow_null=True, default=None)

    def validate_type(self, value: str | None) -> str:
        if value is None or value == Message.Kind.TEXT:
            return Message.Kind.TEXT
        if value == Message.Kind.SYSTEM:
            raise serializers.ValidationError("Clients may not send system messages.", code=Code.SYSTEM_TYPE_REFUSED)
        raise serializers.ValidationError('type must be "text".', code=Code.INVALID_TYPE)


class TeahazInviteRedeemSerializer(serializers.Serializer):
    """POST /invites/<chatroom_id>: an invite id (or its `teahaz:<chatroomID>/<inviteID>` form) and an account."""

    inviteID = StrictCharField(max_length=INVITE_REFERENCE_MAX_LENGTH)
    username = StrictCharField(max_length=USERNAME_MAX_LENGTH)
    password = password_field()

    def validate_inviteID(self, value: str) -> str:
        if value.startswith("teahaz:") and "/" in value:
            return value.rsplit("/", 1)[1]
        return value


class TeahazPermissionsSerializer(serializers.Serializer):
    """The caller's effective permissions on a channel."""

    r = serializers.BooleanField()
    w = serializers.BooleanField()
    x = serializers.BooleanField()


class TeahazChannelSerializer(serializers.Serializer):
    """Channel."""

    channelID = serializers.UUIDField()
    channel_name = serializers.CharField()
    public = serializers.BooleanField()
    permissions = TeahazPermissionsSerializer()


class TeahazColorSerializer(serializers.Serializer):
    """A user's colour, 0..255 a component."""

    r = serializers.IntegerField(min_value=0, max_value=255)
    g = serializers.IntegerField(min_value=0, max_value=255)
    b = serializers.IntegerField(min_value=0, max_value=255)


class TeahazUserSerializer(serializers.Serializer):
    """User."""

    userID = serializers.UUIDField()
    username = serializers.CharField()
    color = TeahazColorSerializer()


class TeahazMessageSerializer(serializers.Serializer):
    """Message: `userID` is null for a system message; `data` is the plain text or the client's opaque data."""

    messageID = serializers.UUIDField()
    channelID = serializers.UUIDField()
    userID = serializers.UUIDField(allow_null=True)
    replyID = serializers.UUIDField(allow_null=True)
    keyID = serializers.CharField(allow_null=True)
    send_time = serializers.FloatField()
    type = serializers.ChoiceField(choices=Message.Kind.values)
    data = serializers.CharField()


class TeahazInviteSerializer(serializers.Serializer):
    """Invite: `uid` and `inviteID` are the same id; `uses` are the uses left."""

    uid = serializers.CharField()
    inviteID = serializers.CharField()
    uses = serializers.IntegerField()
    data = serializers.CharField(help_text="teahaz:<chatroomID>/<inviteID>")

    def get_fields(self) -> dict[str, serializers.Field]:
        fields = super().get_fields()
        # Not a Python name, so it cannot be declared above.
        fields["expiration-time"] = serializers.FloatField()
        return fields


class TeahazChatroomDataSerializer(serializers.Serializer):
    """Chatroom data: what create, log-in and use-invite answer."""

    chatroomID = serializers.UUIDField()
    chatroom_name = serializers.CharField()
    userID = serializers.UUIDField()
    channels = TeahazChannelSerializer(many=True)


class TeahazDetailSerializer(serializers.Serializer):
    """A plain confirmation, or an error with its machine code."""

    detail = serializers.CharField()
    code = serializers.CharField(required=False)
