"""Verification: the public verification JSON for random valid codes at 64 concurrent.

Ours: ``GET /api/v1/verify/<code>/`` (public, rate-limited per IP, cached record, status computed
per call). Baseline: a bare view doing one indexed read of the certificate by its code. The
certificates are the ones the certificates scenario issued; run alone, this scenario issues
``VERIFY_CERTIFICATES`` in-process first (rows only: verification does not need the PDF).

Target: throughput ≥ 0.8 × baseline; 0 errors.
"""

from __future__ import annotations

import time

from bench.scenarios import Row, ScenarioResult, echo, load, ratio

NAME = "verification"
VERIFY_CERTIFICATES = 300


def run(stack, options) -> ScenarioResult:
    from certificates.models import Certificate

    codes = list(Certificate.objects.values_list("verification_code", flat=True))
    if not codes:
        codes = _issue(min(VERIFY_CERTIFICATES, max(20, options.certificates)))
    echo(f"verification: {len(codes)} valid codes, {options.verify_concurrency} concurrent")
    figures = {}
    for side, server, prefix in (("baseline", stack.baseline, "/verify/"), ("ours", stack.web, "/api/v1/verify/")):
        figures[side] = load(
            {
                "url": server.url,
                "mode": "closed",
                "concurrency": options.verify_concurrency,
                "duration": options.duration,
                "warmup": options.warmup,
                "expect": [200],
                "source": {"kind": "get", "paths": [f"{prefix}{code}/" for code in codes]},
            }
        )
        f = figures[side]
        echo(
            f"  {side:<8} {f['throughput']:8.1f} req/s  p50 {f['p50_ms']:7.1f}  p99 {f['p99_ms']:7.1f} ms  "
            f"errors {f['errors']}"
        )
        if f["errors"]:
            echo(f"    statuses {f['statuses']} {f['exceptions']} {f['error_samples']}")
    ours, base = figures["ours"], figures["baseline"]
    thr = ratio(ours["throughput"], base["throughput"])
    rows = [
        Row(
            NAME,
            f"throughput c={options.verify_concurrency}",
            ours["throughput"],
            base["throughput"],
            thr,
            "≥ 0.8× baseline, 0 errors",
            bool(thr and thr >= 0.8 and ours["errors"] == 0),
            unit="req/s",
            note="" if ours["errors"] == 0 else f"{ours['errors']} errors: {ours['statuses']}",
        ),
        Row(
            NAME,
            f"p99 c={options.verify_concurrency}",
            ours["p99_ms"],
            base["p99_ms"],
            ratio(ours["p99_ms"], base["p99_ms"]),
            "reported",
            None,
            unit="ms",
        ),
    ]
    return ScenarioResult(NAME, rows, {"runs": figures, "codes": len(codes)})


def _issue(n: int) -> list[str]:
    from bench import certificates_bench
    from certificates.models import Certificate
    from certificates.services.issuing import certificates_issue_for_sitting

    t0 = time.perf_counter()
    sitting = certificates_bench._populate(n, f"bench-verify-{int(time.time())}")
    certificates_issue_for_sitting(sitting=sitting)
    echo(f"verification: issued {n} certificates in-process in {time.perf_counter() - t0:.1f} s")
    return list(Certificate.objects.values_list("verification_code", flat=True))
