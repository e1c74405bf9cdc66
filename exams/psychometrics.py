"""Item analysis, test statistics, Rasch calibration and equating on numpy arrays (no Django).

Data layout, used throughout:

- ``scores``: float array, candidates x units, each cell in ``[0, 1]``; ``NaN`` means the
  unit was not presented to that candidate (another form, or a dropped unit). An omitted
  answer scores 0 and is tracked separately through ``omitted`` or ``choices``.
- ``choices`` (optional): array of strings of the same shape; each cell is the
  concatenation of the option ids the candidate chose (option ids are single capital
  letters, see ``docs/question-content.md``), ``""`` for an omit. Build cells with
  ``"".join(chosen_options(...)[unit_id])``.
- ``keys`` (optional): per unit, the concatenated key option ids (``"B"``, ``"AC"``).

Conventions: variances are population variances (``ddof=0``) everywhere, so KR-20 and
Cronbach's alpha agree exactly on 0/1 data; point-biserials are Pearson correlations
with the *rest* score (total minus the unit), so a unit does not correlate with itself.

Every result is a dataclass; :func:`to_jsonable` turns any of them into plain JSON data.
"""

from __future__ import annotations

import csv
import dataclasses
import io
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

import numpy as np
from numpy.typing import ArrayLike, NDArray

__all__ = [
    "AbilityEstimates",
    "AnalysisReport",
    "Flag",
    "HistogramBin",
    "ItemStatistics",
    "Linking",
    "OptionStatistics",
    "RaschCalibration",
    "RaschItem",
    "ResponseTable",
    "TableError",
    "TestStatistics",
    "analyse",
    "analyse_items",
    "analyse_table",
    "corrected_point_biserials",
    "cronbach_alpha",
    "eap_abilities",
    "item_flags",
    "kr20",
    "link_rasch",
    "option_statistics",
    "p_values",
    "parse_key_row",
    "parse_response_table",
    "rasch_log_likelihood",
    "rasch_mml",
    "raw_to_theta",
    "scale_scores",
    "score_histogram",
    "standard_error_of_measurement",
    "test_characteristic_curve",
    "test_statistics",
    "to_jsonable",
    "total_scores",
    "upper_lower_discrimination",
]

FloatArray = NDArray[np.float64]

# Flag thresholds (classical item analysis).
TOO_HARD_P = 0.30
"""A unit with p below this is flagged ``too_hard``."""
TOO_EASY_P = 0.95
"""A unit with p above this is flagged ``too_easy``."""
LOW_DISCRIMINATION_RPB = 0.15
"""A corrected point-biserial below this (but not negative) is flagged ``low_discrimination``."""
NEGATIVE_DISCRIMINATION_RPB = 0.0
"""A corrected point-biserial below this is flagged ``negative_discrimination``."""
MANY_COMMENTS = 3
"""This many candidate comments (or more) on a unit flag it ``many_comments``."""
UPPER_LOWER_FRACTION = 0.27
"""Kelley's upper and lower group size, as a fraction of the candidates."""

# Rasch calibration defaults. Gauss-Hermite with 21 nodes reproduces R ltm exactly on short
# tests, but on a 150-unit test each candidate's likelihood is so narrow (SD ~0.2 logit) that
# 21-41 nodes miss it: simulated 10,000 x 150 data gave a log-likelihood off by 30-600 and
# difficulties shifted by ~0.02 logit (about one SE). An equally spaced grid of 61 nodes on
# [-6, 6] (mirt's default) agrees with 121 nodes to 1e-7, so it is the default.
DEFAULT_QUADRATURE: Literal["gauss-hermite", "rectangular"] = "rectangular"
DEFAULT_QUADRATURE_POINTS = 61
RECTANGULAR_LIMIT = 6.0
"""The rectangular grid spans ``[-RECTANGULAR_LIMIT, RECTANGULAR_LIMIT]`` logits."""
EAP_GRID_POINTS = 121
"""EAP abilities use an equally spaced grid on ``[-6, 6]`` (step 0.1) by default: a long test's
posterior (SD about 0.2 for 150 items) is too narrow for 21-41 Gauss-Hermite nodes."""


# =============================================================================== results


@dataclass(frozen=True)
class Flag:
    """Why a unit deserves a look during key validation.

    ``reason`` is English (logs, the command line); ``code`` and ``params`` (the numbers in the
    reason) let the application show it in the reader's language.
    """

    code: str
    reason: str
    params: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class OptionStatistics:
    """Distractor analysis for one option of one unit."""

    option: str
    is_key: bool
    proportion: float
    """Share of the unit's takers who chose the option (omits count in the denominator)."""
    rpb: float | None
    """Pearson correlation of "chose this option" with the rest score; ``None`` if undefined."""


@dataclass
class ItemStatistics:
    """Classical statistics of one scoring unit (plus Rasch difficulty once calibrated)."""

    id: str
    n_takers: int
    p: float | None
    rpb_corrected: float | None
    d_upper_lower: float | None
    omit_rate: float | None
    options: list[OptionStatistics] = field(default_factory=list)
    flags: list[Flag] = field(default_factory=list)
    b: float | None = None
    b_se: float | None = None
    rasch_note: str | None = None


@dataclass(frozen=True)
class HistogramBin:
    """Candidates with a total score in ``[lo, hi)``."""

    lo: float
    hi: float
    count: int


@dataclass
class TestStatistics:
    """Whole-test statistics on total scores.

    Reliability needs every unit presented, so ``kr20``/``alpha`` use the ``n_complete``
    candidates who were presented every unit that anybody was presented.
    """

    __test__ = False  # not a pytest test class, despite the name

    n_candidates: int
    n_items: int
    n_complete: int
    mean: float | None
    sd: float | None
    minimum: float | None
    maximum: float | None
    kr20: float | None
    alpha: float | None
    sem: float | None
    histogram: list[HistogramBin]


