"""Standard setting: modified Angoff, Hofstee compromise and a fixed percentage (no Django).

All cut scores are reported both as a percentage of the maximum score and as raw points.
A candidate passes when their score is at or above the cut; :func:`pass_mark` turns a raw
cut into the lowest whole-point score that passes.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass
from typing import Any

import numpy as np
from numpy.typing import ArrayLike

__all__ = [
    "AngoffResult",
    "FixedResult",
    "HofsteeResult",
    "StandardSettingError",
    "angoff",
    "fixed_percentage",
    "hofstee",
    "pass_mark",
]


class StandardSettingError(ValueError):
    """Inputs that give no defensible cut score; the message says what to do."""


def pass_mark(cut_raw: float) -> int:
    """Lowest whole-point score at or above ``cut_raw`` (tolerating float noise)."""
    return math.ceil(round(cut_raw, 9))


@dataclass(frozen=True)
class AngoffResult:
    method: str
    n_judges: int
    n_items: int
    cut_raw: float
    cut_percent: float
    pass_mark: int
    judge_cuts_raw: list[float]
    judge_cuts_percent: list[float]
    sd_judges_raw: float | None
    """Sample SD (n - 1) of the judges' raw cuts; ``None`` with a single judge."""
    se_cut_raw: float | None
    """Standard error of the cut: SD / sqrt(number of judges)."""
    sd_judges_percent: float | None
    se_cut_percent: float | None

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def angoff(ratings: ArrayLike) -> AngoffResult:
    """Modified Angoff cut from a judges x items table of ratings.

    Each rating is the judge's estimate (0-100) of the percentage of borderline candidates
    who would answer the item correctly. A judge's cut is the sum of their ratings / 100
    (raw points) or their mean rating (percent); the panel's cut is the mean of the judges'
    cuts; its standard error is the judges' SD / sqrt(number of judges).
    """
    table = np.asarray(ratings, dtype=np.float64)
    if table.ndim != 2 or table.shape[0] < 1 or table.shape[1] < 1:
        raise StandardSettingError("Angoff ratings must be a non-empty judges x items table.")
    if not np.all(np.isfinite(table)):
        raise StandardSettingError("Every judge must rate every item (no missing ratings).")
    if np.any((table < 0) | (table > 100)):
        raise StandardSettingError("Angoff ratings are percentages and must lie in 0-100.")
    n_judges, n_items = table.shape
    judge_raw = table.sum(axis=1) / 100.0
    judge_percent = table.mean(axis=1)
    cut_raw = float(judge_raw.mean())
    sd_raw = float(judge_raw.std(ddof=1)) if n_judges > 1 else None
    sd_percent = float(judge_percent.std(ddof=1)) if n_judges > 1 else None
    root = math.sqrt(n_judges)
    return AngoffResult(
        method="modified_angoff",
        n_judges=n_judges,
        n_items=n_items,
        cut_raw=cut_raw,
        cut_percent=float(judge_percent.mean()),
        pass_mark=pass_mark(cut_raw),
        judge_cuts_raw=judge_raw.tolist(),
        judge_cuts_percent=judge_percent.tolist(),
        sd_judges_raw=sd_raw,
        se_cut_raw=None if sd_raw is None else sd_raw / root,
        sd_judges_percent=sd_percent,
        se_cut_percent=None if sd_percent is None else sd_percent / root,
    )


