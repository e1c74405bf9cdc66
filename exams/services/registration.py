"""Registering candidates for sittings: eligibility with exact reasons, overrides, accommodations, CSV.

Eligibility for an exam combines:

1. the curriculum's case-volume and training-time rules for the exam's level
   (``curriculum.selectors.eligibility_for``): each unmet requirement is one reason;
2. the prerequisite certificate (the exam's ``requires_certificate_level``, else the curriculum's
   level rule), asked of the checker the certificates app registers in ``exams.registry``; with no
   checker registered the prerequisite counts as not met, with a reason saying why;
3. the attempt limit: at most ``max_attempts`` sittings of this exam with a finalized attempt within
   ``attempts_period_days``;
4. the waiting period: ``retake_wait_days`` after the last failed attempt of this exam.

An ineligible candidate is registered only with an officer's override reason, which is stored on
the registration and audited together with the reasons it overrode.
"""

from __future__ import annotations

import csv
import datetime
import io
from dataclasses import dataclass, field
from typing import Any

from django.db import transaction
from django.db.models import Max, Q, QuerySet
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.audit import audit_record
from accounts.models import User
from curriculum.models import Level as CurriculumLevel
from curriculum.selectors import eligibility_for
from exams import registry
from exams.models import Attempt, Exam, Level, Registration, Sitting
from exams.services.exams import require_officer
from irexam.errors import ApplicationError, ConflictError

MAX_EXTRA_MINUTES = 600
MAX_EXTRA_PERCENT = 200
CSV_MAX_BYTES = 2_000_000
CSV_MAX_ROWS = 5_000
CSV_COLUMNS = (
    "username",
    "licence_number",
    "extra_time_minutes",
    "extra_time_percent",
    "separate_breaks",
    "accommodation_note",
    "override_reason",
)
OPEN_FOR_REGISTRATION = (Sitting.Status.DRAFT, Sitting.Status.SCHEDULED)


@dataclass(frozen=True)
class Reason:
    code: str
    message: str


@dataclass(frozen=True)
class EligibilityCheck:
    """Whether ``candidate`` may sit ``exam`` now; ``reasons`` says exactly what is missing."""

    exam_id: int
    candidate_id: int
    checked_at: datetime.datetime
    reasons: list[Reason] = field(default_factory=list)
    met: list[str] = field(default_factory=list)

    @property
    def eligible(self) -> bool:
        return not self.reasons

    def as_json(self) -> dict[str, Any]:
        return {
            "eligible": self.eligible,
            "checked_at": self.checked_at.isoformat(),
            "reasons": [{"code": r.code, "message": str(r.message)} for r in self.reasons],
            "met": [str(m) for m in self.met],
        }


def _level_label(level: str) -> str:
    return str(Level(level).label) if level in Level.values else level


def registration_check(
    *, candidate: User, exam: Exam | None = None, sitting: Sitting | None = None, now: datetime.datetime | None = None
) -> EligibilityCheck:
    """Check ``candidate`` against ``exam`` (or ``sitting``'s exam); see the module docstring for the rules."""
    if exam is None:
        if sitting is None:
            raise ValueError("registration_check needs an exam or a sitting")
        exam = sitting.exam
    now = now or timezone.now()
    reasons: list[Reason] = []
    met: list[str] = []

    curriculum = eligibility_for(trainee=candidate, level=exam.level, as_of=timezone.localdate(now))
    for status in curriculum.unmet:
        reasons.append(Reason(f"requirement:{status.code}", status.message))
    met.extend(status.label for status in curriculum.met)

    certificate_level = exam.requires_certificate_level or curriculum.requires_certificate_level
    if certificate_level in CurriculumLevel.values:
        held = registry.holds_certificate(candidate, certificate_level)
        label = _level_label(certificate_level)
        if held is None:
            reasons.append(
                Reason(
                    "certificate_unverifiable",
                    _(
                        "A valid certificate of the %(level)s is required, and certificates cannot be checked "
                        "yet (no certificate register is connected): counted as not met."
                    )
                    % {"level": label},
                )
            )
        elif not held:
            reasons.append(
                Reason("certificate_missing", _("A valid certificate of the %(level)s is required.") % {"level": label})
            )
        else:
            met.append(_("Certificate of the %(level)s") % {"level": label})

    finished = Attempt.objects.filter(
        candidate=candidate, registration__sitting__exam=exam, status__in=Attempt.FINAL
    ).exclude(registration__sitting=sitting)
    since = now - datetime.timedelta(days=exam.attempts_period_days)
    used = finished.filter(submitted_at__gte=since).values("registration__sitting").distinct().count()
    if used >= exam.max_attempts:
        reasons.append(
            Reason(
                "attempt_limit",
                _("All %(max)d attempts allowed within %(days)d days have been used (%(used)d taken).")
                % {"max": exam.max_attempts, "days": exam.attempts_period_days, "used": used},
            )
        )
    last_fail = finished.filter(passed=False).aggregate(at=Max("submitted_at"))["at"]
    if last_fail is not None and exam.retake_wait_days:
        earliest = last_fail + datetime.timedelta(days=exam.retake_wait_days)
        if earliest > now:
            reasons.append(
                Reason(
                    "waiting_period",
                    _("After the failed attempt of %(failed)s, the next attempt is possible from %(date)s.")
                    % {
                        "failed": timezone.localdate(last_fail).isoformat(),
                        "date": timezone.localdate(earliest).isoformat(),
                    },
                )
            )
    return EligibilityCheck(exam_id=exam.pk, candidate_id=candidate.pk, checked_at=now, reasons=reasons, met=met)


