"""Releasing a sitting's results: only after key validation is closed and the scoring is current.

After the release commits, ``exams.registry.notify_results_released(sitting_id)`` runs the hooks
of higher apps (the certificates app issues certificates to those who passed).
"""

from __future__ import annotations

from django.db import transaction
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.audit import audit_record
from exams import registry
from exams.models import Attempt, CandidateResult, Job, Sitting
from exams.services.scoring import JOB_KIND, scoring_is_current
from irexam.errors import ConflictError


def results_release_problems(sitting: Sitting) -> list[str]:
    """Why the results cannot be released yet (empty when they can)."""
    problems: list[str] = []
    if sitting.status == Sitting.Status.RELEASED:
        return [_("The results of this sitting are already released.")]
    if sitting.status != Sitting.Status.KEY_VALIDATION:
        problems.append(_("Score the sitting and validate the keys first."))
    if sitting.key_validation_closed_at is None:
        problems.append(_("Close key validation first."))
    if Attempt.objects.filter(form__sitting=sitting).exclude(status__in=Attempt.FINAL).exists():
        problems.append(_("Some attempts are not finished yet."))
    busy = Job.objects.filter(sitting=sitting, kind=JOB_KIND, status__in=[Job.Status.PENDING, Job.Status.RUNNING])
    if busy.exists() or not scoring_is_current(sitting):
        problems.append(_("The scoring is not up to date. Wait for the rescoring to finish."))
    results = CandidateResult.objects.filter(sitting=sitting)
    if not results.exists():
        problems.append(_("Nobody has been scored in this sitting."))
    elif results.filter(passed__isnull=True).exists():
        problems.append(_("Set the cut score first: some candidates have no pass or fail decision."))
    return problems


def results_release(*, sitting: Sitting, by, request: HttpRequest | None = None) -> Sitting:
    """Release the results: status released, audited, then the results-released hooks after commit."""
    with transaction.atomic():
        sitting = Sitting.objects.select_for_update().get(pk=sitting.pk)
        problems = results_release_problems(sitting)
        if problems:
            raise ConflictError(" ".join(str(p) for p in problems), {"problems": problems}, code="not_releasable")
        now = timezone.now()
        sitting.status = Sitting.Status.RELEASED
        sitting.released_at = now
        sitting.released_by = by
        sitting.save(update_fields=["status", "released_at", "released_by"])
        results = CandidateResult.objects.filter(sitting=sitting)
        audit_record(
            action="exam.results_release",
            actor=by,
            target=sitting,
            summary=_("Results released"),
            data={"candidates": results.count(), "passed": results.filter(passed=True).count()},
            request=request,
        )
        sitting_id = sitting.pk
        transaction.on_commit(lambda: registry.notify_results_released(sitting_id))
    return sitting
