"""Small display helpers for the question bank templates."""

from __future__ import annotations

from typing import Any

from django import template

from question_bank.models import VersionStatus

register = template.Library()

_BADGES = {
    VersionStatus.DRAFT: "badge",
    VersionStatus.SUBMITTED: "badge badge-warn",
    VersionStatus.APPROVED: "badge badge-ok",
    VersionStatus.CHANGES_REQUESTED: "badge badge-bad",
    VersionStatus.RETIRED: "badge",
}


@register.filter
def status_badge(status: str) -> str:
    """The badge classes for a version status."""
    return _BADGES.get(status, "badge")


@register.filter
def status_label(status: str) -> str:
    """The translated name of a version status."""
    try:
        return str(VersionStatus(status).label)
    except ValueError:
        return status


@register.filter
def number(value: Any, digits: int = 2) -> str:
    """A statistic with ``digits`` decimals, or an en dash when it is missing."""
    if value is None:
        return "–"
    try:
        return f"{float(value):.{int(digits)}f}"
    except (TypeError, ValueError):
        return "–"


@register.filter
def option_letter(option_id: str, qtype: str) -> str:
    """The label shown beside an option (a letter; True/False items show no letter)."""
    return "" if qtype == "tf" else option_id
