"""End-to-end scoring of a sitting stored in the database: 10,000 candidates x 150 items by default.

Run: ``python -m bench.scoring_bench [--candidates N] [--items K] [--seed S]``.

It creates a throwaway test database (PostgreSQL when ``DATABASE_URL`` is set, else SQLite in
memory), stores one closed sitting with Rasch-simulated single-best-answer responses in bulk, then
prints the time of a bare SELECT of the same responses and of each phase of
``exams.services.scoring.sitting_score`` (load, score, analyse, calibrate, save). The database is
destroyed at the end.
"""

from __future__ import annotations

import argparse
import os
import time
from collections.abc import Callable
from datetime import timedelta
from typing import TypeVar

import django

T = TypeVar("T")


def timed(label: str, work: Callable[[], T]) -> T:
    start = time.perf_counter()
    result = work()
    print(f"{label:<48}{time.perf_counter() - start:9.3f} s", flush=True)
    return result


def build(n_candidates: int, n_items: int, seed: int):
    """Store the sitting: items, one form, candidates, registrations, final attempts, responses."""
    import numpy as np
    from django.utils import timezone

    from accounts.models import User
    from curriculum.models import TechniqueArea
    from exams.delivery import layout_entry
    from exams.models import Attempt, CutScore, Exam, Form, FormItem, Paper, Registration, Response, Sitting
    from question_bank.models import Question, QuestionVersion

    rng = np.random.default_rng(seed)
    now = timezone.now()
    officer = User.objects.create(username="bench-officer")
    areas = list(TechniqueArea.objects.order_by("pk")[:10])
    exam = Exam.objects.create(code="bench", title_zh="基准", level="Q", created_by=officer)
    paper = Paper.objects.create(exam=exam, number=1, title_zh="第一部分", duration_minutes=180, item_count=n_items)
    sitting = Sitting.objects.create(
        exam=exam,
        code="bench-2026",
        opens_at=now - timedelta(hours=5),
        closes_at=now - timedelta(hours=1),
        status=Sitting.Status.CLOSED,
        created_by=officer,
    )
    CutScore.objects.create(sitting=sitting, paper=paper, method="fixed", percent=60, decided_by=officer)
    form = Form.objects.create(sitting=sitting, paper=paper, label="A")
    difficulties = rng.normal(size=n_items)
    layout = []
    for position in range(1, n_items + 1):
        content = {
            "type": "sba",
            "stem": f"Benchmark item {position}.",
            "lead_in": "Choose the best answer.",
            "options": [{"id": letter, "text": f"Option {letter}"} for letter in "ABCDE"],
            "key": ["ABCDE"[position % 5]],
        }
        area = areas[position % len(areas)]
        question = Question.objects.create(area=area, created_by=officer)
        version = QuestionVersion.objects.create(
            question=question, number=1, status="approved", content=content, level="Q", pool="secure", author=officer
        )
        FormItem.objects.create(form=form, position=position, version=version, area=area)
        layout.append(layout_entry(position, content))
    form.layout = layout
    form.save(update_fields=["layout"])
    users = User.objects.bulk_create([User(username=f"bench-{i}") for i in range(n_candidates)], batch_size=2000)
    registrations = Registration.objects.bulk_create(
        [Registration(sitting=sitting, candidate=u, registered_by=officer) for u in users], batch_size=2000
    )
    attempts = Attempt.objects.bulk_create(
        [
            Attempt(
                registration=r,
                paper=paper,
                form=form,
                candidate=r.candidate,
                status=Attempt.Status.SUBMITTED,
                started_at=now - timedelta(hours=4),
                deadline_at=now - timedelta(hours=1),
                submitted_at=now - timedelta(hours=1),
            )
            for r in registrations
        ],
        batch_size=2000,
    )
    theta = rng.normal(size=n_candidates)
    correct = rng.random((n_candidates, n_items)) < 1.0 / (1.0 + np.exp(-(theta[:, None] - difficulties)))
    omitted = rng.random((n_candidates, n_items)) < 0.02
    wrong = rng.integers(1, 5, size=(n_candidates, n_items))
    batch: list[Response] = []
    for i, attempt in enumerate(attempts):
        for j in range(n_items):
            if omitted[i, j]:
                continue
            key_index = (j + 1) % 5
            choice = "ABCDE"[key_index if correct[i, j] else (key_index + wrong[i, j]) % 5]
            batch.append(Response(attempt=attempt, position=j + 1, answer={"choice": choice}, seq=j + 1))
        if len(batch) >= 50_000:
            Response.objects.bulk_create(batch, batch_size=5000)
            batch = []
    Response.objects.bulk_create(batch, batch_size=5000)
    return sitting


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--candidates", type=int, default=10_000)
    parser.add_argument("--items", type=int, default=150)
    parser.add_argument("--seed", type=int, default=2026)
    args = parser.parse_args()

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "irexam.settings")
    django.setup()
    from django.db import connection

    from exams.models import Response
    from exams.services.scoring import sitting_score

    print(f"database: {connection.vendor}; {args.candidates} candidates x {args.items} items", flush=True)
    old_name = connection.settings_dict["NAME"]
    timed("create the test database", lambda: connection.creation.create_test_db(verbosity=0, serialize=False))
    try:
        sitting = timed(
            "store items, candidates, attempts, responses", lambda: build(args.candidates, args.items, args.seed)
        )
        rows = timed(
            "bare SELECT of the responses (values_list)",
            lambda: list(
                Response.objects.filter(attempt__form__sitting=sitting).values_list("attempt_id", "position", "answer")
            ),
        )
        print(f"{'  responses':<48}{len(rows):9d}")
        summary = timed("sitting_score end to end", lambda: sitting_score(sitting=sitting))
        for phase, seconds in summary.timings.items():
            print(f"  {phase:<46}{seconds:9.3f} s")
        print(f"{'  candidates scored / passed':<48}{summary.candidates:9d} / {summary.pass_count}")
    finally:
        connection.creation.destroy_test_db(old_name, verbosity=0)


if __name__ == "__main__":
    main()
