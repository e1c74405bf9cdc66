"""Practice mode writes: start a session, save an answer, finish, bookmarks, problem reports.

Sessions are filled only from ``exams.selectors_practice.practice_versions`` (practice pool,
approved, current versions), so a secure item can never reach practice.

Saving follows the exam's rules (docs/exam-delivery-api.md): the client numbers its saves per
session; a save is stored only when its ``seq`` is higher than the stored one (one conditional
UPDATE), so a retried or reordered request never overwrites a newer answer and a repeat is
acknowledged as already stored. In tutor and adaptive mode an answered item is final (its
feedback may already have been read); a simulation's answers change freely until the end.
"""

from __future__ import annotations

import math
import random
from collections import Counter
from collections.abc import Iterable
from datetime import datetime, timedelta
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import User
from exams import adaptive
from exams.delivery import AnswerError, layout_entry, shuffle_orders, validate_answer
from exams.models import (
    BlueprintRow,
    Exam,
    ItemProblemReport,
    Paper,
    PracticeBookmark,
    PracticeItem,
    PracticeSession,
)
from exams.scoring_rules import score_response, scoring_units
from exams.selectors_practice import missed_question_ids, practice_versions, seen_question_ids
from irexam.errors import ApplicationError, ConflictError

MAX_QUESTIONS = 100
#: Network grace after a simulation's deadline, as in an exam sitting.
GRACE_SECONDS = 30
#: Pace of a simulation when no secure exam of the level defines one (seconds per question).
DEFAULT_SECONDS_PER_ITEM = 90
MAX_REPORT_LENGTH = 2000

Mode = PracticeSession.Mode
Source = PracticeSession.Source


# --- starting a session ------------------------------------------------------------------------


def _candidates(
    *, trainee: User, mode: str, source: str, level: str, area_ids: list[int], objective_ids: list[int]
) -> list[dict[str, Any]]:
    question_ids: Iterable[int] | None = None
    if source == Source.MISSED:
        question_ids = missed_question_ids(trainee=trainee)
    elif source == Source.BOOKMARKS:
        question_ids = PracticeBookmark.objects.filter(trainee_id=trainee.pk).values_list("question_id", flat=True)
    versions = practice_versions(
        level=level,
        area_ids=area_ids if source == Source.SELECTION else (),
        objective_ids=objective_ids if source == Source.SELECTION else (),
        question_ids=question_ids,
        single_unit=mode == Mode.ADAPTIVE,
    )
    return list(versions.values("pk", "question_id", "area_id", "calibrated_b", "difficulty_estimate"))


def _blueprint_plan(level: str, count: int, areas: set[int]) -> tuple[dict[int, int], int]:
    """Questions per area in the proportions of the level's secure exam, and seconds per question.

    Largest-remainder rounding over the blueprint rows of the latest secure exam of ``level``,
    restricted to ``areas`` (the areas that have practice items). Without a blueprint: no quota.
    """
    exam = Exam.objects.filter(level=level, purpose=Exam.Purpose.SECURE).order_by("-created_at", "-id").first()
    if exam is None:
        return {}, DEFAULT_SECONDS_PER_ITEM
    papers = list(Paper.objects.filter(exam=exam))
    items = sum(p.item_count for p in papers)
    pace = round(sum(p.duration_minutes for p in papers) * 60 / items) if items else DEFAULT_SECONDS_PER_ITEM
    weights: Counter[int] = Counter()
    for area_id, n in BlueprintRow.objects.filter(paper__exam=exam).values_list("area_id", "count"):
        if area_id in areas:
            weights[area_id] += n
    total = sum(weights.values())
    if not total:
        return {}, pace
    exact = {area: count * w / total for area, w in weights.items()}
    plan = {area: math.floor(x) for area, x in exact.items()}
    by_remainder = sorted(exact, key=lambda area: (-(exact[area] - plan[area]), area))
    for area in by_remainder[: count - sum(plan.values())]:
        plan[area] += 1
    return plan, pace


def _pick(candidates: list[dict[str, Any]], count: int, plan: dict[int, int], rng: random.Random) -> list[dict]:
    """``count`` candidates (already in preference order), meeting the per-area plan where possible."""
    chosen: list[dict[str, Any]] = []
    taken: set[int] = set()
    for area, quota in plan.items():
        for candidate in [c for c in candidates if c["area_id"] == area][:quota]:
            chosen.append(candidate)
            taken.add(candidate["pk"])
    for candidate in candidates:
        if len(chosen) >= count:
            break
        if candidate["pk"] not in taken:
            chosen.append(candidate)
            taken.add(candidate["pk"])
    chosen = chosen[:count]
    rng.shuffle(chosen)
    return chosen


