"""The Origam client build (ORIGAM_CHAT_APP_DIR), served same-origin with its API: the page, chatAssets/, the rest.

The page holds no data, so it is served to anyone. A visitor without a session may still hold a bearer token in
the page's sessionStorage (the Origam main client leaves one there), which only the browser can see: that
visitor's page gets our gate script first, which sends the visitor to log in only when there is no token.
"""

import mimetypes
import re
from pathlib import Path

from csp.constants import NONE, SELF
from csp.decorators import csp
from django.conf import settings
from django.http import FileResponse, HttpRequest, HttpResponse, HttpResponseRedirect
from django.http.response import HttpResponseBase
from django.shortcuts import resolve_url
from django.templatetags.static import static
from django.utils.html import format_html

from chat.api.errors import json_not_found
from chat.web.files import SAFE_METHODS, conditional, method_not_allowed, set_validators

# Vite names every file under chatAssets/ by the hash of its content: a new build means new names.
ASSET_CACHE_CONTROL = "public, max-age=31536000, immutable"
# The build's other files (locale/...) keep their names across builds: revalidate each time.
BUILD_FILE_CACHE_CONTROL = "public, no-cache"
# The page names the current assets; a stale copy would load the assets of an old build.
PAGE_CACHE_CONTROL = "no-store"
# The strictest policy a Vite build allows: its scripts (and our gate), styles, fonts and images from this
# origin (Vite inlines small images and fonts as data: URLs), API calls to this origin, nothing else at all.
# Message HTML is rendered as it comes, so this is the second line behind the server's sanitiser.
PAGE_POLICY = {
    "default-src": [NONE],
    "script-src": [SELF],
    "style-src": [SELF],
    "img-src": [SELF, "data:"],
    "font-src": [SELF, "data:"],
    "connect-src": [SELF],
    "manifest-src": [SELF],
    "base-uri": [NONE],
    "form-action": [SELF],
    "frame-ancestors": [NONE],
}
GATE_SCRIPT = "chat/origam-gate.js"
HEAD_TAG = re.compile(rb"<head(?:\s[^>]*)?>", re.IGNORECASE)

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


def _serve(request: HttpRequest, path: Path, *, cache_control: str, revalidate: bool = True) -> HttpResponseBase:
    stat = path.stat()
    etag = f'"{stat.st_mtime_ns:x}-{stat.st_size:x}"'
    response: HttpResponseBase | None = (
        conditional(request, etag=etag, last_modified=stat.st_mtime) if revalidate else None
    )
    if response is None:
        response = FileResponse(path.open("rb"), content_type=content_type_of(path))
    response["Cache-Control"] = cache_control
    response["X-Content-Type-Options"] = "nosniff"
    if revalidate:
        set_validators(response, etag=etag, last_modified=stat.st_mtime)
    return response


def with_gate(page: bytes) -> bytes:
    """The page with our gate script first in its <head>: a classic script, so it runs before the client's."""
    tag = format_html(
        '<script src="{}" data-login-url="{}"></script>', static(GATE_SCRIPT), resolve_url(settings.LOGIN_URL)
    ).encode()
    head = HEAD_TAG.search(page)
    if head is None:
        return tag + page
    return page[: head.end()] + tag + page[head.end() :]


@csp(PAGE_POLICY)
def app_page(request: HttpRequest) -> HttpResponseBase:
    """The client's page: as built for a logged-in browser, behind the token-or-log-in gate for anyone else."""
    if request.method not in SAFE_METHODS:
        return method_not_allowed()
    root = build_root()
    page = build_file(root, "index.html") if root is not None else None
    if page is None:
        return json_not_found(request)
    if request.user.is_authenticated:
        return _serve(request, page, cache_control=PAGE_CACHE_CONTROL, revalidate=False)
    response = HttpResponse(with_gate(page.read_bytes()), content_type=content_type_of(page))
    response["Cache-Control"] = PAGE_CACHE_CONTROL
    response["X-Content-Type-Options"] = "nosniff"
    return response


def app_root(request: HttpRequest) -> HttpResponseBase:
    """/chatrooms without its slash: on to the page, when there is one."""
    if request.method not in SAFE_METHODS:
        return method_not_allowed()
    if build_root() is None:
        return json_not_found(request)
    return HttpResponseRedirect("/chatrooms/")


def app_asset(request: HttpRequest, path: str) -> HttpResponseBase:
    """A file of the build's chatAssets/ folder (hash-named by Vite, so cached for long)."""
    if request.method not in SAFE_METHODS:
        return method_not_allowed()
    root = build_root()
    found = build_file(root, f"chatAssets/{path}") if root is not None else None
    if found is None:
        return json_not_found(request)
    return _serve(request, found, cache_control=ASSET_CACHE_CONTROL)


def app_file(request: HttpRequest, path: str) -> HttpResponseBase:
    """Any other file of the build under /chatrooms/ (locale/..., icons), revalidated on each use."""
    if request.method not in SAFE_METHODS:
        return method_not_allowed()
    root = build_root()
    found = build_file(root, path) if root is not None else None
    if found is None:
        return json_not_found(request)
    return _serve(request, found, cache_control=BUILD_FILE_CACHE_CONTROL)
