"""Reads for practice mode: which items qualify, a session's state, feedback, mastery, readiness,
the instructor's view and the authors' problem reports.

``practice_versions`` is the ONE place that decides which question versions practice may serve:
approved, the question's current version, the practice pool, not retired, not a case set. Every
session is filled from it (services), and nothing else ever creates a practice item.

Each function runs a constant number of queries whatever the number of items, sessions or
trainees (mastery and the instructor's tables are aggregate queries grouped in Python).
"""

from __future__ import annotations

import datetime
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Count, Exists, F, Max, OuterRef, Q, QuerySet, Subquery
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import User
from curriculum.models import Objective, TechniqueArea
from curriculum.selectors import eligibility_for, trainees_of
from exams.adaptive import Proportion, estimate_ability, wilson_interval
from exams.delivery import candidate_item
from exams.models import Exam, ItemProblemReport, PracticeBookmark, PracticeItem, PracticeSession
from exams.scoring_rules import chosen_options
from exams.selectors import media_url
from irexam.errors import ConflictError
from question_bank.markdown import render_markdown
from question_bank.models import ItemStatistic, Pool, QuestionType, QuestionVersion, VersionStatus

#: Practice-ready on the practice side: the Wilson lower bound of the proportion correct reaches this…
READY_PROPORTION = 0.6
#: …over at least this many answered questions of the level.
READY_MIN_ANSWERS = 20
#: Areas shown as the weakest in the readiness summary.
WEAKEST_COUNT = 3


# --- which items practice may serve -----------------------------------------------------------------


def practice_versions(
    *,
    level: str = "",
    area_ids: Iterable[int] = (),
    objective_ids: Iterable[int] = (),
    question_ids: Iterable[int] | None = None,
    single_unit: bool = False,
) -> QuerySet[QuestionVersion]:
    """Versions practice may serve: approved, current, practice pool, question not retired, no case sets.

    Annotated with ``calibrated_b`` (the latest stored Rasch difficulty of the item, or None) and
    ``area_id`` (the question's area). ``single_unit`` keeps only one-scoring-unit items (adaptive).
    """
    calibrated = ItemStatistic.objects.filter(version=OuterRef("pk"), unit_id="", b__isnull=False).order_by(
        "-computed_at", "-id"
    )
    versions = (
        QuestionVersion.objects.filter(
            status=VersionStatus.APPROVED,
            pool=Pool.PRACTICE,
            question__current_version_id=F("pk"),
            question__is_retired=False,
        )
        .exclude(type=QuestionType.CASE)
        .annotate(calibrated_b=Subquery(calibrated.values("b")[:1]), area_id=F("question__area_id"))
    )
    if level:
        versions = versions.filter(level=level)
    area_ids = list(area_ids)
    objective_ids = list(objective_ids)
    if area_ids or objective_ids:
        through = QuestionVersion.objectives.through.objects.filter(
            questionversion_id=OuterRef("pk"), objective_id__in=objective_ids
        )
        versions = versions.filter(Q(question__area_id__in=area_ids) | Exists(through))
    if question_ids is not None:
        versions = versions.filter(question_id__in=list(question_ids))
    if single_unit:
        versions = versions.filter(unit_count=1)
    return versions.order_by("pk")


# --- sessions --------------------------------------------------------------------------------------


def practice_session_get(*, session_id: int, trainee: User) -> PracticeSession:
    """The trainee's own session, else 404 (never 403: another's session does not exist for them)."""
    session = PracticeSession.objects.filter(pk=session_id, trainee_id=trainee.pk).first()
    if session is None:
        raise Http404
    return session


def practice_item_get(*, session: PracticeSession, position: int) -> PracticeItem:
    item = PracticeItem.objects.filter(session=session, position=position).select_related("version").first()
    if item is None:
        raise Http404
    return item


def practice_session_list(*, trainee: User) -> QuerySet[PracticeSession]:
    """The trainee's sessions, newest first, with their counts (one query)."""
    return PracticeSession.objects.filter(trainee_id=trainee.pk).annotate(
        item_count=Count("items"),
        answered=Count("items", filter=Q(items__correct__isnull=False)),
        correct_count=Count("items", filter=Q(items__correct=True)),
    )


