"""Reads for the candidate and proctor sides of an exam: sittings, attempt state, receipts, the live view.

Every function here runs a constant number of queries, whatever the number of items or
candidates: the attempt state is the form's items with their versions (one join) plus the
responses (one query); the proctor's live table is the registrations and the attempts with
their counts annotated as subqueries.

Nothing returned for a candidate contains a key, a correctness flag, an explanation, references
or statistics: items go through ``exams.delivery.candidate_item`` (built from an allow-list).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from django.core.cache import cache
from django.db.models import Count, IntegerField, Max, OuterRef, Q, QuerySet, Subquery
from django.db.models.functions import Coalesce
from django.http import Http404
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from exams.delivery import candidate_item, candidate_item_base, candidate_item_for
from exams.models import Attempt, AttemptEvent, Form, FormItem, Paper, Registration, Response, Sitting

# --- media -----------------------------------------------------------------------------------


def media_url(ref: str) -> str | None:
    """The URL of a question-bank media file (served to signed-in users), or None for a malformed ref.

    No query: approved content only refers to stored media (the bank checks refs on save).
    """
    try:
        return reverse("api:question-media-file", kwargs={"pk": ref})
    except NoReverseMatch:
        return None


# --- the candidate's sittings ----------------------------------------------------------------


@dataclass
class PaperEntry:
    paper: Paper
    attempt: Attempt | None
    can_start: bool
    start_warning: str
    duration_minutes: int  # the paper's duration plus this candidate's accommodation

    @property
    def can_resume(self) -> bool:
        return self.attempt is not None and not self.attempt.is_final


@dataclass
class SittingEntry:
    registration: Registration
    papers: list[PaperEntry] = field(default_factory=list)
    is_past: bool = False  # the window has closed, the registration was withdrawn, or every paper is done

    @property
    def sitting(self) -> Sitting:
        return self.registration.sitting


def _start_warning(sitting: Sitting, registration: Registration, paper: Paper, now: datetime) -> str:
    """Say so when the window closes before the candidate could use the full time."""
    accommodation = registration.accommodation_for(paper)
    full = paper.duration + accommodation
    start = max(now, sitting.opens_at)
    available = sitting.closes_at + accommodation - start
    if available >= full:
        return ""
    minutes = max(0, int(available.total_seconds() // 60))
    return _("The window closes at %(closes)s: if you start now you will have %(minutes)d of the %(full)d minutes.") % {
        "closes": timezone.localtime(sitting.closes_at).strftime("%Y-%m-%d %H:%M"),
        "minutes": minutes,
        "full": int(full.total_seconds() // 60),
    }


def candidate_sittings(*, candidate: Any, now: datetime | None = None) -> list[SittingEntry]:
    """The candidate's registrations with each paper's attempt and whether it can be started now (3 queries)."""
    now = now or timezone.now()
    registrations = list(
        Registration.objects.filter(candidate=candidate)
        .exclude(sitting__status__in=[Sitting.Status.DRAFT, Sitting.Status.CANCELLED])
        .select_related("sitting__exam")
        .order_by("sitting__opens_at", "pk")
    )
    exam_ids = {r.sitting.exam_id for r in registrations}
    papers: dict[int, list[Paper]] = {}
    for paper in Paper.objects.filter(exam_id__in=exam_ids).order_by("number"):
        papers.setdefault(paper.exam_id, []).append(paper)
    attempts = {
        (a.registration_id, a.paper_id): a
        for a in Attempt.objects.filter(registration__in=registrations).only(
            "pk", "registration_id", "paper_id", "status", "started_at", "submitted_at", "deadline_at", "paused_at"
        )
    }
    entries = []
    for registration in registrations:
        sitting = registration.sitting
        entry = SittingEntry(registration=registration)
        active = registration.status == Registration.Status.REGISTERED
        for paper in papers.get(sitting.exam_id, []):
            attempt = attempts.get((registration.pk, paper.pk))
            open_now = active and sitting.is_open(now)
            full = paper.duration + registration.accommodation_for(paper)
            entry.papers.append(
                PaperEntry(
                    paper=paper,
                    attempt=attempt,
                    # a started attempt can be resumed until it is final (accommodated time may run past the window)
                    can_start=(open_now and attempt is None)
                    or (active and attempt is not None and not attempt.is_final),
                    start_warning=_start_warning(sitting, registration, paper, now)
                    if attempt is None and active and now < sitting.closes_at
                    else "",
                    duration_minutes=int(full.total_seconds() // 60),
                )
            )
        all_done = bool(entry.papers) and all(p.attempt is not None and p.attempt.is_final for p in entry.papers)
        resumable = any(p.can_resume for p in entry.papers)
        entry.is_past = not resumable and (now >= sitting.closes_at or not active or all_done)
        entries.append(entry)
    return entries


def candidate_registration(*, candidate: Any, registration_id: int, paper_id: int) -> tuple[Registration, Paper]:
    """The candidate's own registration and one of its exam's papers, else 404."""
    registration = (
        Registration.objects.select_related("sitting__exam").filter(pk=registration_id, candidate=candidate).first()
    )
    if registration is None:
        raise Http404
    paper = Paper.objects.filter(pk=paper_id, exam_id=registration.sitting.exam_id).first()
    if paper is None:
        raise Http404
    paper.exam = registration.sitting.exam  # the same row, already read
    return registration, paper


# --- attempts --------------------------------------------------------------------------------


def attempt_for_candidate(*, attempt_id: int, candidate: Any) -> Attempt:
    """The candidate's own attempt (with paper, exam, form and sitting), else 404 — never 403."""
    attempt = (
        Attempt.objects.select_related("paper__exam", "form__sitting")
        .filter(pk=attempt_id, candidate_id=getattr(candidate, "pk", None))
        .first()
    )
    if attempt is None:
        raise Http404
    return attempt


