"""Bilingual (Simplified Chinese / English) certificate PDF, A4 landscape, with a verification QR code.

Pure module (no Django); reportlab draws the page, segno computes the QR matrix, which is drawn as
vector rectangles inside a form XObject named ``qr`` (so tests can read the drawn matrix back).

Fonts. Chinese needs a TrueType-outline CJK font to be embedded: one is looked for at the path
the caller passes (a setting) and then at common system locations (:data:`CJK_FONT_CANDIDATES`;
on Debian ``apt-get install fonts-wqy-microhei``). OpenType/CFF fonts (e.g. Noto Sans CJK ``.otf``/
``.ttc``) cannot be embedded by reportlab and are skipped with a warning. When none is found the
page falls back to Adobe's ``STSong-Light`` CID font, which is *not* embedded: viewers without the
Adobe Asian font pack substitute or fail, so :class:`RenderResult` reports ``font_embedded=False``
and officers should be warned. Latin text is set in Times (standard PDF font).
"""

from __future__ import annotations

import copy
import io
import os
import re
import threading
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from functools import lru_cache
from pathlib import Path
from xml.sax.saxutils import escape

import numpy as np
import segno
from reportlab import rl_config
from reportlab.lib.colors import Color, HexColor
from reportlab.lib.enums import TA_CENTER
from reportlab.lib.pagesizes import A4, landscape
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.utils import ImageReader, _digester
from reportlab.pdfbase import pdfdoc, pdfmetrics
from reportlab.pdfbase.cidfonts import UnicodeCIDFont
from reportlab.pdfbase.ttfonts import TTFError, TTFont
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import Paragraph
from segno import encoder as segno_encoder

from certificates.openbadges import LocalizedText
from irexam.fonts import CJK_FONT_CANDIDATES

__all__ = [
    "CJK_FONT_CANDIDATES",
    "CertificateRenderError",
    "Signatory",
    "CertificateRenderData",
    "RenderResult",
    "find_cjk_font",
    "qr_matrix",
    "render_certificate",
]

# Binary (Flate-only) streams instead of ASCII85+Flate: a quarter smaller, and reportlab's pure-Python
# ASCII85 encoder was the largest single cost of a render (~15 ms of ~26 ms). Process-wide and
# harmless for any other reportlab output: every PDF reader handles binary streams.
rl_config.useA85 = 0

FALLBACK_CID_FONT = "STSong-Light"

PAGE_W, PAGE_H = landscape(A4)
INK = HexColor("#1F1A17")
RED = HexColor("#8E1B1B")
GOLD = HexColor("#B08D3C")
MUTED = HexColor("#5B534C")
PAPER = HexColor("#FCFAF4")
LATIN = "Times-Roman"
LATIN_BOLD = "Times-Bold"
LATIN_ITALIC = "Times-Italic"
_HEX_COLOR = re.compile(r"#[0-9A-Fa-f]{6}")


class CertificateRenderError(ValueError):
    """The render data is incomplete or an image cannot be read; the message names the field."""


@dataclass(frozen=True)
class Signatory:
    name: LocalizedText
    title: LocalizedText
    signature_image: bytes | None = None  # PNG with transparency works best


@dataclass(frozen=True)
class CertificateRenderData:
    holder_name: LocalizedText  # zh as registered; en e.g. in pinyin
    title: LocalizedText  # e.g. 介入放射学准入资格证书 / Certificate of Qualification in IR
    scope: LocalizedText  # what the holder is certified for, one or two sentences each
    issued_on: date
    valid_until: date | None
    serial: str
    verification_code: str
    verification_url: str
    issuer_name: LocalizedText
    signatories: Sequence[Signatory] = ()
    logo: bytes | None = None
    seal: bytes | None = None  # the issuer's seal, printed over the first signature line
    cjk_font_path: str | None = None  # a setting; tried before the system locations
    cjk_font_subfont_index: int = 0
    # the certificate type's layout options (certificates/layout.py); the defaults print the page as ever
    show_scope: bool = True
    accent_color: str | None = None  # "#RRGGBB" for the border, ornaments, issuer name and title
    footer_note: LocalizedText | None = None  # a short line at the foot; either language may be empty


