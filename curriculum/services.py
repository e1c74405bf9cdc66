"""Every curriculum write: curriculum editing (audited), supervision, training periods and logbooks.

Services are keyword-only, check first and raise ``ApplicationError`` with a translated message,
then write inside ``transaction.atomic``. Curriculum changes and logbook decisions leave an audit
record (who, what, when, from where) with the fields before and after.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import Max
from django.http import HttpRequest
from django.utils import timezone
from django.utils.dateparse import parse_date
from django.utils.translation import gettext as _

from accounts.audit import audit_record
from accounts.models import Organization, User
from accounts.roles import Role
from irexam.errors import ApplicationError, ConflictError

from .identifiers import find_identifiers
from .logbook_file import LogbookFileError, read_logbook_file
from .models import (
    AreaGroup,
    CaseRequirement,
    Complication,
    Level,
    LevelRule,
    LogbookEntry,
    Objective,
    OperatorRole,
    RequirementRole,
    Supervision,
    TechniqueArea,
    TrainingPeriod,
)
from .selectors import eligibility_for, supervises  # noqa: F401 - eligibility_for is part of this API

EARLIEST_PROCEDURE_DATE = datetime.date(1980, 1, 1)

# --------------------------------------------------------------------------------------------
# Helpers
# --------------------------------------------------------------------------------------------


def _require_role(user: User, role: str) -> None:
    if not user.has_role(role):
        raise ApplicationError(_("You do not have permission to do this."), code="forbidden", status=403)


def _snapshot(obj: Any, fields: Iterable[str]) -> dict[str, Any]:
    values: dict[str, Any] = {}
    for name in fields:
        value = getattr(obj, name)
        if name == "areas":
            value = sorted(area.code for area in obj.areas.all())
        elif name == "group":
            value = value.code
        values[name] = value
    return values


def _audit_change(*, action: str, by: User, target: Any, before: dict, after: dict, request: HttpRequest | None):
    changed = {name: {"from": before.get(name), "to": after[name]} for name in after if before.get(name) != after[name]}
    audit_record(
        action=action,
        actor=by,
        target=target,
        summary=f"{action} {getattr(target, 'code', target.pk)}: {', '.join(changed) or 'created'}",
        data={"changes": changed} if before else {"created": after},
        request=request,
    )


def _clean_text(value: Any, *, label: str, required: bool = True, max_length: int | None = None) -> str:
    text = str(value or "").strip()
    if required and not text:
        raise ApplicationError(_("%(field)s is required.") % {"field": label}, {"field": label})
    if max_length is not None and len(text) > max_length:
        raise ApplicationError(
            _("%(field)s is longer than %(max)d characters.") % {"field": label, "max": max_length}, {"field": label}
        )
    return text


def _check_level(level: Any) -> str:
    if level not in Level.values:
        raise ApplicationError(_("Unknown level %(level)s.") % {"level": level}, {"field": "level"})
    return level


# --------------------------------------------------------------------------------------------
# Curriculum editing (exam officers)
# --------------------------------------------------------------------------------------------

AREA_FIELDS = ("group", "name_zh", "name_en", "description_zh", "description_en", "order", "is_active")


@transaction.atomic
def area_create(
    *,
    by: User,
    code: str,
    group: AreaGroup,
    name_zh: str,
    name_en: str,
    description_zh: str = "",
    description_en: str = "",
    order: int | None = None,
    request: HttpRequest | None = None,
) -> TechniqueArea:
    _require_role(by, Role.OFFICER)
    code = _clean_text(code, label=_("Code"), max_length=20).upper()
    if TechniqueArea.objects.filter(code=code).exists():
        raise ConflictError(_("A technique area with code %(code)s already exists.") % {"code": code})
    if order is None:
        order = (TechniqueArea.objects.aggregate(m=Max("order"))["m"] or 0) + 1
    area = TechniqueArea.objects.create(
        code=code,
        group=group,
        name_zh=_clean_text(name_zh, label=_("Name (Chinese)"), max_length=200),
        name_en=_clean_text(name_en, label=_("Name (English)"), max_length=200),
        description_zh=_clean_text(description_zh, label=_("Description (Chinese)"), required=False),
        description_en=_clean_text(description_en, label=_("Description (English)"), required=False),
        order=order,
    )
    _audit_change(
        action="curriculum.area_create",
        by=by,
        target=area,
        before={},
        after=_snapshot(area, ("code", *AREA_FIELDS)),
        request=request,
    )
    return area


@transaction.atomic
def area_update(*, area: TechniqueArea, by: User, request: HttpRequest | None = None, **fields: Any) -> TechniqueArea:
    """Change an area's names, descriptions, group, order or active flag; the code never changes."""
    _require_role(by, Role.OFFICER)
    unknown = set(fields) - set(AREA_FIELDS)
    if unknown:
        raise ApplicationError(
            _("These fields cannot be changed: %(fields)s.") % {"fields": ", ".join(sorted(unknown))}
        )
    area = TechniqueArea.objects.select_for_update().get(pk=area.pk)
    before = _snapshot(area, AREA_FIELDS)
    for name in ("name_zh", "name_en"):
        if name in fields:
            fields[name] = _clean_text(fields[name], label=name, max_length=200)
    for name in ("description_zh", "description_en"):
        if name in fields:
            fields[name] = _clean_text(fields[name], label=name, required=False)
    for name, value in fields.items():
        setattr(area, name, value)
    area.save()
    _audit_change(
        action="curriculum.area_update",
        by=by,
        target=area,
        before=before,
        after=_snapshot(area, AREA_FIELDS),
        request=request,
    )
    return area


