"""OpenAPI schema glue: describe our authentication, and list each endpoint once."""

from drf_spectacular.extensions import OpenApiAuthenticationExtension


class BearerTokenScheme(OpenApiAuthenticationExtension):
    """`Authorization: Bearer <token>` from /api/auth/token or `manage.py issue_token`."""

    target_class = "chat.api.authentication.BearerTokenAuthentication"
    name = "bearerToken"

    def get_security_definition(self, auto_schema):
        return {"type": "http", "scheme": "bearer"}


class SessionCookieScheme(OpenApiAuthenticationExtension):
    """The Django session cookie of a browser logged in at /accounts/login/."""

    target_class = "chat.api.authentication.SessionCookieAuthentication"
    name = "sessionCookie"

    def get_security_definition(self, auto_schema):
        return {"type": "apiKey", "in": "cookie", "name": "sessionid"}


def deduplicate_endpoints(endpoints: list, **kwargs) -> list:
    """Each endpoint answers with and without a trailing slash (and Teahaz at two mounts): list it once."""
    paths = {path for path, *_ in endpoints}
    kept = []
    for path, path_regex, method, callback in endpoints:
        if path.endswith("/") and path.rstrip("/") in paths:
            continue
        if not path.startswith(("/api/", "/chatrooms/", "/admin/")) and f"/api/v0{path}" in paths:
            continue
        kept.append((path, path_regex, method, callback))
    return kept
