"""The Origam client's files: users' avatars, and the client build itself when ORIGAM_CHAT_APP_DIR names one.

These answer files, not API data, so they are plain Django views; their errors are still JSON.
"""

import hashlib
import logging
import mimetypes
import re
import unicodedata
import uuid
from datetime import datetime
from pathlib import Path
from xml.sax.saxutils import escape

from django.conf import settings
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import SuspiciousFileOperation
from django.http import FileResponse, HttpRequest, HttpResponse, HttpResponseRedirect, JsonResponse
from django.utils.cache import get_conditional_response
from django.utils.http import http_date

from chat.api.errors import error_body, json_not_found
from chat.api.origam.rendering import NO_AUTHOR_ID
from chat.exceptions import NotFound
from chat.models import User
from chat.selectors.avatars import user_avatar_row

logger = logging.getLogger(__name__)

SAFE_METHODS = ("GET", "HEAD")
# An avatar's URL never changes (it is the user's id), so browsers keep it briefly and then revalidate (a 304).
AVATAR_CACHE_CONTROL = "public, max-age=600"
# Vite names every file under chatAssets/ by the hash of its content: a new build means new names.
ASSET_CACHE_CONTROL = "public, max-age=31536000, immutable"
# The build's other files (locale/...) keep their names across builds: revalidate each time.
BUILD_FILE_CACHE_CONTROL = "public, no-cache"
# The page names the current assets; a stale copy would load the assets of an old build.
PAGE_CACHE_CONTROL = "no-store"
# An image served from our origin must never run anything, even when opened on its own as a document.
AVATAR_CSP = "default-src 'none'; style-src 'unsafe-inline'"

UUID_PATTERN = re.compile(r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}")

# The system's MIME tables differ between machines (some say application/javascript, some know no .map):
# the types a Vite build needs are fixed here, the rest come from the mimetypes module.
WEB_CONTENT_TYPES = {
    ".html": "text/html",
    ".js": "text/javascript",
    ".mjs": "text/javascript",
    ".css": "text/css",
    ".json": "application/json",
    ".map": "application/json",
    ".webmanifest": "application/manifest+json",
    ".svg": "image/svg+xml",
    ".png": "image/png",
    ".jpg": "image/jpeg",
    ".jpeg": "image/jpeg",
    ".gif": "image/gif",
    ".webp": "image/webp",
    ".ico": "image/vnd.microsoft.icon",
    ".woff": "font/woff",
    ".woff2": "font/woff2",
    ".ttf": "font/ttf",
    ".wasm": "application/wasm",
    ".txt": "text/plain",
}
UTF8_TYPES = {"application/json", "application/manifest+json"}


def _method_not_allowed() -> JsonResponse:
    response = JsonResponse(error_body("Method not allowed.", "method_not_allowed"), status=405)
    response["Allow"] = ", ".join(SAFE_METHODS)
    return response


def _conditional(request: HttpRequest, *, etag: str, last_modified: float | None) -> HttpResponse | None:
    """A 304 (or a JSON 412) when the client's copy is current, else None."""
    answer = get_conditional_response(
        request, etag=etag, last_modified=int(last_modified) if last_modified is not None else None
    )
    if answer is not None and answer.status_code == 412:
        return JsonResponse(error_body("Precondition failed.", "precondition_failed"), status=412)
    return answer


def _validators_headers(response: HttpResponse, *, etag: str, last_modified: float | None) -> None:
    response["ETag"] = etag
    if last_modified is not None:
        response["Last-Modified"] = http_date(last_modified)


# Avatars.


def initials(name: str) -> str:
    """The initials of a name: the first and last words' first letters (else their first visible character)."""
    words = name.split()
    picked = [words[0], words[-1]] if len(words) > 1 else words
    letters = "".join(_initial(word) for word in picked)
    return letters or "?"


def _initial(word: str) -> str:
    # Control, format, surrogate, unassigned and combining characters are skipped: none is valid or visible
    # on its own in XML, and a name like "(Ann)" should still give "A".
    visible = [char for char in word if unicodedata.category(char)[0] not in "CMZ"]
    for char in visible:
        if unicodedata.category(char)[0] in "LN":
            upper = char.upper()
            return upper if len(upper) == 1 else char
    return visible[0] if visible else ""


