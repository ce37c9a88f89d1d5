"""Settings for the test suite: the project's own, with a test secret and a fast password hasher."""

import os

os.environ.setdefault("DJANGO_SECRET_KEY", "tests-only-secret-key-not-for-any-server")

from chatsite.settings import *  # noqa: F403

# The suite creates many accounts; a fast hasher keeps it quick (production keeps Django's default).
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
STORAGES = {
    **STORAGES,  # noqa: F405
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
# The suite never collects static files; WhiteNoise need not look for them.
STATIC_ROOT = None  # type: ignore[assignment]
# The abuse limits would trip tests that send many messages; their own tests turn them on.
CHAT_RATE_LIMITS_ENABLED = False