def _difficulty(candidate: dict[str, Any]) -> float:
    return adaptive.item_difficulty(candidate["calibrated_b"], candidate["difficulty_estimate"])


def _add_items(session: PracticeSession, picks: list[dict[str, Any]], first_position: int, rng: random.Random) -> None:
    from question_bank.models import QuestionVersion

    contents = dict(QuestionVersion.objects.filter(pk__in=[p["pk"] for p in picks]).values_list("pk", "content"))
    layout = []
    rows = []
    for offset, pick in enumerate(picks):
        position = first_position + offset
        layout.append(layout_entry(position, contents[pick["pk"]]))
        rows.append(
            PracticeItem(
                session=session,
                position=position,
                version_id=pick["pk"],
                area_id=pick["area_id"],
                difficulty=_difficulty(pick),
                max_score=float(len(scoring_units(contents[pick["pk"]]))),
            )
        )
    PracticeItem.objects.bulk_create(rows)
    session.option_orders = {**session.option_orders, **shuffle_orders(layout, rng)}
    session.save(update_fields=["option_orders"])


def practice_session_start(
    *,
    trainee: User,
    mode: str,
    count: int,
    level: str = "",
    area_ids: Iterable[int] = (),
    objective_ids: Iterable[int] = (),
    source: str = Source.SELECTION,
    now: datetime | None = None,
    seed: int | None = None,
) -> PracticeSession:
    """Start a practice session; see the module docstring. Steps:

    1. check the choices; 2. list the qualifying practice items (unseen ones first, then at random);
    3. tutor: pick ``count``; simulation: pick ``count`` in the blueprint proportions of the
    level's secure exam and set the deadline at its pace; adaptive: pick the first item nearest to
    θ = 0 (later ones follow each answer); 4. store the items and their option orders.
    """
    now = now or timezone.now()
    area_ids, objective_ids = [int(a) for a in area_ids], [int(o) for o in objective_ids]
    if mode not in Mode.values:
        raise ApplicationError(_("Choose a practice mode."), code="bad_mode")
    if source not in Source.values:
        raise ApplicationError(_("Choose where the questions come from."), code="bad_source")
    if level not in ("", "Q", "A"):
        raise ApplicationError(_("Choose a level."), code="bad_level")
    if not isinstance(count, int) or not 1 <= count <= MAX_QUESTIONS:
        raise ApplicationError(_("Choose between 1 and %(max)d questions.") % {"max": MAX_QUESTIONS}, code="bad_count")
    if mode == Mode.SIMULATION and not level:
        level = "Q"
    rng = random.Random(seed)  # noqa: S311 - presentation order, not a secret
    candidates = _candidates(
        trainee=trainee, mode=mode, source=source, level=level, area_ids=area_ids, objective_ids=objective_ids
    )
    if not candidates:
        raise ApplicationError(_("There are no practice questions for this choice yet."), code="no_items")
    seen = seen_question_ids(trainee=trainee, question_ids=[c["question_id"] for c in candidates])
    rng.shuffle(candidates)
    candidates.sort(key=lambda c: c["question_id"] in seen)
    with transaction.atomic():
        session = PracticeSession.objects.create(
            trainee=trainee,
            mode=mode,
            source=source,
            level=level,
            area_ids=area_ids,
            objective_ids=objective_ids,
            target_count=count,
            started_at=now,
        )
        if mode == Mode.ADAPTIVE:
            first = adaptive.next_item(0.0, {c["pk"]: _difficulty(c) for c in candidates})
            picks = [c for c in candidates if c["pk"] == first]
            session.theta, session.theta_se = 0.0, 1.0
            session.save(update_fields=["theta", "theta_se"])
        else:
            plan: dict[int, int] = {}
            if mode == Mode.SIMULATION:
                plan, pace = _blueprint_plan(level, count, {c["area_id"] for c in candidates})
            picks = _pick(candidates, count, plan, rng)
            if mode == Mode.SIMULATION:
                session.deadline_at = now + timedelta(seconds=pace * len(picks))
                session.save(update_fields=["deadline_at"])
        _add_items(session, picks, 1, rng)
    return session


