"""Avatars at /chatrooms/Avatar/<userId>: the uploaded image or a drawn SVG, for anyone, cacheable, safe."""

import io
import uuid
import xml.etree.ElementTree as ET

import pytest
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image
from rest_framework.test import APIClient

from chat.validators import AVATAR_MAX_BYTES, validate_avatar

SVG_NS = "{http://www.w3.org/2000/svg}"
SAFE_CSP = "default-src 'none'; style-src 'unsafe-inline'"


def image_bytes(image_format: str = "PNG", size: tuple[int, int] = (4, 3), colour: str = "red") -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", size, colour).save(buffer, format=image_format)
    return buffer.getvalue()


def avatar_url(user_id: object) -> str:
    return f"/chatrooms/Avatar/{user_id}"


def parse_svg(body: bytes) -> ET.Element:
    """The drawn avatar, parsed: it must be well-formed XML made of a rect and a text only."""
    root = ET.fromstring(body)
    assert root.tag == f"{SVG_NS}svg"
    assert [child.tag for child in root] == [f"{SVG_NS}rect", f"{SVG_NS}text"]
    return root


@pytest.fixture
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


@pytest.fixture
def client() -> APIClient:
    """Nobody is logged in: an <img> carries no credentials."""
    return APIClient()


# The drawn avatar.


def test_drawn_avatar_shows_the_initials_on_the_users_colour(client, make_user):
    user = make_user("ada", display_name="Ada King Lovelace", color_r=10, color_g=20, color_b=160)

    response = client.get(avatar_url(user.pk))

    assert response.status_code == 200
    assert response["Content-Type"] == "image/svg+xml"
    svg = parse_svg(response.content)
    rect, text = list(svg)
    assert rect.get("fill") == "#0a14a0"
    assert text.text == "AL"
    assert text.get("fill") == "#ffffff"  # white reads better on dark blue
    assert response["Content-Security-Policy"] == SAFE_CSP
    assert response["X-Content-Type-Options"] == "nosniff"
    assert "max-age=" in response["Cache-Control"]
    assert response["ETag"].startswith('"')


def test_drawn_avatar_uses_dark_text_on_a_light_colour_and_the_username_without_a_display_name(client, make_user):
    user = make_user("zed", color_r=250, color_g=240, color_b=120)

    svg = parse_svg(client.get(avatar_url(user.pk)).content)

    assert svg[0].get("fill") == "#faf078"
    assert svg[1].text == "Z"
    assert svg[1].get("fill") == "#000000"


@pytest.mark.parametrize(
    ("display_name", "shown"),
    [
        ("<script>alert(1)</script>", "S"),
        ("<svg/onload=alert(1)>", "S"),
        ("<& \"'>", '<"'),  # words without a letter give their first character: escaped, still shown
        ("\x01\x1b\u200b]]> &amp;", "]A"),  # control and invisible characters are dropped
        ("élodie ßtrauss", "Éß"),
        ("\u0301\u0301", "?"),
    ],
)
def test_drawn_avatar_escapes_a_hostile_name(client, make_user, display_name, shown):
    user = make_user(display_name=display_name)

    response = client.get(avatar_url(user.pk))

    assert response.status_code == 200
    body = response.content.decode()
    assert "<script" not in body
    assert "onload" not in body
    assert "\x01" not in body
    assert "\x1b" not in body
    svg = parse_svg(response.content)  # well-formed: every character escaped or dropped
    assert svg[1].text == shown
    assert list(svg[1]) == []  # the name never became markup
    assert response["Content-Security-Policy"] == SAFE_CSP


def test_drawn_avatar_escapes_markup_characters_in_its_source(client, make_user):
    user = make_user(display_name="<& \"'>")

    body = client.get(avatar_url(user.pk)).content.decode()

    assert ">&lt;&quot;</text>" in body


def test_avatar_id_in_upper_case_and_with_a_trailing_slash(client, make_user):
    user = make_user(display_name="Grace Hopper")

    for url in (avatar_url(str(user.pk).upper()), avatar_url(user.pk) + "/"):
        response = client.get(url)
        assert response.status_code == 200, url
        assert parse_svg(response.content)[1].text == "GH"


