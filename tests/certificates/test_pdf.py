"""The certificate PDF: text, metadata, fonts and the verification QR code."""

import io
import re
import shutil
import subprocess
from dataclasses import replace
from datetime import date
from pathlib import Path

import pytest
import segno
from PIL import Image, ImageDraw
from pypdf import PdfReader

from certificates import pdf
from certificates.openbadges import LocalizedText as L

URL = "https://cert.example.org/verify/7KQ4M9XD2HPA"
HAS_CJK_TTF = pdf.find_cjk_font()[0] is not None
needs_cjk = pytest.mark.skipif(
    not HAS_CJK_TTF, reason="no TrueType CJK font installed (apt-get install fonts-wqy-microhei)"
)


def _png(color, size=(120, 120)):
    image = Image.new("RGBA", size, (0, 0, 0, 0))
    ImageDraw.Draw(image).ellipse((4, 4, size[0] - 4, size[1] - 4), outline=color, width=8)
    buf = io.BytesIO()
    image.save(buf, "PNG")
    return buf.getvalue()


@pytest.fixture
def data():
    return pdf.CertificateRenderData(
        holder_name=L("张伟", "ZHANG Wei"),
        title=L("介入放射学准入资格证书", "Certificate of Qualification in Interventional Radiology"),
        scope=L(
            "已通过经动脉化疗栓塞术准入资格考核，成绩合格，特发此证。",
            "has passed the qualifying examination in transarterial chemoembolization.",
        ),
        issued_on=date(2026, 11, 26),
        valid_until=date(2031, 11, 25),
        serial="IR-TACE-2026-000123",
        verification_code="7KQ4-M9XD-2HPA",
        verification_url=URL,
        issuer_name=L("介入放射学培训考核委员会", "Interventional Radiology Training Board"),
        signatories=[pdf.Signatory(L("李明", "LI Ming"), L("主任委员", "Chair"), _png((20, 20, 90, 255), (200, 60)))],
        logo=_png((30, 60, 120, 255)),
        seal=_png((200, 30, 30, 230)),
    )


def _reader(result):
    return PdfReader(io.BytesIO(result.pdf_bytes))


@needs_cjk
def test_the_pdf_text_holds_the_chinese_name_and_the_serial(data):
    result = pdf.render_certificate(data)
    assert result.font_embedded and result.warnings == []
    text = _reader(result).pages[0].extract_text()
    for expected in ("张伟", "ZHANG Wei", "IR-TACE-2026-000123", "7KQ4-M9XD-2HPA", "介入放射学准入资格证书", "李明"):
        assert expected in text
    assert "2031年11月25日" in text and "25 November 2031" in text


@needs_cjk
def test_the_cjk_font_is_embedded_as_a_truetype_subset(data):
    page = _reader(pdf.render_certificate(data)).pages[0]
    fonts = [f.get_object() for f in page["/Resources"]["/Font"].values()]
    embedded = [f for f in fonts if "/FontDescriptor" in f and "/FontFile2" in f["/FontDescriptor"]]
    assert embedded and all(re.match(r"^/[A-Z]{6}\+", str(f["/BaseFont"])) for f in embedded)


def test_the_page_is_a4_landscape_with_document_metadata(data):
    reader = _reader(pdf.render_certificate(data))
    assert len(reader.pages) == 1
    box = reader.pages[0].mediabox
    assert (round(float(box.width)), round(float(box.height))) == (842, 595)
    meta = reader.metadata
    assert "IR-TACE-2026-000123" in meta.title and "介入放射学准入资格证书" in meta.title
    assert meta.author == "介入放射学培训考核委员会 / Interventional Radiology Training Board"
    assert URL in meta.subject
    assert meta.creator == "irexam certificates"


def _drawn_qr_matrix(result):
    """Rebuild the module matrix from the rectangles in the page's ``qr`` form XObject."""
    form = _reader(result).pages[0]["/Resources"]["/XObject"]["/FormXob.qr"].get_object()
    rects = [
        tuple(float(v) for v in m) for m in re.findall(rb"([\d.]+) ([\d.]+) ([\d.]+) ([\d.]+) re", form.get_data())
    ]
    module = rects[0][3]
    n = round(max(y for _, y, _, _ in rects) / module) + 1
    grid = [[False] * n for _ in range(n)]
    for x, y, w, _ in rects:
        row, col = n - 1 - round(y / module), round(x / module)
        for c in range(col, col + round(w / module)):
            grid[row][c] = True
    return grid


