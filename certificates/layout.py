"""The layout options of a certificate type (``CertificateType.layout``): what the PDF honours.

Pure module: :func:`clean_layout` checks a stored or submitted layout and returns it normalised;
the form, the service that saves a type and the renderer all go through it. An empty layout is
the page as it has always been printed.

Options (all optional):

``show_scope`` (bool, default true)
    Print the scope (the type's technique areas) under the holder's name.
``signatories`` (list of up to three ``{name_zh, name_en, title_zh, title_en}``)
    Printed at the bottom instead of the issuer's signatories (without signature images).
``accent_color`` (``"#RRGGBB"``)
    Colour of the outer border, the corner ornaments, the issuer's Chinese name and the title.
``footer_note_zh`` / ``footer_note_en`` (at most :data:`FOOTER_NOTE_MAX` characters each)
    A short line printed at the foot of the page, e.g. the legal basis of the certificate.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from django.utils.translation import gettext as _

OPTIONS = ("show_scope", "signatories", "accent_color", "footer_note_zh", "footer_note_en")
SIGNATORY_KEYS = ("name_zh", "name_en", "title_zh", "title_en")
MAX_SIGNATORIES = 3
SIGNATORY_TEXT_MAX = 60
FOOTER_NOTE_MAX = 120
_COLOR = re.compile(r"#[0-9A-Fa-f]{6}")


class LayoutError(ValueError):
    """A refused layout: ``option`` names the option, ``message`` is translated for the officer."""

    def __init__(self, option: str, message: str) -> None:
        super().__init__(message)
        self.option, self.message = option, message


@dataclass(frozen=True)
class Layout:
    """A checked layout, as the renderer uses it."""

    show_scope: bool = True
    signatories: tuple[dict[str, str], ...] | None = None  # None: the issuer's signatories
    accent_color: str | None = None  # None: the page's red
    footer_note_zh: str = ""
    footer_note_en: str = ""


def _text(value: Any, option: str, limit: int) -> str:
    if not isinstance(value, str):
        raise LayoutError(option, _("The layout option %(option)s must be text.") % {"option": option})
    value = value.strip()
    if len(value) > limit:
        raise LayoutError(
            option,
            _("The layout option %(option)s is longer than %(limit)s characters.") % {"option": option, "limit": limit},
        )
    return value


def _signatories(value: Any) -> list[dict[str, str]]:
    option = "signatories"
    if not isinstance(value, list):
        raise LayoutError(option, _("The layout option signatories must be a list."))
    if len(value) > MAX_SIGNATORIES:
        raise LayoutError(
            option, _("The layout option signatories holds at most %(n)s people.") % {"n": MAX_SIGNATORIES}
        )
    rows = []
    for number, entry in enumerate(value, start=1):
        if not isinstance(entry, dict) or set(entry) != set(SIGNATORY_KEYS):
            raise LayoutError(
                option,
                _(
                    "In the layout option signatories, signatory %(n)s needs exactly "
                    "name_zh, name_en, title_zh and title_en."
                )
                % {"n": number},
            )
        row = {key: _text(entry[key], f"signatories[{number}].{key}", SIGNATORY_TEXT_MAX) for key in SIGNATORY_KEYS}
        if not all(row.values()):
            raise LayoutError(
                option,
                _("In the layout option signatories, signatory %(n)s has an empty name or title.") % {"n": number},
            )
        rows.append(row)
    return rows


def clean_layout(raw: Any) -> dict[str, Any]:
    """Check a layout and return it normalised (texts stripped, empty options and defaults left
    out, colours upper case); raises :class:`LayoutError` naming the first refused option."""
    if raw is None:
        return {}
    if not isinstance(raw, dict):
        raise LayoutError("layout", _("The layout options must be a JSON object."))
    unknown = sorted(set(raw) - set(OPTIONS))
    if unknown:
        raise LayoutError(
            unknown[0],
            _("Unknown layout option %(option)s (known: %(known)s).")
            % {"option": unknown[0], "known": ", ".join(OPTIONS)},
        )
    cleaned: dict[str, Any] = {}
    if "show_scope" in raw:
        if not isinstance(raw["show_scope"], bool):
            raise LayoutError("show_scope", _("The layout option show_scope must be true or false."))
        if not raw["show_scope"]:
            cleaned["show_scope"] = False
    if raw.get("signatories") is not None and raw["signatories"] != []:
        cleaned["signatories"] = _signatories(raw["signatories"])
    if raw.get("accent_color") not in (None, ""):
        color = raw["accent_color"]
        if not isinstance(color, str) or not _COLOR.fullmatch(color.strip()):
            raise LayoutError(
                "accent_color", _("The layout option accent_color must be a colour written #RRGGBB, e.g. #8E1B1B.")
            )
        cleaned["accent_color"] = color.strip().upper()
    for option in ("footer_note_zh", "footer_note_en"):
        if raw.get(option) is not None:
            note = _text(raw[option], option, FOOTER_NOTE_MAX)
            if note:
                cleaned[option] = note
    return cleaned


def parse_layout(raw: Any) -> Layout:
    """The :class:`Layout` of a stored layout (checked again: it may predate the checks)."""
    cleaned = clean_layout(raw)
    signatories = cleaned.get("signatories")
    return Layout(
        show_scope=cleaned.get("show_scope", True),
        signatories=tuple(signatories) if signatories else None,
        accent_color=cleaned.get("accent_color"),
        footer_note_zh=cleaned.get("footer_note_zh", ""),
        footer_note_en=cleaned.get("footer_note_en", ""),
    )
