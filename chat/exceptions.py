"""Domain errors: raised by services and selectors, turned into responses by each protocol.

Every machine-readable error name a client can see is a member of `Code`, so a name is spelled once.
"""

from enum import StrEnum


class Code(StrEnum):
    """The `code` of every error body: the domain's own, and the few each adapter adds for its wire."""

    # General, one per error class.
    ERROR = "error"
    INVALID = "invalid"
    NOT_AUTHENTICATED = "not_authenticated"
    FORBIDDEN = "forbidden"
    NOT_FOUND = "not_found"
    CONFLICT = "conflict"
    TOO_LARGE = "too_large"
    THROTTLED = "throttled"
    RATE_LIMITED = "rate_limited"
    PARSE_ERROR = "parse_error"
    # A field the request must carry is missing (DRF's own name for it).
    REQUIRED = "required"
    BAD_REQUEST = "bad_request"
    SERVER_ERROR = "server_error"
    # The server's edge: outages of the database or cache, request bodies it cannot take.
    SERVICE_UNAVAILABLE = "service_unavailable"
    LENGTH_REQUIRED = "length_required"
    INVALID_CONTENT_LENGTH = "invalid_content_length"
    # Accounts, log-ins and tokens.
    INVALID_USERNAME = "invalid_username"
    INVALID_PASSWORD = "invalid_password"
    INVALID_DISPLAY_NAME = "invalid_display_name"
    USERNAME_TAKEN = "username_taken"
    SIGNUP_CLOSED = "signup_closed"
    USERNAME_CONFUSABLE = "username_confusable"
    WRONG_CREDENTIALS = "wrong_credentials"
    USER_INACTIVE = "user_inactive"
    UNKNOWN_USER = "unknown_user"
    USER_NOT_FOUND = "user_not_found"
    INVALID_TOKEN = "invalid_token"
    INVALID_LIFETIME = "invalid_lifetime"
    LOGIN_EXPIRED = "login_expired"
    NOT_LOGGED_IN = "not_logged_in"
    CROSS_SITE_REFUSED = "cross_site_refused"
    # Chatrooms, channels and membership.
    CHATROOM_NOT_FOUND = "chatroom_not_found"
    INVALID_CHATROOM_NAME = "invalid_chatroom_name"
    CHANNEL_NOT_FOUND = "channel_not_found"
    INVALID_CHANNEL_NAME = "invalid_channel_name"
    DUPLICATE_CHANNEL = "duplicate_channel"
    INVALID_PUBLIC = "invalid_public"
    INVALID_PERMISSIONS = "invalid_permissions"
    NO_R_PERMISSION = "no_r_permission"
    NO_W_PERMISSION = "no_w_permission"
    NO_X_PERMISSION = "no_x_permission"
    NOT_PARTICIPANT = "not_participant"
    NOT_A_PARTICIPANT = "not_a_participant"
    NOT_CHATROOM_ADMIN = "not_chatroom_admin"
    BANNED = "banned"
    PARTICIPANT_BANNED = "participant_banned"
    INVALID_ROLE = "invalid_role"
    OWNER_EXISTS = "owner_exists"
    OWNER_REQUIRED = "owner_required"
    OWNER_PROTECTED = "owner_protected"
    # Messages.
    EMPTY_MESSAGE = "empty_message"
    INVALID_MESSAGE = "invalid_message"
    MESSAGE_TOO_LARGE = "message_too_large"
    INVALID_FORMAT = "invalid_format"
    INVALID_KEY_ID = "invalid_key_id"
    INVALID_MESSAGE_ID = "invalid_message_id"
    MESSAGE_ID_CONFLICT = "message_id_conflict"
    INVALID_MENTION = "invalid_mention"
    INVALID_REPLY = "invalid_reply"
    INVALID_ANCHOR = "invalid_anchor"
    MESSAGE_NOT_FOUND = "message_not_found"
    MESSAGE_DELETED = "message_deleted"
    MESSAGE_NOT_EDITABLE = "message_not_editable"
    NOT_MESSAGE_AUTHOR = "not_message_author"
    INVALID_SEARCH = "invalid_search"
    INVALID_CURSOR = "invalid_cursor"
    # Files.
    EMPTY_FILE = "empty_file"
    FILE_TOO_LARGE = "file_too_large"
    INVALID_FILENAME = "invalid_filename"
    # Invites.
    INVITE_NOT_FOUND = "invite_not_found"
    INVITE_EXPIRED = "invite_expired"
    INVITE_REVOKED = "invite_revoked"
    INVITE_USED_UP = "invite_used_up"
    INVALID_USES = "invalid_uses"
    INVALID_EXPIRATION_TIME = "invalid_expiration_time"
    # Avatars.
    AVATAR_TOO_LARGE = "avatar_too_large"
    AVATAR_NOT_IMAGE = "avatar_not_image"
    AVATAR_FORMAT = "avatar_format"
    AVATAR_DIMENSIONS = "avatar_dimensions"
    AVATAR_EXTENSION = "avatar_extension"
    # History retention.
    INVALID_RETENTION = "invalid_retention"
    # The event stream's connections.
    TOO_MANY_STREAMS = "too_many_streams"
    INVALID_TIMEOUT = "invalid_timeout"
    INVALID_EVENTS_FORMAT = "invalid_events_format"
    STREAM_NEEDS_ASGI = "stream_needs_asgi"
    # The Origam wire.
    INVALID_TOPIC = "invalid_topic"
    # The Teahaz wire: its request parameters keep the names the clients send.
    INVALID_BODY = "invalid_body"
    INVALID_TYPE = "invalid_type"
    SYSTEM_TYPE_REFUSED = "system_type_refused"
    USERID_REQUIRED = "userid_required"
    USERID_MISMATCH = "userid_mismatch"
    INVALID_GET_METHOD = "invalid_get_method"
    TIME_REQUIRED = "time_required"
    INVALID_TIME = "invalid_time"
    INVALID_COUNT = "invalid_count"
    INVALID_CHANNEL_ID_PARAM = "invalid_channelID"
    INVALID_EXPIRATION_TIME_PARAM = "invalid_expiration-time"
    CONFLICTING_SPELLINGS = "conflicting_spellings"
    INVALID_BASE64_TEXT = "invalid_base64_text"
    INVALID_BASE64 = "invalid_base64"