def feedback_allowed(session: PracticeSession, item: PracticeItem) -> bool:
    """Tutor and adaptive: once the answer is saved. Simulation: only once the session is finished."""
    if not item.is_answered:
        return False
    return session.mode != PracticeSession.Mode.SIMULATION or session.is_finished


def practice_session_state(*, session: PracticeSession, now: datetime.datetime | None = None) -> dict[str, Any]:
    """What the practice page draws: items as candidates see them (no keys), answers and their seqs.

    Queries: the items with their versions, and the trainee's bookmarks among them.
    """
    now = now or timezone.now()
    items = list(PracticeItem.objects.filter(session=session).select_related("version").order_by("position"))
    question_ids = [item.version.question_id for item in items]
    bookmarked = set(
        PracticeBookmark.objects.filter(trainee_id=session.trainee_id, question_id__in=question_ids).values_list(
            "question_id", flat=True
        )
    )
    finished = session.is_finished
    out_items = []
    for item in items:
        payload = candidate_item(item.position, item.version.content, orders=session.option_orders, media_url=media_url)
        entry = {
            "position": item.position,
            "question": item.version.question_id,
            "item": payload,
            "answer": item.answer,
            "seq": item.seq,
            "answered": bool(item.answer),
            "bookmarked": item.version.question_id in bookmarked,
            "feedback_available": feedback_allowed(session, item),
        }
        if finished:
            entry["correct"] = item.correct
            entry["score"] = item.score
        out_items.append(entry)
    answered = sum(1 for item in items if item.answer)
    state: dict[str, Any] = {
        "id": session.pk,
        "mode": session.mode,
        "source": session.source,
        "status": session.status,
        "level": session.level,
        "target_count": session.target_count,
        "answered": answered,
        "started_at": session.started_at,
        "deadline_at": session.deadline_at,
        "seconds_left": session.seconds_left(now),
        "server_now": now,
        "items": out_items,
        "theta": session.theta,
        "theta_se": session.theta_se,
        "stop_reason": session.stop_reason,
    }
    if finished:
        correct = sum(1 for item in items if item.correct)
        state["summary"] = {"answered": answered, "correct": correct, "total": len(items)}
    return state


# --- feedback (tutor mode after the save; simulation at the end) -----------------------------------


def _keys(content: dict[str, Any]) -> dict[str, list[str]]:
    """The key of every scoring unit ("" for a one-unit item, the stem id for extended matching)."""
    if content["type"] == "emq":
        return {str(stem["id"]): list(stem.get("key", [])) for stem in content.get("stems", [])}
    return {"": list(content.get("key", []))}


def _others(version_id: int, content: dict[str, Any], exclude_item_id: int) -> dict[str, Any]:
    """How other practice answers to this version split between the options (one query)."""
    answers = list(
        PracticeItem.objects.filter(version_id=version_id, correct__isnull=False)
        .exclude(pk=exclude_item_id)
        .values_list("answer", "correct")
    )
    counts: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    for answer, _correct in answers:
        for unit, chosen in chosen_options(content, answer).items():
            for option_id in chosen:
                counts[unit][option_id] += 1
    n = len(answers)
    options = {}
    if content["type"] != "order" and n:
        options = {unit: {opt: round(c / n, 3) for opt, c in by_option.items()} for unit, by_option in counts.items()}
    return {
        "n": n,
        "correct_rate": round(sum(1 for _a, c in answers if c) / n, 3) if n else None,
        "options": options,
    }


def practice_item_feedback(*, session: PracticeSession, item: PracticeItem) -> dict[str, Any]:
    """The key, the explanation, references and how others answered — refused (409) before it is allowed."""
    if not item.is_answered:
        raise ConflictError(_("Save your answer first; the feedback follows it."), code="not_answered")
    if not feedback_allowed(session, item):
        raise ConflictError(_("In an exam simulation the feedback comes at the end."), code="not_finished")
    content = item.version.content
    return {
        "position": item.position,
        "correct": item.correct,
        "score": item.score,
        "max_score": item.max_score,
        "answer": item.answer,
        "key": _keys(content),
        "explanation_html": render_markdown(content.get("explanation", ""), media_url=media_url),
        "references": [str(ref) for ref in content.get("references", [])],
        "others": _others(item.version_id, content, item.pk),
    }


