"""Issues a bearer token for a user, for scripts and API clients."""

from django.core.management.base import BaseCommand, CommandError

from chat.exceptions import ChatError
from chat.models import User
from chat.services.tokens import token_issue_by_operator


class Command(BaseCommand):
    help = "Issues an API bearer token for <username> and prints it once (only its hash is stored)."

    def add_arguments(self, parser) -> None:
        parser.add_argument("username")
        parser.add_argument("--days", type=int, default=None, help="lifetime in days (default: CHAT_TOKEN_TTL_SECONDS)")
        parser.add_argument("--name", default="manage.py issue_token", help="a note to recognise the token by")

    def handle(self, *args, **options) -> None:
        user = User.objects.named(options["username"]).filter(is_active=True).first()
        if user is None:
            raise CommandError(f"No active user named '{options['username']}'.")
        days = options["days"]
        try:
            raw, token = token_issue_by_operator(
                user=user,
                actor=None,
                name=options["name"],
                ttl_seconds=None if days is None else days * 86400,
            )
        except ChatError as error:
            raise CommandError(f"--days: {error.detail}") from error
        self.stdout.write(raw)
        self.stderr.write(f"Expires {token.expires_at.isoformat()}. Use it as: Authorization: Bearer <token>")
