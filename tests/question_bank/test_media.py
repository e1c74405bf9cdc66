"""Image uploads: checked by content, size-limited, re-encoded without metadata, served with an ETag."""

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from PIL import Image, PngImagePlugin

from irexam.errors import ApplicationError
from question_bank import services
from question_bank.images import ImageRejected, sanitize_image
from question_bank.models import Media
from tests.question_bank.bank_helpers import english, make_draft, sba  # noqa: F401 - english is a fixture

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english")]

PATIENT = "ZHANG^WEI 110101199003071234"


def jpeg_with_exif(size=(64, 48), orientation=None) -> bytes:
    image = Image.new("RGB", size, (180, 20, 20))
    exif = Image.Exif()
    exif[0x010E] = PATIENT  # ImageDescription
    exif[0x013B] = "Dr Wang"  # Artist
    exif[0x010F] = "ACME Angio"  # Make
    if orientation:
        exif[0x0112] = orientation
    buffer = io.BytesIO()
    image.save(buffer, format="JPEG", exif=exif.tobytes(), comment=PATIENT.encode())
    return buffer.getvalue()


def png_with_text() -> bytes:
    info = PngImagePlugin.PngInfo()
    info.add_text("PatientName", PATIENT)
    info.add_itxt("XML:com.adobe.xmp", f"<x:xmpmeta>{PATIENT}</x:xmpmeta>")
    buffer = io.BytesIO()
    Image.new("RGBA", (40, 30), (0, 0, 255, 128)).save(buffer, format="PNG", pnginfo=info)
    return buffer.getvalue()


def upload(client, data: bytes, name: str, **headers):
    files = {"file": SimpleUploadedFile(name, data)}
    return client.post(reverse("api:question-media"), files, format="multipart", **headers)


