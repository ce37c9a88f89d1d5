"""Message text in its three forms: as sent, as sanitised HTML (Origam), as plain text (Teahaz)."""

import base64
import html
import re

import nh3

ALLOWED_TAGS = {
    "p",
    "br",
    "strong",
    "b",
    "em",
    "i",
    "u",
    "s",
    "strike",
    "del",
    # The Origam client's editor (draftjs-to-html) writes underline as <ins>.
    "ins",
    "code",
    "pre",
    "blockquote",
    "ul",
    "ol",
    "li",
    "a",
    "span",
}
ALLOWED_ATTRIBUTES = {"a": {"href", "class", "title"}, "span": {"class"}, "code": {"class"}}
URL_SCHEMES = {"http", "https", "mailto"}
ENCRYPTED_PLACEHOLDER_HTML = "<p><em>Encrypted message</em></p>"

_BLOCK_END = re.compile(r"(?i)<br\s*/?>|</(p|li|pre|blockquote)\s*>")
# Control characters that no typed text holds (tab, line feed and carriage return are typed).
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def is_storable(value: str) -> bool:
    """Whether every database can store the string: no NUL character (PostgreSQL refuses it), no lone surrogate."""
    if "\x00" in value:
        return False
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def sanitize_html(raw: str) -> str:
    """Keeps only the allow-listed tags, attributes and URL schemes; drops scripts and their content."""
    return nh3.clean(
        raw,
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        generic_attribute_prefixes={"data-"},
        url_schemes=URL_SCHEMES,
        link_rel="noopener noreferrer nofollow",
        strip_comments=True,
    ).strip()


def html_to_text(clean_html: str) -> str:
    """The visible text of sanitised HTML, one line per paragraph or line break."""
    with_breaks = _BLOCK_END.sub(lambda m: m.group(0) + "\n", clean_html)
    stripped = nh3.clean(with_breaks, tags=set(), attributes={}, strip_comments=True)
    lines = [line.strip() for line in html.unescape(stripped).splitlines()]
    return "\n".join(line for line in lines if line).strip()


def text_to_html(text: str) -> str:
    """Plain text as escaped HTML: a paragraph, line breaks kept."""
    return "<p>" + html.escape(text).replace("\n", "<br>") + "</p>"


def shown_name(*, display_name: str | None, username: str | None) -> str:
    """The name other users see: the display name, else the username (rows without a user show nothing)."""
    return display_name or username or ""


def decode_base64(value: str) -> bytes | None:
    """The bytes of strict base64 (RFC 4648 alphabet, padding, canonical), or None when `value` is not that.

    Canonical means re-encoding gives `value` back (no line breaks, no stray padding or pad bits), so what a
    client sent can always be answered exactly.
    """
    if not value:
        return None
    try:
        decoded = base64.b64decode(value, validate=True)
    except ValueError:  # binascii.Error, or a character beyond ASCII
        return None
    return decoded if base64.b64encode(decoded).decode("ascii") == value else None


def decode_base64_text(value: str) -> str | None:
    """The text that `value` encodes when it is strict base64 of UTF-8 text, else None.

    Text is what a person types: decoded bytes holding other control characters are data, not text.
    """
    decoded = decode_base64(value)
    if decoded is None:
        return None
    try:
        text = decoded.decode("utf-8")
    except UnicodeDecodeError:
        return None
    if not text or _CONTROL.search(text) is not None or not is_storable(text):
        return None
    return text


def encode_base64_text(text: str) -> str:
    """Text as base64 of its UTF-8 bytes (what Teahaz clients of 2022 read)."""
    return base64.b64encode(text.encode("utf-8")).decode("ascii")


def file_placeholder(*, name: str, size: int) -> str:
    """What readers that cannot show a file see instead: its name and size."""
    if size < 1024:
        shown = f"{size} bytes"
    elif size < 1024 * 1024:
        shown = f"{size / 1024:.1f} KiB"
    else:
        shown = f"{size / (1024 * 1024):.1f} MiB"
    return f"File {name} ({shown})" if name else f"File ({shown})"