@dataclass(frozen=True)
class Receipt:
    status: str
    submitted_at: datetime | None
    answered: int
    total: int
    flagged: int

    def as_dict(self) -> dict[str, Any]:
        return {
            "status": self.status,
            "submitted_at": self.submitted_at,
            "answered": self.answered,
            "total": self.total,
            "flagged": self.flagged,
        }


def _answered_and_flagged(rows: list[tuple[Any, bool]]) -> tuple[int, int]:
    answered = sum(1 for answer, _flagged in rows if answer)
    flagged = sum(1 for _answer, flagged in rows if flagged)
    return answered, flagged


def attempt_receipt(*, attempt: Attempt) -> Receipt:
    """Time, answered and flagged counts — never a score (one query)."""
    rows = list(Response.objects.filter(attempt=attempt).values_list("answer", "flagged"))
    answered, flagged = _answered_and_flagged(rows)
    total = len(attempt.form.layout) if attempt.form_id else attempt.paper.item_count
    return Receipt(attempt.status, attempt.submitted_at, answered, total, flagged)


def candidate_item_at(*, attempt: Attempt, position: int) -> dict[str, Any]:
    """One item as the candidate sees it now (its case stage applied)."""
    item = FormItem.objects.filter(form_id=attempt.form_id, position=position).select_related("version").first()
    if item is None:
        raise Http404
    return candidate_item(
        position,
        item.version.content,
        orders=attempt.option_orders,
        stage_reached=_stage_reached(attempt, position),
        media_url=media_url,
    )


def _stage_reached(attempt: Attempt, position: int) -> int:
    state = attempt.case_stages.get(str(position)) or {}
    return int(state.get("stage", 0))


PAPER_CACHE_SECONDS = 60 * 60 * 24


def form_paper(*, form: Form) -> list[dict[str, Any]]:
    """The form's items as ``candidate_item_base`` builds them, in position order, cached per form.

    Every start on a form shares one paper: it is read (one join over ~120 items with their
    version content) and rendered once, then kept in Django's cache (Redis in production, shared by
    every worker). The key is the form's id and a digest of its (position, question version) pairs,
    read by a small query on every call: a form re-assembled or edited can never meet an old paper.
    Per-candidate parts (option order, case stages) are applied by the caller.
    """
    slots = list(FormItem.objects.filter(form_id=form.pk).order_by("position").values_list("position", "version_id"))
    digest = hashlib.blake2b(repr(slots).encode(), digest_size=16).hexdigest()
    key = f"exams:paper:v1:{form.pk}:{digest}"
    paper = cache.get(key)
    if paper is None:
        rows = FormItem.objects.filter(form_id=form.pk).order_by("position").values_list("position", "version__content")
        paper = [candidate_item_base(position, content, media_url=media_url) for position, content in rows]
        cache.set(key, paper, PAPER_CACHE_SECONDS)
    return paper


