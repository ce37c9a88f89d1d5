"""The chat domain: users, chatrooms, participants, channels, grants, messages, tokens."""

import secrets
import uuid
from collections.abc import Iterable
from datetime import datetime
from typing import Any, ClassVar, cast

from django.contrib.auth.models import AbstractUser, UserManager
from django.core.exceptions import ValidationError
from django.core.files.storage import Storage, storages
from django.core.signals import setting_changed
from django.db import models, transaction
from django.db.models import Q, Value
from django.db.models.functions import Coalesce, NullIf
from django.db.models.signals import post_delete
from django.dispatch import receiver
from django.utils import timezone
from django.utils.functional import LazyObject, empty

from chat.avatars import AvatarField
from chat.caches import room_changed, tokens_changed
from chat.exceptions import Code
from chat.limits import (
    CHANNEL_NAME_MAX_LENGTH,
    CHATROOM_NAME_MAX_LENGTH,
    DISPLAY_NAME_MAX_LENGTH,
    FILE_NAME_MAX_LENGTH,
    KEY_ID_MAX_LENGTH,
    MODERATION_TARGET_MAX_LENGTH,
    REASON_MAX_LENGTH,
    REFERENCE_CATEGORY_MAX_LENGTH,
    TOKEN_NAME_MAX_LENGTH,
)
from chat.text import shown_name
from chat.usernames import CANONICAL_MAX_LENGTH, canonical_username, username_skeleton
from chat.validators import validate_avatar


def random_color_component() -> int:
    """A colour channel for a new user: bright enough to read on a dark or light background."""
    return 64 + secrets.randbelow(160)


def shown_name_sql() -> Coalesce:
    """`shown_name` as a database expression over a user row, for ordering by it."""
    return Coalesce(NullIf("display_name", Value("")), "username")


class ChatUserManager(UserManager["User"]):
    """Looks users up by the canonical form of their username (chat/usernames.py)."""

    def named(self, username: str) -> "models.QuerySet[User]":
        """The user (none or one) whose username has the canonical form of `username`."""
        return self.filter(username_canonical=canonical_username(username))

    def get_by_natural_key(self, username: str | None) -> "User":
        return self.named(username or "").get()

    def bulk_create(self, objs: Iterable["User"], *args: Any, **kwargs: Any) -> list["User"]:
        """Fills each user's derived username forms, as save() does for one."""
        users = list(objs)
        for user in users:
            user.username_forms_set()
        return super().bulk_create(users, *args, **kwargs)

    def username_refusal(self, username: str, *, user_id: uuid.UUID | None = None) -> tuple[Code, str] | None:
        """Why `username` cannot be this user's, as (code, message): another user has it, or one it looks like."""
        others = self.exclude(pk=user_id) if user_id is not None else self.all()
        if others.filter(username_canonical=canonical_username(username)).exists():
            return Code.USERNAME_TAKEN, "A user with that username already exists."
        if others.filter(username_skeleton=username_skeleton(username)).exists():
            return Code.USERNAME_CONFUSABLE, "This username looks like an existing one; choose another."
        return None