@dataclass(frozen=True)
class HofsteeResult:
    method: str
    min_cut_percent: float
    max_cut_percent: float
    min_fail_percent: float
    max_fail_percent: float
    cut_percent: float
    fail_percent_at_cut: float
    """Share of candidates scoring below the cut (they fail)."""
    cut_raw: float | None
    pass_mark: int | None
    n_candidates: int

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def hofstee(
    scores_percent: ArrayLike,
    *,
    min_cut_percent: float,
    max_cut_percent: float,
    min_fail_percent: float,
    max_fail_percent: float,
    max_score: float | None = None,
) -> HofsteeResult:
    """Hofstee compromise cut.

    The panel's line runs from (min cut, max fail rate) to (max cut, min fail rate). The
    observed fail-rate curve F(c) = % of candidates scoring below c rises with c. The cut
    is where the curve meets the line: the lowest c in [min cut, max cut] with
    F(c) >= line(c). Where the line passes through a vertical step of the curve, the cut
    is the score at that step (candidates with exactly that score pass).

    Raises :class:`StandardSettingError` when the curve does not meet the line inside the
    panel's box, saying which judgement to revisit.
    """
    scores = np.asarray(scores_percent, dtype=np.float64).ravel()
    if scores.size == 0:
        raise StandardSettingError("Hofstee needs the candidates' scores; none were given.")
    if not np.all(np.isfinite(scores)) or np.any((scores < 0) | (scores > 100)):
        raise StandardSettingError("Scores must be percentages in 0-100.")
    values = (min_cut_percent, max_cut_percent, min_fail_percent, max_fail_percent)
    if not all(math.isfinite(v) and 0 <= v <= 100 for v in values):
        raise StandardSettingError("The four Hofstee judgements are percentages in 0-100.")
    if not min_cut_percent < max_cut_percent:
        raise StandardSettingError("The minimum acceptable cut must be below the maximum.")
    if not min_fail_percent < max_fail_percent:
        raise StandardSettingError("The minimum acceptable fail rate must be below the maximum.")
    if max_score is not None and not max_score > 0:
        raise StandardSettingError("max_score must be positive.")

    ordered = np.sort(scores)
    n = ordered.size

    def fail_rate(cut: float) -> float:
        return float(100.0 * np.searchsorted(ordered, cut, side="left") / n)

    def line(cut: float) -> float:
        share = (cut - min_cut_percent) / (max_cut_percent - min_cut_percent)
        return max_fail_percent - share * (max_fail_percent - min_fail_percent)

    def line_inverse(fail: float) -> float:
        share = (max_fail_percent - fail) / (max_fail_percent - min_fail_percent)
        return min_cut_percent + share * (max_cut_percent - min_cut_percent)

    low_fail = fail_rate(min_cut_percent)
    if low_fail > max_fail_percent:
        raise StandardSettingError(
            f"No Hofstee intersection: even at the lowest acceptable cut ({min_cut_percent:g}%) "
            f"{low_fail:.1f}% of candidates would fail, more than the highest acceptable fail "
            f"rate ({max_fail_percent:g}%). Ask the panel to revisit its judgements (a lower "
            "minimum cut or a higher maximum fail rate), or use another method such as Angoff."
        )
    cut: float | None = min_cut_percent if low_fail == max_fail_percent else None
    if cut is None:
        # F is constant on each interval (a, b] between consecutive distinct scores, where it
        # equals the share of scores <= a. Walk those intervals across the panel's box.
        inside = ordered[(ordered >= min_cut_percent) & (ordered < max_cut_percent)]
        starts = np.unique(np.concatenate(([min_cut_percent], inside))).tolist()
        ends = [*starts[1:], max_cut_percent]
        for start, end in zip(starts, ends, strict=True):
            fail = float(100.0 * np.searchsorted(ordered, start, side="right") / n)
            if fail >= line(start):
                cut = start  # the line passes through the curve's vertical step at ``start``
                break
            crossing = line_inverse(fail)
            if crossing <= end:
                cut = crossing
                break
    if cut is None:
        high_fail = fail_rate(max_cut_percent)
        raise StandardSettingError(
            f"No Hofstee intersection: even at the highest acceptable cut ({max_cut_percent:g}%) "
            f"only {high_fail:.1f}% of candidates would fail, fewer than the lowest acceptable "
            f"fail rate ({min_fail_percent:g}%). Ask the panel to revisit its judgements (a "
            "higher maximum cut or a lower minimum fail rate), or use another method such as Angoff."
        )
    cut_raw = None if max_score is None else cut / 100.0 * max_score
    return HofsteeResult(
        method="hofstee",
        min_cut_percent=float(min_cut_percent),
        max_cut_percent=float(max_cut_percent),
        min_fail_percent=float(min_fail_percent),
        max_fail_percent=float(max_fail_percent),
        cut_percent=float(cut),
        fail_percent_at_cut=fail_rate(cut),
        cut_raw=cut_raw,
        pass_mark=None if cut_raw is None else pass_mark(cut_raw),
        n_candidates=n,
    )


@dataclass(frozen=True)
class FixedResult:
    method: str
    cut_percent: float
    cut_raw: float
    pass_mark: int

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def fixed_percentage(cut_percent: float, max_score: float) -> FixedResult:
    """A fixed cut at ``cut_percent`` of the maximum score (e.g. 60%)."""
    if not (math.isfinite(cut_percent) and 0 <= cut_percent <= 100):
        raise StandardSettingError("A fixed cut is a percentage in 0-100.")
    if not (math.isfinite(max_score) and max_score > 0):
        raise StandardSettingError("max_score must be a positive number.")
    cut_raw = cut_percent / 100.0 * max_score
    return FixedResult("fixed_percentage", float(cut_percent), float(cut_raw), pass_mark(cut_raw))