# --------------------------------------------------------------------------------------------- writes


def _clean_accommodations(extra_time_minutes: Any, extra_time_percent: Any, accommodation_note: Any) -> tuple:
    try:
        minutes = int(extra_time_minutes or 0)
        percent = int(extra_time_percent or 0)
    except (TypeError, ValueError):
        raise ApplicationError(_("Extra time must be a whole number."), code="bad_accommodation")
    if not 0 <= minutes <= MAX_EXTRA_MINUTES:
        raise ApplicationError(
            _("Extra time is between 0 and %(max)d minutes.") % {"max": MAX_EXTRA_MINUTES}, code="bad_accommodation"
        )
    if not 0 <= percent <= MAX_EXTRA_PERCENT:
        raise ApplicationError(
            _("Extra time is between 0 and %(max)d percent.") % {"max": MAX_EXTRA_PERCENT}, code="bad_accommodation"
        )
    note = str(accommodation_note or "").strip()
    if len(note) > 300:
        raise ApplicationError(_("The accommodation note is at most 300 characters."), code="bad_accommodation")
    return minutes, percent, note


def _check_open(sitting: Sitting) -> None:
    if sitting.status not in OPEN_FOR_REGISTRATION:
        raise ConflictError(_("This sitting no longer takes registrations."), code="sitting_closed")


def _ineligible_message(check: EligibilityCheck) -> str:
    return _("Not eligible: %(reasons)s. An officer may register the candidate with an override reason.") % {
        "reasons": "; ".join(str(r.message) for r in check.reasons)
    }


def _register(
    *,
    sitting: Sitting,
    candidate: User,
    by: User,
    check: EligibilityCheck,
    override_reason: str,
    minutes: int,
    percent: int,
    separate_breaks: bool,
    note: str,
    existing: Registration | None,
    request: HttpRequest | None,
) -> Registration:
    override = override_reason if not check.eligible else ""
    eligibility = {**check.as_json(), "override": bool(override)}
    registration = existing or Registration(sitting=sitting, candidate=candidate)
    registration.status = Registration.Status.REGISTERED
    registration.eligibility = eligibility
    registration.override_reason = override
    registration.override_by = by if override else None
    registration.extra_time_minutes = minutes
    registration.extra_time_percent = percent
    registration.separate_breaks = separate_breaks
    registration.accommodation_note = note
    registration.registered_by = by
    registration.save()
    data = {"candidate": candidate.get_username(), "eligibility": eligibility}
    audit_record(
        action="exam.registration.create",
        actor=by,
        target=registration,
        summary=f"{candidate.get_username()} registered for {sitting.code}",
        data=data,
        request=request,
    )
    if override:
        audit_record(
            action="exam.registration.override",
            actor=by,
            target=registration,
            summary=f"eligibility overridden for {candidate.get_username()}: {override}"[:500],
            data={"reason": override, "reasons_overridden": eligibility["reasons"]},
            request=request,
        )
    return registration


