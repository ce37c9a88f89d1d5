"""ASGI entry point: the whole site, and the one server of the event stream (`/api/v1/events`).

The rest of the site is faster under the WSGI server (gunicorn); production routes only the stream here.
"""

import os
from typing import Any

import django
from django.core.handlers.asgi import ASGIHandler

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

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] == "http" and scope.get("path") == EVENTS_PATH:
            await self.handle(scope, receive, send)
            return
        await super().__call__(scope, receive, send)


application = ChatsiteASGIHandler()