@dataclass(frozen=True)
class RenderResult:
    pdf_bytes: bytes
    font_embedded: bool  # False: Chinese set in a non-embedded CID font (warn the officer)
    warnings: list[str] = field(default_factory=list)


# --------------------------------------------------------------------------- fonts

_font_lock = threading.Lock()
_registered: dict[tuple[str, int], str] = {}
_failed: dict[tuple[str, int], str] = {}


def _register_ttf(path: str, index: int) -> str:
    """Register a TrueType font once per process and return its reportlab name."""
    key = (os.path.realpath(path), index)
    with _font_lock:
        if key in _registered:
            return _registered[key]
        if key in _failed:
            raise TTFError(_failed[key])
        name = f"CJK-{len(_registered)}-{Path(path).stem}-{index}"
        try:
            pdfmetrics.registerFont(TTFont(name, path, subfontIndex=index))
        except (TTFError, OSError, ValueError) as exc:
            _failed[key] = str(exc)
            raise TTFError(str(exc)) from exc
        _registered[key] = name
        return name


def find_cjk_font(preferred_path: str | None = None, preferred_index: int = 0) -> tuple[str | None, list[str]]:
    """Register the first usable TrueType CJK font; return ``(font name or None, warnings)``."""
    warnings: list[str] = []
    candidates: list[tuple[str, int]] = []
    if preferred_path:
        if Path(preferred_path).is_file():
            candidates.append((preferred_path, preferred_index))
        else:
            warnings.append(f"configured CJK font {preferred_path!r} does not exist")
    candidates.extend(c for c in CJK_FONT_CANDIDATES if c[0] != preferred_path)
    for path, index in candidates:
        if not Path(path).is_file():
            continue
        try:
            return _register_ttf(path, index), warnings
        except TTFError as exc:
            warnings.append(f"CJK font {path!r} cannot be embedded ({exc}); trying the next one")
    return None, warnings


def _fallback_cid_font() -> str:
    with _font_lock:
        if FALLBACK_CID_FONT not in pdfmetrics.getRegisteredFontNames():
            pdfmetrics.registerFont(UnicodeCIDFont(FALLBACK_CID_FONT))
    return FALLBACK_CID_FONT


# --------------------------------------------------------------------------- QR


_segno_find_and_apply_best_mask = segno_encoder.find_and_apply_best_mask
_N3_PATTERN = bytes((0x1, 0x0, 0x1, 0x1, 0x1, 0x0, 0x1))