def _relative_luminance(red: int, green: int, blue: int) -> float:
    def linear(channel: int) -> float:
        value = channel / 255
        return value / 12.92 if value <= 0.04045 else ((value + 0.055) / 1.055) ** 2.4

    return 0.2126 * linear(red) + 0.7152 * linear(green) + 0.0722 * linear(blue)


def text_colour(red: int, green: int, blue: int) -> str:
    """Black or white, whichever contrasts more with the background (the WCAG contrast ratio)."""
    luminance = _relative_luminance(red, green, blue)
    on_black = (luminance + 0.05) / 0.05
    on_white = 1.05 / (luminance + 0.05)
    return "#000000" if on_black >= on_white else "#ffffff"


def avatar_svg(*, name: str, red: int, green: int, blue: int) -> bytes:
    """The generated avatar: the name's initials on the user's colour; only escaped text goes into it."""
    red, green, blue = (max(0, min(255, int(channel))) for channel in (red, green, blue))
    letters = initials(name)
    font_size = 30 if len(letters) == 1 else 26
    text = escape(letters, {'"': "&quot;", "'": "&apos;"})
    return (
        '<svg xmlns="http://www.w3.org/2000/svg" width="64" height="64" viewBox="0 0 64 64">'
        f'<rect width="64" height="64" fill="#{red:02x}{green:02x}{blue:02x}"/>'
        f'<text x="32" y="32" dy=".35em" text-anchor="middle" fill="{text_colour(red, green, blue)}" '
        f'font-family="system-ui, -apple-system, Segoe UI, Roboto, Helvetica, Arial, sans-serif" '
        f'font-size="{font_size}" font-weight="600">{text}</text></svg>'
    ).encode()


def sniff_raster(head: bytes) -> str | None:
    """The content type of a PNG, JPEG, GIF or WebP file from its first bytes; None for anything else."""
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return "image/png"
    if head.startswith(b"\xff\xd8\xff"):
        return "image/jpeg"
    if head[:6] in (b"GIF87a", b"GIF89a"):
        return "image/gif"
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return "image/webp"
    return None


def _avatar_headers(response: HttpResponse, *, etag: str, last_modified: float | None) -> HttpResponse:
    response["Cache-Control"] = AVATAR_CACHE_CONTROL
    response["Content-Security-Policy"] = AVATAR_CSP
    response["X-Content-Type-Options"] = "nosniff"
    _validators_headers(response, etag=etag, last_modified=last_modified)
    return response


def _uploaded_avatar(request: HttpRequest, name: str) -> HttpResponse | None:
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
    etag = '"{}"'.format(hashlib.sha256(f"{name}\0{size}\0{last_modified}".encode()).hexdigest()[:32])
    not_modified = _conditional(request, etag=etag, last_modified=last_modified)
    if not_modified is not None:
        handle.close()
        return _avatar_headers(not_modified, etag=etag, last_modified=last_modified)
    response = FileResponse(handle, content_type=content_type)
    return _avatar_headers(response, etag=etag, last_modified=last_modified)


def avatar(request: HttpRequest, user_id: str) -> HttpResponse:
    """A user's avatar, for anyone (an <img> carries no credentials): the uploaded image, else a drawn SVG."""
    if request.method not in SAFE_METHODS:
        return _method_not_allowed()
    if not UUID_PATTERN.fullmatch(user_id):
        return json_not_found(request)
    if uuid.UUID(user_id) == uuid.UUID(NO_AUTHOR_ID):
        # System messages (and those of deleted accounts) carry the nil id: they get a neutral avatar.
        row = {"avatar": "", "display_name": "System", "username": "", "color_r": 128, "color_g": 128, "color_b": 128}
    else:
        try:
            row = user_avatar_row(user_id=uuid.UUID(user_id))
        except NotFound:
            return json_not_found(request)
    if row["avatar"]:
        uploaded = _uploaded_avatar(request, row["avatar"])
        if uploaded is not None:
            return uploaded
    body = avatar_svg(
        name=row["display_name"] or row["username"], red=row["color_r"], green=row["color_g"], blue=row["color_b"]
    )
    etag = f'"{hashlib.sha256(body).hexdigest()[:32]}"'
    not_modified = _conditional(request, etag=etag, last_modified=None)
    if not_modified is not None:
        return _avatar_headers(not_modified, etag=etag, last_modified=None)
    return _avatar_headers(HttpResponse(body, content_type="image/svg+xml"), etag=etag, last_modified=None)