OBJECTIVE_FIELDS = ("level", "text_zh", "text_en", "order", "is_active")


def _next_objective_code(area: TechniqueArea, level: str) -> str:
    prefix = f"{area.code}-{level}-"
    numbers = [
        int(code.removeprefix(prefix))
        for code in Objective.objects.filter(code__startswith=prefix).values_list("code", flat=True)
        if code.removeprefix(prefix).isdigit()
    ]
    return f"{prefix}{max(numbers, default=0) + 1:02d}"


@transaction.atomic
def objective_create(
    *,
    by: User,
    area: TechniqueArea,
    level: str,
    text_zh: str,
    text_en: str,
    code: str = "",
    order: int | None = None,
    request: HttpRequest | None = None,
) -> Objective:
    """Add an objective; without ``code`` it gets the next free ``{AREA}-{LEVEL}-{NN}`` (codes are never reused)."""
    _require_role(by, Role.OFFICER)
    level = _check_level(level)
    TechniqueArea.objects.select_for_update().get(pk=area.pk)  # serialise numbering per area
    code = (code or "").strip().upper() or _next_objective_code(area, level)
    if not code.startswith(f"{area.code}-{level}-"):
        raise ApplicationError(
            _("An objective code must start with %(prefix)s.") % {"prefix": f"{area.code}-{level}-"}, {"field": "code"}
        )
    if Objective.objects.filter(code=code).exists():
        raise ConflictError(_("An objective with code %(code)s already exists.") % {"code": code})
    if order is None:
        order = (Objective.objects.filter(area=area, level=level).aggregate(m=Max("order"))["m"] or 0) + 1
    objective = Objective.objects.create(
        code=code,
        area=area,
        level=level,
        text_zh=_clean_text(text_zh, label=_("Text (Chinese)")),
        text_en=_clean_text(text_en, label=_("Text (English)")),
        order=order,
    )
    _audit_change(
        action="curriculum.objective_create",
        by=by,
        target=objective,
        before={},
        after=_snapshot(objective, ("code", *OBJECTIVE_FIELDS)),
        request=request,
    )
    return objective


