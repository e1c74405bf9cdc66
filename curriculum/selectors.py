"""Reads across the curriculum: the curriculum tree, who supervises whom, logbooks and eligibility."""

from __future__ import annotations

import datetime
from collections import defaultdict
from dataclasses import dataclass, field

from django.db.models import Count, Exists, OuterRef, Prefetch, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import Organization, User
from accounts.roles import Role

from .models import (
    AreaGroup,
    CaseRequirement,
    Level,
    LevelRule,
    LogbookEntry,
    Objective,
    OperatorRole,
    Supervision,
    TechniqueArea,
    TrainingPeriod,
)
from .progress import CountRow, count_matching, months_of_training
from .registry import objective_item_counts

# --------------------------------------------------------------------------------------------
# Curriculum
# --------------------------------------------------------------------------------------------


def curriculum_groups(*, include_inactive: bool = False) -> list[AreaGroup]:
    """Groups in order, each with ``areas`` (and each area's ``objectives``) prefetched: three queries."""
    areas = TechniqueArea.objects.order_by("order", "code")
    objectives = Objective.objects.order_by("level", "order", "code")
    if not include_inactive:
        areas = areas.filter(is_active=True)
        objectives = objectives.filter(is_active=True)
    return list(
        AreaGroup.objects.order_by("order", "code").prefetch_related(
            Prefetch("areas", queryset=areas.prefetch_related(Prefetch("objectives", queryset=objectives)))
        )
    )


def area_list(*, include_inactive: bool = False) -> QuerySet[TechniqueArea]:
    """Areas with their group and their objectives prefetched (constant number of queries)."""
    objectives = Objective.objects.order_by("level", "order", "code")
    areas = TechniqueArea.objects.select_related("group").order_by("order", "code")
    if not include_inactive:
        areas = areas.filter(is_active=True)
        objectives = objectives.filter(is_active=True)
    return areas.prefetch_related(Prefetch("objectives", queryset=objectives))


def area_get(code: str, *, include_inactive: bool = False) -> TechniqueArea:
    """One area by code with group and objectives; ``TechniqueArea.DoesNotExist`` if absent."""
    return area_list(include_inactive=include_inactive).get(code=code)


def objective_list(
    *, area: str | None = None, level: str | None = None, include_inactive: bool = False
) -> QuerySet[Objective]:
    objectives = Objective.objects.select_related("area").order_by("area__order", "level", "order", "code")
    if not include_inactive:
        objectives = objectives.filter(is_active=True, area__is_active=True)
    if area:
        objectives = objectives.filter(area__code=area)
    if level:
        objectives = objectives.filter(level=level)
    return objectives


def requirement_list(*, level: str | None = None, include_inactive: bool = False) -> QuerySet[CaseRequirement]:
    requirements = CaseRequirement.objects.prefetch_related(
        Prefetch("areas", queryset=TechniqueArea.objects.order_by("order"))
    ).order_by("level", "order", "code")
    if not include_inactive:
        requirements = requirements.filter(is_active=True)
    if level:
        requirements = requirements.filter(level=level)
    return requirements


def level_rules() -> dict[str, LevelRule]:
    return {rule.level: rule for rule in LevelRule.objects.all()}


def item_counts_for(objectives: list[Objective]) -> dict[int, int] | None:
    """Practice items per objective from the registered counters, or None when the bank is absent."""
    return objective_item_counts(objective.id for objective in objectives)


# --------------------------------------------------------------------------------------------
# Supervision
# --------------------------------------------------------------------------------------------


def _is_training_centre(organization_id: int | None) -> bool:
    return (
        organization_id is not None
        and Organization.objects.filter(pk=organization_id, kind=Organization.Kind.TRAINING_CENTRE).exists()
    )


def supervises(instructor: User, trainee: User) -> bool:
    """True when ``instructor`` is an active instructor supervising ``trainee``.

    Supervision means an explicit ``Supervision`` row, or both belonging to the same training
    centre. Nobody supervises themselves.
    """
    if instructor.pk == trainee.pk or not instructor.has_role(Role.INSTRUCTOR):
        return False
    if Supervision.objects.filter(instructor=instructor, trainee=trainee).exists():
        return True
    return instructor.organization_id == trainee.organization_id and _is_training_centre(instructor.organization_id)


