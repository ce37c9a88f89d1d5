"""The shapes of v1: what each endpoint accepts (validated here, then handed to a service) and what it answers.

Their schema components are named V1… so that they never collide with the protocols' shapes of the same name.
"""

from django.conf import settings
from drf_spectacular.utils import extend_schema_serializer
from rest_framework import serializers

from chat.limits import CHANNEL_NAME_MAX_LENGTH, CHATROOM_NAME_MAX_LENGTH, KEY_ID_MAX_LENGTH, REASON_MAX_LENGTH
from chat.models import Message, Participant
from chat.services.presence import PRESENCE_STATUSES


@extend_schema_serializer(component_name="V1User")
class UserSerializer(serializers.Serializer):
    """A user as others see them: `name` is the display name, else the username."""

    id = serializers.UUIDField()
    username = serializers.CharField()
    name = serializers.CharField()


@extend_schema_serializer(component_name="V1Chatroom")
class ChatroomSerializer(serializers.Serializer):
    id = serializers.UUIDField(read_only=True)
    name = serializers.CharField(max_length=CHATROOM_NAME_MAX_LENGTH, help_text="The chatroom's name.")
    role = serializers.ChoiceField(choices=Participant.Role.choices, read_only=True, help_text="The caller's role.")
    created_at = serializers.DateTimeField(read_only=True)
    last_activity_at = serializers.DateTimeField(
        read_only=True, help_text="When the newest message was sent (else when the chatroom was created)."
    )
    unread = serializers.IntegerField(
        read_only=True, help_text="Messages of others in the default channel after your read marker."
    )


@extend_schema_serializer(component_name="V1ReadMarker")
class ReadMarkerSerializer(serializers.Serializer):
    message = serializers.UUIDField(help_text="The newest message you have read.")


@extend_schema_serializer(component_name="V1ParticipantAdd")
class ParticipantAddSerializer(serializers.Serializer):
    chatroom = serializers.UUIDField(help_text="The chatroom.")
    user = serializers.UUIDField(help_text="The user to add.")


@extend_schema_serializer(component_name="V1Permissions")
class PermissionsSerializer(serializers.Serializer):
    r = serializers.BooleanField(help_text="Read the channel's messages.")
    w = serializers.BooleanField(help_text="Write messages to it.")
    x = serializers.BooleanField(help_text="Manage it.")


@extend_schema_serializer(component_name="V1Channel")
class ChannelSerializer(serializers.Serializer):
    id = serializers.UUIDField(read_only=True)
    chatroom = serializers.UUIDField(help_text="The chatroom the channel belongs to.")
    name = serializers.CharField(max_length=CHANNEL_NAME_MAX_LENGTH)
    public = serializers.BooleanField(
        default=True, help_text="Public: every member reads and writes it; private: only those granted it."
    )
    is_default = serializers.BooleanField(read_only=True)
    permissions = PermissionsSerializer(read_only=True, help_text="The caller's own r/w/x on it.")


@extend_schema_serializer(component_name="V1ChannelUpdate")
class ChannelUpdateSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=CHANNEL_NAME_MAX_LENGTH, required=False)
    public = serializers.BooleanField(required=False)


@extend_schema_serializer(component_name="V1Participant")
class ParticipantSerializer(serializers.Serializer):
    id = serializers.IntegerField(read_only=True)
    chatroom = serializers.UUIDField(read_only=True)
    user = UserSerializer(read_only=True)
    role = serializers.ChoiceField(choices=Participant.Role.choices)
    state = serializers.ChoiceField(choices=Participant.State.choices, read_only=True)
    presence = serializers.ChoiceField(choices=PRESENCE_STATUSES, read_only=True)
    joined_at = serializers.DateTimeField(read_only=True)
    last_seen_at = serializers.DateTimeField(read_only=True, allow_null=True)


@extend_schema_serializer(component_name="V1Role")
class RoleSerializer(serializers.Serializer):
    role = serializers.ChoiceField(choices=Participant.Role.choices, help_text="owner passes the ownership on.")


@extend_schema_serializer(component_name="V1Ban")
class BanSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=REASON_MAX_LENGTH, required=False, allow_blank=True, default="")