# --- mastery, trend, readiness -------------------------------------------------------------------------


@dataclass
class MasteryRow:
    """Mastery of one area or objective: proportion correct with its Wilson interval, Rasch θ ± SE."""

    id: int
    code: str
    name: str
    proportion: Proportion
    theta: float | None = None
    theta_se: float | None = None
    last_at: datetime.datetime | None = None

    def as_dict(self) -> dict[str, Any]:
        p = self.proportion
        return {
            "id": self.id,
            "code": self.code,
            "name": self.name,
            "n": p.n,
            "correct": p.correct,
            "proportion": p.value,
            "low": p.low,
            "high": p.high,
            "theta": self.theta,
            "theta_se": self.theta_se,
            "last_at": self.last_at,
        }


@dataclass
class Mastery:
    overall: Proportion
    areas: list[MasteryRow]
    objectives: list[MasteryRow]
    weeks: list[dict[str, Any]] = field(default_factory=list)


def _answered(trainee_ids: Iterable[int], level: str = "") -> QuerySet[PracticeItem]:
    items = PracticeItem.objects.filter(session__trainee_id__in=list(trainee_ids), correct__isnull=False)
    if level:
        items = items.filter(version__level=level)
    return items


def _week_start(when: datetime.datetime) -> datetime.date:
    day = timezone.localtime(when).date()
    return day - datetime.timedelta(days=day.weekday())


def practice_mastery(*, trainee: User, level: str = "", weeks: int = 12) -> Mastery:
    """Mastery per area and per objective, overall, and the weekly trend (four queries)."""
    rows = list(_answered([trainee.pk], level).values_list("area_id", "difficulty", "correct", "saved_at"))
    by_area: dict[int, list[tuple[float | None, bool, datetime.datetime | None]]] = defaultdict(list)
    for area_id, difficulty, correct, saved_at in rows:
        by_area[area_id].append((difficulty, correct, saved_at))
    areas = TechniqueArea.objects.in_bulk(list(by_area))
    area_rows = []
    for area_id, answers in by_area.items():
        area = areas[area_id]
        k = sum(1 for _d, c, _s in answers if c)
        estimate = estimate_ability([d or 0.0 for d, _c, _s in answers], [c for _d, c, _s in answers])
        area_rows.append(
            MasteryRow(
                area.pk,
                area.code,
                area.name,
                wilson_interval(k, len(answers)),
                round(estimate.theta, 3),
                round(estimate.se, 3),
                max((s for _d, _c, s in answers if s), default=None),
            )
        )
    area_rows.sort(key=lambda row: (areas[row.id].order, row.code))
    objective_counts = list(
        _answered([trainee.pk], level)
        .filter(version__objectives__isnull=False)
        .values("version__objectives")
        .annotate(n=Count("id"), k=Count("id", filter=Q(correct=True)), last=Max("saved_at"))
    )
    objectives = Objective.objects.in_bulk([row["version__objectives"] for row in objective_counts])
    objective_rows = [
        MasteryRow(
            row["version__objectives"],
            objectives[row["version__objectives"]].code,
            objectives[row["version__objectives"]].text,
            wilson_interval(row["k"], row["n"]),
            last_at=row["last"],
        )
        for row in objective_counts
    ]
    objective_rows.sort(key=lambda row: row.code)
    overall = wilson_interval(sum(1 for r in rows if r[2]), len(rows))
    return Mastery(overall, area_rows, objective_rows, _weekly(rows, weeks))


