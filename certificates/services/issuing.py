"""Issuing certificates: one per passing attempt, by sitting in batches, manually, and re-issuing.

Idempotency rests on the database: ``Certificate.attempt`` is unique. ``certificate_issue``
looks for an existing certificate first and, when two workers race past that check, the loser's
insert fails with an IntegrityError inside a savepoint and it returns the winner's row. The
serial counter is incremented inside the same savepoint, so the loser's serial is rolled back
too: serials have no gaps.
"""

from __future__ import annotations

import calendar
from collections.abc import Iterable
from datetime import date, timedelta
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.audit import audit_record, audit_record_many
from certificates.layout import LayoutError, clean_layout
from certificates.models import Certificate, CertificateType, Issuer, SerialCounter, StatusList
from certificates.services.issuers import status_lists_ensure
from exams.models import Attempt, CandidateResult, Exam, Job, Sitting
from exams.services.jobs import job_run
from irexam.errors import ApplicationError, ConflictError

JOB_KIND = "certificates_issue"
BATCH_SIZE = 100
#: Certificates per render task: fewer broker round trips than one task each, and the rows, scope
#: areas, signing key and images loaded once per chunk; 1,000 certificates are still 40 tasks
#: spread over the workers (~0.5 s of work each).
RENDER_CHUNK = 25
#: A RUNNING issuing job whose heartbeat is older than this was lost with its worker; it may be re-run.
STALE_JOB_AFTER = timedelta(minutes=10)


# --------------------------------------------------------------------------- helpers


def add_months(day: date, months: int) -> date:
    """``day`` plus ``months`` calendar months, clamped to the month's last day (31 Jan + 1 = 28/29 Feb)."""
    month_index = day.month - 1 + months
    year, month = day.year + month_index // 12, month_index % 12 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def validity_end(certificate_type: CertificateType, valid_from: date) -> date | None:
    """The last day of validity (inclusive), or None for no expiry."""
    if certificate_type.validity_months is None:
        return None
    return add_months(valid_from, certificate_type.validity_months) - timedelta(days=1)


def _allocate_serials(certificate_type: CertificateType, year: int, count: int = 1) -> list[str]:
    """The next ``count`` serials ``<prefix>-<year>-<000123>`` from the locked counter (caller holds a transaction)."""
    SerialCounter.objects.get_or_create(type=certificate_type, year=year)
    counter = SerialCounter.objects.select_for_update().get(type=certificate_type, year=year)
    SerialCounter.objects.filter(pk=counter.pk).update(last=F("last") + count)
    return [f"{certificate_type.serial_prefix}-{year}-{counter.last + k:06d}" for k in range(1, count + 1)]


def _allocate_serial(certificate_type: CertificateType, year: int) -> str:
    return _allocate_serials(certificate_type, year)[0]


def _allocate_status_indexes(issuer: Issuer, count: int = 1) -> list[tuple[StatusList, int]]:
    """The next ``count`` free indexes in the issuer's revocation lists (a new list pair when one is full)."""
    slots: list[tuple[StatusList, int]] = []
    while len(slots) < count:
        status_lists_ensure(issuer)
        current = (
            StatusList.objects.select_for_update()
            .filter(issuer=issuer, purpose=StatusList.Purpose.REVOCATION)
            .order_by("-sequence")
            .first()
        )
        if current.next_index >= current.size:
            current, _suspension = status_lists_ensure(issuer, current.sequence + 1)
            current = StatusList.objects.select_for_update().get(pk=current.pk)
        take = min(count - len(slots), current.size - current.next_index)
        slots += [(current, current.next_index + k) for k in range(take)]
        StatusList.objects.filter(pk=current.pk).update(next_index=F("next_index") + take)
    return slots


def _allocate_status_index(issuer: Issuer) -> tuple[StatusList, int]:
    return _allocate_status_indexes(issuer)[0]


def _holder_names(holder) -> tuple[str, str]:
    zh = (holder.display_name_zh or holder.get_full_name() or holder.username).strip()
    en = (holder.display_name_en or zh).strip()
    return zh, en


