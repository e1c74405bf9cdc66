"""The candidate's score report as a PDF (A4 portrait), in Chinese or English.

Pure module on reportlab (no Django): the caller passes the report's figures and every label
already translated into the request's language (:class:`ReportLabels`), so this module holds no
user-facing text. Chinese needs an embedded TrueType CJK font (``irexam.fonts``); the same font sets
Latin text too. Without one, Adobe's ``STSong-Light`` CID font is used (not embedded), and
:func:`render_score_report` says so in its second return value.
"""

from __future__ import annotations

import io
import threading
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any
from xml.sax.saxutils import escape

from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.cidfonts import UnicodeCIDFont
from reportlab.pdfbase.ttfonts import TTFError, TTFont
from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

from irexam.fonts import cjk_font_candidates

FALLBACK_CID_FONT = "STSong-Light"
INK = colors.HexColor("#1F1A17")
PASS = colors.HexColor("#276749")
FAIL = colors.HexColor("#9B2C2C")
RULE = colors.HexColor("#CBD5E0")
_lock = threading.Lock()
_fonts: dict[str | None, tuple[str, bool]] = {}


@dataclass(frozen=True)
class ReportLabels:
    """Every text the PDF prints besides names and numbers, in the reader's language."""

    title: str
    candidate: str
    exam: str
    sitting: str
    released: str
    result: str
    passed: str
    failed: str
    pending: str
    scaled_score: str
    scale_note: str  # e.g. "cut 300 on a scale of 100-500", already formatted
    total: str
    cohort: str  # e.g. "percentile 62 among 250 candidates", already formatted
    papers: str
    paper: str
    score: str
    percent: str
    areas: str
    area: str
    yours: str
    cohort_mean: str
    cohort_band: str
    percentile: str
    area_note: str
    missed: str
    question: str
    key: str
    your_answer: str
    explanation: str
    no_answer: str
    footer: str


@dataclass(frozen=True)
class ReportPdfData:
    labels: ReportLabels
    candidate_name: str
    exam_title: str
    sitting_code: str
    released_on: str
    passed: bool | None
    scaled_score: float | None
    raw_score: float
    max_score: float
    percent: float
    papers: Sequence[Mapping[str, Any]] = ()
    areas: Sequence[Mapping[str, Any]] = ()
    missed_items: Sequence[Mapping[str, Any]] = ()
    font_path: str | None = None


def _font(preferred: str | None) -> tuple[str, bool]:
    """(reportlab font name, embedded?) registered once per process."""
    with _lock:
        if preferred in _fonts:
            return _fonts[preferred]
        for path, index in cjk_font_candidates(preferred):
            name = f"ReportCJK-{len(_fonts)}"
            try:
                pdfmetrics.registerFont(TTFont(name, path, subfontIndex=index))
            except (TTFError, OSError, ValueError):
                continue
            _fonts[preferred] = (name, True)
            return _fonts[preferred]
        if FALLBACK_CID_FONT not in pdfmetrics.getRegisteredFontNames():
            pdfmetrics.registerFont(UnicodeCIDFont(FALLBACK_CID_FONT))
        _fonts[preferred] = (FALLBACK_CID_FONT, False)
        return _fonts[preferred]


def _number(value: float | None, digits: int = 1) -> str:
    if value is None:
        return "—"
    return f"{value:.{digits}f}".rstrip("0").rstrip(".") if digits else f"{value:.0f}"


