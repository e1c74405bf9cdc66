"""Scoring a sitting: hand-computed scores for every item type, pass/fail, reproducibility, key decisions."""

from __future__ import annotations

import pytest
from django.db import connection
from django.utils import timezone

from exams.models import (
    Attempt,
    CandidateResult,
    CutScore,
    Exam,
    Job,
    KeyDecision,
    Response,
    Sitting,
    SittingAnalysis,
)
from exams.services import scoring
from exams.services.keys import key_decision_confirm, key_decision_preview
from exams.services.scoring import scoring_job_start, sitting_score
from irexam.errors import ApplicationError
from question_bank.models import ItemStatistic
from tests.exams.scoring_data import (
    AREA_MAX,
    EXPECTED_AREAS,
    EXPECTED_RAW,
    build_scoring_sitting,
    build_simulated_sitting,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def built(officer):
    return build_scoring_sitting(officer=officer)


def _cut(built, officer, percent, paper=True):
    return CutScore.objects.create(
        sitting=built.sitting,
        paper=built.paper if paper else None,
        method=CutScore.Method.FIXED,
        percent=percent,
        decided_by=officer,
    )


def _attempt(built, name) -> Attempt:
    return Attempt.objects.get(pk=built.attempts[name].pk)


def test_it_scores_every_item_type_as_worked_out_by_hand(built):
    sitting_score(sitting=built.sitting)
    for name, raw in EXPECTED_RAW.items():
        attempt = _attempt(built, name)
        assert attempt.raw_score == pytest.approx(raw)
        assert attempt.max_score == 8.0
        assert attempt.percent == pytest.approx(100 * raw / 8)
        assert attempt.scored_at is not None


def test_area_scores_hold_raw_max_and_percent_per_technique_area(built):
    sitting_score(sitting=built.sitting)
    for name, areas in EXPECTED_AREAS.items():
        scores = _attempt(built, name).area_scores
        assert set(scores) == set(areas)
        for code, raw in areas.items():
            assert scores[code]["raw"] == pytest.approx(raw)
            assert scores[code]["max"] == AREA_MAX[code]
            assert scores[code]["percent"] == pytest.approx(100 * raw / AREA_MAX[code])


def test_a_locked_case_stage_counts_the_answer_given_before_moving_on(built):
    sitting_score(sitting=built.sitting)
    # c2 changed q1 from A to B after stage s1 locked: A (correct) counts
    assert _attempt(built, "c2").area_scores["TACE"]["raw"] == pytest.approx(1 + 2 / 3)


def test_an_attempt_still_in_progress_is_not_scored(built):
    sitting_score(sitting=built.sitting)
    assert _attempt(built, "c5").raw_score is None
    assert not CandidateResult.objects.filter(registration=built.registrations["c5"]).exists()


def test_without_a_cut_score_nobody_has_passed_or_failed_yet(built):
    summary = sitting_score(sitting=built.sitting)
    assert summary.pass_count is None
    assert {a.passed for a in Attempt.objects.filter(form=built.form)} == {None}
    assert {r.passed for r in CandidateResult.objects.all()} == {None}


def test_a_conjunctive_exam_passes_candidates_at_or_above_the_paper_cut(built, officer):
    _cut(built, officer, 60)  # 60 % of 8 = 4.8 points
    summary = sitting_score(sitting=built.sitting)
    passed = {name: _attempt(built, name).passed for name in EXPECTED_RAW}
    assert passed == {"c1": True, "c2": False, "c3": False, "c4": True}
    assert summary.pass_count == 2
    result = CandidateResult.objects.get(registration=built.registrations["c4"])
    assert result.passed is True
    assert result.percent == pytest.approx(100 * (7 + 1 / 3) / 8)


def test_a_candidate_exactly_at_the_cut_passes(built, officer):
    _cut(built, officer, 25)  # 2 points: c3 has exactly 2
    sitting_score(sitting=built.sitting)
    assert _attempt(built, "c3").passed is True


def test_a_compensatory_exam_judges_the_total_against_the_total_cut(officer):
    built = build_scoring_sitting(officer=officer, pass_rule=Exam.PassRule.COMPENSATORY, code="ir-comp")
    _cut(built, officer, 50, paper=False)  # 4 of 8 points
    sitting_score(sitting=built.sitting)
    results = {
        name: CandidateResult.objects.get(registration=built.registrations[name]).passed for name in EXPECTED_RAW
    }
    assert results == {"c1": True, "c2": True, "c3": False, "c4": True}
    assert _attempt(built, "c1").passed is None  # no per-paper verdict under a compensatory rule


def test_item_analysis_and_bank_statistics_are_stored_for_the_sitting(built):
    sitting_score(sitting=built.sitting)
    analysis = SittingAnalysis.objects.get(sitting=built.sitting)
    form = analysis.data["forms"][0]
    assert form["n"] == 4
    sba = form["items"][0]
    assert (sba["label"], sba["n"], sba["key"]) == ("1", 4, "B")
    assert sba["p"] == pytest.approx(0.75)
    options = {o["option"]: o["proportion"] for o in sba["options"]}
    assert options["A"] == pytest.approx(0.25) and options["B"] == pytest.approx(0.75)
    emq2 = next(i for i in form["items"] if i["label"] == "4:2")
    assert emq2["omit_rate"] == pytest.approx(0.25)  # c3 left the emq out
    assert form["test"]["mean"] == pytest.approx(sum(EXPECTED_RAW.values()) / 4)
    stats = ItemStatistic.objects.filter(source=f"sitting:{built.sitting.pk}:{built.form.pk}")
    assert stats.count() == 8
    assert stats.get(version=built.versions[1]).p_value == pytest.approx(0.75)


def test_scoring_twice_replaces_rather_than_duplicates_the_statistics(built):
    sitting_score(sitting=built.sitting)
    sitting_score(sitting=built.sitting)
    assert ItemStatistic.objects.filter(source__startswith=f"sitting:{built.sitting.pk}:").count() == 8
    assert CandidateResult.objects.filter(sitting=built.sitting).count() == 4


def _snapshot(sitting):
    attempts = list(
        Attempt.objects.filter(form__sitting=sitting)
        .order_by("pk")
        .values_list("raw_score", "percent", "theta", "theta_se", "scaled_score", "passed", "area_scores")
    )
    analysis = SittingAnalysis.objects.get(sitting=sitting)
    return attempts, analysis.data, analysis.inputs_digest


def test_rescoring_the_same_responses_and_decisions_gives_identical_results(officer):
    sitting, paper, _forms, _versions = build_simulated_sitting(officer=officer)
    CutScore.objects.create(sitting=sitting, paper=paper, method="fixed", percent=50, decided_by=officer)
    sitting_score(sitting=sitting)
    first = _snapshot(sitting)
    sitting_score(sitting=sitting)
    assert _snapshot(sitting) == first


def test_a_large_enough_sitting_gets_rasch_abilities_and_scaled_scores_with_the_cut_at_the_scale_cut(officer):
    sitting, paper, forms, _versions = build_simulated_sitting(officer=officer)
    CutScore.objects.create(sitting=sitting, paper=paper, method="fixed", percent=50, decided_by=officer)
    sitting_score(sitting=sitting)
    analysis = SittingAnalysis.objects.get(sitting=sitting).data
    summary = analysis["papers"][str(paper.pk)]
    assert summary["equated"] is True
    assert summary["rasch"]["converged"] is True
    attempts = list(Attempt.objects.filter(form__sitting=sitting))
    assert all(a.theta is not None and a.theta_se > 0 for a in attempts)
    # on the reference form the cut is 6 of 12 points; scaled scores and pass/fail agree everywhere
    for attempt in attempts:
        assert attempt.passed == (attempt.scaled_score >= 300 - 1e-6)
    reference = [a for a in attempts if a.form_id == forms[0].pk]
    assert all(a.passed == (a.raw_score >= 6) for a in reference)
    # a higher raw score on the same form never scales lower
    for form in forms:
        ordered = sorted((a.raw_score, a.scaled_score) for a in attempts if a.form_id == form.pk)
        assert all(x[1] <= y[1] + 1e-9 for x, y in zip(ordered, ordered[1:], strict=False))


# --- key decisions: preview == confirmed effect ------------------------------------------------


@pytest.mark.parametrize(
    ("position", "action", "key", "expected_raw", "expected_max", "pass_after"),
    [
        # drop the sba: nobody gets its point, the maximum is 7 and the cut 4.2
        (1, "drop", [], {"c1": 7, "c2": 4 + 1 / 3, "c3": 1, "c4": 6 + 1 / 3}, 7, 3),
        # accept A as well: c2 gains a point
        (1, "accept", ["A"], {"c1": 8, "c2": 5 + 1 / 3, "c3": 2, "c4": 7 + 1 / 3}, 8, 3),
        # re-key the true/false item to F: only c3 chose F
        (3, "rekey", ["F"], {"c1": 7, "c2": 3 + 1 / 3, "c3": 3, "c4": 6 + 1 / 3}, 8, 2),
    ],
)
def test_a_key_decision_previews_its_impact_and_confirming_it_has_exactly_that_effect(
    built, officer, django_capture_on_commit_callbacks, position, action, key, expected_raw, expected_max, pass_after
):
    _cut(built, officer, 60)
    sitting_score(sitting=built.sitting)
    version = built.versions[position]
    impact = key_decision_preview(sitting=built.sitting, version=version, unit_id="", action=action, key=key)
    assert impact["pass_count_before"] == 2
    assert impact["pass_count_after"] == pass_after
    assert impact["attempts_presented"] == 4
    changed = sum(1 for name, raw in expected_raw.items() if raw != EXPECTED_RAW[name] or expected_max != 8)
    assert impact["attempts_changed"] == changed
    with django_capture_on_commit_callbacks(execute=True):
        decision, job = key_decision_confirm(
            sitting=built.sitting, version=version, unit_id="", action=action, key=key, reason="Review", by=officer
        )
    job.refresh_from_db()
    assert job.status == Job.Status.DONE
    assert decision.is_current
    for name, raw in expected_raw.items():
        attempt = _attempt(built, name)
        assert attempt.raw_score == pytest.approx(raw)
        assert attempt.max_score == expected_max
    assert CandidateResult.objects.filter(sitting=built.sitting, passed=True).count() == pass_after


def test_a_new_decision_on_the_same_unit_replaces_the_current_one_and_keeps_history(
    built, officer, django_capture_on_commit_callbacks
):
    sitting_score(sitting=built.sitting)
    version = built.versions[1]
    with django_capture_on_commit_callbacks(execute=True):
        key_decision_confirm(
            sitting=built.sitting, version=version, unit_id="", action="drop", key=[], reason="Ambiguous", by=officer
        )
        key_decision_confirm(
            sitting=built.sitting, version=version, unit_id="", action="keep", key=[], reason="Reviewed", by=officer
        )
    decisions = KeyDecision.objects.filter(sitting=built.sitting, version=version)
    assert decisions.count() == 2
    assert decisions.get(is_current=True).action == "keep"
    assert _attempt(built, "c1").raw_score == 8  # back to the original key


def test_an_emq_stem_can_be_dropped_on_its_own(built, officer, django_capture_on_commit_callbacks):
    sitting_score(sitting=built.sitting)
    with django_capture_on_commit_callbacks(execute=True):
        key_decision_confirm(
            sitting=built.sitting,
            version=built.versions[4],
            unit_id="2",
            action="drop",
            key=[],
            reason="Two types fit",
            by=officer,
        )
    c1 = _attempt(built, "c1")
    assert (c1.raw_score, c1.max_score) == (7, 7)
    assert c1.area_scores["ANEU"]["max"] == 2


def test_a_decision_that_does_not_fit_the_item_is_refused_with_a_clear_message(built, officer):
    sitting_score(sitting=built.sitting)
    with pytest.raises(ApplicationError) as exc:
        key_decision_preview(sitting=built.sitting, version=built.versions[1], unit_id="", action="accept", key=["Z"])
    assert "Z" in str(exc.value.message)
    with pytest.raises(ApplicationError):
        key_decision_preview(sitting=built.sitting, version=built.versions[4], unit_id="9", action="drop", key=[])


def test_starting_scoring_queues_one_job_and_opens_key_validation(built, officer, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        job = scoring_job_start(sitting=built.sitting, by=officer)
    job.refresh_from_db()
    built.sitting.refresh_from_db()
    assert job.status == Job.Status.DONE
    assert job.progress == 1.0
    assert job.result["attempts"] == 4
    assert built.sitting.status == "key_validation"
    assert scoring.scoring_is_current(built.sitting)


def test_a_job_delivered_twice_runs_once(built, officer):
    job = Job.objects.create(kind=scoring.JOB_KIND, sitting=built.sitting)
    assert scoring.scoring_job_run(job.pk) == "done"
    assert scoring.scoring_job_run(job.pk) == "skipped"


def test_loading_a_sitting_takes_a_fixed_number_of_queries(built, django_assert_num_queries):
    with django_assert_num_queries(10):
        scoring.sitting_data_load(built.sitting)


def test_a_later_sitting_is_linked_through_common_items_and_inherits_the_cut(officer):
    first, paper, _forms, versions = build_simulated_sitting(officer=officer, n_candidates=200, code="ir-eq")
    CutScore.objects.create(sitting=first, paper=paper, method="fixed", percent=50, decided_by=officer)
    sitting_score(sitting=first)
    Sitting.objects.filter(pk=first.pk).update(status=Sitting.Status.RELEASED, released_at=timezone.now())
    base = SittingAnalysis.objects.get(sitting=first).data["papers"][str(paper.pk)]
    # a second sitting of the same exam and items, with abler candidates and no cut of its own
    second, _paper, _forms, _v = build_simulated_sitting(
        officer=officer, n_candidates=200, code="ir-eq-2", exam=first.exam, versions=versions, shift=0.5, seed=11
    )
    sitting_score(sitting=second)
    summary = SittingAnalysis.objects.get(sitting=second).data["papers"][str(paper.pk)]
    linking = summary["linking"]
    assert linking["reference_sitting"] == first.pk
    assert linking["n_anchors"] >= 15  # every calibrated unit is common
    assert summary["cut_source"] == "equated"
    # the same forms: the carried cut falls on about the same raw score as in the first sitting (6 of 12
    # on form A; fewer on the harder form B), up to the sampling error of 100 candidates per form
    first_cuts = {f["label"]: f["cut_raw"] for f in base["forms"].values()}
    second_cuts = {f["label"]: f["cut_raw"] for f in summary["forms"].values()}
    assert first_cuts["A"] == pytest.approx(6.0)
    for label in ("A", "B"):
        assert second_cuts[label] == pytest.approx(first_cuts[label], abs=0.75)
    assert second_cuts["B"] < second_cuts["A"]
    assert summary["theta_cut_base"] == pytest.approx(base["theta_cut_base"])
    # the abler group's difficulties look easier on its own N(0, 1) scale: the link shifts them back
    assert linking["intercept"] > 0.2
    results = CandidateResult.objects.filter(sitting=second)
    assert results.filter(passed__isnull=True).count() == 0
    first_rate = CandidateResult.objects.filter(sitting=first, passed=True).count() / 200
    assert results.filter(passed=True).count() / 200 > first_rate  # abler candidates, same standard
    for attempt in Attempt.objects.filter(form__sitting=second):
        assert attempt.passed == (attempt.scaled_score >= 300 - 1e-6)


# --- the fast paths give what scoring one response at a time gives ----------------------------


def _scored_one_by_one(sitting):
    """Reference: each final attempt's responses scored on their own, as the candidate API would."""
    from exams.scoring_rules import chosen_options, score_response
    from exams.services.attempts import effective_answer

    expected = {}
    for attempt in Attempt.objects.filter(form__sitting=sitting, status__in=Attempt.FINAL).order_by("pk"):
        versions = dict(attempt.form.items.values_list("position", "version__content"))
        cells = {}
        for response in attempt.responses.order_by("position"):
            answer = effective_answer(attempt, response.position, response.answer)
            content = versions[response.position]
            chosen = chosen_options(content, answer)
            for unit_id, value in score_response(content, answer).items():
                cells[(response.position, unit_id)] = (value, "".join(chosen[unit_id]))
        expected[attempt.pk] = cells
    return expected


def _one_form_per_candidate(sitting) -> None:
    """Give every attempt its own copy of its form (as a per-candidate sitting has)."""
    from exams.models import Form, FormItem

    for attempt in Attempt.objects.filter(form__sitting=sitting).select_related("form").order_by("pk"):
        old = attempt.form
        form = Form.objects.create(sitting=sitting, paper=old.paper, label=f"cand-{attempt.pk}", layout=old.layout)
        items = old.items.all()
        FormItem.objects.bulk_create(
            [FormItem(form=form, position=i.position, version_id=i.version_id, area_id=i.area_id) for i in items]
        )
        Attempt.objects.filter(pk=attempt.pk).update(form=form)


@pytest.mark.parametrize("which", ["hand", "simulated", "per_candidate"])
def test_scoring_each_distinct_answer_once_equals_scoring_each_response_on_its_own(which, officer):
    if which == "hand":
        sitting = build_scoring_sitting(officer=officer).sitting
    else:
        sitting, _paper, _forms, _versions = build_simulated_sitting(officer=officer)
    if which == "per_candidate":
        _one_form_per_candidate(sitting)
    outcome = scoring.sitting_compute(scoring.sitting_data_load(sitting))
    expected = _scored_one_by_one(sitting)
    checked = 0
    for form in outcome.forms:
        for i, attempt_id in enumerate(form.attempt_ids):
            cells = expected.pop(attempt_id)
            for j, unit in enumerate(form.form.units):
                value, chosen = cells.get((unit.position, unit.unit_id), (0.0, ""))
                assert form.scores[i, j] == pytest.approx(value), (attempt_id, unit.label)
                assert form.omitted[i, j] == (chosen == ""), (attempt_id, unit.label)
                assert form.choices[i, j] == ("" if unit.type == "order" else chosen), (attempt_id, unit.label)
                checked += 1
    assert expected == {}  # every final attempt was scored
    assert checked > 0


def test_the_fast_write_paths_store_exactly_what_bulk_update_stores(officer):
    """executemany (and COPY + UPDATE FROM on PostgreSQL) store what bulk_update would, field by field."""
    sitting, paper, _forms, _versions = build_simulated_sitting(officer=officer)
    CutScore.objects.create(sitting=sitting, paper=paper, method="fixed", percent=50, decided_by=officer)
    outcome = scoring.sitting_compute(scoring.sitting_data_load(sitting))
    now = timezone.now()
    rows = [
        (attempt_id, *(getattr(result, name) for name in scoring.ATTEMPT_SCORE_FIELDS))
        for attempt_id, result in sorted(outcome.attempts.items())
    ]
    fields = [*scoring.ATTEMPT_SCORE_FIELDS, "scored_at"]
    attempts = Attempt.objects.filter(form__sitting=sitting).order_by("pk")

    def reset():
        attempts.update(raw_score=None, percent=None, theta=None, passed=None, area_scores={}, scored_at=None)

    reset()
    Attempt.objects.bulk_update(  # the reference: what scoring wrote before the fast paths
        [
            Attempt(pk=row[0], scored_at=now, **dict(zip(scoring.ATTEMPT_SCORE_FIELDS, row[1:], strict=True)))
            for row in rows
        ],
        fields,
        batch_size=100,
    )
    reference = list(attempts.values_list("pk", *fields))
    assert len(reference) == 60 and all(row[1] is not None and row[-1] == now for row in reference)
    assert any(row[7] is True for row in reference) and any(row[7] is False for row in reference)
    paths = [False, True] if connection.vendor == "postgresql" else [False]
    for use_copy in paths:
        reset()
        scoring.attempts_scores_write(rows, scored_at=now, use_copy=use_copy)
        assert list(attempts.values_list("pk", *fields)) == reference, use_copy
    results = CandidateResult.objects.filter(sitting=sitting).order_by("registration_id")
    CandidateResult.objects.bulk_create(
        [CandidateResult(sitting=sitting, registration_id=r, computed_at=now, **v) for r, v in outcome.results.items()]
    )
    expected = list(results.values_list("registration_id", *scoring.CANDIDATE_RESULT_FIELDS, "computed_at"))
    for use_copy in paths:
        scoring.candidate_results_write(sitting=sitting, results=outcome.results, computed_at=now, use_copy=use_copy)
        assert list(results.values_list("registration_id", *scoring.CANDIDATE_RESULT_FIELDS, "computed_at")) == expected


@pytest.mark.postgres
def test_scoring_on_postgresql_twice_in_one_transaction_replaces_the_results(built):
    """The temporary table of the COPY path is dropped after use, so a second scoring can create it again."""
    sitting_score(sitting=built.sitting)
    sitting_score(sitting=built.sitting)
    assert CandidateResult.objects.filter(sitting=built.sitting).count() == 4
    assert _attempt(built, "c2").raw_score == pytest.approx(EXPECTED_RAW["c2"])


def test_the_scoring_benchmark_builds_a_sitting_that_scores_end_to_end():
    """bench/scoring_bench.py's data (COPY on PostgreSQL, bulk_create elsewhere) and its baseline query."""
    from bench.scoring_bench import bare_select, build

    sitting = build(40, 12, 1)
    responses = bare_select(sitting)
    assert 400 < responses < 480  # about 2 % omitted
    assert responses == Response.objects.filter(attempt__form__sitting=sitting).count()
    assert Response.objects.filter(attempt__form__sitting=sitting, answer__choice__in=list("ABCDE")).count() == (
        responses
    )
    summary = sitting_score(sitting=sitting)
    assert summary.candidates == 40 and summary.pass_count is not None
    assert set(summary.timings) == {"load", "score", "analyse", "calibrate", "save"}


# --- flag reasons in the reader's language ---------------------------------------------------------


def test_flags_keep_their_numbers_and_are_shown_in_the_readers_language():
    from django.utils import translation

    from exams import psychometrics
    from exams.selectors_scoring import flag_display

    flags = psychometrics.item_flags(0.2, -0.12, n_comments=4)
    assert [(f.code, f.params) for f in flags] == [
        ("too_hard", {"p": 0.2, "threshold": psychometrics.TOO_HARD_P}),
        ("negative_discrimination", {"rpb": -0.12}),
        ("many_comments", {"n": 4}),
    ]
    stored = psychometrics.to_jsonable(flags)
    with translation.override("en"):
        shown = [flag_display(flag) for flag in stored]
        assert shown[0] == {
            "code": "too_hard",
            "label": "Too hard",
            "reason": "p = 0.20 is below 0.30: few candidates answer this unit correctly.",
        }
        assert shown[1]["reason"].startswith("The corrected point-biserial -0.12 is negative")
        assert shown[2]["reason"] == "4 candidate comments."
    with translation.override("zh-hans"):
        shown = [flag_display(flag) for flag in stored]
        assert [s["label"] for s in shown] == ["过难", "区分度为负", "试题反馈较多"]
        assert "校正点二列相关系数 -0.12" in shown[1]["reason"] and shown[2]["reason"] == "4 条试题反馈。"
    # a flag stored before the numbers were kept shows its English reason under a translated label
    with translation.override("zh-hans"):
        assert flag_display({"code": "too_easy", "reason": "p = 0.97 is above 0.95"}) == {
            "code": "too_easy",
            "label": "过易",
            "reason": "p = 0.97 is above 0.95",
        }


def test_the_item_analysis_shows_every_flag_with_a_label_and_a_reason(officer):
    from django.utils import translation

    from exams.selectors_scoring import item_analysis, item_detail

    sitting, _paper, forms, _versions = build_simulated_sitting(officer=officer)
    sitting_score(sitting=sitting)
    with translation.override("zh-hans"):
        analysis = item_analysis(sitting)
        flags = [flag for form in analysis["forms"] for item in form["items"] for flag in item["flags"]]
        assert flags, "the simulated sitting has flagged units"
        assert all(set(flag) == {"code", "label", "reason"} and flag["reason"] for flag in flags)
        assert all(flag["label"] != flag["code"] for flag in flags)
        flagged = next(item for item in analysis["forms"][0]["items"] if item["flags"])
        detail = item_detail(sitting, form_id=forms[0].pk, position=flagged["position"])
        assert detail["units"][0]["flags"] == flagged["flags"]