@transaction.atomic
def objective_update(*, objective: Objective, by: User, request: HttpRequest | None = None, **fields: Any) -> Objective:
    """Change an objective's texts, order or active flag. Code, area and level are its identity and stay."""
    _require_role(by, Role.OFFICER)
    allowed = {"text_zh", "text_en", "order", "is_active"}
    unknown = set(fields) - allowed
    if unknown:
        raise ApplicationError(
            _("These fields cannot be changed: %(fields)s.") % {"fields": ", ".join(sorted(unknown))}
        )
    objective = Objective.objects.select_for_update().get(pk=objective.pk)
    before = _snapshot(objective, OBJECTIVE_FIELDS)
    for name in ("text_zh", "text_en"):
        if name in fields:
            fields[name] = _clean_text(fields[name], label=name)
    for name, value in fields.items():
        setattr(objective, name, value)
    objective.save()
    _audit_change(
        action="curriculum.objective_update",
        by=by,
        target=objective,
        before=before,
        after=_snapshot(objective, OBJECTIVE_FIELDS),
        request=request,
    )
    return objective


REQUIREMENT_FIELDS = ("label_zh", "label_en", "areas", "role", "min_grade", "min_count", "source", "order", "is_active")


def _check_requirement_values(fields: dict[str, Any]) -> None:
    if "role" in fields and fields["role"] not in RequirementRole.values:
        raise ApplicationError(_("Unknown role %(role)s.") % {"role": fields["role"]}, {"field": "role"})
    if "min_grade" in fields and fields["min_grade"] is not None and fields["min_grade"] not in (1, 2, 3, 4):
        raise ApplicationError(_("The minimum procedure level must be 1 to 4, or empty."), {"field": "min_grade"})
    if "min_count" in fields and (not isinstance(fields["min_count"], int) or fields["min_count"] < 1):
        raise ApplicationError(_("The minimum number must be a whole number of at least 1."), {"field": "min_count"})
    for name in ("label_zh", "label_en"):
        if name in fields:
            fields[name] = _clean_text(fields[name], label=name, max_length=200)


@transaction.atomic
def requirement_create(
    *,
    by: User,
    code: str,
    level: str,
    label_zh: str,
    label_en: str,
    role: str,
    min_count: int,
    areas: Iterable[TechniqueArea] = (),
    min_grade: int | None = None,
    source: str = "",
    request: HttpRequest | None = None,
) -> CaseRequirement:
    _require_role(by, Role.OFFICER)
    level = _check_level(level)
    code = _clean_text(code, label=_("Code"), max_length=30).upper()
    if not code.startswith(f"{level}-"):
        raise ApplicationError(
            _("A requirement code must start with %(prefix)s.") % {"prefix": f"{level}-"}, {"field": "code"}
        )
    if CaseRequirement.objects.filter(code=code).exists():
        raise ConflictError(_("A requirement with code %(code)s already exists.") % {"code": code})
    values: dict[str, Any] = {
        "label_zh": label_zh,
        "label_en": label_en,
        "role": role,
        "min_grade": min_grade,
        "min_count": min_count,
    }
    _check_requirement_values(values)
    order = (CaseRequirement.objects.filter(level=level).aggregate(m=Max("order"))["m"] or 0) + 1
    requirement = CaseRequirement.objects.create(code=code, level=level, source=source, order=order, **values)
    requirement.areas.set(list(areas))
    _audit_change(
        action="curriculum.requirement_create",
        by=by,
        target=requirement,
        before={},
        after=_snapshot(requirement, ("code", "level", *REQUIREMENT_FIELDS)),
        request=request,
    )
    return requirement


@transaction.atomic
def requirement_update(
    *, requirement: CaseRequirement, by: User, request: HttpRequest | None = None, **fields: Any
) -> CaseRequirement:
    """Change a requirement (numbers, labels, areas, role, grade filter, active flag); audited with before/after."""
    _require_role(by, Role.OFFICER)
    unknown = set(fields) - set(REQUIREMENT_FIELDS)
    if unknown:
        raise ApplicationError(
            _("These fields cannot be changed: %(fields)s.") % {"fields": ", ".join(sorted(unknown))}
        )
    _check_requirement_values(fields)
    requirement = CaseRequirement.objects.select_for_update().get(pk=requirement.pk)
    before = _snapshot(requirement, REQUIREMENT_FIELDS)
    areas = fields.pop("areas", None)
    for name, value in fields.items():
        setattr(requirement, name, value)
    requirement.save()
    if areas is not None:
        requirement.areas.set(list(areas))
    _audit_change(
        action="curriculum.requirement_update",
        by=by,
        target=requirement,
        before=before,
        after=_snapshot(requirement, REQUIREMENT_FIELDS),
        request=request,
    )
    return requirement


