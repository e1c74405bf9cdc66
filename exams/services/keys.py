"""Key validation: officers decide per scoring unit (keep / drop / accept extra keys / re-key).

* ``key_decision_preview`` scores the whole sitting in memory twice — with the current decisions
  and with the proposed one — and reports the impact (pass counts before/after, attempts presented
  the unit, attempts whose score changes) without writing anything.
* ``key_decision_confirm`` records the decision (the previous current one stays as history),
  audits it and queues a rescoring job. Rescoring reads the same responses and the current
  decisions, so it reproduces exactly what the preview showed.
* ``key_validation_close`` ends key validation once the scoring is current; results can then be
  released.
"""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.audit import audit_record
from exams.models import Job, KeyDecision, Sitting
from exams.scoring_rules import KeyDecision as RuleDecision
from exams.scoring_rules import scoring_units, validate_decisions
from exams.services.scoring import (
    JOB_KIND,
    scoring_is_current,
    scoring_job_start,
    sitting_compute,
    sitting_data_load,
)
from irexam.errors import ApplicationError, ConflictError

ACTIONS = tuple(KeyDecision.Action.values)


def _require_open_validation(sitting: Sitting) -> None:
    if sitting.status not in (Sitting.Status.CLOSED, Sitting.Status.KEY_VALIDATION):
        raise ConflictError(_("Key decisions are made after the sitting closes and before release."), code="not_open")
    if sitting.key_validation_closed_at is not None:
        raise ConflictError(_("Key validation is closed for this sitting."), code="validation_closed")


def _rule_decision(*, content: dict, unit_id: str, action: str, key: list[str] | tuple[str, ...]) -> RuleDecision:
    """Check a proposed decision against the item's content; raise ApplicationError with the reason."""
    if action not in ACTIONS:
        raise ApplicationError(_("Unknown decision %(action)s.") % {"action": action}, code="bad_action")
    if unit_id not in scoring_units(content):
        raise ApplicationError(_("This item has no scoring unit %(unit)s.") % {"unit": unit_id or "-"}, code="bad_unit")
    try:
        decision = RuleDecision(action, tuple(str(k) for k in (key or ())))
        validate_decisions(content, {unit_id: decision})
    except (ValueError, TypeError) as exc:
        raise ApplicationError(_("This decision does not fit the item: %(reason)s") % {"reason": exc}, code="bad_key")
    return decision


def key_decision_preview(*, sitting: Sitting, version, unit_id: str, action: str, key: list[str]) -> dict[str, Any]:
    """The impact of a proposed decision, computed in memory. Nothing is written.

    Returns ``pass_count_before/after`` (candidates passing overall; ``None`` while no cut is set),
    ``paper_pass_counts_before/after``, ``attempts_presented`` (attempts whose form has the item),
    ``attempts_changed`` (attempts whose raw or maximum score changes), ``newly_passing``,
    ``newly_failing`` and the unit's p before/after.
    """
    _require_open_validation(sitting)
    data = sitting_data_load(sitting)
    content = data.contents.get(version.pk)
    if content is None:
        raise ApplicationError(_("This item is not on any form of this sitting."), code="not_in_sitting")
    proposed = _rule_decision(content=content, unit_id=unit_id, action=action, key=key)
    decisions = dict(data.decisions)
    decisions.pop((version.pk, unit_id), None)
    if proposed.action != "keep":
        decisions[(version.pk, unit_id)] = proposed
    before = sitting_compute(data)
    after = sitting_compute(data, decisions=decisions)
    presented = {
        attempt_id
        for outcome in before.forms
        if version.pk in outcome.form.versions.values()
        for attempt_id in outcome.attempt_ids
    }
    changed = [
        a
        for a in data.attempt_ids
        if (before.attempts[a].raw_score, before.attempts[a].max_score)
        != (after.attempts[a].raw_score, after.attempts[a].max_score)
    ]
    has_verdict = any(r["passed"] is not None for r in before.results.values())
    newly_passing = sum(
        1 for r, res in after.results.items() if res["passed"] is True and before.results[r]["passed"] is not True
    )
    newly_failing = sum(
        1 for r, res in after.results.items() if res["passed"] is False and before.results[r]["passed"] is True
    )
    return {
        "version_id": version.pk,
        "unit_id": unit_id,
        "action": action,
        "key": list(proposed.key),
        "pass_count_before": before.pass_count() if has_verdict else None,
        "pass_count_after": after.pass_count() if has_verdict else None,
        "paper_pass_counts_before": {str(k): v for k, v in before.paper_pass_counts().items()},
        "paper_pass_counts_after": {str(k): v for k, v in after.paper_pass_counts().items()},
        "candidates": len(before.results),
        "attempts_presented": len(presented),
        "attempts_changed": len(changed),
        "newly_passing": newly_passing,
        "newly_failing": newly_failing,
        "p_before": _unit_p(before, version.pk, unit_id),
        "p_after": _unit_p(after, version.pk, unit_id),
    }


