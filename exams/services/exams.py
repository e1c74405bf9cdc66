"""Officer writes on exams, papers, blueprint rows and sittings.

Every service is keyword-only, checks first (model validation, choices, windows, state) and raises
``ApplicationError`` with a translated message (field errors in ``extra["fields"]``), then writes
inside a transaction and leaves an audit record with the fields before and after.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.http import HttpRequest
from django.utils.translation import gettext as _

from accounts.audit import audit_record
from accounts.models import User
from accounts.roles import Role
from exams.models import Attempt, BlueprintRow, Exam, Paper, Sitting
from irexam.errors import ApplicationError, ConflictError

EXAM_FIELDS = (
    "code",
    "title_zh",
    "title_en",
    "level",
    "language",
    "purpose",
    "pass_rule",
    "rules_zh",
    "rules_en",
    "requires_certificate_level",
    "max_attempts",
    "attempts_period_days",
    "retake_wait_days",
)
PAPER_FIELDS = ("number", "title_zh", "title_en", "duration_minutes", "item_count")
ROW_FIELDS = (
    "area",
    "objective",
    "level",
    "item_type",
    "count",
    "min_image_items",
    "min_difficulty",
    "max_difficulty",
    "order",
)
SITTING_FIELDS = (
    "code",
    "opens_at",
    "closes_at",
    "time_zone",
    "access_code",
    "form_mode",
    "form_count",
    "exposure_limit",
    "grace_seconds",
)
#: Fields that decide what the forms look like: frozen once the sitting is assembled.
SITTING_ASSEMBLY_FIELDS = ("form_mode", "form_count", "exposure_limit")
EXAM_LANGUAGES = ("zh-hans", "en")
ITEM_TYPES = ("sba", "mrq", "tf", "emq", "order", "case")

#: Status changes an officer may make here (key validation and release belong to scoring).
SITTING_TRANSITIONS: dict[str, tuple[str, ...]] = {
    Sitting.Status.DRAFT: (Sitting.Status.SCHEDULED, Sitting.Status.CANCELLED),
    Sitting.Status.SCHEDULED: (Sitting.Status.DRAFT, Sitting.Status.CLOSED, Sitting.Status.CANCELLED),
    Sitting.Status.CLOSED: (Sitting.Status.SCHEDULED, Sitting.Status.KEY_VALIDATION),
}


# --------------------------------------------------------------------------------------------- helpers


def require_officer(user: User) -> None:
    if not (user and user.is_authenticated and user.has_role(Role.OFFICER)):
        raise ApplicationError(_("Only exam officers can do this."), code="forbidden", status=403)


def _jsonable(value: Any) -> Any:
    if isinstance(value, models.Model):
        return value.pk
    if isinstance(value, datetime):
        return value.isoformat()
    return value


def _snapshot(obj: models.Model, fields: Iterable[str]) -> dict[str, Any]:
    out = {}
    for name in fields:
        field = obj._meta.get_field(name)
        out[name] = _jsonable(getattr(obj, field.attname))
    return out


def _audit(action: str, by: User, target: models.Model, before: dict, after: dict, request: HttpRequest | None) -> None:
    changed = {k: {"from": before.get(k), "to": v} for k, v in after.items() if before.get(k) != v}
    audit_record(
        action=action,
        actor=by,
        target=target,
        summary=f"{action} {target}: {', '.join(changed) if before else 'created'}"[:500],
        data={"changes": changed} if before else {"created": after},
        request=request,
    )


def _validate(obj: models.Model, exclude: Iterable[str] = ()) -> None:
    """Model validation (choices, lengths, uniqueness) as one ApplicationError naming each field."""
    try:
        obj.full_clean(exclude=list(exclude))
    except ValidationError as exc:
        fields = {name: [str(m) for m in messages] for name, messages in exc.message_dict.items()}
        name, errors = next(iter(fields.items()))
        label = str(obj._meta.get_field(name).verbose_name) if name != "__all__" else ""
        message = f"{label}: {errors[0]}" if label else errors[0]
        raise ApplicationError(message, {"fields": fields}, code="invalid")


def _set(obj: models.Model, fields: dict[str, Any], allowed: Iterable[str]) -> None:
    allowed = set(allowed)
    unknown = sorted(set(fields) - allowed)
    if unknown:
        raise ApplicationError(
            _("These fields cannot be changed here: %(fields)s") % {"fields": ", ".join(unknown)}, code="bad_field"
        )
    for name, value in fields.items():
        if isinstance(value, str) and name not in ("rules_zh", "rules_en"):
            value = value.strip()
        setattr(obj, name, value)


def sitting_has_attempts(sitting: Sitting) -> bool:
    return Attempt.objects.filter(registration__sitting=sitting).exists()


# --------------------------------------------------------------------------------------------- exams


def _check_exam(exam: Exam) -> None:
    if exam.language not in EXAM_LANGUAGES:
        raise ApplicationError(
            _("The exam language must be one of: %(languages)s") % {"languages": ", ".join(EXAM_LANGUAGES)},
            {"fields": {"language": [_("Unknown language.")]}},
        )
    if exam.max_attempts < 1:
        raise ApplicationError(_("At least one attempt must be allowed."), {"fields": {"max_attempts": []}})
    _validate(exam, exclude=["created_by"])


@transaction.atomic
def exam_create(*, by: User, request: HttpRequest | None = None, **fields: Any) -> Exam:
    """Create an exam. Fields: ``EXAM_FIELDS`` (code, title_zh and level required)."""
    require_officer(by)
    exam = Exam(created_by=by)
    _set(exam, fields, EXAM_FIELDS)
    _check_exam(exam)
    exam.save()
    _audit("exam.create", by, exam, {}, _snapshot(exam, EXAM_FIELDS), request)
    return exam


@transaction.atomic
def exam_update(*, exam: Exam, by: User, request: HttpRequest | None = None, **fields: Any) -> Exam:
    require_officer(by)
    before = _snapshot(exam, EXAM_FIELDS)
    if "code" in fields and fields["code"] != exam.code and exam.sittings.exists():
        raise ConflictError(_("The code of an exam with sittings cannot change."), code="exam_in_use")
    changes_content = any(k in fields and fields[k] != getattr(exam, k) for k in ("level", "purpose", "language"))
    if changes_content and exam.sittings.exclude(assembled_at=None).exists():
        raise ConflictError(
            _("The level, purpose and language of an exam with assembled sittings cannot change."),
            code="exam_in_use",
        )
    _set(exam, fields, EXAM_FIELDS)
    _check_exam(exam)
    exam.save()
    _audit("exam.update", by, exam, before, _snapshot(exam, EXAM_FIELDS), request)
    return exam


# --------------------------------------------------------------------------------------------- papers


@transaction.atomic
def paper_create(*, exam: Exam, by: User, request: HttpRequest | None = None, **fields: Any) -> Paper:
    """Add a paper (part). ``number`` defaults to the next free number."""
    require_officer(by)
    paper = Paper(exam=exam)
    if not fields.get("number"):
        fields["number"] = (exam.papers.aggregate(n=models.Max("number"))["n"] or 0) + 1
    _set(paper, fields, PAPER_FIELDS)
    _check_paper(paper)
    paper.save()
    _audit("exam.paper.create", by, paper, {}, _snapshot(paper, PAPER_FIELDS), request)
    return paper


def _check_paper(paper: Paper) -> None:
    _validate(paper)
    if not paper.duration_minutes or not paper.item_count:
        raise ApplicationError(
            _("A paper needs a duration and a number of items."),
            {"fields": {"duration_minutes": [], "item_count": []}},
        )
    if paper.duration_minutes > 24 * 60:
        raise ApplicationError(_("A paper cannot last more than 24 hours."), {"fields": {"duration_minutes": []}})


@transaction.atomic
def paper_update(*, paper: Paper, by: User, request: HttpRequest | None = None, **fields: Any) -> Paper:
    require_officer(by)
    before = _snapshot(paper, PAPER_FIELDS)
    _set(paper, fields, PAPER_FIELDS)
    _check_paper(paper)
    paper.save()
    _audit("exam.paper.update", by, paper, before, _snapshot(paper, PAPER_FIELDS), request)
    return paper


@transaction.atomic
def paper_delete(*, paper: Paper, by: User, request: HttpRequest | None = None) -> None:
    require_officer(by)
    if paper.forms.exists() or paper.attempts.exists():
        raise ConflictError(_("This paper has assembled forms and cannot be deleted."), code="paper_in_use")
    before = _snapshot(paper, PAPER_FIELDS)
    audit_record(action="exam.paper.delete", actor=by, target=paper, summary=str(paper), data=before, request=request)
    paper.delete()


# --------------------------------------------------------------------------------------------- blueprint rows


def _check_row(row: BlueprintRow) -> None:
    if row.item_type and row.item_type not in ITEM_TYPES:
        raise ApplicationError(
            _("Unknown item type %(type)s.") % {"type": row.item_type}, {"fields": {"item_type": []}}
        )
    _validate(row)
    if row.count < 1:
        raise ApplicationError(_("A blueprint row needs at least one item."), {"fields": {"count": []}})
    if row.min_image_items > row.count:
        raise ApplicationError(
            _("A row of %(count)d items cannot require %(images)d items with images.")
            % {"count": row.count, "images": row.min_image_items},
            {"fields": {"min_image_items": []}},
        )
    for name in ("min_difficulty", "max_difficulty"):
        value = getattr(row, name)
        if value is not None and not 0 <= value <= 1:
            raise ApplicationError(
                _("Difficulty bounds are proportions correct between 0 and 1."), {"fields": {name: []}}
            )
    if row.min_difficulty is not None and row.max_difficulty is not None and row.max_difficulty > row.min_difficulty:
        raise ApplicationError(
            _("The hardest allowed difficulty (%(hard)s) is above the easiest allowed (%(easy)s).")
            % {"hard": row.max_difficulty, "easy": row.min_difficulty},
            {"fields": {"max_difficulty": []}},
        )
    if row.objective_id is not None and row.objective.area_id != row.area_id:
        raise ApplicationError(
            _("The objective %(objective)s is not part of this technique area.") % {"objective": row.objective.code},
            {"fields": {"objective": []}},
        )


@transaction.atomic
def blueprint_row_create(*, paper: Paper, by: User, request: HttpRequest | None = None, **fields: Any) -> BlueprintRow:
    """Add a row: ``count`` items of ``area`` (optionally objective, level, item type, image and difficulty limits)."""
    require_officer(by)
    row = BlueprintRow(paper=paper)
    if "order" not in fields:
        fields["order"] = (paper.blueprint_rows.aggregate(n=models.Max("order"))["n"] or 0) + 1
    _set(row, fields, ROW_FIELDS)
    _check_row(row)
    row.save()
    _audit("exam.blueprint.create", by, row, {}, _snapshot(row, ROW_FIELDS), request)
    return row


@transaction.atomic
def blueprint_row_update(
    *, row: BlueprintRow, by: User, request: HttpRequest | None = None, **fields: Any
) -> BlueprintRow:
    require_officer(by)
    before = _snapshot(row, ROW_FIELDS)
    _set(row, fields, ROW_FIELDS)
    _check_row(row)
    row.save()
    _audit("exam.blueprint.update", by, row, before, _snapshot(row, ROW_FIELDS), request)
    return row


@transaction.atomic
def blueprint_row_delete(*, row: BlueprintRow, by: User, request: HttpRequest | None = None) -> None:
    require_officer(by)
    audit_record(
        action="exam.blueprint.delete",
        actor=by,
        target=row,
        summary=str(row),
        data=_snapshot(row, ROW_FIELDS),
        request=request,
    )
    row.delete()


def blueprint_problems(paper: Paper, rows: Iterable[BlueprintRow] | None = None) -> list[str]:
    """What keeps a paper's blueprint from being assembled (empty list when it is complete)."""
    rows = list(paper.blueprint_rows.all() if rows is None else rows)
    problems = []
    if not rows:
        problems.append(_("Paper %(number)d has no blueprint rows.") % {"number": paper.number})
    total = sum(row.count for row in rows)
    if rows and total != paper.item_count:
        problems.append(
            _("The blueprint of paper %(number)d adds up to %(total)d items but the paper has %(count)d.")
            % {"number": paper.number, "total": total, "count": paper.item_count}
        )
    return problems