# The client build (ORIGAM_CHAT_APP_DIR).


def build_root() -> Path | None:
    """The client build's folder, read at each request; None when unset or missing."""
    configured = getattr(settings, "ORIGAM_CHAT_APP_DIR", "")
    if not configured:
        return None
    root = Path(configured).resolve()
    return root if root.is_dir() else None


def build_file(root: Path, relative: str) -> Path | None:
    """The regular file at this path inside the build, symlinks resolved; None for anything outside it."""
    if "\x00" in relative or "\\" in relative:
        return None
    parts = relative.split("/")
    # No empty part (an absolute path, "//"), no "." or "..", and no hidden file (.git, .env, ...).
    if any(not part or part.startswith(".") for part in parts):
        return None
    try:
        candidate = root.joinpath(*parts).resolve()
        if not candidate.is_relative_to(root) or not candidate.is_file():
            return None
    except (OSError, RuntimeError, ValueError):
        # RuntimeError: a symlink loop (Python 3.11's resolve()); ValueError: a name the OS refuses.
        return None
    return candidate


def content_type_of(path: Path) -> str:
    """The file's content type, with its charset when it is text."""
    suffix = path.suffix.lower()
    content_type = WEB_CONTENT_TYPES.get(suffix) or mimetypes.guess_type(path.name)[0] or "application/octet-stream"
    if content_type.startswith("text/") or content_type in UTF8_TYPES:
        content_type += "; charset=utf-8"
    return content_type


def _serve(request: HttpRequest, path: Path, *, cache_control: str, revalidate: bool = True) -> HttpResponse:
    stat = path.stat()
    etag = f'"{stat.st_mtime_ns:x}-{stat.st_size:x}"'
    response = _conditional(request, etag=etag, last_modified=stat.st_mtime) if revalidate else None
    if response is None:
        response = FileResponse(path.open("rb"), content_type=content_type_of(path))
    response["Cache-Control"] = cache_control
    response["X-Content-Type-Options"] = "nosniff"
    if revalidate:
        _validators_headers(response, etag=etag, last_modified=stat.st_mtime)
    return response


def app_page(request: HttpRequest) -> HttpResponse:
    """The client's page, for a logged-in browser; anyone else is sent to log in and back."""
    if request.method not in SAFE_METHODS:
        return _method_not_allowed()
    root = build_root()
    page = build_file(root, "index.html") if root is not None else None
    if page is None:
        return json_not_found(request)
    if not request.user.is_authenticated:
        return redirect_to_login(request.get_full_path())
    return _serve(request, page, cache_control=PAGE_CACHE_CONTROL, revalidate=False)


def app_root(request: HttpRequest) -> HttpResponse:
    """/chatrooms without its slash: on to the page, when there is one."""
    if request.method not in SAFE_METHODS:
        return _method_not_allowed()
    if build_root() is None:
        return json_not_found(request)
    return HttpResponseRedirect("/chatrooms/")


def app_asset(request: HttpRequest, path: str) -> HttpResponse:
    """A file of the build's chatAssets/ folder (hash-named by Vite, so cached for long)."""
    if request.method not in SAFE_METHODS:
        return _method_not_allowed()
    root = build_root()
    found = build_file(root, f"chatAssets/{path}") if root is not None else None
    if found is None:
        return json_not_found(request)
    return _serve(request, found, cache_control=ASSET_CACHE_CONTROL)


def app_file(request: HttpRequest, path: str) -> HttpResponse:
    """Any other file of the build under /chatrooms/ (locale/..., icons), revalidated on each use."""
    if request.method not in SAFE_METHODS:
        return _method_not_allowed()
    root = build_root()
    found = build_file(root, path) if root is not None else None
    if found is None:
        return json_not_found(request)
    return _serve(request, found, cache_control=BUILD_FILE_CACHE_CONTROL)