def attempt_state(*, attempt: Attempt, now: datetime | None = None) -> dict[str, Any]:
    """The state of docs/exam-delivery-api.md ("Attempt state").

    Items are delivered only while the attempt is in progress: a paused attempt shows none
    (time has stopped, so reading on would be unfair), a finished one shows its receipt instead.
    Queries: the form items joined with their versions, and the responses.
    """
    now = now or timezone.now()
    sitting = attempt.form.sitting
    paper, exam = attempt.paper, attempt.paper.exam
    in_progress = attempt.status == Attempt.Status.IN_PROGRESS
    responses = {
        str(position): {"answer": answer, "flagged": flagged, "seq": seq}
        for position, answer, flagged, seq in Response.objects.filter(attempt=attempt).values_list(
            "position", "answer", "flagged", "seq"
        )
    }
    items: list[dict[str, Any]] = []
    if in_progress:
        items = [
            candidate_item_for(base, attempt.option_orders, _stage_reached(attempt, base["position"]))
            for base in form_paper(form=attempt.form)
        ]
    state: dict[str, Any] = {
        "id": attempt.pk,
        "status": attempt.status,
        "server_now": now,
        "started_at": attempt.started_at,
        "deadline_at": attempt.deadline_at,
        "seconds_left": attempt.seconds_left(now),
        "grace_seconds": sitting.grace_seconds,
        "paused": attempt.status == Attempt.Status.PAUSED,
        "paper": {
            "number": paper.number,
            "title": paper.title,
            "duration_minutes": paper.duration_minutes,
            "item_count": len(attempt.form.layout),
        },
        "exam": {"code": exam.code, "title": exam.title},
        "items": items,
        "responses": responses,
        "case_stages": {pos: int(value.get("stage", 0)) for pos, value in attempt.case_stages.items()},
    }
    if attempt.is_final:
        answered, flagged = _answered_and_flagged([(r["answer"], r["flagged"]) for r in responses.values()])
        state["receipt"] = Receipt(
            attempt.status, attempt.submitted_at, answered, len(attempt.form.layout), flagged
        ).as_dict()
    return state


# --- proctor ---------------------------------------------------------------------------------


def _is_officer(user: Any) -> bool:
    return bool(user.is_authenticated and user.has_role("officer"))


def proctor_sittings(*, user: Any, now: datetime | None = None) -> QuerySet[Sitting]:
    """Sittings the user proctors (officers see all), scheduled ones first, with registration counts."""
    now = now or timezone.now()
    sittings = Sitting.objects.exclude(status__in=[Sitting.Status.DRAFT, Sitting.Status.CANCELLED])
    if not _is_officer(user):
        sittings = sittings.filter(proctors=user)
    return (
        sittings.select_related("exam")
        .annotate(candidate_count=Count("registrations", filter=Q(registrations__status="registered"), distinct=True))
        .filter(closes_at__gte=now - timedelta(days=30))
        .order_by("opens_at", "pk")
    )


def sitting_for_proctor(*, sitting_id: int, user: Any) -> Sitting:
    """A sitting the user may proctor (assigned, or an officer), else 404."""
    sittings = Sitting.objects.select_related("exam").filter(pk=sitting_id)
    if not _is_officer(user):
        sittings = sittings.filter(proctors=user)
    sitting = sittings.first()
    if sitting is None:
        raise Http404
    return sitting


def attempt_for_proctor(*, attempt_id: int, user: Any) -> Attempt:
    """An attempt in a sitting the user proctors (or any, for an officer), else 404."""
    attempts = Attempt.objects.select_related("form__sitting").filter(pk=attempt_id)
    if not _is_officer(user):
        attempts = attempts.filter(form__sitting__proctors=user)
    attempt = attempts.first()
    if attempt is None:
        raise Http404
    return attempt


