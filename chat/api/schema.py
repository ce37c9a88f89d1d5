"""OpenAPI schema glue: our authentication, each endpoint listed once per mount, and what the views cannot say.

The views describe their own bodies and successes; the hooks here add what is true of every endpoint (the error
answers and their `{"detail", "code"}` body), the ranges of the Teahaz header parameters (one table, since the
same names recur across endpoints), and the endpoints that are plain Django views: the avatars and the client page.
"""

from typing import Any

from django.conf import settings
from drf_spectacular.extensions import OpenApiAuthenticationExtension

from chat.api.teahaz.params import MAX_EPOCH

ERROR_REF = {"$ref": "#/components/schemas/Error"}
ERROR_SCHEMA = {
    "type": "object",
    "description": "Every error answer of every endpoint.",
    "properties": {
        "detail": {"type": "string", "minLength": 1, "description": "What went wrong, for a person."},
        "code": {"type": "string", "minLength": 1, "description": "What went wrong, for a program."},
    },
    "required": ["detail", "code"],
}
DETAIL_SCHEMA = {
    "type": "object",
    "properties": {"detail": {"type": "string", "minLength": 1}},
    "required": ["detail"],
}
ERRORS = {
    "400": "Invalid input: a malformed body, field, header or query parameter.",
    "401": "Not logged in, or wrong credentials.",
    "403": "Logged in, but not allowed (or a cross-site write refused).",
    "404": "No such chatroom, channel, message, user or invite, or one the caller may not see.",
    "429": "Too many requests: try again after `Retry-After` seconds.",
    "503": "The database or the cache is unreachable: try again after `Retry-After` seconds.",
}
BODY_ERRORS = {
    "409": "Conflicts with what is stored (an id used again with other content).",
    "413": "The body or a field of it is too large.",
    "415": "The body is not JSON.",
}
RETRY_AFTER = {
    "Retry-After": {"schema": {"type": "integer", "minimum": 1}, "description": "Seconds until a new try may pass."}
}
# The Teahaz GET parameters travel as headers; these are their types and ranges wherever they appear.
TEAHAZ_HEADERS: dict[str, dict[str, Any]] = {
    "userID": {"type": "string", "minLength": 1, "maxLength": 150},
    "get-method": {"type": "string", "enum": ["since", "count"]},
    "time": {"type": "number", "minimum": 0, "maximum": MAX_EPOCH},
    "count": {"type": "integer", "minimum": 1},
    "channelID": {"type": "string", "format": "uuid"},
    "uses": {"type": "integer", "minimum": 1, "maximum": settings.CHAT_INVITE_MAX_USES},
    "expiration-time": {"type": "number", "minimum": 0, "maximum": MAX_EPOCH},
}
GUID = {"type": "string", "format": "uuid"}
BINARY = {"schema": {"type": "string", "format": "binary"}}


class BearerTokenScheme(OpenApiAuthenticationExtension):
    """`Authorization: Bearer <token>` from /api/auth/token or `manage.py issue_token`."""

    target_class = "chat.api.authentication.BearerTokenAuthentication"
    name = "bearerToken"

    def get_security_definition(self, auto_schema: Any) -> dict:
        return {"type": "http", "scheme": "bearer"}


class SessionCookieScheme(OpenApiAuthenticationExtension):
    """The Django session cookie of a browser logged in at /accounts/login/."""

    target_class = "chat.api.authentication.SessionCookieAuthentication"
    name = "sessionCookie"

    def get_security_definition(self, auto_schema: Any) -> dict:
        return {"type": "apiKey", "in": "cookie", "name": "sessionid"}


def deduplicate_endpoints(endpoints: list, **kwargs: Any) -> list:
    """Each endpoint answers with and without a trailing slash: list it once (each Teahaz mount keeps its own)."""
    paths = {path for path, *_ in endpoints}
    return [endpoint for endpoint in endpoints if not (endpoint[0].endswith("/") and endpoint[0][:-1] in paths)]


def _error_responses(operation: dict, *, has_body: bool) -> None:
    responses = operation.setdefault("responses", {})
    for status, description in (ERRORS | (BODY_ERRORS if has_body else {})).items():
        answer = responses.setdefault(status, {"description": description})
        answer.setdefault("content", {"application/json": {"schema": ERROR_REF}})
        if status in ("429", "503"):
            answer.setdefault("headers", RETRY_AFTER)


