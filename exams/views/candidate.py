"""The candidate's pages: my sittings, the start page, the exam page's view, the receipt, the system check.

Thin: selectors read, services write. The exam page's template and script are the exam page
work (``exams/candidate/exam.html``, ``exams/static/exams/exam-page.js``); this module gives it
its context: the URLs of docs/exam-delivery-api.md and the UI strings. The page's GET changes
nothing: its script takes the attempt over by POSTing to the session URL, which answers the
attempt token.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import get_language, gettext_lazy
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from accounts.dashboards import register_nav, register_panel
from accounts.permissions import role_required
from accounts.roles import Role
from exams import selectors
from exams.models import Attempt
from exams.services.attempts import attempt_finalize_if_due, attempt_start
from irexam.errors import ApplicationError

#: The placeholder in ``save_url_template`` that the exam page replaces with an item's position.
POSITION_PLACEHOLDER = "{position}"


def register() -> None:
    """Trainee navigation and the "my exams" dashboard panel (called from ExamsConfig.ready)."""
    register_nav(Role.TRAINEE, "exams:my_sittings", gettext_lazy("My exams"), order=20)
    register_nav(Role.TRAINEE, "exams:system_check", gettext_lazy("System check"), order=21)
    register_panel(Role.TRAINEE, "exams/candidate/panel.html", _panel_context, order=20)


def _panel_context(request: HttpRequest) -> dict[str, Any]:
    entries = selectors.candidate_sittings(candidate=request.user)
    return {"upcoming_sittings": [entry for entry in entries if not entry.is_past][:5]}


@role_required(Role.TRAINEE)
def my_sittings(request: HttpRequest) -> HttpResponse:
    entries = selectors.candidate_sittings(candidate=request.user)
    return render(
        request,
        "exams/candidate/my_sittings.html",
        {
            "upcoming": [entry for entry in entries if not entry.is_past],
            "past": [entry for entry in entries if entry.is_past],
            "now": timezone.now(),
        },
    )


@role_required(Role.TRAINEE)
@require_http_methods(["GET", "POST"])
def start(request: HttpRequest, registration_id: int, paper_id: int) -> HttpResponse:
    """The rules, the access code when the sitting has one, a confirmation; POST starts (or resumes)."""
    registration, paper = selectors.candidate_registration(
        candidate=request.user, registration_id=registration_id, paper_id=paper_id
    )
    existing = Attempt.objects.filter(registration=registration, paper=paper).first()
    if existing is not None:
        return redirect("exams:exam_page" if not existing.is_final else "exams:receipt", attempt_id=existing.pk)
    entry = next(
        (
            p
            for e in selectors.candidate_sittings(candidate=request.user)
            if e.registration.pk == registration.pk
            for p in e.papers
            if p.paper.pk == paper.pk
        ),
        None,
    )
    sitting = registration.sitting
    error = ""
    if request.method == "POST":
        if request.POST.get("confirm") != "yes":
            error = _("Confirm that you have read the rules.")
        else:
            try:
                attempt, _created = attempt_start(
                    registration=registration,
                    paper=paper,
                    access_code=request.POST.get("access_code", ""),
                    ip=request.META.get("REMOTE_ADDR") or None,
                )
            except ApplicationError as exc:
                error = str(exc.message)
            else:
                return redirect("exams:exam_page", attempt_id=attempt.pk)
    return render(
        request,
        "exams/candidate/start.html",
        {
            "registration": registration,
            "sitting": sitting,
            "exam": sitting.exam,
            "paper": paper,
            "entry": entry,
            "rules": sitting.exam.localized("rules"),
            "access_code_required": bool(sitting.access_code),
            "error": error,
        },
        status=400 if error else 200,
    )


def exam_strings() -> dict[str, str]:
    """UI strings the exam page's script shows (translated here, so the script holds none)."""
    return {
        "saved": _("Saved"),
        "saving": _("Saving…"),
        "offline": _("Offline — your answers are kept in this browser and sent when the connection returns"),
        "time_left": _("Time remaining"),
        "five_minutes": _("5 minutes remaining"),
        "one_minute": _("1 minute remaining"),
        "time_up": _("Time is up. Your answers have been submitted."),
        "paused": _("The proctor has paused your exam. Please wait."),
        "taken_over": _("This exam was opened in another window or on another computer."),
        "continue_here": _("Continue here"),
        "finished": _("This exam has been submitted."),
        "flag": _("Flag for review"),
        "unflag": _("Remove flag"),
        "flagged": _("Flagged"),
        "unanswered": _("Unanswered"),
        "answered": _("Answered"),
        "previous": _("Previous"),
        "next": _("Next"),
        "review": _("Review and submit"),
        "submit": _("Submit"),
        "submit_confirm": _("Submit your exam now? You cannot change your answers afterwards."),
        "cancel": _("Cancel"),
        "next_stage": _("Next stage"),
        "next_stage_confirm": _("Move on to the next stage? Your answers to this stage will be locked."),
        "comment": _("Comment on this item"),
        "comment_placeholder": _("For example: this item seems wrong, or an image does not load."),
        "comment_send": _("Send comment"),
        "comment_sent": _("Thank you. Your comment was sent to the exam office."),
        "move_up": _("Move up"),
        "move_down": _("Move down"),
        "question": _("Question"),
        "of": _("of"),
        "close": _("Close"),
        "zoom": _("Enlarge image"),
        "error": _("Something went wrong. Please try again."),
    }


