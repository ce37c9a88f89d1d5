"""Issues a bearer token for a user, for scripts and API clients."""

from django.core.management.base import BaseCommand, CommandError

from chat.models import User
from chat.services.tokens import token_issue


class Command(BaseCommand):
    help = "Issues an API bearer token for <username> and prints it once (only its hash is stored)."

    def add_arguments(self, parser) -> None:
        parser.add_argument("username")
        parser.add_argument("--days", type=int, default=None, help="lifetime in days (default: CHAT_TOKEN_TTL_SECONDS)")
        parser.add_argument("--name", default="manage.py issue_token", help="a note to recognise the token by")

    def handle(self, *args, **options) -> None:
        user = User.objects.filter(username__iexact=options["username"], is_active=True).first()
        if user is None:
            raise CommandError(f"No active user named '{options['username']}'.")
        days = options["days"]
        if days is not None and days < 1:
            raise CommandError("--days must be at least 1.")
        raw, token = token_issue(user=user, ttl_seconds=days * 86400 if days else None, name=options["name"])
        self.stdout.write(raw)
        self.stderr.write(f"Expires {token.expires_at.isoformat()}. Use it as: Authorization: Bearer <token>")
