"""Appending to and checking the hash-chained audit log."""

from dataclasses import dataclass

from django.db import models, transaction
from django.http import HttpRequest

from .models import AuditChain, AuditEvent


def client_ip(request: HttpRequest | None) -> str | None:
    if request is None:
        return None
    return request.META.get("REMOTE_ADDR") or None


def audit_record(
    *,
    action: str,
    actor=None,
    target: models.Model | None = None,
    target_type: str = "",
    target_id: str = "",
    summary: str = "",
    data: dict | None = None,
    request: HttpRequest | None = None,
) -> AuditEvent:
    """Append one audit record, chained to the previous one.

    Runs in (or opens) a transaction and locks the chain head, so concurrent
    writers append one after the other and the chain never forks.
    """
    if target is not None:
        target_type = target_type or target._meta.label_lower
        target_id = target_id or str(target.pk)
    if actor is not None and not getattr(actor, "is_authenticated", False):
        actor = None
    with transaction.atomic():
        head, _created = AuditChain.objects.select_for_update().get_or_create(pk=1)
        event = AuditEvent(
            actor=actor,
            actor_label=(actor.get_username() if actor is not None else "system")[:150],
            action=action,
            target_type=target_type,
            target_id=str(target_id),
            summary=str(summary)[:500],
            data=data or {},
            ip_address=client_ip(request),
            user_agent=(request.META.get("HTTP_USER_AGENT", "") if request is not None else "")[:300],
            prev_hash=head.last_hash,
        )
        event.hash = event.compute_hash()
        event.save()
        AuditChain.objects.filter(pk=1).update(last_hash=event.hash, count=models.F("count") + 1)
    return event


def audit_record_many(records: list[dict]) -> list[AuditEvent]:
    """Append several records at once, chained in the given order: one lock of the chain head and one
    bulk insert instead of three statements each (issuing a sitting's certificates, for instance).

    Each item takes ``audit_record``'s keyword arguments (``action``, ``actor``, ``target``,
    ``summary``, ``data``; no request).
    """
    if not records:
        return []
    with transaction.atomic():
        head, _created = AuditChain.objects.select_for_update().get_or_create(pk=1)
        prev_hash, events = head.last_hash, []
        for record in records:
            target, actor = record.get("target"), record.get("actor")
            if actor is not None and not getattr(actor, "is_authenticated", False):
                actor = None
            event = AuditEvent(
                actor=actor,
                actor_label=(actor.get_username() if actor is not None else "system")[:150],
                action=record["action"],
                target_type=record.get("target_type") or (target._meta.label_lower if target is not None else ""),
                target_id=str(record.get("target_id") or (target.pk if target is not None else "")),
                summary=str(record.get("summary", ""))[:500],
                data=record.get("data") or {},
                prev_hash=prev_hash,
            )
            event.hash = prev_hash = event.compute_hash()
            events.append(event)
        AuditEvent.objects.bulk_create(events, batch_size=500)
        AuditChain.objects.filter(pk=1).update(last_hash=prev_hash, count=models.F("count") + len(events))
    return events


@dataclass(frozen=True)
class ChainCheck:
    ok: bool
    checked: int
    first_broken_id: int | None = None
    reason: str = ""


def audit_verify_chain(batch_size: int = 2000) -> ChainCheck:
    """Walk the chain in id order; report the first record whose link or hash does not match."""
    previous = "0" * 64
    checked = 0
    last_id = 0
    while True:
        batch = list(AuditEvent.objects.filter(id__gt=last_id).order_by("id")[:batch_size])
        if not batch:
            break
        for event in batch:
            if event.prev_hash != previous:
                return ChainCheck(
                    False,
                    checked,
                    event.id,
                    "previous-hash link does not match (a record before it was removed or changed)",
                )
            if event.compute_hash() != event.hash:
                return ChainCheck(False, checked, event.id, "content does not match its hash (the record was changed)")
            previous = event.hash
            checked += 1
            last_id = event.id
    head = AuditChain.objects.filter(pk=1).first()
    if head is not None and checked and head.last_hash != previous:
        return ChainCheck(
            False, checked, None, "the chain head does not match the last record (records were removed from the end)"
        )
    return ChainCheck(True, checked)
