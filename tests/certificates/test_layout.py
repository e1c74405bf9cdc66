"""Certificate-type layout options: checked in one place, edited on the type page, drawn on the PDF."""

import io
from dataclasses import replace

import pytest
from django.urls import reverse
from django.utils import translation
from pypdf import PdfReader

from certificates import pdf
from certificates.layout import FOOTER_NOTE_MAX, LayoutError, clean_layout, parse_layout
from certificates.models import CertificateType
from certificates.openbadges import LocalizedText as L
from irexam.errors import ApplicationError
from tests.certificates.helpers import *  # noqa: F403 - fixtures
from tests.certificates.helpers import make_type
from tests.certificates.test_pdf import data  # noqa: F401 - the render-data fixture

PERSON = {"name_zh": "王强", "name_en": "WANG Qiang", "title_zh": "秘书长", "title_en": "Secretary-General"}
FOOTER_ZH = "本证书依据介入放射学培训考核办法颁发。"
FOOTER_EN = "Issued under the IR training and credentialing regulations."


def _text(result) -> str:
    return PdfReader(io.BytesIO(result.pdf_bytes)).pages[0].extract_text()


# --------------------------------------------------------------------------- the checks


def test_an_empty_layout_is_the_default():
    assert clean_layout({}) == {} and clean_layout(None) == {}
    assert parse_layout({}) == parse_layout(None)
    assert parse_layout({}).show_scope and parse_layout({}).signatories is None


def test_a_valid_layout_is_normalised():
    raw = {
        "show_scope": False,
        "signatories": [{k: f" {v} " for k, v in PERSON.items()}],
        "accent_color": "#1a4f8b",
        "footer_note_zh": f" {FOOTER_ZH} ",
        "footer_note_en": "",
    }
    assert clean_layout(raw) == {
        "show_scope": False,
        "signatories": [PERSON],
        "accent_color": "#1A4F8B",
        "footer_note_zh": FOOTER_ZH,
    }
    assert clean_layout({"show_scope": True, "signatories": [], "accent_color": ""}) == {}


@pytest.mark.parametrize(
    "raw, option, words",
    [
        (["show_scope"], "layout", "JSON object"),
        ({"colour": "#000000"}, "colour", "Unknown layout option colour"),
        ({"show_scope": "no"}, "show_scope", "true or false"),
        ({"signatories": "Li Ming"}, "signatories", "must be a list"),
        ({"signatories": [PERSON] * 4}, "signatories", "at most 3"),
        ({"signatories": [{"name_zh": "李明"}]}, "signatories", "signatory 1 needs exactly"),
        ({"signatories": [PERSON, {**PERSON, "title_en": " "}]}, "signatories", "signatory 2 has an empty"),
        ({"signatories": [{**PERSON, "name_en": 7}]}, "signatories[1].name_en", "must be text"),
        ({"signatories": [{**PERSON, "title_zh": "长" * 61}]}, "signatories[1].title_zh", "longer than 60"),
        ({"accent_color": "red"}, "accent_color", "#RRGGBB"),
        ({"accent_color": "#12345G"}, "accent_color", "#RRGGBB"),
        ({"accent_color": 0x8E1B1B}, "accent_color", "#RRGGBB"),
        ({"footer_note_en": "x" * (FOOTER_NOTE_MAX + 1)}, "footer_note_en", f"longer than {FOOTER_NOTE_MAX}"),
        ({"footer_note_zh": ["注"]}, "footer_note_zh", "must be text"),
    ],
)
def test_a_bad_layout_is_refused_naming_the_option(raw, option, words):
    with translation.override("en"), pytest.raises(LayoutError) as caught:
        clean_layout(raw)
    assert caught.value.option == option
    assert words in caught.value.message
    assert option.split("[")[0] in caught.value.message or option == "layout"


def test_the_service_refuses_a_bad_layout_and_saves_nothing(issuer, officer):
    with pytest.raises(ApplicationError) as caught:
        make_type(issuer, officer, layout={"accent_color": "crimson"})
    assert caught.value.code == "bad_layout" and "accent_color" in caught.value.message
    assert not CertificateType.objects.exists()
    created = make_type(issuer, officer, layout={"accent_color": "#00aa00", "footer_note_en": FOOTER_EN})
    assert created.layout == {"accent_color": "#00AA00", "footer_note_en": FOOTER_EN}


# --------------------------------------------------------------------------- the type page

TYPE_POST = {"code": "ir-emb", "level": "Q", "title_zh": "栓塞治疗资格证书", "title_en": "Certificate in Embolization"}
TYPE_POST |= {"validity_months": "36", "renewal_rule": "cme", "cme_credits_required": "20", "serial_prefix": "ir-e"}


