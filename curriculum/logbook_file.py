"""Reading a logbook import file (CSV or XLSX) into rows of raw cells (pure; no Django).

The template has one header row with these columns (English keys or the Chinese headings):

============  =============  ===============================================================
key           中文表头        value
============  =============  ===============================================================
performed_on  日期            date of the procedure, ``YYYY-MM-DD`` (or a spreadsheet date)
area          技术领域        area code, e.g. ``TACE``
grade         手术分级        procedure level 1-4
role          角色            ``first_operator`` / ``assistant`` (or 术者 / 主刀 / 助手)
supervisor    带教老师        the supervising instructor's username
complication  并发症分级      ``none`` (or empty), ``sir_mild`` … ``sir_death``, ``cirse_1`` … ``cirse_6``
note          备注            free text without patient identifiers (optional)
============  =============  ===============================================================

``read_logbook_file(filename, data)`` returns ``[(row_number, {key: value})]`` where row numbers
are the spreadsheet's (the header is row 1) and fully empty rows are skipped. Structural problems
(unknown format, missing columns, too many rows) raise ``LogbookFileError``; checking the values is
the caller's job, so that single entries and imports share one validation.
"""

from __future__ import annotations

import csv
import datetime
import io
from typing import Final

COLUMNS: Final[tuple[str, ...]] = ("performed_on", "area", "grade", "role", "supervisor", "complication", "note")
REQUIRED_COLUMNS: Final[tuple[str, ...]] = ("performed_on", "area", "grade", "role", "supervisor")
HEADINGS_ZH: Final[dict[str, str]] = {
    "performed_on": "日期",
    "area": "技术领域",
    "grade": "手术分级",
    "role": "角色",
    "supervisor": "带教老师",
    "complication": "并发症分级",
    "note": "备注",
}
MAX_ROWS: Final = 2000
MAX_BYTES: Final = 5 * 1024 * 1024

_ALIASES: Final[dict[str, str]] = {
    **{key: key for key in COLUMNS},
    **{heading: key for key, heading in HEADINGS_ZH.items()},
    "date": "performed_on",
    "level": "grade",
    "procedure_level": "grade",
}

Cell = str | datetime.date
Row = tuple[int, dict[str, Cell]]


class LogbookFileError(ValueError):
    """The file cannot be read as a logbook import (wrong format, missing columns, too big).

    ``code`` names the problem (``too_large``, ``unknown_format``, ``empty``, ``missing_columns``,
    ``too_many_rows``, ``no_entries``, ``malformed``) and ``params`` its details, so callers can
    show a translated message; ``str()`` is an English message.
    """

    def __init__(self, code: str, message: str, **params: object) -> None:
        super().__init__(message)
        self.code = code
        self.params = params


def template_csv() -> bytes:
    """The import template: a UTF-8 (with BOM, so Excel opens it correctly) CSV with the header row."""
    return ("\ufeff" + ",".join(COLUMNS) + "\r\n").encode("utf-8")


def read_logbook_file(filename: str, data: bytes) -> list[Row]:
    """Rows of a CSV or XLSX logbook file; see the module docstring."""
    if len(data) > MAX_BYTES:
        raise LogbookFileError(
            "too_large",
            f"The file is larger than {MAX_BYTES // (1024 * 1024)} MB.",
            megabytes=MAX_BYTES // (1024 * 1024),
        )
    name = filename.lower()
    if name.endswith(".csv"):
        table = _read_csv(data)
    elif name.endswith(".xlsx"):
        table = _read_xlsx(data)
    else:
        raise LogbookFileError("unknown_format", "Upload a .csv or .xlsx file made from the template.")
    if not table:
        raise LogbookFileError("empty", "The file is empty.")
    header = [_column_key(cell) for cell in table[0]]
    missing = [column for column in REQUIRED_COLUMNS if column not in header]
    if missing:
        raise LogbookFileError("missing_columns", f"Missing columns: {', '.join(missing)}.", columns=", ".join(missing))
    rows: list[Row] = []
    for index, cells in enumerate(table[1:], start=2):
        values: dict[str, Cell] = {}
        for key, cell in zip(header, cells, strict=False):
            if key is None:
                continue
            values[key] = cell.strip() if isinstance(cell, str) else cell
        if not any(values.get(key) not in (None, "") for key in COLUMNS):
            continue
        rows.append((index, {key: values.get(key, "") for key in COLUMNS}))
        if len(rows) > MAX_ROWS:
            raise LogbookFileError(
                "too_many_rows",
                f"The file has more than {MAX_ROWS} entries; split it into smaller files.",
                limit=MAX_ROWS,
            )
    if not rows:
        raise LogbookFileError("no_entries", "The file has a header row but no entries.")
    return rows


def _column_key(cell: Cell) -> str | None:
    text = str(cell or "").strip().lstrip("\ufeff").lower().replace(" ", "_")
    return _ALIASES.get(text) or _ALIASES.get(str(cell or "").strip())


def _read_csv(data: bytes) -> list[list[Cell]]:
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            text = data.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    else:  # pragma: no cover - gb18030 decodes any byte string
        raise LogbookFileError("malformed", "The CSV file is neither UTF-8 nor GB18030 text.")
    try:
        return [list(row) for row in csv.reader(io.StringIO(text, newline=""))]
    except csv.Error as error:
        raise LogbookFileError("malformed", f"The CSV file is malformed: {error}.") from error


def _read_xlsx(data: bytes) -> list[list[Cell]]:
    from openpyxl import load_workbook
    from openpyxl.utils.exceptions import InvalidFileException

    try:
        workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except (InvalidFileException, KeyError, OSError, ValueError) as error:
        raise LogbookFileError("malformed", "The file is not a readable .xlsx workbook.") from error
    try:
        sheet = workbook.worksheets[0]
        table: list[list[Cell]] = []
        for row in sheet.iter_rows(values_only=True):
            table.append([_xlsx_cell(value) for value in row])
            if len(table) > MAX_ROWS + 1000:
                break
        return table
    finally:
        workbook.close()


def _xlsx_cell(value: object) -> Cell:
    if value is None:
        return ""
    if isinstance(value, datetime.datetime):
        return value.date()
    if isinstance(value, datetime.date):
        return value
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)
