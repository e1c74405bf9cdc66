"""The chaos run's checkers (bench/chaos.py), on hand-made data: the full run is not part of the suite."""

from __future__ import annotations

from collections import Counter

from bench.chaos import certificate_problems, finalization_problems, lost_saves, score_differences

A = {"choice": "A"}
B = {"choice": "B"}


def test_an_acknowledged_save_stored_with_its_seq_or_a_later_one_is_not_lost():
    acked = {1: {1: (5, A), 2: (7, B)}}
    stored = {(1, 1): (5, A), (1, 2): (9, A)}  # position 2: a later save was committed, its answer lost
    assert lost_saves(acked, stored) == []


def test_a_missing_or_older_row_or_another_answer_for_the_same_seq_is_lost():
    acked = {1: {1: (5, A), 2: (7, B), 3: (2, A)}}
    stored = {(1, 1): (4, A), (1, 3): (2, B)}
    assert lost_saves(acked, stored) == [
        "attempt 1 position 1: seq 5 acknowledged, 4 stored",
        "attempt 1 position 2: seq 7 acknowledged, nothing stored",
        "attempt 1 position 3: seq 2 stored with another answer",
    ]


def test_each_attempt_is_finalised_exactly_once_and_expired_ones_automatically():
    attempts = {
        1: {"status": "submitted", "finalized_by": "candidate"},
        2: {"status": "auto_submitted", "finalized_by": "sweep"},
        3: {"status": "auto_submitted", "finalized_by": "lazy"},
    }
    events = {1: Counter(submit=1), 2: Counter(auto_submit=1), 3: Counter(auto_submit=1, save=4)}
    assert finalization_problems(attempts, events, expiring={2, 3}) == []


def test_twice_never_or_by_the_wrong_hand_is_reported():
    attempts = {
        1: {"status": "auto_submitted", "finalized_by": "sweep"},
        2: {"status": "in_progress", "finalized_by": ""},
        3: {"status": "submitted", "finalized_by": "candidate"},
    }
    events = {1: Counter(auto_submit=2), 3: Counter(submit=1)}
    problems = finalization_problems(attempts, events, expiring={1, 3})
    assert "attempt 1 finalised 2 times ({'auto_submit': 2})" in problems
    assert "attempt 2 is still in_progress" in problems
    assert "attempt 2 finalised 0 times ({})" in problems
    assert any(p.startswith("expired attempt 3: submitted by 'candidate'") for p in problems)


def test_scores_compare_equal_within_float_rounding_and_differ_otherwise():
    before = {("attempt", 1): (30.0, 75.0, True), ("attempt", 2): (10.0, 25.0, False)}
    assert (
        score_differences(
            before, {("attempt", 1): (30.0, 75.00000000000001, True), ("attempt", 2): (10.0, 25.0, False)}
        )
        == []
    )
    after = {("attempt", 1): (30.0, 75.0, False), ("result", 9): (1.0, 2.0, None)}
    assert score_differences(before, after) == [
        "('attempt', 1): (30.0, 75.0, True) vs (30.0, 75.0, False)",
        "('attempt', 2): (10.0, 25.0, False) vs None",
        "('result', 9): None vs (1.0, 2.0, None)",
    ]


def test_exactly_one_certificate_per_passing_attempt_and_none_for_others():
    assert certificate_problems({1, 2}, [1, 2]) == []
    assert certificate_problems({1, 2}, [1, 1, 3]) == [
        "attempt 1: 2 certificates",
        "passing attempt 2 has no certificate",
        "attempt 3 did not pass but has a certificate",
    ]
