"""Demo practice history for the demo ``trainee`` (``load_demo`` step "exams_practice", order 50).

Six weeks of tutor sessions, one finished exam simulation and one adaptive session, answered by a
seeded simulated trainee who gets about two thirds right, so the progress dashboard shows mastery
by area, a weekly trend and readiness. Idempotent: nothing happens when the trainee already has
practice sessions.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from datetime import timedelta
from typing import Any

from django.utils import timezone

from exams.models import PracticeItem, PracticeSession

SEED = 2026
P_CORRECT = 0.65


def _answer(content: dict[str, Any], right: bool, rng: random.Random) -> dict[str, Any]:
    """A right or a wrong answer to a (non-case) item, from its content."""
    options = [o["id"] for o in content.get("options", [])]
    qtype = content["type"]
    if qtype in ("sba", "tf"):
        key = content["key"][0]
        return {"choice": key if right else rng.choice([o for o in options if o != key])}
    if qtype == "mrq":
        return {"choices": sorted(content["key"]) if right else sorted(content["key"])[:1] or options[:1]}
    if qtype == "order":
        return {"order": list(content["key"]) if right else list(reversed(content["key"]))}
    answers = {}
    for stem in content.get("stems", []):
        key = stem["key"][0]
        answers[stem["id"]] = key if right else rng.choice([o for o in options if o != key])
    return {"answers": answers}


def _answer_all(session: PracticeSession, rng: random.Random, at) -> None:
    from exams.services.practice import practice_answer_save

    seq = 0
    while True:
        open_items = list(PracticeItem.objects.filter(session=session, correct__isnull=True).select_related("version"))
        session.refresh_from_db()
        if not open_items or session.is_finished:
            return
        for item in open_items:
            seq += 1
            answer = _answer(item.version.content, rng.random() < P_CORRECT, rng)
            at += timedelta(seconds=50)
            practice_answer_save(session=session, position=item.position, answer=answer, seq=seq, now=at)
        if session.mode != PracticeSession.Mode.ADAPTIVE:
            return


def load_practice_demo(say: Callable[[str], None]) -> None:
    from accounts.models import User
    from exams.selectors_practice import practice_versions
    from exams.services.practice import practice_session_finish, practice_session_start
    from irexam.errors import ApplicationError

    trainee = User.objects.filter(username="trainee").first()
    if trainee is None or PracticeSession.objects.filter(trainee=trainee).exists():
        return
    rng = random.Random(SEED)  # noqa: S311 - demo data
    now = timezone.now()
    areas = sorted(set(practice_versions().order_by().values_list("area_id", flat=True)))
    made = 0
    for week in range(6, 0, -1):
        start = now - timedelta(weeks=week, hours=rng.randint(0, 48))
        chosen = rng.sample(areas, k=min(4, len(areas)))
        try:
            session = practice_session_start(
                trainee=trainee, mode="tutor", count=8, area_ids=chosen, now=start, seed=SEED + week
            )
        except ApplicationError:
            continue
        _answer_all(session, rng, start)
        practice_session_finish(session=session, now=start + timedelta(minutes=20))
        made += 1
    for mode, count, days in (("simulation", 12, 3), ("adaptive", 15, 1)):
        start = now - timedelta(days=days)
        try:
            session = practice_session_start(trainee=trainee, mode=mode, count=count, level="Q", now=start, seed=SEED)
        except ApplicationError:
            continue
        _answer_all(session, rng, start)
        practice_session_finish(session=session, now=start + timedelta(minutes=15))
        made += 1
    say(f"practice: {made} demo practice sessions for trainee")