# --------------------------------------------------------------------------------------------- sittings


def _check_sitting(sitting: Sitting) -> None:
    try:
        ZoneInfo(sitting.time_zone)
    except (ZoneInfoNotFoundError, ValueError):
        raise ApplicationError(
            _("Unknown time zone %(tz)s.") % {"tz": sitting.time_zone}, {"fields": {"time_zone": []}}
        )
    _validate(sitting, exclude=["created_by", "proctors"])
    if sitting.closes_at <= sitting.opens_at:
        raise ApplicationError(_("The window must close after it opens."), {"fields": {"closes_at": []}})
    if not 1 <= sitting.form_count <= 26:
        raise ApplicationError(_("Between 1 and 26 parallel forms."), {"fields": {"form_count": []}})
    if not 0 < sitting.exposure_limit <= 1:
        raise ApplicationError(
            _("The exposure limit is a share of forms above 0 and at most 1."), {"fields": {"exposure_limit": []}}
        )


def _check_proctors(proctors: Iterable[User]) -> list[User]:
    proctors = list(proctors)
    wrong = [p.get_username() for p in proctors if not p.has_role(Role.PROCTOR)]
    if wrong:
        raise ApplicationError(
            _("These users are not proctors: %(users)s") % {"users": ", ".join(wrong)}, {"fields": {"proctors": []}}
        )
    return proctors