# --- saving an answer --------------------------------------------------------------------------


def _check_seq(seq: Any) -> None:
    if not isinstance(seq, int) or isinstance(seq, bool) or not 1 <= seq <= 2**62:
        raise ApplicationError(_("The save's sequence number is not valid."), code="bad_seq")


def _score(content: dict[str, Any], answer: dict[str, Any]) -> tuple[float | None, bool | None]:
    if not answer:
        return None, None
    scores = [s for s in score_response(content, answer).values() if s is not None]
    total = float(sum(scores))
    return total, math.isclose(total, float(len(scores)))


def practice_answer_save(
    *, session: PracticeSession, position: int, answer: Any, seq: Any, now: datetime | None = None
) -> dict[str, Any]:
    """Store one answer (idempotent, ordered by ``seq``); in adaptive mode, choose the next item or stop.

    Answers ``accepted`` (False when a newer or equal ``seq`` is stored), the stored ``seq``,
    ``next_position`` (adaptive) and whether the session is now ``finished``.
    """
    now = now or timezone.now()
    _check_seq(seq)
    practice_session_finish_if_due(session=session, now=now)
    if session.is_finished:
        raise ConflictError(_("This practice session has ended."), code="finished")
    item = PracticeItem.objects.filter(session=session, position=position).select_related("version").first()
    if item is None:
        raise ApplicationError(_("There is no question at this position."), code="bad_position", status=404)
    content = item.version.content
    try:
        clean = validate_answer(layout_entry(position, content), answer)
    except AnswerError as exc:
        raise ApplicationError(
            _("This answer does not fit the question: %(reason)s") % {"reason": exc}, code="bad_answer"
        )
    if item.is_answered and session.mode != Mode.SIMULATION and clean != item.answer and seq > item.seq:
        raise ConflictError(_("This question is already answered; its feedback is shown."), code="answered")
    score, correct = _score(content, clean)
    with transaction.atomic():
        stored = PracticeItem.objects.filter(pk=item.pk, seq__lt=seq).update(
            answer=clean, seq=seq, saved_at=now, score=score, correct=correct
        )
        if not stored:
            current = PracticeItem.objects.filter(pk=item.pk).values_list("seq", flat=True).first()
            return {
                "position": position,
                "accepted": False,
                "seq": current,
                "saved_at": item.saved_at,
                "next_position": None,
                "finished": session.is_finished,
            }
        next_position = None
        if session.mode == Mode.ADAPTIVE and correct is not None and not item.is_answered:
            next_position = _adaptive_step(session=session, now=now)
    return {
        "position": position,
        "accepted": True,
        "seq": seq,
        "saved_at": now,
        "next_position": next_position,
        "finished": session.is_finished,
    }


def _adaptive_step(*, session: PracticeSession, now: datetime) -> int | None:
    """Re-estimate θ from the session's answers; stop by the rule or add the nearest unused item."""
    rows = list(
        PracticeItem.objects.filter(session=session).values_list(
            "position", "difficulty", "correct", "version__question_id"
        )
    )
    answered = [(d if d is not None else 0.0, c) for _p, d, c, _q in rows if c is not None]
    if len(answered) < len(rows):
        return None  # an earlier item is still open: answer it first
    estimate = adaptive.estimate_ability([d for d, _c in answered], [c for _d, c in answered])
    used = {q for _p, _d, _c, q in rows}
    candidates = [
        c
        for c in _candidates(
            trainee=session.trainee,
            mode=session.mode,
            source=session.source,
            level=session.level,
            area_ids=session.area_ids,
            objective_ids=session.objective_ids,
        )
        if c["question_id"] not in used
    ]
    session.theta, session.theta_se = round(estimate.theta, 4), round(estimate.se, 4)
    reason = adaptive.stop_reason(estimate, max_items=session.target_count, available=len(candidates))
    if reason:
        session.stop_reason = reason
        session.status = PracticeSession.Status.FINISHED
        session.finished_at = now
        session.save(update_fields=["theta", "theta_se", "stop_reason", "status", "finished_at"])
        return None
    session.save(update_fields=["theta", "theta_se"])
    chosen = adaptive.next_item(estimate.theta, {c["pk"]: _difficulty(c) for c in candidates})
    position = max(p for p, _d, _c, _q in rows) + 1
    rng = random.Random(session.pk * 7919 + position)  # noqa: S311 - presentation order, not a secret
    _add_items(session, [c for c in candidates if c["pk"] == chosen], position, rng)
    return position


