"""The pure adaptive module: difficulty mapping, next item, stop rule, and a simulation that recovers
a known ability within its standard error."""

from __future__ import annotations

import math
import random

import pytest

from exams.adaptive import (
    MIN_ITEMS,
    SE_TARGET,
    Estimate,
    difficulty_from_estimate,
    estimate_ability,
    item_difficulty,
    next_item,
    probability_correct,
    stop_reason,
    wilson_interval,
)


def test_the_authors_estimate_maps_onto_the_logit_scale():
    assert difficulty_from_estimate(0.5) == 0.0
    assert difficulty_from_estimate(0.8) == pytest.approx(math.log(0.25))  # easier: negative b
    assert difficulty_from_estimate(0.2) == pytest.approx(math.log(4.0))  # harder: positive b
    assert difficulty_from_estimate(1.0) == pytest.approx(math.log(0.02 / 0.98))  # clipped
    assert difficulty_from_estimate(None) == 0.0
    assert item_difficulty(1.7, 0.9) == 1.7  # calibrated wins
    assert item_difficulty(None, 0.5) == 0.0


def test_the_next_item_is_the_unused_one_closest_to_the_estimate():
    available = {1: -2.0, 2: -0.4, 3: 0.3, 4: 1.1, 5: 0.3}
    assert next_item(0.0, available) == 3  # |0.3| < |−0.4|; the tie with 5 goes to the lower id
    assert next_item(0.9, available) == 4
    assert next_item(-5.0, available) == 1
    assert next_item(0.0, {}) is None


def test_the_stop_rule():
    assert stop_reason(Estimate(0.0, 0.2, 10), max_items=30, available=50) == "precision"
    assert stop_reason(Estimate(0.0, 0.2, MIN_ITEMS - 1), max_items=30, available=50) == ""
    assert stop_reason(Estimate(0.0, 0.5, 30), max_items=30, available=50) == "length"
    assert stop_reason(Estimate(0.0, 0.5, 12), max_items=30, available=0) == "exhausted"
    assert stop_reason(Estimate(0.0, 0.5, 12), max_items=30, available=5) == ""


def test_more_correct_answers_mean_a_higher_estimate_with_a_smaller_error():
    b = [-1.0, 0.0, 1.0, 0.5, -0.5]
    low = estimate_ability(b, [1, 0, 0, 0, 0])
    high = estimate_ability(b, [1, 1, 1, 1, 0])
    assert high.theta > low.theta
    assert estimate_ability(b * 6, [1, 0, 1, 0, 1] * 6).se < estimate_ability(b, [1, 0, 1, 0, 1]).se
    assert estimate_ability([], []) == Estimate(0.0, 1.0, 0)


def test_wilson_interval():
    p = wilson_interval(7, 10)
    assert (p.low, p.high) == (pytest.approx(0.3968, abs=1e-4), pytest.approx(0.8922, abs=1e-4))
    assert wilson_interval(0, 0).low is None


def _simulate(theta: float, seed: int, *, pool_size: int = 300, max_items: int = 60) -> tuple[Estimate, str, list]:
    """A Rasch examinee of ability ``theta`` takes an adaptive session on a calibrated pool."""
    rng = random.Random(seed)
    pool = {i: rng.uniform(-3.0, 3.0) for i in range(pool_size)}
    given: list[tuple[float, bool]] = []
    estimate = Estimate(0.0, 1.0, 0)
    while True:
        reason = stop_reason(estimate, max_items=max_items, available=len(pool))
        if reason:
            return estimate, reason, given
        item = next_item(estimate.theta, pool)
        b = pool.pop(item)
        given.append((b, rng.random() < probability_correct(theta, b)))
        estimate = estimate_ability([g[0] for g in given], [g[1] for g in given])


def test_a_simulated_examinee_is_recovered_within_the_standard_error():
    """Seeded: 5 abilities × 20 examinees. θ ± 2·SE must cover the true θ for ≥ 80% of them
    (nominally 95%), and the sessions must stop on precision, not length."""
    covered = total = by_precision = 0
    for theta in (-2.0, -1.0, 0.0, 1.0, 2.0):
        late_difficulties = []
        for seed in range(20):
            estimate, reason, given = _simulate(theta, seed * 101 + int(theta * 7))
            total += 1
            covered += abs(estimate.theta - theta) <= 2 * estimate.se
            by_precision += reason == "precision"
            assert estimate.se < SE_TARGET or reason == "length"
            late_difficulties += [b for b, _c in given[-10:]]
        # Items are chosen near the running estimate, so once it has settled they sit around θ.
        assert abs(sum(late_difficulties) / len(late_difficulties) - theta) < 0.5
    assert covered / total >= 0.8
    assert by_precision / total >= 0.9
