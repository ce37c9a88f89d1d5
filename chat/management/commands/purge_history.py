"""Deletes old messages: the hidden ones, or all of them, past a retention in days."""

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from chat.exceptions import ChatError
from chat.services.retention import history_purge


class Command(BaseCommand):
    help = (
        "Deletes messages sent more than --older-than DAYS ago (default: CHAT_RETENTION_DAYS); with --hidden-only, "
        "only the hidden ones. Each chatroom that loses messages gets a moderation log row."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument("--older-than", type=int, metavar="DAYS", default=None)
        parser.add_argument("--hidden-only", action="store_true", help="delete only hidden messages")

    def handle(self, *args, **options) -> None:
        days = options["older_than"] if options["older_than"] is not None else settings.CHAT_RETENTION_DAYS
        if not days:
            raise CommandError("Nothing to purge by: give --older-than DAYS or set CHAT_RETENTION_DAYS.")
        try:
            count = history_purge(older_than_days=days, hidden_only=options["hidden_only"])
        except ChatError as error:
            raise CommandError(error.detail) from error
        kind = "hidden messages" if options["hidden_only"] else "messages"
        self.stdout.write(f"Deleted {count} {kind} older than {days} days.")
