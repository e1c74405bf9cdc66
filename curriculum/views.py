"""Curriculum pages: browse, officer editing, the trainee logbook, instructor review and progress.

Thin: selectors read, services write, ``ApplicationError`` messages are shown as they are.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db.models import Count, Q
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accounts.models import User
from accounts.permissions import role_required
from accounts.roles import Role
from irexam.errors import ApplicationError

from . import selectors, services
from .forms import (
    AreaForm,
    ImportForm,
    LevelRuleForm,
    LogbookEntryForm,
    ObjectiveCreateForm,
    ObjectiveForm,
    RejectForm,
    RequirementCreateForm,
    RequirementForm,
    TrainingPeriodForm,
)
from .logbook_file import COLUMNS, HEADINGS_ZH, MAX_ROWS, template_csv
from .models import CaseRequirement, Complication, Level, LogbookEntry, Objective, TechniqueArea, TrainingPeriod
from .registry import has_objective_item_counter


def _form_error(form, error: ApplicationError) -> None:
    """Put a service error on the form: per field when the service named fields, else on the form."""
    field_errors = error.extra.get("errors") if isinstance(error.extra.get("errors"), dict) else None
    if field_errors:
        for name, message in field_errors.items():
            form.add_error(name if name in form.fields else None, message)
        return
    name = error.extra.get("field")
    form.add_error(name if name in form.fields else None, str(error.message))


def _is_officer(request: HttpRequest) -> bool:
    return request.user.is_authenticated and request.user.has_role(Role.OFFICER)


# --------------------------------------------------------------------------------------------
# Browse
# --------------------------------------------------------------------------------------------


def curriculum_index(request: HttpRequest) -> HttpResponse:
    """Technique areas by group, each with its objective counts per level."""
    groups = [group for group in selectors.curriculum_groups() if group.areas.all()]
    for group in groups:
        for area in group.areas.all():
            objectives = area.objectives.all()
            area.qualifying_count = sum(1 for o in objectives if o.level == Level.QUALIFYING)
            area.advanced_count = sum(1 for o in objectives if o.level == Level.ADVANCED)
    return render(request, "curriculum/index.html", {"groups": groups, "is_officer": _is_officer(request)})


def area_detail(request: HttpRequest, code: str) -> HttpResponse:
    is_officer = _is_officer(request)
    try:
        area = selectors.area_get(code, include_inactive=is_officer)
    except TechniqueArea.DoesNotExist:
        raise Http404 from None
    objectives = list(area.objectives.all()) if not is_officer else list(area.objectives.order_by("level", "order"))
    counts = selectors.item_counts_for(objectives) if has_objective_item_counter() else None
    for objective in objectives:
        objective.practice_items = None if counts is None else counts.get(objective.id, 0)
    levels = [
        (Level.QUALIFYING.label, [o for o in objectives if o.level == Level.QUALIFYING]),
        (Level.ADVANCED.label, [o for o in objectives if o.level == Level.ADVANCED]),
    ]
    requirements = selectors.requirement_list().filter(Q(areas=area)).distinct()
    return render(
        request,
        "curriculum/area_detail.html",
        {
            "area": area,
            "levels": levels,
            "show_counts": counts is not None,
            "requirements": requirements,
            "is_officer": is_officer,
        },
    )


def requirements(request: HttpRequest) -> HttpResponse:
    """Case-volume requirements and level rules per exam level (officers see edit links)."""
    is_officer = _is_officer(request)
    every = list(selectors.requirement_list(include_inactive=is_officer))
    rules = selectors.level_rules()
    levels = [
        {
            "code": level,
            "label": label,
            "rule": rules.get(level),
            "requirements": [r for r in every if r.level == level],
        }
        for level, label in Level.choices
    ]
    return render(request, "curriculum/requirements.html", {"levels": levels, "is_officer": is_officer})


# --------------------------------------------------------------------------------------------
# Officer editing (every change audited by the services)
# --------------------------------------------------------------------------------------------


@role_required(Role.OFFICER)
def area_edit(request: HttpRequest, code: str) -> HttpResponse:
    area = get_object_or_404(TechniqueArea, code=code)
    form = AreaForm(request.POST or None, instance=TechniqueArea.objects.get(pk=area.pk))
    if request.method == "POST" and form.is_valid():
        fields = {name: form.cleaned_data[name] for name in form.changed_data}
        try:
            services.area_update(area=area, by=request.user, request=request, **fields)
        except ApplicationError as error:
            _form_error(form, error)
        else:
            messages.success(request, _("The technique area was saved."))
            return redirect("curriculum:area", code=area.code)
    return render(request, "curriculum/form.html", {"form": form, "title": _("Edit %(code)s") % {"code": area.code}})


@role_required(Role.OFFICER)
def objective_create(request: HttpRequest, code: str) -> HttpResponse:
    area = get_object_or_404(TechniqueArea, code=code)
    form = ObjectiveCreateForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            objective = services.objective_create(by=request.user, area=area, request=request, **form.cleaned_data)
        except ApplicationError as error:
            _form_error(form, error)
        else:
            messages.success(request, _("Objective %(code)s was added.") % {"code": objective.code})
            return redirect("curriculum:area", code=area.code)
    title = _("New objective for %(code)s") % {"code": area.code}
    return render(request, "curriculum/form.html", {"form": form, "title": title})


@role_required(Role.OFFICER)
def objective_edit(request: HttpRequest, code: str) -> HttpResponse:
    objective = get_object_or_404(Objective.objects.select_related("area"), code=code)
    form = ObjectiveForm(request.POST or None, instance=Objective.objects.get(pk=objective.pk))
    if request.method == "POST" and form.is_valid():
        fields = {name: form.cleaned_data[name] for name in form.changed_data}
        try:
            services.objective_update(objective=objective, by=request.user, request=request, **fields)
        except ApplicationError as error:
            _form_error(form, error)
        else:
            messages.success(request, _("Objective %(code)s was saved.") % {"code": objective.code})
            return redirect("curriculum:area", code=objective.area.code)
    return render(request, "curriculum/form.html", {"form": form, "title": _("Edit %(code)s") % {"code": code}})


@role_required(Role.OFFICER)
def requirement_edit(request: HttpRequest, code: str) -> HttpResponse:
    requirement = get_object_or_404(CaseRequirement, code=code)
    form = RequirementForm(request.POST or None, instance=CaseRequirement.objects.get(pk=requirement.pk))
    if request.method == "POST" and form.is_valid():
        fields = {name: form.cleaned_data[name] for name in form.changed_data}
        try:
            services.requirement_update(requirement=requirement, by=request.user, request=request, **fields)
        except ApplicationError as error:
            _form_error(form, error)
        else:
            messages.success(request, _("Requirement %(code)s was saved.") % {"code": code})
            return redirect("curriculum:requirements")
    return render(request, "curriculum/form.html", {"form": form, "title": _("Edit %(code)s") % {"code": code}})


@role_required(Role.OFFICER)
def requirement_create(request: HttpRequest) -> HttpResponse:
    form = RequirementCreateForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        data.pop("order", None)
        data.pop("is_active", None)
        try:
            requirement = services.requirement_create(by=request.user, request=request, **data)
        except ApplicationError as error:
            _form_error(form, error)
        else:
            messages.success(request, _("Requirement %(code)s was added.") % {"code": requirement.code})
            return redirect("curriculum:requirements")
    return render(request, "curriculum/form.html", {"form": form, "title": _("New requirement")})


@role_required(Role.OFFICER)
def level_rule_edit(request: HttpRequest, level: str) -> HttpResponse:
    if level not in Level.values:
        raise Http404
    rule = selectors.level_rules().get(level)
    initial = (
        {"min_months": rule.min_months, "requires_certificate_level": rule.requires_certificate_level} if rule else {}
    )
    form = LevelRuleForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            services.level_rule_update(level=level, by=request.user, request=request, **form.cleaned_data)
        except ApplicationError as error:
            _form_error(form, error)
        else:
            messages.success(request, _("The rules of the level were saved."))
            return redirect("curriculum:requirements")
    title = _("Rules for the %(level)s") % {"level": Level(level).label}
    return render(request, "curriculum/form.html", {"form": form, "title": title})


# --------------------------------------------------------------------------------------------
# Trainee logbook
# --------------------------------------------------------------------------------------------


@role_required(Role.TRAINEE)
def logbook(request: HttpRequest) -> HttpResponse:
    """The trainee's entries and a form to log a procedure."""
    form = LogbookEntryForm(request.POST or None, supervisors=selectors.instructors_for(request.user))
    if request.method == "POST" and form.is_valid():
        try:
            services.logbook_entry_create(trainee=request.user, **form.cleaned_data)
        except ApplicationError as error:
            _form_error(form, error)
        else:
            messages.success(request, _("The procedure was logged and awaits verification."))
            return redirect("curriculum:logbook")
    entries = selectors.logbook_for_trainee(request.user)
    status = request.GET.get("status")
    if status in LogbookEntry.Status.values:
        entries = entries.filter(status=status)
    totals = dict(selectors.logbook_for_trainee(request.user).order_by().values_list("status").annotate(n=Count("id")))
    return render(
        request,
        "curriculum/logbook.html",
        {
            "form": form,
            "entries": entries[:500],
            "status": status,
            "statuses": LogbookEntry.Status.choices,
            "totals": totals,
        },
    )


