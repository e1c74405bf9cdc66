"""Import and export of questions in exchange formats (pure Python, no Django).

::

    report = parse(data, "moodle", filename="bank.xml", default_area="TACE")
    report.questions   # ParsedQuestion values with validated content
    report.problems    # Problem(item, location, message) for every item not imported
    report.warnings    # what was converted with a loss (per item)

    check_export(questions, "gift")  # -> ExportCheck(problems, warnings), per item
    data = export(questions, "qti3")  # raises ExportError if any item cannot be written

Formats: ``qti21``, ``qti3`` (single item XML or content package; export writes packages),
``moodle`` (Moodle XML), ``gift``, ``aiken`` (import only), ``csv``, ``xlsx``, ``json`` (our own,
lossless). See docs/import-formats.md for the mapping of each format.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from question_bank.formats import aiken, gift, moodle, native, qti, qti3, qti21, tabular
from question_bank.formats.base import (
    ExportError,
    FormatError,
    ImportReport,
    MediaFile,
    ParsedQuestion,
    Problem,
)
from question_bank.formats.safety import DEFAULT_LIMITS, Limits

__all__ = [
    "FORMATS",
    "ExportCheck",
    "ExportError",
    "Format",
    "FormatError",
    "ImportReport",
    "Limits",
    "MediaFile",
    "ParsedQuestion",
    "Problem",
    "check_export",
    "export",
    "parse",
]

Parser = Callable[..., ImportReport]


def _no_loss(q: ParsedQuestion) -> list[str]:
    return []


@dataclass(frozen=True)
class Format:
    code: str
    label: str
    extensions: tuple[str, ...]
    mime: str
    parse: Parser
    write: Callable[[list[ParsedQuestion]], bytes] | None = None
    #: Why an item cannot be written (None when it can).
    unsupported: Callable[[ParsedQuestion], str | None] = field(default=lambda q: None)
    #: What changes when an item is written (and read back).
    lossy: Callable[[ParsedQuestion], list[str]] = _no_loss

    @property
    def can_export(self) -> bool:
        return self.write is not None


FORMATS: dict[str, Format] = {
    f.code: f
    for f in (
        Format(
            "qti21",
            "IMS QTI 2.1",
            (".zip", ".xml"),
            "application/zip",
            qti21.parse_qti21,
            qti21.write_qti21,
            qti.unsupported_qti,
            qti.lossy_qti,
        ),
        Format(
            "qti3",
            "1EdTech QTI 3.0",
            (".zip", ".xml"),
            "application/zip",
            qti3.parse_qti3,
            qti3.write_qti3,
            qti.unsupported_qti,
            qti.lossy_qti,
        ),
        Format(
            "moodle",
            "Moodle XML",
            (".xml",),
            "application/xml",
            moodle.parse_moodle,
            moodle.write_moodle,
            moodle.unsupported_moodle,
            moodle.lossy_moodle,
        ),
        Format(
            "gift",
            "GIFT",
            (".gift", ".txt"),
            "text/plain; charset=utf-8",
            gift.parse_gift,
            gift.write_gift,
            gift.unsupported_gift,
            gift.lossy_gift,
        ),
        Format("aiken", "Aiken", (".txt",), "text/plain; charset=utf-8", aiken.parse_aiken),
        Format(
            "csv",
            "CSV (template)",
            (".csv",),
            "text/csv; charset=utf-8",
            tabular.parse_csv,
            tabular.write_csv,
            tabular.unsupported_tabular,
        ),
        Format(
            "xlsx",
            "Excel (template)",
            (".xlsx",),
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            tabular.parse_xlsx,
            tabular.write_xlsx,
            tabular.unsupported_tabular,
        ),
        Format(
            "json",
            "Platform JSON (lossless)",
            (".json",),
            "application/json",
            native.parse_json,
            native.write_json,
            native.unsupported_json,
        ),
    )
}


def _format(fmt: str) -> Format:
    try:
        return FORMATS[fmt]
    except KeyError:
        raise ValueError(f"Unknown format {fmt!r}; expected one of {', '.join(FORMATS)}.") from None


def parse(
    data: bytes,
    fmt: str,
    *,
    filename: str,
    encoding: str | None = None,
    default_area: str | None = None,
    limits: Limits = DEFAULT_LIMITS,
) -> ImportReport:
    """Read ``data`` in format ``fmt``.

    Never raises for bad files: a file that cannot be read at all (unsafe XML, zip bomb, wrong
    encoding…) gives a report with one problem naming the file; bad items give one problem each.
    """
    f = _format(fmt)
    if not isinstance(data, bytes | bytearray):
        raise TypeError("parse() needs the file's bytes.")
    try:
        return f.parse(bytes(data), filename=filename, encoding=encoding, default_area=default_area, limits=limits)
    except FormatError as exc:
        report = ImportReport()
        report.problem(filename or "(file)", exc.location or filename or "(file)", exc.message)
        return report


@dataclass
class ExportCheck:
    problems: list[Problem] = field(default_factory=list)
    warnings: list[Problem] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems


def check_export(questions: list[ParsedQuestion], fmt: str) -> ExportCheck:
    """Per item: what cannot be written (problems) and what would change (warnings)."""
    f = _format(fmt)
    result = ExportCheck()
    if not f.can_export:
        result.problems.append(Problem("(all)", fmt, f"{f.label} is an import-only format."))
        return result
    for index, q in enumerate(questions, 1):
        location = f"question {index}"
        reason = f.unsupported(q)
        if reason:
            result.problems.append(Problem(q.label, location, reason))
        for note in f.lossy(q):
            result.warnings.append(Problem(q.label, location, note))
    return result


def export(questions: list[ParsedQuestion], fmt: str) -> bytes:
    """Write ``questions`` in ``fmt``. Raises ExportError listing every item that cannot be written.

    Call :func:`check_export` first to show the problems and warnings, then export the items
    that can be written.
    """
    f = _format(fmt)
    check = check_export(questions, fmt)
    if check.problems:
        raise ExportError(check.problems)
    assert f.write is not None  # noqa: S101 - check_export refuses import-only formats
    return f.write(questions)
