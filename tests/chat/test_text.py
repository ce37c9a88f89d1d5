"""The sanitiser and the text forms: nothing dangerous gets through, mentions survive."""

import pytest

from chat.text import (
    decode_base64,
    decode_base64_text,
    encode_base64_text,
    html_to_text,
    is_storable,
    sanitize_html,
    text_to_html,
)


@pytest.mark.parametrize(
    "dirty",
    [
        "<script>alert(1)</script>",
        '<img src="x" onerror="alert(1)">',
        '<a href="javascript:alert(1)">x</a>',
        '<a href="JaVaScRiPt:alert(1)">x</a>',
        '<a href="data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==">x</a>',
        '<iframe src="https://evil.example"></iframe>',
        '<p style="background:url(javascript:alert(1))">x</p>',
        '<p onclick="alert(1)">x</p>',
        "<svg onload=alert(1)>",
        '<form action="https://evil.example"><input name=x></form>',
        '<object data="x.swf"></object>',
        "<style>body{display:none}</style>",
        '<a href="vbscript:msgbox(1)">x</a>',
    ],
)
def test_sanitiser_removes_everything_dangerous(dirty):
    clean = sanitize_html(dirty).lower()
    for bad in (
        "<script",
        "onerror",
        "onclick",
        "onload",
        "javascript:",
        "data:",
        "vbscript:",
        "<iframe",
        "style",
        "<svg",
        "<form",
        "<input",
        "<object",
        "alert(1)",
    ):
        assert bad not in clean


def test_sanitiser_keeps_the_allowed_markup():
    html = (
        "<p>Plain <strong>bold</strong> <em>it</em> <code>code</code></p><ul><li>one</li></ul>"
        "<blockquote>quoted</blockquote><pre>pre</pre>"
    )
    assert sanitize_html(html) == html


def test_sanitiser_keeps_mention_links_with_class_and_data_attributes():
    mention = (
        '<a href="https://chat.example/users/42" class="wysiwyg-mention" data-mention-id="42" '
        'data-denotation-char="@" data-value="Bob">@Bob</a>'
    )
    clean = sanitize_html(f"<p>Hi {mention}</p>")
    for kept in (
        'class="wysiwyg-mention"',
        'data-mention-id="42"',
        'data-denotation-char="@"',
        'data-value="Bob"',
        'href="https://chat.example/users/42"',
        ">@Bob</a>",
    ):
        assert kept in clean
    assert 'rel="noopener noreferrer nofollow"' in clean


def test_sanitiser_keeps_safe_links_and_drops_script_content():
    assert sanitize_html('<a href="mailto:a@b.example">mail</a>').startswith('<a href="mailto:a@b.example"')
    assert sanitize_html("<p>a<script>steal()</script>b</p>") == "<p>ab</p>"


def test_html_to_text():
    assert html_to_text("<p>Hello <b>world</b></p><p>again &amp; &lt;again&gt;</p>") == "Hello world\nagain & <again>"
    assert html_to_text("line<br>break<br/>twice") == "line\nbreak\ntwice"
    assert html_to_text("<ul><li>one</li><li>two</li></ul>") == "one\ntwo"
    assert html_to_text("<p></p><p>  </p>") == ""


def test_text_to_html_escapes():
    assert text_to_html("<script>alert(\"x\")</script> & 'q'") == (
        "<p>&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; &#x27;q&#x27;</p>"
    )
    assert text_to_html("a\nb") == "<p>a<br>b</p>"


def test_is_storable():
    assert is_storable("plain ünïcödé 🎉")
    assert not is_storable("nul\x00")
    assert not is_storable("lone \udc80 surrogate")


@pytest.mark.parametrize(
    ("value", "text"),
    [
        ("SGVsbG8=", "Hello"),
        ("w6lsxZE=", "élő"),
        ("8J+NtSB0ZWE=", "🍵 tea"),
        ("bGluZSAxCmxpbmUgMg==", "line 1\nline 2"),
    ],
)
def test_strict_base64_of_utf8_text_is_decoded(value, text):
    assert decode_base64_text(value) == text
    assert encode_base64_text(text) == value


@pytest.mark.parametrize(
    "value",
    [
        "Hello",  # plain text, as teahaz.py of 2021 sends
        "test",  # valid base64 letters, but the bytes are not UTF-8
        "SGVsbG8",  # padding missing
        "SGVsbG9=",  # non-zero pad bits: not what any encoder writes
        "SGVs\nbG8=",  # a line break
        "SGVsbG8=SGVsbG8=",  # padding in the middle
        "SGVsbG8-",  # the URL-safe alphabet
        "AAEC",  # bytes 0, 1, 2: data, not text
        "AA==",  # a NUL character cannot be stored
        "SGVsbG8é",  # beyond ASCII
        "",
    ],
)
def test_anything_else_is_not_base64_text(value):
    assert decode_base64_text(value) is None


def test_strict_base64_of_any_bytes_is_decoded_exactly():
    assert decode_base64("AAEC/w==") == b"\x00\x01\x02\xff"
    assert decode_base64("AAEC/w") is None
    assert decode_base64("AAEC_w==") is None
