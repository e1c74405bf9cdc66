"""Answer save: simulated candidates in real attempts saving through the real endpoint.

Each simulated candidate owns one attempt in progress and PUTs answers to random positions with
its own signed token and strictly increasing ``seq`` — the exam page's autosave, without the
think time. The baseline is a bare Django view doing the same upsert into the same table. The two
alternate at each concurrency (baseline, ours), each run with its own ``seq`` range so neither
refuses the other's writes as stale.

Targets: throughput ≥ 0.8 × baseline, p99 ≤ 2 × baseline p99, 0 errors — at 64 and 256.
"""

from __future__ import annotations

from bench.scenarios import Row, ScenarioResult, echo, load, ratio
from bench.scenarios.data import attempts_in_progress, candidates, open_sitting

NAME = "answer_save"
SEQ_STRIDE = 100_000_000


def run(stack, options) -> ScenarioResult:
    concurrencies = options.save_concurrency
    n = max(concurrencies)
    opened = open_sitting(tag="bench-save", n_items=120, n_forms=2)
    attempts = attempts_in_progress(
        opened=opened, registrations=candidates(sitting=opened.sitting, tag="bench-save", n=n)
    )
    echo(f"answer_save: {len(attempts)} attempts in progress on a 120-item paper")
    rows, runs = [], {}
    run_no = 0
    for concurrency in concurrencies:
        figures = {}
        for side, server, path in (
            ("baseline", stack.baseline, "/save/{attempt}/{position}/"),
            ("ours", stack.web, "/api/v1/attempts/{attempt}/responses/{position}/"),
        ):
            run_no += 1
            plan = {
                "url": server.url,
                "mode": "closed",
                "concurrency": concurrency,
                "duration": options.duration,
                "warmup": options.warmup,
                "seed": run_no,
                "source": {
                    "kind": "save",
                    "path": path,
                    "attempts": attempts[:concurrency],
                    "positions": 120,
                    "first_seq": run_no * SEQ_STRIDE,
                },
            }
            figures[side] = load(plan)
            f = figures[side]
            echo(
                f"  {side:<8} c={concurrency:<4} {f['throughput']:8.1f} req/s  p50 {f['p50_ms']:7.1f}  "
                f"p99 {f['p99_ms']:7.1f} ms  errors {f['errors']}"
            )
            if f["errors"]:
                echo(f"    statuses {f['statuses']} {f['exceptions']} {f['error_samples']}")
        ours, base = figures["ours"], figures["baseline"]
        thr_ratio = ratio(ours["throughput"], base["throughput"])
        p99_ratio = ratio(ours["p99_ms"], base["p99_ms"])
        rows.append(
            Row(
                NAME,
                f"throughput c={concurrency}",
                ours["throughput"],
                base["throughput"],
                thr_ratio,
                "≥ 0.8× baseline, 0 errors",
                bool(thr_ratio and thr_ratio >= 0.8 and ours["errors"] == 0),
                unit="req/s",
                note="" if ours["errors"] == 0 else f"{ours['errors']} errors: {ours['statuses']}",
            )
        )
        rows.append(
            Row(
                NAME,
                f"p99 c={concurrency}",
                ours["p99_ms"],
                base["p99_ms"],
                p99_ratio,
                "≤ 2× baseline p99",
                bool(p99_ratio and p99_ratio <= 2.0),
                unit="ms",
            )
        )
        runs[str(concurrency)] = figures
    stored = _stored_saves(attempts)
    return ScenarioResult(NAME, rows, {"runs": runs, "attempts": len(attempts), "responses_stored": stored})


def _stored_saves(attempts) -> int:
    from exams.models import Response

    return Response.objects.filter(attempt_id__in=[a for a, _ in attempts]).count()