def test_avatar_costs_one_query(client, make_user, django_assert_num_queries):
    user = make_user()

    with django_assert_num_queries(1):
        assert client.get(avatar_url(user.pk)).status_code == 200


# Revalidation.


def test_drawn_avatar_revalidates_with_its_etag_and_changes_with_the_name(client, make_user):
    user = make_user(display_name="Ada Lovelace")
    first = client.get(avatar_url(user.pk))
    etag = first["ETag"]

    again = client.get(avatar_url(user.pk), HTTP_IF_NONE_MATCH=etag)

    assert again.status_code == 304
    assert again.content == b""
    assert again["ETag"] == etag
    assert "max-age=" in again["Cache-Control"]

    user.display_name = "Charles Babbage"
    user.save()
    changed = client.get(avatar_url(user.pk), HTTP_IF_NONE_MATCH=etag)
    assert changed.status_code == 200
    assert changed["ETag"] != etag
    assert parse_svg(changed.content)[1].text == "CB"


def test_drawn_avatar_answers_200_to_a_stale_etag(client, make_user):
    user = make_user()

    response = client.get(avatar_url(user.pk), HTTP_IF_NONE_MATCH='"stale"')

    assert response.status_code == 200
    assert response["Content-Type"] == "image/svg+xml"


# Uploaded avatars.


@pytest.mark.parametrize(
    ("image_format", "extension", "content_type"),
    [
        ("PNG", "png", "image/png"),
        ("JPEG", "jpg", "image/jpeg"),
        ("GIF", "gif", "image/gif"),
        ("WEBP", "webp", "image/webp"),
    ],
)
def test_uploaded_avatar_is_served_with_its_type(client, make_user, media, image_format, extension, content_type):
    user = make_user()
    data = image_bytes(image_format)
    user.avatar.save(f"me.{extension}", ContentFile(data))

    response = client.get(avatar_url(user.pk))

    assert response.status_code == 200
    assert response["Content-Type"] == content_type
    assert b"".join(response.streaming_content) == data
    assert response["Content-Security-Policy"] == SAFE_CSP
    assert response["X-Content-Type-Options"] == "nosniff"
    assert "max-age=" in response["Cache-Control"]
    assert response["ETag"]
    assert response["Last-Modified"]


def test_uploaded_avatar_revalidates_by_etag_and_by_date(client, make_user, media):
    user = make_user()
    user.avatar.save("me.png", ContentFile(image_bytes()))
    first = client.get(avatar_url(user.pk))
    assert b"".join(first.streaming_content) == image_bytes()

    by_etag = client.get(avatar_url(user.pk), HTTP_IF_NONE_MATCH=first["ETag"])
    by_date = client.get(avatar_url(user.pk), HTTP_IF_MODIFIED_SINCE=first["Last-Modified"])

    assert by_etag.status_code == 304
    assert by_etag["ETag"] == first["ETag"]
    assert by_date.status_code == 304

    user.avatar.save("new.png", ContentFile(image_bytes(colour="blue")))
    changed = client.get(avatar_url(user.pk), HTTP_IF_NONE_MATCH=first["ETag"])
    assert changed.status_code == 200
    assert b"".join(changed.streaming_content) == image_bytes(colour="blue")


