"""Celery tasks of scoring (thin, idempotent, take ids): the work is in ``exams.services.scoring``.

Imported at startup through ``exams.apps.REGISTERING_MODULES`` so the worker knows the tasks
(Celery's autodiscovery only imports ``exams.tasks``).
"""

from __future__ import annotations

from celery import shared_task

from exams.services.jobs import TRANSIENT_ERRORS
from exams.services.scoring import scoring_job_run


@shared_task(
    name="exams.score_sitting",
    acks_late=True,
    autoretry_for=TRANSIENT_ERRORS,  # exams.services.jobs.job_run put the job back to pending
    retry_backoff=True,
    max_retries=3,
    soft_time_limit=3000,
    time_limit=3600,
)
def score_sitting(job_id: int) -> str:
    """Score a sitting for a queued Job. A job delivered twice runs once (conditional claim)."""
    return scoring_job_run(job_id)