def _successes_are_200(operation: dict) -> None:
    """Every success of the protocols is 200 with a JSON body; a DELETE answers `{"detail"}` rather than 204."""
    responses = operation.get("responses", {})
    if "204" in responses:
        del responses["204"]
        responses["200"] = {"description": "Done.", "content": {"application/json": {"schema": DETAIL_SCHEMA}}}


def _header_ranges(operation: dict) -> None:
    for parameter in operation.get("parameters", []):
        if parameter.get("in") == "header" and parameter["name"] in TEAHAZ_HEADERS:
            parameter["schema"] = dict(TEAHAZ_HEADERS[parameter["name"]])


def _file(summary: str, description: str, *, parameters: list, content: dict, statuses: dict) -> dict:
    """A GET of a plain Django view that needs no log-in, with the errors it can answer."""
    responses = {"200": {"description": "The file.", "content": content}, **statuses}
    for status in ("404", "405"):
        responses[status] = {
            "description": "No such file." if status == "404" else "Only GET and HEAD.",
            "content": {"application/json": {"schema": ERROR_REF}},
        }
    return {
        "get": {
            "operationId": summary.lower().replace(" ", "_"),
            "summary": summary,
            "description": description,
            "tags": ["origam client"],
            "security": [{}],
            "parameters": parameters,
            "responses": responses,
        }
    }


def _path_parameter(name: str, schema: dict, description: str) -> dict:
    return {"name": name, "in": "path", "required": True, "schema": schema, "description": description}


NOT_MODIFIED = {"304": {"description": "Not modified since the `If-None-Match` or `If-Modified-Since` given."}}
FILE_NAME = {"type": "string", "pattern": r"^[^/]*\.[^/]*$"}
PLAIN_VIEWS = {
    "/chatrooms/Avatar/{user_id}": _file(
        "Avatar",
        "A user's avatar for an `<img>` (no log-in): the uploaded image, else an SVG of the user's initials on the "
        "user's colour. The nil id is the system's avatar.",
        parameters=[_path_parameter("user_id", GUID, "The user's id (the `avatarUrl` field).")],
        content={kind: BINARY for kind in ("image/svg+xml", "image/png", "image/jpeg", "image/gif", "image/webp")},
        statuses=NOT_MODIFIED,
    ),
    "/chatrooms/": _file(
        "Client page",
        "The Origam client's page (`Cache-Control: no-store`), from the build in `ORIGAM_CHAT_APP_DIR`; a visitor "
        "without a session gets it behind a small gate that finds the page's token or goes to /accounts/login/.",
        parameters=[],
        content={"text/html": BINARY},
        statuses={},
    ),
    "/chatrooms/index.html": _file(
        "Client page index", "The same page as /chatrooms/.", parameters=[], content={"text/html": BINARY}, statuses={}
    ),
    "/chatAssets/{path}": _file(
        "Client asset",
        "A file of the build's chatAssets/ folder (named by its content's hash, so cached for a year).",
        parameters=[_path_parameter("path", FILE_NAME, "The file's path in chatAssets/.")],
        content={"*/*": BINARY},
        statuses=NOT_MODIFIED,
    ),
    "/chatrooms/{path}": _file(
        "Client file",
        "Any other file of the build under /chatrooms/ (locale files, icons), revalidated on each use.",
        parameters=[_path_parameter("path", FILE_NAME, "The file's path in the build.")],
        content={"*/*": BINARY},
        statuses=NOT_MODIFIED,
    ),
}


def document_everything(result: dict, **kwargs: Any) -> dict:
    """Adds the error answers, the Teahaz header ranges, and the plain Django views to the generated schema."""
    result.setdefault("components", {}).setdefault("schemas", {})["Error"] = ERROR_SCHEMA
    for path, item in result.get("paths", {}).items():
        for method, operation in item.items():
            if not path.startswith("/api/v1/"):
                # v1 is REST: 201 for what it creates, 204 (no body) for what it removes.
                _successes_are_200(operation)
            _header_ranges(operation)
            _error_responses(operation, has_body="requestBody" in operation or method in ("post", "patch", "put"))
    result["paths"].update(PLAIN_VIEWS)
    return result
