"""Celery tasks of the certificates app: thin, take ids, safe to run twice."""

from __future__ import annotations

from celery import shared_task

from certificates.services.issuing import issuing_job_run
from certificates.services.notifications import certificate_email_send
from certificates.services.rendering import certificates_render
from certificates.services.renewal import renewal_reminders_send
from exams.services.jobs import TRANSIENT_ERRORS


@shared_task(
    name="certificates.issue_for_sitting",
    acks_late=True,
    autoretry_for=TRANSIENT_ERRORS,  # exams.services.jobs.job_run put the job back to pending
    retry_backoff=True,
    max_retries=3,
    soft_time_limit=3000,
    time_limit=3300,
)
def issue_for_sitting(job_id: int) -> str:
    """Issue the certificates of a released sitting (claims the Job; a second delivery is skipped)."""
    return issuing_job_run(job_id)


@shared_task(name="certificates.render", acks_late=True, soft_time_limit=600, time_limit=660)
def render_certificates(certificate_ids: list[int]) -> dict[str, int]:
    """Sign the credentials and render the PDFs of these certificates (each claimed, so never twice)."""
    return certificates_render(certificate_ids)


@shared_task(
    name="certificates.send_email",
    acks_late=True,
    autoretry_for=(OSError,),
    retry_backoff=60,
    max_retries=5,
    soft_time_limit=60,
    time_limit=90,
)
def send_certificate_email(certificate_id: int, kind: str) -> None:
    certificate_email_send(certificate_id=certificate_id, kind=kind)


@shared_task(name="certificates.renewal_reminders", acks_late=True, soft_time_limit=300, time_limit=330)
def send_renewal_reminders() -> int:
    """Daily (beat): remind holders whose certificate expires within CERTIFICATE_REMINDER_DAYS."""
    return renewal_reminders_send()
