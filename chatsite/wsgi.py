"""WSGI entry point (gunicorn, granian, mod_wsgi): Django behind the request body limits."""

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "chatsite.settings")

# Imported after the settings module is named: it reads the settings.
from chatsite.bodies import RequestBodyLimits

application = RequestBodyLimits(get_wsgi_application())
