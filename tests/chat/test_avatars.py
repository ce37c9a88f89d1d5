"""The drawn avatar as data (chat.avatars): initials, the contrast choice and the ETags, with no HTTP."""

import pytest

from chat.avatars import avatar_svg, content_etag, initials, stored_file_etag, text_colour


@pytest.mark.parametrize(
    ("name", "expected"),
    [("Ada King Lovelace", "AL"), ("grace", "G"), ("(Ann) Smith", "AS"), ("", "?"), ("ßtrauss", "ß")],
)
def test_initials(name, expected):
    assert initials(name) == expected


@pytest.mark.parametrize(
    ("colour", "expected"),
    [((0, 0, 0), "#ffffff"), ((255, 255, 255), "#000000"), ((10, 20, 160), "#ffffff"), ((250, 240, 120), "#000000")],
)
def test_text_colour_picks_the_better_contrast(colour, expected):
    assert text_colour(*colour) == expected


def test_svg_clamps_the_colour_and_escapes_the_name():
    svg = avatar_svg(name="<& x", red=300, green=-5, blue=16)

    assert b'fill="#ff0010"' in svg
    assert b"&lt;X</text>" in svg
    assert b"<&" not in svg


def test_etags_change_with_what_they_describe():
    assert content_etag(b"a") == content_etag(b"a") != content_etag(b"b")
    first = stored_file_etag(name="avatars/a.png", size=10, modified=1.0)
    assert first.startswith('"') and first.endswith('"')
    assert first != stored_file_etag(name="avatars/a.png", size=10, modified=2.0)
    assert first != stored_file_etag(name="avatars/a.png", size=11, modified=1.0)