def registration_create(
    *,
    sitting: Sitting,
    candidate: User,
    by: User,
    override_reason: str = "",
    extra_time_minutes: int = 0,
    extra_time_percent: int = 0,
    separate_breaks: bool = False,
    accommodation_note: str = "",
    request: HttpRequest | None = None,
) -> Registration:
    """Register ``candidate``: eligible, or ineligible with ``override_reason`` (stored and audited).

    A withdrawn registration is registered again (re-checked). Refuses closed sittings, duplicates,
    inactive accounts and bad accommodations.
    """
    require_officer(by)
    _check_open(sitting)
    if not candidate.is_active:
        raise ApplicationError(_("This account is deactivated."), code="inactive")
    minutes, percent, note = _clean_accommodations(extra_time_minutes, extra_time_percent, accommodation_note)
    override_reason = str(override_reason or "").strip()
    with transaction.atomic():
        existing = Registration.objects.select_for_update().filter(sitting=sitting, candidate=candidate).first()
        if existing is not None and existing.status == Registration.Status.REGISTERED:
            raise ConflictError(
                _("%(candidate)s is already registered for this sitting.") % {"candidate": candidate.get_username()},
                code="already_registered",
            )
        check = registration_check(candidate=candidate, sitting=sitting)
        if not check.eligible and not override_reason:
            raise ApplicationError(
                _ineligible_message(check), {"reasons": check.as_json()["reasons"]}, code="ineligible"
            )
        return _register(
            sitting=sitting,
            candidate=candidate,
            by=by,
            check=check,
            override_reason=override_reason,
            minutes=minutes,
            percent=percent,
            separate_breaks=bool(separate_breaks),
            note=note,
            existing=existing,
            request=request,
        )


def _started(registration: Registration) -> bool:
    return registration.attempts.exists()


@transaction.atomic
def registration_recheck(
    *, registration: Registration, by: User, override_reason: str = "", request: HttpRequest | None = None
) -> Registration:
    """Check eligibility again (e.g. after logbook entries were verified); an override may be recorded now."""
    require_officer(by)
    check = registration_check(candidate=registration.candidate, sitting=registration.sitting)
    override_reason = str(override_reason or "").strip()
    before = registration.eligibility
    registration.eligibility = {**check.as_json(), "override": bool(not check.eligible and override_reason)}
    if check.eligible:
        registration.override_reason, registration.override_by = "", None
    elif override_reason:
        registration.override_reason, registration.override_by = override_reason, by
    registration.save(update_fields=["eligibility", "override_reason", "override_by"])
    audit_record(
        action="exam.registration.recheck",
        actor=by,
        target=registration,
        summary=f"eligibility re-checked: {'eligible' if check.eligible else 'not eligible'}",
        data={"before": before, "after": registration.eligibility, "override_reason": registration.override_reason},
        request=request,
    )
    return registration


@transaction.atomic
def registration_update_accommodations(
    *,
    registration: Registration,
    by: User,
    extra_time_minutes: int = 0,
    extra_time_percent: int = 0,
    separate_breaks: bool = False,
    accommodation_note: str = "",
    request: HttpRequest | None = None,
) -> Registration:
    """Set extra time (minutes and/or percent of each paper) and separate breaks, before the candidate starts."""
    require_officer(by)
    minutes, percent, note = _clean_accommodations(extra_time_minutes, extra_time_percent, accommodation_note)
    if _started(registration):
        raise ConflictError(_("The candidate has started: ask the proctor to extend the time instead."), code="started")
    before = {
        "extra_time_minutes": registration.extra_time_minutes,
        "extra_time_percent": registration.extra_time_percent,
        "separate_breaks": registration.separate_breaks,
        "accommodation_note": registration.accommodation_note,
    }
    registration.extra_time_minutes = minutes
    registration.extra_time_percent = percent
    registration.separate_breaks = bool(separate_breaks)
    registration.accommodation_note = note
    registration.save(update_fields=list(before))
    after = {name: getattr(registration, name) for name in before}
    audit_record(
        action="exam.registration.accommodations",
        actor=by,
        target=registration,
        summary=f"accommodations for {registration.candidate.get_username()}",
        data={"before": before, "after": after},
        request=request,
    )
    return registration