@transaction.atomic
def level_rule_update(
    *,
    level: str,
    by: User,
    min_months: int,
    requires_certificate_level: str = "",
    request: HttpRequest | None = None,
) -> LevelRule:
    """Set the minimum months of supervised training (and the prerequisite certificate level) of a level."""
    _require_role(by, Role.OFFICER)
    level = _check_level(level)
    if not isinstance(min_months, int) or min_months < 0:
        raise ApplicationError(_("The minimum months must be a whole number of at least 0."), {"field": "min_months"})
    if requires_certificate_level and (
        requires_certificate_level not in Level.values or requires_certificate_level == level
    ):
        raise ApplicationError(
            _("The prerequisite certificate must be of another level."), {"field": "requires_certificate_level"}
        )
    rule, _created = LevelRule.objects.select_for_update().get_or_create(level=level)
    fields = ("min_months", "requires_certificate_level")
    before = _snapshot(rule, fields)
    rule.min_months = min_months
    rule.requires_certificate_level = requires_certificate_level
    rule.save()
    _audit_change(
        action="curriculum.level_rule_update",
        by=by,
        target=rule,
        before=before,
        after=_snapshot(rule, fields),
        request=request,
    )
    return rule


# --------------------------------------------------------------------------------------------
# Supervision and training periods
# --------------------------------------------------------------------------------------------


@transaction.atomic
def supervision_assign(
    *, instructor: User, trainee: User, by: User | None = None, request: HttpRequest | None = None
) -> Supervision:
    """Assign ``instructor`` to supervise ``trainee`` explicitly (idempotent). Officers only (or the system)."""
    if by is not None:
        _require_role(by, Role.OFFICER)
    if not instructor.has_role(Role.INSTRUCTOR):
        raise ApplicationError(_("%(user)s is not an instructor.") % {"user": instructor.get_username()})
    if not trainee.has_role(Role.TRAINEE):
        raise ApplicationError(_("%(user)s is not a trainee.") % {"user": trainee.get_username()})
    if instructor.pk == trainee.pk:
        raise ApplicationError(_("Nobody can supervise themselves."))
    supervision, created = Supervision.objects.get_or_create(
        instructor=instructor, trainee=trainee, defaults={"created_by": by}
    )
    if created:
        audit_record(
            action="curriculum.supervision_assign",
            actor=by,
            target=supervision,
            summary=f"{instructor.get_username()} supervises {trainee.get_username()}",
            request=request,
        )
    return supervision


@transaction.atomic
def training_period_add(
    *,
    trainee: User,
    organization: Organization,
    start: datetime.date,
    end: datetime.date | None,
    by: User,
    today: datetime.date | None = None,
) -> TrainingPeriod:
    """Record a period of supervised training (by the trainee or an officer); it counts once verified."""
    if by.pk != trainee.pk and not by.has_role(Role.OFFICER):
        raise ApplicationError(_("You do not have permission to do this."), code="forbidden", status=403)
    today = today or timezone.localdate()
    if organization.kind != Organization.Kind.TRAINING_CENTRE:
        raise ApplicationError(_("Choose a training centre."), {"field": "organization"})
    if start > today:
        raise ApplicationError(_("The start date cannot be in the future."), {"field": "start"})
    if end is not None and end < start:
        raise ApplicationError(_("The end date cannot be before the start date."), {"field": "end"})
    return TrainingPeriod.objects.create(trainee=trainee, organization=organization, start=start, end=end)


