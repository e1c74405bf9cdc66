"""Published images (issuer logo and seal) go through the same checks as question images."""

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import translation
from PIL import Image, PngImagePlugin

from certificates.services import issuer_create, issuer_update
from irexam.errors import ApplicationError
from tests.certificates.helpers import SIGNATORIES

pytestmark = pytest.mark.django_db


def png(text: str | None = None) -> bytes:
    info = PngImagePlugin.PngInfo()
    if text:
        info.add_text("Author", text)
    buffer = io.BytesIO()
    Image.new("RGBA", (40, 40), (200, 30, 30, 255)).save(buffer, format="PNG", pnginfo=info)
    return buffer.getvalue()


def create(officer, **images):
    return issuer_create(code="board", name_zh="委员会", name_en="Board", signatories=SIGNATORIES, by=officer, **images)


def test_the_logo_is_stored_without_its_metadata(officer):
    issuer = create(officer, logo=SimpleUploadedFile("logo.png", png("ZHANG WEI 110101199003071234")))
    stored = issuer.logo.read()
    assert b"ZHANG WEI" not in stored
    assert Image.open(io.BytesIO(stored)).size == (40, 40)
    assert issuer.logo.name.endswith(".png")


@pytest.mark.parametrize(
    "payload", [b"<html><script>alert(1)</script></html>", b"PK\x03\x04 appended archive"], ids=["html", "zip"]
)
def test_a_polyglot_logo_is_refused(officer, payload):
    with translation.override("en"), pytest.raises(ApplicationError) as info:
        create(officer, logo=SimpleUploadedFile("logo.png", png() + payload))
    assert info.value.code == "bad_image"
    assert "after the end of the picture" in str(info.value.message)
    assert info.value.extra["reason"] == "polyglot_trailing"


def test_a_non_image_seal_is_refused_on_update(officer):
    issuer = create(officer)
    with translation.override("en"), pytest.raises(ApplicationError, match="seal is not a readable image"):
        issuer_update(issuer=issuer, seal=SimpleUploadedFile("seal.png", b"%PDF-1.7 not a picture"), by=officer)


def test_an_oversized_logo_is_refused_before_decoding(officer):
    big = SimpleUploadedFile("logo.png", png() + b"\0" * (2 * 1024 * 1024))
    with translation.override("en"), pytest.raises(ApplicationError, match="larger than 2 MB"):
        create(officer, logo=big)


def test_an_import_package_with_a_polyglot_picture_is_refused_and_stores_nothing(officer):
    """A real, decodable PNG with a web page appended, embedded in a Moodle XML import."""
    import base64

    from tests.question_bank.import_helpers import MOODLE_WITH_IMAGE, PNG
    from tests.question_bank.test_import_service import refused

    polyglot = PNG + b"<html><body><script>fetch('/api/v1/me/')</script></body></html>"
    data = MOODLE_WITH_IMAGE.replace(base64.b64encode(PNG).decode(), base64.b64encode(polyglot).decode())
    with translation.override("en"):
        failure = refused(officer, data.encode(), "moodle")
    assert "after the end of the picture" in failure.problems[0].message
