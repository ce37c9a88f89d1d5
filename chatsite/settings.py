"""Settings for chatsite, read from the environment (see the README for the list)."""

import os
from pathlib import Path

import dj_database_url
from csp.constants import NONE, SELF
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent


def env_bool(name: str, default: bool = False) -> bool:
    """Reads a boolean from the environment: 1/true/yes/on are true."""
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_list(name: str, default: str = "") -> list[str]:
    """Reads a comma-separated list from the environment."""
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


def env_int(name: str, default: int) -> int:
    """Reads an integer from the environment."""
    value = os.environ.get(name)
    return default if value in (None, "") else int(value)


def env_rate(name: str, default: str) -> tuple[int, int]:
    """Reads a rate `<count>/<seconds>` from the environment, such as 20/20 (20 per sliding 20 seconds)."""
    count, _, seconds = (os.environ.get(name) or default).partition("/")
    rate = (int(count), int(seconds))
    if rate[0] < 1 or rate[1] < 1:
        raise ImproperlyConfigured(f"{name} must be <count>/<seconds> with both at least 1.")
    return rate


def chat_files_storage() -> dict:
    """Where file messages are stored: a folder of the project by default, an S3-compatible bucket when named.

    Credentials for S3 come from boto3's own sources (AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, or a role).
    """
    bucket = os.environ.get("CHAT_FILES_S3_BUCKET", "")
    if not bucket:
        location = os.environ.get("CHAT_FILES_DIR") or BASE_DIR / "uploads"
        return {"BACKEND": "django.core.files.storage.FileSystemStorage", "OPTIONS": {"location": location}}
    return {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {
            "bucket_name": bucket,
            "endpoint_url": os.environ.get("CHAT_FILES_S3_ENDPOINT_URL") or None,
            "region_name": os.environ.get("CHAT_FILES_S3_REGION") or None,
            "location": os.environ.get("CHAT_FILES_S3_PREFIX", ""),
            # Files are read back through the API only: private objects, and a second upload never replaces one.
            "default_acl": "private",
            "file_overwrite": False,
        },
    }


DEBUG = env_bool("DJANGO_DEBUG", False)

SECRET_KEY = os.environ.get("DJANGO_SECRET_KEY", "")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured("DJANGO_SECRET_KEY is required unless DJANGO_DEBUG=1.")
    SECRET_KEY = "django-insecure-development-only-key-do-not-use-in-production"

ALLOWED_HOSTS = env_list("DJANGO_ALLOWED_HOSTS", "localhost,127.0.0.1,[::1]" if DEBUG else "")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS")

INSTALLED_APPS = [
    # First, so that its `runserver` (an ASGI server) replaces Django's: the development server streams events.
    "daphne",
    "chatsite.apps.ChatsiteAdminConfig",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    # Search on PostgreSQL: index operator classes (pg_trgm) and full-text lookups; inert on SQLite.
    "django.contrib.postgres",
    "rest_framework",
    "django_filters",
    "drf_spectacular",
    # Swagger UI and ReDoc as static files: the docs pages load nothing from another site.
    "drf_spectacular_sidecar",
    "chatsite.apps.ChatsiteConfig",
    "chat",
    "invites",
]

MIDDLEWARE = [
    "chatsite.logs.RequestIdMiddleware",
    "chatsite.metrics.MetricsMiddleware",
    "chatsite.outage.OutageMiddleware",
    "chatsite.health.ProbeMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "django_permissions_policy.PermissionsPolicyMiddleware",
    "chat.web.security.SiteCSPMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "chat.middleware.RejectNulInAdminMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "chatsite.urls"
# The protocols answer with and without a trailing slash themselves; never redirect a POST.
APPEND_SLASH = False

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

WSGI_APPLICATION = "chatsite.wsgi.application"
ASGI_APPLICATION = "chatsite.asgi.application"

# SQLite in the project folder unless DATABASE_URL says otherwise (postgres://... in production).
DATABASES = {
    "default": dj_database_url.config(
        default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}",
        conn_max_age=env_int("DATABASE_CONN_MAX_AGE", 60),
        conn_health_checks=True,
    )
}
_postgres = DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql"
if _postgres:
    # Django's backend with a health check that asks the server only when it has said something (a restart's
    # goodbye): no `SELECT 1` round trip before each request's first query (chatsite/postgresql/base.py).
    DATABASES["default"]["ENGINE"] = "chatsite.postgresql"
    # An unreachable database host fails fast (then 503) instead of hanging a worker until its timeout.
    DATABASES["default"].setdefault("OPTIONS", {}).setdefault("connect_timeout", env_int("DATABASE_CONNECT_TIMEOUT", 5))
    # No JIT compilation: every statement here is short, and a plan whose estimate crossed jit_above_cost (a page
    # of a large chatroom, planned without its values) was compiled anew on every run, 25 ms of CPU each time.
    _options = DATABASES["default"]["OPTIONS"]
    _options["options"] = f"{_options.get('options', '')} -c jit=off".strip()
