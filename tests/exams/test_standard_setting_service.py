"""Standard setting through the services: Angoff arithmetic, private ratings, round two, Hofstee, cut scores."""

from __future__ import annotations

import pytest

from accounts.roles import Role
from exams.models import AngoffRating, CutScore, Job
from exams.services import standard_setting as ss
from exams.services.scoring import sitting_score
from irexam.errors import ApplicationError
from tests.exams.scoring_data import build_scoring_sitting
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

LABELS = ["1", "2", "3", "4:1", "4:2", "5", "6:q1", "6:q2"]


@pytest.fixture
def built(officer):
    return build_scoring_sitting(officer=officer)


@pytest.fixture
def judges(instructor):
    return [instructor, UserFactory(username="judge2", roles=[Role.INSTRUCTOR])]


@pytest.fixture
def panel(built, judges, officer):
    return ss.angoff_panel_create(sitting=built.sitting, paper=built.paper, judges=judges, by=officer)


def _rate(panel, judge, values):
    return ss.angoff_ratings_save(panel=panel, judge=judge, ratings=dict(zip(LABELS, values, strict=True)))


def test_the_panel_rates_every_scoring_unit_of_the_reference_form(panel):
    assert [unit["label"] for unit in ss.panel_units(panel)] == LABELS


def test_the_angoff_cut_is_the_mean_over_judges_of_their_summed_ratings(panel, judges):
    _rate(panel, judges[0], [50, 60, 70, 80, 40, 50, 60, 70])  # sum 480 -> 4.8 points, 60 %
    _rate(panel, judges[1], [40, 50, 60, 70, 30, 40, 50, 60])  # sum 400 -> 4.0 points, 50 %
    result = ss.angoff_compute(panel=panel)
    assert result.judge_cuts_raw == pytest.approx([4.8, 4.0])
    assert result.cut_raw == pytest.approx(4.4)
    assert result.cut_percent == pytest.approx(55.0)
    # sample SD of (4.8, 4.0) = 0.5657, SE = SD / sqrt(2) = 0.4
    assert result.sd_judges_raw == pytest.approx(0.565685, abs=1e-6)
    assert result.se_cut_raw == pytest.approx(0.4)


def test_a_judge_sees_only_their_own_ratings(panel, judges):
    _rate(panel, judges[0], [50] * 8)
    _rate(panel, judges[1], [90] * 8)
    sheet = ss.angoff_judge_sheet(panel=panel, judge=judges[0])
    assert {unit["rating"] for unit in sheet["units"]} == {50}
    assert "round_one" not in sheet["units"][0]


def test_someone_not_on_the_panel_can_neither_see_nor_rate(panel, other_trainee, reviewer):
    with pytest.raises(ApplicationError) as exc:
        ss.angoff_judge_sheet(panel=panel, judge=reviewer)
    assert exc.value.status_code == 404
    with pytest.raises(ApplicationError):
        ss.angoff_ratings_save(panel=panel, judge=other_trainee, ratings={"1": 50})


def test_only_instructors_can_be_invited_as_judges(built, officer, trainee):
    with pytest.raises(ApplicationError) as exc:
        ss.angoff_panel_create(sitting=built.sitting, paper=built.paper, judges=[trainee], by=officer)
    assert exc.value.code == "not_instructor"


def test_ratings_outside_0_to_100_or_for_unknown_units_are_refused(panel, judges):
    with pytest.raises(ApplicationError) as exc:
        ss.angoff_ratings_save(panel=panel, judge=judges[0], ratings={"1": 120})
    assert exc.value.code == "bad_rating"
    with pytest.raises(ApplicationError) as exc:
        ss.angoff_ratings_save(panel=panel, judge=judges[0], ratings={"99": 50})
    assert exc.value.code == "bad_unit"


def test_the_cut_needs_every_judge_to_rate_every_unit(panel, judges):
    _rate(panel, judges[0], [50] * 8)
    with pytest.raises(ApplicationError) as exc:
        ss.angoff_compute(panel=panel)
    assert exc.value.code == "ratings_incomplete"


