"""Validators for uploads that other users' browsers will load."""

from django.core.exceptions import ValidationError
from django.core.files import File
from PIL import Image

from chat.exceptions import Code

AVATAR_MAX_BYTES = 2 * 1024 * 1024
# Larger than any avatar needs; a small file that decodes to a huge bitmap would stall every client showing it.
AVATAR_MAX_SIDE = 4096
# Pillow's format name -> the extensions a file of that format may carry. Raster only: never SVG (it can carry
# script), and the extension must match, so that a web server that serves MEDIA_ROOT by extension (nginx, say)
# can never serve an avatar as HTML.
AVATAR_FORMATS = {
    "PNG": ("png",),
    "JPEG": ("jpg", "jpeg"),
    "GIF": ("gif",),
    "WEBP": ("webp",),
}


def validate_avatar(file: File) -> None:
    """An avatar is a PNG, JPEG, GIF or WebP image of at most 2 MiB and 4096 pixels a side, named for its format."""
    if file.size is not None and file.size > AVATAR_MAX_BYTES:
        raise ValidationError("The avatar is larger than 2 MiB.", code=Code.AVATAR_TOO_LARGE)
    extension = (file.name or "").rsplit(".", 1)[-1].lower() if "." in (file.name or "") else ""
    position = file.tell() if not file.closed else 0
    try:
        file.seek(0)
        with Image.open(file) as image:
            image_format = image.format
            width, height = image.size
            image.verify()
    except (OSError, SyntaxError, ValueError, Image.DecompressionBombError) as error:
        # Pillow raises these for anything it cannot read as an image (SyntaxError for some broken headers).
        raise ValidationError("The avatar is not an image.", code=Code.AVATAR_NOT_IMAGE) from error
    finally:
        file.seek(position)
    if image_format not in AVATAR_FORMATS:
        raise ValidationError(
            f"The avatar must be a PNG, JPEG, GIF or WebP image, not {image_format}.", code=Code.AVATAR_FORMAT
        )
    if width > AVATAR_MAX_SIDE or height > AVATAR_MAX_SIDE:
        raise ValidationError(
            f"The avatar is {width}x{height} pixels; at most {AVATAR_MAX_SIDE} a side.", code=Code.AVATAR_DIMENSIONS
        )
    if extension not in AVATAR_FORMATS[image_format]:
        endings = " or ".join(f".{ending}" for ending in AVATAR_FORMATS[image_format])
        raise ValidationError(
            f"The avatar is a {image_format} image: its file name must end in {endings}.",
            code=Code.AVATAR_EXTENSION,
        )