@transaction.atomic
def training_period_verify(*, period: TrainingPeriod, by: User, request: HttpRequest | None = None) -> TrainingPeriod:
    """Confirm a training period: an instructor supervising the trainee, or an officer; never the trainee."""
    period = TrainingPeriod.objects.select_for_update().select_related("trainee").get(pk=period.pk)
    if by.pk == period.trainee_id:
        raise ApplicationError(_("You cannot verify your own training period."), code="forbidden", status=403)
    if not (by.has_role(Role.OFFICER) or supervises(by, period.trainee)):
        raise ApplicationError(_("You do not supervise this trainee."), code="forbidden", status=403)
    if period.verified_at is None:
        period.verified_by = by
        period.verified_at = timezone.now()
        period.save(update_fields=["verified_by", "verified_at"])
        audit_record(
            action="curriculum.training_period_verify",
            actor=by,
            target=period,
            summary=f"training period {period.start}–{period.end or '…'} of {period.trainee.get_username()}",
            request=request,
        )
    return period


# --------------------------------------------------------------------------------------------
# Logbook
# --------------------------------------------------------------------------------------------


def identifier_kind_label(kind: str) -> str:
    labels = {
        "resident_id": _("a resident ID number"),
        "mobile": _("a mobile phone number"),
        "landline": _("a telephone number"),
        "record_number": _("a hospital record number"),
    }
    return labels[kind]


class EntryErrors(ApplicationError):
    """Field errors of one logbook entry: ``extra = {"errors": {field: message}}``."""

    def __init__(self, errors: dict[str, str]):
        message = " ".join(errors.values())
        super().__init__(message, {"errors": errors}, code="invalid_entry")
        self.errors = errors


def _parse_grade(value: Any) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value if 1 <= value <= 4 else None
    text = str(value or "").strip()
    return int(text) if text in {"1", "2", "3", "4"} else None


_ROLE_ALIASES = {
    "first_operator": OperatorRole.FIRST_OPERATOR,
    "first operator": OperatorRole.FIRST_OPERATOR,
    "operator": OperatorRole.FIRST_OPERATOR,
    "术者": OperatorRole.FIRST_OPERATOR,
    "主刀": OperatorRole.FIRST_OPERATOR,
    "术者（主刀）": OperatorRole.FIRST_OPERATOR,
    "assistant": OperatorRole.ASSISTANT,
    "助手": OperatorRole.ASSISTANT,
}


