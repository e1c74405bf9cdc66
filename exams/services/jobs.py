"""Running a background :class:`~exams.models.Job` once: the one runner of scoring and issuing.

``job_run(job_id, work)`` claims the job with a conditional update (PENDING → RUNNING), so a task
delivered twice runs the work once, and records how it ended:

- ``work(job)`` returns the result dict → DONE with that result, ``"done"``;
- an :class:`~irexam.errors.ApplicationError` (a refusal the officer can read) → FAILED with its
  message, ``"failed"``;
- a lost database (``OperationalError``, ``InterfaceError``) → back to PENDING and re-raised: the
  Celery task retries (``autoretry_for``, bounded) and the retry claims the job again;
- any other exception (a bug, a full disk) will not mend itself by retrying → FAILED with
  ``"<Type>: <message>"`` (at most 1000 characters) and re-raised (the worker logs it), so the job
  never sits in PENDING where nothing runs it again and "start" can begin afresh.

Apps above exams (certificates) use it too; exams never imports them.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from django.db import InterfaceError, OperationalError
from django.utils import timezone

from exams.models import Job
from irexam.errors import ApplicationError

#: The longest error stored on a job failed by an unexpected exception.
ERROR_MAX_LENGTH = 1000
#: Exceptions after which the job goes back to PENDING for the task's retry.
TRANSIENT_ERRORS: tuple[type[Exception], ...] = (OperationalError, InterfaceError)


def job_run(
    job_id: int,
    work: Callable[[Job], dict[str, Any]],
    *,
    select_related: Iterable[str] = ("sitting",),
) -> str:
    """Claim the job, run ``work(job)`` and record DONE or FAILED; ``"done"``, ``"failed"`` or ``"skipped"``.

    ``"skipped"`` when the job is not PENDING (already claimed by another delivery, or finished).
    """
    now = timezone.now()
    if not Job.objects.filter(pk=job_id, status=Job.Status.PENDING).update(
        status=Job.Status.RUNNING, started_at=now, heartbeat_at=now, phase="load"
    ):
        return "skipped"
    job = Job.objects.select_related(*select_related).get(pk=job_id)
    running = Job.objects.filter(pk=job_id, status=Job.Status.RUNNING)
    try:
        result = work(job)
    except ApplicationError as exc:
        running.update(status=Job.Status.FAILED, error=str(exc.message), finished_at=timezone.now())
        return "failed"
    except TRANSIENT_ERRORS:
        running.update(status=Job.Status.PENDING, phase="")
        raise
    except Exception as exc:
        running.update(
            status=Job.Status.FAILED,
            error=f"{type(exc).__name__}: {exc}"[:ERROR_MAX_LENGTH],
            finished_at=timezone.now(),
        )
        raise
    Job.objects.filter(pk=job_id).update(
        status=Job.Status.DONE, progress=1.0, phase="done", result=result, finished_at=timezone.now()
    )
    return "done"