def _event_count(*kinds: str) -> Coalesce:
    counts = (
        AttemptEvent.objects.filter(attempt=OuterRef("pk"), kind__in=kinds)
        .order_by()
        .values("attempt")
        .annotate(n=Count("pk"))
        .values("n")
    )
    return Coalesce(Subquery(counts, output_field=IntegerField()), 0)


def _answered_count() -> Coalesce:
    counts = (
        Response.objects.filter(attempt=OuterRef("pk"))
        .exclude(answer={})
        .order_by()
        .values("attempt")
        .annotate(n=Count("pk"))
        .values("n")
    )
    return Coalesce(Subquery(counts, output_field=IntegerField()), 0)


def _last_activity() -> Subquery:
    latest = (
        AttemptEvent.objects.filter(attempt=OuterRef("pk")).order_by().values("attempt").annotate(at=Max("at"))
    ).values("at")
    return Subquery(latest)


def proctor_live(*, sitting: Sitting, now: datetime | None = None) -> list[dict[str, Any]]:
    """One row per registered candidate and paper: status, answered, time left, last activity, flags.

    Four queries, whatever the number of candidates: papers, registrations with candidates,
    attempts with their counts (answered, focus lost / hidden, takeovers, last event) as subqueries.
    """
    now = now or timezone.now()
    papers = list(Paper.objects.filter(exam_id=sitting.exam_id).order_by("number"))
    registrations = list(
        Registration.objects.filter(sitting=sitting, status=Registration.Status.REGISTERED)
        .select_related("candidate")
        .order_by("candidate__username")
    )
    attempts = {
        (a.registration_id, a.paper_id): a
        for a in Attempt.objects.filter(registration__sitting=sitting).annotate(
            answered=_answered_count(),
            focus_lost=_event_count(AttemptEvent.Kind.FOCUS_LOST, AttemptEvent.Kind.HIDDEN),
            offline=_event_count(AttemptEvent.Kind.OFFLINE),
            takeovers=_event_count(AttemptEvent.Kind.TAKEOVER),
            last_event_at=_last_activity(),
        )
    }
    rows = []
    for registration in registrations:
        candidate = registration.candidate
        for paper in papers:
            attempt = attempts.get((registration.pk, paper.pk))
            row: dict[str, Any] = {
                "registration": registration.pk,
                "candidate": {"id": candidate.pk, "username": candidate.username, "name": candidate.display_name},
                "paper": paper.number,
                "attempt": None,
                "status": "not_started",
                "answered": 0,
                "total": paper.item_count,
                "seconds_left": None,
                "deadline_at": None,
                "last_activity_at": None,
                "flags": {"focus_lost": 0, "offline": 0, "takeovers": 0},
                "accommodation_minutes": int(registration.accommodation_for(paper).total_seconds() // 60),
                "extension_minutes": 0,
            }
            if attempt is not None:
                last = max((t for t in (attempt.last_event_at, attempt.last_seen_at) if t is not None), default=None)
                row.update(
                    attempt=attempt.pk,
                    status=attempt.status,
                    answered=attempt.answered,
                    seconds_left=attempt.seconds_left(now),
                    deadline_at=attempt.deadline_at,
                    last_activity_at=last,
                    flags={
                        "focus_lost": attempt.focus_lost,
                        "offline": attempt.offline,
                        "takeovers": attempt.takeovers,
                    },
                    extension_minutes=attempt.extension_seconds // 60,
                )
            rows.append(row)
    return rows


def attempt_log(*, attempt: Attempt, limit: int = 200) -> list[AttemptEvent]:
    """The newest events of an attempt (the proctor's and officer's view of the attempt log)."""
    return list(attempt.events.select_related("actor").order_by("-at", "-pk")[:limit])


__all__ = [
    "PaperEntry",
    "Receipt",
    "SittingEntry",
    "attempt_for_candidate",
    "attempt_for_proctor",
    "attempt_log",
    "attempt_receipt",
    "attempt_state",
    "candidate_item_at",
    "candidate_registration",
    "candidate_sittings",
    "media_url",
    "proctor_live",
    "proctor_sittings",
    "sitting_for_proctor",
]