def _own_entry(request: HttpRequest, pk: int) -> LogbookEntry:
    return get_object_or_404(selectors.logbook_for_trainee(request.user), pk=pk)


@role_required(Role.TRAINEE)
def logbook_entry_edit(request: HttpRequest, pk: int) -> HttpResponse:
    entry = _own_entry(request, pk)
    if not entry.is_editable:
        messages.error(request, _("A verified entry cannot be changed."))
        return redirect("curriculum:logbook")
    initial = {
        "performed_on": entry.performed_on,
        "area": entry.area,
        "grade": entry.grade,
        "role": entry.role,
        "supervisor": entry.supervisor,
        "complication": entry.complication,
        "note": entry.note,
    }
    form = LogbookEntryForm(request.POST or None, initial=initial, supervisors=selectors.instructors_for(request.user))
    if request.method == "POST" and form.is_valid():
        try:
            services.logbook_entry_update(entry=entry, by=request.user, **form.cleaned_data)
        except ApplicationError as error:
            _form_error(form, error)
        else:
            messages.success(request, _("The entry was saved and awaits verification again."))
            return redirect("curriculum:logbook")
    return render(request, "curriculum/form.html", {"form": form, "title": _("Correct a logbook entry")})


@require_POST
@role_required(Role.TRAINEE)
def logbook_entry_delete(request: HttpRequest, pk: int) -> HttpResponse:
    try:
        services.logbook_entry_delete(entry=_own_entry(request, pk), by=request.user)
    except ApplicationError as error:
        messages.error(request, str(error.message))
    else:
        messages.success(request, _("The entry was deleted."))
    return redirect("curriculum:logbook")


