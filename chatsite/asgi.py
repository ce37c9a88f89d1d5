"""ASGI entry point: the whole site, and the one server of the event stream (`/api/v1/events`).

The rest of the site is faster under the WSGI server (gunicorn); production routes only the stream here.
"""

import os

from django.core.asgi import get_asgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "chatsite.settings")

application = get_asgi_application()
