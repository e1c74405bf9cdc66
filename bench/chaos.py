"""The chaos run: one sitting under faults, then proof that nothing was lost or done twice.

    python -m bench.chaos [--candidates 300] [--load-seconds 150] [--keep]      (make chaos)

Against the real stack (``bench/stack.py``: gunicorn, a fresh PostgreSQL database, Redis DB 11 as
broker and cache, real Celery workers and beat) on loopback:

1. One open sitting (2 forms of 20 single-best-answer items, 5 s network grace) and N candidates
   with attempts in progress and logged-in browser sessions. ``--expiring`` of them have a deadline
   ~70 s into the load (a third reload the page when refused, a third are just refused, a third go
   silent 10 s before it, so only the beat sweep can finalise theirs); the others submit at the end.
2. The candidates (a separate process, asyncio) autosave as the exam page does: every change gets
   the next ``seq``; unacknowledged saves are retried in order until acknowledged (a 5xx, a reset
   connection or a timeout is retried; ``409 deadline_passed`` stops the queue); each keeps the
   latest acknowledged ``seq`` per position (they go through the paper in order, then change answers
   anywhere, choosing the key with a per-candidate probability). Meanwhile the script SIGKILLs a web
   worker every ~20 s, restarts PostgreSQL once (``pg_ctlcluster``), and kills every Celery worker
   shortly before the expiring deadlines, restarting them ~40 s later (beat keeps queueing the
   sweep meanwhile).
3. After the load: every attempt must be final; the sitting is closed with a fixed cut score and
   scored by a worker that is SIGKILLed while the job runs; the lost job is recovered as an officer
   would (``--stale-seconds``, see below), rescored, and compared with a clean in-process rescore.
4. Results are released; certificate issuing starts on a worker that is SIGKILLed mid-job (after
   its first batch of certificates is committed), and the officer's "issue" is pressed again once
   the job is stale.

Checks (printed, exit 1 if any fails): every acknowledged save is stored with at least its ``seq``
(and its answer when the ``seq`` is equal) — 0 lost; every expired attempt was finalised exactly once
(one auto-submit event, ``finalized_by`` sweep or lazy) and every attempt exactly once in all;
scores identical to a clean rescore; exactly one certificate per passing candidate and none for the
others. Counts of requests, statuses, errors and retries are printed too.

A job whose worker was killed stays "running" (Redis redelivers the task only after its visibility
timeout, and the conditional claim skips a running job): pressing "score" or "issue" again fails a
running job whose heartbeat is older than ``STALE_JOB_AFTER`` (10 min) and queues a new one. The
run shortens that to ``--stale-seconds`` in its own process only (the officer's side).

Bounded: about 5 minutes by default; everything it started is stopped and its database dropped
(``--keep`` leaves them for debugging). The pure checkers below are tested in tests/test_chaos.py.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import signal
import subprocess
import sys
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

# --------------------------------------------------------------------------------------------
# Pure checkers (no Django): what the run proves, tested in tests/test_chaos.py
# --------------------------------------------------------------------------------------------


def lost_saves(
    acked: dict[int, dict[int, tuple[int, Any]]], stored: dict[tuple[int, int], tuple[int, Any]]
) -> list[str]:
    """Acknowledged saves missing from the database.

    ``acked``: attempt → position → (latest acknowledged seq, its answer), as the clients kept it.
    ``stored``: (attempt, position) → (seq, answer) in the database. A stored seq may be higher (a
    later save that was committed but whose answer never arrived); it may never be lower, and an
    equal seq must carry the same answer.
    """
    problems = []
    for attempt, positions in acked.items():
        for position, (seq, answer) in positions.items():
            row = stored.get((attempt, position))
            if row is None:
                problems.append(f"attempt {attempt} position {position}: seq {seq} acknowledged, nothing stored")
            elif row[0] < seq:
                problems.append(f"attempt {attempt} position {position}: seq {seq} acknowledged, {row[0]} stored")
            elif row[0] == seq and row[1] != answer:
                problems.append(f"attempt {attempt} position {position}: seq {seq} stored with another answer")
    return problems


def finalization_problems(
    attempts: dict[int, dict[str, Any]], events: dict[int, Counter], expiring: set[int]
) -> list[str]:
    """Every attempt final exactly once; the expiring ones auto-submitted by the sweep or lazily.

    ``attempts``: id → {"status", "finalized_by"}; ``events``: id → Counter of event kinds.
    """
    problems = []
    for attempt_id, row in attempts.items():
        kinds = events.get(attempt_id, Counter())
        finals = kinds["submit"] + kinds["auto_submit"]
        if row["status"] not in ("submitted", "auto_submitted", "terminated"):
            problems.append(f"attempt {attempt_id} is still {row['status']}")
        if finals != 1:
            problems.append(f"attempt {attempt_id} finalised {finals} times ({dict(kinds)})")
        if attempt_id in expiring and (
            row["status"] != "auto_submitted"
            or row["finalized_by"] not in ("sweep", "lazy")
            or kinds["auto_submit"] != 1
        ):
            problems.append(f"expired attempt {attempt_id}: {row['status']} by {row['finalized_by']!r}, {dict(kinds)}")
    return problems


def score_differences(before: dict[int, tuple], after: dict[int, tuple], tolerance: float = 1e-9) -> list[str]:
    """Rows whose scores differ between the scoring under faults and a clean rescore."""
    problems = []
    for key in sorted(set(before) | set(after)):
        a, b = before.get(key), after.get(key)
        if a is None or b is None or len(a) != len(b):
            problems.append(f"{key}: {a} vs {b}")
            continue
        for x, y in zip(a, b, strict=True):
            same = x == y or (
                isinstance(x, float) and isinstance(y, float) and abs(x - y) <= tolerance * max(1.0, abs(x))
            )
            if not same:
                problems.append(f"{key}: {a} vs {b}")
                break
    return problems


def certificate_problems(passing: set[int], certificate_attempts: list[int]) -> list[str]:
    """Exactly one certificate per passing attempt, none for any other attempt."""
    counts = Counter(certificate_attempts)
    problems = [f"attempt {a}: {n} certificates" for a, n in sorted(counts.items()) if n > 1]
    problems += [f"passing attempt {a} has no certificate" for a in sorted(passing - set(counts))]
    problems += [f"attempt {a} did not pass but has a certificate" for a in sorted(set(counts) - passing)]
    return problems


# --------------------------------------------------------------------------------------------
# The candidates (run as their own process: python -m bench.chaos clients SPEC OUT)
# --------------------------------------------------------------------------------------------

SAVE_PATH = "/api/v1/attempts/{attempt}/responses/{position}/"
REQUEST_TIMEOUT = 10.0


@dataclass
class Tally:
    requests: int = 0
    statuses: Counter = field(default_factory=Counter)
    errors: Counter = field(default_factory=Counter)  # connection resets, timeouts, bad responses
    retries: int = 0
    acknowledged: int = 0
    refused: Counter = field(default_factory=Counter)  # 409 codes that stop a queue
    submits: Counter = field(default_factory=Counter)
    lazy_reads: int = 0
    trouble_at: Counter = field(default_factory=Counter)  # 5xx and connection errors per 10 s of the run
    started: float = field(default_factory=time.monotonic)

    def trouble(self) -> None:
        start = int((time.monotonic() - self.started) // 10 * 10)
        self.trouble_at[f"t+{start}-{start + 10}s"] += 1


def _drop(conn) -> None:
    """Forget a broken connection without waiting for the peer (it may be a killed worker)."""
    if conn.writer is not None:
        conn.writer.close()
    conn.reader = conn.writer = None


async def _send(conn, req, tally: Tally) -> tuple[int | None, dict]:
    from bench.load import HttpError

    tally.requests += 1
    try:
        status, body = await asyncio.wait_for(conn.request(req), REQUEST_TIMEOUT)
    except (TimeoutError, OSError, asyncio.IncompleteReadError, HttpError, ValueError) as exc:
        _drop(conn)
        tally.errors[type(exc).__name__] += 1
        tally.trouble()
        return None, {}
    tally.statuses[status] += 1
    if status >= 500:
        tally.trouble()
    try:
        data = json.loads(body) if body else {}
    except ValueError:
        data = {}
    return status, data if isinstance(data, dict) else {}


async def _candidate(spec: dict, c: dict, tally: Tally, acked: dict, stop_at: float) -> None:
    from bench.load import Connection, Request

    rng = random.Random(spec["seed"] * 1_000_003 + c["attempt"])
    conn = Connection(spec["host"], spec["port"])
    save_headers = {"Content-Type": "application/json", "Accept": "application/json", "X-Attempt-Token": c["token"]}
    mine: dict[int, tuple[int, Any]] = {}
    acked[c["attempt"]] = mine
    queue: list[tuple[int, int, dict]] = []
    seq, stopped = 0, ""
    flush_until = stop_at + 60.0

    async def flush() -> str:
        backoff = 0.25
        while queue and time.monotonic() < flush_until:
            position, s, answer = queue[0]
            body = json.dumps({"answer": answer, "flagged": False, "seq": s}).encode()
            req = Request("PUT", SAVE_PATH.format(attempt=c["attempt"], position=position), save_headers, body)
            status, data = await _send(conn, req, tally)
            if status == 200:
                if position not in mine or mine[position][0] < s:
                    mine[position] = (s, answer)  # accepted, or a newer save of ours is already stored
                tally.acknowledged += 1
                queue.pop(0)
                backoff = 0.25
            elif status == 409 or status == 401:
                code = data.get("code", str(status))
                tally.refused[code] += 1
                return code
            elif status == 429:
                await asyncio.sleep(1.0)
            else:  # a 5xx, a reset connection, a timeout: retry the same save, in order
                tally.retries += 1
                await asyncio.sleep(backoff + rng.random() * 0.1)
                backoff = min(2.0, backoff * 2)
        return ""

    await asyncio.sleep(rng.uniform(0, spec["think_max"]))
    # A candidate who closes the laptop before the deadline: only the sweep can finalise the attempt.
    quiet_at = stop_at - spec["load_seconds"] + c["silent_after"] if c.get("silent_after") else stop_at
    answered = 0
    while not stopped and time.monotonic() < min(stop_at, quiet_at):
        # Through the paper in order first, then changes of mind anywhere.
        answered += 1
        position = answered if answered <= spec["positions"] else rng.randint(1, spec["positions"])
        key = c["keys"][str(position)]
        choice = key if rng.random() < c["ability"] else rng.choice([x for x in "ABCDE" if x != key])
        seq += 1
        queue.append((position, seq, {"choice": choice}))
        stopped = await flush()
        await asyncio.sleep(rng.uniform(spec["think_min"], spec["think_max"]))
    if not stopped:
        stopped = await flush()

    session_headers = {
        "Cookie": c["cookie"],
        "X-CSRFToken": c["csrf"],
        "Content-Type": "application/json",
        "Accept": "application/json",
    }
    if not c["expiring"]:
        for _ in range(20):  # submit, retried like the page's button until the server answers
            status, data = await _send(
                conn,
                Request("POST", f"/api/v1/attempts/{c['attempt']}/submit/", session_headers, b'{"confirm": true}'),
                tally,
            )
            if status in (200, 409):
                tally.submits[str(status) if status == 200 else data.get("code", "409")] += 1
                break
            tally.retries += 1
            await asyncio.sleep(0.5)
        else:
            tally.submits["gave up"] += 1
    elif c.get("lazy"):
        # The page reloads after "time is up": reading the state finalises the attempt lazily.
        for _ in range(20):
            status, _data = await _send(
                conn, Request("GET", f"/api/v1/attempts/{c['attempt']}/", session_headers), tally
            )
            if status == 200:
                tally.lazy_reads += 1
                break
            tally.retries += 1
            await asyncio.sleep(0.5)
    _drop(conn)


async def _guarded(spec: dict, c: dict, tally: Tally, acked: dict, stop_at: float) -> None:
    try:
        await _candidate(spec, c, tally, acked, stop_at)
    except Exception as exc:  # noqa: BLE001 — a client bug must not end the other 299
        tally.errors[f"client crashed: {type(exc).__name__}"] += 1


async def _clients(spec: dict) -> dict:
    tally = Tally()
    acked: dict[int, dict] = {}
    stop_at = time.monotonic() + spec["load_seconds"]
    await asyncio.gather(*(_guarded(spec, c, tally, acked, stop_at) for c in spec["candidates"]))
    return {
        "requests": tally.requests,
        "statuses": {str(k): v for k, v in sorted(tally.statuses.items())},
        "errors": dict(tally.errors),
        "retries": tally.retries,
        "acknowledged": tally.acknowledged,
        "refused": dict(tally.refused),
        "submits": dict(tally.submits),
        "lazy_reads": tally.lazy_reads,
        "trouble_at": dict(tally.trouble_at),
        "acked": {str(a): {str(p): [s, ans] for p, (s, ans) in pos.items()} for a, pos in acked.items()},
    }


def clients_main(spec_path: str, out_path: str) -> None:
    spec = json.loads(Path(spec_path).read_text())
    Path(out_path).write_text(json.dumps(asyncio.run(_clients(spec))))


# --------------------------------------------------------------------------------------------
# The run
# --------------------------------------------------------------------------------------------


def echo(message: str) -> None:
    print(f"[{time.strftime('%H:%M:%S', time.gmtime())}Z] {message}", flush=True)


@dataclass
class Run:
    stack: Any
    options: argparse.Namespace
    faults: list[str] = field(default_factory=list)
    started: float = 0.0

    def t(self) -> str:
        return f"t+{time.monotonic() - self.started:5.1f}s"

    def fault(self, text: str) -> None:
        line = f"{self.t()} {text}"
        self.faults.append(line)
        echo(f"FAULT {line}")


def _setup(run: Run) -> dict:
    """The sitting, candidates, attempts, sessions, and the certificate type of the exam."""
    from datetime import timedelta

    from django.conf import settings
    from django.utils import timezone

    from bench.scenarios.data import attempts_in_progress, browser_sessions, candidates, open_sitting
    from certificates.services import certificate_type_create, issuer_create
    from exams.models import Attempt, FormItem, Level

    options = run.options
    opened = open_sitting(tag="chaos", n_items=options.items, n_forms=2, duration_minutes=60)
    sitting = opened.sitting
    sitting.grace_seconds = 5
    sitting.save(update_fields=["grace_seconds"])
    registrations = candidates(sitting=sitting, tag="chaos", n=options.candidates)
    attempts = attempts_in_progress(opened=opened, registrations=registrations)
    sessions = browser_sessions([r.candidate for r in registrations])
    officer = sitting.created_by
    issuer = issuer_create(code="chaos-board", name_zh="介入放射学培训考核委员会", name_en="IR Board", by=officer)
    certificate_type_create(
        code="chaos-q",
        issuer=issuer,
        level=Level.QUALIFYING,
        title_zh="介入放射学准入资格证书",
        title_en="Certificate of Qualification in Interventional Radiology",
        serial_prefix="IR-Q",
        validity_months=60,
        cme_credits_required=50,
        exams=[sitting.exam],
        by=officer,
    )
    keys: dict[int, dict[str, str]] = {}
    for form_id, position, content in FormItem.objects.filter(form__sitting=sitting).values_list(
        "form_id", "position", "version__content"
    ):
        keys.setdefault(form_id, {})[str(position)] = content["key"][0]
    form_of = dict(Attempt.objects.filter(pk__in=[a for a, _ in attempts]).values_list("pk", "form_id"))
    rng = random.Random(7)
    expiring = {a for a, _ in attempts[: options.expiring]}
    deadline = timezone.now() + timedelta(seconds=options.expire_after)
    Attempt.objects.filter(pk__in=expiring).update(deadline_at=deadline)
    Attempt.objects.filter(pk__in=[a for a, _ in attempts]).exclude(pk__in=expiring).update(
        deadline_at=timezone.now() + timedelta(hours=1)
    )
    clients = []
    for i, ((attempt_id, token), (session_key, csrf)) in enumerate(zip(attempts, sessions, strict=True)):
        clients.append(
            {
                "attempt": attempt_id,
                "token": token,
                "cookie": f"{settings.SESSION_COOKIE_NAME}={session_key}; {settings.CSRF_COOKIE_NAME}={csrf}",
                "csrf": csrf,
                "keys": keys[form_of[attempt_id]],
                "ability": round(rng.uniform(0.3, 0.95), 3),
                "expiring": attempt_id in expiring,
                # Of the expiring candidates: a third reload the page when refused (lazy read), a
                # third just get refused (the refused save finalises lazily), a third go silent
                # 10 s before their deadline (only the beat sweep can finalise them).
                "lazy": attempt_id in expiring and i % 3 == 0,
                "silent_after": max(1.0, options.expire_after - 10) if attempt_id in expiring and i % 3 == 2 else 0,
            }
        )
    return {"sitting": sitting, "paper": opened.paper, "officer": officer, "clients": clients, "expiring": expiring}


def _pg_restart() -> None:
    version = sorted(os.listdir("/etc/postgresql"))[-1]
    subprocess.run(["pg_ctlcluster", version, "main", "restart"], check=True, capture_output=True)  # noqa: S603


def _close_connections() -> None:
    from django.db import connections

    connections.close_all()


def _kill_all_celery(run: Run) -> None:
    for worker in run.stack.celery:
        if worker.alive:
            run.stack.kill_celery_worker(index=worker.index)


def _restart_all_celery(run: Run) -> None:
    for worker in run.stack.celery:
        run.stack.restart_celery_worker(index=worker.index)
    run.stack.wait_celery_ready(timeout=60)


def _faults_during_load(run: Run, expire_at: float, stop: threading.Event) -> None:
    """The fault timeline while the candidates save (a thread; times relative to the load's start)."""
    options = run.options
    plan = [(t, "web") for t in range(15, int(options.load_seconds) - 10, 20)]
    if options.postgres_restart:
        plan.append((45, "postgres"))
    plan.append((max(5.0, expire_at - 12), "celery-down"))
    plan.append((expire_at + 40, "celery-up"))
    for at, what in sorted(plan):
        while time.monotonic() - run.started < at:
            if stop.wait(0.2):
                return
        try:
            if what == "web":
                pid = run.stack.kill_web_worker()
                run.fault(f"SIGKILL web worker {pid}")
            elif what == "postgres":
                started = time.monotonic()
                _pg_restart()
                run.fault(f"PostgreSQL restarted ({time.monotonic() - started:.1f} s)")
            elif what == "celery-down":
                _kill_all_celery(run)
                run.fault("SIGKILL every Celery worker (the expiring deadlines pass while they are down)")
            elif what == "celery-up":
                _restart_all_celery(run)
                run.fault("Celery workers restarted")
        except Exception as exc:  # noqa: BLE001 — a failed fault is reported, the run goes on
            run.fault(f"{what} FAILED: {exc}")


def _wait(predicate, timeout: float, step: float = 0.5) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            if predicate():
                return True
        except Exception:  # noqa: BLE001 — the database may be restarting
            _close_connections()
        time.sleep(step)
    return False


def _kill_when_running(run: Run, job_id: int, what: str, when=lambda job: True, timeout: float = 60.0) -> str:
    """SIGKILL every Celery worker once the job runs (and ``when(job)``); returns the job's state then."""
    from exams.models import Job

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        job = Job.objects.filter(pk=job_id).values("status", "phase", "progress").first()
        if job["status"] == Job.Status.RUNNING and when(job):
            _kill_all_celery(run)
            run.fault(f"SIGKILL every Celery worker during {what} (job {job_id} {job['phase']} {job['progress']:.0%})")
            return "killed"
        if job["status"] in (Job.Status.DONE, Job.Status.FAILED):
            run.fault(f"{what}: job {job_id} was {job['status']} before the kill could land")
            return job["status"]
        time.sleep(0.002)
    return "timeout"


def _wait_stale(job_id: int, seconds: float) -> None:
    """Until the job's last heartbeat is ``seconds`` old (as an officer would see it stuck)."""
    from datetime import timedelta

    from django.utils import timezone

    from exams.models import Job

    def stale() -> bool:
        job = Job.objects.get(pk=job_id)
        return (job.heartbeat_at or job.created_at) < timezone.now() - timedelta(seconds=seconds + 0.5)

    _wait(stale, seconds + 10)


def _scores(sitting) -> dict[Any, tuple]:
    from exams.models import Attempt, CandidateResult

    rows: dict[Any, tuple] = {
        ("attempt", a): (raw, pct, passed)
        for a, raw, pct, passed in Attempt.objects.filter(form__sitting=sitting).values_list(
            "pk", "raw_score", "percent", "passed"
        )
    }
    for reg, raw, pct, passed in CandidateResult.objects.filter(sitting=sitting).values_list(
        "registration_id", "raw_score", "percent", "passed"
    ):
        rows[("result", reg)] = (raw, pct, passed)
    return rows


def _scoring(run: Run, data: dict) -> tuple[list[str], dict]:
    """Close, cut, score with a kill mid-job, recover, compare with a clean rescore."""
    from datetime import timedelta

    from exams.models import CutScore, Job, Sitting
    from exams.services import scoring as scoring_services
    from exams.services.scoring import scoring_job_start, sitting_score

    sitting, officer = data["sitting"], data["officer"]
    Sitting.objects.filter(pk=sitting.pk).update(status=Sitting.Status.CLOSED)
    CutScore.objects.create(
        sitting=sitting, paper=data["paper"], method=CutScore.Method.FIXED, percent=60, decided_by=officer
    )
    job = scoring_job_start(sitting=sitting, by=officer, reason="chaos")
    outcome = _kill_when_running(run, job.pk, "scoring")
    _restart_all_celery(run)
    run.fault("Celery workers restarted")
    info = {"first_job": outcome}
    if outcome == "killed":
        scoring_services.STALE_JOB_AFTER = timedelta(seconds=run.options.stale_seconds)
        _wait_stale(job.pk, run.options.stale_seconds)
        lost = job
        job = scoring_job_start(sitting=sitting, by=officer, reason="the worker was lost")  # "score" again
        lost.refresh_from_db()
        info["lost_job"] = f"{lost.pk} {lost.status} ({lost.error})"
        if lost.status != Job.Status.FAILED:
            return [f"the lost scoring job {lost.pk} is still {lost.status}"], info
    done = _wait(lambda: Job.objects.get(pk=job.pk).status in (Job.Status.DONE, Job.Status.FAILED), 120)
    job.refresh_from_db()
    info["job"] = f"{job.pk} {job.status}"
    if not done or job.status != Job.Status.DONE:
        return [f"scoring did not finish: job {job.pk} {job.status} {job.error}"], info
    under_faults = _scores(sitting)
    sitting_score(sitting=Sitting.objects.get(pk=sitting.pk))  # the clean rescore, in this process
    clean = _scores(sitting)
    info["scored"] = sum(1 for k in under_faults if k[0] == "attempt")
    info["passed"] = sum(1 for k, v in under_faults.items() if k[0] == "result" and v[2] is True)
    return score_differences(under_faults, clean), info


def _certificates(run: Run, data: dict) -> tuple[list[str], dict]:
    from datetime import timedelta

    from django.utils import timezone

    from certificates.models import Certificate
    from certificates.services import issuing as issuing_services
    from exams.models import Job, Sitting
    from exams.services.results import results_release

    sitting, officer = Sitting.objects.get(pk=data["sitting"].pk), data["officer"]
    Sitting.objects.filter(pk=sitting.pk).update(key_validation_closed_at=timezone.now())
    sitting.refresh_from_db()
    sitting = results_release(sitting=sitting, by=officer)  # queues issuing after commit
    kind = issuing_services.JOB_KIND
    assert _wait(lambda: Job.objects.filter(sitting=sitting, kind=kind).exists(), 10, 0.01)
    job = Job.objects.filter(sitting=sitting, kind=kind).order_by("pk").first()
    # Killed once the first batch of certificates is committed: the second run must skip those.
    outcome = _kill_when_running(run, job.pk, "certificate issuing", when=lambda job: job["progress"] > 0)
    info = {
        "first_job": outcome,
        "issued_before_kill": Certificate.objects.filter(attempt__form__sitting=sitting).count(),
    }
    _restart_all_celery(run)
    run.fault("Celery workers restarted")
    if outcome == "killed":
        issuing_services.STALE_JOB_AFTER = timedelta(seconds=run.options.stale_seconds)
        _wait_stale(job.pk, run.options.stale_seconds)
        job = issuing_services.issuing_job_start(sitting=sitting, by=officer)  # the officer presses "issue" again
    done = _wait(lambda: Job.objects.get(pk=job.pk).status in (Job.Status.DONE, Job.Status.FAILED), 120)
    job.refresh_from_db()
    info["job"] = f"{job.pk} {job.status} {job.result}"
    if not done or job.status != Job.Status.DONE:
        return [f"issuing did not finish: job {job.pk} {job.status} {job.error}"], info
    passing = set(issuing_services.passing_anchor_attempts(sitting))
    certificates = list(Certificate.objects.filter(attempt__form__sitting=sitting).values_list("attempt_id", flat=True))
    info["passing"], info["certificates"] = len(passing), len(certificates)
    return certificate_problems(passing, certificates), info


def _stored_and_final(data: dict) -> tuple[dict, dict, dict]:
    from exams.models import Attempt, AttemptEvent, Response

    ids = [c["attempt"] for c in data["clients"]]
    stored = {
        (a, p): (s, ans)
        for a, p, s, ans in Response.objects.filter(attempt_id__in=ids).values_list(
            "attempt_id", "position", "seq", "answer"
        )
    }
    attempts = {
        a: {"status": st, "finalized_by": by}
        for a, st, by in Attempt.objects.filter(pk__in=ids).values_list("pk", "status", "finalized_by")
    }
    events: dict[int, Counter] = {}
    for a, kind in AttemptEvent.objects.filter(attempt_id__in=ids, kind__in=["submit", "auto_submit"]).values_list(
        "attempt_id", "kind"
    ):
        events.setdefault(a, Counter())[kind] += 1
    return stored, attempts, events


def chaos(options: argparse.Namespace) -> int:
    from bench.stack import bench_stack

    checks: list[tuple[str, list[str]]] = []
    with bench_stack(
        web_workers=options.web_workers,
        celery_workers=options.celery_workers,
        redis_db=11,
        db_name=f"irexam_chaos_{os.getpid()}",
        keep=options.keep,
        echo=echo,
    ) as stack:
        stack.django_setup()
        run = Run(stack, options)
        stack.start_beat()
        data = _setup(run)
        echo(
            f"{len(data['clients'])} candidates in progress on {options.items} items, {len(data['expiring'])} with a "
            f"deadline {options.expire_after:.0f} s from now; load {options.load_seconds:.0f} s"
        )
        spec = {
            "host": "127.0.0.1",
            "port": stack.web.port,
            "seed": 1,
            "positions": options.items,
            "load_seconds": options.load_seconds,
            "think_min": 1.0,
            "think_max": 3.0,
            "candidates": data["clients"],
        }
        spec_path, out_path = stack.var_dir / "clients.json", stack.var_dir / "clients-out.json"
        spec_path.write_text(json.dumps(spec))
        run.started = time.monotonic()
        clients = subprocess.Popen(  # noqa: S603
            [sys.executable, "-m", "bench.chaos", "clients", str(spec_path), str(out_path)], env=stack.env
        )
        stop = threading.Event()
        faults = threading.Thread(target=_faults_during_load, args=(run, options.expire_after, stop), daemon=True)
        faults.start()
        try:
            clients.wait(timeout=options.load_seconds + 180)
        finally:
            stop.set()
            faults.join(timeout=90)
            if clients.poll() is None:
                clients.kill()
        _close_connections()
        if not all(worker.alive for worker in stack.celery):
            _restart_all_celery(run)
            run.fault("Celery workers restarted (after the load)")
        if not out_path.exists():
            echo(f"the candidates' process ended with {clients.returncode} and no result: see the output above")
            return 1
        result = json.loads(out_path.read_text())
        echo(f"{run.t()} load over: {result['requests']} requests, statuses {result['statuses']}")

        # Every attempt final: the submitted ones at once, the expired ones by the sweep or lazily.
        from exams.models import Attempt

        ids = [c["attempt"] for c in data["clients"]]
        _wait(lambda: not Attempt.objects.filter(pk__in=ids, status="in_progress").exists(), 120, 1.0)
        stored, attempts, events = _stored_and_final(data)
        acked = {
            int(a): {int(p): (s, ans) for p, (s, ans) in positions.items()} for a, positions in result["acked"].items()
        }
        checks.append(("0 acknowledged saves lost", lost_saves(acked, stored)))
        checks.append(
            ("every attempt finalised exactly once", finalization_problems(attempts, events, data["expiring"]))
        )
        by = Counter(row["finalized_by"] for a, row in attempts.items() if a in data["expiring"])
        scoring_problems, scoring_info = _scoring(run, data)
        checks.append(("scores identical to a clean rescore", scoring_problems))
        cert_problems, cert_info = _certificates(run, data) if not scoring_problems else (["not reached"], {})
        checks.append(("exactly one certificate per passing candidate", cert_problems))
        _report(run, result, acked, by, scoring_info, cert_info, checks)
    return 0 if all(not problems for _name, problems in checks) else 1


def _report(run, result, acked, by, scoring_info, cert_info, checks) -> None:
    saves = sum(len(p) for p in acked.values())
    lines = [
        "",
        "== chaos run report ==",
        f"candidates {len(acked)}, load {run.options.load_seconds:.0f} s, web workers {run.options.web_workers}, "
        f"Celery workers {run.options.celery_workers}",
        "faults:",
        *[f"  {f}" for f in run.faults],
        f"requests {result['requests']}  statuses {result['statuses']}",
        f"connection errors {result['errors']}  retries {result['retries']}  "
        f"saves acknowledged {result['acknowledged']} (latest per position: {saves})",
        f"queues stopped by the server {result['refused']}  submits {result['submits']}  lazy reloads "
        f"{result['lazy_reads']}",
        f"5xx and connection errors by time (the load started at t+0): {result['trouble_at']}",
        f"expired attempts finalised by {dict(by)}",
        f"scoring {scoring_info}",
        f"certificates {cert_info}",
    ]
    for name, problems in checks:
        verdict = "PASS" if not problems else f"FAIL ({len(problems)})"
        lines.append(f"{verdict:<10} {name}")
        lines += [f"           {p}" for p in problems[:10]]
    print("\n".join(lines), flush=True)


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if argv[:1] == ["clients"]:
        clients_main(argv[1], argv[2])
        return 0
    parser = argparse.ArgumentParser(prog="python -m bench.chaos", description=__doc__.split("\n\n")[0])
    parser.add_argument("--candidates", type=int, default=300)
    parser.add_argument("--items", type=int, default=20)
    parser.add_argument("--load-seconds", type=float, default=150.0)
    parser.add_argument("--expiring", type=int, default=40, help="candidates whose deadline passes during the load")
    parser.add_argument("--expire-after", type=float, default=70.0, help="their deadline, seconds after the setup")
    parser.add_argument("--web-workers", type=int, default=3)
    parser.add_argument("--celery-workers", type=int, default=2)
    parser.add_argument("--stale-seconds", type=float, default=15.0, help="a killed job counts as lost after this")
    parser.add_argument(
        "--no-postgres-restart", dest="postgres_restart", action="store_false", help="skip the PostgreSQL restart"
    )
    parser.add_argument("--keep", action="store_true", help="leave the database and logs behind")
    options = parser.parse_args(argv)
    signal.signal(signal.SIGINT, signal.default_int_handler)
    return chaos(options)


if __name__ == "__main__":
    sys.exit(main())