def test_round_two_starts_from_own_ratings_and_shows_the_round_one_spread_and_p(panel, judges, built):
    sitting_score(sitting=built.sitting)
    _rate(panel, judges[0], [40] * 8)
    _rate(panel, judges[1], [80] * 8)
    ss.angoff_round_two(panel=panel, by=judges[0])
    panel.refresh_from_db()
    sheet = ss.angoff_judge_sheet(panel=panel, judge=judges[0])
    first = sheet["units"][0]
    assert sheet["round"] == 2
    assert first["rating"] == 40  # own round-1 rating carried over
    assert first["round_one"] == {"min": 40, "mean": 60, "max": 80, "n": 2}
    assert first["p"] == pytest.approx(0.75)  # sba: three of four candidates right
    _rate(panel, judges[0], [60] * 8)
    assert ss.angoff_compute(panel=panel).cut_percent == pytest.approx(70.0)
    assert AngoffRating.objects.filter(panel=panel, round=1, judge=judges[0], value=40).count() == 8


def test_hofstee_uses_the_judges_mean_values_and_the_observed_scores(panel, judges, built):
    sitting_score(sitting=built.sitting)  # percents 100, 54.17, 25, 91.67
    ss.hofstee_judgement_save(panel=panel, judge=judges[0], min_cut=40, max_cut=80, min_fail=10, max_fail=60)
    ss.hofstee_judgement_save(panel=panel, judge=judges[1], min_cut=40, max_cut=80, min_fail=30, max_fail=60)
    result = ss.hofstee_compute(panel=panel)
    # mean values: cuts 40..80, fail 20..60. The line falls from 60 % at 40 to 20 % at 80.
    # Observed fail rate is 25 % on (25, 54.17]; the line reaches 25 % at 40 + 35/40 * 40 = 75,
    # beyond 54.17, where the fail rate steps to 50 %; the line is at 45.83 % there: cut = 54.17.
    assert result.min_fail_percent == 20
    assert result.cut_percent == pytest.approx(100 * (4 + 1 / 3) / 8)
    assert result.fail_percent_at_cut == 25.0


def test_setting_a_cut_keeps_history_and_rescoring_applies_it(built, officer, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        from exams.services.scoring import scoring_job_start

        scoring_job_start(sitting=built.sitting, by=officer)
        ss.cut_score_set(
            sitting=built.sitting, paper=built.paper, method="fixed", percent=60, reason="Policy", by=officer
        )
        cut, job = ss.cut_score_set(
            sitting=built.sitting, paper=built.paper, method="fixed", percent=20, reason="Revised", by=officer
        )
    assert CutScore.objects.filter(sitting=built.sitting).count() == 2
    assert CutScore.objects.get(is_current=True) == cut
    job.refresh_from_db()
    assert job.status == Job.Status.DONE
    assert job.result["pass_count"] == 4


def test_an_angoff_cut_records_the_panels_arithmetic(panel, judges, built, officer):
    _rate(panel, judges[0], [50, 60, 70, 80, 40, 50, 60, 70])
    _rate(panel, judges[1], [40, 50, 60, 70, 30, 40, 50, 60])
    cut, _job = ss.cut_score_set(
        sitting=built.sitting, paper=built.paper, method="angoff", panel=panel, reason="Panel of 2", by=officer
    )
    assert cut.percent == pytest.approx(55.0)
    assert cut.details["judge_cuts_raw"] == pytest.approx([4.8, 4.0])
    assert cut.details["panel"] == panel.pk


def test_a_conjunctive_exam_needs_a_paper_cut_and_a_reason(built, officer):
    with pytest.raises(ApplicationError) as exc:
        ss.cut_score_set(sitting=built.sitting, paper=None, method="fixed", percent=60, reason="x", by=officer)
    assert exc.value.code == "paper_cut_expected"
    with pytest.raises(ApplicationError) as exc:
        ss.cut_score_set(sitting=built.sitting, paper=built.paper, method="fixed", percent=60, reason=" ", by=officer)
    assert exc.value.code == "reason_required"
    with pytest.raises(ApplicationError) as exc:
        ss.cut_score_set(sitting=built.sitting, paper=built.paper, method="fixed", percent=160, reason="x", by=officer)
    assert exc.value.code == "bad_percent"