def _create(
    *,
    certificate_type: CertificateType,
    holder,
    attempt: Attempt | None = None,
    by=None,
    reason: str = "",
    valid_from: date | None = None,
    valid_until: date | None = None,
    supersedes: Certificate | None = None,
) -> Certificate:
    """Insert a certificate row (caller holds a transaction); rendering and notification follow on commit."""
    now = timezone.now()
    valid_from = valid_from or timezone.localdate(now)
    if valid_until is None:
        valid_until = validity_end(certificate_type, valid_from)
    issuer = certificate_type.issuer
    status_list, index = _allocate_status_index(issuer)
    name_zh, name_en = _holder_names(holder)
    certificate = Certificate.objects.create(
        type=certificate_type,
        issuer=issuer,
        holder=holder,
        holder_name_zh=name_zh,
        holder_name_en=name_en,
        attempt=attempt,
        serial=_allocate_serial(certificate_type, timezone.localdate(now).year),
        issued_at=now,
        issued_by=by if getattr(by, "is_authenticated", False) else None,
        reason=reason,
        valid_from=valid_from,
        valid_until=valid_until,
        supersedes=supersedes,
        status_list=status_list,
        status_index=index,
    )
    pk = certificate.pk
    transaction.on_commit(lambda: _enqueue_render([pk]))
    return certificate


def _enqueue_render(ids: list[int]) -> None:
    from certificates.tasks import render_certificates

    for start in range(0, len(ids), RENDER_CHUNK):
        render_certificates.delay(ids[start : start + RENDER_CHUNK])


class _OneByOne(Exception):  # noqa: N818 - a control-flow signal, not an error
    """This batch must go through ``certificate_issue`` one attempt at a time."""


def _issue_batch(*, attempts: list[Attempt], certificate_type: CertificateType) -> list[int]:
    """Issue the certificates of passing ``attempts`` in bulk (caller holds a transaction).

    The same rows as ``certificate_issue`` one by one, in a few statements: the serials and the
    status indexes are allocated as ranges under the same row locks, the rows and their audit
    records are inserted in bulk, and rendering is queued in chunks after commit. An attempt that
    gained a certificate meanwhile makes the insert fail (unique attempt): the caller then falls
    back to the one-by-one path, which is idempotent.
    """
    taken = set(Certificate.objects.filter(attempt__in=attempts).values_list("attempt_id", flat=True))
    attempts = [a for a in attempts if a.pk not in taken]
    if any(a.passed is not True for a in attempts):
        raise _OneByOne
    if not attempts:
        return []
    now = timezone.now()
    valid_from = timezone.localdate(now)
    valid_until = validity_end(certificate_type, valid_from)
    issuer = certificate_type.issuer
    serials = _allocate_serials(certificate_type, valid_from.year, len(attempts))
    slots = _allocate_status_indexes(issuer, len(attempts))
    certificates = []
    for attempt, serial, (status_list, index) in zip(attempts, serials, slots, strict=True):
        name_zh, name_en = _holder_names(attempt.candidate)
        certificates.append(
            Certificate(
                type=certificate_type,
                issuer=issuer,
                holder=attempt.candidate,
                holder_name_zh=name_zh,
                holder_name_en=name_en,
                attempt=attempt,
                serial=serial,
                issued_at=now,
                valid_from=valid_from,
                valid_until=valid_until,
                status_list=status_list,
                status_index=index,
            )
        )
    Certificate.objects.bulk_create(certificates, batch_size=BATCH_SIZE)
    audit_record_many(
        [
            {
                "action": "certificates.issue",
                "target": c,
                "summary": c.serial,
                "data": {"attempt": c.attempt_id, "reason": ""},
            }
            for c in certificates
        ]
    )
    ids = [c.pk for c in certificates]
    transaction.on_commit(lambda: _enqueue_render(ids))
    return ids


# --------------------------------------------------------------------------- types


def certificate_type_for_exam(exam: Exam) -> CertificateType | None:
    """The type issued for passing ``exam``: one linked to the exam, else the only active type of its level."""
    linked = CertificateType.objects.filter(exams=exam, is_active=True).select_related("issuer").first()
    if linked is not None:
        return linked
    by_level = list(CertificateType.objects.filter(level=exam.level, is_active=True).select_related("issuer")[:2])
    return by_level[0] if len(by_level) == 1 else None


