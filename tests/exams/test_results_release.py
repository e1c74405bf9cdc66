"""Releasing results: only after key validation is closed and the scoring is current; hooks run after commit."""

from __future__ import annotations

import pytest
from django.utils import translation

from accounts.models import AuditEvent
from exams import registry
from exams.models import Attempt, CutScore, Sitting
from exams.services.keys import key_decision_confirm, key_validation_close
from exams.services.results import results_release
from exams.services.scoring import scoring_job_start
from irexam.errors import ApplicationError
from tests.exams.scoring_data import build_scoring_sitting

pytestmark = pytest.mark.django_db


@pytest.fixture
def built(officer, django_capture_on_commit_callbacks):
    built = build_scoring_sitting(officer=officer)
    Attempt.objects.filter(pk=built.attempts["c5"].pk).update(status=Attempt.Status.TERMINATED)
    CutScore.objects.create(sitting=built.sitting, paper=built.paper, method="fixed", percent=60, decided_by=officer)
    with django_capture_on_commit_callbacks(execute=True):
        scoring_job_start(sitting=built.sitting, by=officer)
    return built


def test_results_cannot_be_released_while_key_validation_is_open(built, officer):
    with translation.override("en"), pytest.raises(ApplicationError) as exc:
        results_release(sitting=built.sitting, by=officer)
    assert exc.value.code == "not_releasable"
    assert "key validation" in str(exc.value.message).lower()
    built.sitting.refresh_from_db()
    assert built.sitting.status == Sitting.Status.KEY_VALIDATION


def test_key_validation_cannot_close_while_a_rescoring_is_pending(built, officer):
    key_decision_confirm(  # the rescoring job is queued but not run (no on-commit execution here)
        sitting=built.sitting, version=built.versions[1], unit_id="", action="drop", key=[], reason="x", by=officer
    )
    with pytest.raises(ApplicationError) as exc:
        key_validation_close(sitting=built.sitting, by=officer)
    assert exc.value.code == "scoring_not_current"


def test_after_key_validation_closes_no_more_decisions_are_taken(built, officer):
    key_validation_close(sitting=built.sitting, by=officer)
    with pytest.raises(ApplicationError) as exc:
        key_decision_confirm(
            sitting=built.sitting, version=built.versions[1], unit_id="", action="drop", key=[], reason="x", by=officer
        )
    assert exc.value.code == "validation_closed"


def test_releasing_after_key_validation_sets_the_status_audits_and_calls_the_hooks(
    built, officer, django_capture_on_commit_callbacks
):
    calls = []
    registry.register_results_released(calls.append)
    try:
        key_validation_close(sitting=built.sitting, by=officer)
        with django_capture_on_commit_callbacks(execute=True):
            sitting = results_release(sitting=built.sitting, by=officer)
    finally:
        registry.unregister_results_released(calls.append)
    assert sitting.status == Sitting.Status.RELEASED
    assert sitting.released_by == officer and sitting.released_at is not None
    assert calls == [built.sitting.pk]
    event = AuditEvent.objects.filter(action="exam.results_release").get()
    assert event.data == {"candidates": 5, "passed": 2}  # c5 was terminated: scored, failed


def test_results_are_not_released_twice(built, officer):
    key_validation_close(sitting=built.sitting, by=officer)
    results_release(sitting=built.sitting, by=officer)
    with pytest.raises(ApplicationError):
        results_release(sitting=built.sitting, by=officer)


def test_a_changed_cut_makes_the_scoring_stale_until_it_is_rescored(built, officer):
    key_validation_close(sitting=built.sitting, by=officer)
    CutScore.objects.filter(sitting=built.sitting).update(percent=50)
    with translation.override("en"), pytest.raises(ApplicationError) as exc:
        results_release(sitting=built.sitting, by=officer)
    assert "not up to date" in str(exc.value.message)
