"""CSV and XLSX import/export with one documented column template (docs/import-formats.md).

One row per question; types sba, mrq, tf and order (emq and case sets need more structure than a
row and are reported as not supported). Cells:

* ``objectives`` and ``tags``: separated by ``;`` or ``,`` (also the full-width ``；``/``，``).
* ``references``: one per line inside the cell.
* ``key``: option letters, e.g. ``B``, ``A,C`` or ``CABD`` (order: the correct sequence);
  true/false: ``T`` or ``F`` (``TRUE``/``FALSE`` accepted), with ``option_A``/``option_B`` as the
  wording of true/false (default "True"/"False").
* Text cells are Markdown.

Export guards against spreadsheet formula injection: XLSX cells are always written as text; in
CSV a cell starting with ``= + - @`` gets a leading ``'``, which import removes again.
"""

from __future__ import annotations

import csv
import io
import re
from typing import Any

from question_bank.formats.base import FormatError, ImportReport, ParsedQuestion
from question_bank.formats.safety import DEFAULT_LIMITS, Limits, check_size, decode_text, read_zip

__all__ = [
    "COLUMNS",
    "parse_csv",
    "parse_xlsx",
    "template_csv",
    "template_xlsx",
    "unsupported_tabular",
    "write_csv",
    "write_xlsx",
]

OPTION_COLUMNS = [f"option_{chr(ord('A') + i)}" for i in range(10)]
COLUMNS: list[str] = [
    "source_id", "type", "area", "objectives", "level", "pool", "language", "stem", "lead_in",
    *OPTION_COLUMNS,
    "key", "scoring", "explanation", "references", "tags", "difficulty", "cognitive",
]  # fmt: skip
REQUIRED = {"type", "lead_in", "key"}
TYPES = {"sba", "mrq", "tf", "order"}
TF_DEFAULT = {"T": "True", "F": "False"}
COLUMN_HELP: dict[str, str] = {
    "source_id": "Your identifier for the question (unique in the file).",
    "type": "sba, mrq, tf or order.",
    "area": "Technique area code, e.g. TACE.",
    "objectives": "Learning objective codes separated by ';'.",
    "level": "qualifying or advanced.",
    "pool": "practice or secure.",
    "language": "Language tag, e.g. zh-Hans or en.",
    "stem": "Clinical vignette (Markdown); may be empty.",
    "lead_in": "The question asked (Markdown).",
    "option_A": "Option A (Markdown); fill option_A..option_J in order. tf: wording of 'true'.",
    "key": "Keyed letters: B; A,C; order: the correct sequence, e.g. C,A,B,D; tf: T or F.",
    "scoring": "mrq: all_or_nothing or partial; order: exact or adjacent. Empty = default.",
    "explanation": "Explanation shown after release (Markdown).",
    "references": "Citations, one per line.",
    "tags": "Free tags separated by ';'.",
    "difficulty": "Author's difficulty estimate.",
    "cognitive": "Cognitive level (e.g. recall, application).",
}

_LIST_SPLIT = re.compile(r"[;,；，]")
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def _split_list(value: str) -> list[str]:
    return [v.strip() for v in _LIST_SPLIT.split(value) if v.strip()]


def _parse_key(value: str) -> list[str]:
    value = value.strip().upper()
    if re.fullmatch(r"[A-Z]+", value):
        return list(value)
    return [v for v in re.split(r"[\s,;，；]+", value) if v]


