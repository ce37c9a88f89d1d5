"""ASGI entry point: the whole site, and the one server of the event stream (`/api/v1/events`).

The rest of the site is faster under the WSGI server (gunicorn); production routes only the stream here.
"""

import os
from collections.abc import Mapping
from typing import IO, Any

import django
from django.core.handlers.asgi import ASGIHandler, ASGIRequest
from django.http import HttpResponseBase

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "chatsite.settings")
django.setup(set_prefix=False)

# The event stream's path (chat/api/v1/urls.py).
EVENTS_PATH = "/api/v1/events"


class ChatsiteASGIHandler(ASGIHandler):
    """Django's ASGI handler, except that an open event stream holds no thread of its own.

    Django runs each request's synchronous middleware in a thread kept for that request until its
    response ends, which for a stream is as long as the client stays: a thread per idle stream. A
    stream's request instead does that (short) middleware work on asgiref's one shared thread; its
    database work runs in the shared pool (chat/events/streams.py), and it waits in the event loop.
    """

    def create_request(
        self, scope: Mapping[str, Any], body_file: IO[bytes]
    ) -> tuple[ASGIRequest, None] | tuple[None, HttpResponseBase]:
        """As Django's, and a body sent chunked (no Content-Length, read whole by now) gets its length.

        The API's parsers read a body only as long as its Content-Length says, as under gunicorn, where
        chatsite/bodies.py gives a chunked body its length the same way.
        """
        created = super().create_request(scope, body_file)
        request = created[0]
        if request is not None and "CONTENT_LENGTH" not in request.META:
            size = body_file.seek(0, os.SEEK_END)
            body_file.seek(0)
            if size:
                request.META["CONTENT_LENGTH"] = str(size)
        return created

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] == "http" and scope.get("path") == EVENTS_PATH:
            await self.handle(scope, receive, send)
            return
        await super().__call__(scope, receive, send)


application = ChatsiteASGIHandler()
