"""Property-based tests of the pure standard-setting module (exams/standard_setting.py)."""

from __future__ import annotations

import math

from hypothesis import given, settings
from hypothesis import strategies as st

from exams.standard_setting import StandardSettingError, angoff, hofstee, pass_mark

percent = st.floats(min_value=0, max_value=100, allow_nan=False)
scores = st.lists(percent, min_size=1, max_size=60)


@st.composite
def judgements(draw):
    low_cut, high_cut = sorted(draw(st.lists(percent, min_size=2, max_size=2, unique=True)))
    low_fail, high_fail = sorted(draw(st.lists(percent, min_size=2, max_size=2, unique=True)))
    return {
        "min_cut_percent": low_cut,
        "max_cut_percent": high_cut,
        "min_fail_percent": low_fail,
        "max_fail_percent": high_fail,
    }


def _line(j: dict, cut: float) -> float:
    share = (cut - j["min_cut_percent"]) / (j["max_cut_percent"] - j["min_cut_percent"])
    return j["max_fail_percent"] - share * (j["max_fail_percent"] - j["min_fail_percent"])


def _fail_rate(values: list[float], cut: float) -> float:
    return 100.0 * sum(1 for v in values if v < cut) / len(values)


@settings(max_examples=200, deadline=None, derandomize=True)
@given(scores, judgements())
def test_a_hofstee_cut_lies_in_the_panels_box_on_or_below_its_line_and_is_the_lowest_such(values, j):
    try:
        result = hofstee(values, **j)
    except StandardSettingError:
        # No intersection: the curve is above the line at the lowest cut or below it at the highest.
        assert _fail_rate(values, j["min_cut_percent"]) > j["max_fail_percent"] or (
            _fail_rate(values, j["max_cut_percent"]) < _line(j, j["max_cut_percent"]) + 1e-9
        )
        return
    cut = result.cut_percent
    assert j["min_cut_percent"] - 1e-9 <= cut <= j["max_cut_percent"] + 1e-9
    assert result.fail_percent_at_cut == _fail_rate(values, cut)
    assert result.fail_percent_at_cut <= _line(j, cut) + 1e-6
    # Lowest: no score strictly between the box's low end and the cut already meets the line.
    for v in values:
        if j["min_cut_percent"] <= v < cut - 1e-9:
            assert 100.0 * sum(1 for w in values if w <= v) / len(values) < _line(j, v) + 1e-6


@settings(max_examples=200, deadline=None, derandomize=True)
@given(
    st.integers(1, 6).flatmap(
        lambda judges: st.lists(st.lists(percent, min_size=3, max_size=3), min_size=judges, max_size=judges)
    )
)
def test_an_angoff_cut_is_the_mean_of_the_judges_cuts_whatever_their_order(table):
    result = angoff(table)
    assert min(result.judge_cuts_percent) - 1e-9 <= result.cut_percent <= max(result.judge_cuts_percent) + 1e-9
    assert math.isclose(result.cut_raw, sum(result.judge_cuts_raw) / len(table), abs_tol=1e-9)
    reordered = angoff(list(reversed(table)))
    assert math.isclose(reordered.cut_raw, result.cut_raw, abs_tol=1e-9)
    assert reordered.pass_mark == result.pass_mark


@given(st.floats(min_value=0, max_value=10_000, allow_nan=False))
def test_the_pass_mark_is_the_lowest_whole_score_at_or_above_the_cut(cut_raw):
    mark = pass_mark(cut_raw)
    assert mark >= cut_raw - 1e-6
    assert mark - 1 < cut_raw
