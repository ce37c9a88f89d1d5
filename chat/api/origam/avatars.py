"""GET /chatrooms/Avatar/<userId>: a user's avatar, the uploaded image or else the drawn SVG (chat.avatars).

A plain Django view (it answers a file, not API data); its errors are still JSON.
"""

import logging
import re
import uuid
from datetime import datetime

from django.core.exceptions import SuspiciousFileOperation
from django.http import FileResponse, HttpRequest, HttpResponse
from django.http.response import HttpResponseBase

from chat.api.errors import json_not_found
from chat.api.origam.rendering import NO_AUTHOR_ID
from chat.avatars import SYSTEM_AVATAR, content_etag, drawn_avatar, sniff_raster, stored_file_etag
from chat.exceptions import NotFound
from chat.models import User
from chat.selectors.avatars import user_avatar_row
from chat.web.files import SAFE_METHODS, conditional, method_not_allowed, set_validators

logger = logging.getLogger(__name__)

# An avatar's URL never changes (it is the user's id), so browsers keep it briefly and then revalidate (a 304).
AVATAR_CACHE_CONTROL = "public, max-age=600"
# An image served from our origin must never run anything, even when opened on its own as a document.
AVATAR_CSP = "default-src 'none'; style-src 'unsafe-inline'"

UUID_PATTERN = re.compile(r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}")


def _avatar_headers(response: HttpResponseBase, *, etag: str, last_modified: float | None) -> HttpResponseBase:
    response["Cache-Control"] = AVATAR_CACHE_CONTROL
    response["Content-Security-Policy"] = AVATAR_CSP
    response["X-Content-Type-Options"] = "nosniff"
    set_validators(response, etag=etag, last_modified=last_modified)
    return response


def _uploaded_avatar(request: HttpRequest, name: str) -> HttpResponseBase | None:
    """The uploaded file when it is a raster image we can read; None (draw one instead) otherwise."""
    storage = User._meta.get_field("avatar").storage
    try:
        handle = storage.open(name, "rb")
    except (OSError, SuspiciousFileOperation, ValueError):
        logger.warning("The avatar file %r cannot be opened; drawing one instead.", name)
        return None
    try:
        # The content decides the type, never the name: a file that is not PNG, JPEG, GIF or WebP (an SVG or
        # HTML page put there by hand, say) is never served from our origin.
        content_type = sniff_raster(handle.read(12))
        handle.seek(0)
        size = storage.size(name)
        try:
            modified: datetime | None = storage.get_modified_time(name)
        except NotImplementedError:
            modified = None
    except OSError:
        handle.close()
        logger.warning("The avatar file %r cannot be read; drawing one instead.", name)
        return None
    if content_type is None:
        handle.close()
        logger.warning("The avatar file %r is not a PNG, JPEG, GIF or WebP image; drawing one instead.", name)
        return None
    last_modified = modified.timestamp() if modified is not None else None
    etag = stored_file_etag(name=name, size=size, modified=last_modified)
    not_modified = conditional(request, etag=etag, last_modified=last_modified)
    if not_modified is not None:
        handle.close()
        return _avatar_headers(not_modified, etag=etag, last_modified=last_modified)
    response = FileResponse(handle, content_type=content_type)
    return _avatar_headers(response, etag=etag, last_modified=last_modified)


def avatar(request: HttpRequest, user_id: str) -> HttpResponseBase:
    """A user's avatar, for anyone (an <img> carries no credentials): the uploaded image, else a drawn SVG."""
    if request.method not in SAFE_METHODS:
        return method_not_allowed()
    if not UUID_PATTERN.fullmatch(user_id):
        return json_not_found(request)
    if uuid.UUID(user_id) == uuid.UUID(NO_AUTHOR_ID):
        # System messages (and those of deleted accounts) carry the nil id: they get a neutral avatar.
        row = {"avatar": "", **SYSTEM_AVATAR}
    else:
        try:
            row = user_avatar_row(user_id=uuid.UUID(user_id))
        except NotFound:
            return json_not_found(request)
    if row["avatar"]:
        uploaded = _uploaded_avatar(request, str(row["avatar"]))
        if uploaded is not None:
            return uploaded
    body = drawn_avatar(row)
    etag = content_etag(body)
    not_modified = conditional(request, etag=etag, last_modified=None)
    if not_modified is not None:
        return _avatar_headers(not_modified, etag=etag, last_modified=None)
    return _avatar_headers(HttpResponse(body, content_type="image/svg+xml"), etag=etag, last_modified=None)
