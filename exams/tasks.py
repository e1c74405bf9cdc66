"""Celery tasks of the exams app (thin: they call services and are safe to run twice)."""

from __future__ import annotations

from collections.abc import Callable

from celery import shared_task

from exams.services.attempts import attempts_finalize_expired
from exams.services.practice import practice_sessions_finish_expired

#: Each run finalises at most ``FINALIZE_BATCH_SIZE * FINALIZE_MAX_BATCHES`` attempts; the next
#: run (every 30 s, see CELERY_BEAT_SCHEDULE) carries on with the rest.
FINALIZE_BATCH_SIZE = 500
FINALIZE_MAX_BATCHES = 20
#: The same for practice simulations (every 60 s).
PRACTICE_FINISH_BATCH_SIZE = 200
PRACTICE_FINISH_MAX_BATCHES = 10


@shared_task(name="exams.finalize_expired_attempts", acks_late=True, soft_time_limit=50, time_limit=60)
def finalize_expired_attempts(batch_size: int = FINALIZE_BATCH_SIZE, max_batches: int = FINALIZE_MAX_BATCHES) -> int:
    """Auto-submit attempts past their deadline (+ grace), in bounded batches. Returns how many it finalised.

    Exactly once per attempt however this races with the lazy finalisation on the next request:
    both use the same conditional update (in progress → auto-submitted).
    """
    return _in_batches(lambda: attempts_finalize_expired(batch_size=batch_size), batch_size, max_batches)


@shared_task(name="exams.finish_expired_practice_simulations", acks_late=True, soft_time_limit=50, time_limit=60)
def finish_expired_practice_simulations(
    batch_size: int = PRACTICE_FINISH_BATCH_SIZE, max_batches: int = PRACTICE_FINISH_MAX_BATCHES
) -> int:
    """Finish practice simulations past their deadline (+ grace), in bounded batches. Returns how many.

    Without it an abandoned simulation stays in progress (its misses uncounted in mastery) until
    its trainee opens practice again. Safe to run twice and to race the lazy path: finishing is a
    conditional update (in progress → finished).
    """
    return _in_batches(lambda: practice_sessions_finish_expired(limit=batch_size), batch_size, max_batches)


def _in_batches(sweep: Callable[[], int], batch_size: int, max_batches: int) -> int:
    """Run ``sweep`` (which handles at most ``batch_size`` rows) until a batch comes back short."""
    total = 0
    for _batch in range(max_batches):
        done = sweep()
        total += done
        if done < batch_size:
            break
    return total