@role_required(Role.TRAINEE)
def exam_page(request: HttpRequest, attempt_id: int) -> HttpResponse:
    """The exam page. Rendering it changes nothing (a cross-site link or a prefetch cannot disturb
    the candidate's exam in another window); the page's script then makes this browser the
    attempt's one active session by POSTing to ``urls.session`` (CSRF-protected, recorded), which
    answers the attempt token. Finalising an attempt past its deadline stays: it is due anyway."""
    attempt = selectors.attempt_for_candidate(attempt_id=attempt_id, candidate=request.user)
    attempt_finalize_if_due(attempt, grace_seconds=attempt.form.sitting.grace_seconds)
    if attempt.is_final:
        return redirect("exams:receipt", attempt_id=attempt.pk)
    save_url = reverse("api:attempt_save_answer", args=[attempt.pk, 0]).replace("/0/", f"/{POSITION_PLACEHOLDER}/")
    urls = {
        "state": reverse("api:attempt_detail", args=[attempt.pk]),
        "save_template": save_url,
        "session": reverse("api:attempt_session", args=[attempt.pk]),
        "stage": reverse("api:attempt_stage", args=[attempt.pk]),
        "events": reverse("api:attempt_events", args=[attempt.pk]),
        "comments": reverse("api:attempt_comments", args=[attempt.pk]),
        "submit": reverse("api:attempt_submit", args=[attempt.pk]),
        "receipt": reverse("exams:receipt", args=[attempt.pk]),
        "time": reverse("api:time"),
        "my_sittings": reverse("exams:my_sittings"),
    }
    strings = exam_strings()
    config = {
        "attemptId": attempt.pk,
        "language": get_language(),
        "positionPlaceholder": POSITION_PLACEHOLDER,
        "urls": urls,
        "strings": strings,
    }
    paper = attempt.paper
    return render(
        request,
        "exams/candidate/exam.html",
        {
            "attempt": attempt,
            "exam": paper.exam,
            "paper": paper,
            "state_url": urls["state"],
            "save_url_template": save_url,
            "session_url": urls["session"],
            "stage_url": urls["stage"],
            "events_url": urls["events"],
            "comments_url": urls["comments"],
            "submit_url": urls["submit"],
            "receipt_url": urls["receipt"],
            "time_url": urls["time"],
            "strings": strings,
            "exam_config": config,
        },
    )


@role_required(Role.TRAINEE)
def receipt(request: HttpRequest, attempt_id: int) -> HttpResponse:
    """After submission: when, how many answered and flagged — never a score before release."""
    attempt = selectors.attempt_for_candidate(attempt_id=attempt_id, candidate=request.user)
    attempt_finalize_if_due(attempt, grace_seconds=attempt.form.sitting.grace_seconds)
    if not attempt.is_final:
        messages.info(request, _("This exam is still in progress."))
        return redirect("exams:exam_page", attempt_id=attempt.pk)
    return render(
        request,
        "exams/candidate/receipt.html",
        {
            "attempt": attempt,
            "exam": attempt.paper.exam,
            "paper": attempt.paper,
            "receipt": selectors.attempt_receipt(attempt=attempt),
        },
    )


def system_check(request: HttpRequest) -> HttpResponse:
    """Browser features, clock drift against the server and the connection's round trip (open to everyone)."""
    strings = {
        "ok": _("OK"),
        "warning": _("Check"),
        "failed": _("Not supported"),
        "checking": _("Checking…"),
        "drift": _("Your computer's clock differs from the server's by %(seconds)s seconds."),
        "drift_ok": _("Your computer's clock agrees with the server's (difference %(seconds)s s)."),
        "rtt": _("Average round trip %(ms)s ms over %(count)s requests."),
        "rtt_slow": _("The connection is slow (%(ms)s ms). Answers are still kept, but consider a wired network."),
        "offline": _("The server could not be reached."),
        "screen": _("Window size %(width)s × %(height)s."),
        "screen_small": _("The window is small (%(width)s × %(height)s); enlarge it for the exam."),
    }
    return render(
        request,
        "exams/candidate/system_check.html",
        {"time_url": reverse("api:time"), "check_strings": strings},
    )