def test_a_non_image_named_png_is_refused(api_as, instructor):
    response = upload(api_as(instructor), b"%PDF-1.7 this is not a picture", "scan.png", HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 400
    assert response.json()["code"] == "image_not_an_image"
    assert "not an image" in response.json()["detail"]
    assert not Media.objects.exists()


def test_a_truncated_image_is_refused(instructor):
    buffer = io.BytesIO()
    Image.effect_noise((300, 200), 80).convert("RGB").save(buffer, format="PNG")
    data = buffer.getvalue()
    with pytest.raises(ApplicationError) as info:
        services.media_upload(file=data[: len(data) // 2], by=instructor)
    assert info.value.code == "image_corrupt"


def test_exif_and_comments_are_gone_after_upload(api_as, instructor):
    original = jpeg_with_exif()
    assert PATIENT.encode() in original
    response = upload(api_as(instructor), original, "angio.jpg")
    assert response.status_code == 201, response.content
    media = Media.objects.get(pk=response.json()["id"])
    stored = media.file.read()
    assert PATIENT.encode() not in stored and b"Dr Wang" not in stored and b"ACME" not in stored
    reopened = Image.open(io.BytesIO(stored))
    assert dict(reopened.getexif()) == {}
    assert "comment" not in reopened.info and "exif" not in reopened.info
    assert (media.mime, media.width, media.height) == ("image/jpeg", 64, 48)


def test_the_exif_orientation_is_applied_before_it_is_dropped(instructor):
    media = services.media_upload(file=jpeg_with_exif(orientation=6), by=instructor)
    assert (media.width, media.height) == (48, 64)


def test_png_text_chunks_and_xmp_are_gone_after_upload(instructor):
    media = services.media_upload(file=png_with_text(), by=instructor, filename="ct.png")
    stored = media.file.read()
    assert PATIENT.encode() not in stored
    assert Image.open(io.BytesIO(stored)).info == {}
    assert media.mime == "image/png"


def test_an_oversized_file_is_refused(settings, instructor):
    settings.QUESTION_BANK_MAX_IMAGE_BYTES = 1000
    with pytest.raises(ApplicationError) as info:
        services.media_upload(file=SimpleUploadedFile("big.png", png_with_text() + b"\0" * 2000), by=instructor)
    assert info.value.code == "image_too_large"


def test_huge_dimensions_are_refused_before_decoding():
    buffer = io.BytesIO()
    Image.new("1", (20_000, 20_000)).save(buffer, format="PNG")
    with pytest.raises(ImageRejected) as info:
        sanitize_image(buffer.getvalue())
    assert info.value.code == "too_many_pixels"


def test_the_same_picture_is_stored_once(instructor):
    first = services.media_upload(file=png_with_text(), by=instructor)
    second = services.media_upload(file=png_with_text(), by=instructor)
    assert first.pk == second.pk
    assert Media.objects.count() == 1


def test_trainees_cannot_upload(api_as, trainee):
    assert upload(api_as(trainee), png_with_text(), "x.png").status_code == 403


def test_media_is_served_to_signed_in_users_with_a_long_cache_and_an_etag(api_as, instructor, trainee):
    media = services.media_upload(file=png_with_text(), by=instructor)
    path = reverse("api:question-media-file", kwargs={"pk": media.pk})
    response = api_as(trainee).get(path)
    assert response.status_code == 200
    assert response["Content-Type"] == "image/png"
    assert response["ETag"] == f'"{media.sha256}"'
    assert "max-age=31536000" in response["Cache-Control"]
    assert b"".join(response.streaming_content) == media.file.open("rb").read()
    again = api_as(trainee).get(path, HTTP_IF_NONE_MATCH=f'"{media.sha256}"')
    assert again.status_code == 304


def test_content_refers_to_media_by_id_and_the_preview_gives_its_url(api_as, instructor):
    media = services.media_upload(file=png_with_text(), by=instructor)
    content = sba(
        stem=f"See the image ![DSA](media:{media.pk}) and ![remote](https://evil.example/x.png)",
        media=[{"ref": str(media.pk), "alt": "DSA", "caption": "Figure"}],
    )
    version = make_draft(instructor, content)
    assert version.has_media is True
    response = api_as(instructor).get(
        reverse("api:question-version-preview", kwargs={"pk": version.question_id, "number": 1})
    )
    rendered = response.json()["content"]
    file_url = reverse("api:question-media-file", kwargs={"pk": media.pk})
    assert f'src="{file_url}"' in rendered["stem"]
    assert "evil.example" not in rendered["stem"]
    assert rendered["media"] == [{"ref": str(media.pk), "alt": "DSA", "caption": "Figure", "url": file_url}]


# --- polyglots: a picture that is also an archive, a web page or a script is refused ------------


def plain_png() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (16, 12), (10, 120, 200)).save(buffer, format="PNG")
    return buffer.getvalue()


def plain_jpeg() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (16, 12), (10, 120, 200)).save(buffer, format="JPEG")
    return buffer.getvalue()


def plain_gif() -> bytes:
    buffer = io.BytesIO()
    Image.new("P", (16, 12), 3).save(buffer, format="GIF")
    return buffer.getvalue()


def zip_bytes() -> bytes:
    import zipfile

    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("payload.html", "<h1>hello</h1>")
    return buffer.getvalue()


HTML = b"<html><body><script>fetch('/api/v1/me/')</script></body></html>"


@pytest.mark.parametrize(
    ("make", "payload", "code"),
    [
        (plain_png, zip_bytes(), "polyglot_trailing"),
        (plain_png, HTML, "polyglot_trailing"),
        (plain_jpeg, zip_bytes(), "polyglot_trailing"),
        (plain_jpeg, HTML, "polyglot_trailing"),
        (plain_gif, b"alert(1)", "polyglot_trailing"),
    ],
)
def test_a_picture_with_something_appended_is_refused(make, payload, code):
    with pytest.raises(ImageRejected) as info:
        sanitize_image(make() + payload)
    assert info.value.code == code


def test_markup_hidden_inside_the_picture_is_refused():
    info = PngImagePlugin.PngInfo()
    info.add_text("Comment", "<script>alert(document.cookie)</script>")
    buffer = io.BytesIO()
    Image.new("RGB", (8, 8)).save(buffer, format="PNG", pnginfo=info)
    with pytest.raises(ImageRejected) as rejected:
        sanitize_image(buffer.getvalue())
    assert rejected.value.code == "polyglot_markup"


def test_a_gif_that_is_also_javascript_is_refused():
    """The classic GIF/JS polyglot: the width bytes are "/*" so the file parses as a script comment."""
    gif = bytearray(plain_gif())
    gif[6:8] = b"/*"  # logical screen width 10799: still a readable GIF
    gif[8:10] = b"\x0a\x00"
    body = bytes(gif[:-1]) + b"*/=alert(1);"
    with pytest.raises(ImageRejected) as rejected:
        sanitize_image(body)
    assert rejected.value.code == "polyglot_markup"


def test_a_picture_that_is_also_a_zip_archive_is_refused():
    """A zip reader finds the archive from its end, so a zip placed inside a PNG chunk counts too."""
    import zlib

    archive = zip_bytes()
    png = plain_png()
    chunk_data = archive
    chunk = len(chunk_data).to_bytes(4, "big") + b"zzIP" + chunk_data
    chunk += zlib.crc32(b"zzIP" + chunk_data).to_bytes(4, "big")
    iend = png.rindex(b"IEND") - 4
    crafted = png[:iend] + chunk + png[iend:]
    with pytest.raises(ImageRejected) as rejected:
        sanitize_image(crafted)
    assert rejected.value.code == "polyglot_zip"


def test_the_upload_api_explains_a_polyglot_in_the_users_language(api_as, instructor):
    response = upload(api_as(instructor), plain_png() + zip_bytes(), "scan.png", HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 400
    assert response.json()["code"] == "image_polyglot_trailing"
    assert "after the end of the picture" in response.json()["detail"]
    assert not Media.objects.exists()


@pytest.mark.parametrize("make", [plain_png, plain_jpeg, plain_gif, png_with_text, jpeg_with_exif])
def test_plain_pictures_are_still_accepted(make):
    assert sanitize_image(make()).width > 0