def _row_to_question(
    row: dict[str, str], report: ImportReport, location: str, default_area: str | None, limits: Limits
) -> None:
    def cell(name: str) -> str:
        value = row.get(name) or ""
        if value.startswith("'") and value[1:2] in _FORMULA_START:
            value = value[1:]
        return value.strip()

    source_id = cell("source_id") or None
    label = source_id or location
    qtype = cell("type").lower()
    if qtype not in TYPES:
        if qtype in ("emq", "case"):
            report.problem(
                label,
                f"{location}, type",
                f"{qtype} items need more structure than one row; use JSON, QTI or Moodle XML.",
            )
        else:
            report.problem(label, f"{location}, type", f"Unknown type {qtype!r}; expected sba, mrq, tf or order.")
        return
    options: list[dict[str, str]] = []
    gap = False
    for column in OPTION_COLUMNS:
        text = cell(column)
        if not text:
            gap = True
            continue
        if gap:
            report.problem(label, f"{location}, {column}", "Options must fill option_A, option_B, … without gaps.")
            return
        options.append({"id": column[-1], "text": text})
    key = _parse_key(cell("key"))
    content: dict[str, Any] = {"type": qtype, "stem": cell("stem"), "lead_in": cell("lead_in")}
    if qtype == "tf":
        texts = [o["text"] for o in options]
        options = [
            {"id": "T", "text": texts[0] if texts else TF_DEFAULT["T"]},
            {"id": "F", "text": texts[1] if len(texts) > 1 else TF_DEFAULT["F"]},
        ]
        key = [{"TRUE": "T", "FALSE": "F"}.get(k, k) for k in re.split(r"[\s,;]+", cell("key").upper()) if k]
    content["options"] = options
    content["key"] = key
    if cell("scoring"):
        content["scoring"] = cell("scoring")
    content["explanation"] = cell("explanation")
    content["references"] = [r.strip() for r in cell("references").split("\n") if r.strip()]
    q = ParsedQuestion(
        content=content,
        title=source_id or "",
        area=cell("area") or default_area,
        objectives=_split_list(cell("objectives")),
        level=cell("level") or None,
        pool=cell("pool") or None,
        language=cell("language") or None,
        tags=_split_list(cell("tags")),
        difficulty=cell("difficulty") or None,
        cognitive=cell("cognitive") or None,
        source_id=source_id,
    )
    report.add(q, location, max_items=limits.max_items)


def _check_header(header: list[str], report: ImportReport, filename: str) -> list[str]:
    names = [h.strip().lstrip("\ufeff") for h in header]
    missing = sorted(REQUIRED - set(names))
    if missing:
        raise FormatError(
            f"Missing column(s): {', '.join(missing)}. Download the template to see the expected columns.", filename
        )
    for name in names:
        if name and name not in COLUMNS:
            report.warn(
                filename or "(file)", "header", f"The column {name!r} is not part of the template and was ignored."
            )
    return names


def parse_csv(
    data: bytes,
    *,
    filename: str = "",
    encoding: str | None = None,
    default_area: str | None = None,
    limits: Limits = DEFAULT_LIMITS,
) -> ImportReport:
    check_size(data, limits, filename)
    text, _ = decode_text(data, encoding, filename=filename)
    report = ImportReport()
    # The delimiter is whichever of , ; TAB the header row uses most (Excel in some locales uses ;).
    first_line = text.split("\n", 1)[0]
    delimiter = max(",;\t", key=first_line.count)
    reader = csv.reader(io.StringIO(text), delimiter=delimiter)
    try:
        header = next(reader)
    except StopIteration:
        raise FormatError("The file is empty.", filename) from None
    except csv.Error as exc:
        raise FormatError(f"The CSV cannot be read: {exc}.", filename) from exc
    names = _check_header(header, report, filename)
    try:
        for values in reader:
            if not any(v.strip() for v in values):
                continue
            row = dict(zip(names, values, strict=False))
            _row_to_question(row, report, f"row {reader.line_num}", default_area, limits)
    except csv.Error as exc:
        raise FormatError(f"The CSV cannot be read: {exc}.", f"{filename} line {reader.line_num}") from exc
    return report