def render_score_report(data: ReportPdfData) -> tuple[bytes, bool]:
    """The PDF bytes and whether the CJK font is embedded."""
    font, embedded = _font(data.font_path)
    labels = data.labels
    base = ParagraphStyle("base", fontName=font, fontSize=10, leading=14, textColor=INK, wordWrap="CJK")
    small = ParagraphStyle("small", parent=base, fontSize=8.5, leading=11)
    h1 = ParagraphStyle("h1", parent=base, fontSize=18, leading=24, spaceAfter=6)
    h2 = ParagraphStyle("h2", parent=base, fontSize=13, leading=18, spaceBefore=10, spaceAfter=4)
    verdict_colour = PASS if data.passed else FAIL if data.passed is False else INK
    verdict = labels.passed if data.passed else labels.failed if data.passed is False else labels.pending
    big = ParagraphStyle("big", parent=base, fontSize=16, leading=22, textColor=verdict_colour)

    def p(text: Any, style: ParagraphStyle = base) -> Paragraph:
        return Paragraph(escape(str(text)), style)

    def table(rows: list[list[Any]], widths: list[float]) -> Table:
        t = Table([[c if isinstance(c, Paragraph) else p(c, small) for c in row] for row in rows], colWidths=widths)
        t.setStyle(
            TableStyle(
                [
                    ("LINEBELOW", (0, 0), (-1, 0), 0.8, INK),
                    ("LINEBELOW", (0, 1), (-1, -1), 0.3, RULE),
                    ("VALIGN", (0, 0), (-1, -1), "TOP"),
                ]
            )
        )
        return t

    story: list[Any] = [
        p(labels.title, h1),
        table(
            [
                [labels.candidate, data.candidate_name],
                [labels.exam, data.exam_title],
                [labels.sitting, data.sitting_code],
                [labels.released, data.released_on],
            ],
            [40 * mm, 130 * mm],
        ),
        Spacer(1, 6 * mm),
        p(f"{labels.result}: {verdict}", big),
        p(f"{labels.scaled_score}: {_number(data.scaled_score, 0)} · {labels.scale_note}"),
        p(f"{labels.total}: {_number(data.raw_score, 2)} / {_number(data.max_score, 2)} ({_number(data.percent)}%)"),
        p(labels.cohort),
        p(labels.papers, h2),
    ]
    paper_rows = [[labels.paper, labels.score, labels.percent, labels.scaled_score, labels.result]]
    for paper in data.papers:
        outcome = labels.passed if paper["passed"] else labels.failed if paper["passed"] is False else "—"
        paper_rows.append(
            [
                f"{paper['number']}. {paper['title']}",
                f"{_number(paper['raw'], 2)} / {_number(paper['max'], 2)}" if paper["taken"] else "—",
                f"{_number(paper['percent'])}%" if paper["taken"] else "—",
                _number(paper["scaled_score"], 0),
                outcome,
            ]
        )
    story.append(table(paper_rows, [60 * mm, 30 * mm, 25 * mm, 30 * mm, 25 * mm]))
    story += [p(labels.areas, h2), p(labels.area_note, small), Spacer(1, 2 * mm)]
    area_rows = [[labels.area, labels.yours, labels.cohort_mean, labels.cohort_band, labels.percentile]]
    for area in data.areas:
        area_rows.append(
            [
                area["name"],
                f"{_number(area['percent'])}%",
                f"{_number(area['cohort_mean'])}%",
                f"{_number(area['cohort_p25'])}–{_number(area['cohort_p75'])}%",
                _number(area["percentile"], 0),
            ]
        )
    story.append(table(area_rows, [60 * mm, 25 * mm, 30 * mm, 35 * mm, 20 * mm]))
    if data.missed_items:
        story.append(p(labels.missed, h2))
        for item in data.missed_items:
            story.append(p(f"{labels.paper} {item['paper']} · {labels.question} {item['position']}", base))
            for text in (item["stem"], item["lead_in"]):
                if text:
                    story.append(p(text, small))
            for unit in item["units"]:
                if unit["question"]:
                    story.append(p(unit["question"], small))
                story.append(p(f"{labels.key}: {'; '.join(unit['key'])}", small))
                story.append(p(f"{labels.your_answer}: {'; '.join(unit['your_answer']) or labels.no_answer}", small))
            if item["explanation"]:
                story.append(p(f"{labels.explanation}: {item['explanation']}", small))
            story.append(Spacer(1, 3 * mm))

    def footer(canvas, doc) -> None:
        canvas.saveState()
        canvas.setFont(font, 8)
        canvas.setFillColor(INK)
        canvas.drawString(20 * mm, 10 * mm, f"{labels.footer} · {doc.page}")
        canvas.restoreState()

    buffer = io.BytesIO()
    doc = SimpleDocTemplate(
        buffer,
        pagesize=A4,
        leftMargin=20 * mm,
        rightMargin=20 * mm,
        topMargin=18 * mm,
        bottomMargin=18 * mm,
        title=labels.title,
        author=data.candidate_name,
    )
    doc.build(story, onFirstPage=footer, onLaterPages=footer)
    return buffer.getvalue(), embedded
