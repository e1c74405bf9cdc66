"""Scoring: 10,000 candidates × 150 items stored in the database, scored end to end.

The SCORING side owns the measurement (``bench.scoring_bench``, see its docstring): it builds a
closed sitting in a throwaway database next to the stack's (``test_<stack database>``), times a
bare ``SELECT`` of the same responses (the baseline) and ``exams.services.scoring.sitting_score``
(load, score, subscores, item analysis, KR-20, Rasch, bulk write) — what the Celery task runs.
It runs here in its own process, on the stack's PostgreSQL.

Targets: ≤ 15 s end to end and ≤ 2 × the bare SELECT.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile

from bench.scenarios import ROOT, Row, ScenarioResult, echo

NAME = "scoring"


def run(stack, options) -> ScenarioResult:
    with tempfile.NamedTemporaryFile(suffix=".json", delete=False) as handle:
        path = handle.name
    command = [
        sys.executable,
        "-m",
        "bench.scoring_bench",
        "--candidates",
        str(options.scoring_candidates),
        "--items",
        str(options.scoring_items),
        "--json",
        path,
    ]
    try:
        process = subprocess.run(  # noqa: S603 - our own interpreter and module
            command, cwd=ROOT, env=stack.env, capture_output=True, text=True, timeout=1800, check=False
        )
        for line in process.stdout.splitlines():
            echo(f"  {line}")
        if process.returncode:
            raise RuntimeError(f"bench.scoring_bench failed:\n{process.stderr[-3000:]}")
        with open(path, encoding="utf-8") as result_file:
            result = json.load(result_file)
    finally:
        os.unlink(path)
    total, bare = result["total_s"], result["bare_select_s"]
    size = f"{result['n_candidates']:,} × {result['n_items']}"
    rows = [
        Row(
            NAME,
            f"end to end, {size}",
            round(total, 2),
            round(bare, 2),
            round(result["ratio"], 2),
            "≤ 15 s and ≤ 2× bare SELECT",
            bool(result["passed"]),
            unit="s",
            note="phases: " + ", ".join(f"{k} {v:.2f} s" for k, v in result["phases"].items()),
        )
    ]
    return ScenarioResult(NAME, rows, result)
