"""Avatars at /chatrooms/Avatar/<userId>: the uploaded image or a drawn SVG, for anyone, cacheable, safe."""

import importlib
import io
import uuid
import xml.etree.ElementTree as ET

import pytest
from django.apps import apps as django_apps
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image
from rest_framework.test import APIClient

from chat.validators import AVATAR_MAX_BYTES, validate_avatar
from tests.chat.admin.helpers import change_url, form_holding

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


def decoded(body: bytes) -> Image.Image:
    image = Image.open(io.BytesIO(body))
    image.load()
    return image


@pytest.mark.parametrize(
    ("image_format", "extension", "content_type"),
    [
        ("PNG", "png", "image/png"),
        ("JPEG", "jpg", "image/jpeg"),
        ("GIF", "gif", "image/png"),  # re-encoded: a JPEG stays a JPEG, anything else becomes a PNG
        ("WEBP", "webp", "image/png"),
    ],
)
def test_uploaded_avatar_is_served_re_encoded_with_its_type(
    client, make_user, media, image_format, extension, content_type
):
    user = make_user()
    user.avatar.save(f"me.{extension}", ContentFile(image_bytes(image_format)))

    response = client.get(avatar_url(user.pk))

    assert response.status_code == 200
    assert response["Content-Type"] == content_type
    body = b"".join(response.streaming_content)
    assert body == (media / user.avatar.name).read_bytes()
    assert decoded(body).size == (4, 3)
    red, green, blue = decoded(body).convert("RGB").getpixel((1, 1))
    assert red > 200 and green < 50 and blue < 50
    assert response["Content-Security-Policy"] == SAFE_CSP
    assert response["X-Content-Type-Options"] == "nosniff"
    assert "max-age=" in response["Cache-Control"]
    assert response["ETag"]
    assert response["Last-Modified"]


def test_uploaded_avatar_revalidates_by_etag_and_by_date(client, make_user, media):
    user = make_user()
    user.avatar.save("me.png", ContentFile(image_bytes()))
    first = client.get(avatar_url(user.pk))
    assert decoded(b"".join(first.streaming_content)).convert("RGB").getpixel((0, 0)) == (255, 0, 0)

    by_etag = client.get(avatar_url(user.pk), HTTP_IF_NONE_MATCH=first["ETag"])
    by_date = client.get(avatar_url(user.pk), HTTP_IF_MODIFIED_SINCE=first["Last-Modified"])

    assert by_etag.status_code == 304
    assert by_etag["ETag"] == first["ETag"]
    assert by_date.status_code == 304

    user.avatar.save("new.png", ContentFile(image_bytes(colour="blue")))
    changed = client.get(avatar_url(user.pk), HTTP_IF_NONE_MATCH=first["ETag"])
    assert changed.status_code == 200
    assert decoded(b"".join(changed.streaming_content)).convert("RGB").getpixel((0, 0)) == (0, 0, 255)


