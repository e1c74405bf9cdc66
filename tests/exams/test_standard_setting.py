"""Modified Angoff, Hofstee and fixed cut scores, by hand."""

from __future__ import annotations

import numpy as np
import pytest

from exams.standard_setting import StandardSettingError, angoff, fixed_percentage, hofstee, pass_mark


def test_angoff_cut_is_the_mean_of_the_judges_cuts_with_its_standard_error():
    # judge 1 rates 60 70 80 -> 2.1 points (70%); judge 2 rates 50 60 70 -> 1.8 points (60%)
    # cut = (2.1 + 1.8) / 2 = 1.95 points = 65%
    # SD of judges' cuts (n-1) = sqrt(((2.1-1.95)^2 + (1.8-1.95)^2) / 1) = 0.21213; SE = 0.21213 / sqrt(2) = 0.15
    result = angoff([[60, 70, 80], [50, 60, 70]])
    assert result.cut_raw == pytest.approx(1.95)
    assert result.cut_percent == pytest.approx(65.0)
    assert result.judge_cuts_raw == pytest.approx([2.1, 1.8])
    assert result.judge_cuts_percent == pytest.approx([70.0, 60.0])
    assert result.sd_judges_raw == pytest.approx(0.212132, abs=1e-6)
    assert result.se_cut_raw == pytest.approx(0.15)
    assert result.se_cut_percent == pytest.approx(5.0)  # SD 7.0711% / sqrt(2)
    assert result.pass_mark == 2
    assert result.to_dict()["method"] == "modified_angoff"


def test_a_single_judge_has_no_spread():
    result = angoff([[50, 50]])
    assert result.cut_raw == pytest.approx(1.0)
    assert result.sd_judges_raw is None and result.se_cut_raw is None


@pytest.mark.parametrize(
    ("ratings", "message"),
    [([[50, 120]], "0-100"), ([[50, np.nan]], "every item"), ([], "non-empty"), ([[-1, 20]], "0-100")],
)
def test_bad_angoff_ratings_are_refused(ratings, message):
    with pytest.raises(StandardSettingError, match=message):
        angoff(ratings)


SCORES = [40, 50, 55, 60, 65, 70, 75, 80, 85, 90]


def test_hofstee_cut_is_where_the_panel_line_meets_the_fail_rate_curve():
    # line from (50%, 40% fail) to (70%, 10% fail): fail = 40 - 1.5 * (cut - 50)
    # below any cut in (55, 60] fail 3 of 10 = 30% -> line reaches 30 at cut = 50 + 10/1.5 = 56.67
    # (on (50, 55] the curve is at 20%, and the line reaches 20 only at 63.3 > 55)
    result = hofstee(SCORES, min_cut_percent=50, max_cut_percent=70, min_fail_percent=10, max_fail_percent=40)
    assert result.cut_percent == pytest.approx(56.6667, abs=1e-4)
    assert result.fail_percent_at_cut == pytest.approx(30.0)
    assert result.n_candidates == 10


def test_hofstee_cut_lands_on_a_step_of_the_curve_when_the_line_crosses_there():
    # scores 50 60 60 60 80; line from (55%, 50%) to (75%, 10%): fail = 50 - 2 * (cut - 55)
    # on (55, 60] the curve is at 20%: the line would reach 20 only at 70 > 60
    # just above 60 the curve jumps to 80%, above the line (40 at 60): the cut is 60
    result = hofstee(
        [50, 60, 60, 60, 80],
        min_cut_percent=55,
        max_cut_percent=75,
        min_fail_percent=10,
        max_fail_percent=50,
        max_score=40,
    )
    assert result.cut_percent == pytest.approx(60.0)
    assert result.fail_percent_at_cut == pytest.approx(20.0)  # those scoring exactly 60 pass
    assert result.cut_raw == pytest.approx(24.0)
    assert result.pass_mark == 24


def test_hofstee_without_an_intersection_says_which_judgement_to_revisit():
    with pytest.raises(StandardSettingError, match="lowest acceptable cut.*higher maximum fail rate"):
        hofstee([10, 20, 30], min_cut_percent=50, max_cut_percent=70, min_fail_percent=10, max_fail_percent=40)
    with pytest.raises(StandardSettingError, match="highest acceptable cut.*lower minimum fail rate"):
        hofstee([95, 98, 99], min_cut_percent=50, max_cut_percent=70, min_fail_percent=10, max_fail_percent=40)


@pytest.mark.parametrize(
    "judgements",
    [
        {"min_cut_percent": 70, "max_cut_percent": 50, "min_fail_percent": 10, "max_fail_percent": 40},
        {"min_cut_percent": 50, "max_cut_percent": 70, "min_fail_percent": 40, "max_fail_percent": 10},
        {"min_cut_percent": 50, "max_cut_percent": 170, "min_fail_percent": 10, "max_fail_percent": 40},
    ],
)
def test_hofstee_refuses_inconsistent_judgements(judgements):
    with pytest.raises(StandardSettingError):
        hofstee(SCORES, **judgements)


def test_fixed_percentage_cut_and_pass_mark():
    # 60% of 150 = 90 points; 65% of 47 = 30.55 -> pass mark 31
    assert fixed_percentage(60, 150).cut_raw == pytest.approx(90.0)
    assert fixed_percentage(60, 150).pass_mark == 90
    assert fixed_percentage(65, 47).pass_mark == 31
    assert pass_mark(0.1 + 0.2 + 29.7) == 30  # float noise does not push the mark up
    with pytest.raises(StandardSettingError):
        fixed_percentage(120, 50)