def test_the_qr_drawn_on_the_page_is_segnos_code_for_the_verification_url(data):
    expected = [[bool(v) for v in row] for row in segno.make(URL, error="m").matrix_iter(border=0)]
    assert _drawn_qr_matrix(pdf.render_certificate(data)) == expected
    other = [[bool(v) for v in row] for row in segno.make(URL + "X", error="m").matrix_iter(border=0)]
    assert expected != other


@pytest.mark.skipif(
    not (shutil.which("pdftoppm") and shutil.which("zbarimg")),
    reason="needs pdftoppm (poppler-utils) and zbarimg (zbar-tools) to decode the rendered QR",
)
def test_the_rendered_qr_decodes_to_the_verification_url(data, tmp_path):
    (tmp_path / "c.pdf").write_bytes(pdf.render_certificate(data).pdf_bytes)
    subprocess.run(["pdftoppm", "-png", "-r", "200", str(tmp_path / "c.pdf"), str(tmp_path / "c")], check=True)
    png = next(Path(tmp_path).glob("c*.png"))
    out = subprocess.run(["zbarimg", "--quiet", "--raw", str(png)], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == URL


def test_without_a_truetype_cjk_font_it_falls_back_and_says_so(data, monkeypatch):
    monkeypatch.setattr(pdf, "CJK_FONT_CANDIDATES", ())
    result = pdf.render_certificate(data)
    assert result.font_embedded is False
    assert any("STSong-Light" in w for w in result.warnings)
    assert result.pdf_bytes.startswith(b"%PDF")


def test_a_configured_font_that_does_not_exist_is_warned_about(data):
    result = pdf.render_certificate(replace(data, cjk_font_path="/nonexistent/font.ttf"))
    assert any("/nonexistent/font.ttf" in w for w in result.warnings)


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("logo", b"not an image", "logo is not a readable image"),
        ("holder_name", L("张伟", ""), "holder_name needs both"),
        ("verification_url", "ftp://x", "http"),
        ("valid_until", date(2026, 1, 1), "after issued_on"),
        ("serial", " ", "serial is required"),
    ],
)
def test_bad_render_data_is_refused_with_a_clear_error(data, field, value, message):
    with pytest.raises(pdf.CertificateRenderError, match=message):
        pdf.render_certificate(replace(data, **{field: value}))


def test_it_renders_without_logo_seal_signatories_or_expiry(data):
    result = pdf.render_certificate(replace(data, logo=None, seal=None, signatories=[], valid_until=None))
    assert result.pdf_bytes.startswith(b"%PDF")
    if HAS_CJK_TTF:
        text = _reader(result).pages[0].extract_text()
        assert "发证机构" in text and "有效期至" not in text


def test_prepared_images_give_the_same_bytes_as_reportlabs_draw_image(data, monkeypatch):
    """Images are digested and deflated once per process; the PDF is byte-identical to drawImage's."""
    from reportlab import rl_config

    monkeypatch.setattr(rl_config, "invariant", 1)  # no timestamps or random document id
    two_signatories = replace(data, signatories=[*data.signatories, *data.signatories])
    prepared = [pdf.render_certificate(d).pdf_bytes for d in (data, two_signatories, data)]

    def plain(c, image, x, y, width, height):
        c.drawImage(image.reader, x, y, width, height, mask="auto")

    monkeypatch.setattr(pdf, "_draw_image", plain)
    assert prepared == [pdf.render_certificate(d).pdf_bytes for d in (data, two_signatories, data)]
    assert b"/SMask" in prepared[0]  # the transparent images kept their soft masks


def test_the_fast_mask_selection_gives_segnos_mask_and_matrix(monkeypatch):
    """pdf installs a numpy mask evaluation into segno; it must pick segno's mask, module for module."""
    import random
    import string

    from segno import encoder

    rnd = random.Random(7)
    payloads = [URL, "https://cert.example.org/verify/" + "A" * 60, "x"]
    payloads += [
        "https://cert.example.org/verify/"
        + "".join(rnd.choice(string.ascii_letters + string.digits + "-_") for _ in range(rnd.choice([8, 22, 44, 90])))
        for _ in range(120)
    ]
    for i, payload in enumerate(payloads):
        error = "lmqh"[i % 4]
        assert encoder.find_and_apply_best_mask is pdf._find_and_apply_best_mask
        fast = segno.make(payload, error=error, micro=False)
        with monkeypatch.context() as m:
            m.setattr(encoder, "find_and_apply_best_mask", pdf._segno_find_and_apply_best_mask)
            reference = segno.make(payload, error=error, micro=False)
        assert (fast.version, fast.mask, fast.matrix) == (reference.version, reference.mask, reference.matrix), payload