@transaction.atomic
def registration_withdraw(
    *, registration: Registration, by: User, reason: str = "", request: HttpRequest | None = None
) -> Registration:
    """Withdraw a registration whose candidate has not started."""
    require_officer(by)
    if registration.status == Registration.Status.WITHDRAWN:
        raise ConflictError(_("This registration is already withdrawn."), code="withdrawn")
    if _started(registration):
        raise ConflictError(_("The candidate has started: the registration cannot be withdrawn."), code="started")
    registration.status = Registration.Status.WITHDRAWN
    registration.save(update_fields=["status"])
    audit_record(
        action="exam.registration.withdraw",
        actor=by,
        target=registration,
        summary=f"{registration.candidate.get_username()} withdrawn: {reason}"[:500],
        data={"reason": reason},
        request=request,
    )
    return registration


# --------------------------------------------------------------------------------------------- CSV


def registration_csv_template() -> str:
    """The bulk-registration template: the header and one example row per way of naming a candidate."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(CSV_COLUMNS)
    writer.writerow(["trainee", "", "0", "0", "no", "", ""])
    writer.writerow(["", "110101199001011234", "30", "0", "yes", "", ""])
    return out.getvalue()


def _decode(data: bytes) -> str:
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise ApplicationError(_("The file is not UTF-8 or GB18030 text."), code="csv_encoding")


_TRUE = {"1", "yes", "y", "true", "是"}
_FALSE = {"", "0", "no", "n", "false", "否"}


@dataclass
class _CsvRow:
    line: int
    candidate: User | None = None
    values: dict[str, Any] = field(default_factory=dict)
    errors: list[str] = field(default_factory=list)


def registrations_import_csv(
    *, sitting: Sitting, data: bytes, by: User, request: HttpRequest | None = None
) -> list[Registration]:
    """Register every candidate of a CSV file, or none: any row error refuses the whole file.

    Columns (``CSV_COLUMNS``): ``username`` or ``licence_number`` names the candidate; optional
    ``extra_time_minutes``, ``extra_time_percent``, ``separate_breaks`` (yes/no), ``accommodation_note``,
    ``override_reason`` (needed for an ineligible candidate). Errors come back in
    ``extra["rows"]`` as ``[{"line": n, "errors": [...]}]`` (line numbers as in a spreadsheet).
    """
    require_officer(by)
    _check_open(sitting)
    if len(data) > CSV_MAX_BYTES:
        raise ApplicationError(_("The file is larger than 2 MB."), code="csv_too_large")
    text = _decode(data)
    reader = csv.DictReader(io.StringIO(text))
    header = [(name or "").strip().lower() for name in (reader.fieldnames or [])]
    if not {"username", "licence_number"} & set(header):
        raise ApplicationError(
            _("The first line must name the columns, including username or licence_number."), code="csv_header"
        )
    unknown = [name for name in header if name and name not in CSV_COLUMNS]
    if unknown:
        raise ApplicationError(_("Unknown columns: %(columns)s") % {"columns": ", ".join(unknown)}, code="csv_header")
    reader.fieldnames = header
    rows: list[_CsvRow] = []
    for record in reader:
        if len(rows) >= CSV_MAX_ROWS:
            raise ApplicationError(
                _("At most %(max)d candidates per file.") % {"max": CSV_MAX_ROWS}, code="csv_too_large"
            )
        values = {k: (v or "").strip() for k, v in record.items() if k}
        if not any(values.values()):
            continue
        rows.append(_CsvRow(line=reader.line_num, values=values))
    if not rows:
        raise ApplicationError(_("The file has no candidates."), code="csv_empty")
    _resolve_candidates(rows, sitting)
    checks: dict[int, EligibilityCheck] = {}
    for row in rows:
        try:
            row.values["_accommodations"] = _clean_accommodations(
                row.values.get("extra_time_minutes"),
                row.values.get("extra_time_percent"),
                row.values.get("accommodation_note"),
            )
        except ApplicationError as exc:
            row.errors.append(str(exc.message))
        breaks = row.values.get("separate_breaks", "").lower()
        if breaks not in _TRUE | _FALSE:
            row.errors.append(_("separate_breaks must be yes or no."))
        row.values["_breaks"] = breaks in _TRUE
        if row.candidate is not None and not row.errors:
            check = registration_check(candidate=row.candidate, sitting=sitting)
            checks[row.line] = check
            if not check.eligible and not row.values.get("override_reason"):
                row.errors.append(_ineligible_message(check))
    errors = [{"line": row.line, "errors": [str(e) for e in row.errors]} for row in rows if row.errors]
    if errors:
        raise ApplicationError(
            _("Nothing was registered: %(count)d rows have errors.") % {"count": len(errors)},
            {"rows": errors},
            code="csv_errors",
        )
    created = []
    with transaction.atomic():
        existing = {
            r.candidate_id: r
            for r in Registration.objects.select_for_update().filter(
                sitting=sitting, candidate_id__in=[row.candidate.pk for row in rows]
            )
        }
        for row in rows:
            minutes, percent, note = row.values["_accommodations"]
            created.append(
                _register(
                    sitting=sitting,
                    candidate=row.candidate,
                    by=by,
                    check=checks[row.line],
                    override_reason=row.values.get("override_reason", ""),
                    minutes=minutes,
                    percent=percent,
                    separate_breaks=row.values["_breaks"],
                    note=note,
                    existing=existing.get(row.candidate.pk),
                    request=request,
                )
            )
    return created


def _resolve_candidates(rows: list[_CsvRow], sitting: Sitting) -> None:
    """Find each row's user by username or licence number (two queries); note unknown, mismatched, repeated."""
    usernames = {row.values.get("username") for row in rows} - {"", None}
    licences = {row.values.get("licence_number") for row in rows} - {"", None}
    by_username = {u.username: u for u in User.objects.filter(username__in=usernames)} if usernames else {}
    by_licence: dict[str, list[User]] = {}
    if licences:
        for user in User.objects.filter(licence_number__in=licences):
            by_licence.setdefault(user.licence_number, []).append(user)
    registered = set(
        Registration.objects.filter(sitting=sitting, status=Registration.Status.REGISTERED).values_list(
            "candidate_id", flat=True
        )
    )
    seen: dict[int, int] = {}
    for row in rows:
        username, licence = row.values.get("username", ""), row.values.get("licence_number", "")
        user = None
        if not username and not licence:
            row.errors.append(_("Give a username or a licence number."))
            continue
        if username:
            user = by_username.get(username)
            if user is None:
                row.errors.append(_("No user %(username)s.") % {"username": username})
                continue
            if licence and user.licence_number != licence:
                row.errors.append(_("The licence number does not match user %(username)s.") % {"username": username})
                continue
        else:
            matches = by_licence.get(licence, [])
            if len(matches) != 1:
                row.errors.append(
                    _("No user with licence number %(licence)s.") % {"licence": licence}
                    if not matches
                    else _("Several users have licence number %(licence)s.") % {"licence": licence}
                )
                continue
            user = matches[0]
        if not user.is_active:
            row.errors.append(_("The account of %(username)s is deactivated.") % {"username": user.username})
        if user.pk in registered:
            row.errors.append(_("%(username)s is already registered.") % {"username": user.username})
        if user.pk in seen:
            row.errors.append(_("Same candidate as line %(line)d.") % {"line": seen[user.pk]})
        seen.setdefault(user.pk, row.line)
        row.candidate = user


# --------------------------------------------------------------------------------------------- reads


def registration_list(*, sitting: Sitting, status: str | None = None, search: str = "") -> QuerySet[Registration]:
    """A sitting's registrations with candidate, organization and officers loaded (one query)."""
    qs = Registration.objects.filter(sitting=sitting).select_related(
        "candidate", "candidate__organization", "override_by", "registered_by"
    )
    if status:
        qs = qs.filter(status=status)
    if search:
        qs = qs.filter(
            Q(candidate__username__icontains=search)
            | Q(candidate__display_name_zh__icontains=search)
            | Q(candidate__display_name_en__icontains=search)
            | Q(candidate__licence_number__icontains=search)
        )
    return qs.order_by("candidate__username")
