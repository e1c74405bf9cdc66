"""Certificate issuing end to end: passing attempts → issuing job → PDF + signed credential + rows.

Run: ``python -m bench.certificates_bench [--n 1000] [--workers]``.

* Default: a throwaway test database (SQLite, or PostgreSQL when ``DATABASE_URL`` is set) and
  Celery eager — the job, the render tasks and the e-mails run in this process, one after the
  other, exactly as a single worker would run them.
* ``--workers``: needs ``CELERY_BROKER_URL``; writes to the configured database (a sitting named
  ``bench-<time>`` is left behind) and waits for real workers to issue and render.

Prints milliseconds per certificate and certificates per second for the whole pipeline, then the
bare cost of one PDF render + credential signature (``bench.certificates_render_bench``) for
comparison: the difference is the database, the job bookkeeping, file storage and e-mail.
"""

from __future__ import annotations

import argparse
import os
import statistics
import time
import zlib
from datetime import timedelta

import django

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "irexam.settings")
django.setup()

from django.conf import settings  # noqa: E402
from django.contrib.auth.hashers import make_password  # noqa: E402
from django.db import connection  # noqa: E402
from django.test.utils import override_settings, setup_test_environment  # noqa: E402
from django.utils import timezone  # noqa: E402

from bench import certificates_render_bench as render_bench  # noqa: E402


def _populate(n: int, tag: str):
    """An issuer, a type, a released sitting and ``n`` passing attempts, created in bulk."""
    from accounts.models import User
    from certificates.services import certificate_type_create, issuer_create
    from exams.models import Attempt, Exam, Form, Level, Paper, Registration, Sitting

    officer = User.objects.create(username=f"{tag}-officer", display_name_zh="考务", display_name_en="Officer")
    issuer = issuer_create(
        code=f"{tag}-board",
        name_zh="介入放射学培训考核委员会",
        name_en="IR Training and Credentialing Board",
        signatories=[{"name_zh": "李明", "name_en": "LI Ming", "title_zh": "主任委员", "title_en": "Chair"}],
        logo=_upload(render_bench.LOGO, "logo.png"),
        seal=_upload(render_bench.SEAL, "seal.png"),
        by=officer,
    )
    exam = Exam.objects.create(
        code=f"{tag}-exam", title_zh="准入考试", title_en="Qualifying exam", level=Level.QUALIFYING, created_by=officer
    )
    paper = Paper.objects.create(exam=exam, number=1, title_zh="第1卷", duration_minutes=120, item_count=100)
    certificate_type_create(
        code=f"{tag}-q",
        issuer=issuer,
        level=Level.QUALIFYING,
        title_zh="介入放射学准入资格证书",
        title_en="Certificate of Qualification in Interventional Radiology",
        serial_prefix=f"IR-Q{zlib.crc32(tag.encode()) % 100_000:05d}",  # one prefix per type (serials by type)
        validity_months=60,
        cme_credits_required=50,
        exams=[exam],
        by=officer,
    )
    now = timezone.now()
    sitting = Sitting.objects.create(
        exam=exam,
        code=tag,
        opens_at=now - timedelta(days=3),
        closes_at=now - timedelta(days=2),
        status=Sitting.Status.RELEASED,
        released_at=now,
        created_by=officer,
    )
    form = Form.objects.create(sitting=sitting, paper=paper, label="A")
    password = make_password(None)
    users = User.objects.bulk_create(
        [
            User(
                username=f"{tag}-c{i:05d}",
                password=password,
                email=f"c{i}@bench.invalid",
                display_name_zh="张伟",
                display_name_en="ZHANG Wei",
            )
            for i in range(n)
        ],
        batch_size=500,
    )
    users = list(User.objects.filter(username__startswith=f"{tag}-c").order_by("username"))
    registrations = Registration.objects.bulk_create(
        [Registration(sitting=sitting, candidate=u, registered_by=officer) for u in users], batch_size=500
    )
    registrations = list(Registration.objects.filter(sitting=sitting).order_by("candidate__username"))
    Attempt.objects.bulk_create(
        [
            Attempt(
                registration=r,
                paper=paper,
                form=form,
                candidate_id=r.candidate_id,
                status=Attempt.Status.SUBMITTED,
                started_at=now - timedelta(days=2, hours=2),
                deadline_at=now - timedelta(days=2),
                submitted_at=now - timedelta(days=2),
                passed=True,
                scaled_score=360,
            )
            for r in registrations
        ],
        batch_size=500,
    )
    return sitting


