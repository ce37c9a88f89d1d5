"""ASGI entry point, for servers that speak only ASGI (WSGI is the faster choice here)."""

import os

from django.core.asgi import get_asgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "chatsite.settings")

application = get_asgi_application()
