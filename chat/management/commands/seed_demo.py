"""Fills a demo chatroom through the services, so that a newcomer sees a living server; safe to run again."""

import uuid
from collections.abc import Sequence

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import transaction

from chat.access import chatroom_access
from chat.exceptions import ChatError
from chat.models import Channel, ChannelGrant, Chatroom, Message, User
from chat.services.accounts import user_create
from chat.services.chatrooms import channel_create, chatroom_create, grant_set
from chat.services.messages import message_post
from chat.services.participants import participant_add
from invites.models import Invite
from invites.services import invite_create

DEMO_PASSWORD = "tea-for-two-demo"
DEMO_USERS = ("alice", "bob", "carol")
CHATROOM_NAME = "Demo tea room"
PRIVATE_CHANNEL = "staff"
# Fixed message ids: message_post is idempotent by id, so a second run stores nothing new.
MESSAGE_NAMESPACE = uuid.UUID("6f1c1f1e-5d1c-4b7e-9a55-2b1d7e0c0d11")


class Command(BaseCommand):
    help = (
        "Creates a demo chatroom owned by alice, with bob and carol, a private 'staff' channel that bob may "
        f"read and write, a few messages (one mentioning bob) and an invite. Every account's password is "
        f"'{DEMO_PASSWORD}'. Running it again changes nothing."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--force", action="store_true", help="Run even with debug off (a production server): see the warning."
        )

    def handle(self, *args, **options) -> None:
        if not settings.DEBUG and not options["force"]:
            raise CommandError(
                "Refusing to run with debug off (DJANGO_DEBUG=0): this looks like a production server, and the demo "
                f"creates the accounts {', '.join(DEMO_USERS)} with the published password '{DEMO_PASSWORD}', which "
                "anyone who read the README could log in with. Run it on a development server (`make demo`, or "
                "DJANGO_DEBUG=1), or pass --force if you really want the demo here."
            )
        try:
            with transaction.atomic():
                summary = self.seed()
        except ChatError as error:
            raise CommandError(f"The demo could not be set up: {error.detail}") from error
        self.stdout.write(summary)

    def seed(self) -> str:
        users = {username: self.user(username) for username in DEMO_USERS}
        alice, bob, carol = users["alice"], users["bob"], users["carol"]

        chatroom = Chatroom.objects.filter(name=CHATROOM_NAME, created_by=alice).order_by("created_at").first()
        if chatroom is None:
            chatroom = chatroom_create(creator=alice, name=CHATROOM_NAME)
        for user in (bob, carol):
            participant_add(chatroom=chatroom, user=user, invited_by=alice)

        default = Channel.objects.get(chatroom=chatroom, is_default=True)
        staff = Channel.objects.filter(chatroom=chatroom, name=PRIVATE_CHANNEL).first()
        if staff is None:
            staff = channel_create(chatroom=chatroom, name=PRIVATE_CHANNEL, public=False)
        if not ChannelGrant.objects.filter(channel=staff, user=bob).exists():
            grant_set(channel=staff, user=bob, r=True, w=True, x=False, actor=alice)

        welcome = self.post(chatroom, alice, default, "welcome", "Welcome to the demo tea room! The kettle is on.")
        self.post(chatroom, bob, default, "reply", "Thanks Alice, I brought Earl Grey.", reply_to=welcome)
        self.post(chatroom, carol, default, "mention", "@bob could you pour me a cup too?", mentions=[bob])
        self.post(
            chatroom,
            alice,
            default,
            "html",
            "<p>Tea time is at <strong>five</strong> sharp.</p>",
            fmt=Message.Format.HTML,
        )
        self.post(chatroom, alice, staff, "staff", "Staff only: we are out of biscuits.")
        self.post(chatroom, bob, staff, "staff-reply", "I will buy some on the way.")

        invite = Invite.objects.usable().filter(chatroom=chatroom, created_by=alice).order_by("-created_at").first()
        if invite is None:
            invite = invite_create(chatroom=chatroom, created_by=alice, uses=5)

        return "\n".join(
            [
                f"Demo chatroom '{chatroom.name}': {chatroom.pk}",
                f"  users: alice (owner), bob, carol; password for new demo accounts: {DEMO_PASSWORD}",
                f"  private channel '#{staff.name}': bob may read and write it, carol may not",
                f"  invite (5 uses, until {invite.expires_at:%Y-%m-%d}): {invite.pk}",
                "How to log in:",
                f"  browser session: /accounts/login/ as alice with password {DEMO_PASSWORD}",
                f'  Teahaz: POST /login/{chatroom.pk} with JSON {{"userID": "alice", "password": "{DEMO_PASSWORD}"}}',
                "  bearer token: POST /api/auth/token with JSON "
                f'{{"username": "alice", "password": "{DEMO_PASSWORD}"}}',
                "  operators: /admin/ with the account `make run` printed (or `manage.py ensure_operator`)",
            ]
        )

    def user(self, username: str) -> User:
        """The demo user, created with the demo password if missing (an existing one keeps its password)."""
        existing = User.objects.named(username).first()
        return existing or user_create(username=username, password=DEMO_PASSWORD)

    def post(
        self,
        chatroom: Chatroom,
        author: User,
        channel: Channel,
        key: str,
        body: str,
        *,
        reply_to: Message | None = None,
        mentions: Sequence[User] = (),
        fmt: str = Message.Format.PLAIN,
    ) -> Message:
        """Posts one demo message under a fixed id (the same id again answers the stored message)."""
        message, _created = message_post(
            access=chatroom_access(user=author, chatroom_id=chatroom.pk),
            channel_id=channel.pk,
            body=body,
            fmt=fmt,
            message_id=uuid.uuid5(MESSAGE_NAMESPACE, f"{chatroom.pk}:{key}"),
            reply_to_id=reply_to.pk if reply_to else None,
            mention_ids=[user.pk for user in mentions],
        )
        return message