def _weekly(rows: list[tuple[Any, ...]], weeks: int) -> list[dict[str, Any]]:
    """The last ``weeks`` weeks (Monday first, local time), each with its answers and proportion correct."""
    this_week = _week_start(timezone.now())
    starts = [this_week - datetime.timedelta(weeks=i) for i in range(weeks - 1, -1, -1)]
    counts = {start: [0, 0] for start in starts}
    for _area, _difficulty, correct, saved_at in rows:
        if saved_at is None:
            continue
        start = _week_start(saved_at)
        if start in counts:
            counts[start][0] += 1
            counts[start][1] += 1 if correct else 0
    out = []
    for start in starts:
        n, k = counts[start]
        p = wilson_interval(k, n)
        out.append({"week": start, "n": n, "correct": k, "proportion": p.value, "low": p.low, "high": p.high})
    return out


@dataclass
class Readiness:
    level: str
    exam_title: str
    mastery: Proportion
    eligible: bool
    requirements_met: int
    requirements_total: int
    logbook_summary: str
    weakest: list[MasteryRow]
    status: str  # "ready" | "practice_more" | "logbook" | "not_yet"

    @property
    def practice_ready(self) -> bool:
        low = self.mastery.low
        return self.mastery.n >= READY_MIN_ANSWERS and low is not None and low >= READY_PROPORTION

    def message(self) -> str:
        return {
            "ready": _("Ready: practice results and logbook both meet the bar."),
            "practice_more": _("Logbook complete; keep practising until your results are consistently good."),
            "logbook": _("Practice results are good; the logbook requirements are not met yet."),
            "not_yet": _("Not yet: keep practising and logging cases."),
        }[self.status]

    def as_dict(self) -> dict[str, Any]:
        p = self.mastery
        return {
            "level": self.level,
            "exam_title": self.exam_title,
            "status": self.status,
            "message": self.message(),
            "practice": {"n": p.n, "correct": p.correct, "proportion": p.value, "low": p.low, "high": p.high},
            "practice_ready": self.practice_ready,
            "logbook_eligible": self.eligible,
            "requirements_met": self.requirements_met,
            "requirements_total": self.requirements_total,
            "logbook_summary": self.logbook_summary,
            "weakest_areas": [row.as_dict() for row in self.weakest],
        }


def practice_readiness(*, trainee: User) -> list[Readiness]:
    """Readiness for the qualifying and the advanced exam: practice mastery of that level and the logbook."""
    titles = {exam.level: exam.title for exam in Exam.objects.filter(purpose=Exam.Purpose.SECURE).order_by("-id")}
    out = []
    for level, fallback in (("Q", _("Qualifying exam")), ("A", _("Advanced exam"))):
        mastery = practice_mastery(trainee=trainee, level=level, weeks=1)
        eligibility = eligibility_for(trainee=trainee, level=level)
        practised = [row for row in mastery.areas if row.proportion.n]
        weakest = sorted(practised, key=lambda row: (row.proportion.value or 0.0, -row.proportion.n))[:WEAKEST_COUNT]
        readiness = Readiness(
            level=level,
            exam_title=titles.get(level, fallback),
            mastery=mastery.overall,
            eligible=eligibility.eligible,
            requirements_met=len(eligibility.met),
            requirements_total=len(eligibility.requirements),
            logbook_summary=eligibility.summary,
            weakest=weakest,
            status="",
        )
        practice_ok = readiness.practice_ready
        readiness.status = {
            (True, True): "ready",
            (False, True): "practice_more",
            (True, False): "logbook",
            (False, False): "not_yet",
        }[(practice_ok, eligibility.eligible)]
        out.append(readiness)
    return out


# --- bookmarks and missed items --------------------------------------------------------------------------


def practice_bookmarks(*, trainee: User) -> QuerySet[PracticeBookmark]:
    return PracticeBookmark.objects.filter(trainee_id=trainee.pk).select_related("question__area")


def missed_question_ids(*, trainee: User) -> set[int]:
    """Questions whose latest practice answer by the trainee was not fully correct (one query)."""
    latest: dict[int, bool] = {}
    rows = _answered([trainee.pk]).order_by("saved_at", "pk").values_list("version__question_id", "correct")
    for question_id, correct in rows:
        latest[question_id] = bool(correct)
    return {question_id for question_id, correct in latest.items() if not correct}