@pytest.mark.parametrize(
    ("name", "content"),
    [
        ("evil.png", b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>'),
        ("evil.svg", b'<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"/>'),
        ("evil.html", b"<html><script>alert(1)</script></html>"),
        ("empty.png", b""),
    ],
)
def test_an_uploaded_file_that_is_not_a_raster_image_is_never_served(client, make_user, media, name, content):
    user = make_user(display_name="Mallory Mallet")
    user.avatar.save(name, ContentFile(content))

    response = client.get(avatar_url(user.pk))

    assert response.status_code == 200
    assert response["Content-Type"] == "image/svg+xml"
    assert b"alert" not in response.content
    assert parse_svg(response.content)[1].text == "MM"


def test_a_raster_image_under_a_misleading_name_is_served_as_what_it_is(client, make_user, media):
    user = make_user()
    data = image_bytes("PNG")
    user.avatar.save("picture.svg", ContentFile(data))

    response = client.get(avatar_url(user.pk))

    assert response["Content-Type"] == "image/png"
    assert b"".join(response.streaming_content) == data


def test_an_uploaded_avatar_whose_file_is_gone_is_drawn(client, make_user, media):
    user = make_user(display_name="Lost File")
    user.avatar.save("me.png", ContentFile(image_bytes()))
    (media / user.avatar.name).unlink()

    response = client.get(avatar_url(user.pk))

    assert response.status_code == 200
    assert parse_svg(response.content)[1].text == "LF"


def test_an_avatar_name_pointing_outside_the_media_folder_is_not_served(client, make_user, media, tmp_path):
    user = make_user(display_name="Path Walker")
    (tmp_path / "outside.png").write_bytes(image_bytes())
    type(user).objects.filter(pk=user.pk).update(avatar="../outside.png")

    response = client.get(avatar_url(user.pk))

    assert response["Content-Type"] == "image/svg+xml"
    assert parse_svg(response.content)[1].text == "PW"


# Errors.


@pytest.mark.parametrize(
    "user_id",
    [
        str(uuid.uuid4()),
        "not-a-uuid",
        "123",
        "{12345678-1234-1234-1234-123456789abc}",
        "12345678123412341234123456789abc",
        "12345678-1234-1234-1234-123456789abcd",
        "%00",
    ],
)
def test_unknown_or_malformed_user_id_is_a_json_404(client, db, user_id):
    response = client.get(avatar_url(user_id))

    assert response.status_code == 404
    assert response["Content-Type"] == "application/json"
    assert response.json() == {"detail": "Not found.", "code": "not_found"}


def test_avatar_refuses_writes(client, make_user):
    user = make_user()

    response = client.post(avatar_url(user.pk), {}, format="json")

    assert response.status_code == 405
    assert response.json()["code"] == "method_not_allowed"
    assert "GET" in response["Allow"]


def test_avatar_answers_head(client, make_user):
    user = make_user()

    response = client.head(avatar_url(user.pk))

    assert response.status_code == 200
    assert response["Content-Type"] == "image/svg+xml"
    assert response["ETag"]


# The upload validator (for User.avatar in the admin).


def upload(name: str, content: bytes) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content)


@pytest.mark.parametrize(
    ("image_format", "name"),
    [("PNG", "a.png"), ("JPEG", "a.jpg"), ("JPEG", "a.JPEG"), ("GIF", "a.gif"), ("WEBP", "a.webp")],
)
def test_validator_accepts_raster_images(image_format, name):
    file = upload(name, image_bytes(image_format))

    validate_avatar(file)

    assert file.tell() == 0  # left where it was, for the storage to save from the start


@pytest.mark.parametrize(
    ("name", "content", "code"),
    [
        ("a.png", b"not an image at all", "avatar_not_image"),
        ("a.svg", b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>', "avatar_not_image"),
        ("a.png", image_bytes("PNG")[:40], "avatar_not_image"),
        ("a.bmp", image_bytes("BMP"), "avatar_format"),
        ("a.tiff", image_bytes("TIFF"), "avatar_format"),
        ("a.html", image_bytes("PNG"), "avatar_extension"),
        ("a.jpg", image_bytes("PNG"), "avatar_extension"),
        ("noextension", image_bytes("PNG"), "avatar_extension"),
        ("a.png", image_bytes("PNG", size=(5000, 10)), "avatar_dimensions"),
    ],
)
def test_validator_refuses(name, content, code):
    with pytest.raises(ValidationError) as caught:
        validate_avatar(upload(name, content))

    assert caught.value.code == code


def test_validator_refuses_more_than_two_mebibytes():
    content = image_bytes("PNG") + b"\0" * AVATAR_MAX_BYTES

    with pytest.raises(ValidationError) as caught:
        validate_avatar(upload("big.png", content))

    assert caught.value.code == "avatar_too_large"


@pytest.mark.django_db
def test_the_nil_id_of_system_messages_has_a_neutral_avatar(client):
    response = client.get("/chatrooms/Avatar/00000000-0000-0000-0000-000000000000")

    assert response.status_code == 200
    assert response["Content-Type"] == "image/svg+xml"
    svg = parse_svg(response.content)
    assert svg[0].get("fill") == "#808080"
    assert svg[1].text == "S"