@extend_schema_serializer(component_name="V1Message")
class MessageSerializer(serializers.Serializer):
    """A message as every reader sees it."""

    id = serializers.UUIDField()
    chatroom = serializers.UUIDField()
    channel = serializers.UUIDField()
    author = UserSerializer(allow_null=True, help_text="Null for system messages.")
    kind = serializers.ChoiceField(choices=Message.Kind.choices)
    format = serializers.ChoiceField(choices=Message.Format.choices)
    body = serializers.CharField(help_text="The text as sent: plain text or HTML.")
    text = serializers.CharField(help_text="Its plain text.")
    html = serializers.CharField(help_text="Its sanitised HTML.")
    key_id = serializers.CharField(help_text="The key an encrypted body was sealed with; empty when plain.")
    reply_to = serializers.UUIDField(allow_null=True)
    mentions = UserSerializer(many=True)
    sent_at = serializers.DateTimeField()
    edited_at = serializers.DateTimeField(allow_null=True, help_text="When its author last edited it; null if never.")
    rank = serializers.FloatField(
        required=False,
        allow_null=True,
        help_text="With `q` only: how well it matches (higher is better; null on SQLite, which does not rank).",
    )
    snippet = serializers.CharField(
        required=False, help_text="With `q` only: safe HTML, the text around the words found, each in <mark>."
    )


@extend_schema_serializer(component_name="V1MessageCreate")
class MessageCreateSerializer(serializers.Serializer):
    id = serializers.UUIDField(
        required=False, help_text="Chosen by the client to make the send idempotent: the same id again answers 200."
    )
    chatroom = serializers.UUIDField()
    channel = serializers.UUIDField(required=False, help_text="Default: the chatroom's default channel.")
    format = serializers.ChoiceField(choices=Message.Format.choices, default=Message.Format.PLAIN)
    body = serializers.CharField(
        trim_whitespace=False, help_text=f"At most {settings.CHAT_MESSAGE_MAX_BYTES} bytes of plain text or HTML."
    )
    key_id = serializers.CharField(max_length=KEY_ID_MAX_LENGTH, required=False, allow_blank=True)
    reply_to = serializers.UUIDField(required=False, allow_null=True, help_text="A message this one answers.")
    mentions = serializers.ListField(
        child=serializers.UUIDField(), required=False, default=list, help_text="Ids of the participants mentioned."
    )


@extend_schema_serializer(component_name="V1MessageEdit")
class MessageEditSerializer(serializers.Serializer):
    body = serializers.CharField(
        trim_whitespace=False, help_text=f"The new text: at most {settings.CHAT_MESSAGE_MAX_BYTES} bytes."
    )
    format = serializers.ChoiceField(choices=Message.Format.choices, default=Message.Format.PLAIN)
    mentions = serializers.ListField(
        child=serializers.UUIDField(),
        required=False,
        help_text="The participants the message mentions from now on. Without it, it keeps those its new text "
        "still names (as @username, @name, or by id in a mention link).",
    )


@extend_schema_serializer(component_name="V1Invite")
class InviteSerializer(serializers.Serializer):
    id = serializers.CharField(read_only=True, help_text="The invite's secret id: whoever holds it may join.")
    chatroom = serializers.UUIDField()
    uses = serializers.IntegerField(
        write_only=True, default=1, min_value=1, max_value=settings.CHAT_INVITE_MAX_USES, help_text="How many may join."
    )
    uses_left = serializers.IntegerField(read_only=True)
    expires_at = serializers.DateTimeField(required=False, help_text="Default: a week from now.")
    state = serializers.ChoiceField(choices=["active", "expired", "revoked", "used_up"], read_only=True)
    created_at = serializers.DateTimeField(read_only=True)
    revoked_at = serializers.DateTimeField(read_only=True, allow_null=True)


@extend_schema_serializer(component_name="V1Redeem")
class RedeemSerializer(serializers.Serializer):
    chatroom = serializers.UUIDField(help_text="The chatroom the invite is for.")


@extend_schema_serializer(component_name="V1UserQuery")
class UserQuerySerializer(serializers.Serializer):
    search = serializers.CharField(required=False, default="", allow_blank=True, help_text="Part of a name, any case.")
    chatroom = serializers.UUIDField(required=False, help_text="Seen from this chatroom (with `purpose`).")
    purpose = serializers.ChoiceField(
        choices=["invite", "mention"],
        default="invite",
        help_text="invite: users not in the chatroom (or, without one, anyone else); mention: its participants.",
    )
    limit = serializers.IntegerField(required=False, default=20, min_value=1, max_value=100)
    offset = serializers.IntegerField(required=False, default=0, min_value=0)


@extend_schema_serializer(component_name="V1Me")
class MeSerializer(serializers.Serializer):
    id = serializers.UUIDField()
    username = serializers.CharField()
    name = serializers.CharField()
    display_name = serializers.CharField()
    color = serializers.ListField(
        child=serializers.IntegerField(min_value=0, max_value=255), min_length=3, max_length=3
    )