@dataclass(frozen=True)
class RaschItem:
    id: str
    b: float | None
    se: float | None
    excluded_reason: str | None = None


@dataclass
class RaschCalibration:
    """Rasch (1PL, slope 1, abilities N(0, 1)) difficulties by marginal maximum likelihood."""

    items: list[RaschItem]
    log_likelihood: float
    quadrature: str
    n_quadrature: int
    iterations: int
    converged: bool
    n_candidates: int

    def difficulties(self) -> dict[str, float]:
        """Calibrated difficulties by unit id (excluded units left out)."""
        return {item.id: item.b for item in self.items if item.b is not None}


@dataclass
class AbilityEstimates:
    """EAP ability per candidate (logits) and its posterior SD."""

    theta: FloatArray
    sd: FloatArray


@dataclass
class AnalysisReport:
    test: TestStatistics
    items: list[ItemStatistics]
    rasch: RaschCalibration | None = None
    abilities: AbilityEstimates | None = None

    def to_dict(self) -> dict[str, Any]:
        return to_jsonable(self)


def to_jsonable(value: Any) -> Any:
    """Turn results (dataclasses, numpy values, NaN) into plain JSON-serialisable data."""
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: to_jsonable(getattr(value, f.name)) for f in dataclasses.fields(value)}
    if isinstance(value, np.ndarray):
        return [to_jsonable(v) for v in value.tolist()]
    if isinstance(value, Mapping):
        return {str(k): to_jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [to_jsonable(v) for v in value]
    if isinstance(value, np.bool_ | bool):
        return bool(value)
    if isinstance(value, np.integer):
        return int(value)
    if isinstance(value, float | np.floating):
        number = float(value)
        return number if math.isfinite(number) else None
    return value


# ================================================================================ basics


def _score_matrix(scores: ArrayLike) -> FloatArray:
    """Validate a candidates x units score matrix (values in [0, 1] or NaN)."""
    array = np.asarray(scores, dtype=np.float64)
    if array.ndim != 2:
        raise ValueError(f"Scores must be a 2-D array (candidates x units), got {array.ndim}-D.")
    present = array[~np.isnan(array)]
    if np.any(np.isinf(present)) or np.any((present < 0) | (present > 1)):
        raise ValueError("Unit scores must lie in [0, 1] (NaN for not presented).")
    return array


def _opt(value: float) -> float | None:
    return float(value) if math.isfinite(value) else None


def total_scores(scores: ArrayLike) -> FloatArray:
    """Each candidate's total over the units presented to them."""
    return np.nansum(_score_matrix(scores), axis=1)


def p_values(scores: ArrayLike) -> FloatArray:
    """Mean unit score among the unit's takers (NaN for a unit nobody took)."""
    array = _score_matrix(scores)
    takers = (~np.isnan(array)).sum(axis=0)
    sums = np.nansum(array, axis=0)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(takers > 0, sums / np.maximum(takers, 1), np.nan)


def corrected_point_biserials(scores: ArrayLike) -> FloatArray:
    """Pearson correlation of each unit with the rest score (total minus the unit), among takers.

    NaN where undefined (fewer than two takers, or no variance in the unit or the rest).
    Vectorised: every sum needed is one matrix product over candidates.
    """
    array = _score_matrix(scores)
    present = (~np.isnan(array)).astype(np.float64)
    x = np.nan_to_num(array)
    total = x.sum(axis=1)
    n = present.sum(axis=0)
    sx = x.sum(axis=0)
    sxx = (x * x).sum(axis=0)
    sy = present.T @ total - sx  # rest = total - x, summed over takers
    sxy = x.T @ total - sxx
    syy = present.T @ (total * total) - 2.0 * (x.T @ total) + sxx
    with np.errstate(invalid="ignore", divide="ignore"):
        cov = sxy / n - (sx / n) * (sy / n)
        var_x = sxx / n - (sx / n) ** 2
        var_y = syy / n - (sy / n) ** 2
        r = cov / np.sqrt(var_x * var_y)
    tiny = 1e-12
    r[(n < 2) | (var_x <= tiny) | (var_y <= tiny)] = np.nan
    return np.clip(r, -1.0, 1.0)


def _group_weights(total: FloatArray, size: int, upper: bool) -> FloatArray:
    """Weights selecting exactly ``size`` candidates with the highest (lowest) totals.

    Candidates tied at the boundary share the remaining places fractionally, so the
    result does not depend on the order of the candidates.
    """
    ordered = np.sort(total)[::-1] if upper else np.sort(total)
    boundary = ordered[size - 1]
    beyond = total > boundary if upper else total < boundary
    tied = total == boundary
    weights = beyond.astype(np.float64)
    weights[tied] = (size - beyond.sum()) / tied.sum()
    return weights


def upper_lower_discrimination(scores: ArrayLike, fraction: float = UPPER_LOWER_FRACTION) -> FloatArray:
    """Kelley's discrimination index D = p(upper group) - p(lower group).

    Groups are the ``fraction`` of candidates (rounded, at least one) with the highest and
    the lowest total scores; ties at a group boundary are shared fractionally. Within a
    group a unit's p is over the group members who took it. NaN where undefined.
    """
    if not 0 < fraction <= 0.5:
        raise ValueError("The upper/lower group fraction must be in (0, 0.5].")
    array = _score_matrix(scores)
    n_candidates, n_units = array.shape
    if n_candidates < 2:
        return np.full(n_units, np.nan)
    size = max(1, round(fraction * n_candidates))
    present = (~np.isnan(array)).astype(np.float64)
    x = np.nan_to_num(array)
    total = x.sum(axis=1)
    result = np.zeros(n_units)
    for sign, upper in ((1.0, True), (-1.0, False)):
        w = _group_weights(total, size, upper)
        with np.errstate(invalid="ignore", divide="ignore"):
            result += sign * (w @ x) / (w @ present)
    return result


def kr20(scores: ArrayLike) -> float | None:
    """Kuder-Richardson 20 on 0/1 data: k/(k-1) * (1 - sum(p*q) / var(total)).

    Uses candidates presented every unit; ``None`` if fewer than two units or candidates,
    or no total-score variance. Raises ``ValueError`` for non-0/1 scores.
    """
    complete = _complete_rows(_score_matrix(scores))
    if not np.all((complete == 0) | (complete == 1)):
        raise ValueError("KR-20 needs 0/1 scores; use cronbach_alpha for partial credit.")
    n, k = complete.shape
    if n < 2 or k < 2:
        return None
    p = complete.mean(axis=0)
    var_total = complete.sum(axis=1).var()
    if var_total <= 0:
        return None
    return float(k / (k - 1) * (1 - np.sum(p * (1 - p)) / var_total))


def cronbach_alpha(scores: ArrayLike) -> float | None:
    """Cronbach's alpha: k/(k-1) * (1 - sum(unit variances) / var(total)); complete rows only."""
    complete = _complete_rows(_score_matrix(scores))
    n, k = complete.shape
    if n < 2 or k < 2:
        return None
    var_total = complete.sum(axis=1).var()
    if var_total <= 0:
        return None
    return float(k / (k - 1) * (1 - complete.var(axis=0).sum() / var_total))


def _complete_rows(array: FloatArray) -> FloatArray:
    """Drop units nobody took, then keep candidates presented every remaining unit."""
    taken = ~np.all(np.isnan(array), axis=0)
    array = array[:, taken]
    return array[~np.any(np.isnan(array), axis=1)]


def standard_error_of_measurement(sd: float | None, reliability: float | None) -> float | None:
    """SEM = SD * sqrt(1 - reliability), reliability clipped to [0, 1] (``None`` if unknown).

    A negative reliability (possible with KR-20/alpha on a poor test) counts as 0: SEM = SD.
    """
    if sd is None or reliability is None:
        return None
    return float(sd * math.sqrt(1.0 - min(1.0, max(0.0, reliability))))


def score_histogram(totals: ArrayLike, max_score: float) -> list[HistogramBin]:
    """Counts of total scores in unit-wide bins ``[s, s + 1)`` for s = 0 .. ceil(max_score)."""
    values = np.asarray(totals, dtype=np.float64)
    top = max(0, math.ceil(max_score))
    edges = np.arange(top + 2, dtype=np.float64)
    counts, _ = np.histogram(np.clip(values, 0, top), bins=edges)
    return [HistogramBin(float(lo), float(hi), int(c)) for lo, hi, c in zip(edges[:-1], edges[1:], counts, strict=True)]


def test_statistics(scores: ArrayLike) -> TestStatistics:
    """Mean, SD, KR-20 (0/1 data), alpha, SEM and a histogram of the total scores.

    SEM uses KR-20 when the data are 0/1, alpha otherwise. Units nobody took are ignored.
    """
    array = _score_matrix(scores)
    taken = ~np.all(np.isnan(array), axis=0)
    array = array[:, taken]
    n_candidates, n_items = array.shape
    totals = np.nansum(array, axis=1)
    complete = _complete_rows(array)
    dichotomous = bool(np.all((complete == 0) | (complete == 1)))
    reliability_kr20 = kr20(complete) if dichotomous else None
    alpha = cronbach_alpha(complete)
    sd = float(totals.std()) if n_candidates else None
    reliability = reliability_kr20 if dichotomous else alpha
    return TestStatistics(
        n_candidates=n_candidates,
        n_items=n_items,
        n_complete=int(complete.shape[0]),
        mean=float(totals.mean()) if n_candidates else None,
        sd=sd,
        minimum=float(totals.min()) if n_candidates else None,
        maximum=float(totals.max()) if n_candidates else None,
        kr20=reliability_kr20,
        alpha=alpha,
        sem=standard_error_of_measurement(sd, reliability),
        histogram=score_histogram(totals, n_items) if n_candidates else [],
    )


test_statistics.__test__ = False  # type: ignore[attr-defined]  # not a pytest test


# ===================================================================== item analysis


def _correlation(x: FloatArray, y: FloatArray) -> float | None:
    if x.size < 2:
        return None
    sx, sy = x.std(), y.std()
    if sx <= 1e-12 or sy <= 1e-12:
        return None
    r = float(np.mean((x - x.mean()) * (y - y.mean())) / (sx * sy))
    return max(-1.0, min(1.0, r))


def option_statistics(
    chosen: ArrayLike, rest: ArrayLike, key: str, options: Sequence[str] | None = None
) -> list[OptionStatistics]:
    """Distractor analysis of one unit over its takers.

    ``chosen``: per taker, the concatenated option ids chosen (``""`` for an omit);
    ``rest``: per taker, the rest score (total minus this unit); ``key``: the key ids.
    ``options`` defaults to every option id seen in ``chosen`` or ``key``, sorted.
    """
    cells = np.asarray(chosen, dtype=str)
    rest_scores = np.asarray(rest, dtype=np.float64)
    if cells.shape != rest_scores.shape or cells.ndim != 1:
        raise ValueError("chosen and rest must be 1-D and of the same length.")
    if options is None:
        seen = set("".join(cells.tolist())) | set(key)
        options = sorted(seen)
    n = cells.size
    result = []
    for option in options:
        picked = (np.char.find(cells, option) >= 0).astype(np.float64)
        result.append(
            OptionStatistics(
                option=option,
                is_key=option in key,
                proportion=float(picked.mean()) if n else 0.0,
                rpb=_correlation(picked, rest_scores),
            )
        )
    return result


def item_flags(
    p: float | None,
    rpb: float | None,
    options: Sequence[OptionStatistics] = (),
    n_comments: int = 0,
) -> list[Flag]:
    """Flags (with reasons) for one unit, using the module's named thresholds."""
    flags: list[Flag] = []
    if p is not None and p < TOO_HARD_P:
        flags.append(Flag("too_hard", f"p = {p:.2f} is below {TOO_HARD_P:.2f}", {"p": p, "threshold": TOO_HARD_P}))
    if p is not None and p > TOO_EASY_P:
        flags.append(Flag("too_easy", f"p = {p:.2f} is above {TOO_EASY_P:.2f}", {"p": p, "threshold": TOO_EASY_P}))
    if rpb is not None and rpb < NEGATIVE_DISCRIMINATION_RPB:
        flags.append(
            Flag(
                "negative_discrimination",
                f"corrected point-biserial {rpb:.2f} is negative: stronger candidates do worse on this unit",
                {"rpb": rpb},
            )
        )
    elif rpb is not None and rpb < LOW_DISCRIMINATION_RPB:
        flags.append(
            Flag(
                "low_discrimination",
                f"corrected point-biserial {rpb:.2f} is below {LOW_DISCRIMINATION_RPB:.2f}",
                {"rpb": rpb, "threshold": LOW_DISCRIMINATION_RPB},
            )
        )
    key_rpbs = [o.rpb for o in options if o.is_key and o.rpb is not None]
    if key_rpbs:
        weakest_key = min(key_rpbs)
        rivals = [o for o in options if not o.is_key and o.rpb is not None and o.rpb > weakest_key]
        if rivals:
            best = max(rivals, key=lambda o: o.rpb or 0.0)
            flags.append(
                Flag(
                    "possible_miskey",
                    f"option {best.option} (point-biserial {best.rpb:.2f}) discriminates "
                    f"better than the key (point-biserial {weakest_key:.2f})",
                    {"option": best.option, "option_rpb": best.rpb, "key_rpb": weakest_key},
                )
            )
    if n_comments >= MANY_COMMENTS:
        flags.append(Flag("many_comments", f"{n_comments} candidate comments", {"n": n_comments}))
    return flags


def analyse_items(
    scores: ArrayLike,
    *,
    item_ids: Sequence[str] | None = None,
    choices: ArrayLike | None = None,
    keys: Sequence[str] | None = None,
    omitted: ArrayLike | None = None,
    comment_counts: Sequence[int] | None = None,
) -> list[ItemStatistics]:
    """Classical item analysis of every unit (see the module docstring for the inputs).

    Omit rates come from ``omitted`` (boolean, same shape) or, failing that, from empty
    ``choices`` cells; distractor analysis needs both ``choices`` and ``keys``.
    """
    array = _score_matrix(scores)
    n_candidates, n_units = array.shape
    ids = _item_ids(item_ids, n_units)
    present = ~np.isnan(array)
    cells = None
    if choices is not None:
        cells = np.asarray(choices, dtype=str)
        if cells.shape != array.shape:
            raise ValueError("choices must have the same shape as scores.")
    if keys is not None and len(keys) != n_units:
        raise ValueError("keys must give one key per unit.")
    omit_mask = None
    if omitted is not None:
        omit_mask = np.asarray(omitted, dtype=bool)
        if omit_mask.shape != array.shape:
            raise ValueError("omitted must have the same shape as scores.")
    elif cells is not None:
        omit_mask = cells == ""
    if comment_counts is not None and len(comment_counts) != n_units:
        raise ValueError("comment_counts must give one count per unit.")

    p = p_values(array)
    rpb = corrected_point_biserials(array)
    d = upper_lower_discrimination(array)
    x = np.nan_to_num(array)
    total = x.sum(axis=1)
    results = []
    for j in range(n_units):
        takers = present[:, j]
        n_takers = int(takers.sum())
        options: list[OptionStatistics] = []
        if cells is not None and keys is not None and n_takers:
            options = option_statistics(cells[takers, j], total[takers] - x[takers, j], keys[j])
        omit_rate = None
        if omit_mask is not None and n_takers:
            omit_rate = float((omit_mask[:, j] & takers).sum() / n_takers)
        p_j, rpb_j = _opt(p[j]), _opt(rpb[j])
        results.append(
            ItemStatistics(
                id=ids[j],
                n_takers=n_takers,
                p=p_j,
                rpb_corrected=rpb_j,
                d_upper_lower=_opt(d[j]),
                omit_rate=omit_rate,
                options=options,
                flags=item_flags(p_j, rpb_j, options, int(comment_counts[j]) if comment_counts is not None else 0),
            )
        )
    return results


def _item_ids(item_ids: Sequence[str] | None, n_units: int) -> list[str]:
    if item_ids is None:
        return [str(j + 1) for j in range(n_units)]
    ids = [str(i) for i in item_ids]
    if len(ids) != n_units:
        raise ValueError(f"Got {len(ids)} item ids for {n_units} units.")
    if len(set(ids)) != len(ids):
        raise ValueError("Item ids must be unique.")
    return ids


# ======================================================================= Rasch (1PL)


def _quadrature(kind: str, n_points: int) -> tuple[FloatArray, FloatArray]:
    """Nodes and weights (summing to 1) for integrating over a N(0, 1) ability."""
    if n_points < 5:
        raise ValueError("Use at least 5 quadrature points.")
    if kind == "gauss-hermite":
        x, w = np.polynomial.hermite.hermgauss(n_points)
        return np.sqrt(2.0) * x, w / np.sqrt(np.pi)
    if kind == "rectangular":
        nodes = np.linspace(-RECTANGULAR_LIMIT, RECTANGULAR_LIMIT, n_points)
        weights = np.exp(-0.5 * nodes**2)
        return nodes, weights / weights.sum()
    raise ValueError(f"Unknown quadrature {kind!r}; use 'gauss-hermite' or 'rectangular'.")


def _dichotomous(array: FloatArray) -> None:
    present = array[~np.isnan(array)]
    if not np.all((present == 0) | (present == 1)):
        raise ValueError("Rasch calibration needs 0/1 scores (NaN for not presented).")


class _MarginalRasch:
    """Marginal log-likelihood of Rasch difficulties with its gradient and observed Hessian.

    With ``L_iq`` the likelihood of candidate i's responses at node q, the posterior
    ``post_iq`` and ``EP_ij = sum_q post_iq P_j(theta_q)`` (zero where not presented):

    - gradient_j = sum_i (EP_ij - x_ij)
    - Hessian = -diag(sum_i M_ij E_post[P_j Q_j]) + sum_i E_post[(M_i P)(M_i P)^T] - EP^T EP

    The middle term is summed per missingness pattern (one pattern for a single form).

    Under the Rasch model ``log L_iq = r_i theta_q - sum_j x_ij b_j + sum_j M_ij log Q_j(theta_q)``:
    the posterior depends on a candidate's responses only through the units presented and the raw
    score ``r_i`` (the middle term is constant over the nodes). Candidates are therefore grouped by
    (presented units, raw score) and every sum over candidates runs over the groups, weighted by
    their sizes — the same numbers with a few hundred rows instead of one per candidate.
    """

    def __init__(self, x: FloatArray, present: FloatArray, nodes: FloatArray, weights: FloatArray):
        self.item_totals = x.sum(axis=0)
        self.nodes = nodes
        self.log_weights = np.log(weights)
        n_candidates, n_units = x.shape
        if present.all():
            patterns = np.ones((1, n_units))
            pattern_of = np.zeros(n_candidates, dtype=np.intp)
        else:  # group candidates by which units they were presented (one group per form)
            packed = np.packbits(present.astype(bool), axis=1)
            rows = np.ascontiguousarray(packed).view(np.dtype((np.void, packed.shape[1])))
            _, first, inverse = np.unique(rows[:, 0], return_index=True, return_inverse=True)
            patterns = present[first]
            pattern_of = inverse.reshape(-1)
        raw = np.rint(x.sum(axis=1)).astype(np.intp)
        key = pattern_of * (n_units + 1) + raw
        _, first, inverse, counts = np.unique(key, return_index=True, return_inverse=True, return_counts=True)
        self.group_of = inverse.reshape(-1)  # candidate -> group
        self.counts = counts.astype(np.float64)
        self.raw = raw[first].astype(np.float64)
        self.present = present[first]  # groups x units
        self.patterns = patterns
        self.pattern_of = pattern_of[first]  # group -> pattern

    def posterior(self, b: FloatArray) -> tuple[float, FloatArray, FloatArray]:
        """Log-likelihood, the posterior of each *group* over the nodes, and P_j(theta_q)."""
        z = self.nodes[None, :] - b[:, None]  # units x nodes
        log_p = -np.logaddexp(0.0, -z)
        log_q = -np.logaddexp(0.0, z)
        log_joint = self.raw[:, None] * self.nodes[None, :] + self.present @ log_q + self.log_weights[None, :]
        peak = log_joint.max(axis=1, keepdims=True)
        post = np.exp(log_joint - peak)
        mass = post.sum(axis=1, keepdims=True)
        loglik = float(self.counts @ (peak[:, 0] + np.log(mass[:, 0])) - self.item_totals @ b)
        return loglik, post / mass, np.exp(log_p)

    def candidate_posterior(self, b: FloatArray) -> FloatArray:
        """The posterior of each candidate over the nodes (candidates x nodes)."""
        return self.posterior(b)[1][self.group_of]

    def derivatives(self, b: FloatArray) -> tuple[float, FloatArray, FloatArray]:
        loglik, post, prob = self.posterior(b)
        counts = self.counts
        expected = (post @ prob.T) * self.present  # per group
        gradient = counts @ expected - self.item_totals
        info = counts @ ((post @ (prob * (1.0 - prob)).T) * self.present)
        middle = np.zeros((b.size, b.size))
        weighted = post * counts[:, None]
        if len(self.patterns) <= len(self.nodes):
            for g, mask in enumerate(self.patterns):
                mass = weighted[self.pattern_of == g].sum(axis=0)
                masked = prob * mask[:, None]
                middle += (masked * mass[None, :]) @ masked.T
        else:  # many missingness patterns: sum node by node, over groups with mass there
            for q in range(len(self.nodes)):
                near = post[:, q] > 1e-15
                if near.any():
                    rows = self.present[near]
                    cooccur = rows.T @ (rows * weighted[near, q : q + 1])
                    middle += np.outer(prob[:, q], prob[:, q]) * cooccur
        hessian = -np.diag(info) + middle - expected.T @ (expected * counts[:, None])
        return loglik, gradient, hessian


def rasch_mml(
    scores: ArrayLike,
    *,
    item_ids: Sequence[str] | None = None,
    quadrature: Literal["gauss-hermite", "rectangular"] = DEFAULT_QUADRATURE,
    n_quadrature: int = DEFAULT_QUADRATURE_POINTS,
    max_iterations: int = 200,
    tolerance: float = 1e-7,
) -> RaschCalibration:
    """Calibrate Rasch difficulties by marginal maximum likelihood.

    Model: P(x_ij = 1 | theta_i) = 1 / (1 + exp(-(theta_i - b_j))), theta ~ N(0, 1), slope
    fixed at 1 (R ltm's ``rasch(data, constraint = cbind(k + 1, 1))``). Steps:

    1. units with no takers, or answered right (p = 1) or wrong (p = 0) by every taker
       are excluded with a reason (their difficulty has no finite estimate);
    2. Newton-Raphson on the marginal log-likelihood (integrated by quadrature) with the
       analytic gradient and observed Hessian, halving steps that lower the likelihood;
    3. standard errors are sqrt(diag(inverse(-Hessian))) at the estimate.
    """
    array = _score_matrix(scores)
    _dichotomous(array)
    n_candidates, n_units = array.shape
    ids = _item_ids(item_ids, n_units)
    present = ~np.isnan(array)
    takers = present.sum(axis=0)
    rights = np.nansum(array, axis=0)
    reasons: dict[int, str] = {}
    for j in range(n_units):
        if takers[j] == 0:
            reasons[j] = "no candidate took this unit"
        elif rights[j] == 0:
            reasons[j] = "no taker answered correctly (p = 0): difficulty not estimable"
        elif rights[j] == takers[j]:
            reasons[j] = "every taker answered correctly (p = 1): difficulty not estimable"
    kept = np.array([j for j in range(n_units) if j not in reasons], dtype=int)
    if kept.size == 0:
        raise ValueError("No unit can be calibrated: every unit has p = 0, p = 1 or no takers.")

    nodes, weights = _quadrature(quadrature, n_quadrature)
    x = np.nan_to_num(array[:, kept])
    mask = present[:, kept].astype(np.float64)
    model = _MarginalRasch(x, mask, nodes, weights)
    p = rights[kept] / takers[kept]
    b = -np.log(p / (1.0 - p)) * math.sqrt(1.0 + 1.0 / 2.89)  # logit shrinks with ability spread
    loglik, gradient, hessian = model.derivatives(b)
    converged = False
    iterations = 0
    while iterations < max_iterations:
        iterations += 1
        step = _newton_step(gradient, hessian)
        scale = 1.0
        while True:
            candidate = b + scale * step
            new_loglik, new_gradient, new_hessian = model.derivatives(candidate)
            if new_loglik >= loglik - 1e-9 or scale < 1e-4:
                break
            scale /= 2.0
        b, loglik, gradient, hessian = candidate, new_loglik, new_gradient, new_hessian
        if np.max(np.abs(scale * step)) < tolerance:
            # a vanishing step only counts as convergence at a stationary point
            converged = bool(np.max(np.abs(gradient)) <= 1e-6 * max(1, n_candidates))
            break
    try:
        covariance = np.linalg.inv(-hessian)
    except np.linalg.LinAlgError:
        raise ValueError("The Rasch information matrix is singular: the data cannot identify every difficulty.")
    se = np.sqrt(np.clip(np.diag(covariance), 0.0, None))
    estimates = dict(zip(kept.tolist(), zip(b.tolist(), se.tolist(), strict=True), strict=True))
    items = []
    for j in range(n_units):
        if j in reasons:
            items.append(RaschItem(ids[j], None, None, reasons[j]))
        else:
            b_j, se_j = estimates[j]
            items.append(RaschItem(ids[j], b_j, se_j))
    return RaschCalibration(
        items=items,
        log_likelihood=loglik,
        quadrature=quadrature,
        n_quadrature=n_quadrature,
        iterations=iterations,
        converged=converged,
        n_candidates=n_candidates,
    )


def _newton_step(gradient: FloatArray, hessian: FloatArray) -> FloatArray:
    """Solve (-H) step = gradient; if -H is not positive definite, add a ridge until it is."""
    negative = -hessian
    ridge = 0.0
    scale = float(np.mean(np.abs(np.diag(negative)))) or 1.0
    for _ in range(30):
        try:
            chol = np.linalg.cholesky(negative + ridge * np.eye(len(gradient)))
        except np.linalg.LinAlgError:
            ridge = scale * 1e-3 if ridge == 0.0 else ridge * 10.0
            continue
        return np.linalg.solve(chol.T, np.linalg.solve(chol, gradient))
    return gradient / scale


def rasch_log_likelihood(
    scores: ArrayLike,
    difficulties: ArrayLike,
    *,
    quadrature: Literal["gauss-hermite", "rectangular"] = DEFAULT_QUADRATURE,
    n_quadrature: int = DEFAULT_QUADRATURE_POINTS,
) -> float:
    """Marginal log-likelihood of 0/1 ``scores`` at the given difficulties (one per column)."""
    array = _score_matrix(scores)
    _dichotomous(array)
    b = np.asarray(difficulties, dtype=np.float64)
    if b.shape != (array.shape[1],) or not np.all(np.isfinite(b)):
        raise ValueError("Give one finite difficulty per unit.")
    nodes, weights = _quadrature(quadrature, n_quadrature)
    present = (~np.isnan(array)).astype(np.float64)
    model = _MarginalRasch(np.nan_to_num(array), present, nodes, weights)
    return model.posterior(b)[0]


def eap_abilities(
    scores: ArrayLike,
    difficulties: ArrayLike,
    *,
    quadrature: Literal["gauss-hermite", "rectangular"] = "rectangular",
    n_quadrature: int = EAP_GRID_POINTS,
) -> AbilityEstimates:
    """EAP abilities (posterior mean under a N(0, 1) prior) and posterior SDs.

    ``difficulties`` has one entry per column of ``scores``; a NaN difficulty (an excluded
    unit) leaves that unit out, as does a NaN score (not presented). A candidate with no
    usable responses gets the prior: 0 with SD 1.
    """
    array = _score_matrix(scores)
    _dichotomous(array)
    b = np.asarray(difficulties, dtype=np.float64)
    if b.shape != (array.shape[1],):
        raise ValueError("Give one difficulty per unit (NaN for an excluded unit).")
    usable = ~np.isnan(b)
    nodes, weights = _quadrature(quadrature, n_quadrature)
    x = np.nan_to_num(array[:, usable])
    present = (~np.isnan(array[:, usable])).astype(np.float64)
    model = _MarginalRasch(x, present, nodes, weights)
    post = model.candidate_posterior(b[usable])
    theta = post @ nodes
    sd = np.sqrt(np.clip(post @ nodes**2 - theta**2, 0.0, None))
    return AbilityEstimates(theta=theta, sd=sd)


# ========================================================================== equating


@dataclass(frozen=True)
class Linking:
    """theta_reference = slope * theta_new + intercept (the same for difficulties)."""

    method: str
    slope: float
    intercept: float
    n_anchors: int
    displacement: dict[str, float]
    """Per anchor: linked new difficulty minus reference difficulty (drift check)."""

    def transform(self, values: ArrayLike) -> FloatArray:
        return self.slope * np.asarray(values, dtype=np.float64) + self.intercept


def link_rasch(
    reference: Mapping[str, float],
    new: Mapping[str, float],
    method: Literal["mean_mean", "mean_sigma"] = "mean_mean",
) -> Linking:
    """Put a new calibration on the reference scale through common (anchor) units.

    ``mean_mean`` (the Rasch choice, slope 1): intercept = mean(b_ref) - mean(b_new) over
    the anchors. ``mean_sigma``: slope = SD(b_ref) / SD(b_new), intercept =
    mean(b_ref) - slope * mean(b_new).
    """
    anchors = sorted(set(reference) & set(new))
    minimum = 2 if method == "mean_sigma" else 1
    if len(anchors) < minimum:
        raise ValueError(f"{method} linking needs at least {minimum} common unit(s); got {len(anchors)}.")
    ref = np.array([reference[a] for a in anchors], dtype=np.float64)
    cur = np.array([new[a] for a in anchors], dtype=np.float64)
    if not (np.all(np.isfinite(ref)) and np.all(np.isfinite(cur))):
        raise ValueError("Anchor difficulties must be finite numbers.")
    if method == "mean_mean":
        slope = 1.0
    elif method == "mean_sigma":
        if cur.std() <= 0:
            raise ValueError("mean_sigma linking needs anchors of differing difficulty.")
        slope = float(ref.std() / cur.std())
    else:
        raise ValueError(f"Unknown linking method {method!r}; use 'mean_mean' or 'mean_sigma'.")
    intercept = float(ref.mean() - slope * cur.mean())
    displacement = {a: float(slope * c + intercept - r) for a, c, r in zip(anchors, cur, ref, strict=True)}
    return Linking(method, slope, intercept, len(anchors), displacement)


def test_characteristic_curve(theta: ArrayLike, difficulties: ArrayLike) -> FloatArray:
    """Expected raw score at each theta: sum_j 1 / (1 + exp(-(theta - b_j)))."""
    t = np.asarray(theta, dtype=np.float64)
    b = np.asarray(difficulties, dtype=np.float64)
    return (1.0 / (1.0 + np.exp(-(t[..., None] - b)))).sum(axis=-1)


test_characteristic_curve.__test__ = False  # type: ignore[attr-defined]


def raw_to_theta(raw: ArrayLike, difficulties: ArrayLike, *, extreme_adjust: float = 0.5) -> FloatArray:
    """Invert the test characteristic curve: the theta whose expected raw score is ``raw``.

    Raw scores 0 and n have no finite value; they are moved inward by ``extreme_adjust``
    (0 -> 0.5, n -> n - 0.5 by default). Raises ``ValueError`` for raw outside [0, n].
    """
    b = np.asarray(difficulties, dtype=np.float64)
    if b.ndim != 1 or b.size == 0 or not np.all(np.isfinite(b)):
        raise ValueError("Difficulties must be a non-empty 1-D array of finite numbers.")
    if not 0 < extreme_adjust < b.size / 2:
        raise ValueError("extreme_adjust must be positive and less than half the number of units.")
    r = np.asarray(raw, dtype=np.float64)
    n = b.size
    if np.any(~np.isfinite(r)) or np.any((r < 0) | (r > n)):
        raise ValueError(f"Raw scores must lie in [0, {n}].")
    r = np.clip(r, extreme_adjust, n - extreme_adjust)
    theta = np.log(r / (n - r)) + b.mean()
    for _ in range(100):
        prob = 1.0 / (1.0 + np.exp(-(theta[..., None] - b)))
        slope = (prob * (1.0 - prob)).sum(axis=-1)
        step = np.clip((r - prob.sum(axis=-1)) / slope, -2.0, 2.0)
        theta = theta + step
        if np.max(np.abs(step), initial=0.0) < 1e-10:
            break
    return theta


def scale_scores(
    theta: ArrayLike,
    theta_cut: float,
    cut_point: float = 300.0,
    slope: float = 50.0,
    lo: float = 100.0,
    hi: float = 500.0,
) -> FloatArray:
    """Linear reporting scale: ``cut_point + slope * (theta - theta_cut)``, clipped to [lo, hi].

    With the defaults the cut score reports as 300 and one logit is 50 points.
    """
    if slope <= 0:
        raise ValueError("The scale slope must be positive.")
    if not lo <= cut_point <= hi:
        raise ValueError("cut_point must lie within [lo, hi].")
    t = np.asarray(theta, dtype=np.float64)
    return np.clip(cut_point + slope * (t - theta_cut), lo, hi)


# ===================================================================== whole analysis


def analyse(
    scores: ArrayLike,
    *,
    item_ids: Sequence[str] | None = None,
    choices: ArrayLike | None = None,
    keys: Sequence[str] | None = None,
    omitted: ArrayLike | None = None,
    comment_counts: Sequence[int] | None = None,
    rasch: bool = False,
    abilities: bool = False,
    quadrature: Literal["gauss-hermite", "rectangular"] = DEFAULT_QUADRATURE,
    n_quadrature: int = DEFAULT_QUADRATURE_POINTS,
) -> AnalysisReport:
    """Item analysis + test statistics, and optionally a Rasch calibration and EAP abilities."""
    array = _score_matrix(scores)
    items = analyse_items(
        array,
        item_ids=item_ids,
        choices=choices,
        keys=keys,
        omitted=omitted,
        comment_counts=comment_counts,
    )
    report = AnalysisReport(test=test_statistics(array), items=items)
    if rasch or abilities:
        calibration = rasch_mml(
            array,
            item_ids=[item.id for item in items],
            quadrature=quadrature,
            n_quadrature=n_quadrature,
        )
        for item, rasch_item in zip(items, calibration.items, strict=True):
            item.b, item.b_se, item.rasch_note = rasch_item.b, rasch_item.se, rasch_item.excluded_reason
        report.rasch = calibration
        if abilities:
            b = np.array([np.nan if r.b is None else r.b for r in calibration.items])
            report.abilities = eap_abilities(array, b)
    return report


# ===================================================================== CSV tables


class TableError(ValueError):
    """A response table (CSV) or key row that cannot be analysed; the message says why."""


@dataclass
class ResponseTable:
    item_ids: list[str]
    scores: FloatArray
    choices: NDArray[np.str_] | None
    keys: list[str] | None


def parse_key_row(text: str) -> list[str]:
    """Parse a key row such as ``A,C,B`` (one letter per unit)."""
    rows = [row for row in csv.reader(io.StringIO(text.strip())) if any(c.strip() for c in row)]
    if len(rows) != 1:
        raise TableError(f"A key must be exactly one row of letters; got {len(rows)} rows.")
    key = [cell.strip().upper() for cell in rows[0]]
    bad = [cell for cell in key if len(cell) != 1 or not "A" <= cell <= "Z"]
    if bad:
        raise TableError(f"Key entries must be single letters A-Z; got {bad[:5]}.")
    return key


def parse_response_table(text: str, key: Sequence[str] | None = None) -> ResponseTable:
    """Parse a CSV: header = unit ids, then one row per candidate.

    Without ``key`` every cell must be 0 or 1. With ``key`` (one letter per unit) every
    cell is the chosen letter (A-Z, any case) or empty for an omit, scored against the key.
    """
    rows = [row for row in csv.reader(io.StringIO(text)) if any(cell.strip() for cell in row)]
    if not rows:
        raise TableError("The file is empty.")
    header = [cell.strip() for cell in rows[0]]
    if any(not cell for cell in header):
        raise TableError("The header row has an empty unit id.")
    if len(set(header)) != len(header):
        raise TableError("The header row repeats a unit id.")
    body = rows[1:]
    if not body:
        raise TableError("The file has a header but no candidate rows.")
    for number, row in enumerate(body, start=2):
        if len(row) != len(header):
            raise TableError(f"Line {number} has {len(row)} cells; the header has {len(header)}.")
    cells = np.array([[cell.strip().upper() for cell in row] for row in body], dtype=str)
    if key is None:
        ok = (cells == "0") | (cells == "1")
        if not ok.all():
            i, j = np.argwhere(~ok)[0]
            raise TableError(
                f"Line {i + 2}, unit {header[j]!r}: {body[i][j]!r} is not 0 or 1 (give --key to score option letters)."
            )
        return ResponseTable(header, cells.astype(np.float64), None, None)
    keys = [str(k).strip().upper() for k in key]
    if len(keys) != len(header):
        raise TableError(f"The key has {len(keys)} entries; the table has {len(header)} units.")
    letter = np.char.str_len(cells) == 1
    letter &= (cells >= "A") & (cells <= "Z")
    ok = letter | (cells == "")
    if not ok.all():
        i, j = np.argwhere(~ok)[0]
        raise TableError(f"Line {i + 2}, unit {header[j]!r}: {body[i][j]!r} is not an option letter A-Z.")
    scores = (cells == np.array(keys)[None, :]).astype(np.float64)
    return ResponseTable(header, scores, cells, keys)


def analyse_table(text: str, *, key: Sequence[str] | None = None, rasch: bool = False) -> dict[str, Any]:
    """Parse a response CSV and return the item-analysis summary as JSON data.

    Shape: ``{"n_candidates", "n_items", "mean", "sd", "kr20", "alpha", "sem",
    "items": [{"id", "p", "rpb_corrected", "d_upper_lower"[, "b", "b_se"]}]}``; with
    ``rasch`` also ``"rasch": {"log_likelihood", "quadrature", "n_quadrature", "converged",
    "excluded": {unit id: reason}}``.
    """
    table = parse_response_table(text, key)
    report = analyse(table.scores, item_ids=table.item_ids, rasch=rasch)
    test = report.test
    items = []
    for item in report.items:
        row: dict[str, Any] = {
            "id": item.id,
            "p": item.p,
            "rpb_corrected": item.rpb_corrected,
            "d_upper_lower": item.d_upper_lower,
        }
        if rasch:
            row["b"], row["b_se"] = item.b, item.b_se
        items.append(row)
    result: dict[str, Any] = {
        "n_candidates": test.n_candidates,
        "n_items": len(table.item_ids),
        "mean": test.mean,
        "sd": test.sd,
        "kr20": test.kr20,
        "alpha": test.alpha,
        "sem": test.sem,
        "items": items,
    }
    if rasch and report.rasch is not None:
        result["rasch"] = {
            "log_likelihood": report.rasch.log_likelihood,
            "quadrature": report.rasch.quadrature,
            "n_quadrature": report.rasch.n_quadrature,
            "converged": report.rasch.converged,
            "excluded": {i.id: i.excluded_reason for i in report.rasch.items if i.excluded_reason},
        }
    return to_jsonable(result)