@role_required(Role.TRAINEE)
def logbook_import(request: HttpRequest) -> HttpResponse:
    """Upload a CSV/XLSX file; all rows are imported or none, with row-level errors."""
    form = ImportForm(request.POST or None, request.FILES or None)
    errors: list[dict] = []
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        try:
            entries = services.logbook_import(trainee=request.user, filename=upload.name, data=upload.read())
        except ApplicationError as error:
            form.add_error(None, str(error.message))
            errors = error.extra.get("errors") or []
        else:
            messages.success(
                request, _("%(count)d entries were imported and await verification.") % {"count": len(entries)}
            )
            return redirect("curriculum:logbook")
    columns = [(column, HEADINGS_ZH[column]) for column in COLUMNS]
    return render(
        request,
        "curriculum/logbook_import.html",
        {
            "form": form,
            "errors": errors,
            "columns": columns,
            "max_rows": MAX_ROWS,
            "complications": Complication.choices,
            "areas": TechniqueArea.objects.filter(is_active=True).order_by("order"),
            "supervisors": selectors.instructors_for(request.user),
        },
    )


@login_required
def logbook_template(request: HttpRequest) -> HttpResponse:
    response = HttpResponse(template_csv(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="logbook-template.csv"'
    return response


# --------------------------------------------------------------------------------------------
# Instructor review
# --------------------------------------------------------------------------------------------


@role_required(Role.INSTRUCTOR)
def review(request: HttpRequest) -> HttpResponse:
    """Pending entries of the trainees this instructor supervises."""
    return render(
        request,
        "curriculum/review.html",
        {"entries": selectors.pending_for_instructor(request.user)[:500], "reject_form": RejectForm()},
    )


def _reviewable_entry(request: HttpRequest, pk: int) -> LogbookEntry:
    return get_object_or_404(selectors.logbook_visible_to(request.user), pk=pk)


@require_POST
@role_required(Role.INSTRUCTOR)
def entry_verify(request: HttpRequest, pk: int) -> HttpResponse:
    try:
        services.logbook_entry_verify(entry=_reviewable_entry(request, pk), by=request.user, request=request)
    except ApplicationError as error:
        messages.error(request, str(error.message))
    else:
        messages.success(request, _("The entry was verified."))
    return redirect("curriculum:review")


@require_POST
@role_required(Role.INSTRUCTOR)
def entry_reject(request: HttpRequest, pk: int) -> HttpResponse:
    form = RejectForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Give a reason for the rejection."))
        return redirect("curriculum:review")
    try:
        services.logbook_entry_reject(
            entry=_reviewable_entry(request, pk), by=request.user, reason=form.cleaned_data["reason"], request=request
        )
    except ApplicationError as error:
        messages.error(request, str(error.message))
    else:
        messages.success(request, _("The entry was rejected."))
    return redirect("curriculum:review")


@role_required(Role.INSTRUCTOR)
def trainees(request: HttpRequest) -> HttpResponse:
    """The instructor's trainees with their pending and verified counts."""
    people = selectors.trainees_of(request.user).annotate(
        pending=Count("logbook_entries", filter=Q(logbook_entries__status=LogbookEntry.Status.PENDING), distinct=True),
        verified=Count(
            "logbook_entries", filter=Q(logbook_entries__status=LogbookEntry.Status.VERIFIED), distinct=True
        ),
    )
    return render(request, "curriculum/trainees.html", {"trainees": people})


# --------------------------------------------------------------------------------------------
# Progress
# --------------------------------------------------------------------------------------------

CHART_BAR_WIDTH = 620
CHART_ROW_HEIGHT = 46


def _chart(statuses) -> dict:
    """Geometry of the server-side SVG chart: per requirement, its label above a bar of verified / required."""
    rows = []
    for index, status in enumerate(statuses):
        fraction = 1.0 if status.need <= 0 else min(status.have / status.need, 1.0)
        top = 8 + index * CHART_ROW_HEIGHT
        rows.append(
            {
                "status": status,
                "label_y": top + 12,
                "bar_y": top + 18,
                "value_y": top + 32,
                "bar_width": round(CHART_BAR_WIDTH * fraction),
            }
        )
    return {
        "rows": rows,
        "height": 16 + len(rows) * CHART_ROW_HEIGHT,
        "width": CHART_BAR_WIDTH + 110,
        "bar_width": CHART_BAR_WIDTH,
        "value_x": CHART_BAR_WIDTH + 10,
    }


@login_required
def my_progress(request: HttpRequest) -> HttpResponse:
    return redirect("curriculum:progress", user_id=request.user.pk)


@login_required
def progress(request: HttpRequest, user_id: int) -> HttpResponse:
    """Verified procedures against each level's requirements, per area and overall, with a chart."""
    trainee = get_object_or_404(User.objects.select_related("organization"), pk=user_id)
    if not selectors.can_view_trainee(request.user, trainee):
        raise Http404
    levels = []
    for level, label in Level.choices:
        result = selectors.eligibility_for(trainee=trainee, level=level)
        levels.append({"code": level, "label": label, "result": result, "chart": _chart(result.requirements)})
    area_counts = levels[0]["result"].counts_by_area.values()
    is_self = request.user.pk == trainee.pk
    return render(
        request,
        "curriculum/progress.html",
        {
            "trainee": trainee,
            "levels": levels,
            "area_counts": area_counts,
            "periods": selectors.training_periods_of(trainee),
            "period_form": TrainingPeriodForm() if is_self and trainee.has_role(Role.TRAINEE) else None,
            "can_verify_periods": not is_self
            and (request.user.has_role(Role.OFFICER) or selectors.supervises(request.user, trainee)),
        },
    )


@require_POST
@login_required
def training_period_add(request: HttpRequest) -> HttpResponse:
    if not request.user.has_role(Role.TRAINEE):
        raise PermissionDenied
    form = TrainingPeriodForm(request.POST)
    if form.is_valid():
        try:
            services.training_period_add(trainee=request.user, by=request.user, **form.cleaned_data)
        except ApplicationError as error:
            messages.error(request, str(error.message))
        else:
            messages.success(request, _("The training period was added and awaits verification."))
    else:
        messages.error(request, " ".join(str(e) for errors in form.errors.values() for e in errors))
    return redirect("curriculum:progress", user_id=request.user.pk)


@require_POST
@login_required
def training_period_verify(request: HttpRequest, pk: int) -> HttpResponse:
    period = get_object_or_404(TrainingPeriod.objects.select_related("trainee"), pk=pk)
    if not selectors.can_view_trainee(request.user, period.trainee):
        raise Http404
    try:
        services.training_period_verify(period=period, by=request.user, request=request)
    except ApplicationError as error:
        if error.status_code == 403:  # the trainee himself, or an instructor who does not supervise him
            raise PermissionDenied(error.message) from error
        messages.error(request, str(error.message))
    else:
        messages.success(request, _("The training period was verified."))
    return redirect("curriculum:progress", user_id=period.trainee_id)