def trainees_of(instructor: User) -> QuerySet[User]:
    """Active trainees supervised by ``instructor`` (same training centre or explicitly assigned)."""
    if not instructor.has_role(Role.INSTRUCTOR):
        return User.objects.none()
    assigned = Supervision.objects.filter(instructor=instructor, trainee=OuterRef("pk"))
    same_centre = Q(pk__in=[])
    if _is_training_centre(instructor.organization_id):
        same_centre = Q(organization_id=instructor.organization_id)
    return (
        User.objects.filter(is_active=True, groups__name=Role.TRAINEE)
        .filter(Q(Exists(assigned)) | same_centre)
        .exclude(pk=instructor.pk)
        .select_related("organization")
        .distinct()
        .order_by("username")
    )


def instructors_for(trainee: User) -> QuerySet[User]:
    """Active instructors who supervise ``trainee`` (the choices for a logbook entry's supervisor)."""
    assigned = Supervision.objects.filter(instructor=OuterRef("pk"), trainee=trainee)
    same_centre = Q(pk__in=[])
    if _is_training_centre(trainee.organization_id):
        same_centre = Q(organization_id=trainee.organization_id)
    return (
        User.objects.filter(is_active=True, groups__name=Role.INSTRUCTOR)
        .filter(Q(Exists(assigned)) | same_centre)
        .exclude(pk=trainee.pk)
        .distinct()
        .order_by("username")
    )


def can_view_trainee(viewer: User, trainee: User) -> bool:
    """The trainee themselves, an instructor supervising them, or an exam officer."""
    if not viewer.is_authenticated:
        return False
    return viewer.pk == trainee.pk or viewer.has_role(Role.OFFICER) or supervises(viewer, trainee)


# --------------------------------------------------------------------------------------------
# Logbook
# --------------------------------------------------------------------------------------------


def _entries() -> QuerySet[LogbookEntry]:
    return LogbookEntry.objects.select_related("area", "supervisor", "trainee", "reviewed_by").order_by(
        "-performed_on", "-id"
    )


def logbook_for_trainee(trainee: User, *, status: str | None = None) -> QuerySet[LogbookEntry]:
    entries = _entries().filter(trainee=trainee)
    return entries.filter(status=status) if status else entries


def logbook_visible_to(user: User) -> QuerySet[LogbookEntry]:
    """Entries a user may see: their own, their supervised trainees' (instructors), all (officers)."""
    if user.has_role(Role.OFFICER):
        return _entries()
    condition = Q(trainee=user)
    if user.has_role(Role.INSTRUCTOR):
        condition |= Q(trainee__in=trainees_of(user).values("pk"))
    return _entries().filter(condition)


def pending_for_instructor(instructor: User) -> QuerySet[LogbookEntry]:
    """Pending entries of the trainees this instructor supervises, oldest first."""
    return (
        _entries()
        .filter(status=LogbookEntry.Status.PENDING, trainee__in=trainees_of(instructor).values("pk"))
        .order_by("performed_on", "id")
    )


# --------------------------------------------------------------------------------------------
# Eligibility and progress
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class RequirementStatus:
    """One requirement checked against a trainee's verified logbook (or months of training)."""

    code: str
    label: str
    have: int
    need: int
    message: str = ""
    areas: tuple[str, ...] = ()

    @property
    def met(self) -> bool:
        return self.have >= self.need

    @property
    def missing(self) -> int:
        return max(self.need - self.have, 0)

    @property
    def percent(self) -> int:
        return 100 if self.need <= 0 else min(100, round(100 * self.have / self.need))


@dataclass(frozen=True)
class AreaCount:
    """Verified and pending procedures of one area."""

    code: str
    name: str
    first_operator: int = 0
    assistant: int = 0
    pending: int = 0

    @property
    def verified(self) -> int:
        return self.first_operator + self.assistant


@dataclass(frozen=True)
class Eligibility:
    """Whether a trainee meets the case-volume and training-time rules of one exam level.

    ``unmet`` lists exactly what is missing, each with a translated message; ``met`` the rest.
    The certificate prerequisite (``requires_certificate_level``) is reported but NOT checked here:
    certificates live in a higher app, and the exams app combines both at registration.
    """

    trainee_id: int
    level: str
    as_of: datetime.date
    eligible: bool
    met: list[RequirementStatus]
    unmet: list[RequirementStatus]
    months: RequirementStatus | None
    requires_certificate_level: str = ""
    counts_by_area: dict[str, AreaCount] = field(default_factory=dict)
    summary: str = ""
    """"Eligible" or "Not yet: missing …", in the language active when it was computed."""
    requirements: list[RequirementStatus] = field(default_factory=list)
    """Every checked requirement in declaration order, the months rule last."""


MONTHS_CODE = "MONTHS"