def test_the_type_page_saves_the_layout_options(client_as, officer, issuer):
    response = client_as(officer).post(
        reverse("certificates:manage_types"),
        {
            **TYPE_POST,
            "issuer": issuer.pk,
            # show_scope unticked: left out of the POST
            "signatories": "王强 | WANG Qiang | 秘书长 | Secretary-General\n",
            "accent_color": "#1a4f8b",
            "footer_note_zh": FOOTER_ZH,
            "footer_note_en": FOOTER_EN,
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    assert CertificateType.objects.get(code="ir-emb").layout == {
        "show_scope": False,
        "signatories": [PERSON],
        "accent_color": "#1A4F8B",
        "footer_note_zh": FOOTER_ZH,
        "footer_note_en": FOOTER_EN,
    }


def test_the_type_page_shows_a_refused_option_on_its_field_and_saves_nothing(client_as, officer, issuer):
    response = client_as(officer).post(
        reverse("certificates:manage_types"),
        {**TYPE_POST, "issuer": issuer.pk, "show_scope": "on", "accent_color": "#12G"},
    )
    assert response.status_code == 200
    assert "accent_color" in response.context["form"].errors
    assert not CertificateType.objects.exists()


def test_the_type_page_with_the_layout_fields_untouched_stores_an_empty_layout(client_as, officer, issuer):
    client_as(officer).post(
        reverse("certificates:manage_types"), {**TYPE_POST, "issuer": issuer.pk, "show_scope": "on"}
    )
    assert CertificateType.objects.get(code="ir-emb").layout == {}


def test_an_officer_edits_the_layout_of_an_existing_type(client_as, officer, issuer):
    from accounts.models import AuditEvent

    ctype = make_type(issuer, officer, layout={"footer_note_en": FOOTER_EN})
    client = client_as(officer)
    url = reverse("certificates:manage_types") + f"?edit={ctype.code}"
    assert f'href="?edit={ctype.code}"' in client.get(reverse("certificates:manage_types")).content.decode()
    assert FOOTER_EN in client.get(url).content.decode()
    refused = client.post(url, {"show_scope": "on", "signatories": "王强 | WANG Qiang | 秘书长"})
    assert refused.status_code == 200 and "signatories" in refused.context["form"].errors
    ctype.refresh_from_db()
    assert ctype.layout == {"footer_note_en": FOOTER_EN}
    line = "王强 | WANG Qiang | 秘书长 | Secretary-General"
    saved = client.post(url, {"signatories": line, "accent_color": "#00aa00"})
    assert saved.status_code == 302
    ctype.refresh_from_db()
    assert ctype.layout == {"show_scope": False, "signatories": [PERSON], "accent_color": "#00AA00"}
    assert AuditEvent.objects.filter(action="certificates.type_layout").count() == 1
    assert client.get(reverse("certificates:manage_types") + "?edit=nope").status_code == 404


# --------------------------------------------------------------------------- the PDF


def test_the_pdf_prints_the_footer_note_and_can_leave_out_the_scope(data):  # noqa: F811 - fixture
    plain = _text(pdf.render_certificate(data))
    assert "经动脉化疗栓塞术" in plain and FOOTER_EN not in plain
    laid_out = pdf.render_certificate(
        replace(data, show_scope=False, accent_color="#1A4F8B", footer_note=L(FOOTER_ZH, FOOTER_EN))
    )
    text = _text(laid_out)
    assert FOOTER_ZH in text and FOOTER_EN in text
    assert "经动脉化疗栓塞术" not in text and "张伟" in text


def test_the_default_layout_draws_the_page_as_before(data):  # noqa: F811 - fixture
    """The defaults are the page's own red and scope: the same bytes (reportlab's invariant mode)."""
    from reportlab import rl_config

    invariant, rl_config.invariant = rl_config.invariant, 1
    try:
        before = pdf.render_certificate(data).pdf_bytes
        defaults = pdf.render_certificate(replace(data, show_scope=True, accent_color=None, footer_note=None))
        red = pdf.render_certificate(replace(data, accent_color="#8E1B1B"))
        blue = pdf.render_certificate(replace(data, accent_color="#1A4F8B"))
    finally:
        rl_config.invariant = invariant
    assert defaults.pdf_bytes == before and red.pdf_bytes == before and blue.pdf_bytes != before


def test_a_bad_accent_colour_is_refused_by_the_renderer(data):  # noqa: F811 - fixture
    with pytest.raises(pdf.CertificateRenderError, match="accent_color"):
        pdf.render_certificate(replace(data, accent_color="8E1B1B"))


def test_the_types_signatories_and_footer_replace_the_issuers_on_the_rendered_certificate(
    issuer, officer, passing_attempt, django_capture_on_commit_callbacks
):
    from certificates.services import certificate_issue

    exam = passing_attempt.registration.sitting.exam
    make_type(
        issuer,
        officer,
        exam=exam,
        layout={"signatories": [PERSON], "footer_note_zh": FOOTER_ZH, "footer_note_en": FOOTER_EN},
    )
    with django_capture_on_commit_callbacks(execute=True):
        certificate = certificate_issue(attempt=passing_attempt)
    certificate.refresh_from_db()
    with certificate.pdf.open("rb") as handle:
        text = PdfReader(io.BytesIO(handle.read())).pages[0].extract_text()
    assert "王强" in text and "Secretary-General" in text and "李明" not in text
    assert FOOTER_ZH in text and FOOTER_EN in text


# --------------------------------------------------------------------------- the API


def test_the_type_list_api_gives_the_layout(api_as, officer, issuer):
    make_type(issuer, officer, layout={"footer_note_en": FOOTER_EN})
    (listed,) = api_as(officer).get(reverse("api:certificate-types")).json()
    assert listed["layout"] == {"footer_note_en": FOOTER_EN}


def test_a_refusal_is_translated():
    with translation.override("zh-hans"), pytest.raises(LayoutError) as caught:
        clean_layout({"accent_color": "red"})
    assert caught.value.message.startswith("版式选项 accent_color")