# The hottest reads run hand-written statements that PostgreSQL prepares once per connection (chat/sql.py);
# behind PgBouncer's transaction pooling, turn the preparing off. CHAT_HOT_SQL=False runs the ORM's queries.
DATABASE_PREPARED_STATEMENTS = env_bool("DATABASE_PREPARED_STATEMENTS", True)
if _postgres and DATABASE_PREPARED_STATEMENTS:
    # Those statements are written so that one plan serves every value (chat/selectors/messages.py): planning
    # each run anew, as PostgreSQL chose to for them, cost more than running them. Only they are prepared.
    _options = DATABASES["default"]["OPTIONS"]
    _options["options"] = f"{_options.get('options', '')} -c plan_cache_mode=force_generic_plan".strip()
CHAT_HOT_SQL = True
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # Persistent connections buy nothing on SQLite; a busy timeout avoids spurious lock errors.
    DATABASES["default"]["CONN_MAX_AGE"] = 0
    DATABASES["default"].setdefault("OPTIONS", {})["timeout"] = 20

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
AUTH_USER_MODEL = "chat.User"
# The log-in pages (ours, the admin's, the browsable API's) share the API's throttle of failed log-ins.
AUTHENTICATION_BACKENDS = ["chat.backends.ThrottledModelBackend"]

# A shared cache (Redis) when several app processes run; a local one otherwise.
REDIS_URL = os.environ.get("REDIS_URL", "")
if REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": REDIS_URL,
            # Keeps this site's keys apart when several share one Redis database.
            "KEY_PREFIX": os.environ.get("REDIS_KEY_PREFIX", ""),
            # An unreachable Redis fails fast (then 503) instead of hanging a worker.
            "OPTIONS": {"socket_connect_timeout": 2, "socket_timeout": 2},
        }
    }
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 10}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LOGIN_URL = "/accounts/login/"
LOGIN_REDIRECT_URL = "/"

LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
MEDIA_URL = "media/"
MEDIA_ROOT = Path(os.environ.get("DJANGO_MEDIA_ROOT", BASE_DIR / "media"))
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "chat_files": chat_files_storage(),
    "staticfiles": {
        "BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"
        if not DEBUG
        else "django.contrib.staticfiles.storage.StaticFilesStorage"
    },
}

# Cookies: SameSite=Lax everywhere (the README explains why under "Cross-site requests").
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_SAMESITE = "Lax"
SESSION_COOKIE_HTTPONLY = True

# Behind HTTPS (DJANGO_HTTPS=1): secure cookies, HSTS, redirect to HTTPS, trust the proxy's scheme.
HTTPS = env_bool("DJANGO_HTTPS", False)
if HTTPS:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_SSL_REDIRECT = True
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_HSTS_SECONDS = env_int("DJANGO_HSTS_SECONDS", 31536000)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True

