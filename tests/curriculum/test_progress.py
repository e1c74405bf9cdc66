"""Pure progress arithmetic: months of training and counting aggregated rows against a rule."""

import datetime

import pytest

from curriculum.progress import CountRow, count_matching, months_of_training

D = datetime.date


def test_a_march_to_august_period_is_six_months():
    assert months_of_training([(D(2025, 3, 1), D(2025, 8, 31))], D(2026, 1, 1)) == 6


def test_an_ongoing_period_runs_to_the_as_of_date():
    assert months_of_training([(D(2025, 3, 1), None)], D(2026, 2, 27)) == 11
    assert months_of_training([(D(2025, 3, 1), None)], D(2026, 2, 28)) == 12  # 1 March to 28 February inclusive


def test_overlapping_periods_are_not_counted_twice():
    periods = [(D(2025, 1, 1), D(2025, 6, 30)), (D(2025, 4, 1), D(2025, 12, 31))]
    assert months_of_training(periods, D(2026, 6, 1)) == 12


def test_adjacent_periods_join_and_partial_months_do_not_count():
    assert months_of_training([(D(2025, 1, 1), D(2025, 1, 31)), (D(2025, 2, 1), D(2025, 3, 15))], D(2026, 1, 1)) == 2
    assert months_of_training([(D(2025, 1, 31), D(2025, 2, 27))], D(2026, 1, 1)) == 0


def test_periods_starting_after_the_as_of_date_count_nothing():
    assert months_of_training([(D(2026, 5, 1), None)], D(2026, 1, 1)) == 0


def test_a_period_ending_before_it_starts_is_an_error():
    with pytest.raises(ValueError, match="ends"):
        months_of_training([(D(2025, 5, 1), D(2025, 4, 1))], D(2026, 1, 1))


ROWS = [
    CountRow("TACE", "first_operator", 3, 10),
    CountRow("TACE", "assistant", 3, 4),
    CountRow("BIL", "first_operator", 2, 6),
    CountRow("AORTA", "first_operator", 4, 2),
]


def test_count_matching_applies_area_role_and_grade_filters():
    assert count_matching(ROWS, areas=[], role="first_operator", min_grade=None) == 18
    assert count_matching(ROWS, areas=["TACE"], role="any", min_grade=None) == 14
    assert count_matching(ROWS, areas=["TACE", "BIL"], role="first_operator", min_grade=None) == 16
    assert count_matching(ROWS, areas=[], role="first_operator", min_grade=3) == 12
    assert count_matching(ROWS, areas=["DRN"], role="any", min_grade=None) == 0
