"""Practice pages: start, the practice page (drawn by practice.js from the API), the trainee's progress
dashboard with charts, the instructor's view and the authors' problem reports.

Thin: selectors read, services write; the charts are inline SVG built here from plain numbers.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.db.models import Count
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import get_language, gettext_lazy
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_http_methods, require_POST

from accounts.dashboards import register_nav, register_panel
from accounts.models import User
from accounts.permissions import role_required
from accounts.roles import Role
from curriculum.models import Objective, TechniqueArea
from curriculum.selectors import supervises
from exams import selectors_practice as selectors
from exams.models import ItemProblemReport, PracticeSession
from exams.services.practice import (
    MAX_QUESTIONS,
    practice_problem_resolve,
    practice_session_start,
    practice_sessions_finish_expired,
)
from irexam.errors import ApplicationError


def register() -> None:
    """Navigation, dashboard panels and the demo step (called from ExamsConfig.ready)."""
    from accounts.demo import register_demo_step
    from exams.demo_practice import load_practice_demo

    register_demo_step("exams_practice", load_practice_demo, order=50)
    register_nav(Role.TRAINEE, "exams:practice_start", gettext_lazy("Practice"), order=25)
    register_nav(Role.TRAINEE, "exams:practice_progress", gettext_lazy("Practice progress"), order=26)
    register_panel(Role.TRAINEE, "exams/practice/panel.html", _trainee_panel, order=25)
    register_nav(Role.INSTRUCTOR, "exams:practice_instructor", gettext_lazy("Trainees' practice"), order=40)
    register_nav(Role.INSTRUCTOR, "exams:practice_reports", gettext_lazy("Problem reports"), order=41)
    register_panel(Role.INSTRUCTOR, "exams/practice/author_panel.html", _author_panel, order=40)


def _trainee_panel(request: HttpRequest) -> dict[str, Any]:
    mastery = selectors.practice_mastery(trainee=request.user, weeks=1)
    return {"overall": mastery.overall, "sessions": list(selectors.practice_session_list(trainee=request.user)[:3])}


def _author_panel(request: HttpRequest) -> dict[str, Any]:
    reports = selectors.problem_reports_for_author(author=request.user, status=ItemProblemReport.Status.OPEN)
    return {"open_reports": reports.count(), "latest": list(reports[:3])}


# --- start --------------------------------------------------------------------------------------------


class StartForm(forms.Form):
    mode = forms.ChoiceField(label=_("Mode"), choices=PracticeSession.Mode.choices, widget=forms.RadioSelect)
    source = forms.ChoiceField(
        label=_("Questions from"), choices=PracticeSession.Source.choices, widget=forms.RadioSelect, initial="selection"
    )
    level = forms.ChoiceField(
        label=_("Level"), choices=[("", _("Both levels")), ("Q", _("Qualifying")), ("A", _("Advanced"))], required=False
    )
    areas = forms.ModelMultipleChoiceField(
        label=_("Technique areas"),
        queryset=TechniqueArea.objects.filter(is_active=True),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("None chosen: every area."),
    )
    objectives = forms.ModelMultipleChoiceField(
        label=_("Learning objectives"),
        queryset=Objective.objects.filter(is_active=True).select_related("area"),
        required=False,
        widget=forms.SelectMultiple(attrs={"size": 8}),
    )
    count = forms.IntegerField(label=_("Number of questions"), min_value=1, max_value=MAX_QUESTIONS, initial=10)


@role_required(Role.TRAINEE)
@require_http_methods(["GET", "POST"])
def start(request: HttpRequest) -> HttpResponse:
    practice_sessions_finish_expired(trainee=request.user)
    form = StartForm(request.POST or None, initial={"mode": "tutor", "source": "selection", "count": 10})
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            session = practice_session_start(
                trainee=request.user,
                mode=data["mode"],
                source=data["source"],
                level=data["level"],
                area_ids=[a.pk for a in data["areas"]],
                objective_ids=[o.pk for o in data["objectives"]],
                count=data["count"],
            )
        except ApplicationError as exc:
            form.add_error(None, str(exc.message))
        else:
            return redirect("exams:practice_session", session.pk)
    available = dict(
        selectors.practice_versions().order_by().values("area_id").annotate(n=Count("pk")).values_list("area_id", "n")
    )
    form.fields["areas"].label_from_instance = lambda area: f"{area.name} ({available.get(area.pk, 0)})"
    form.fields["objectives"].label_from_instance = lambda objective: f"{objective.code} {objective.text[:60]}"
    return render(
        request,
        "exams/practice/start.html",
        {
            "form": form,
            "sessions": selectors.practice_session_list(trainee=request.user)[:10],
            "bookmarks": selectors.practice_bookmarks(trainee=request.user).count(),
        },
    )


# --- the practice page ----------------------------------------------------------------------------------


@role_required(Role.TRAINEE)
def session_page(request: HttpRequest, session_id: int) -> HttpResponse:
    session = selectors.practice_session_get(session_id=session_id, trainee=request.user)
    pos = 999_999  # a placeholder position the script replaces
    config = {
        "sessionId": session.pk,
        "mode": session.mode,
        "language": get_language(),
        "urls": {
            "state": reverse("api:practice_session", args=[session.pk]),
            "save": reverse("api:practice_answer_save", args=[session.pk, pos]),
            "feedback": reverse("api:practice_feedback", args=[session.pk, pos]),
            "problem": reverse("api:practice_problem", args=[session.pk, pos]),
            "finish": reverse("api:practice_finish", args=[session.pk]),
            "bookmark": reverse("api:practice_bookmark", args=[pos]),
            "progress": reverse("exams:practice_progress"),
            "start": reverse("exams:practice_start"),
        },
        "placeholder": str(pos),
    }
    return render(request, "exams/practice/session.html", {"session": session, "practice_config": config})


# --- progress dashboard -------------------------------------------------------------------------------------


def _bars(rows: list[selectors.MasteryRow], width: int = 240) -> list[dict[str, Any]]:
    """Per row: the SVG geometry of a proportion-correct bar with its Wilson 95% interval."""
    out = []
    for row in rows:
        p = row.proportion
        out.append(
            {
                "row": row,
                "bar": round((p.value or 0) * width, 1),
                "low": round((p.low or 0) * width, 1),
                "high": round((p.high or 0) * width, 1),
                "percent": round(100 * (p.value or 0)),
            }
        )
    return out


def _trend(weeks: list[dict[str, Any]], width: int = 560, height: int = 160, pad: int = 30) -> dict[str, Any]:
    """An SVG line of the weekly proportion correct (weeks without answers leave gaps) and its band."""
    step = (width - 2 * pad) / max(len(weeks) - 1, 1)

    def y(value: float) -> float:
        return round(height - pad - value * (height - 2 * pad), 1)

    points, band_top, band_bottom, dots = [], [], [], []
    for i, week in enumerate(weeks):
        x = round(pad + i * step, 1)
        if week["proportion"] is None:
            continue
        points.append(f"{x},{y(week['proportion'])}")
        band_top.append(f"{x},{y(week['high'])}")
        band_bottom.append(f"{x},{y(week['low'])}")
        dots.append({"x": x, "y": y(week["proportion"]), "week": week})
    return {
        "width": width,
        "height": height,
        "pad": pad,
        "line": " ".join(points),
        "band": " ".join(band_top + list(reversed(band_bottom))),
        "dots": dots,
        "labels": [{"x": round(pad + i * step, 1), "week": w["week"]} for i, w in enumerate(weeks) if i % 2 == 0],
        "grid": [{"y": y(v), "label": f"{int(v * 100)}%"} for v in (0.0, 0.5, 1.0)],
    }


def _progress_context(trainee: User) -> dict[str, Any]:
    mastery = selectors.practice_mastery(trainee=trainee)
    return {
        "trainee": trainee,
        "mastery": mastery,
        "area_bars": _bars(mastery.areas),
        "objective_bars": _bars(mastery.objectives),
        "trend": _trend(mastery.weeks),
        "readiness": selectors.practice_readiness(trainee=trainee),
    }


@role_required(Role.TRAINEE)
def progress(request: HttpRequest) -> HttpResponse:
    practice_sessions_finish_expired(trainee=request.user)
    return render(request, "exams/practice/progress.html", _progress_context(request.user))


# --- instructors and authors ----------------------------------------------------------------------------------


@role_required(Role.INSTRUCTOR)
def instructor(request: HttpRequest) -> HttpResponse:
    overview = selectors.instructor_overview(instructor=request.user)
    return render(request, "exams/practice/instructor.html", overview)


@role_required(Role.INSTRUCTOR)
def instructor_trainee(request: HttpRequest, user_id: int) -> HttpResponse:
    trainee = User.objects.filter(pk=user_id).first()
    if trainee is None or not supervises(request.user, trainee):
        raise Http404
    return render(request, "exams/practice/progress.html", {**_progress_context(trainee), "as_instructor": True})


@role_required(Role.INSTRUCTOR, Role.REVIEWER)
def reports(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "exams/practice/reports.html",
        {"reports": selectors.problem_reports_for_author(author=request.user)[:200]},
    )


@role_required(Role.INSTRUCTOR, Role.REVIEWER)
@require_POST
def report_resolve(request: HttpRequest, report_id: int) -> HttpResponse:
    report = selectors.problem_report_for_author(author=request.user, report_id=report_id)
    practice_problem_resolve(report=report, by=request.user, reply=request.POST.get("reply", ""))
    messages.success(request, _("The report is marked as resolved."))
    return redirect("exams:practice_reports")
