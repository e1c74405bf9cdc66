"""Operational tasks."""

from celery import shared_task

from .audit import audit_record


@shared_task(name="accounts.system_probe", acks_late=True, soft_time_limit=25, time_limit=30)
def system_probe(nonce: str) -> str:
    """Prove a worker can reach the database end to end: record the probe in the audit log.

    Idempotent: a retried probe with the same nonce writes nothing new.
    """
    from .models import AuditEvent

    if not AuditEvent.objects.filter(action="system.worker_probe", target_id=nonce).exists():
        audit_record(action="system.worker_probe", target_type="system", target_id=nonce, summary="worker probe")
    return nonce