def _clean_entry(
    *,
    trainee: User,
    performed_on: Any,
    area: Any,
    grade: Any,
    role: Any,
    supervisor: Any,
    complication: Any,
    note: Any,
    today: datetime.date,
    areas_by_code: dict[str, TechniqueArea] | None = None,
    supervisors_by_username: dict[str, User | None] | None = None,
    supervision_cache: dict[int, bool] | None = None,
) -> tuple[dict[str, Any], dict[str, str]]:
    """Validate one entry's values; return (clean values, {field: message}). Shared by create, update and import.

    ``area`` may be a ``TechniqueArea`` or a code, ``supervisor`` a ``User`` or a username.
    """
    errors: dict[str, str] = {}
    clean: dict[str, Any] = {}

    # Date: a real date, not in the future, not absurdly old.
    day = performed_on
    if isinstance(day, datetime.datetime):
        day = day.date()
    if isinstance(day, str):
        text = day.strip().replace("/", "-").replace(".", "-")
        try:
            day = parse_date(text)
        except ValueError:
            day = None
    if not isinstance(day, datetime.date):
        errors["performed_on"] = _("enter the date as YYYY-MM-DD")
    elif day > today:
        errors["performed_on"] = _("the date of a procedure cannot be in the future")
    elif day < EARLIEST_PROCEDURE_DATE:
        errors["performed_on"] = _("the date is before 1980")
    else:
        clean["performed_on"] = day

    # Area: an active technique area.
    if isinstance(area, TechniqueArea):
        area_obj: TechniqueArea | None = area if area.is_active else None
        area_code = area.code
    else:
        area_code = str(area or "").strip().upper()
        if areas_by_code is not None:
            area_obj = areas_by_code.get(area_code)
        else:
            area_obj = TechniqueArea.objects.filter(code=area_code, is_active=True).first()
    if area_obj is None:
        errors["area"] = _("no technique area with code '%(code)s'") % {"code": area_code}
    else:
        clean["area"] = area_obj

    parsed_grade = _parse_grade(grade)
    if parsed_grade is None:
        errors["grade"] = _("the procedure level must be 1, 2, 3 or 4")
    else:
        clean["grade"] = parsed_grade

    role_key = str(role or "").strip().lower()
    if role_key not in _ROLE_ALIASES:
        errors["role"] = _("the role must be first_operator or assistant")
    else:
        clean["role"] = _ROLE_ALIASES[role_key]

    # Supervisor: an active instructor who supervises this trainee.
    supervisor_obj: User | None
    if isinstance(supervisor, User):
        supervisor_obj = supervisor
        username = supervisor.get_username()
    else:
        username = str(supervisor or "").strip()
        if supervisors_by_username is not None and username in supervisors_by_username:
            supervisor_obj = supervisors_by_username[username]
        else:
            supervisor_obj = User.objects.filter(username=username, is_active=True).first() if username else None
            if supervisors_by_username is not None:
                supervisors_by_username[username] = supervisor_obj
    if supervisor_obj is None or not supervisor_obj.is_active or not supervisor_obj.has_role(Role.INSTRUCTOR):
        errors["supervisor"] = _("no instructor with username '%(username)s'") % {"username": username}
    elif supervisor_obj.pk == trainee.pk:
        errors["supervisor"] = _("you cannot be your own supervisor")
    elif not _cached_supervises(supervisor_obj, trainee, supervision_cache):
        errors["supervisor"] = _("%(username)s is not one of your instructors") % {"username": username}
    else:
        clean["supervisor"] = supervisor_obj

    complication_key = str(complication or "").strip().lower() or Complication.NONE
    if complication_key not in Complication.values:
        errors["complication"] = _("unknown complication grade '%(value)s'") % {"value": complication_key}
    else:
        clean["complication"] = complication_key

    note_text = str(note or "").strip()
    if len(note_text) > 1000:
        errors["note"] = _("the note is longer than 1000 characters")
    else:
        findings = find_identifiers(note_text)
        if findings:
            first = findings[0]
            errors["note"] = _(
                "looks like it contains %(kind)s at character %(position)d; "
                "remove patient identifiers (ID, phone or record numbers)"
            ) % {"kind": identifier_kind_label(first.kind), "position": first.position}
        else:
            clean["note"] = note_text
    return clean, errors


def _cached_supervises(instructor: User, trainee: User, cache: dict[int, bool] | None) -> bool:
    if cache is None:
        return supervises(instructor, trainee)
    if instructor.pk not in cache:
        cache[instructor.pk] = supervises(instructor, trainee)
    return cache[instructor.pk]


def _field_errors(errors: dict[str, str]) -> dict[str, str]:
    labels = {
        "performed_on": _("Date"),
        "area": _("Technique area"),
        "grade": _("Procedure level"),
        "role": _("Role"),
        "supervisor": _("Supervisor"),
        "complication": _("Complication grade"),
        "note": _("Note"),
    }
    return {name: f"{labels[name]}: {message}" for name, message in errors.items()}


@transaction.atomic
def logbook_entry_create(
    *,
    trainee: User,
    performed_on: Any,
    area: Any,
    grade: Any,
    role: Any,
    supervisor: Any,
    complication: Any = Complication.NONE,
    note: str = "",
    today: datetime.date | None = None,
) -> LogbookEntry:
    """Log one procedure as pending. Refuses future dates, unknown supervisors and patient identifiers."""
    _require_role(trainee, Role.TRAINEE)
    clean, errors = _clean_entry(
        trainee=trainee,
        performed_on=performed_on,
        area=area,
        grade=grade,
        role=role,
        supervisor=supervisor,
        complication=complication,
        note=note,
        today=today or timezone.localdate(),
    )
    if errors:
        raise EntryErrors(_field_errors(errors))
    return LogbookEntry.objects.create(trainee=trainee, **clean)


