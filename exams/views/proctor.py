"""The proctor console: the sittings a proctor watches, the live table, and actions on attempts.

The live table is rendered once by the server and then refreshed by ``exams/static/exams/proctor.js``
from the live API every 5 seconds. The action forms are plain POSTs to the views below (they work
without the script); every action goes through ``exams.services.attempts``, which records it.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from accounts.dashboards import register_nav, register_panel
from accounts.permissions import role_required
from accounts.roles import Role, grant
from exams import selectors
from exams.models import Attempt, AttemptEvent
from exams.services.attempts import (
    attempt_extend,
    attempt_pause,
    attempt_terminate,
    attempt_unpause,
    attempts_pause_all,
    attempts_unpause_all,
)
from irexam.errors import ApplicationError

POLL_SECONDS = 5


def register() -> None:
    """Proctor (and officer) navigation, the proctor's dashboard panel and permissions."""
    register_nav(Role.PROCTOR, "exams:proctor_sittings", gettext_lazy("Proctor console"), order=10)
    register_nav(Role.OFFICER, "exams:proctor_sittings", gettext_lazy("Proctor console"), order=60)
    register_panel(Role.PROCTOR, "exams/proctor/panel.html", _panel_context, order=10)
    grant(Role.PROCTOR, "exams.view_sitting", "exams.view_attempt", "exams.change_attempt", "exams.view_attemptevent")


def _panel_context(request: HttpRequest) -> dict[str, Any]:
    return {"proctor_sittings": list(selectors.proctor_sittings(user=request.user)[:5])}


def _ip(request: HttpRequest) -> str | None:
    return request.META.get("REMOTE_ADDR") or None


def clock(seconds: int | None) -> str:
    """Seconds as h:mm:ss (the console's time remaining), or a dash."""
    if seconds is None:
        return "—"
    hours, rest = divmod(max(0, int(seconds)), 3600)
    return f"{hours}:{rest // 60:02d}:{rest % 60:02d}"


def status_labels() -> dict[str, str]:
    labels = {value: str(label) for value, label in Attempt.Status.choices}
    labels["not_started"] = _("Not started")
    return labels


@role_required(Role.PROCTOR, Role.OFFICER)
def sittings(request: HttpRequest) -> HttpResponse:
    now = timezone.now()
    return render(
        request,
        "exams/proctor/sittings.html",
        {"sittings": selectors.proctor_sittings(user=request.user, now=now), "now": now},
    )


@role_required(Role.PROCTOR, Role.OFFICER)
def console(request: HttpRequest, sitting_id: int) -> HttpResponse:
    now = timezone.now()
    sitting = selectors.sitting_for_proctor(sitting_id=sitting_id, user=request.user)
    rows = selectors.proctor_live(sitting=sitting, now=now)
    labels = status_labels()
    for row in rows:
        row["status_label"] = labels.get(row["status"], row["status"])
        row["time_left"] = clock(row["seconds_left"])
    strings = {
        "statuses": labels,
        "pause": _("Pause"),
        "resume": _("Resume"),
        "extend": _("Extend time"),
        "terminate": _("Terminate"),
        "minutes": _("Minutes"),
        "reason": _("Reason"),
        "actions": _("Actions"),
        "log": _("Attempt log"),
        "terminate_confirm": _("End this candidate's exam now? This cannot be undone."),
        "focus_lost": _("left the window"),
        "offline": _("offline"),
        "takeovers": _("sessions opened"),
        "updated": _("Updated %(time)s"),
        "stale": _("Could not refresh the table; retrying."),
        "never": _("never"),
    }
    action_url = reverse("exams:proctor_action", args=[0, "pause"]).replace("/0/pause/", "/{attempt}/{action}/")
    log_url = reverse("exams:proctor_attempt_log", args=[0]).replace("/0/", "/{attempt}/")
    return render(
        request,
        "exams/proctor/console.html",
        {
            "sitting": sitting,
            "rows": rows,
            "now": now,
            "live_url": reverse("api:proctor_live", args=[sitting.pk]),
            "action_url_template": action_url,
            "log_url_template": log_url,
            "poll_seconds": POLL_SECONDS,
            "console_strings": strings,
        },
    )


ACTIONS = {"pause", "resume", "extend", "terminate"}


@role_required(Role.PROCTOR, Role.OFFICER)
@require_POST
def attempt_action(request: HttpRequest, attempt_id: int, action: str) -> HttpResponse:
    """Pause, resume, extend (minutes + reason) or terminate (reason) one attempt."""
    if action not in ACTIONS:
        raise Http404
    attempt = selectors.attempt_for_proctor(attempt_id=attempt_id, user=request.user)
    reason = request.POST.get("reason", "").strip()[:500]
    try:
        if action == "pause":
            attempt_pause(attempt=attempt, by=request.user, reason=reason, ip=_ip(request))
            messages.success(request, _("Paused."))
        elif action == "resume":
            attempt_unpause(attempt=attempt, by=request.user, reason=reason, ip=_ip(request))
            messages.success(request, _("Resumed; the paused time was added to the deadline."))
        elif action == "extend":
            try:
                minutes = int(request.POST.get("minutes", ""))
            except ValueError:
                raise ApplicationError(_("Give the extension in whole minutes."), code="bad_minutes")
            attempt_extend(attempt=attempt, by=request.user, minutes=minutes, reason=reason, ip=_ip(request))
            messages.success(request, _("The time was extended by %(minutes)d minutes.") % {"minutes": minutes})
        else:
            attempt_terminate(attempt=attempt, by=request.user, reason=reason, ip=_ip(request))
            messages.success(request, _("The exam was terminated."))
    except ApplicationError as exc:
        messages.error(request, str(exc.message))
    return redirect("exams:proctor_console", sitting_id=attempt.form.sitting_id)


@role_required(Role.PROCTOR, Role.OFFICER)
@require_POST
def sitting_action(request: HttpRequest, sitting_id: int, action: str) -> HttpResponse:
    """Pause or resume every candidate of the sitting at once."""
    sitting = selectors.sitting_for_proctor(sitting_id=sitting_id, user=request.user)
    reason = request.POST.get("reason", "").strip()[:500]
    if action == "pause-all":
        result = attempts_pause_all(
            sitting=sitting, by=request.user, reason=reason or _("Paused for the whole room"), ip=_ip(request)
        )
        messages.success(request, _("Paused %(count)d candidates.") % {"count": result["changed"]})
    elif action == "resume-all":
        result = attempts_unpause_all(
            sitting=sitting, by=request.user, reason=reason or _("Resumed for the whole room"), ip=_ip(request)
        )
        messages.success(request, _("Resumed %(count)d candidates.") % {"count": result["changed"]})
    else:
        raise Http404
    return redirect("exams:proctor_console", sitting_id=sitting.pk)


@role_required(Role.PROCTOR, Role.OFFICER)
def attempt_log(request: HttpRequest, attempt_id: int) -> HttpResponse:
    attempt = selectors.attempt_for_proctor(attempt_id=attempt_id, user=request.user)
    return render(
        request,
        "exams/proctor/attempt_log.html",
        {
            "attempt": attempt,
            "sitting": attempt.form.sitting,
            "candidate": attempt.candidate,
            "events": selectors.attempt_log(attempt=attempt),
            "kinds": AttemptEvent.Kind,
        },
    )
