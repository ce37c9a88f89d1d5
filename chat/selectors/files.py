"""Reads of file messages' content from file storage."""

import uuid
from collections.abc import Sequence

from chat.models import MessageFile


def file_contents(*, message_ids: Sequence[uuid.UUID]) -> dict[uuid.UUID, bytes]:
    """The stored content of these file messages, in one query and one storage read each."""
    if not message_ids:
        return {}
    contents = {}
    for stored_file in MessageFile.objects.filter(message_id__in=list(message_ids)):
        with stored_file.content.open("rb") as handle:
            contents[stored_file.message_id] = handle.read()
    return contents
