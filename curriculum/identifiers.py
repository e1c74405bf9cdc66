"""Screening free text for patient identifiers (pure; no Django).

Logbook entries must not identify patients. ``find_identifiers(text)`` looks for:

* ``resident_id``: an 18-digit resident identity card number (居民身份证号) whose last character is
  the ISO 7064 MOD 11-2 check digit (0-9 or X) and whose digits 7-14 are a real date of birth, or a
  15-digit legacy number (digits 7-12 a YYMMDD date);
* ``mobile``: a mainland mobile number ``1[3-9]`` + 9 digits, with spaces or hyphens between the
  digits and an optional ``+86`` / ``0086`` / ``86`` prefix;
* ``landline``: an area code ``0`` + 2-3 digits (optionally in brackets) followed by a 7-8 digit number;
* ``record_number``: a hospital record number, i.e. a keyword (住院号, 病案号, 门诊号, 病历号, 登记号,
  影像号, 检查号, MRN, ID, ...) followed by at least 3 digits, or any run of 6 or more digits.

Each finding gives its kind and where it is (character offsets), never the number itself, so callers
can explain the refusal without echoing the identifier. Full-width digits and punctuation are read
like their ASCII forms.
"""

from __future__ import annotations

import datetime
import re
from dataclasses import dataclass
from typing import Final, Literal

Kind = Literal["resident_id", "mobile", "landline", "record_number"]

KINDS: Final[tuple[Kind, ...]] = ("resident_id", "mobile", "landline", "record_number")

_WEIGHTS: Final = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_CHECK_CHARS: Final = "10X98765432"

# Full-width digits, letters used in IDs and separators → ASCII, one character for one (offsets stay valid).
_FULL_WIDTH: Final = str.maketrans(
    {
        **{chr(0xFF10 + i): str(i) for i in range(10)},
        "Ｘ": "X",
        "ｘ": "x",
        "＋": "+",
        "－": "-",
        "（": "(",
        "）": ")",
        "　": " ",
    }
)

_RESIDENT_18: Final = re.compile(r"(?<![0-9A-Za-z])(\d{17}[0-9Xx])(?![0-9A-Za-z])")
_RESIDENT_15: Final = re.compile(r"(?<!\d)(\d{15})(?!\d)")
_MOBILE: Final = re.compile(r"(?<![\d+])(?:(?:\+|00)?86[ \-]?)?1[3-9]\d(?:[ \-]?\d){8}(?!\d)")
_LANDLINE: Final = re.compile(r"(?<![\d+])(?:\(0\d{2,3}\)|0\d{2,3}[ \-])[ \-]?\d{3,4}[ \-]?\d{4}(?!\d)")
_RECORD_KEYWORD: Final = re.compile(
    r"(?:住院号|病案号|门诊号|病历号|登记号|影像号|检查号|床号|ID号|"
    r"(?<![A-Za-z])(?:MRN|PID|ID|No\.?)(?![A-Za-z]))"
    r"\s*(?:[:：#=]|号码|号)?\s*[A-Za-z]?\d{3,}",
    re.IGNORECASE,
)
_DIGIT_RUN: Final = re.compile(r"\d{6,}")


@dataclass(frozen=True)
class IdentifierFinding:
    """Something in the text that looks like a patient identifier: its kind and character span."""

    kind: Kind
    start: int
    end: int

    @property
    def position(self) -> int:
        """1-based position of the first character, for messages such as "at character 12"."""
        return self.start + 1


def resident_id_check_digit(first17: str) -> str:
    """The ISO 7064 MOD 11-2 check character for the first 17 digits of a resident ID number."""
    if len(first17) != 17 or not first17.isdigit():
        raise ValueError("A resident ID check digit needs exactly 17 digits.")
    total = sum(int(digit) * weight for digit, weight in zip(first17, _WEIGHTS, strict=True))
    return _CHECK_CHARS[total % 11]


def is_resident_id(number: str) -> bool:
    """True for a well-formed 18-digit (valid check digit and birth date) or 15-digit legacy ID number."""
    number = number.translate(_FULL_WIDTH).upper()
    if len(number) == 18 and number[:17].isdigit():
        return number[17] == resident_id_check_digit(number[:17]) and _is_date(number[6:14])
    if len(number) == 15 and number.isdigit():
        return _is_date("19" + number[6:12])
    return False


def find_identifiers(text: str) -> list[IdentifierFinding]:
    """Every identifier-like span in ``text``, in order; overlapping matches are reported once."""
    if not text:
        return []
    normal = text.translate(_FULL_WIDTH)
    findings: list[IdentifierFinding] = []

    def add(kind: Kind, start: int, end: int) -> None:
        if any(start < other.end and other.start < end for other in findings):
            return
        findings.append(IdentifierFinding(kind, start, end))

    for pattern in (_RESIDENT_18, _RESIDENT_15):
        for match in pattern.finditer(normal):
            if is_resident_id(match.group(1)):
                add("resident_id", match.start(1), match.end(1))
    for match in _MOBILE.finditer(normal):
        add("mobile", match.start(), match.end())
    for match in _LANDLINE.finditer(normal):
        add("landline", match.start(), match.end())
    for match in _RECORD_KEYWORD.finditer(normal):
        add("record_number", match.start(), match.end())
    for match in _DIGIT_RUN.finditer(normal):
        add("record_number", match.start(), match.end())
    return sorted(findings, key=lambda finding: finding.start)


def _is_date(yyyymmdd: str) -> bool:
    try:
        datetime.date(int(yyyymmdd[:4]), int(yyyymmdd[4:6]), int(yyyymmdd[6:8]))
    except ValueError:
        return False
    return True