def _unit_p(outcome, version_id: int, unit_id: str) -> float | None:
    """The unit's p over all forms that carry it (weighted by takers)."""
    total = takers = 0.0
    for form in outcome.forms:
        if form.report is None:
            continue
        for unit, stats in zip(form.form.units, form.report.items, strict=True):
            if unit.version_id == version_id and unit.unit_id == unit_id and stats.p is not None:
                total += stats.p * stats.n_takers
                takers += stats.n_takers
    return total / takers if takers else None


def key_decision_confirm(
    *,
    sitting: Sitting,
    version,
    unit_id: str,
    action: str,
    key: list[str],
    reason: str,
    by,
    request: HttpRequest | None = None,
) -> tuple[KeyDecision, Job]:
    """Record a decision (history kept), audit it and queue the rescoring of the sitting."""
    sitting = Sitting.objects.get(pk=sitting.pk)
    _require_open_validation(sitting)
    reason = (reason or "").strip()
    if not reason:
        raise ApplicationError(_("Give a reason for the decision."), code="reason_required")
    on_form = sitting.forms.filter(items__version=version).exists()
    if not on_form:
        raise ApplicationError(_("This item is not on any form of this sitting."), code="not_in_sitting")
    proposed = _rule_decision(content=version.content, unit_id=unit_id, action=action, key=key)
    with transaction.atomic():
        previous = (
            KeyDecision.objects.select_for_update()
            .filter(sitting=sitting, version=version, unit_id=unit_id, is_current=True)
            .first()
        )
        if previous is not None:
            previous.is_current = False
            previous.save(update_fields=["is_current"])
        decision = KeyDecision.objects.create(
            sitting=sitting,
            version=version,
            unit_id=unit_id,
            action=action,
            key=list(proposed.key),
            reason=reason,
            decided_by=by,
            decided_at=timezone.now(),
        )
        audit_record(
            action="exam.key_decision",
            actor=by,
            target=decision,
            summary=reason[:500],
            data={
                "sitting": sitting.pk,
                "version": version.pk,
                "unit": unit_id,
                "action": action,
                "key": list(proposed.key),
                "replaces": previous.pk if previous is not None else None,
            },
            request=request,
        )
        job = scoring_job_start(sitting=sitting, by=by, reason=f"key decision {decision.pk}")
    return decision, job


def key_validation_close(*, sitting: Sitting, by, request: HttpRequest | None = None) -> Sitting:
    """End key validation: only once the stored scoring reflects every decision and no rescoring is queued."""
    sitting = Sitting.objects.get(pk=sitting.pk)
    _require_open_validation(sitting)
    if sitting.status != Sitting.Status.KEY_VALIDATION:
        raise ConflictError(_("Score the sitting before closing key validation."), code="not_scored")
    busy = Job.objects.filter(
        sitting=sitting, kind=JOB_KIND, status__in=[Job.Status.PENDING, Job.Status.RUNNING]
    ).exists()
    if busy or not scoring_is_current(sitting):
        raise ConflictError(
            _("The scoring is not up to date with the latest decisions. Wait for the rescoring to finish."),
            code="scoring_not_current",
        )
    with transaction.atomic():
        now = timezone.now()
        Sitting.objects.filter(pk=sitting.pk).update(key_validation_closed_at=now)
        sitting.key_validation_closed_at = now
        audit_record(
            action="exam.key_validation_close",
            actor=by,
            target=sitting,
            summary=_("Key validation closed"),
            data={"decisions": KeyDecision.objects.filter(sitting=sitting, is_current=True).count()},
            request=request,
        )
    return sitting
