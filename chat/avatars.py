"""Avatars as data: the drawn SVG (initials on the user's colour), uploads re-encoded, the types served, ETags.

No HTTP here: the protocol adapters answer with these bytes and validators.
"""

import hashlib
import io
import unicodedata
import uuid
from typing import IO, Any
from xml.sax.saxutils import escape

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.db.models.fields.files import ImageField, ImageFieldFile
from PIL import Image, ImageOps

from chat.exceptions import Code
from chat.text import shown_name
from chat.validators import AVATAR_FORMATS, AVATAR_MAX_BYTES, AVATAR_MAX_SIDE

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
        name=shown_name(display_name=row["display_name"], username=row["username"]),
        red=row["color_r"],
        green=row["color_g"],
        blue=row["color_b"],
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


def avatar_reencode(file: IO[bytes]) -> tuple[bytes, str]:
    """The image decoded and drawn anew, and its file extension: only pixels survive the trip.

    Metadata (EXIF with its GPS position, comments, profiles) and anything after the image's end are left
    behind; the picture is turned upright as its EXIF orientation says, an animation keeps its first frame, and
    the longer edge is cut to CHAT_AVATAR_MAX_EDGE pixels. A JPEG stays a JPEG; any other image becomes a PNG.
    """
    file.seek(0)
    if len(file.read(AVATAR_MAX_BYTES + 1)) > AVATAR_MAX_BYTES:
        raise ValidationError("The avatar is larger than 2 MiB.", code=Code.AVATAR_TOO_LARGE)
    file.seek(0)
    try:
        with Image.open(file) as image:
            if image.format not in AVATAR_FORMATS:
                raise ValidationError("The avatar must be a PNG, JPEG, GIF or WebP image.", code=Code.AVATAR_FORMAT)
            # Checked before decoding: a small file may describe a bitmap too big to hold in memory.
            if max(image.size) > AVATAR_MAX_SIDE:
                raise ValidationError(
                    f"The avatar is larger than {AVATAR_MAX_SIDE} pixels a side.", code=Code.AVATAR_DIMENSIONS
                )
            is_jpeg = image.format == "JPEG"
            picture = ImageOps.exif_transpose(image)
    except (OSError, SyntaxError, ValueError, Image.DecompressionBombError) as error:
        raise ValidationError("The avatar is not an image.", code=Code.AVATAR_NOT_IMAGE) from error
    edge = settings.CHAT_AVATAR_MAX_EDGE
    picture.thumbnail((edge, edge), Image.Resampling.LANCZOS)
    has_alpha = picture.mode in ("RGBA", "LA", "PA") or "transparency" in picture.info
    clean = picture.convert("RGB" if is_jpeg or not has_alpha else "RGBA")
    # Pillow writes back what the decoder read (a JPEG comment, a PNG's ICC profile) unless it is cleared.
    clean.info = {}
    output = io.BytesIO()
    if is_jpeg:
        clean.save(output, format="JPEG", quality=90, optimize=True)
        return output.getvalue(), "jpg"
    clean.save(output, format="PNG", optimize=True)
    return output.getvalue(), "png"


class AvatarFieldFile(ImageFieldFile):
    """An avatar file that is stored only re-encoded (avatar_reencode), under a fresh name of its format."""

    def save(self, name: str, content: Any, save: bool = True) -> None:
        data, extension = avatar_reencode(content)
        super().save(f"{uuid.uuid4().hex}.{extension}", ContentFile(data), save)


class AvatarField(ImageField):
    """User.avatar: whatever way an upload comes in (the admin's form, code), what is stored is re-encoded."""

    attr_class = AvatarFieldFile
