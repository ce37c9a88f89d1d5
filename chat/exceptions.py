"""Domain errors: raised by services and selectors, turned into responses by each protocol."""


class ChatError(Exception):
    """Base of every domain error; `code` is the machine-readable name clients see."""

    code = "error"
    default_detail = "The request could not be completed."

    def __init__(self, detail: str | None = None, *, code: str | None = None) -> None:
        self.detail = detail or self.default_detail
        if code is not None:
            self.code = code
        super().__init__(self.detail)


class Invalid(ChatError):
    """The input breaks a rule of the domain (400)."""

    code = "invalid"
    default_detail = "Invalid input."


class NotAuthenticated(ChatError):
    """Credentials are missing or wrong (401)."""

    code = "not_authenticated"
    default_detail = "Authentication credentials were not provided or are not valid."


class Forbidden(ChatError):
    """The caller is known but may not do this (403)."""

    code = "forbidden"
    default_detail = "You do not have permission to do this."


class NotParticipant(Forbidden):
    """The caller is not (or no longer) an active participant of the chatroom."""

    code = "not_participant"
    default_detail = "You are not a participant of this chatroom."


class NotFound(ChatError):
    """The object does not exist, or the caller may not know that it does (404)."""

    code = "not_found"
    default_detail = "Not found."


class Conflict(ChatError):
    """The request contradicts what is stored (409)."""

    code = "conflict"
    default_detail = "This conflicts with what is stored."


class TooLarge(ChatError):
    """The content is larger than the server accepts (413)."""

    code = "too_large"
    default_detail = "The content is too large."


class Throttled(ChatError):
    """Too many attempts; the caller may try again after `retry_after` seconds (429)."""

    code = "throttled"
    default_detail = "Too many attempts. Try again later."

    def __init__(self, detail: str | None = None, *, retry_after: int, code: str | None = None) -> None:
        super().__init__(detail, code=code)
        self.retry_after = max(1, int(retry_after))
