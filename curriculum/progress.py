"""Pure progress arithmetic (no Django): months of training and case counts against a rule.

``months_of_training`` merges overlapping or adjacent periods, clips them at ``as_of`` and counts the
whole calendar months of each merged span (1 March to 31 August is 6 months; 15 January to 14 April
is 3), so overlapping periods at two centres are not counted twice. Leftover days of separate spans
are not added up (the count is conservative).

``count_matching`` counts aggregated logbook rows ``(area_code, role, grade, n)`` that satisfy a
requirement's filters.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable
from typing import NamedTuple


class CountRow(NamedTuple):
    """Verified entries of one (area, role, grade) combination."""

    area: str
    role: str
    grade: int
    n: int


def months_of_training(periods: Iterable[tuple[datetime.date, datetime.date | None]], as_of: datetime.date) -> int:
    """Whole months covered by ``periods`` up to and including ``as_of`` (open periods run to ``as_of``)."""
    spans: list[tuple[datetime.date, datetime.date]] = []
    for start, end in periods:
        if end is not None and end < start:
            raise ValueError(f"A training period ends ({end}) before it starts ({start}).")
        stop = min(end or as_of, as_of)
        if start <= stop:
            spans.append((start, stop))
    spans.sort()
    merged: list[tuple[datetime.date, datetime.date]] = []
    for start, stop in spans:
        if merged and start <= merged[-1][1] + datetime.timedelta(days=1):
            merged[-1] = (merged[-1][0], max(merged[-1][1], stop))
        else:
            merged.append((start, stop))
    return sum(_whole_months(start, stop + datetime.timedelta(days=1)) for start, stop in merged)


def _whole_months(start: datetime.date, end_exclusive: datetime.date) -> int:
    """Whole calendar months from ``start`` up to (not including) ``end_exclusive``."""
    months = (end_exclusive.year - start.year) * 12 + end_exclusive.month - start.month
    if end_exclusive.day < start.day:
        months -= 1
    return max(months, 0)


def count_matching(rows: Iterable[CountRow], *, areas: Iterable[str], role: str, min_grade: int | None) -> int:
    """Entries of ``rows`` in ``areas`` (empty = any), of ``role`` (``any`` = both) and grade ≥ ``min_grade``."""
    wanted = set(areas)
    return sum(
        row.n
        for row in rows
        if (not wanted or row.area in wanted)
        and (role == "any" or row.role == role)
        and (min_grade is None or row.grade >= min_grade)
    )
