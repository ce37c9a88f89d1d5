"""Teahaz shapes: strict input serializers for POST bodies, and the datatypes of the contract (for the schema)."""

from rest_framework import serializers

from chat.api.fields import StrictBooleanField, StrictCharField, StrictUUIDField
from chat.exceptions import Code
from chat.limits import (
    CHANNEL_NAME_MAX_LENGTH,
    CHATROOM_NAME_MAX_LENGTH,
    DISPLAY_NAME_MAX_LENGTH,
    FILE_NAME_MAX_LENGTH,
    INVITE_REFERENCE_MAX_LENGTH,
    KEY_ID_MAX_LENGTH,
    PASSWORD_MAX_LENGTH,
    USERNAME_MAX_LENGTH,
)
from chat.models import Message

# The user class "default" (everyone) of the original server's channel permissions.
EVERYONE_CLASS = "1"


def password_field() -> StrictCharField:
    return StrictCharField(max_length=PASSWORD_MAX_LENGTH, trim_whitespace=False, style={"input_type": "password"})


class TeahazChatroomCreateSerializer(serializers.Serializer):
    """POST /chatroom/: a new chatroom, owned by an existing account (its password) or a new one."""

    username = StrictCharField(max_length=USERNAME_MAX_LENGTH)
    password = password_field()
    chatroom_name = StrictCharField(max_length=CHATROOM_NAME_MAX_LENGTH, help_text="Also spelt chatroom-name (2022).")
    # teahaz.js sends a display name too; accepted, and the account keeps its own.
    nickname = StrictCharField(max_length=DISPLAY_NAME_MAX_LENGTH, required=False, allow_blank=True)


class TeahazLoginSerializer(serializers.Serializer):
    """POST /login/<chatroom_id>: a user id or username as `userID`, or a username as `username`, and its password."""

    userID = StrictCharField(max_length=USERNAME_MAX_LENGTH, required=False)
    username = StrictCharField(max_length=USERNAME_MAX_LENGTH, required=False)
    password = password_field()

    def validate(self, attrs: dict) -> dict:
        if not attrs.get("userID") and not attrs.get("username"):
            raise serializers.ValidationError({"userID": "userID (or username) is required."}, code=Code.REQUIRED)
        return attrs


class TeahazClassPermissionSerializer(serializers.Serializer):
    """One entry of the 2022 `permissions` list: what a class of users may do on the channel."""

    classID = StrictCharField()
    r = StrictBooleanField()
    w = StrictBooleanField()
    x = StrictBooleanField()


class TeahazChannelCreateSerializer(serializers.Serializer):
    """POST /channels/<chatroom_id>: a channel named uniquely in the chatroom, public unless said otherwise.

    `public` (2021) wins; else the 2022 `permissions` of class "1" (everyone): rw makes a public channel,
    nothing a private one. Other classes and other combinations cannot be held by a channel (400).
    """

    channel_name = StrictCharField(max_length=CHANNEL_NAME_MAX_LENGTH, help_text="Also spelt channel-name (2022).")
    public = StrictBooleanField(required=False)
    permissions = TeahazClassPermissionSerializer(many=True, required=False, allow_empty=False)

    def validate_permissions(self, value: list[dict]) -> bool:
        """Whether the permissions make the channel public."""
        if len(value) != 1 or value[0]["classID"] != EVERYONE_CLASS:
            raise serializers.ValidationError(
                f'permissions may name only class "{EVERYONE_CLASS}" (everyone), once.', code=Code.INVALID_PERMISSIONS
            )
        flags = (value[0]["r"], value[0]["w"], value[0]["x"])
        if flags not in ((True, True, False), (False, False, False)):
            raise serializers.ValidationError(
                "Everyone may read and write a channel (public) or nothing (private); nothing in between.",
                code=Code.INVALID_PERMISSIONS,
            )
        return flags[0]

    def validate(self, attrs: dict) -> dict:
        if "public" not in attrs:
            attrs["public"] = attrs.get("permissions", True)
        return attrs


class TeahazMessagePostSerializer(serializers.Serializer):
    """POST /messages/<chatroom_id>: a message; `data` is kept as sent (never trimmed)."""

    channelID = StrictUUIDField()
    data = StrictCharField(trim_whitespace=False)  # type: ignore[assignment]  # the protocol's key shadows Serializer.data
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


class TeahazFilePostSerializer(serializers.Serializer):
    """POST /files/<chatroom_id>: a file as standard base64 in `data`, with the other fields of a message."""

    channelID = StrictUUIDField()
    data = StrictCharField(trim_whitespace=False, help_text="The file's bytes in standard base64.")  # type: ignore[assignment]  # the protocol's key shadows Serializer.data
    replyID = StrictUUIDField(required=False, allow_null=True, default=None)
    messageID = StrictUUIDField(required=False, allow_null=True, default=None)
    filename = StrictCharField(required=False, allow_blank=True, default="", max_length=FILE_NAME_MAX_LENGTH)


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
    name = serializers.CharField(required=False, help_text="The channel_name (2022 dialect only).")


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
    nickname = serializers.CharField(required=False, help_text="The display name (2022 dialect only).")
    colour = TeahazColorSerializer(required=False, help_text="The color (2022 dialect only).")


class TeahazMessageSerializer(serializers.Serializer):
    """Message: `userID` is null for a system message; `data` is in the reader's encoding.

    2021 readers get `data` as a Teahaz client sent it, 2022 readers base64 of the text (and a system message's
    `data` as an object); a file's or an encrypted message's `data` is the same for everyone.
    """

    messageID = serializers.UUIDField()
    channelID = serializers.UUIDField()
    userID = serializers.UUIDField(allow_null=True)
    replyID = serializers.UUIDField(allow_null=True)
    keyID = serializers.CharField(allow_null=True)
    send_time = serializers.FloatField()
    type = serializers.ChoiceField(choices=Message.Kind.values)
    data = serializers.CharField()  # type: ignore[assignment]  # the protocol's key shadows Serializer.data
    time = serializers.FloatField(required=False, help_text="The send_time (2022 dialect only).")
    username = serializers.CharField(
        required=False, allow_null=True, help_text="The author's username (2022 dialect only)."
    )


class TeahazInviteSerializer(serializers.Serializer):
    """Invite: `uid` and `inviteID` are the same id; `uses` are the uses left."""

    uid = serializers.CharField()
    inviteID = serializers.CharField()
    uses = serializers.IntegerField()
    data = serializers.CharField(help_text="teahaz:<chatroomID>/<inviteID>")  # type: ignore[assignment]  # the protocol's key shadows Serializer.data
    expiration_time = serializers.FloatField(required=False, help_text="The expiration-time (2022 dialect only).")
    chatroom_id = serializers.UUIDField(required=False, help_text="The chatroom's id (2022 dialect only).")
    chatroomID = serializers.UUIDField(required=False, help_text="The chatroom's id (2022 dialect only).")

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
    users = TeahazUserSerializer(
        many=True, required=False, help_text="Every participant, the caller first (2022 dialect only)."
    )


class TeahazDetailSerializer(serializers.Serializer):
    """A plain confirmation, or an error with its machine code."""

    detail = serializers.CharField()
    code = serializers.CharField(required=False)