class ChatError(Exception):
    """Base of every domain error; `code` is the machine-readable name clients see."""

    code: Code = Code.ERROR
    default_detail = "The request could not be completed."

    def __init__(self, detail: str | None = None, *, code: Code | None = None) -> None:
        self.detail = detail or self.default_detail
        if code is not None:
            self.code = code
        super().__init__(self.detail)


class Invalid(ChatError):
    """The input breaks a rule of the domain (400)."""

    code = Code.INVALID
    default_detail = "Invalid input."


class NotAuthenticated(ChatError):
    """Credentials are missing or wrong (401)."""

    code = Code.NOT_AUTHENTICATED
    default_detail = "Authentication credentials were not provided or are not valid."


class Forbidden(ChatError):
    """The caller is known but may not do this (403)."""

    code = Code.FORBIDDEN
    default_detail = "You do not have permission to do this."


class NotParticipant(Forbidden):
    """The caller is not (or no longer) an active participant of the chatroom."""

    code = Code.NOT_PARTICIPANT
    default_detail = "You are not a participant of this chatroom."


class NotFound(ChatError):
    """The object does not exist, or the caller may not know that it does (404)."""

    code = Code.NOT_FOUND
    default_detail = "Not found."


class Conflict(ChatError):
    """The request contradicts what is stored (409)."""

    code = Code.CONFLICT
    default_detail = "This conflicts with what is stored."


class TooLarge(ChatError):
    """The content is larger than the server accepts (413)."""

    code = Code.TOO_LARGE
    default_detail = "The content is too large."


class Throttled(ChatError):
    """Too many attempts; the caller may try again after `retry_after` seconds (429)."""

    code = Code.THROTTLED
    default_detail = "Too many attempts. Try again later."

    def __init__(self, detail: str | None = None, *, retry_after: int, code: Code | None = None) -> None:
        super().__init__(detail, code=code)
        self.retry_after = max(1, int(retry_after))
