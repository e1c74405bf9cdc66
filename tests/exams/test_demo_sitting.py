"""The released demo sitting of ``load_demo`` (exams/demo_sitting.py), on a small bank and cohort."""

from __future__ import annotations

import pytest

from accounts.demo import demo_steps
from accounts.models import User
from exams import demo, demo_sitting, registry
from exams.models import (
    Attempt,
    CandidateResult,
    CutScore,
    Exam,
    ItemComment,
    KeyDecision,
    Registration,
    Sitting,
)
from exams.services.scoring import scoring_is_current, sitting_compute, sitting_data_load
from tests.exams.test_assembly_service import make_items
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

N = 120


@pytest.fixture
def released(officer, reviewer, instructor, trainee, proctor, monkeypatch):
    monkeypatch.setattr(registry, "_CERTIFICATE_CHECKERS", [])
    UserFactory(username="trainee2", roles=["trainee"])
    for area, difficulty in (("TACE", 0.55), ("TACE", 0.8), ("CORE-RAD", 0.65), ("CORE-RAD", None)):
        make_items(reviewer, area, 6, difficulty=difficulty)
    demo.load_exams_demo(lambda line: None)
    said: list[str] = []
    sitting = demo_sitting.load_demo_sitting(said.append, n_candidates=N)
    return sitting, said


def test_the_step_releases_a_scored_key_validated_sitting_with_an_angoff_cut(released, officer):
    sitting, said = released
    sitting.refresh_from_db()
    assert sitting.status == Sitting.Status.RELEASED
    assert sitting.exam.code == demo.QUALIFYING_CODE
    assert sitting.key_validation_closed_at is not None and sitting.released_by == officer
    assert sitting.closes_at < sitting.released_at
    assert CandidateResult.objects.filter(sitting=sitting).count() == N + 1
    assert not CandidateResult.objects.filter(sitting=sitting, passed__isnull=True).exists()
    assert set(Attempt.objects.filter(form__sitting=sitting).values_list("status", flat=True)) == {"submitted"}
    cut = CutScore.objects.get(sitting=sitting, is_current=True)
    assert cut.method == "angoff" and 40 < cut.percent < 90 and cut.reason
    assert cut.details["n_judges"] == 2 and len(cut.details["judge_cuts_percent"]) == 2
    analysis = sitting.analysis.data
    for decision in KeyDecision.objects.filter(sitting=sitting):
        assert decision.reason and decision.action in ("drop", "keep")
        items = [i for f in analysis["forms"] for i in f["items"] if i["version_id"] == decision.version_id]
        assert items and all(i["dropped"] == (decision.action == "drop") for i in items)
        if decision.action == "keep":  # a mildly flagged item is kept
            codes = {f["code"] for i in items for f in i["flags"]}
            assert codes and codes <= {"low_discrimination", "too_easy", "too_hard"}
    assert any("released demo sitting" in line for line in said)


def test_the_simulated_candidates_are_trainees_of_several_centres_without_a_usable_password(released):
    sitting, _said = released
    users = list(User.objects.filter(username__startswith=demo_sitting.CANDIDATE_PREFIX).select_related("organization"))
    assert len(users) == N
    assert not any(u.has_usable_password() for u in users)
    assert all(u.display_name_zh and u.display_name_en and u.province for u in users)
    assert all(u.organization.kind == "centre" for u in users)
    assert len({u.province for u in users}) >= 5
    assert all(u.has_role("trainee") for u in users[:5])
    # the demo trainee sat too, so their score report can be seen in the demo
    assert Registration.objects.filter(sitting=sitting, candidate__username="trainee").exists()
    registrations = list(Registration.objects.filter(sitting=sitting).select_related("candidate"))
    assert all(r.eligibility["eligible"] or (r.override_reason and r.override_by) for r in registrations)
    simulated = [r for r in registrations if r.candidate.username.startswith(demo_sitting.CANDIDATE_PREFIX)]
    assert all(r.eligibility["reasons"][0]["code"] == "simulated" for r in simulated)


def test_the_stored_results_equal_a_clean_rescore(released):
    sitting, _said = released
    assert scoring_is_current(sitting)
    outcome = sitting_compute(sitting_data_load(sitting))
    stored = {
        r.registration_id: (r.raw_score, r.max_score, r.percent, r.scaled_score, r.passed)
        for r in CandidateResult.objects.filter(sitting=sitting)
    }
    computed = {
        registration_id: (r["raw_score"], r["max_score"], r["percent"], r["scaled_score"], r["passed"])
        for registration_id, r in outcome.results.items()
    }
    assert stored == computed
    for attempt in Attempt.objects.filter(form__sitting=sitting):
        again = outcome.attempts[attempt.pk]
        assert (attempt.raw_score, attempt.theta, attempt.scaled_score, attempt.passed) == (
            again.raw_score,
            again.theta,
            again.scaled_score,
            again.passed,
        )


def test_the_pass_rate_and_the_reliability_are_plausible(released):
    sitting, _said = released
    analysis = sitting.analysis.data
    assert 0.3 < analysis["pass_count"] / (N + 1) < 0.9
    for form in analysis["forms"]:
        assert 0.5 < form["test"]["kr20"] < 0.99
        p_values = [item["p"] for item in form["items"] if not item["dropped"]]
        assert 0.4 < sum(p_values) / len(p_values) < 0.9
        # a few answers are omitted, distractors are chosen unevenly
        assert any(item["omit_rate"] > 0 for item in form["items"])


def test_candidates_comment_on_the_ambiguous_item_and_key_validation_sees_it(released):
    sitting, _said = released
    comments = ItemComment.objects.filter(attempt__form__sitting=sitting)
    assert comments.count() == len(demo_sitting.COMMENTS)
    (version_id,) = set(comments.values_list("version_id", flat=True))
    items = [i for f in sitting.analysis.data["forms"] for i in f["items"] if i["version_id"] == version_id]
    assert items and all(i["comments"] == 4 and "many_comments" in {f["code"] for f in i["flags"]} for i in items)


def test_running_the_step_again_changes_nothing(released):
    sitting, _said = released
    counts = (User.objects.count(), Registration.objects.count(), Attempt.objects.count(), Sitting.objects.count())
    said: list[str] = []
    again = demo_sitting.load_demo_sitting(said.append, n_candidates=N)
    assert again == sitting
    assert (User.objects.count(), Registration.objects.count(), Attempt.objects.count(), Sitting.objects.count()) == (
        counts
    )
    assert any("already there" in line for line in said)


def test_without_the_qualifying_exam_the_step_says_so_and_creates_nothing(officer):
    said: list[str] = []
    assert demo_sitting.load_demo_sitting(said.append, n_candidates=10) is None
    assert not Sitting.objects.exists() and not Exam.objects.exists()
    assert any("no released demo sitting" in line for line in said)


def test_the_step_runs_after_the_exams_and_before_the_certificates():
    order = [step.name for step in demo_steps()]
    assert order.index("exams") < order.index("exams_released_sitting") < order.index("certificates")
