"""Message text in its three forms: as sent, as sanitised HTML (Origam), as plain text (Teahaz)."""

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