class User(AbstractUser):
    """One identity across both protocols and the admin."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    display_name = models.CharField(max_length=DISPLAY_NAME_MAX_LENGTH, blank=True)
    color_r = models.PositiveSmallIntegerField(default=random_color_component)
    color_g = models.PositiveSmallIntegerField(default=random_color_component)
    color_b = models.PositiveSmallIntegerField(default=random_color_component)
    avatar = AvatarField(upload_to="avatars/", blank=True, validators=[validate_avatar])
    # Derived from the username on every save: the unique, looked-up form and the look-alike check's key.
    username_canonical = models.CharField(max_length=CANONICAL_MAX_LENGTH, editable=False)
    username_skeleton = models.CharField(max_length=CANONICAL_MAX_LENGTH, editable=False, db_index=True)

    objects: ClassVar[ChatUserManager] = ChatUserManager()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["username_canonical"], name="chat_user_username_canonical_unique"),
            models.CheckConstraint(
                condition=Q(color_r__lte=255) & Q(color_g__lte=255) & Q(color_b__lte=255),
                name="chat_user_color_range",
            ),
        ]

    def __str__(self) -> str:
        return self.username

    @property
    def name(self) -> str:
        """The name shown to other users: the display name, else the username."""
        return shown_name(display_name=self.display_name, username=self.username)

    def username_forms_set(self) -> None:
        """Derives the canonical form and the skeleton from the username."""
        self.username_canonical = canonical_username(self.username)
        self.username_skeleton = username_skeleton(self.username)

    def clean(self) -> None:
        """Django's checks, then the username rules every form shares (the admin's included)."""
        super().clean()
        # No username yet: the form's own field check has already refused it.
        refusal = User.objects.username_refusal(self.username, user_id=self.pk) if self.username else None
        if refusal is not None:
            raise ValidationError({"username": ValidationError(refusal[1], code=refusal[0])})

    def save(self, *args, **kwargs) -> None:
        self.username_forms_set()
        if kwargs.get("update_fields") is not None and "username" in kwargs["update_fields"]:
            kwargs["update_fields"] = {*kwargs["update_fields"], "username_canonical", "username_skeleton"}
        # AbstractBaseUser keeps a new raw password in `_password` until the save; the stubs leave it out.
        password_changed = self._password is not None and not self._state.adding  # type: ignore[attr-defined]
        existed = not self._state.adding
        super().save(*args, **kwargs)
        if password_changed:
            # A new password ends every log-in made with the old one.
            AuthToken.objects.filter(user=self).unrevoked().update(revoked_at=timezone.now())
        if existed and set(kwargs.get("update_fields") or ()) != {"last_login"}:
            # A token's cached check carries its user, and a chatroom's cached participants their names: a
            # deactivated, renamed or re-passworded user is read again (a log-in's own save changes nothing shown).
            tokens_changed(key_hashes=list(AuthToken.objects.filter(user=self).values_list("key_hash", flat=True)))
            for chatroom_id in Participant.objects.filter(user=self).values_list("chatroom_id", flat=True):
                room_changed(chatroom_id=chatroom_id)


class Chatroom(models.Model):
    """A chatroom: the Teahaz chatroom and the Origam chatroom are one and the same."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    name = models.CharField(max_length=CHATROOM_NAME_MAX_LENGTH)
    created_by = models.ForeignKey(
        User, null=True, blank=True, on_delete=models.SET_NULL, related_name="created_chatrooms"
    )
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    updated_at = models.DateTimeField(auto_now=True)
    reference_category = models.CharField(max_length=REFERENCE_CATEGORY_MAX_LENGTH, blank=True)
    reference_record_id = models.UUIDField(null=True, blank=True)
    # The place and send time of the newest message: bumped by `message_create` under this row's lock, so that
    # the chatroom's messages are numbered in the order they commit.
    last_seq = models.BigIntegerField(default=0, editable=False)
    last_sent_at = models.DateTimeField(null=True, blank=True, editable=False)

    class Meta:
        indexes = [
            models.Index(fields=["reference_category", "reference_record_id"], name="chat_room_reference_idx"),
        ]
        constraints = [
            models.CheckConstraint(condition=~Q(name=""), name="chat_chatroom_name_not_empty"),
        ]

    def __str__(self) -> str:
        return self.name


class ParticipantRole(models.TextChoices):
    OWNER = "owner", "Owner"
    ADMIN = "admin", "Admin"
    MEMBER = "member", "Member"


class ParticipantState(models.TextChoices):
    ACTIVE = "active", "Active"
    BANNED = "banned", "Banned"


class ParticipantQuerySet(models.QuerySet["Participant"]):
    def active(self) -> "ParticipantQuerySet":
        """Participants who are in (not banned): the only ones who may enter, be shown or be mentioned."""
        return self.filter(state=Participant.State.ACTIVE)


