"""Celery tasks of the exams app (thin: they call services and are safe to run twice)."""

from __future__ import annotations

from celery import shared_task

from exams.services.attempts import attempts_finalize_expired

#: Each run finalises at most ``FINALIZE_BATCH_SIZE * FINALIZE_MAX_BATCHES`` attempts; the next
#: run (every 30 s, see CELERY_BEAT_SCHEDULE) carries on with the rest.
FINALIZE_BATCH_SIZE = 500
FINALIZE_MAX_BATCHES = 20


@shared_task(name="exams.finalize_expired_attempts", acks_late=True, soft_time_limit=50, time_limit=60)
def finalize_expired_attempts(batch_size: int = FINALIZE_BATCH_SIZE, max_batches: int = FINALIZE_MAX_BATCHES) -> int:
    """Auto-submit attempts past their deadline (+ grace), in bounded batches. Returns how many it finalised.

    Exactly once per attempt however this races with the lazy finalisation on the next request:
    both use the same conditional update (in progress → auto-submitted).
    """
    total = 0
    for _batch in range(max_batches):
        done = attempts_finalize_expired(batch_size=batch_size)
        total += done
        if done < batch_size:
            break
    return total
