"""Avatars as data: the drawn SVG (initials on the user's colour), the raster types we serve, and their ETags.

No HTTP here: the protocol adapters answer with these bytes and validators.
"""

import hashlib
import unicodedata
from xml.sax.saxutils import escape

# The colour and name of the avatar of system messages (and of deleted accounts' messages).
SYSTEM_AVATAR = {"display_name": "System", "username": "", "color_r": 128, "color_g": 128, "color_b": 128}


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


def drawn_avatar(row: dict) -> bytes:
    """The SVG for a user's avatar fields (display name, else username, and colour)."""
    return avatar_svg(
        name=row["display_name"] or row["username"], red=row["color_r"], green=row["color_g"], blue=row["color_b"]
    )


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


def content_etag(body: bytes) -> str:
    """A strong ETag for bytes held in memory (the drawn avatar)."""
    return f'"{hashlib.sha256(body).hexdigest()[:32]}"'


def stored_file_etag(*, name: str, size: int, modified: float | None) -> str:
    """A strong ETag for a stored file, from what the storage tells without reading it."""
    return '"{}"'.format(hashlib.sha256(f"{name}\0{size}\0{modified}".encode()).hexdigest()[:32])
