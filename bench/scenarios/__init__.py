"""Benchmark scenarios: each builds its data in bulk, runs the load in a separate process against
the project and against the bare baseline, and returns ``Row`` objects plus a JSON-able dict.

Every scenario module has ``run(stack, options) -> ScenarioResult``; ``bench/__main__.py`` starts
the stack, runs the scenarios, prints the table and writes ``bench/results/<scenario>-<time>.json``.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import time
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent.parent
RESULTS = ROOT / "bench" / "results"


@dataclass
class Row:
    """One line of the table: our figure, the baseline's, their ratio and the target."""

    scenario: str
    measure: str
    ours: float | None
    baseline: float | None
    ratio: float | None
    target: str
    passed: bool | None
    unit: str = ""
    note: str = ""

    @property
    def verdict(self) -> str:
        return "-" if self.passed is None else ("PASS" if self.passed else "MISS")


@dataclass
class ScenarioResult:
    name: str
    rows: list[Row]
    data: dict[str, Any] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        return {"scenario": self.name, "rows": [asdict(r) | {"verdict": r.verdict} for r in self.rows], **self.data}


def ratio(ours: float | None, baseline: float | None) -> float | None:
    if not ours or not baseline:
        return None
    return round(ours / baseline, 3)


def _fmt(value: float | None) -> str:
    if value is None:
        return "-"
    if abs(value) >= 100:
        return f"{value:,.0f}"
    return f"{value:.2f}"


def table(rows: list[Row]) -> str:
    header = ("scenario", "measure", "ours", "baseline", "ratio", "target", "result")
    lines = [
        (
            r.scenario,
            r.measure + (f" ({r.unit})" if r.unit else ""),
            _fmt(r.ours),
            _fmt(r.baseline),
            _fmt(r.ratio),
            r.target,
            r.verdict,
        )
        for r in rows
    ]
    widths = [max(len(str(x)) for x in col) for col in zip(header, *lines, strict=True)]
    out = ["  ".join(str(v).ljust(w) for v, w in zip(header, widths, strict=True))]
    out.append("  ".join("-" * w for w in widths))
    out += ["  ".join(str(v).ljust(w) for v, w in zip(line, widths, strict=True)) for line in lines]
    for r in rows:
        if r.note:
            out.append(f"  note {r.scenario}/{r.measure}: {r.note}")
    return "\n".join(out)


def write_result(result: ScenarioResult, machine: dict[str, Any], stamp: str) -> Path:
    RESULTS.mkdir(parents=True, exist_ok=True)
    path = RESULTS / f"{result.name}-{stamp}.json"
    path.write_text(json.dumps({"machine": machine, **result.as_dict()}, indent=2, default=str) + "\n")
    return path


def machine_info() -> dict[str, Any]:
    import platform

    cpu = ""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return {
        "date": datetime.now(UTC).isoformat(timespec="seconds"),
        "cpus": os.cpu_count(),
        "cpu": cpu,
        "python": platform.python_version(),
        "platform": platform.platform(),
        "load_average": os.getloadavg(),
        "command": " ".join(["python", "-m", "bench", *sys.argv[1:]]),
    }


def load(plan: dict[str, Any], timeout: float = 900.0) -> dict[str, Any]:
    """Run the load generator in its own process and return its summary."""
    with tempfile.NamedTemporaryFile("w", suffix=".json", delete=False) as handle:
        json.dump(plan, handle)
    try:
        result = subprocess.run(  # noqa: S603 - our own interpreter and module
            [sys.executable, "-m", "bench.load", handle.name],
            cwd=ROOT,
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
        )
    finally:
        os.unlink(handle.name)
    if result.returncode:
        raise RuntimeError(f"load generator failed:\n{result.stderr[-3000:]}")
    return json.loads(result.stdout.strip().splitlines()[-1])


def pg_counters(db_name: str) -> dict[str, int]:
    """Cumulative work counters of one database (pg_stat_database)."""
    from django.db import connection

    # The statistics collector flushes about once a second.
    time.sleep(1.2)
    columns = ("xact_commit", "xact_rollback", "tup_returned", "tup_fetched", "tup_inserted", "tup_updated")
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT {', '.join(columns)}, blks_read + blks_hit FROM pg_stat_database WHERE datname = %s",  # noqa: S608
            [db_name],
        )
        row = cursor.fetchone()
    return dict(zip((*columns, "blocks"), row, strict=True))


def counters_delta(before: dict[str, int], after: dict[str, int], per: int) -> dict[str, float]:
    return {key: round((after[key] - before[key]) / max(1, per), 2) for key in before}


def echo(message: str) -> None:
    print(message, flush=True)