# --- finishing ------------------------------------------------------------------------------------


def practice_session_finish(
    *, session: PracticeSession, now: datetime | None = None, reason: str = "finished"
) -> PracticeSession:
    """End a session (idempotent). A simulation scores its unanswered questions as missed."""
    _finish_claim(session=session, now=now or timezone.now(), reason=reason)
    session.refresh_from_db()
    return session


def _finish_claim(*, session: PracticeSession, now: datetime, reason: str) -> bool:
    """Finish an in-progress session; ``False`` when something else (a request, the sweep) finished it first.

    The conditional update (in progress → finished) makes the lazy path, the listing's sweep and
    the beat task race safely: exactly one of them finishes a session and marks its misses.
    """
    with transaction.atomic():
        claimed = PracticeSession.objects.filter(pk=session.pk, status=PracticeSession.Status.IN_PROGRESS).update(
            status=PracticeSession.Status.FINISHED, finished_at=now, stop_reason=session.stop_reason or reason
        )
        if claimed and session.mode == Mode.SIMULATION:
            PracticeItem.objects.filter(session=session, correct__isnull=True).update(score=0.0, correct=False)
    return bool(claimed)


def practice_session_finish_if_due(*, session: PracticeSession, now: datetime | None = None) -> bool:
    """Finish a simulation past its deadline (plus the grace), lazily on the next access."""
    now = now or timezone.now()
    if session.is_finished or not session.is_past_deadline(now, GRACE_SECONDS):
        return False
    practice_session_finish(session=session, now=now, reason="time_up")
    return True


def practice_sessions_finish_expired(
    *, trainee: User | None = None, now: datetime | None = None, limit: int = 200
) -> int:
    """Finish simulations past their deadline (plus the grace): a bounded sweep, run before listing
    (one trainee's) and by the beat task ``exams.finish_expired_practice_simulations`` (everyone's).

    Returns how many this call finished (one lost to a concurrent finish is not counted).
    """
    now = now or timezone.now()
    due = PracticeSession.objects.filter(
        status=PracticeSession.Status.IN_PROGRESS, deadline_at__lt=now - timedelta(seconds=GRACE_SECONDS)
    )
    if trainee is not None:
        due = due.filter(trainee_id=trainee.pk)
    finished = 0
    for session in due.order_by("deadline_at")[:limit]:
        finished += _finish_claim(session=session, now=now, reason="time_up")
    return finished


# --- bookmarks and problem reports -------------------------------------------------------------------


def practice_bookmark_set(*, trainee: User, question_id: int, bookmarked: bool) -> bool:
    """Bookmark (or not) a question the trainee has met in practice; 404 for any other question."""
    if not seen_question_ids(trainee=trainee, question_ids=[question_id]):
        raise ApplicationError(_("Not found."), code="not_found", status=404)
    if bookmarked:
        PracticeBookmark.objects.get_or_create(trainee=trainee, question_id=question_id)
    else:
        PracticeBookmark.objects.filter(trainee=trainee, question_id=question_id).delete()
    return bookmarked


def practice_problem_report(*, item: PracticeItem, reporter: User, text: str) -> ItemProblemReport:
    """Store a trainee's report of a problem with a practice item, for the item's author."""
    text = (text or "").strip()
    if not text:
        raise ApplicationError(_("Describe the problem."), code="empty")
    if len(text) > MAX_REPORT_LENGTH:
        raise ApplicationError(
            _("Keep the report under %(max)d characters.") % {"max": MAX_REPORT_LENGTH}, code="too_long"
        )
    return ItemProblemReport.objects.create(version_id=item.version_id, item=item, reporter=reporter, text=text)


def practice_problem_resolve(
    *, report: ItemProblemReport, by: User, reply: str = "", now: datetime | None = None
) -> ItemProblemReport:
    report.status = ItemProblemReport.Status.RESOLVED
    report.resolved_at = now or timezone.now()
    report.resolved_by = by
    report.resolution = (reply or "").strip()[:MAX_REPORT_LENGTH]
    report.save(update_fields=["status", "resolved_at", "resolved_by", "resolution"])
    return report