def parse_xlsx(
    data: bytes,
    *,
    filename: str = "",
    encoding: str | None = None,
    default_area: str | None = None,
    limits: Limits = DEFAULT_LIMITS,
) -> ImportReport:
    import openpyxl

    read_zip(data, filename=filename, limits=limits)  # size, entry and zip-bomb checks first
    try:
        workbook = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
        sheet = workbook["questions"] if "questions" in workbook.sheetnames else workbook.worksheets[0]
        # Rows are read up front so that a damaged sheet fails here with a clear message.
        all_rows = list(sheet.iter_rows(values_only=True))
        workbook.close()
    except FormatError:
        raise
    except Exception as exc:  # noqa: BLE001 - openpyxl raises many types on damaged files
        raise FormatError(f"The file is not a readable XLSX workbook ({type(exc).__name__}: {exc}).", filename) from exc
    report = ImportReport()
    if not all_rows:
        raise FormatError("The first sheet is empty.", filename)
    header = [str(v or "") for v in all_rows[0]]
    names = _check_header(header, report, filename)
    for n, values in enumerate(all_rows[1:], 2):
        cells = [
            "" if v is None else (str(int(v)) if isinstance(v, float) and v.is_integer() else str(v)) for v in values
        ]
        if not any(c.strip() for c in cells):
            continue
        _row_to_question(dict(zip(names, cells, strict=False)), report, f"{sheet.title} row {n}", default_area, limits)
    return report


# --------------------------------------------------------------------------- export


def unsupported_tabular(q: ParsedQuestion) -> str | None:
    qtype = q.content.get("type")
    if qtype not in TYPES:
        return f"{qtype} items cannot be written as one spreadsheet row; use JSON, QTI or Moodle XML."
    if len(q.content.get("options", [])) > len(OPTION_COLUMNS):
        return f"The template has {len(OPTION_COLUMNS)} option columns; this item has more options."
    if q.content.get("media") or "](media:" in str(q.content):
        return "Spreadsheets cannot carry images; use a QTI package or Moodle XML."
    return None


def _row(q: ParsedQuestion) -> list[str]:
    c = q.content
    options = {f"option_{o['id']}": o["text"] for o in c.get("options", [])}
    if c["type"] == "tf":
        options = {"option_A": c["options"][0]["text"], "option_B": c["options"][1]["text"]}
    values = {
        "source_id": q.source_id or "",
        "type": c["type"],
        "area": q.area or "",
        "objectives": "; ".join(q.objectives),
        "level": q.level or "",
        "pool": q.pool or "",
        "language": q.language or "",
        "stem": c.get("stem", ""),
        "lead_in": c.get("lead_in", ""),
        **options,
        "key": ",".join(c.get("key", [])),
        "scoring": c.get("scoring", ""),
        "explanation": c.get("explanation", ""),
        "references": "\n".join(c.get("references", [])),
        "tags": "; ".join(q.tags),
        "difficulty": q.difficulty or "",
        "cognitive": q.cognitive or "",
    }
    return [values.get(name, "") for name in COLUMNS]


def write_csv(questions: list[ParsedQuestion]) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(COLUMNS)
    for q in questions:
        writer.writerow(["'" + v if v.startswith(_FORMULA_START) else v for v in _row(q)])
    # A BOM so that spreadsheet programs open the Chinese text as UTF-8.
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")


def _workbook(rows: list[list[str]]) -> bytes:
    import openpyxl
    from openpyxl.styles import Font
    from openpyxl.worksheet.datavalidation import DataValidation

    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.title = "questions"
    sheet.append(COLUMNS)
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    sheet.freeze_panes = "A2"
    for r, values in enumerate(rows, 2):
        for col, value in enumerate(values, 1):
            cell = sheet.cell(row=r, column=col)
            cell.value = value
            cell.data_type = "s"  # never a formula
    validation = DataValidation(type="list", formula1='"sba,mrq,tf,order"', allow_blank=True)
    sheet.add_data_validation(validation)
    validation.add("B2:B5000")
    help_sheet = workbook.create_sheet("instructions")
    help_sheet.append(["column", "meaning"])
    for name in COLUMNS:
        text = COLUMN_HELP.get(name) or (COLUMN_HELP["option_A"] if name.startswith("option_") else "")
        help_sheet.append([name, text])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def write_xlsx(questions: list[ParsedQuestion]) -> bytes:
    return _workbook([_row(q) for q in questions])


def template_csv() -> bytes:
    """The CSV template: the header row (UTF-8 with BOM)."""
    return write_csv([])


def template_xlsx() -> bytes:
    """The XLSX template: a ``questions`` sheet with the header row and an ``instructions`` sheet."""
    return _workbook([])
