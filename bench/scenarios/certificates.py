"""Certificates: 1,000 passing attempts → PDF + signed credential + database, with 2 Celery workers.

A released sitting with ``n`` passing attempts is stored in bulk (``bench.certificates_bench``'s
builder); the issuing job is queued exactly as the release does, and real Celery workers (the
stack's, on Redis) issue the rows, render the PDFs and sign the credentials. Measured from
queueing to the last certificate rendered: certificates per second (target ≥ 50/s), and the
workers' CPU per certificate (their processes' user + system time from /proc) beside the bare
render + sign of the same page in this process (``bench.certificates_render_bench``'s data).
"""

from __future__ import annotations

import contextlib
import os
import time
from pathlib import Path

from bench.scenarios import Row, ScenarioResult, echo, ratio

NAME = "certificates"
TICKS = os.sysconf("SC_CLK_TCK")


def run(stack, options) -> ScenarioResult:
    from bench import certificates_bench
    from certificates.models import Certificate
    from certificates.services import issuing_job_start
    from exams.models import Job

    n = options.certificates
    if not stack.celery:
        raise RuntimeError("the certificates scenario needs Celery workers (--celery-workers)")
    tag = f"bench-cert-{int(time.time())}"
    t0 = time.perf_counter()
    sitting = certificates_bench._populate(n, tag)
    echo(f"certificates: {n} passing attempts stored in {time.perf_counter() - t0:.1f} s; {len(stack.celery)} workers")

    cpu_before = _workers_cpu(stack)
    started = time.perf_counter()
    job = issuing_job_start(sitting=sitting)
    issued = Certificate.objects.filter(attempt__registration__sitting=sitting)
    deadline = started + max(120.0, n * 0.5)
    last_report = started
    while True:
        job.refresh_from_db()
        done = issued.filter(render_status=Certificate.Render.DONE).count()
        failed = issued.filter(render_status=Certificate.Render.FAILED).count()
        if done + failed >= n or job.status == Job.Status.FAILED or time.perf_counter() > deadline:
            break
        if time.perf_counter() - last_report > 5:
            echo(f"  job {job.status} {job.progress:.0%}, rendered {done}/{n}")
            last_report = time.perf_counter()
        time.sleep(0.05)
    elapsed = time.perf_counter() - started
    cpu_ms = (_workers_cpu(stack) - cpu_before) * 1000 / max(1, done)
    rate = done / elapsed if elapsed else 0.0
    bare = _bare_cpu_ms(samples=min(40, max(5, n)))
    echo(
        f"  {done}/{n} rendered ({failed} failed) in {elapsed:.1f} s: {rate:.1f} certificates/s, "
        f"{cpu_ms:.1f} worker CPU ms per certificate; bare render + sign {bare['cpu_ms']:.1f} CPU ms"
    )
    ok = done == n and failed == 0 and job.status == Job.Status.DONE
    rows = [
        Row(
            NAME,
            f"{n} certificates, {len(stack.celery)} workers",
            round(rate, 1),
            None,
            None,
            "≥ 50/s, all rendered",
            ok and rate >= 50,
            unit="cert/s",
            note="" if ok else f"job {job.status}, {done} rendered, {failed} failed: {job.error or ''}",
        ),
        Row(
            NAME,
            "CPU per certificate",
            round(cpu_ms, 1),
            round(bare["cpu_ms"], 1),
            ratio(cpu_ms, bare["cpu_ms"]),
            "reported (baseline: bare render + sign)",
            None,
            unit="ms",
        ),
    ]
    data = {
        "n": n,
        "workers": len(stack.celery),
        "elapsed_s": round(elapsed, 2),
        "certificates_per_s": round(rate, 2),
        "worker_cpu_ms_per_certificate": round(cpu_ms, 2),
        "bare": bare,
        "job": {"status": job.status, "result": job.result, "error": job.error},
    }
    return ScenarioResult(NAME, rows, data)


def _tree(pid: int) -> list[int]:
    out, todo = [], [pid]
    while todo:
        current = todo.pop()
        out.append(current)
        with contextlib.suppress(OSError):
            todo += [int(p) for p in Path(f"/proc/{current}/task/{current}/children").read_text().split()]
    return out


def _cpu_seconds(pid: int) -> float:
    """User + system time of a process and of its waited-for children."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    # after the command: state(0) ... utime(11) stime(12) cutime(13) cstime(14)
    return sum(int(fields[i]) for i in (11, 12, 13, 14)) / TICKS


def _workers_cpu(stack) -> float:
    return sum(_cpu_seconds(pid) for worker in stack.celery for pid in _tree(worker.pid))


def _bare_cpu_ms(samples: int) -> dict:
    """The same page rendered and its credential signed in this process: no database, no queue."""
    from datetime import UTC, datetime

    from bench import certificates_render_bench as render_bench
    from certificates import openbadges, pdf
    from certificates.signing import generate_ed25519_key

    key = generate_ed25519_key()
    issued = datetime(2026, 11, 26, 9, 30, tzinfo=UTC)

    def once(i: int) -> None:
        pdf.render_certificate(render_bench._render_data(i))
        credential = openbadges.build_credential(render_bench._credential_input(i, issued))
        openbadges.sign_credential(credential, key, render_bench.VM, issued)

    once(0)  # warms fonts, contexts and the schema
    cpu0, wall0 = time.process_time(), time.perf_counter()
    for i in range(1, samples + 1):
        once(i)
    return {
        "samples": samples,
        "cpu_ms": (time.process_time() - cpu0) * 1000 / samples,
        "wall_ms": (time.perf_counter() - wall0) * 1000 / samples,
    }