# Every answer says what its page may load (django-csp): everything from this origin, no inline script or
# style, no plugins, no framing. The Origam client page and the avatars set stricter ones of their own.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF],
        "img-src": [SELF, "data:"],
        "font-src": [SELF],
        "connect-src": [SELF],
        "object-src": [NONE],
        "base-uri": [NONE],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
    }
}
# A chat needs none of the browser's powerful features: no page of ours, nor anything it frames, may ask.
PERMISSIONS_POLICY: dict[str, list[str]] = {
    feature: []
    for feature in (
        "accelerometer",
        "ambient-light-sensor",
        "autoplay",
        "browsing-topics",
        "camera",
        "display-capture",
        "geolocation",
        "gyroscope",
        "hid",
        "idle-detection",
        "local-fonts",
        "magnetometer",
        "microphone",
        "midi",
        "payment",
        "publickey-credentials-get",
        "screen-wake-lock",
        "serial",
        "usb",
        "xr-spatial-tracking",
    )
}

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "chat.api.authentication.BearerTokenAuthentication",
        "chat.api.authentication.SessionCookieAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_RENDERER_CLASSES": [
        "chat.api.renderers.ORJSONRenderer",
        # The HTML pages only: indented JSON and a JSON form for every write (chat/api/browsable.py).
        "chat.api.browsable.BrowsableAPIRenderer",
    ],
    "DEFAULT_PARSER_CLASSES": ["chat.api.parsers.JSONBodyParser"],
    "DEFAULT_CONTENT_NEGOTIATION_CLASS": "chat.api.negotiation.ContentNegotiation",
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "chat.api.errors.exception_handler",
    "UNAUTHENTICATED_USER": "django.contrib.auth.models.AnonymousUser",
    # Page titles and breadcrumbs name the resource ("Chatrooms", "Chatroom"), not the class ("Chatroom List").
    "VIEW_NAME_FUNCTION": "chat.api.browsable.view_name",
}

SPECTACULAR_SETTINGS = {
    "TITLE": "chatsite API",
    "DESCRIPTION": "The Teahaz (chat API v0) and Origam chat protocols, and the project's own REST API (v1).",
    "VERSION": "0.1.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "PREPROCESSING_HOOKS": ["chat.api.schema.deduplicate_endpoints"],
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "chat.api.v1.events.document_events",
        "chat.api.schema.document_everything",
    ],
    # Request bodies get their own components, where a field that may not be blank says so (minLength).
    "COMPONENT_SPLIT_REQUEST": True,
    # Presence is one choice set wherever v1 shows or filters it.
    "ENUM_NAME_OVERRIDES": {"PresenceEnum": "chat.services.presence.PRESENCE_STATUSES"},
    # /api/docs/ and /api/redoc/ serve Swagger UI and ReDoc from this server (drf-spectacular-sidecar).
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    # No badge from the public validator service: the page asks nothing of another site.
    "SWAGGER_UI_SETTINGS": {"deepLinking": True, "validatorUrl": None},
}