@pytest.mark.parametrize(
    ("name", "content"),
    [
        ("evil.png", b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>'),
        ("evil.svg", b'<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"/>'),
        ("evil.html", b"<html><script>alert(1)</script></html>"),
        ("empty.png", b""),
    ],
)
def test_a_stored_file_that_is_not_a_raster_image_is_never_served(client, make_user, media, name, content):
    # Put there by hand (or by an older version): uploads never store such a file.
    user = make_user(display_name="Mallory Mallet")
    stored = default_storage.save(f"avatars/{name}", ContentFile(content))
    type(user).objects.filter(pk=user.pk).update(avatar=stored)

    response = client.get(avatar_url(user.pk))

    assert response.status_code == 200
    assert response["Content-Type"] == "image/svg+xml"
    assert b"alert" not in response.content
    assert parse_svg(response.content)[1].text == "MM"


def test_a_raster_image_under_a_misleading_name_is_stored_and_served_as_what_it_is(client, make_user, media):
    user = make_user()
    user.avatar.save("picture.svg", ContentFile(image_bytes("PNG")))

    response = client.get(avatar_url(user.pk))

    assert user.avatar.name.startswith("avatars/") and user.avatar.name.endswith(".png")
    assert response["Content-Type"] == "image/png"
    assert decoded(b"".join(response.streaming_content)).format == "PNG"


def test_a_stored_raster_image_under_a_misleading_name_is_served_as_what_it_is(client, make_user, media):
    user = make_user()
    data = image_bytes("PNG")
    stored = default_storage.save("avatars/picture.svg", ContentFile(data))
    type(user).objects.filter(pk=user.pk).update(avatar=stored)

    response = client.get(avatar_url(user.pk))

    assert response["Content-Type"] == "image/png"
    assert b"".join(response.streaming_content) == data


# Uploads are re-encoded: only pixels survive.

# Django's own image field answers this before our validator runs.
NOT_AN_IMAGE = "Upload a valid image. The file you uploaded was either not an image or a corrupted image."
HTML_TAIL = b"<html><script>alert(document.cookie)</script></html>"


def jpeg_with_exif(size: tuple[int, int] = (40, 20), orientation: int = 6) -> bytes:
    """A JPEG carrying a camera's EXIF: its maker, a GPS position, and an orientation (6: turn it upright)."""
    exif = Image.Exif()
    exif[0x010F] = "Spy Camera Co"  # Make
    exif[0x0112] = orientation  # Orientation
    exif[0x8825] = {2: (48.0, 51.0, 29.0), 4: (2.0, 17.0, 40.0)}  # GPS latitude and longitude
    buffer = io.BytesIO()
    Image.new("RGB", size, "green").save(buffer, format="JPEG", exif=exif, comment=b"secret comment")
    return buffer.getvalue()


@pytest.fixture
def avatar_upload(admin_client, media):
    """Uploads a file as the avatar of a user through the admin's user form, as an operator does."""

    def upload_through_the_admin(user, name: str, content: bytes):
        form = form_holding(admin_client.get(change_url(user)), "display_name")
        form.pop("avatar", None)
        return admin_client.post(change_url(user), {**form, "avatar": SimpleUploadedFile(name, content)})

    return upload_through_the_admin


def test_a_png_with_an_html_tail_is_stored_and_served_without_it(client, make_user, avatar_upload, media):
    user = make_user()

    assert avatar_upload(user, "me.png", image_bytes("PNG") + HTML_TAIL).status_code == 302

    user.refresh_from_db()
    stored = (media / user.avatar.name).read_bytes()
    served = b"".join(client.get(avatar_url(user.pk)).streaming_content)
    assert served == stored
    assert HTML_TAIL not in served and b"<script" not in served
    assert served.endswith(b"IEND\xaeB`\x82")  # the PNG's own end, nothing after it


def test_exif_and_comments_are_gone_and_the_picture_is_upright(client, make_user, avatar_upload, media):
    user = make_user()
    original = jpeg_with_exif(size=(40, 20), orientation=6)
    assert b"Spy Camera Co" in original

    assert avatar_upload(user, "holiday.jpg", original).status_code == 302

    user.refresh_from_db()
    served = b"".join(client.get(avatar_url(user.pk)).streaming_content)
    image = decoded(served)
    assert image.format == "JPEG"
    assert dict(image.getexif()) == {}
    assert b"Spy Camera Co" not in served and b"secret comment" not in served and b"Exif" not in served
    assert image.size == (20, 40)  # turned as its orientation said, before the orientation was dropped


def test_a_big_image_is_resized_to_the_maximum_edge(client, make_user, avatar_upload, media, settings):
    user = make_user()

    assert avatar_upload(user, "big.png", image_bytes("PNG", size=(2000, 1000))).status_code == 302

    user.refresh_from_db()
    assert decoded(b"".join(client.get(avatar_url(user.pk)).streaming_content)).size == (512, 256)

    settings.CHAT_AVATAR_MAX_EDGE = 64
    user.avatar.save("again.png", ContentFile(image_bytes("PNG", size=(100, 300))))
    assert decoded((media / user.avatar.name).read_bytes()).size == (21, 64)


def test_transparency_is_kept(make_user, media):
    user = make_user()
    buffer = io.BytesIO()
    Image.new("RGBA", (8, 8), (0, 0, 255, 0)).save(buffer, format="PNG")

    user.avatar.save("clear.png", ContentFile(buffer.getvalue()))

    assert decoded((media / user.avatar.name).read_bytes()).convert("RGBA").getpixel((3, 3))[3] == 0


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("me.png", b"<html><script>alert(1)</script></html>", NOT_AN_IMAGE),
        ("me.png", image_bytes("PNG")[:40], NOT_AN_IMAGE),
        ("me.bmp", image_bytes("BMP"), "The avatar must be a PNG, JPEG, GIF or WebP image, not BMP."),
    ],
)
def test_the_admin_refuses_a_file_that_is_not_an_avatar(make_user, avatar_upload, media, name, content, message):
    user = make_user()

    response = avatar_upload(user, name, content)

    assert response.status_code == 200
    assert response.context["adminform"].form.errors["avatar"] == [message]
    user.refresh_from_db()
    assert user.avatar.name in ("", None)
    assert not (media / "avatars").exists() or list((media / "avatars").iterdir()) == []


@pytest.mark.parametrize(
    ("content", "code"),
    [
        (b"not an image at all", "avatar_not_image"),
        (b'<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"/>', "avatar_not_image"),
        (image_bytes("TIFF"), "avatar_format"),
        (image_bytes("PNG", size=(5000, 10)), "avatar_dimensions"),
    ],
)
def test_code_that_saves_a_file_that_is_not_an_avatar_is_refused(make_user, media, content, code):
    user = make_user()

    with pytest.raises(ValidationError) as caught:
        user.avatar.save("me.png", ContentFile(content))

    assert caught.value.code == code
    user.refresh_from_db()
    assert not user.avatar


def test_the_migration_re_encodes_the_avatars_stored_before(client, make_user, media):
    reencode_stored_avatars = importlib.import_module(
        "chat.migrations.0004_user_avatar_reencoded"
    ).reencode_stored_avatars
    tailed, not_an_image = make_user(), make_user(display_name="Not Image")
    old_png = default_storage.save("avatars/old.png", ContentFile(image_bytes("PNG") + HTML_TAIL))
    old_text = default_storage.save("avatars/old.gif", ContentFile(b"GIF89a but not really"))
    type(tailed).objects.filter(pk=tailed.pk).update(avatar=old_png)
    type(tailed).objects.filter(pk=not_an_image.pk).update(avatar=old_text)

    reencode_stored_avatars(django_apps, None)

    tailed.refresh_from_db()
    not_an_image.refresh_from_db()
    assert tailed.avatar.name != old_png and HTML_TAIL not in (media / tailed.avatar.name).read_bytes()
    assert not (media / old_png).exists()
    assert not_an_image.avatar.name == ""
    assert client.get(avatar_url(not_an_image.pk))["Content-Type"] == "image/svg+xml"


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