@transaction.atomic
def logbook_entry_update(*, entry: LogbookEntry, by: User, today: datetime.date | None = None, **fields: Any):
    """The trainee corrects a pending or rejected entry; it goes back to pending for verification."""
    entry = LogbookEntry.objects.select_for_update().select_related("area", "supervisor").get(pk=entry.pk)
    if by.pk != entry.trainee_id:
        raise ApplicationError(_("You can only change your own logbook entries."), code="forbidden", status=403)
    if not entry.is_editable:
        raise ConflictError(_("A verified entry cannot be changed."))
    values = {
        "performed_on": entry.performed_on,
        "area": entry.area,
        "grade": entry.grade,
        "role": entry.role,
        "supervisor": entry.supervisor,
        "complication": entry.complication,
        "note": entry.note,
    }
    unknown = set(fields) - set(values)
    if unknown:
        raise ApplicationError(
            _("These fields cannot be changed: %(fields)s.") % {"fields": ", ".join(sorted(unknown))}
        )
    values.update(fields)
    clean, errors = _clean_entry(trainee=by, today=today or timezone.localdate(), **values)
    if errors:
        raise EntryErrors(_field_errors(errors))
    for name, value in clean.items():
        setattr(entry, name, value)
    entry.status = LogbookEntry.Status.PENDING
    entry.reviewed_by = None
    entry.reviewed_at = None
    entry.rejection_reason = ""
    entry.save()
    return entry


@transaction.atomic
def logbook_entry_delete(*, entry: LogbookEntry, by: User) -> None:
    """The trainee removes one of their entries that is not verified."""
    entry = LogbookEntry.objects.select_for_update().get(pk=entry.pk)
    if by.pk != entry.trainee_id:
        raise ApplicationError(_("You can only change your own logbook entries."), code="forbidden", status=403)
    if not entry.is_editable:
        raise ConflictError(_("A verified entry cannot be deleted."))
    entry.delete()


def _check_reviewer(entry: LogbookEntry, by: User) -> None:
    if by.pk == entry.trainee_id:
        raise ApplicationError(_("You cannot verify your own logbook entries."), code="forbidden", status=403)
    if not supervises(by, entry.trainee):
        raise ApplicationError(_("You do not supervise this trainee."), code="forbidden", status=403)


@transaction.atomic
def logbook_entry_verify(*, entry: LogbookEntry, by: User, request: HttpRequest | None = None) -> LogbookEntry:
    """An instructor supervising the trainee confirms a pending entry."""
    entry = LogbookEntry.objects.select_for_update().select_related("trainee").get(pk=entry.pk)
    _check_reviewer(entry, by)
    if entry.status != LogbookEntry.Status.PENDING:
        raise ConflictError(_("This entry is no longer pending."))
    entry.status = LogbookEntry.Status.VERIFIED
    entry.reviewed_by = by
    entry.reviewed_at = timezone.now()
    entry.rejection_reason = ""
    entry.save(update_fields=["status", "reviewed_by", "reviewed_at", "rejection_reason"])
    audit_record(
        action="curriculum.logbook_verify",
        actor=by,
        target=entry,
        summary=f"verified logbook entry {entry.pk} of {entry.trainee.get_username()}",
        request=request,
    )
    return entry


