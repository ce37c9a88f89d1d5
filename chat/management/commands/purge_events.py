"""Deletes events older than the retention: cursors from before it get `resync` and reload through v1."""

from datetime import timedelta

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from chat.events.services import events_purge


class Command(BaseCommand):
    help = (
        "Deletes the events recorded more than --older-than HOURS ago (default: CHAT_EVENTS_RETENTION_HOURS); "
        "with --all, every event (after restoring a dump into a new database cluster)."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument("--older-than", type=int, metavar="HOURS", default=None)
        parser.add_argument("--all", action="store_true", help="delete the whole event log")

    def handle(self, *args, **options) -> None:
        hours = options["older_than"] if options["older_than"] is not None else settings.CHAT_EVENTS_RETENTION_HOURS
        if hours < 1:
            raise CommandError("The retention must be at least one hour.")
        deleted = events_purge(older_than=timedelta(hours=hours), everything=options["all"])
        scope = "all events" if options["all"] else f"events older than {hours} hours"
        self.stdout.write(f"Deleted {deleted} events ({scope}).")
