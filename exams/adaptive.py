"""Pure adaptive practice (no Django): Rasch difficulties, ability estimates, next item, stop rule.

The scale is the Rasch logit scale of ``exams.psychometrics``: P(correct | θ, b) = 1 / (1 + e^-(θ - b)).

* Difficulty of an item: its calibrated Rasch ``b`` when scoring stored one, otherwise the author's
  estimate mapped onto the logit scale by :func:`difficulty_from_estimate`. The author's estimate
  is the expected proportion of *borderline* candidates answering correctly, and the borderline
  candidate sits at θ = 0 by convention here, so b = ln((1 - p) / p): p = 0.5 → b = 0, p = 0.8 →
  b ≈ -1.39 (easier), p = 0.2 → b ≈ +1.39 (harder). p is clipped to [0.02, 0.98] (|b| ≤ 3.9);
  an item with neither gets b = 0.
* Ability: the EAP estimate (posterior mean under a N(0, 1) prior) and its posterior SD as the
  standard error, from ``exams.psychometrics.eap_abilities``.
* Next item: the unused item whose difficulty is closest to the current estimate (ties: the
  lowest id, so the choice is reproducible).
* Stop: when SE(θ) falls below ``se_target`` (after at least ``min_items`` answers), or when the
  chosen length is reached, or when no unused item is left.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np

from exams.psychometrics import eap_abilities

#: Stop once the standard error of the ability estimate is below this (logits).
SE_TARGET = 0.3
#: Never stop on precision before this many answers.
MIN_ITEMS = 5
_P_CLIP = 0.02


def difficulty_from_estimate(p: float | None) -> float:
    """Author's expected proportion correct for a borderline candidate (θ = 0) → Rasch b (logits)."""
    if p is None or not math.isfinite(p):
        return 0.0
    p = min(max(float(p), _P_CLIP), 1.0 - _P_CLIP)
    return math.log((1.0 - p) / p)


def item_difficulty(calibrated_b: float | None, estimate: float | None) -> float:
    """The calibrated b when there is one, else the mapped author's estimate."""
    if calibrated_b is not None and math.isfinite(calibrated_b):
        return float(calibrated_b)
    return difficulty_from_estimate(estimate)


def probability_correct(theta: float, b: float) -> float:
    return 1.0 / (1.0 + math.exp(-(theta - b)))


@dataclass(frozen=True)
class Estimate:
    theta: float
    se: float
    n: int


def estimate_ability(difficulties: Sequence[float], correct: Sequence[bool | int]) -> Estimate:
    """EAP ability and its SE from dichotomous answers to items of known difficulty (prior N(0, 1))."""
    if len(difficulties) != len(correct):
        raise ValueError("Give one answer per difficulty.")
    if not difficulties:
        return Estimate(0.0, 1.0, 0)
    scores = np.asarray([[1.0 if c else 0.0 for c in correct]])
    result = eap_abilities(scores, np.asarray(difficulties, dtype=np.float64))
    return Estimate(float(result.theta[0]), float(result.sd[0]), len(difficulties))


def next_item(theta: float, available: Mapping[int, float]) -> int | None:
    """The id of the unused item whose difficulty is closest to ``theta`` (None when none is left)."""
    if not available:
        return None
    return min(available, key=lambda item_id: (abs(available[item_id] - theta), item_id))


def stop_reason(
    estimate: Estimate, *, max_items: int, available: int, se_target: float = SE_TARGET, min_items: int = MIN_ITEMS
) -> str:
    """Why an adaptive session stops now ("precision", "length", "exhausted"), or "" to go on."""
    if estimate.n >= max_items:
        return "length"
    if estimate.n >= min_items and estimate.se < se_target:
        return "precision"
    if available <= 0:
        return "exhausted"
    return ""


@dataclass(frozen=True)
class Proportion:
    """Correct answers out of ``n`` with a Wilson 95% interval (``low``/``high`` None when n = 0)."""

    correct: int
    n: int
    low: float | None
    high: float | None

    @property
    def value(self) -> float | None:
        return self.correct / self.n if self.n else None


def wilson_interval(correct: int, n: int, confidence: float = 0.95) -> Proportion:
    """Proportion correct with its Wilson score interval (scipy's ``binomtest``)."""
    if n <= 0:
        return Proportion(0, 0, None, None)
    from scipy.stats import binomtest

    interval = binomtest(int(correct), int(n)).proportion_ci(confidence_level=confidence, method="wilson")
    return Proportion(int(correct), int(n), float(interval.low), float(interval.high))
