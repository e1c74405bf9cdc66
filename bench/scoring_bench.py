"""End-to-end scoring of a sitting stored in the database: 10,000 candidates x 150 items by default.

Run: ``python -m bench.scoring_bench [--candidates N] [--items K] [--seed S] [--json PATH]``, or call
:func:`run` (the ``scoring`` scenario of ``python -m bench`` does).

It creates a throwaway test database from the default connection (PostgreSQL when ``DATABASE_URL`` is
set, else SQLite in memory), stores one closed sitting with Rasch-simulated single-best-answer
responses in bulk (``COPY`` on PostgreSQL), then times

* the baseline: a bare ``SELECT`` of the same responses into Python (``values_list`` of attempt,
  position and answer, the answer decoded — the least a scoring must read);
* ``exams.services.scoring.sitting_score`` end to end, with its phases (load, score, analyse,
  calibrate, save — see that module),

and prints each phase, the ratio of the scoring to the baseline and PASS/MISS against the targets of
issue #10 (at most 15 s end to end and at most 2 x the bare SELECT). The database is destroyed at the
end, also on errors.
"""

from __future__ import annotations

import argparse
import io
import json
import os
import time
from collections.abc import Callable
from datetime import timedelta
from typing import Any, TypeVar

import django

T = TypeVar("T")

TARGET_TOTAL_S = 15.0
TARGET_RATIO = 2.0
COPY_CHUNK_ROWS = 100_000


def build(n_candidates: int, n_items: int, seed: int):
    """Store the sitting: items, one form, candidates, registrations, final attempts, responses."""
    import numpy as np
    from django.db import connection
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
    key_index = (np.arange(1, n_items + 1) % 5)[None, :]
    letters = np.array(list("ABCDE"))[np.where(correct, key_index, (key_index + wrong) % 5)]
    attempt_ids = np.array([attempt.pk for attempt in attempts])
    rows, cols = np.nonzero(~omitted)
    triples = zip(attempt_ids[rows].tolist(), (cols + 1).tolist(), letters[rows, cols].tolist(), strict=True)
    if connection.vendor == "postgresql":
        _copy_responses(connection, Response, triples, now)
    else:
        batch: list[Response] = []
        for attempt_id, position, choice in triples:
            batch.append(Response(attempt_id=attempt_id, position=position, answer={"choice": choice}, seq=position))
            if len(batch) >= 50_000:
                Response.objects.bulk_create(batch, batch_size=5000)
                batch = []
        Response.objects.bulk_create(batch, batch_size=5000)
    return sitting


def _copy_responses(connection, model, triples, now) -> None:
    """PostgreSQL: the responses through ``COPY ... FROM STDIN`` in chunks (text format)."""
    columns = ", ".join(model._meta.get_field(name).column for name in ("attempt", "position", "answer", "seq"))
    columns += ", " + ", ".join(model._meta.get_field(name).column for name in ("flagged", "saved_at"))
    tail = f"\tf\t{now.isoformat()}\n"
    sql = f"COPY {model._meta.db_table} ({columns}) FROM STDIN"
    with connection.cursor() as cursor, cursor.copy(sql) as copy:
        buffer = io.StringIO()
        for count, (attempt_id, position, choice) in enumerate(triples, start=1):
            buffer.write(f'{attempt_id}\t{position}\t{{"choice": "{choice}"}}\t{position}{tail}')
            if count % COPY_CHUNK_ROWS == 0:
                copy.write(buffer.getvalue())
                buffer = io.StringIO()
        copy.write(buffer.getvalue())


def bare_select(sitting) -> int:
    """The baseline: every response of the sitting's attempts into Python, answers decoded."""
    from exams.models import Response

    rows = list(Response.objects.filter(attempt__form__sitting=sitting).values_list("attempt_id", "position", "answer"))
    return len(rows)


def run(
    n_candidates: int = 10_000,
    n_items: int = 150,
    *,
    seed: int = 2026,
    echo: Callable[[str], None] | None = print,
) -> dict[str, Any]:
    """Build a sitting in a throwaway test database, time the baseline and the scoring; see the module doc."""
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "irexam.settings")
    django.setup()
    from django.db import connection

    from exams.services.scoring import sitting_score

    say = echo or (lambda line: None)

    def timed(label: str, work: Callable[[], T]) -> tuple[T, float]:
        start = time.perf_counter()
        value = work()
        seconds = time.perf_counter() - start
        say(f"{label:<48}{seconds:9.3f} s")
        return value, seconds

    say(f"database: {connection.vendor}; {n_candidates} candidates x {n_items} items")
    old_name = connection.settings_dict["NAME"]
    timed("create the test database", lambda: connection.creation.create_test_db(verbosity=0, serialize=False))
    try:
        sitting, build_s = timed(
            "store items, candidates, attempts, responses", lambda: build(n_candidates, n_items, seed)
        )
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                for table in ("exams_response", "exams_attempt", "exams_registration"):
                    cursor.execute(f"VACUUM ANALYZE {table}")  # what autovacuum does after a bulk load
        responses, bare_s = timed("baseline: bare SELECT of the responses", lambda: bare_select(sitting))
        say(f"{'  responses':<48}{responses:9d}")
        cpu_start = time.process_time()
        summary, total_s = timed("sitting_score end to end", lambda: sitting_score(sitting=sitting))
        cpu_s = time.process_time() - cpu_start
        say(f"{'  CPU time of this process (not the server)':<48}{cpu_s:9.3f} s")
        for phase, seconds in summary.timings.items():
            say(f"  {phase:<46}{seconds:9.3f} s")
        say(f"{'  candidates scored / passed':<48}{summary.candidates:9d} / {summary.pass_count}")
    finally:
        connection.creation.destroy_test_db(old_name, verbosity=0)
    ratio = total_s / bare_s if bare_s else float("inf")
    passed = total_s <= TARGET_TOTAL_S and ratio <= TARGET_RATIO
    say(f"{'ratio to the bare SELECT':<48}{ratio:9.2f} x")
    say(
        f"target: <= {TARGET_TOTAL_S:.0f} s and <= {TARGET_RATIO:.0f} x the bare SELECT: "
        + ("PASS" if passed else "MISS")
    )
    return {
        "scenario": "scoring",
        "database": connection.vendor,
        "n_candidates": n_candidates,
        "n_items": n_items,
        "responses": responses,
        "build_s": build_s,
        "bare_select_s": bare_s,
        "total_s": total_s,
        "cpu_s": cpu_s,
        "phases": dict(summary.timings),
        "ratio": ratio,
        "pass_count": summary.pass_count,
        "targets": {"total_s": TARGET_TOTAL_S, "ratio": TARGET_RATIO},
        "passed": passed,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--candidates", type=int, default=10_000)
    parser.add_argument("--items", type=int, default=150)
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument("--json", help="also write the figures as JSON to this file")
    args = parser.parse_args()
    result = run(args.candidates, args.items, seed=args.seed)
    if args.json:
        with open(args.json, "w", encoding="utf-8") as handle:
            json.dump(result, handle, indent=2)


if __name__ == "__main__":
    main()