@transaction.atomic
def certificate_type_create(
    *,
    code: str,
    issuer: Issuer,
    level: str,
    title_zh: str,
    title_en: str,
    serial_prefix: str,
    validity_months: int | None = 60,
    renewal_rule: str = CertificateType.RenewalRule.CME,
    cme_credits_required: int = 0,
    recert_exam: Exam | None = None,
    scope_areas: Iterable = (),
    exams: Iterable[Exam] = (),
    description_zh: str = "",
    description_en: str = "",
    criteria_zh: str = "",
    criteria_en: str = "",
    layout: dict[str, Any] | None = None,
    by=None,
    request=None,
) -> CertificateType:
    """Create a certificate type; the renewal rule must be complete (credits for CME, an exam for EXAM)
    and the layout options valid (:func:`certificates.layout.clean_layout`; stored normalised)."""
    layout = _checked_layout(layout)
    if renewal_rule == CertificateType.RenewalRule.CME and validity_months and cme_credits_required <= 0:
        raise ApplicationError(_("The CME renewal rule needs a number of credits."), code="bad_rule")
    if renewal_rule == CertificateType.RenewalRule.EXAM and validity_months and recert_exam is None:
        raise ApplicationError(_("The exam renewal rule needs a recertification exam."), code="bad_rule")
    if not serial_prefix or not all(c.isalnum() or c == "-" for c in serial_prefix):
        raise ApplicationError(_("The serial prefix may hold letters, digits and hyphens only."), code="bad_prefix")
    # Serials are counted per type and year: two types with one prefix would hand out the same serial.
    if CertificateType.objects.filter(serial_prefix=serial_prefix.upper()).exists():
        raise ApplicationError(
            _("Another certificate type already uses the serial prefix %(prefix)s: serial numbers would collide.")
            % {"prefix": serial_prefix.upper()},
            code="prefix_taken",
        )
    certificate_type = CertificateType(
        code=code,
        issuer=issuer,
        level=level,
        title_zh=title_zh,
        title_en=title_en,
        serial_prefix=serial_prefix.upper(),
        validity_months=validity_months,
        renewal_rule=renewal_rule,
        cme_credits_required=cme_credits_required,
        recert_exam=recert_exam,
        description_zh=description_zh,
        description_en=description_en,
        criteria_zh=criteria_zh,
        criteria_en=criteria_en,
        layout=layout,
    )
    certificate_type.full_clean()
    certificate_type.save()
    certificate_type.scope_areas.set(list(scope_areas))
    certificate_type.exams.set(list(exams))
    audit_record(action="certificates.type_create", actor=by, target=certificate_type, summary=code, request=request)
    return certificate_type


def _checked_layout(layout: dict[str, Any] | None) -> dict[str, Any]:
    try:
        return clean_layout(layout)
    except LayoutError as exc:
        raise ApplicationError(exc.message, code="bad_layout") from exc


def certificate_type_layout_set(
    *, certificate_type: CertificateType, layout: dict[str, Any] | None, by=None, request=None
) -> CertificateType:
    """Replace a type's layout options (checked, stored normalised). Certificates rendered from now
    on follow them; PDFs already rendered stay as they are (re-issue one to print it anew)."""
    certificate_type.layout = _checked_layout(layout)
    with transaction.atomic():
        certificate_type.save(update_fields=["layout"])
        audit_record(
            action="certificates.type_layout",
            actor=by,
            target=certificate_type,
            summary=certificate_type.code,
            data={"layout": certificate_type.layout},
            request=request,
        )
    return certificate_type


# --------------------------------------------------------------------------- issuing


def certificate_issue(
    *,
    attempt: Attempt,
    by=None,
    reason: str = "",
    certificate_type: CertificateType | None = None,
    request=None,
) -> Certificate:
    """The certificate of a passing attempt: the existing one, or a new one (idempotent, race-safe).

    Steps: refuse a non-passing attempt → return the existing certificate if any → find the type →
    in a savepoint allocate the serial and status index, insert, audit → on an IntegrityError
    (another worker won) return that worker's certificate. PDF and credential follow on commit.
    """
    existing = Certificate.objects.filter(attempt=attempt).first()
    if existing is not None:
        return existing
    if attempt.passed is not True:
        raise ApplicationError(_("Only a passing attempt earns a certificate."), code="not_passed")
    exam = attempt.paper.exam
    certificate_type = certificate_type or certificate_type_for_exam(exam)
    if certificate_type is None:
        raise ApplicationError(
            _("No certificate type is set up for the exam %(exam)s.") % {"exam": exam.code}, code="no_type"
        )
    try:
        with transaction.atomic():
            certificate = _create(
                certificate_type=certificate_type, holder=attempt.candidate, attempt=attempt, by=by, reason=reason
            )
            audit_record(
                action="certificates.issue",
                actor=by,
                target=certificate,
                summary=certificate.serial,
                data={"attempt": attempt.pk, "reason": reason},
                request=request,
            )
    except IntegrityError:
        existing = Certificate.objects.filter(attempt=attempt).first()
        if existing is None:
            raise
        return existing
    return certificate