# The chat's own settings (all overridable from the environment).
CHAT_MESSAGE_MAX_BYTES = env_int("CHAT_MESSAGE_MAX_BYTES", 64 * 1024)
CHAT_FILE_MAX_BYTES = env_int("CHAT_FILE_MAX_BYTES", 1024 * 1024)
CHAT_PRESENCE_ONLINE_SECONDS = env_int("CHAT_PRESENCE_ONLINE_SECONDS", 60)
CHAT_PRESENCE_AWAY_SECONDS = env_int("CHAT_PRESENCE_AWAY_SECONDS", 15 * 60)
CHAT_PRESENCE_WRITE_INTERVAL_SECONDS = env_int("CHAT_PRESENCE_WRITE_INTERVAL_SECONDS", 15)
# How long the event log keeps events (`manage.py purge_events`); older cursors get `resync`.
CHAT_EVENTS_RETENTION_HOURS = env_int("CHAT_EVENTS_RETENTION_HOURS", 72)
# In an active room a read marker is stored at most this often; the moves between wait in the cache.
CHAT_READ_MARKER_WRITE_INTERVAL_SECONDS = env_int("CHAT_READ_MARKER_WRITE_INTERVAL_SECONDS", 10)
# How long a process answers a token check and a chatroom access from its own cache (no REDIS_URL) before it asks
# the database again: the bound on a revocation, ban or grant change reaching it. 0 turns the cache off.
CHAT_ACCESS_CACHE_SECONDS = env_int("CHAT_ACCESS_CACHE_SECONDS", 2)
CHAT_TOKEN_TTL_SECONDS = env_int("CHAT_TOKEN_TTL_SECONDS", 30 * 24 * 3600)
CHAT_LOGIN_SESSION_TTL_SECONDS = env_int("CHAT_LOGIN_SESSION_TTL_SECONDS", 30 * 24 * 3600)
CHAT_LOGIN_FAILURES_PER_ACCOUNT = env_int("CHAT_LOGIN_FAILURES_PER_ACCOUNT", 10)
CHAT_LOGIN_FAILURES_PER_ADDRESS = env_int("CHAT_LOGIN_FAILURES_PER_ADDRESS", 50)
CHAT_LOGIN_FAILURE_WINDOW_SECONDS = env_int("CHAT_LOGIN_FAILURE_WINDOW_SECONDS", 15 * 60)
# Open sign-up: anyone may create an account (Teahaz chatroom creation); off, only invites and operators do.
CHAT_SIGNUP_OPEN = env_bool("CHAT_SIGNUP_OPEN", True)
CHAT_SIGNUPS_PER_ADDRESS = env_int("CHAT_SIGNUPS_PER_ADDRESS", 20)
CHAT_SIGNUP_WINDOW_SECONDS = env_int("CHAT_SIGNUP_WINDOW_SECONDS", 3600)
# Abuse limits, per user and per client address, each `<count>/<seconds>` over a sliding window (see the README).
# Off (CHAT_RATE_LIMITS_ENABLED=0) for load tests; failed log-ins and sign-ups stay throttled either way.
CHAT_RATE_LIMITS_ENABLED = env_bool("CHAT_RATE_LIMITS_ENABLED", True)
CHAT_RATE_LIMITS = {
    # A burst of 20 messages, then about one a second.
    "message_send": {
        "user": env_rate("CHAT_RATE_MESSAGE_SEND_USER", "20/20"),
        "address": env_rate("CHAT_RATE_MESSAGE_SEND_ADDRESS", "100/20"),
    },
    "chatroom_create": {
        "user": env_rate("CHAT_RATE_CHATROOM_CREATE_USER", "10/3600"),
        "address": env_rate("CHAT_RATE_CHATROOM_CREATE_ADDRESS", "30/3600"),
    },
    "channel_create": {
        "user": env_rate("CHAT_RATE_CHANNEL_CREATE_USER", "30/3600"),
        "address": env_rate("CHAT_RATE_CHANNEL_CREATE_ADDRESS", "100/3600"),
    },
    "invite_create": {
        "user": env_rate("CHAT_RATE_INVITE_CREATE_USER", "60/3600"),
        "address": env_rate("CHAT_RATE_INVITE_CREATE_ADDRESS", "200/3600"),
    },
    "search": {
        "user": env_rate("CHAT_RATE_SEARCH_USER", "60/60"),
        "address": env_rate("CHAT_RATE_SEARCH_ADDRESS", "300/60"),
    },
}
CHAT_INVITE_DEFAULT_TTL_SECONDS = env_int("CHAT_INVITE_DEFAULT_TTL_SECONDS", 7 * 24 * 3600)
CHAT_INVITE_MAX_USES = env_int("CHAT_INVITE_MAX_USES", 1000)
ORIGAM_MESSAGES_DEFAULT_LIMIT = env_int("ORIGAM_MESSAGES_DEFAULT_LIMIT", 100)
ORIGAM_MESSAGES_MAX_LIMIT = env_int("ORIGAM_MESSAGES_MAX_LIMIT", 500)
ORIGAM_CHAT_APP_DIR = os.environ.get("ORIGAM_CHAT_APP_DIR", "")
# Uploaded avatars are re-encoded no larger than this many pixels on their longer edge.
CHAT_AVATAR_MAX_EDGE = env_int("CHAT_AVATAR_MAX_EDGE", 512)
# Days of history `manage.py purge_history` keeps when not told otherwise; 0 keeps everything.
CHAT_RETENTION_DAYS = env_int("CHAT_RETENTION_DAYS", 0)