@transaction.atomic
def sitting_create(
    *,
    exam: Exam,
    by: User,
    proctors: Iterable[User] = (),
    request: HttpRequest | None = None,
    **fields: Any,
) -> Sitting:
    """Open a sitting (draft) of ``exam`` with its window, time zone, access code, form mode and proctors."""
    require_officer(by)
    sitting = Sitting(exam=exam, created_by=by)
    _set(sitting, fields, SITTING_FIELDS)
    _check_sitting(sitting)
    proctors = _check_proctors(proctors)
    sitting.save()
    sitting.proctors.set(proctors)
    after = {**_snapshot(sitting, SITTING_FIELDS), "proctors": sorted(p.pk for p in proctors)}
    _audit("exam.sitting.create", by, sitting, {}, after, request)
    return sitting


@transaction.atomic
def sitting_update(
    *,
    sitting: Sitting,
    by: User,
    proctors: Iterable[User] | None = None,
    status: str | None = None,
    request: HttpRequest | None = None,
    **fields: Any,
) -> Sitting:
    """Change the window, access code, proctors, form settings (until assembled) or status."""
    require_officer(by)
    sitting = Sitting.objects.select_for_update().get(pk=sitting.pk)
    before = {**_snapshot(sitting, SITTING_FIELDS), "status": sitting.status}
    before["proctors"] = sorted(sitting.proctors.values_list("pk", flat=True))
    frozen = [k for k in SITTING_ASSEMBLY_FIELDS if k in fields and fields[k] != getattr(sitting, k)]
    if frozen and sitting.assembled_at is not None:
        raise ConflictError(
            _("The forms of this sitting are assembled: its form settings can no longer change."),
            code="assembled",
        )
    _set(sitting, fields, SITTING_FIELDS)
    _check_sitting(sitting)
    if status is not None and status != sitting.status:
        _check_transition(sitting, status)
        sitting.status = status
    sitting.save()
    if proctors is not None:
        sitting.proctors.set(_check_proctors(proctors))
    after = {**_snapshot(sitting, SITTING_FIELDS), "status": sitting.status}
    after["proctors"] = sorted(sitting.proctors.values_list("pk", flat=True))
    _audit("exam.sitting.update", by, sitting, before, after, request)
    return sitting


def _check_transition(sitting: Sitting, status: str) -> None:
    if status not in Sitting.Status.values:
        raise ApplicationError(_("Unknown status %(status)s.") % {"status": status}, {"fields": {"status": []}})
    allowed = SITTING_TRANSITIONS.get(sitting.status, ())
    if status not in allowed:
        raise ConflictError(
            _("A sitting cannot go from %(from)s to %(to)s here.")
            % {"from": sitting.get_status_display(), "to": Sitting.Status(status).label},
            code="bad_transition",
        )
    if status == Sitting.Status.SCHEDULED and sitting.assembled_at is None:
        raise ConflictError(
            _("Assemble the forms before scheduling the sitting."),
            code="not_assembled",
        )
    if status == Sitting.Status.DRAFT and sitting_has_attempts(sitting):
        raise ConflictError(_("Candidates have started: the sitting cannot go back to draft."), code="started")
