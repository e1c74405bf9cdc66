"""Officer pages: exams with papers and blueprints, sittings with assembly, registrations.

Thin views: the querysets of ``exams.api.officer`` read, the services write, and a refused
operation (``ApplicationError``) shows its message on the page, next to the field it names.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.db import transaction
from django.db.models import Count
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from accounts.models import User
from accounts.permissions import role_required
from accounts.roles import Role
from curriculum.models import Objective, TechniqueArea
from exams.api.officer import exam_queryset, sitting_queryset
from exams.models import BlueprintRow, Exam, Form, Paper, Registration, Sitting
from exams.services import assembly as assembly_services
from exams.services import exams as exam_services
from exams.services import registration as registration_services
from irexam.errors import ApplicationError

officer_required = role_required(Role.OFFICER)


# --------------------------------------------------------------------------------------------- forms


class ExamForm(forms.ModelForm):
    language = forms.ChoiceField(
        label=gettext_lazy("language"), choices=[("zh-hans", "简体中文"), ("en", "English")], initial="zh-hans"
    )

    class Meta:
        model = Exam
        fields = list(exam_services.EXAM_FIELDS)
        widgets = {"rules_zh": forms.Textarea(attrs={"rows": 3}), "rules_en": forms.Textarea(attrs={"rows": 3})}


class PaperForm(forms.ModelForm):
    class Meta:
        model = Paper
        fields = list(exam_services.PAPER_FIELDS)


class RowForm(forms.Form):
    id = forms.IntegerField(widget=forms.HiddenInput, required=False)
    area = forms.ModelChoiceField(
        label=gettext_lazy("technique area"), queryset=TechniqueArea.objects.filter(is_active=True).order_by("order")
    )
    objective = forms.ModelChoiceField(
        label=gettext_lazy("learning objective"),
        queryset=Objective.objects.filter(is_active=True).order_by("code"),
        required=False,
    )
    level = forms.ChoiceField(
        label=gettext_lazy("level"), choices=[("", "—"), *Exam._meta.get_field("level").choices], required=False
    )
    item_type = forms.ChoiceField(
        label=gettext_lazy("item type"),
        choices=[("", "—"), *[(t, t) for t in exam_services.ITEM_TYPES]],
        required=False,
    )
    count = forms.IntegerField(label=gettext_lazy("items"), min_value=1)
    min_image_items = forms.IntegerField(label=gettext_lazy("with images (at least)"), min_value=0, initial=0)
    max_difficulty = forms.FloatField(label=gettext_lazy("hardest allowed p"), min_value=0, max_value=1, required=False)
    min_difficulty = forms.FloatField(label=gettext_lazy("easiest allowed p"), min_value=0, max_value=1, required=False)
    order = forms.IntegerField(label=gettext_lazy("order"), min_value=0, initial=0)


RowFormSet = forms.formset_factory(RowForm, extra=2, can_delete=True)


class SittingForm(forms.ModelForm):
    proctors = forms.ModelMultipleChoiceField(
        label=gettext_lazy("proctors"),
        queryset=User.objects.filter(groups__name=Role.PROCTOR, is_active=True).order_by("username"),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )

    class Meta:
        model = Sitting
        fields = ["exam", *exam_services.SITTING_FIELDS]
        widgets = {
            "opens_at": forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
            "closes_at": forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
        }


class RegisterForm(forms.Form):
    candidate = forms.CharField(label=gettext_lazy("candidate (username or licence number)"), max_length=150)
    override_reason = forms.CharField(
        label=gettext_lazy("override reason (only for a candidate who is not eligible)"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    extra_time_minutes = forms.IntegerField(label=gettext_lazy("extra time (minutes)"), min_value=0, initial=0)
    extra_time_percent = forms.IntegerField(label=gettext_lazy("extra time (percent)"), min_value=0, initial=0)
    separate_breaks = forms.BooleanField(label=gettext_lazy("separate breaks"), required=False)


class AccommodationForm(forms.ModelForm):
    class Meta:
        model = Registration
        fields = ["extra_time_minutes", "extra_time_percent", "separate_breaks", "accommodation_note"]


class CsvForm(forms.Form):
    file = forms.FileField(label=gettext_lazy("CSV file"))


def _apply_error(form: forms.Form | None, exc: ApplicationError) -> None:
    """Show a service refusal on the form: on the fields it names, else as a form error."""
    fields = exc.extra.get("fields", {}) if isinstance(exc.extra, dict) else {}
    placed = False
    if form is not None:
        for name in fields:
            if name in form.fields:
                form.add_error(name, str(exc.message))
                placed = True
                break
        if not placed:
            form.add_error(None, str(exc.message))


# --------------------------------------------------------------------------------------------- exams


@officer_required
def exam_list(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "exams/officer/exam_list.html",
        {"exams": exam_queryset(), "sittings": sitting_queryset()[:20]},
    )


@officer_required
def exam_create(request: HttpRequest) -> HttpResponse:
    form = ExamForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            exam = exam_services.exam_create(by=request.user, request=request, **form.cleaned_data)
        except ApplicationError as exc:
            _apply_error(form, exc)
        else:
            messages.success(request, _("Exam %(code)s created. Now add its papers.") % {"code": exam.code})
            return redirect("exams:officer_exam", pk=exam.pk)
    return render(request, "exams/officer/exam_form.html", {"form": form, "title": _("New exam")})


@officer_required
def exam_edit(request: HttpRequest, pk: int) -> HttpResponse:
    exam = get_object_or_404(exam_queryset(), pk=pk)
    action = request.POST.get("action") if request.method == "POST" else None
    form = ExamForm(request.POST if action == "exam" else None, instance=exam)
    paper_form = PaperForm(request.POST if action == "paper" else None, prefix="paper")
    if action == "exam" and form.is_valid():
        try:
            exam_services.exam_update(exam=exam, by=request.user, request=request, **form.cleaned_data)
        except ApplicationError as exc:
            _apply_error(form, exc)
        else:
            messages.success(request, _("Exam saved."))
            return redirect("exams:officer_exam", pk=pk)
    if action == "paper" and paper_form.is_valid():
        try:
            paper = exam_services.paper_create(exam=exam, by=request.user, request=request, **paper_form.cleaned_data)
        except ApplicationError as exc:
            _apply_error(paper_form, exc)
        else:
            messages.success(request, _("Paper %(number)d added. Now set its blueprint.") % {"number": paper.number})
            return redirect("exams:officer_paper", exam_id=pk, pk=paper.pk)
    papers = [
        (paper, exam_services.blueprint_problems(paper, paper.blueprint_rows.all())) for paper in exam.papers.all()
    ]
    return render(
        request,
        "exams/officer/exam_edit.html",
        {"exam": exam, "form": form, "paper_form": paper_form, "papers": papers},
    )


def _row_initial(row: BlueprintRow) -> dict[str, Any]:
    return {
        "id": row.pk,
        "area": row.area_id,
        "objective": row.objective_id,
        "level": row.level,
        "item_type": row.item_type,
        "count": row.count,
        "min_image_items": row.min_image_items,
        "min_difficulty": row.min_difficulty,
        "max_difficulty": row.max_difficulty,
        "order": row.order,
    }


def _save_rows(formset, paper: Paper, rows: dict[int, BlueprintRow], by: User, request: HttpRequest) -> None:
    """Create, change and delete blueprint rows from the formset, all or nothing."""
    with transaction.atomic():
        for row_form in formset.forms:
            data = dict(row_form.cleaned_data or {})
            if not data:
                continue
            row_id = data.pop("id", None)
            delete = data.pop("DELETE", False)
            existing = rows.get(row_id) if row_id else None
            if row_id and existing is None:
                raise ApplicationError(_("A blueprint row of another paper was submitted."), code="bad_row")
            if delete:
                if existing is not None:
                    exam_services.blueprint_row_delete(row=existing, by=by, request=request)
                continue
            if existing is not None:
                if row_form.has_changed():
                    exam_services.blueprint_row_update(row=existing, by=by, request=request, **data)
            else:
                exam_services.blueprint_row_create(paper=paper, by=by, request=request, **data)


@officer_required
def paper_edit(request: HttpRequest, exam_id: int, pk: int) -> HttpResponse:
    paper = get_object_or_404(Paper.objects.select_related("exam"), pk=pk, exam_id=exam_id)
    rows = {row.pk: row for row in paper.blueprint_rows.select_related("area", "objective")}
    form = PaperForm(request.POST or None, instance=paper, prefix="paper")
    formset = RowFormSet(request.POST or None, initial=[_row_initial(r) for r in rows.values()], prefix="rows")
    if request.method == "POST" and form.is_valid() and formset.is_valid():
        try:
            with transaction.atomic():
                exam_services.paper_update(paper=paper, by=request.user, request=request, **form.cleaned_data)
                _save_rows(formset, paper, rows, request.user, request)
        except ApplicationError as exc:
            _apply_error(form, exc)
        else:
            messages.success(request, _("Paper and blueprint saved."))
            return redirect("exams:officer_paper", exam_id=exam_id, pk=pk)
    return render(
        request,
        "exams/officer/paper_edit.html",
        {
            "paper": paper,
            "exam": paper.exam,
            "form": form,
            "formset": formset,
            "problems": exam_services.blueprint_problems(paper, rows.values()),
            "total": sum(r.count for r in rows.values()),
        },
    )


# --------------------------------------------------------------------------------------------- sittings


@officer_required
def sitting_list(request: HttpRequest) -> HttpResponse:
    return render(request, "exams/officer/sitting_list.html", {"sittings": sitting_queryset()})


def _sitting_fields(data: dict[str, Any]) -> tuple[Exam, list[User], dict[str, Any]]:
    data = dict(data)
    return data.pop("exam"), list(data.pop("proctors", [])), data


@officer_required
def sitting_create(request: HttpRequest) -> HttpResponse:
    form = SittingForm(request.POST or None, initial={"time_zone": "Asia/Shanghai"})
    if request.method == "POST" and form.is_valid():
        exam, proctors, fields = _sitting_fields(form.cleaned_data)
        try:
            sitting = exam_services.sitting_create(
                exam=exam, by=request.user, proctors=proctors, request=request, **fields
            )
        except ApplicationError as exc:
            _apply_error(form, exc)
        else:
            messages.success(request, _("Sitting %(code)s created as a draft.") % {"code": sitting.code})
            return redirect("exams:officer_sitting", pk=sitting.pk)
    return render(request, "exams/officer/sitting_form.html", {"form": form, "title": _("New sitting")})


def _forms_of(sitting: Sitting):
    return (
        Form.objects.filter(sitting=sitting)
        .select_related("paper")
        .annotate(item_total=Count("items"))
        .order_by("paper__number", "label")
    )


@officer_required
def sitting_edit(request: HttpRequest, pk: int) -> HttpResponse:
    sitting = get_object_or_404(sitting_queryset(), pk=pk)
    form = SittingForm(request.POST or None, instance=sitting, initial={"proctors": list(sitting.proctors.all())})
    form.fields["exam"].disabled = True
    if request.method == "POST" and form.is_valid():
        _exam, proctors, fields = _sitting_fields(form.cleaned_data)
        try:
            exam_services.sitting_update(sitting=sitting, by=request.user, proctors=proctors, request=request, **fields)
        except ApplicationError as exc:
            _apply_error(form, exc)
        else:
            messages.success(request, _("Sitting saved."))
            return redirect("exams:officer_sitting", pk=pk)
    forms_of = list(_forms_of(sitting)) if sitting.assembled_at else []
    return render(
        request,
        "exams/officer/sitting_edit.html",
        {
            "sitting": sitting,
            "form": form,
            "forms": forms_of,
            "shortfall": request.session.pop(f"shortfall-{pk}", None),
            "transitions": [
                (value, Sitting.Status(value).label)
                for value in exam_services.SITTING_TRANSITIONS.get(sitting.status, ())
            ],
        },
    )


@officer_required
@require_POST
def sitting_assemble(request: HttpRequest, pk: int) -> HttpResponse:
    sitting = get_object_or_404(Sitting.objects.select_related("exam"), pk=pk)
    try:
        result = assembly_services.sitting_assemble(sitting=sitting, by=request.user, request=request)
    except ApplicationError as exc:
        if exc.code == "shortfall":
            request.session[f"shortfall-{pk}"] = [s["message"] for s in exc.extra["shortfall"]]
            messages.error(request, _("The question bank cannot fill the blueprint; see the rows below."))
        else:
            messages.error(request, str(exc.message))
    else:
        messages.success(request, _("%(count)d forms assembled.") % {"count": result.form_count})
        for paper in result.papers:
            if paper.overlap:
                messages.warning(
                    request,
                    _("Paper %(number)d: the pool is too small for parallel forms without shared items; "
                      "%(overlap)d items appear in more than one form.")
                    % {"number": paper.paper.number, "overlap": paper.overlap},
                )  # fmt: skip
            if paper.over_exposed:
                messages.warning(
                    request,
                    _("Paper %(number)d: %(count)d placements exceed the exposure limit; the pool is small "
                      "for this many candidates.")
                    % {"number": paper.paper.number, "count": paper.over_exposed},
                )  # fmt: skip
    return redirect("exams:officer_sitting", pk=pk)


@officer_required
@require_POST
def sitting_status(request: HttpRequest, pk: int) -> HttpResponse:
    sitting = get_object_or_404(Sitting, pk=pk)
    try:
        exam_services.sitting_update(sitting=sitting, by=request.user, status=request.POST.get("status", ""))
    except ApplicationError as exc:
        messages.error(request, str(exc.message))
    else:
        messages.success(request, _("Status changed."))
    return redirect("exams:officer_sitting", pk=pk)


# --------------------------------------------------------------------------------------------- registrations


@officer_required
def registrations(request: HttpRequest, pk: int) -> HttpResponse:
    sitting = get_object_or_404(Sitting.objects.select_related("exam"), pk=pk)
    action = request.POST.get("action") if request.method == "POST" else None
    form = RegisterForm(request.POST if action == "register" else None)
    csv_form = CsvForm(request.POST if action == "csv" else None, request.FILES if action == "csv" else None)
    csv_errors: list[dict] = []
    reasons: list[dict] = []
    if action == "register" and form.is_valid():
        value = form.cleaned_data["candidate"].strip()
        candidate = User.objects.filter(username=value).first() or (
            User.objects.filter(licence_number=value).exclude(licence_number="").first()
        )
        if candidate is None:
            form.add_error("candidate", _("No user %(value)s.") % {"value": value})
        else:
            try:
                registration_services.registration_create(
                    sitting=sitting,
                    candidate=candidate,
                    by=request.user,
                    request=request,
                    override_reason=form.cleaned_data["override_reason"],
                    extra_time_minutes=form.cleaned_data["extra_time_minutes"],
                    extra_time_percent=form.cleaned_data["extra_time_percent"],
                    separate_breaks=form.cleaned_data["separate_breaks"],
                )
            except ApplicationError as exc:
                reasons = exc.extra.get("reasons", []) if isinstance(exc.extra, dict) else []
                if not reasons:
                    _apply_error(form, exc)
            else:
                messages.success(request, _("%(name)s registered.") % {"name": candidate.display_name})
                return redirect("exams:officer_registrations", pk=pk)
    if action == "csv" and csv_form.is_valid():
        upload = csv_form.cleaned_data["file"]
        try:
            if upload.size > registration_services.CSV_MAX_BYTES:
                raise ApplicationError(_("The file is larger than 2 MB."), code="csv_too_large")
            created = registration_services.registrations_import_csv(
                sitting=sitting, data=upload.read(), by=request.user, request=request
            )
        except ApplicationError as exc:
            csv_errors = exc.extra.get("rows", []) if isinstance(exc.extra, dict) else []
            csv_form.add_error(None, str(exc.message))
        else:
            messages.success(request, _("%(count)d candidates registered.") % {"count": len(created)})
            return redirect("exams:officer_registrations", pk=pk)
    return render(
        request,
        "exams/officer/registrations.html",
        {
            "sitting": sitting,
            "registrations": registration_services.registration_list(sitting=sitting),
            "form": form,
            "csv_form": csv_form,
            "csv_errors": csv_errors,
            "reasons": reasons,
            "columns": registration_services.CSV_COLUMNS,
        },
    )


def _registration(pk: int, registration_id: int) -> Registration:
    return get_object_or_404(
        Registration.objects.select_related("sitting__exam", "candidate"), pk=registration_id, sitting_id=pk
    )


@officer_required
def registration_edit(request: HttpRequest, pk: int, registration_id: int) -> HttpResponse:
    registration = _registration(pk, registration_id)
    form = AccommodationForm(request.POST or None, instance=registration)
    action = request.POST.get("action") if request.method == "POST" else None
    try:
        if action == "accommodations" and form.is_valid():
            registration_services.registration_update_accommodations(
                registration=registration, by=request.user, request=request, **form.cleaned_data
            )
            messages.success(request, _("Accommodations saved."))
            return redirect("exams:officer_registrations", pk=pk)
        if action == "recheck":
            registration_services.registration_recheck(
                registration=registration,
                by=request.user,
                override_reason=request.POST.get("override_reason", ""),
                request=request,
            )
            messages.success(request, _("Eligibility checked again."))
            return redirect("exams:officer_registration", pk=pk, registration_id=registration_id)
        if action == "withdraw":
            registration_services.registration_withdraw(
                registration=registration, by=request.user, reason=request.POST.get("reason", ""), request=request
            )
            messages.success(request, _("Registration withdrawn."))
            return redirect("exams:officer_registrations", pk=pk)
    except ApplicationError as exc:
        messages.error(request, str(exc.message))
    return render(
        request,
        "exams/officer/registration_edit.html",
        {"registration": registration, "sitting": registration.sitting, "form": form},
    )


@officer_required
def registration_template(request: HttpRequest) -> HttpResponse:
    response = HttpResponse(registration_services.registration_csv_template(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="registrations-template.csv"'
    return response


# --------------------------------------------------------------------------------------------- registration


def officer_panel(request: HttpRequest) -> dict[str, Any]:
    """The officer dashboard: sittings still to run (draft or scheduled, not yet closed), soonest first."""
    upcoming = (
        Sitting.objects.filter(
            status__in=[Sitting.Status.DRAFT, Sitting.Status.SCHEDULED], closes_at__gte=timezone.now()
        )
        .select_related("exam")
        .order_by("opens_at")[:5]
    )
    return {"sittings": list(upcoming)}


def register() -> None:
    """Navigation, dashboard panel, role permissions and the demo step (called by ``ExamsConfig.ready``)."""
    from accounts.dashboards import register_nav, register_panel
    from accounts.demo import register_demo_step
    from accounts.roles import grant
    from exams.demo import load_exams_demo

    register_nav(Role.OFFICER, "exams:officer_exams", gettext_lazy("Exams"), order=40)
    register_nav(Role.OFFICER, "exams:officer_sittings", gettext_lazy("Sittings"), order=41)
    register_panel(Role.OFFICER, "exams/officer/panel.html", officer_panel, order=30)
    grant(
        Role.OFFICER,
        "exams.view_exam",
        "exams.add_exam",
        "exams.change_exam",
        "exams.view_sitting",
        "exams.add_sitting",
        "exams.change_sitting",
        "exams.view_registration",
        "exams.add_registration",
        "exams.change_registration",
    )
    register_demo_step("exams", load_exams_demo, order=40)