def _upload(data: bytes, name: str):
    from django.core.files.uploadedfile import SimpleUploadedFile

    return SimpleUploadedFile(name, data, content_type="image/png")


def _run(n: int, workers: bool) -> None:
    from certificates.models import Certificate
    from certificates.services import issuing_job_start
    from exams.models import Job

    tag = f"bench-{int(time.time())}"
    start = time.perf_counter()
    sitting = _populate(n, tag)
    print(f"setup: {n} passing attempts in {time.perf_counter() - start:.1f} s ({connection.vendor})")

    start = time.perf_counter()
    job = issuing_job_start(sitting=sitting)  # eager: the job and every render run before this returns
    while True:
        job.refresh_from_db()
        rendered = Certificate.objects.filter(
            attempt__registration__sitting=sitting, render_status=Certificate.Render.DONE
        ).count()
        if job.status in (Job.Status.DONE, Job.Status.FAILED) and (rendered >= n or not workers):
            break
        print(f"  job {job.status} {job.progress:.0%}, rendered {rendered}/{n}")
        time.sleep(1.0)
    elapsed = time.perf_counter() - start
    issued = Certificate.objects.filter(attempt__registration__sitting=sitting)
    done = issued.filter(render_status=Certificate.Render.DONE).count()
    print(f"job {job.status}: {job.result or job.error}")
    print(f"issued {issued.count()}, rendered {done} (PDF + signed credential + row + e-mail)")
    print(f"end to end: {elapsed * 1000 / n:.1f} ms per certificate, {n / elapsed:.1f} certificates/s")
    assert issued.count() == n and done == n, "every passing attempt must end with one rendered certificate"


def _bare(samples: int) -> None:
    from datetime import UTC, datetime

    from certificates import openbadges, pdf
    from certificates.signing import generate_ed25519_key

    key = generate_ed25519_key()
    issued = datetime(2026, 11, 26, 9, 30, tzinfo=UTC)
    timings = []
    for i in range(samples + 1):
        t0 = time.perf_counter()
        pdf.render_certificate(render_bench._render_data(i))
        openbadges.sign_credential(
            openbadges.build_credential(render_bench._credential_input(i, issued)), key, render_bench.VM, issued
        )
        if i:  # the first call warms fonts, contexts and the schema
            timings.append((time.perf_counter() - t0) * 1000)
    print(f"bare render + sign (no database): {statistics.fmean(timings):.1f} ms per certificate (n={samples})")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=1000, help="passing attempts (default 1000)")
    parser.add_argument("--workers", action="store_true", help="use real workers through CELERY_BROKER_URL")
    args = parser.parse_args()
    if args.workers:
        if not settings.CELERY_BROKER_URL:
            parser.error("--workers needs CELERY_BROKER_URL (and workers running against the same database)")
        _run(args.n, workers=True)
    else:
        from irexam.celery import app

        app.conf.task_always_eager = True
        setup_test_environment()
        old_name = connection.creation.create_test_db(verbosity=0, autoclobber=True)
        media = settings.VAR_DIR / "bench-media"
        try:
            with override_settings(MEDIA_ROOT=media, EMAIL_BACKEND="django.core.mail.backends.locmem.EmailBackend"):
                _run(args.n, workers=False)
        finally:
            connection.creation.destroy_test_db(old_name, verbosity=0)
            import shutil

            shutil.rmtree(media, ignore_errors=True)
    _bare(min(50, args.n))


if __name__ == "__main__":
    main()