def _missing_message(label: str, have: int, need: int) -> str:
    return _("missing %(missing)d × %(label)s (verified %(have)d of %(need)d)") % {
        "missing": need - have,
        "label": label,
        "have": have,
        "need": need,
    }


def _verified_rows(trainee: User, as_of: datetime.date) -> list[CountRow]:
    rows = (
        LogbookEntry.objects.filter(trainee=trainee, status=LogbookEntry.Status.VERIFIED, performed_on__lte=as_of)
        .values("area__code", "role", "grade")
        .annotate(n=Count("id"))
        .order_by()
    )
    return [CountRow(row["area__code"], row["role"], row["grade"], row["n"]) for row in rows]


def area_counts(trainee: User, *, as_of: datetime.date | None = None) -> dict[str, AreaCount]:
    """Per active area (in curriculum order): verified first-operator / assistant and pending entries."""
    as_of = as_of or timezone.localdate()
    rows = (
        LogbookEntry.objects.filter(trainee=trainee, performed_on__lte=as_of)
        .exclude(status=LogbookEntry.Status.REJECTED)
        .values("area__code", "role", "status")
        .annotate(n=Count("id"))
        .order_by()
    )
    tallies: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    for row in rows:
        if row["status"] == LogbookEntry.Status.PENDING:
            tallies[row["area__code"]]["pending"] += row["n"]
        else:
            tallies[row["area__code"]][row["role"]] += row["n"]
    return {
        area.code: AreaCount(
            code=area.code,
            name=area.name,
            first_operator=tallies[area.code][OperatorRole.FIRST_OPERATOR],
            assistant=tallies[area.code][OperatorRole.ASSISTANT],
            pending=tallies[area.code]["pending"],
        )
        for area in TechniqueArea.objects.filter(is_active=True).order_by("order", "code")
    }


def eligibility_for(*, trainee: User, level: str, as_of: datetime.date | None = None) -> Eligibility:
    """Check ``trainee`` against the active requirements and months rule of exam ``level`` ("Q" or "A").

    Counts only VERIFIED logbook entries performed on or before ``as_of`` (default: today) and
    months from VERIFIED training periods. Does not check the prerequisite certificate (see
    ``Eligibility``). Raises ``ValueError`` for an unknown level.
    """
    if level not in Level.values:
        raise ValueError(f"Unknown exam level {level!r}; expected one of {Level.values}.")
    as_of = as_of or timezone.localdate()
    rows = _verified_rows(trainee, as_of)
    met: list[RequirementStatus] = []
    unmet: list[RequirementStatus] = []
    ordered: list[RequirementStatus] = []
    for requirement in requirement_list(level=level):
        area_codes = tuple(area.code for area in requirement.areas.all())
        have = count_matching(rows, areas=area_codes, role=requirement.role, min_grade=requirement.min_grade)
        need = requirement.min_count
        label = requirement.label
        status = RequirementStatus(
            code=requirement.code,
            label=label,
            have=have,
            need=need,
            message="" if have >= need else _missing_message(label, have, need),
            areas=area_codes,
        )
        (met if status.met else unmet).append(status)
        ordered.append(status)

    rule = LevelRule.objects.filter(level=level).first()
    months_status = None
    if rule is not None and rule.min_months:
        periods = TrainingPeriod.objects.filter(trainee=trainee, verified_at__isnull=False).values_list("start", "end")
        have_months = months_of_training(list(periods), as_of)
        message = ""
        if have_months < rule.min_months:
            message = _("missing %(missing)d months of supervised training (verified %(have)d of %(need)d)") % {
                "missing": rule.min_months - have_months,
                "have": have_months,
                "need": rule.min_months,
            }
        months_status = RequirementStatus(
            code=MONTHS_CODE,
            label=_("Months of supervised training"),
            have=have_months,
            need=rule.min_months,
            message=message,
        )
        (met if months_status.met else unmet).append(months_status)
        ordered.append(months_status)

    if unmet:
        summary = _("Not yet: %(missing)s") % {"missing": "; ".join(status.message for status in unmet)}
    else:
        summary = _("Eligible")
    return Eligibility(
        summary=summary,
        requirements=ordered,
        trainee_id=trainee.pk,
        level=level,
        as_of=as_of,
        eligible=not unmet,
        met=met,
        unmet=unmet,
        months=months_status,
        requires_certificate_level=rule.requires_certificate_level if rule is not None else "",
        counts_by_area=area_counts(trainee, as_of=as_of),
    )


def training_periods_of(trainee: User) -> QuerySet[TrainingPeriod]:
    return TrainingPeriod.objects.filter(trainee=trainee).select_related("organization", "verified_by")
