"""``python -m bench [scenario ...]``: start the stack, run the scenarios, print the table, write JSON.

Scenarios: answer_save, exam_start, scoring, certificates, verification (default: all, in that
order). Each prints a row per measure with our figure, the baseline's, the ratio and the target
(PASS/MISS), and writes ``bench/results/<scenario>-<timestamp>.json``. ``--quick`` shrinks every
scenario for a smoke run; the other flags make them bigger or smaller.
"""

from __future__ import annotations

import argparse
import importlib
import sys
import time
from datetime import UTC, datetime

SCENARIOS = ["answer_save", "exam_start", "scoring", "certificates", "verification"]


def parse(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__.splitlines()[0])
    parser.add_argument("scenarios", nargs="*", metavar="scenario", help=f"{', '.join(SCENARIOS)} (default: all)")
    parser.add_argument("--web-workers", type=int, default=4, help="gunicorn sync workers (default 4)")
    parser.add_argument("--duration", type=float, default=8.0, help="measured seconds per load run (default 8)")
    parser.add_argument("--warmup", type=float, default=2.0, help="unmeasured seconds before each run (default 2)")
    parser.add_argument(
        "--save-concurrency", type=int, nargs="+", default=[64, 256], help="answer save clients (default 64 256)"
    )
    parser.add_argument("--start-candidates", type=int, default=2000, help="exam start: candidates (default 2000)")
    parser.add_argument("--start-seconds", type=float, default=60.0, help="exam start: arrival window (default 60)")
    parser.add_argument("--start-items", type=int, default=120, help="exam start: items on the paper (default 120)")
    parser.add_argument("--scoring-candidates", type=int, default=10_000)
    parser.add_argument("--scoring-items", type=int, default=150)
    parser.add_argument("--certificates", type=int, default=1000, help="passing attempts to certify (default 1000)")
    parser.add_argument("--celery-workers", type=int, default=2, help="Celery workers for certificates (default 2)")
    parser.add_argument("--verify-concurrency", type=int, default=64)
    parser.add_argument("--quick", action="store_true", help="small sizes everywhere (a smoke run, not a measurement)")
    parser.add_argument("--no-write", action="store_true", help="do not write bench/results/*.json")
    parser.add_argument("--keep", action="store_true", help="keep the database and logs (debugging)")
    options = parser.parse_args(argv)
    if options.quick:
        options.duration, options.warmup = 2.0, 0.5
        options.save_concurrency = [8, 32]
        options.start_candidates, options.start_seconds, options.start_items = 60, 3.0, 20
        options.scoring_candidates, options.scoring_items = 300, 40
        options.certificates = 20
        options.verify_concurrency = 8
    unknown = set(options.scenarios) - set(SCENARIOS)
    if unknown:
        parser.error(f"unknown scenario(s) {', '.join(sorted(unknown))}; choose from {', '.join(SCENARIOS)}")
    options.scenarios = options.scenarios or SCENARIOS
    return options


def main(argv: list[str]) -> int:
    options = parse(argv)
    from bench.scenarios import echo, machine_info, table, write_result
    from bench.stack import bench_stack

    needs_workers = any(s in options.scenarios for s in ("certificates", "verification"))
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    machine = machine_info() | {"web_workers": options.web_workers, "celery_workers": options.celery_workers}
    rows = []
    started = time.monotonic()
    with bench_stack(
        web_workers=options.web_workers,
        celery_workers=options.celery_workers if needs_workers else 0,
        baseline=True,
        keep=options.keep,
        echo=echo,
    ) as stack:
        stack.django_setup()
        from django.db import connections

        for name in options.scenarios:
            connections.close_all()  # a fresh connection per scenario (survives a database restart in between)
            module = importlib.import_module(f"bench.scenarios.{name}")
            echo(f"\n== {name}")
            t0 = time.monotonic()
            result = module.run(stack, options)
            result.data["elapsed_s"] = round(time.monotonic() - t0, 1)
            rows += result.rows
            echo(table(result.rows))
            if not options.no_write:
                echo(f"  → {write_result(result, machine, stamp).relative_to(stack_root())}")
    echo(f"\n== summary ({datetime.now(UTC):%Y-%m-%d %H:%M} UTC, {time.monotonic() - started:.0f} s)")
    echo(table(rows))
    missed = [r for r in rows if r.passed is False]
    if missed:
        echo("missed: " + ", ".join(f"{r.scenario}/{r.measure}" for r in missed))
    return 0


def stack_root():
    from bench.scenarios import ROOT

    return ROOT


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
