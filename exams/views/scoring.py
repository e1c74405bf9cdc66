"""Officer pages for scoring, key validation, standard setting and release; the judge's rating page.

Thin: selectors read (``exams.selectors_scoring``), services write, every refusal is the service's
own message. Officers only, except the judge pages (instructors, and only panels they sit on).
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods, require_POST

from accounts.dashboards import register_nav
from accounts.models import User
from accounts.permissions import role_required
from accounts.roles import Role
from exams import selectors_scoring as selectors
from exams.models import CutScore, Exam, KeyDecision, Paper
from exams.services import keys, results, scoring
from exams.services import standard_setting as ss
from irexam.errors import ApplicationError
from question_bank.models import QuestionVersion

officer_only = role_required(Role.OFFICER)
judge_only = role_required(Role.INSTRUCTOR)


def register() -> None:
    """Navigation: officers reach scoring, instructors their Angoff panels (called from ExamsConfig.ready)."""
    register_nav(Role.OFFICER, "exams:scoring_sittings", gettext_lazy("Scoring and results"), order=40)
    register_nav(Role.INSTRUCTOR, "exams:my_panels", gettext_lazy("Standard setting"), order=40)


def _fail(request: HttpRequest, exc: ApplicationError) -> None:
    messages.error(request, str(exc.message))


# --- sittings and the scoring overview -----------------------------------------------------------


@officer_only
def sittings(request: HttpRequest) -> HttpResponse:
    return render(request, "exams/scoring/sittings.html", {"sittings": selectors.scoring_sittings()})


@officer_only
def overview(request: HttpRequest, sitting_id: int) -> HttpResponse:
    sitting = selectors.sitting_get(sitting_id)
    return render(
        request,
        "exams/scoring/overview.html",
        {"sitting": sitting, "status": selectors.scoring_status(sitting), "papers": sitting.exam.papers.all()},
    )


@officer_only
@require_POST
def run(request: HttpRequest, sitting_id: int) -> HttpResponse:
    sitting = selectors.sitting_get(sitting_id)
    try:
        scoring.scoring_job_start(sitting=sitting, by=request.user, reason="officer")
    except ApplicationError as exc:
        _fail(request, exc)
    else:
        messages.success(request, _("Scoring has been queued."))
    return redirect("exams:scoring_overview", sitting_id=sitting.pk)


@officer_only
@require_POST
def close_key_validation(request: HttpRequest, sitting_id: int) -> HttpResponse:
    sitting = selectors.sitting_get(sitting_id)
    try:
        keys.key_validation_close(sitting=sitting, by=request.user, request=request)
    except ApplicationError as exc:
        _fail(request, exc)
    else:
        messages.success(request, _("Key validation is closed."))
    return redirect("exams:scoring_overview", sitting_id=sitting.pk)


@officer_only
@require_POST
def release(request: HttpRequest, sitting_id: int) -> HttpResponse:
    sitting = selectors.sitting_get(sitting_id)
    if request.POST.get("confirm") != "yes":
        messages.error(request, _("Tick the box to confirm the release."))
        return redirect("exams:scoring_overview", sitting_id=sitting.pk)
    try:
        results.results_release(sitting=sitting, by=request.user, request=request)
    except ApplicationError as exc:
        _fail(request, exc)
    else:
        messages.success(request, _("The results are released."))
    return redirect("exams:scoring_overview", sitting_id=sitting.pk)


# --- item analysis and key decisions ----------------------------------------------------------------


@officer_only
def items(request: HttpRequest, sitting_id: int) -> HttpResponse:
    sitting = selectors.sitting_get(sitting_id)
    flagged = request.GET.get("flagged") == "1"
    try:
        analysis = selectors.item_analysis(sitting, flagged_only=flagged, with_previews=True)
    except Http404:
        analysis = None
    return render(
        request, "exams/scoring/items.html", {"sitting": sitting, "analysis": analysis, "flagged_only": flagged}
    )


@officer_only
@require_http_methods(["GET", "POST"])
def item(request: HttpRequest, sitting_id: int, form_id: int, position: int) -> HttpResponse:
    """GET shows the item; POST ``step=preview`` shows the impact, ``step=confirm`` records the decision."""
    sitting = selectors.sitting_get(sitting_id)
    detail = selectors.item_detail(sitting, form_id=form_id, position=position, with_preview=True)
    proposal: dict[str, Any] | None = None
    impact = None
    status = 200
    if request.method == "POST":
        proposal = {
            "unit_id": request.POST.get("unit_id", ""),
            "action": request.POST.get("action", ""),
            "key": [k for k in request.POST.get("key", "").replace(",", " ").upper().split() if k],
            "reason": request.POST.get("reason", "").strip(),
        }
        version = get_object_or_404(QuestionVersion, pk=detail["version_id"])
        try:
            if request.POST.get("step") == "confirm":
                keys.key_decision_confirm(
                    sitting=sitting, version=version, by=request.user, request=request, **proposal
                )
                messages.success(request, _("The decision is recorded; the sitting is being rescored."))
                return redirect("exams:scoring_item", sitting_id=sitting.pk, form_id=form_id, position=position)
            impact = keys.key_decision_preview(
                sitting=sitting,
                version=version,
                unit_id=proposal["unit_id"],
                action=proposal["action"],
                key=proposal["key"],
            )
        except ApplicationError as exc:
            _fail(request, exc)
            status = 400
    return render(
        request,
        "exams/scoring/item.html",
        {
            "sitting": sitting,
            "detail": detail,
            "proposal": proposal,
            "impact": impact,
            "actions": KeyDecision.Action.choices,
            "key_open": sitting.key_validation_closed_at is None,
        },
        status=status,
    )


@officer_only
def decisions(request: HttpRequest, sitting_id: int) -> HttpResponse:
    sitting = selectors.sitting_get(sitting_id)
    return render(
        request, "exams/scoring/decisions.html", {"sitting": sitting, "decisions": selectors.decision_history(sitting)}
    )


# --- cut scores -------------------------------------------------------------------------------------


@officer_only
@require_http_methods(["GET", "POST"])
def cut_scores(request: HttpRequest, sitting_id: int) -> HttpResponse:
    sitting = selectors.sitting_get(sitting_id)
    papers = list(sitting.exam.papers.all())
    if request.method == "POST":
        try:
            paper_id = request.POST.get("paper") or None
            paper = get_object_or_404(Paper, pk=paper_id, exam_id=sitting.exam_id) if paper_id else None
            panel_id = request.POST.get("panel") or None
            panel = selectors.panel_get(int(panel_id)) if panel_id else None
            percent_text = request.POST.get("percent", "").strip()
            try:
                percent = float(percent_text) if percent_text else None
            except ValueError:
                raise ApplicationError(_("A fixed cut is a percentage from 0 to 100."), code="bad_percent")
            ss.cut_score_set(
                sitting=sitting,
                paper=paper,
                method=request.POST.get("method", ""),
                percent=percent,
                panel=panel,
                reason=request.POST.get("reason", ""),
                by=request.user,
                request=request,
            )
        except ApplicationError as exc:
            _fail(request, exc)
        else:
            messages.success(request, _("The cut score is set."))
            return redirect("exams:scoring_cut_scores", sitting_id=sitting.pk)
    return render(
        request,
        "exams/scoring/cut_scores.html",
        {
            "sitting": sitting,
            "papers": papers,
            "panels": selectors.panels_of(sitting),
            "methods": CutScore.Method.choices,
            "history": selectors.cut_history(sitting),
            "compensatory": sitting.exam.pass_rule == Exam.PassRule.COMPENSATORY,
            "post": request.POST if request.method == "POST" else {},
        },
        status=400 if request.method == "POST" else 200,
    )


# --- Angoff panels (officers) ------------------------------------------------------------------------


def _instructors():
    return User.objects.filter(groups__name=Role.INSTRUCTOR, is_active=True).order_by("username").distinct()


@officer_only
@require_http_methods(["GET", "POST"])
def panels(request: HttpRequest, sitting_id: int) -> HttpResponse:
    sitting = selectors.sitting_get(sitting_id)
    if request.method == "POST":
        try:
            paper = get_object_or_404(Paper, pk=request.POST.get("paper") or 0, exam_id=sitting.exam_id)
            judges = list(_instructors().filter(pk__in=request.POST.getlist("judges")))
            panel = ss.angoff_panel_create(
                sitting=sitting, paper=paper, judges=judges, by=request.user, request=request
            )
        except ApplicationError as exc:
            _fail(request, exc)
        else:
            messages.success(request, _("The panel is created and the judges are invited."))
            return redirect("exams:scoring_panel", panel_id=panel.pk)
    return render(
        request,
        "exams/scoring/panels.html",
        {
            "sitting": sitting,
            "panels": selectors.panels_of(sitting),
            "papers": sitting.exam.papers.all(),
            "instructors": _instructors(),
        },
    )


@officer_only
@require_http_methods(["GET", "POST"])
def panel(request: HttpRequest, panel_id: int) -> HttpResponse:
    panel = selectors.panel_get(panel_id)
    if request.method == "POST":
        action = request.POST.get("action")
        try:
            if action == "invite":
                judges = list(_instructors().filter(pk__in=request.POST.getlist("judges")))
                ss.angoff_panel_invite(panel=panel, judges=judges, by=request.user, request=request)
            elif action == "round_two":
                ss.angoff_round_two(panel=panel, by=request.user, request=request)
            elif action == "close":
                ss.angoff_panel_close(panel=panel, by=request.user, request=request)
        except ApplicationError as exc:
            _fail(request, exc)
        return redirect("exams:scoring_panel", panel_id=panel.pk)
    computed = {}
    for name, compute in (("angoff", ss.angoff_compute), ("hofstee", ss.hofstee_compute)):
        try:
            computed[name] = compute(panel=panel)
        except ApplicationError as exc:
            computed[name + "_error"] = str(exc.message)
    return render(
        request,
        "exams/scoring/panel.html",
        {
            "panel": panel,
            "sitting": panel.sitting,
            "progress": selectors.panel_progress(panel),
            "unit_count": len(ss.panel_units(panel)),
            "instructors": _instructors().exclude(pk__in=panel.judges.values("pk")),
            **computed,
        },
    )


# --- the judge's pages --------------------------------------------------------------------------------


@judge_only
def my_panels(request: HttpRequest) -> HttpResponse:
    return render(request, "exams/scoring/my_panels.html", {"panels": selectors.judge_panels(request.user)})


@judge_only
@require_http_methods(["GET", "POST"])
def rate(request: HttpRequest, panel_id: int) -> HttpResponse:
    panel = selectors.panel_for_judge(panel_id, request.user)
    status = 200
    if request.method == "POST":
        try:
            if request.POST.get("form") == "hofstee":
                values = {}
                for name in ("min_cut", "max_cut", "min_fail", "max_fail"):
                    try:
                        values[name] = float(request.POST.get(name, ""))
                    except ValueError:
                        raise ApplicationError(
                            _("The four Hofstee values are percentages from 0 to 100."), code="bad_hofstee"
                        )
                ss.hofstee_judgement_save(panel=panel, judge=request.user, **values)
            else:
                ratings = {
                    name.removeprefix("rating-"): value
                    for name, value in request.POST.items()
                    if name.startswith("rating-") and value.strip()
                }
                ss.angoff_ratings_save(panel=panel, judge=request.user, ratings=ratings)
        except ApplicationError as exc:
            _fail(request, exc)
            status = 400
        else:
            messages.success(request, _("Your ratings are saved."))
            return redirect("exams:my_panel", panel_id=panel.pk)
    sheet = ss.angoff_judge_sheet(panel=panel, judge=request.user)
    hofstee = panel.hofstee_judgements.filter(judge=request.user).first()
    return render(
        request, "exams/scoring/rate.html", {"panel": panel, "sheet": sheet, "hofstee": hofstee}, status=status
    )