def certificate_issue_manual(
    *,
    holder,
    certificate_type: CertificateType,
    reason: str,
    by,
    valid_from: date | None = None,
    attempt: Attempt | None = None,
    request=None,
) -> Certificate:
    """An officer's manual issue (not tied to a sitting's release); the reason is required and audited."""
    if not reason or not reason.strip():
        raise ApplicationError(_("A manual issue needs a reason."), code="reason_required")
    if not certificate_type.is_active:
        raise ApplicationError(_("This certificate type is no longer issued."), code="inactive_type")
    if attempt is not None:
        return certificate_issue(
            attempt=attempt, by=by, reason=reason, certificate_type=certificate_type, request=request
        )
    with transaction.atomic():
        certificate = _create(
            certificate_type=certificate_type, holder=holder, by=by, reason=reason.strip(), valid_from=valid_from
        )
        audit_record(
            action="certificates.issue_manual",
            actor=by,
            target=certificate,
            summary=certificate.serial,
            data={"holder": holder.pk, "reason": reason.strip()},
            request=request,
        )
    return certificate


def supersede(
    *,
    old: Certificate,
    new_valid_from: date | None,
    new_valid_until: date | None,
    by,
    reason: str,
    action: str,
    request=None,
) -> Certificate:
    """Issue a successor to ``old`` (new serial and code) and mark ``old`` superseded (status bit set)."""
    from certificates.services.status import set_status_bits, verification_cache_invalidate

    with transaction.atomic():
        locked = Certificate.objects.select_for_update().select_related("type__issuer", "holder").get(pk=old.pk)
        if locked.status not in (Certificate.Status.VALID, Certificate.Status.SUSPENDED):
            raise ConflictError(
                _("Only a valid or suspended certificate can be replaced (this one is %(status)s).")
                % {"status": locked.get_status_display()},
                code="bad_status",
            )
        new = _create(
            certificate_type=locked.type,
            holder=locked.holder,
            by=by,
            reason=reason,
            valid_from=new_valid_from,
            valid_until=new_valid_until,
            supersedes=locked,
        )
        previous = locked.status
        now = timezone.now()
        Certificate.objects.filter(pk=locked.pk).update(
            status=Certificate.Status.SUPERSEDED, status_changed_at=now, status_reason=reason
        )
        set_status_bits(locked, revoked=True, suspended=False)
        audit_record(
            action=action,
            actor=by,
            target=new,
            summary=f"{locked.serial} → {new.serial}",
            data={"old": locked.pk, "old_serial": locked.serial, "old_status": previous, "reason": reason},
            request=request,
        )
        transaction.on_commit(lambda: verification_cache_invalidate(locked))
    old.status = Certificate.Status.SUPERSEDED
    return new


def certificate_reissue(*, certificate: Certificate, reason: str, by, request=None) -> Certificate:
    """Re-issue (e.g. after a name correction): same type and dates, names re-read from the profile."""
    if not reason or not reason.strip():
        raise ApplicationError(_("A re-issue needs a reason."), code="reason_required")
    return supersede(
        old=certificate,
        new_valid_from=certificate.valid_from,
        new_valid_until=certificate.valid_until,
        by=by,
        reason=reason.strip(),
        action="certificates.reissue",
        request=request,
    )


# --------------------------------------------------------------------------- by sitting


def passing_anchor_attempts(sitting: Sitting) -> list[int]:
    """One attempt id per candidate who passed the sitting (the attempt of the first paper).

    A candidate passes when their overall result says so, or — before results exist — when every
    paper's attempt passed. Two queries, whatever the cohort size.
    """
    results = dict(CandidateResult.objects.filter(sitting=sitting).values_list("registration_id", "passed"))
    rows = (
        Attempt.objects.filter(registration__sitting=sitting)
        .order_by("registration_id", "paper__number", "id")
        .values_list("id", "registration_id", "passed")
    )
    by_registration: dict[int, list[tuple[int, bool | None]]] = {}
    for attempt_id, registration_id, passed in rows:
        by_registration.setdefault(registration_id, []).append((attempt_id, passed))
    anchors = []
    for registration_id, attempts in by_registration.items():
        passed = results.get(registration_id)
        if registration_id not in results:
            passed = all(p is True for _a, p in attempts)
        if passed is True:
            anchors.append(attempts[0][0])
    return anchors