def seen_question_ids(*, trainee: User, question_ids: Iterable[int]) -> set[int]:
    return set(
        PracticeItem.objects.filter(session__trainee_id=trainee.pk, version__question_id__in=list(question_ids))
        .values_list("version__question_id", flat=True)
        .distinct()
    )


# --- instructors -----------------------------------------------------------------------------------------


def instructor_overview(*, instructor: User) -> dict[str, Any]:
    """The instructor's trainees with their practice activity and mastery by area (four queries)."""
    trainees = list(trainees_of(instructor))
    ids = [t.pk for t in trainees]
    since = timezone.now() - datetime.timedelta(days=30)
    counts = list(
        _answered(ids)
        .values("session__trainee_id", "area_id")
        .annotate(n=Count("id"), k=Count("id", filter=Q(correct=True)), last=Max("saved_at"))
    )
    recent = dict(
        _answered(ids)
        .filter(saved_at__gte=since)
        .values("session__trainee_id")
        .annotate(n=Count("id"))
        .values_list("session__trainee_id", "n")
    )
    areas = TechniqueArea.objects.in_bulk({row["area_id"] for row in counts})
    per_trainee: dict[int, list[dict[str, Any]]] = defaultdict(list)
    for row in counts:
        area = areas[row["area_id"]]
        p = wilson_interval(row["k"], row["n"])
        per_trainee[row["session__trainee_id"]].append(
            {
                "area_id": area.pk,
                "area": area.code,
                "area_name": area.name,
                "n": p.n,
                "correct": p.correct,
                "proportion": p.value,
                "low": p.low,
                "high": p.high,
                "last_at": row["last"],
            }
        )
    rows = []
    for trainee in trainees:
        by_area = sorted(per_trainee.get(trainee.pk, []), key=lambda r: r["area"])
        n = sum(r["n"] for r in by_area)
        k = sum(r["correct"] for r in by_area)
        p = wilson_interval(k, n)
        rows.append(
            {
                "trainee": trainee,
                "answered": n,
                "answered_30_days": recent.get(trainee.pk, 0),
                "proportion": p.value,
                "low": p.low,
                "high": p.high,
                "last_at": max((r["last_at"] for r in by_area if r["last_at"]), default=None),
                "areas": by_area,
            }
        )
    return {"trainees": rows, "missed": instructor_missed_items(trainee_ids=ids)}


def instructor_missed_items(*, trainee_ids: list[int], limit: int = 10, min_answers: int = 2) -> list[dict[str, Any]]:
    """The practice items these trainees miss most often (two queries)."""
    rows = list(
        _answered(trainee_ids)
        .values("version_id")
        .annotate(n=Count("id"), wrong=Count("id", filter=Q(correct=False)))
        .filter(n__gte=min_answers, wrong__gt=0)
        .order_by("-wrong", "-n", "version_id")[:limit]
    )
    versions = QuestionVersion.objects.select_related("question__area").in_bulk([r["version_id"] for r in rows])
    out = []
    for row in rows:
        version = versions[row["version_id"]]
        content = version.content
        text = content.get("lead_in") or content.get("stem") or ""
        out.append(
            {
                "version_id": version.pk,
                "question_id": version.question_id,
                "code": str(version.question),
                "area": version.question.area.code,
                "text": text[:160],
                "n": row["n"],
                "wrong": row["wrong"],
                "miss_rate": round(row["wrong"] / row["n"], 3),
            }
        )
    return out


# --- problem reports ---------------------------------------------------------------------------------------


def problem_reports_for_author(*, author: User, status: str = "") -> QuerySet[ItemProblemReport]:
    """Reports about items this user wrote (the version's author or the question's creator)."""
    reports = ItemProblemReport.objects.filter(
        Q(version__author_id=author.pk) | Q(version__question__created_by_id=author.pk)
    ).select_related("version__question", "reporter")
    if status:
        reports = reports.filter(status=status)
    return reports


def problem_report_for_author(*, author: User, report_id: int) -> ItemProblemReport:
    report = problem_reports_for_author(author=author).filter(pk=report_id).first()
    if report is None:
        raise Http404
    return report
