"""Exam start: 2,000 candidates pressing start within one minute on a 120-item paper.

Each candidate is logged in (a browser session stored in bulk, with its CSRF cookie) and sends
one ``POST /api/v1/attempts/start/`` at its scheduled moment (the starts are spread evenly over
the window: an open-loop load, latency counted from the scheduled moment). The answer carries the
whole attempt state (all items, shuffled options) and the save token, as the exam page needs.
The baseline is a bare view inserting the attempt row and its start event for other candidates
of the same sitting.

Reported: p99 (target ≤ 250 ms), errors (target 0), and the database work per start — queries
counted in-process on a few extra starts, and the pg_stat_database counters over the whole run.
"""

from __future__ import annotations

import json

from bench.scenarios import Row, ScenarioResult, counters_delta, echo, load, pg_counters, ratio
from bench.scenarios.data import browser_sessions, candidates, open_sitting, session_headers

NAME = "exam_start"


def run(stack, options) -> ScenarioResult:
    from exams.models import Attempt

    n, window = options.start_candidates, options.start_seconds
    opened = open_sitting(tag="bench-start", n_items=options.start_items, n_forms=2)
    ours_regs = candidates(sitting=opened.sitting, tag="bench-start-a", n=n + 3)
    base_regs = candidates(sitting=opened.sitting, tag="bench-start-b", n=n)
    sessions = browser_sessions([r.candidate for r in ours_regs])
    queries = _queries_per_start(opened, ours_regs[n:], sessions[n:])
    ours_regs, sessions = ours_regs[:n], sessions[:n]
    echo(
        f"exam_start: {n} candidates per side, {options.start_items} items, over {window:.0f} s; "
        f"{queries['queries']} queries per start (in-process)"
    )

    paper = opened.paper.pk
    plans = {
        "baseline": [
            {
                "method": "POST",
                "path": "/start/",
                "headers": {"Content-Type": "application/json"},
                "body": {
                    "registration": r.pk,
                    "paper": paper,
                    "form": opened.forms[i % len(opened.forms)].pk,
                    "candidate": r.candidate_id,
                },
            }
            for i, r in enumerate(base_regs)
        ],
        "ours": [
            {
                "method": "POST",
                "path": "/api/v1/attempts/start/",
                "headers": session_headers(s),
                "body": {"registration": r.pk, "paper": paper},
            }
            for r, s in zip(ours_regs, sessions, strict=True)
        ],
    }
    figures, work = {}, {}
    for side, server in (("baseline", stack.baseline), ("ours", stack.web)):
        before = pg_counters(stack.db_name)
        figures[side] = load(
            {
                "url": server.url,
                "mode": "open",
                "concurrency": 256,
                "arrival_seconds": window,
                "expect": [201],
                "source": {"kind": "list", "requests": plans[side]},
            }
        )
        work[side] = counters_delta(before, pg_counters(stack.db_name), n)
        f = figures[side]
        echo(
            f"  {side:<8} {f['requests']} starts in {f['seconds']:.1f} s  p50 {f['p50_ms']:7.1f}  "
            f"p99 {f['p99_ms']:7.1f}  max {f['max_ms']:7.1f} ms  errors {f['errors']}"
        )
        if f["errors"]:
            echo(f"    statuses {f['statuses']} {f['exceptions']} {json.dumps(f['error_samples'])[:600]}")
    ours, base = figures["ours"], figures["baseline"]
    started = Attempt.objects.filter(registration__in=[r.pk for r in ours_regs]).count()
    per_start = work["ours"]
    rows = [
        Row(
            NAME,
            f"p99, {n} starts in {window:.0f} s",
            ours["p99_ms"],
            base["p99_ms"],
            ratio(ours["p99_ms"], base["p99_ms"]),
            "≤ 250 ms",
            ours["p99_ms"] <= 250,
            unit="ms",
        ),
        Row(
            NAME,
            "errors",
            ours["errors"],
            base["errors"],
            None,
            "0",
            ours["errors"] == 0 and started == n,
            note=f"{started}/{n} attempts started",
        ),
        Row(
            NAME,
            "queries per start",
            queries["queries"],
            2,
            ratio(queries["queries"], 2),
            "reported",
            None,
            note=(
                f"per start over the run: {per_start['xact_commit']} commits, {per_start['tup_inserted']} rows "
                f"inserted, {per_start['tup_updated']} updated, {per_start['tup_fetched']} fetched, "
                f"{per_start['blocks']} blocks touched (baseline {work['baseline']['blocks']})"
            ),
        ),
    ]
    return ScenarioResult(
        NAME,
        rows,
        {"runs": figures, "db_work_per_start": work, "in_process": queries, "items": options.start_items},
    )


def _queries_per_start(opened, registrations, sessions) -> dict:
    """Start a few attempts in-process through the same URL and middleware, counting queries."""
    from django.conf import settings
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    counts = []
    sample: list[str] = []
    for registration, (key, _csrf) in zip(registrations, sessions, strict=True):
        client = Client(SERVER_NAME="127.0.0.1")
        client.cookies[settings.SESSION_COOKIE_NAME] = key
        with CaptureQueriesContext(connection) as captured:
            response = client.post(
                "/api/v1/attempts/start/",
                {"registration": registration.pk, "paper": opened.paper.pk},
                content_type="application/json",
            )
        if response.status_code != 201:
            raise RuntimeError(f"in-process start answered {response.status_code}: {response.content[:300]!r}")
        counts.append(len(captured.captured_queries))
        sample = [q["sql"][:160] for q in captured.captured_queries]
    return {"queries": max(counts), "counts": counts, "sql": sample}