@transaction.atomic
def logbook_entry_reject(
    *, entry: LogbookEntry, by: User, reason: str, request: HttpRequest | None = None
) -> LogbookEntry:
    """An instructor supervising the trainee rejects a pending entry, saying why."""
    reason = str(reason or "").strip()
    entry = LogbookEntry.objects.select_for_update().select_related("trainee").get(pk=entry.pk)
    _check_reviewer(entry, by)
    if not reason:
        raise ApplicationError(_("Give a reason for the rejection."), {"field": "reason"})
    if len(reason) > 500:
        raise ApplicationError(_("The reason is longer than 500 characters."), {"field": "reason"})
    if find_identifiers(reason):
        raise ApplicationError(_("The reason must not contain patient identifiers."), {"field": "reason"})
    if entry.status != LogbookEntry.Status.PENDING:
        raise ConflictError(_("This entry is no longer pending."))
    entry.status = LogbookEntry.Status.REJECTED
    entry.reviewed_by = by
    entry.reviewed_at = timezone.now()
    entry.rejection_reason = reason
    entry.save(update_fields=["status", "reviewed_by", "reviewed_at", "rejection_reason"])
    audit_record(
        action="curriculum.logbook_reject",
        actor=by,
        target=entry,
        summary=f"rejected logbook entry {entry.pk} of {entry.trainee.get_username()}",
        data={"reason": reason},
        request=request,
    )
    return entry


def _file_error_message(error: LogbookFileError) -> str:
    messages = {
        "too_large": _("The file is larger than %(megabytes)s MB."),
        "unknown_format": _("Upload a .csv or .xlsx file made from the template."),
        "empty": _("The file is empty."),
        "missing_columns": _("The header row lacks these columns: %(columns)s."),
        "too_many_rows": _("The file has more than %(limit)s entries; split it into smaller files."),
        "no_entries": _("The file has a header row but no entries."),
        "malformed": _("The file cannot be read; save it again as CSV (UTF-8) or XLSX from the template."),
    }
    template = messages.get(error.code)
    return template % error.params if template else str(error)


@transaction.atomic
def logbook_import(
    *, trainee: User, filename: str, data: bytes, today: datetime.date | None = None
) -> list[LogbookEntry]:
    """Import many entries from a CSV/XLSX template, all or nothing.

    Steps: read the file (structure errors refuse the whole file); validate every row with the same
    rules as a single entry, collecting ``{"row", "field", "message"}`` errors such as
    "row 7, supervisor: no instructor with username 'wangq'"; if any row fails nothing is saved and
    ``ApplicationError`` carries ``extra={"errors": [...]}``; otherwise all rows are created at once
    as pending entries.
    """
    _require_role(trainee, Role.TRAINEE)
    try:
        rows = read_logbook_file(filename, data)
    except LogbookFileError as error:
        raise ApplicationError(_file_error_message(error), {"errors": []}, code="invalid_file") from error
    today = today or timezone.localdate()
    areas_by_code = {area.code: area for area in TechniqueArea.objects.filter(is_active=True)}
    supervisors: dict[str, User | None] = {}
    supervision_cache: dict[int, bool] = {}
    entries: list[LogbookEntry] = []
    errors: list[dict[str, Any]] = []
    for row_number, cells in rows:
        clean, row_errors = _clean_entry(
            trainee=trainee,
            today=today,
            areas_by_code=areas_by_code,
            supervisors_by_username=supervisors,
            supervision_cache=supervision_cache,
            **cells,
        )
        for field_name, message in row_errors.items():
            errors.append(
                {
                    "row": row_number,
                    "field": field_name,
                    "message": _("row %(row)d, %(field)s: %(message)s")
                    % {"row": row_number, "field": field_name, "message": message},
                }
            )
        if not row_errors:
            entries.append(LogbookEntry(trainee=trainee, **clean))
    if errors:
        failed_rows = len({error["row"] for error in errors})
        raise ApplicationError(
            _("Nothing was imported: %(failed)d of %(total)d rows have errors.")
            % {"failed": failed_rows, "total": len(rows)},
            {"errors": errors},
            code="invalid_rows",
        )
    try:
        return LogbookEntry.objects.bulk_create(entries)
    except IntegrityError as error:  # pragma: no cover - every constraint is checked above
        raise ApplicationError(_("Nothing was imported: the entries could not be saved.")) from error