def _report(job: Job | None, **fields: Any) -> None:
    if job is not None:
        Job.objects.filter(pk=job.pk).update(heartbeat_at=timezone.now(), **fields)


def certificates_issue_for_sitting(*, sitting: Sitting, job: Job | None = None, batch_size: int = BATCH_SIZE) -> dict:
    """Issue every passing candidate's certificate, ``batch_size`` per transaction, reporting progress.

    Safe to run again at any point (after a crash, twice in parallel): attempts that already have a
    certificate are skipped, and the unique attempt column stops any duplicate.
    """
    exam = sitting.exam
    certificate_type = certificate_type_for_exam(exam)
    if certificate_type is None:
        raise ApplicationError(
            _("No certificate type is set up for the exam %(exam)s.") % {"exam": exam.code}, code="no_type"
        )
    anchors = passing_anchor_attempts(sitting)
    done = set(Certificate.objects.filter(attempt_id__in=anchors).values_list("attempt_id", flat=True))
    todo = [a for a in anchors if a not in done]
    issued = 0
    _report(job, phase="issue", progress=0.0 if todo else 1.0)
    for start in range(0, len(todo), batch_size):
        batch = list(
            Attempt.objects.filter(pk__in=todo[start : start + batch_size]).select_related("candidate", "paper__exam")
        )
        try:
            with transaction.atomic():
                issued += len(_issue_batch(attempts=batch, certificate_type=certificate_type))
        except (IntegrityError, _OneByOne):  # a racing run, or an attempt to refuse with its message
            with transaction.atomic():
                for attempt in batch:
                    before = Certificate.objects.filter(attempt=attempt).exists()
                    certificate_issue(attempt=attempt, certificate_type=certificate_type)
                    issued += 0 if before else 1
        _report(job, progress=min(1.0, (start + batch_size) / len(todo)))
    return {"passing": len(anchors), "already_issued": len(done), "issued": issued}


def issuing_job_start(*, sitting: Sitting, by=None) -> Job:
    """Queue issuing for a released sitting; a waiting or live job is reused. Enqueued after commit."""
    if sitting.status != Sitting.Status.RELEASED:
        raise ConflictError(_("Certificates are issued once the results are released."), code="not_released")
    stale = timezone.now() - STALE_JOB_AFTER
    with transaction.atomic():
        live = (
            Job.objects.filter(sitting=sitting, kind=JOB_KIND, status__in=[Job.Status.PENDING, Job.Status.RUNNING])
            .order_by("pk")
            .first()
        )
        if live is not None and not (
            live.status == Job.Status.RUNNING and (live.heartbeat_at or live.created_at) < stale
        ):
            if live.status == Job.Status.PENDING:  # its message may be lost: send it again (the claim runs it once)
                transaction.on_commit(lambda: _enqueue_job(live.pk))
            return live
        if live is not None:  # its worker died: fail it and start over (issuing skips what was done)
            Job.objects.filter(pk=live.pk).update(
                status=Job.Status.FAILED, error="worker lost", finished_at=timezone.now()
            )
        job = Job.objects.create(kind=JOB_KIND, sitting=sitting, created_by=by if by else None)
        transaction.on_commit(lambda: _enqueue_job(job.pk))
    return job


def _enqueue_job(job_id: int) -> None:
    from certificates.tasks import issue_for_sitting

    issue_for_sitting.delay(job_id)


def issuing_job_run(job_id: int) -> str:
    """Run an issuing job once (:func:`exams.services.jobs.job_run`): claim it, issue, record DONE or FAILED.

    A lost database puts the job back to pending for the task's retry; anything else fails it (and
    is re-raised), so "issue" can start afresh (issuing skips what was done).
    """
    return job_run(
        job_id,
        lambda job: certificates_issue_for_sitting(sitting=job.sitting, job=job),
        select_related=("sitting__exam",),
    )


def on_results_released(sitting_id: int) -> None:
    """exams.registry hook: queue issuing when a sitting's results are released (no type → nothing)."""
    sitting = Sitting.objects.select_related("exam").get(pk=sitting_id)
    if certificate_type_for_exam(sitting.exam) is None:
        return
    issuing_job_start(sitting=sitting, by=sitting.released_by)
