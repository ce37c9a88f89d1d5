"""Deletes tokens that can never be used again, as `clearsessions` does for Django's sessions."""

from datetime import timedelta

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from chat.services.tokens import tokens_purge


class Command(BaseCommand):
    help = "Deletes bearer tokens and Teahaz log-ins that expired or were revoked more than --days days ago."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--days", type=int, default=7, help="keep dead tokens this long for the record (7)")

    def handle(self, *args, **options) -> None:
        if options["days"] < 0:
            raise CommandError("--days must not be negative.")
        deleted = tokens_purge(before=timezone.now() - timedelta(days=options["days"]))
        self.stdout.write(f"Deleted {deleted} expired or revoked tokens.")