@lru_cache(maxsize=16)
def _mask_layers(size: int) -> tuple[np.ndarray, ...]:
    """For a QR symbol of ``size``: the eight data masks limited to the encoding region, as segno
    builds the region (finder and alignment patterns, the dark module) and applies the masks."""
    function_matrix = segno_encoder.make_matrix(size, size)
    segno_encoder.add_finder_patterns(function_matrix, size, size)
    segno_encoder.add_alignment_patterns(function_matrix, size, size)
    function_matrix[-8][8] = 0x1
    region = np.array([list(row) for row in function_matrix], dtype=np.uint8) > 0x1
    i, j = np.indices((size, size))
    patterns = (
        (i + j) % 2 == 0,
        i % 2 == 0,
        j % 3 == 0,
        (i + j) % 3 == 0,
        (i // 2 + j // 3) % 2 == 0,
        (i * j) % 2 + (i * j) % 3 == 0,
        ((i * j) % 2 + (i * j) % 3) % 2 == 0,
        ((i + j) % 2 + (i * j) % 3) % 2 == 0,
    )
    return tuple((region & p).astype(np.uint8) for p in patterns)


def _n3_score(seq: bytes, size: int) -> int:
    """segno's N3 (1:1:3:1:1 finder-like pattern) count for one row or column, verbatim."""
    count = 0
    idx = seq.find(_N3_PATTERN)
    while idx != -1:
        offset = idx + 7
        if (
            idx in (0, size - 7)
            or not any(seq[max(idx - 4, 0) : min(idx, size)])
            or not any(seq[max(offset, 0) : min(offset + 4, size)])
        ):
            count += 40
        else:
            offset = idx + 4
        idx = seq.find(_N3_PATTERN, offset)
    return count


def _n3_total(lines: bytes, size: int) -> int:
    """N3 over lines of ``size`` modules, each followed by a 0xFF separator (no pattern spans
    one): only the lines where the pattern occurs are scored, each exactly as segno does."""
    total, stride = 0, size + 1
    idx = lines.find(_N3_PATTERN)
    while idx != -1:
        start = idx - idx % stride
        total += _n3_score(lines[start : start + size], size)
        idx = lines.find(_N3_PATTERN, start + stride)
    return total


def _penalty(m: np.ndarray) -> int:
    """segno's ``evaluate_mask`` (N1 + N2 + N3 + N4) of a square matrix, with numpy."""
    size = m.shape[0]
    separator = np.full((size, 1), 0xFF, dtype=np.uint8)  # equals no module value
    score = 0
    for lines in (m, m.T):
        flat = np.concatenate((lines, separator), axis=1).ravel()
        # N1: runs of five or more equal modules in a row or column score (length - 2)
        starts = np.flatnonzero(np.concatenate(([True], flat[1:] != flat[:-1], [True])))
        runs = np.diff(starts)
        score += int((runs[runs >= 5] - 2).sum())
        # N3, the 1:1:3:1:1 pattern, line by line as segno counts it
        score += _n3_total(flat.tobytes(), size)
    # N2: 2x2 blocks of one colour
    c = m[1:, 1:]
    score += 3 * int(np.count_nonzero((c == m[1:, :-1]) & (c == m[:-1, 1:]) & (c == m[:-1, :-1])))
    # N4: proportion of dark modules (segno sums the raw module values)
    percent = float(int(m.sum())) / (size**2)
    return score + 10 * int(abs(percent * 100 - 50) / 5)


def _find_and_apply_best_mask(matrix, width, height, proposed_mask=None):
    """segno's mask selection, with numpy: the same mask and matrix, ~10x faster.

    Pure Python, segno tried the eight masks module by module — about a third of a certificate's
    render. Micro QR codes and a proposed mask go to segno's own function.
    ``tests/certificates/test_pdf.py`` compares both over many payloads.
    """
    if proposed_mask is not None or width != height or width < 21:
        return _segno_find_and_apply_best_mask(matrix, width, height, proposed_mask)
    base = np.frombuffer(b"".join(matrix), dtype=np.uint8).reshape(height, width)
    candidates = [base ^ layer for layer in _mask_layers(width)]
    scores = [_penalty(m) for m in candidates]
    best = scores.index(min(scores))  # the first lowest, as segno
    return best, tuple(bytearray(row.tobytes()) for row in candidates[best])


# segno looks the function up at call time; ours returns exactly what segno's would.
segno_encoder.find_and_apply_best_mask = _find_and_apply_best_mask


def qr_matrix(url: str) -> list[list[bool]]:
    """QR modules for ``url`` (error correction M, no quiet zone): ``True`` = dark."""
    qr = segno.make(url, error="m", micro=False)
    return [[bool(v) for v in row] for row in qr.matrix_iter(border=0)]


def _draw_qr(c: Canvas, url: str, x: float, y: float, size: float) -> None:
    """Draw the QR as a form XObject ``qr`` of filled rectangles (one per horizontal run)."""
    matrix = qr_matrix(url)
    n = len(matrix)
    module = size / n
    c.beginForm("qr")
    c.setFillColor(Color(0, 0, 0))
    c.setStrokeColor(Color(0, 0, 0))
    for r, row in enumerate(matrix):
        col = 0
        while col < n:
            if not row[col]:
                col += 1
                continue
            start = col
            while col < n and row[col]:
                col += 1
            c.rect(start * module, (n - r - 1) * module, (col - start) * module, module, stroke=0, fill=1)
    c.endForm()
    # quiet zone: 4 modules of white around the symbol
    c.saveState()
    c.setFillColor(Color(1, 1, 1))
    c.rect(x - 4 * module, y - 4 * module, size + 8 * module, size + 8 * module, stroke=0, fill=1)
    c.translate(x, y)
    c.doForm("qr")
    c.restoreState()


# --------------------------------------------------------------------------- drawing helpers


@dataclass(frozen=True)
class _Image:
    """An image decoded, digested and compressed once per process, drawn on many pages.

    ``canvas.drawImage`` would hash the decoded pixels (MD5 of ~0.5 MB for the seal) and
    deflate them again on every page — about 3 ms of each render for the logo, seal and two
    signatures, which are the same on every certificate of a batch. The PDF image object
    built here is copied into each document exactly as ``drawImage`` registers it, so the
    output is byte-for-byte the same (``tests/certificates/test_pdf.py``).
    """

    reader: ImageReader
    name: str  # drawImage's digest of pixels + mask: the XObject name
    xobject: pdfdoc.PDFImageXObject
    smask: pdfdoc.PDFImageXObject | None

    def getSize(self) -> tuple[int, int]:  # noqa: N802 - the ImageReader name, for the layout code
        return self.reader.getSize()


@lru_cache(maxsize=32)
def _decoded_image(data: bytes) -> _Image:
    """Decode once per process: a batch prints the same logo, seal and signatures on every page."""
    reader = ImageReader(io.BytesIO(data))
    reader.getSize()
    raw = reader.getRGBData()  # decoded pixels are kept on the reader
    alpha = reader._dataA
    name = _digester(raw + (alpha.getRGBData() if alpha else b"auto"))
    xobject = pdfdoc.PDFImageXObject(name, reader, mask="auto")
    xobject.name = name
    smask = getattr(xobject, "_smask", None)
    if smask is not None:
        del xobject._smask
    return _Image(reader, name, xobject, smask)


def _draw_image(c: Canvas, image: _Image, x: float, y: float, width: float, height: float) -> None:
    """``c.drawImage(image.reader, x, y, width, height, mask="auto")`` with the prepared image."""
    doc = c._doc
    c._currentPageHasImages = 1
    reg_name = doc.getXObjectName(image.name)
    if not doc.idToObject.get(reg_name):
        xobject = copy.copy(image.xobject)  # per document: registration sets attributes on it
        c._setXObjects(xobject)
        doc.Reference(xobject, reg_name)
        doc.addForm(image.name, xobject)
        if image.smask is not None:
            mask_name = doc.getXObjectName(image.smask.name)
            if not doc.idToObject.get(mask_name):
                smask = copy.copy(image.smask)
                c._setXObjects(smask)
                xobject.smask = doc.Reference(smask, mask_name)
            else:
                xobject.smask = pdfdoc.PDFObjectReference(mask_name)
    c.saveState()
    c.translate(x, y)
    c.scale(width, height)
    c._code.append(f"/{reg_name} Do")
    c.restoreState()
    c._formsinuse.append(image.name)


def _image(data: bytes | None, what: str) -> _Image | None:
    if data is None:
        return None
    if not isinstance(data, (bytes, bytearray)) or not data:
        raise CertificateRenderError(f"{what} must be non-empty image bytes")
    try:
        return _decoded_image(bytes(data))
    except Exception as exc:  # reportlab/Pillow raise many types for unreadable images
        raise CertificateRenderError(f"{what} is not a readable image: {exc}") from exc


def _latin_ok(text: str) -> bool:
    try:
        text.encode("cp1252")
    except UnicodeEncodeError:
        return False
    return True


class _Page:
    """Small drawing vocabulary over one canvas with the chosen CJK font."""

    def __init__(self, c: Canvas, cjk: str, cjk_is_ttf: bool) -> None:
        self.c, self.cjk, self.cjk_is_ttf = c, cjk, cjk_is_ttf

    def font_for(self, text: str, latin: str) -> str:
        return latin if _latin_ok(text) else self.cjk

    def fit(self, text: str, font: str, size: float, max_width: float) -> float:
        width = pdfmetrics.stringWidth(text, font, size)
        return size if width <= max_width else size * max_width / width

    def centred(
        self,
        text: str,
        y: float,
        font: str,
        size: float,
        *,
        x: float = PAGE_W / 2,
        color: Color = INK,
        max_width: float = PAGE_W - 160,
        spacing: float = 0,
        bold: bool = False,
    ) -> None:
        """One centred line, shrunk to fit ``max_width``; ``bold`` strokes CJK glyphs (no bold face)."""
        c = self.c
        c.saveState()  # the text render mode and colours below must not leak into later drawing
        size = self.fit(text, font, size, max_width - spacing * max(len(text) - 1, 0))
        width = pdfmetrics.stringWidth(text, font, size) + spacing * max(len(text) - 1, 0)
        t = c.beginText(x - width / 2, y)
        t.setFont(font, size)
        t.setCharSpace(spacing)
        t.setFillColor(color)
        if bold and font == self.cjk:
            c.setStrokeColor(color)
            c.setLineWidth(size * 0.025)
            t.setTextRenderMode(2)
        t.textOut(text)
        c.drawText(t)
        c.restoreState()

    def runs(
        self,
        parts: Sequence[tuple[str, str, float, Color]],
        x: float,
        y: float,
        *,
        centre: bool = False,
        gap: float = 5,
        max_width: float | None = None,
    ) -> None:
        """Draw ``(text, font, size, colour)`` runs on one line (e.g. a Chinese run then an English
        one, each in its own font), left-aligned at ``x`` or centred on it; shrunk to ``max_width``."""
        parts = [p for p in parts if p[0]]
        widths = [pdfmetrics.stringWidth(t, f, sz) for t, f, sz, _ in parts]
        total = sum(widths) + gap * max(len(parts) - 1, 0)
        scale = min(1.0, max_width / total) if max_width and total else 1.0
        cursor = x - total * scale / 2 if centre else x
        for (text, font, size, color), width in zip(parts, widths, strict=True):
            self.left(text, cursor, y, font, size * scale, color)
            cursor += (width + gap) * scale

    def left(self, text: str, x: float, y: float, font: str, size: float, color: Color = INK) -> None:
        self.c.setFillColor(color)
        self.c.setFont(font, size)
        self.c.drawString(x, y, text)

    def paragraph(self, text: str, font: str, size: float, width: float, top: float, color: Color = INK) -> float:
        """A centred wrapped paragraph whose first line starts at ``top``; returns its bottom y."""
        style = ParagraphStyle(
            "p",
            fontName=font,
            fontSize=size,
            leading=size * 1.45,
            alignment=TA_CENTER,
            textColor=color,
            wordWrap="CJK" if font == self.cjk else None,
        )
        para = Paragraph(escape(text), style)
        _, h = para.wrap(width, PAGE_H)
        para.drawOn(self.c, (PAGE_W - width) / 2, top - h)
        return top - h


def _draw_frame(c: Canvas, accent: Color) -> None:
    c.setFillColor(PAPER)
    c.rect(0, 0, PAGE_W, PAGE_H, stroke=0, fill=1)
    c.setStrokeColor(accent)
    c.setLineWidth(4)
    c.rect(20, 20, PAGE_W - 40, PAGE_H - 40, stroke=1, fill=0)
    c.setStrokeColor(GOLD)
    c.setLineWidth(1.2)
    c.rect(29, 29, PAGE_W - 58, PAGE_H - 58, stroke=1, fill=0)
    c.setLineWidth(0.5)
    c.rect(33, 33, PAGE_W - 66, PAGE_H - 66, stroke=1, fill=0)
    # corner ornaments: a gold diamond inside a square at each corner of the inner frame
    c.setFillColor(GOLD)
    for cx, cy in ((33, 33), (PAGE_W - 33, 33), (33, PAGE_H - 33), (PAGE_W - 33, PAGE_H - 33)):
        c.saveState()
        c.translate(cx, cy)
        c.setFillColor(PAPER)
        c.setStrokeColor(GOLD)
        c.setLineWidth(1)
        c.rect(-9, -9, 18, 18, stroke=1, fill=1)
        c.rotate(45)
        c.setFillColor(accent)
        c.rect(-4, -4, 8, 8, stroke=0, fill=1)
        c.restoreState()


def _divider(c: Canvas, y: float, half_width: float) -> None:
    c.setStrokeColor(GOLD)
    c.setLineWidth(0.8)
    c.line(PAGE_W / 2 - half_width, y, PAGE_W / 2 - 8, y)
    c.line(PAGE_W / 2 + 8, y, PAGE_W / 2 + half_width, y)
    c.saveState()
    c.translate(PAGE_W / 2, y)
    c.rotate(45)
    c.setFillColor(GOLD)
    c.rect(-3, -3, 6, 6, stroke=0, fill=1)
    c.restoreState()


def _validate(data: CertificateRenderData) -> None:
    for name in ("holder_name", "title", "scope", "issuer_name"):
        value = getattr(data, name)
        if not isinstance(value, LocalizedText) or not value.zh.strip() or not value.en.strip():
            raise CertificateRenderError(f"{name} needs both a Chinese and an English text")
    for name in ("serial", "verification_code", "verification_url"):
        value = getattr(data, name)
        if not isinstance(value, str) or not value.strip():
            raise CertificateRenderError(f"{name} is required")
    if not data.verification_url.startswith(("https://", "http://")):
        raise CertificateRenderError("verification_url must be an http(s) URL")
    if not isinstance(data.issued_on, date):
        raise CertificateRenderError("issued_on must be a date")
    if data.valid_until is not None and data.valid_until <= data.issued_on:
        raise CertificateRenderError("valid_until must be after issued_on")
    if len(data.signatories) > 3:
        raise CertificateRenderError("at most three signatories fit on the page")
    if data.accent_color is not None and not _HEX_COLOR.fullmatch(data.accent_color):
        raise CertificateRenderError("accent_color must be written #RRGGBB")
    if data.footer_note is not None and not isinstance(data.footer_note, LocalizedText):
        raise CertificateRenderError("footer_note must be a LocalizedText")


def _zh_date(d: date) -> str:
    return f"{d.year}年{d.month}月{d.day}日"


def _en_date(d: date) -> str:
    return f"{d.day} {d.strftime('%B')} {d.year}"  # month names from the C locale: English


# --------------------------------------------------------------------------- render


def render_certificate(data: CertificateRenderData) -> RenderResult:
    """Render one certificate page; raises :class:`CertificateRenderError` for bad input.

    Layout, top to bottom: frame; logo; issuer name (zh, en); title (zh, en); "兹证明 / This is to
    certify that"; holder name (zh, en); scope (zh, en; left out when ``show_scope`` is false); then
    a bottom band with the serial, dates and verification code (left), signatories with the seal
    over the first signature line (centre), the optional footer note under them, and the QR code
    linking ``verification_url`` (right). ``accent_color`` replaces the red of the border,
    ornaments, issuer name and title.
    """
    _validate(data)
    logo = _image(data.logo, "logo")
    seal = _image(data.seal, "seal")
    signatures = [
        _image(s.signature_image, f"signature image of signatory {i + 1}") for i, s in enumerate(data.signatories)
    ]

    cjk, warnings = find_cjk_font(data.cjk_font_path, data.cjk_font_subfont_index)
    font_embedded = cjk is not None
    if cjk is None:
        cjk = _fallback_cid_font()
        warnings.append(
            f"no TrueType CJK font found; Chinese text uses the non-embedded {FALLBACK_CID_FONT} font, "
            "which some PDF viewers cannot display (install fonts-wqy-microhei or set the font path)"
        )

    buf = io.BytesIO()
    c = Canvas(buf, pagesize=(PAGE_W, PAGE_H), pageCompression=1, lang="zh-CN")
    c.setTitle(f"{data.title.zh} {data.title.en} — {data.holder_name.zh} ({data.serial})")
    c.setAuthor(f"{data.issuer_name.zh} / {data.issuer_name.en}")
    c.setSubject(f"{data.title.en}: {data.holder_name.en}, serial {data.serial}; verify at {data.verification_url}")
    c.setCreator("irexam certificates")
    c.setKeywords(["certificate", "证书", data.serial])
    page = _Page(c, cjk, font_embedded)
    accent = HexColor(data.accent_color) if data.accent_color else RED

    _draw_frame(c, accent)

    y = PAGE_H - 52
    if logo is not None:
        iw, ih = logo.getSize()
        h = 46.0
        w = min(h * iw / ih, 160.0)
        h = w * ih / iw
        _draw_image(c, logo, PAGE_W / 2 - w / 2, y - h, w, h)
        y -= h + 8
    else:
        y -= 40  # no logo: lower the whole body so it stays centred on the page
    page.centred(data.issuer_name.zh, y - 18, cjk, 17, color=accent, spacing=2)
    page.centred(data.issuer_name.en, y - 34, page.font_for(data.issuer_name.en, LATIN), 11, color=MUTED)
    y -= 46
    _divider(c, y, 170)

    page.centred(data.title.zh, y - 42, cjk, 30, color=accent, spacing=6, bold=True)
    en_title = data.title.en.upper()
    page.centred(en_title, y - 65, page.font_for(en_title, LATIN_BOLD), 14, color=INK, spacing=1.5)
    y -= 100

    page.centred("兹证明", y, cjk, 11.5, color=MUTED, spacing=2)
    page.centred("This is to certify that", y - 15, LATIN_ITALIC, 11.5, color=MUTED)
    page.centred(data.holder_name.zh, y - 54, cjk, 28, spacing=4, bold=True)
    page.centred(data.holder_name.en, y - 78, page.font_for(data.holder_name.en, LATIN_BOLD), 17)
    y -= 96
    if data.show_scope:
        bottom = page.paragraph(data.scope.zh, cjk, 11.5, 600, y)
        en_font = page.font_for(data.scope.en, LATIN_ITALIC)
        page.paragraph(data.scope.en, en_font, 11, 600, bottom - 4, color=MUTED)

    # ---- bottom band
    band_top = 168

    def value(text: str) -> tuple[str, str, float, Color]:
        return (text, page.font_for(text, LATIN_BOLD), 10.5, INK)

    def dated(d: date) -> list[tuple[str, str, float, Color]]:
        return [(_zh_date(d), cjk, 10, INK), (_en_date(d), LATIN, 10.5, INK)]

    rows = [
        ("证书编号", "Serial No.", [value(data.serial)]),
        ("发证日期", "Date of issue", dated(data.issued_on)),
    ]
    if data.valid_until is not None:
        rows.append(("有效期至", "Valid until", dated(data.valid_until)))
    rows.append(("验证码", "Verification code", [value(data.verification_code)]))
    x0 = 62
    row_y = band_top - 14
    for zh, en, parts in rows:
        page.runs([(zh, cjk, 9, MUTED), (en, LATIN_ITALIC, 8.5, MUTED)], x0, row_y)
        page.runs(parts, x0, row_y - 12.5, gap=8, max_width=200)
        row_y -= 29

    # QR, right
    qr_size = 76.0
    qr_x, qr_y = PAGE_W - 62 - qr_size, 74.0
    _draw_qr(c, data.verification_url, qr_x, qr_y, qr_size)
    page.centred("扫码验证证书", qr_y - 12, cjk, 8, x=qr_x + qr_size / 2, color=MUTED, max_width=qr_size + 40)
    page.centred(
        "Scan to verify", qr_y - 22, LATIN_ITALIC, 8, x=qr_x + qr_size / 2, color=MUTED, max_width=qr_size + 40
    )
    url_size = page.fit(data.verification_url, LATIN, 7, 210)
    c.setFont(LATIN, url_size)
    c.setFillColor(MUTED)
    c.drawRightString(qr_x + qr_size + 2, qr_y - 33, data.verification_url)

    # signatories, centre
    region_l, region_r = 290.0, qr_x - 40
    n = max(len(data.signatories), 1)
    slot = (region_r - region_l) / n
    line_y = 92.0
    line_half = min(slot / 2 - 12, 85)
    seal_cx: float | None = None
    seal_lift = 6.0
    if not data.signatories:
        # no named signatory: the issuer signs by seal over an "issuing body" line
        cx = region_l + slot / 2
        c.setStrokeColor(INK)
        c.setLineWidth(0.6)
        c.line(cx - line_half, line_y, cx + line_half, line_y)
        page.centred("发证机构（盖章）", line_y - 13, cjk, 9, x=cx, color=MUTED, max_width=2 * line_half)
        page.centred("Issuing body (seal)", line_y - 24, LATIN_ITALIC, 8.5, x=cx, color=MUTED)
        seal_cx = cx
        seal_lift = 40.0  # keep the label readable below the seal
    for i, (person, sig) in enumerate(zip(data.signatories, signatures, strict=True)):
        cx = region_l + slot * (i + 0.5)
        if sig is not None:
            iw, ih = sig.getSize()
            h = 34.0
            w = min(h * iw / ih, 2 * line_half)
            h = w * ih / iw
            _draw_image(c, sig, cx - w / 2, line_y + 2, w, h)
        c.setStrokeColor(INK)
        c.setLineWidth(0.6)
        c.line(cx - line_half, line_y, cx + line_half, line_y)
        names = [(person.name.zh, cjk, 9.5, INK)]
        if person.name.en != person.name.zh:
            names.append((person.name.en, page.font_for(person.name.en, LATIN), 10, INK))
        page.runs(names, cx, line_y - 13, centre=True, gap=6, max_width=2 * line_half + 20)
        page.centred(person.title.zh, line_y - 25, cjk, 8, x=cx, color=MUTED, max_width=2 * line_half + 20)
        page.centred(
            person.title.en,
            line_y - 35,
            page.font_for(person.title.en, LATIN_ITALIC),
            8,
            x=cx,
            color=MUTED,
            max_width=2 * line_half + 20,
        )
        if i == 0:
            seal_cx = cx + line_half * 0.45
    if seal is not None and seal_cx is not None:
        d = 92.0
        iw, ih = seal.getSize()
        c.saveState()
        # multiply, like stamp ink: the signature line and names under the seal stay legible
        c.setBlendMode("Multiply")
        c.setFillAlpha(0.9)
        _draw_image(c, seal, seal_cx - d / 2, line_y - d / 2 + seal_lift, d, d * ih / iw)
        c.restoreState()

    if data.footer_note is not None:
        # under the signatories, above the inner frame: the Chinese line, then the English one,
        # kept left of the verification URL printed under the QR code
        url_left = qr_x + qr_size + 2 - pdfmetrics.stringWidth(data.verification_url, LATIN, url_size)
        note_right = min(region_r, url_left - 12)
        cx, note_width = (region_l + note_right) / 2, note_right - region_l
        if data.footer_note.zh:
            page.centred(data.footer_note.zh, 45, cjk, 7.5, x=cx, color=MUTED, max_width=note_width)
        if data.footer_note.en:
            en_font = page.font_for(data.footer_note.en, LATIN_ITALIC)
            page.centred(data.footer_note.en, 37, en_font, 7.5, x=cx, color=MUTED, max_width=note_width)

    c.showPage()
    c.save()
    return RenderResult(buf.getvalue(), font_embedded, warnings)
