"""Exports one chatroom's participants and messages as JSON lines, for an archive or a move."""

import sys
import uuid
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from chat.exceptions import ChatError
from chat.services.exports import chatroom_export


class Command(BaseCommand):
    help = (
        "Writes chatroom <id> as JSON lines: the chatroom, its participants, then its messages oldest first "
        "(hidden ones included, with their hiding). Recorded in the moderation log."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument("chatroom_id")
        parser.add_argument("--output", "-o", default="-", help="a file to write (default: standard output)")

    def handle(self, *args, **options) -> None:
        try:
            chatroom_id = uuid.UUID(options["chatroom_id"])
        except ValueError as error:
            raise CommandError(f"'{options['chatroom_id']}' is not a chatroom id.") from error
        try:
            if options["output"] == "-":
                counts = chatroom_export(chatroom_id=chatroom_id, write=sys.stdout.buffer.write)
                sys.stdout.flush()
            else:
                with Path(options["output"]).open("wb") as out:
                    counts = chatroom_export(chatroom_id=chatroom_id, write=out.write)
        except ChatError as error:
            raise CommandError(error.detail) from error
        self.stderr.write(f"Exported {counts['participant']} participants and {counts['message']} messages.")