# The event stream (/api/v1/events; the README's "Live events"). Its notifications go through Redis pub/sub
# when this is set (by default the cache's REDIS_URL), else PostgreSQL LISTEN/NOTIFY, else in process.
CHAT_EVENTS_REDIS_URL = os.environ.get("CHAT_EVENTS_REDIS_URL", REDIS_URL)
# The Redis channel or PostgreSQL NOTIFY channel of those notifications, and the prefix of the cap's Redis keys.
CHAT_EVENTS_CHANNEL = os.environ.get("CHAT_EVENTS_CHANNEL", "chatsite-events")
# An idle stream sends a comment this often (proxies keep it open) and checks its credential is still valid.
CHAT_EVENTS_HEARTBEAT_SECONDS = env_int("CHAT_EVENTS_HEARTBEAT_SECONDS", 20)
# Frames a stream holds for a slow client; one that falls this far behind gets `resync` and is closed.
CHAT_EVENTS_QUEUE_MAX = env_int("CHAT_EVENTS_QUEUE_MAX", 256)
# Streams and long-polls one user may hold open at once (over all processes when Redis is used).
CHAT_EVENTS_STREAMS_PER_USER = env_int("CHAT_EVENTS_STREAMS_PER_USER", 10)
# The longest `timeout` of a long-poll (GET /api/v1/events?format=json).
CHAT_EVENTS_POLL_TIMEOUT_MAX_SECONDS = env_int("CHAT_EVENTS_POLL_TIMEOUT_MAX_SECONDS", 60)
if CHAT_EVENTS_HEARTBEAT_SECONDS < 1 or CHAT_EVENTS_QUEUE_MAX < 1 or CHAT_EVENTS_STREAMS_PER_USER < 1:
    raise ImproperlyConfigured("CHAT_EVENTS_HEARTBEAT_SECONDS, _QUEUE_MAX and _STREAMS_PER_USER must be at least 1.")

# Every line carries the request id; DJANGO_LOG_FORMAT=json writes one JSON object a line.
LOG_FORMAT = os.environ.get("DJANGO_LOG_FORMAT", "text").strip().lower()
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"request_id": {"()": "chatsite.logs.RequestIdFilter"}},
    "formatters": {
        "text": {"format": "%(asctime)s %(levelname)s %(name)s [%(request_id)s] %(message)s"},
        "json": {"()": "chatsite.logs.JSONFormatter"},
    },
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "filters": ["request_id"],
            "formatter": "json" if LOG_FORMAT == "json" else "text",
        }
    },
    "root": {"handlers": ["console"], "level": os.environ.get("DJANGO_LOG_LEVEL", "INFO")},
}

# /metrics answers only these addresses (the caller's address as client_address() reads it); 404 otherwise.
METRICS_ALLOWED_NETWORKS = env_list("METRICS_ALLOWED_NETWORKS", "127.0.0.0/8,::1/128")
# The Retry-After of a 503 while the database or the cache is unreachable.
CHAT_OUTAGE_RETRY_AFTER_SECONDS = env_int("CHAT_OUTAGE_RETRY_AFTER_SECONDS", 5)

# Take the client's address from X-Forwarded-For (its last entry, the one our proxy added) for throttling.
CHAT_TRUST_X_FORWARDED_FOR = env_bool("DJANGO_TRUST_X_FORWARDED_FOR", False)
# Room for a message of CHAT_MESSAGE_MAX_BYTES even when JSON escapes every character, and for a file of
# CHAT_FILE_MAX_BYTES in base64 (4 characters for every 3 bytes) with the rest of its JSON body.
DATA_UPLOAD_MAX_MEMORY_SIZE = env_int(
    "DJANGO_DATA_UPLOAD_MAX_MEMORY_SIZE",
    max(2_621_440, 7 * CHAT_MESSAGE_MAX_BYTES, CHAT_FILE_MAX_BYTES * 4 // 3 + 65_536),
)
# Any request body (JSON, or a multipart avatar of up to 2 MiB with its envelope): larger is 413 at the
# WSGI edge. Keep the proxy's limit (nginx client_max_body_size) at or above it.
CHAT_REQUEST_MAX_BYTES = env_int("CHAT_REQUEST_MAX_BYTES", max(DATA_UPLOAD_MAX_MEMORY_SIZE, 3 * 1024 * 1024))
# How much of an oversized body is read and thrown away so that the client receives its 413.
CHAT_REQUEST_DRAIN_BYTES = env_int("CHAT_REQUEST_DRAIN_BYTES", 32 * 1024 * 1024)