class Participant(models.Model):
    """A user's membership of a chatroom, with role, state, presence and read marker."""

    # Defined outside the class so that its Meta's constraints can be built from them.
    Role = ParticipantRole
    State = ParticipantState

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="participations")
    chatroom = models.ForeignKey(Chatroom, on_delete=models.CASCADE, related_name="participants")
    role = models.CharField(max_length=10, choices=Role.choices, default=Role.MEMBER)
    state = models.CharField(max_length=10, choices=State.choices, default=State.ACTIVE)
    joined_at = models.DateTimeField(default=timezone.now)
    last_seen_at = models.DateTimeField(null=True, blank=True)
    # The send time of the newest message of the default channel this user has read.
    last_read_at = models.DateTimeField(null=True, blank=True)
    invited_by = models.ForeignKey(User, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")

    objects = ParticipantQuerySet.as_manager()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "chatroom"], name="chat_participant_unique_user_chatroom"),
            models.UniqueConstraint(
                fields=["chatroom"],
                condition=Q(role=ParticipantRole.OWNER.value),
                name="chat_participant_one_owner_per_chatroom",
            ),
            models.CheckConstraint(condition=Q(role__in=ParticipantRole.values), name="chat_participant_role_valid"),
            models.CheckConstraint(condition=Q(state__in=ParticipantState.values), name="chat_participant_state_valid"),
        ]
        indexes = [
            models.Index(fields=["chatroom", "state", "joined_at"], name="chat_part_room_state_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.user} in {self.chatroom}"

    @property
    def is_admin(self) -> bool:
        """Owner and admins manage the chatroom and have rwx on every channel."""
        return role_may_moderate(self.role)

    @property
    def is_active(self) -> bool:
        return self.state == self.State.ACTIVE


def role_may_moderate(role: str) -> bool:
    """The one "may moderate" rule: the owner and admins manage the chatroom and have rwx on every channel."""
    return role in (Participant.Role.OWNER, Participant.Role.ADMIN)


class Channel(models.Model):
    """A channel of a chatroom; public channels give every participant r and w."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    chatroom = models.ForeignKey(Chatroom, on_delete=models.CASCADE, related_name="channels")
    name = models.CharField(max_length=CHANNEL_NAME_MAX_LENGTH)
    public = models.BooleanField(default=True)
    is_default = models.BooleanField(default=False)
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["chatroom", "name"], name="chat_channel_unique_name_per_chatroom"),
            models.UniqueConstraint(
                fields=["chatroom"], condition=Q(is_default=True), name="chat_channel_one_default_per_chatroom"
            ),
            models.CheckConstraint(condition=~Q(name=""), name="chat_channel_name_not_empty"),
        ]
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return self.name


class ChannelGrant(models.Model):
    """An explicit r/w/x grant that replaces the channel's default for one user."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="channel_grants")
    channel = models.ForeignKey(Channel, on_delete=models.CASCADE, related_name="grants")
    r = models.BooleanField(default=True)
    w = models.BooleanField(default=False)
    x = models.BooleanField(default=False)
    granted_by = models.ForeignKey(User, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    granted_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "channel"], name="chat_grant_unique_user_channel"),
        ]

    def __str__(self) -> str:
        perms = "".join(flag if getattr(self, flag) else "-" for flag in "rwx")
        return f"{self.user} {perms} on {self.channel}"


class MessageKind(models.TextChoices):
    TEXT = "text", "Text"
    SYSTEM = "system", "System"
    FILE = "file", "File"


class MessageFormat(models.TextChoices):
    PLAIN = "plain", "Plain text or opaque data"
    HTML = "html", "HTML"


class MessageQuerySet(models.QuerySet["Message"]):
    def visible(self) -> "MessageQuerySet":
        """Messages that clients may be shown: neither hidden by a moderator nor deleted.

        Every read of either protocol (pages, polls, unread counts, reply checks, search) starts here.
        """
        return self.filter(hidden_at__isnull=True, deleted_at__isnull=True)


