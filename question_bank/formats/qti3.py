"""1EdTech QTI 3.0 items and content packages (see :mod:`question_bank.formats.qti` for the mapping)."""

from __future__ import annotations

from question_bank.formats.base import ImportReport, ParsedQuestion
from question_bank.formats.qti import QTI3, lossy_qti, parse_qti, unsupported_qti, write_package
from question_bank.formats.safety import DEFAULT_LIMITS, Limits

__all__ = ["lossy_qti", "parse_qti3", "unsupported_qti", "write_qti3"]


def parse_qti3(
    data: bytes,
    *,
    filename: str = "",
    encoding: str | None = None,
    default_area: str | None = None,
    limits: Limits = DEFAULT_LIMITS,
) -> ImportReport:
    """Read a QTI 3.0 ``qti-assessment-item`` XML file or a content package (zip)."""
    return parse_qti(QTI3, data, filename=filename, encoding=encoding, default_area=default_area, limits=limits)


def write_qti3(questions: list[ParsedQuestion]) -> bytes:
    """A QTI 3.0 content package (zip with imsmanifest.xml, items/ and images/)."""
    return write_package(QTI3, questions)
