"""The one runner of background jobs (exams.services.jobs.job_run), shared by scoring and issuing."""

from __future__ import annotations

import pytest
from django.db import InterfaceError, OperationalError

from exams.models import Job
from exams.services.jobs import ERROR_MAX_LENGTH, job_run
from irexam.errors import ApplicationError

pytestmark = pytest.mark.django_db


@pytest.fixture
def job():
    return Job.objects.create(kind="test_job")


def test_a_job_is_claimed_once_and_a_second_run_is_skipped(job):
    calls = []

    def work(claimed: Job) -> dict:
        calls.append(claimed.pk)
        assert claimed.status == Job.Status.RUNNING
        return {"issued": 3}

    assert job_run(job.pk, work) == "done"
    assert job_run(job.pk, work) == "skipped"
    assert calls == [job.pk]
    job.refresh_from_db()
    assert (job.status, job.result, job.progress, job.phase) == (Job.Status.DONE, {"issued": 3}, 1.0, "done")
    assert job.started_at is not None and job.finished_at is not None


def test_an_application_error_fails_the_job_with_its_message(job):
    def refuse(claimed: Job) -> dict:
        raise ApplicationError("No cut score for paper 1.", code="no_cut")

    assert job_run(job.pk, refuse) == "failed"
    job.refresh_from_db()
    assert (job.status, job.error) == (Job.Status.FAILED, "No cut score for paper 1.")
    assert job.finished_at is not None


@pytest.mark.parametrize("error", [OperationalError, InterfaceError])
def test_a_lost_database_puts_the_job_back_to_pending_and_re_raises(job, error):
    def gone(claimed: Job) -> dict:
        raise error("server closed the connection unexpectedly")

    with pytest.raises(error):
        job_run(job.pk, gone)
    job.refresh_from_db()
    assert (job.status, job.phase, job.error) == (Job.Status.PENDING, "", "")
    assert job_run(job.pk, lambda claimed: {"ok": True}) == "done"  # the task's retry claims it again


def test_any_other_exception_fails_the_job_with_its_type_and_re_raises(job):
    def broken(claimed: Job) -> dict:
        raise RuntimeError("disk full")

    with pytest.raises(RuntimeError, match="disk full"):
        job_run(job.pk, broken)
    job.refresh_from_db()
    assert (job.status, job.error) == (Job.Status.FAILED, "RuntimeError: disk full")
    assert job.finished_at is not None
    assert job_run(job.pk, lambda claimed: {}) == "skipped"  # not left waiting for a run that never comes


def test_a_long_error_message_is_truncated(job):
    def broken(claimed: Job) -> dict:
        raise ValueError("x" * 5000)

    with pytest.raises(ValueError):
        job_run(job.pk, broken)
    job.refresh_from_db()
    assert len(job.error) == ERROR_MAX_LENGTH and job.error.startswith("ValueError: xxx")