class Message(models.Model):
    """A message in a channel; its HTML and plain text are computed once, when written (or edited)."""

    # Defined outside the class so that its Meta's constraints can be built from them.
    Kind = MessageKind
    Format = MessageFormat

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    # No index of their own: chat_msg_room_time_idx and chat_msg_channel_time_idx lead with them and serve every
    # look-up by either. A lone one made a worse plan look better to PostgreSQL: filtering a whole channel, then
    # sorting, instead of starting at the page's place in the composite index.
    chatroom = models.ForeignKey(Chatroom, on_delete=models.CASCADE, related_name="messages", db_index=False)
    channel = models.ForeignKey(Channel, on_delete=models.CASCADE, related_name="messages", db_index=False)
    author = models.ForeignKey(User, null=True, blank=True, on_delete=models.SET_NULL, related_name="messages")
    # The user a system message is about (the newcomer a welcome greets).
    subject = models.ForeignKey(User, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    kind = models.CharField(max_length=10, choices=Kind.choices, default=Kind.TEXT)
    format = models.CharField(max_length=10, choices=Format.choices, default=Format.PLAIN)
    # What the author sent, as sent (idempotent re-sends are compared against it).
    body = models.TextField()
    # Sanitised HTML (what Origam clients render) and plain text (what Teahaz clients get).
    html = models.TextField()
    text = models.TextField()
    # Set by a client that sends its own (end-to-end encrypted) data; empty when none.
    key_id = models.CharField(max_length=KEY_ID_MAX_LENGTH, blank=True, default="")
    reply_to = models.ForeignKey("self", null=True, blank=True, on_delete=models.SET_NULL, related_name="replies")
    mentions = models.ManyToManyField(User, blank=True, related_name="mentioned_in")
    # The message's place in its chatroom's order (1, 2, ...), which is the order messages became visible;
    # `sent_at` grows strictly along it, so pages ordered by (sent_at, id) read in this order. Both are assigned
    # by `chat.services.messages.message_create`.
    seq = models.BigIntegerField(editable=False)
    sent_at = models.DateTimeField(editable=False)
    hidden_at = models.DateTimeField(null=True, blank=True)
    hidden_by = models.ForeignKey(User, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    hidden_reason = models.CharField(max_length=REASON_MAX_LENGTH, blank=True)
    # Set by the author's last edit; the texts it replaced are MessageVersion rows.
    edited_at = models.DateTimeField(null=True, blank=True)
    # A deleted message stays stored (moderators see it in the admin) but is never shown to clients.
    deleted_at = models.DateTimeField(null=True, blank=True)
    deleted_by = models.ForeignKey(User, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")

    objects = MessageQuerySet.as_manager()

    class Meta:
        indexes = [
            models.Index(fields=["channel", "sent_at", "id"], name="chat_msg_channel_time_idx"),
            models.Index(fields=["chatroom", "sent_at", "id"], name="chat_msg_room_time_idx"),
            models.Index(fields=["author", "sent_at"], name="chat_msg_author_time_idx"),
            # The admin's moderation list: newest first over every chatroom, and the hidden ones.
            models.Index(fields=["sent_at", "id"], name="chat_msg_time_idx"),
            models.Index(fields=["sent_at"], condition=Q(hidden_at__isnull=False), name="chat_msg_hidden_time_idx"),
        ]
        constraints = [
            models.UniqueConstraint(fields=["chatroom", "seq"], name="chat_message_unique_seq_per_chatroom"),
            models.CheckConstraint(condition=Q(kind__in=MessageKind.values), name="chat_message_kind_valid"),
            models.CheckConstraint(condition=Q(format__in=MessageFormat.values), name="chat_message_format_valid"),
        ]

    def __str__(self) -> str:
        return f"{self.author or 'system'}: {self.text[:60]}"


class MessageVersion(models.Model):
    """A text a message held until `edited_at`, when `edited_by` replaced it (the message holds the current one)."""

    message = models.ForeignKey(Message, on_delete=models.CASCADE, related_name="versions")
    body = models.TextField()
    html = models.TextField()
    text = models.TextField()
    edited_at = models.DateTimeField(default=timezone.now)
    edited_by = models.ForeignKey(User, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")

    class Meta:
        ordering = ["edited_at", "id"]
        indexes = [models.Index(fields=["message", "edited_at"], name="chat_msgversion_message_idx")]

    def __str__(self) -> str:
        return f"{self.message_id} until {self.edited_at:%Y-%m-%d %H:%M:%S}"


class ChatFilesStorage(LazyObject):
    """The `chat_files` storage of settings.STORAGES (a folder or an S3 bucket), looked up when first used."""

    def _setup(self) -> None:
        self._wrapped = storages["chat_files"]


chat_files_storage = ChatFilesStorage()


@receiver(setting_changed)
def _storages_changed(*, setting: str, **kwargs: object) -> None:
    # Settings change only under tests; the files then go where the changed setting says, as Django's do.
    if setting == "STORAGES":
        chat_files_storage._wrapped = empty  # type: ignore[assignment]  # LazyObject's own "not loaded" marker


def file_storage() -> Storage:
    """Where message files live (a callable, so that migrations do not record the settings of one site)."""
    return cast(Storage, chat_files_storage)


def file_path(instance: "MessageFile", filename: str) -> str:
    """A file's name in its storage: its chatroom and its message's id, never the name a client chose."""
    return f"chatrooms/{instance.message.chatroom_id}/{instance.message_id}"


class MessageFile(models.Model):
    """The content of a file message, kept in file storage (never in the message row)."""

    message = models.OneToOneField(Message, primary_key=True, on_delete=models.CASCADE, related_name="file")
    content = models.FileField(storage=file_storage, upload_to=file_path, max_length=300)
    name = models.CharField(max_length=FILE_NAME_MAX_LENGTH, blank=True)
    size = models.PositiveBigIntegerField()
    # Compared when the same message id is sent again (idempotent sends).
    sha256 = models.CharField(max_length=64)

    def __str__(self) -> str:
        return f"{self.name or self.message_id} ({self.size} bytes)"


@receiver(post_delete, sender=MessageFile)
def _message_file_deleted(*, instance: MessageFile, **kwargs: object) -> None:
    # A deleted file message (purged history, a deleted chatroom) takes its content along, once that is committed.
    name, storage = instance.content.name, instance.content.storage
    if name:
        transaction.on_commit(lambda: storage.delete(name))


class AuthTokenQuerySet(models.QuerySet["AuthToken"]):
    def unrevoked(self) -> "AuthTokenQuerySet":
        return self.filter(revoked_at__isnull=True)

    def valid(self, *, now: datetime | None = None) -> "AuthTokenQuerySet":
        """Tokens that still log their user in: not revoked and not expired."""
        return self.unrevoked().filter(expires_at__gt=now or timezone.now())

    def expired(self, *, now: datetime | None = None) -> "AuthTokenQuerySet":
        """Tokens that ran out without being revoked."""
        return self.unrevoked().filter(expires_at__lte=now or timezone.now())

    def revoked(self) -> "AuthTokenQuerySet":
        return self.filter(revoked_at__isnull=False)


class AuthToken(models.Model):
    """A bearer token, or (with a chatroom) a Teahaz log-in cookie; only its hash is stored."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="auth_tokens")
    # Set for a Teahaz per-chatroom log-in; empty for an API bearer token.
    chatroom = models.ForeignKey(Chatroom, null=True, blank=True, on_delete=models.CASCADE, related_name="+")
    key_hash = models.CharField(max_length=64, unique=True, editable=False)
    name = models.CharField(max_length=TOKEN_NAME_MAX_LENGTH, blank=True)
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    expires_at = models.DateTimeField()
    revoked_at = models.DateTimeField(null=True, blank=True)

    objects = AuthTokenQuerySet.as_manager()
    # Not stored: the caller's access rows that a write's token check read with it (chat.access.Entry).
    entry: Any = None

    class Meta:
        indexes = [
            models.Index(fields=["user", "chatroom"], name="chat_token_user_room_idx"),
        ]

    def __str__(self) -> str:
        scope = f"log-in to {self.chatroom_id}" if self.chatroom_id else "API token"
        return f"{scope} of {self.user}"

    @property
    def is_valid(self) -> bool:
        return self.revoked_at is None and self.expires_at > timezone.now()


class ModerationLog(models.Model):
    """The trail of who did what to whom, and when: every moderation service writes one."""

    actor = models.ForeignKey(User, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    action = models.CharField(max_length=50)
    chatroom = models.ForeignKey(Chatroom, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    target = models.CharField(max_length=MODERATION_TARGET_MAX_LENGTH)
    reason = models.CharField(max_length=REASON_MAX_LENGTH, blank=True)
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["-created_at"], name="chat_modlog_time_idx")]

    def __str__(self) -> str:
        return f"{self.actor or 'system'} {self.action} {self.target}"


# The event log lives in chat/events/ but belongs to this app: importing it here lets Django see its models.
from chat.events.models import Event, EventPurge  # noqa: E402, F401
