"""Celery tasks of the question bank: reading and importing large uploaded files."""

from __future__ import annotations

from celery import shared_task

from question_bank.imports import import_job_parse, import_job_run
from question_bank.models import ImportJob


@shared_task(name="question_bank.parse_import_job", acks_late=True, soft_time_limit=600, time_limit=660)
def parse_import_job(job_id: int) -> None:
    import_job_parse(job=ImportJob.objects.select_related("area").get(pk=job_id))


@shared_task(name="question_bank.run_import_job", acks_late=True, soft_time_limit=1800, time_limit=1900)
def run_import_job(job_id: int) -> None:
    import_job_run(job=ImportJob.objects.select_related("area", "created_by").get(pk=job_id))
