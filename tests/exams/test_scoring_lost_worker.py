"""A scoring job whose Celery worker died (found by the chaos run, docs/reliability.md) or whose work raised."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import InterfaceError, OperationalError
from django.utils import timezone, translation

from exams.models import CutScore, Job
from exams.services import scoring
from exams.services.results import results_release_problems
from exams.services.scoring import JOB_KIND, scoring_job_start
from exams.tasks_scoring import score_sitting
from tests.exams.scoring_data import build_scoring_sitting

pytestmark = pytest.mark.django_db


@pytest.fixture
def built(officer):
    built = build_scoring_sitting(officer=officer)
    CutScore.objects.create(
        sitting=built.sitting, paper=built.paper, method=CutScore.Method.FIXED, percent=60, decided_by=officer
    )
    return built


def _running(sitting, heartbeat_age: timedelta) -> Job:
    now = timezone.now()
    return Job.objects.create(
        kind=JOB_KIND, sitting=sitting, status=Job.Status.RUNNING, started_at=now, heartbeat_at=now - heartbeat_age
    )


def test_scoring_again_fails_a_job_that_lost_its_worker_and_scores_so_results_can_be_released(
    built, officer, django_capture_on_commit_callbacks
):
    lost = _running(built.sitting, scoring.STALE_JOB_AFTER + timedelta(seconds=1))

    with django_capture_on_commit_callbacks(execute=True):
        job = scoring_job_start(sitting=built.sitting, by=officer)

    lost.refresh_from_db()
    job.refresh_from_db()
    assert (lost.status, lost.error) == (Job.Status.FAILED, "worker lost")
    assert job.pk != lost.pk and job.status == Job.Status.DONE
    built.sitting.refresh_from_db()
    with translation.override("en"):
        problems = [str(p) for p in results_release_problems(built.sitting)]
    assert "The scoring is not up to date. Wait for the rescoring to finish." not in problems


def test_a_running_job_with_a_recent_heartbeat_is_left_alone(built, officer):
    live = _running(built.sitting, timedelta(seconds=30))

    scoring_job_start(sitting=built.sitting, by=officer)

    live.refresh_from_db()
    assert live.status == Job.Status.RUNNING


def _run_raising(job: Job, error: Exception, monkeypatch) -> None:
    """Run the job with scoring raising ``error``; the job is reloaded and scoring restored."""

    def raising(**kwargs):
        raise error

    monkeypatch.setattr(scoring, "sitting_score", raising)
    with pytest.raises(type(error)):
        scoring.scoring_job_run(job.pk)
    monkeypatch.undo()
    job.refresh_from_db()


def test_an_unexpected_error_fails_the_scoring_job_and_score_starts_afresh(
    built, officer, monkeypatch, django_capture_on_commit_callbacks
):
    job = scoring_job_start(sitting=built.sitting, by=officer)  # queued (on_commit not run: no worker yet)

    _run_raising(job, ZeroDivisionError("division by zero"), monkeypatch)

    assert (job.status, job.error) == (Job.Status.FAILED, "ZeroDivisionError: division by zero")
    with django_capture_on_commit_callbacks(execute=True):
        again = scoring_job_start(sitting=built.sitting, by=officer)
    assert again.pk != job.pk
    again.refresh_from_db()
    assert again.status == Job.Status.DONE and again.result["attempts"] == 4


def test_a_lost_database_puts_the_scoring_job_back_and_score_sends_the_waiting_job_again(
    built, officer, monkeypatch, django_capture_on_commit_callbacks
):
    job = scoring_job_start(sitting=built.sitting, by=officer)

    _run_raising(job, OperationalError("server closed the connection unexpectedly"), monkeypatch)

    assert job.status == Job.Status.PENDING
    with django_capture_on_commit_callbacks(execute=True) as callbacks:  # reused, and its message sent again
        assert scoring_job_start(sitting=built.sitting, by=officer).pk == job.pk
    assert len(callbacks) == 1
    job.refresh_from_db()
    assert job.status == Job.Status.DONE and job.result["attempts"] == 4


def test_the_scoring_task_retries_only_a_lost_database_and_a_bounded_number_of_times():
    assert set(score_sitting.autoretry_for) == {OperationalError, InterfaceError}
    assert 0 < score_sitting.max_retries <= 5
