"""Submission and auto-submission: exactly once, lazily on the next access or by the periodic sweep."""

import threading
from datetime import timedelta

import pytest
from django.db import connection
from django.urls import reverse
from django.utils import timezone

from exams.models import Attempt, AttemptEvent, Registration
from exams.services.attempts import (
    attempt_finalize_if_due,
    attempt_pause,
    attempt_start,
    attempt_submit,
    attempts_finalize_expired,
)
from exams.tasks import finalize_expired_attempts
from tests.factories import UserFactory


def expire(attempt, seconds_ago=60):
    """Move the attempt's deadline into the past (beyond the sitting's 30 s grace by default)."""
    Attempt.objects.filter(pk=attempt.pk).update(deadline_at=timezone.now() - timedelta(seconds=seconds_ago))
    attempt.refresh_from_db()
    return attempt


def auto_submit_events(attempt):
    return AttemptEvent.objects.filter(attempt=attempt, kind=AttemptEvent.Kind.AUTO_SUBMIT).count()


@pytest.fixture
def attempt(delivery):
    attempt, _ = attempt_start(registration=delivery.registration, paper=delivery.paper)
    return attempt


@pytest.mark.django_db
def test_the_candidate_submits_and_the_attempt_is_final(attempt):
    attempt = attempt_submit(attempt=attempt, ip="10.0.0.9")
    assert attempt.status == Attempt.Status.SUBMITTED
    assert attempt.finalized_by == "candidate"
    assert attempt.submitted_at is not None
    assert AttemptEvent.objects.filter(attempt=attempt, kind=AttemptEvent.Kind.SUBMIT).count() == 1


@pytest.mark.django_db
def test_submitting_twice_records_one_submission(attempt):
    attempt_submit(attempt=attempt)
    first_time = Attempt.objects.get(pk=attempt.pk).submitted_at
    attempt_submit(attempt=Attempt.objects.get(pk=attempt.pk))
    assert Attempt.objects.get(pk=attempt.pk).submitted_at == first_time
    assert AttemptEvent.objects.filter(attempt=attempt, kind=AttemptEvent.Kind.SUBMIT).count() == 1


@pytest.mark.django_db
def test_a_submit_after_the_deadline_and_grace_becomes_the_auto_submission(attempt):
    attempt = attempt_submit(attempt=expire(attempt))
    assert attempt.status == Attempt.Status.AUTO_SUBMITTED
    assert attempt.submitted_at == attempt.deadline_at
    assert not AttemptEvent.objects.filter(attempt=attempt, kind=AttemptEvent.Kind.SUBMIT).exists()


@pytest.mark.django_db
def test_reading_the_state_past_the_deadline_auto_submits_lazily(attempt, client_as, trainee):
    expire(attempt)
    response = client_as(trainee).get(reverse("api:attempt_detail", args=[attempt.pk]))
    assert response.status_code == 200
    assert response.json()["status"] == "auto_submitted"
    attempt.refresh_from_db()
    assert attempt.status == Attempt.Status.AUTO_SUBMITTED
    assert attempt.finalized_by == "lazy"
    assert attempt.submitted_at == attempt.deadline_at  # the time of record is the deadline, not the access
    assert auto_submit_events(attempt) == 1


@pytest.mark.django_db
def test_within_the_grace_the_attempt_is_not_yet_finalised(attempt):
    expire(attempt, seconds_ago=10)
    assert attempt_finalize_if_due(attempt) is False
    assert attempts_finalize_expired() == 0
    attempt.refresh_from_db()
    assert attempt.status == Attempt.Status.IN_PROGRESS


@pytest.mark.django_db
def test_the_sweep_finalises_expired_attempts_once(delivery, attempt):
    other, _ = attempt_start(registration=delivery.other_registration, paper=delivery.paper)
    expire(attempt)
    assert attempts_finalize_expired() == 1
    assert attempts_finalize_expired() == 0
    attempt.refresh_from_db()
    other.refresh_from_db()
    assert attempt.status == Attempt.Status.AUTO_SUBMITTED
    assert attempt.finalized_by == "sweep"
    assert other.status == Attempt.Status.IN_PROGRESS
    assert auto_submit_events(attempt) == 1


@pytest.mark.django_db
def test_lazy_and_sweep_one_after_the_other_finalise_once(attempt):
    expire(attempt)
    assert attempt_finalize_if_due(Attempt.objects.get(pk=attempt.pk)) is True
    assert attempts_finalize_expired() == 0
    assert attempt_finalize_if_due(Attempt.objects.get(pk=attempt.pk)) is True
    assert auto_submit_events(attempt) == 1


@pytest.mark.django_db
def test_a_paused_attempt_is_not_auto_submitted(attempt, proctor):
    attempt_pause(attempt=attempt, by=proctor, reason="candidate unwell")
    expire(attempt)
    assert attempts_finalize_expired() == 0
    assert attempt_finalize_if_due(attempt) is False
    assert Attempt.objects.get(pk=attempt.pk).status == Attempt.Status.PAUSED


@pytest.mark.django_db
def test_the_beat_task_finalises_in_bounded_batches(delivery, officer):
    attempts = []
    for n in range(5):
        candidate = UserFactory(username=f"batch{n}")
        registration = Registration.objects.create(sitting=delivery.sitting, candidate=candidate, registered_by=officer)
        attempts.append(expire(attempt_start(registration=registration, paper=delivery.paper)[0]))
    assert finalize_expired_attempts.delay(batch_size=2, max_batches=2).get() == 4  # two batches of two
    assert finalize_expired_attempts.delay(batch_size=2, max_batches=2).get() == 1  # the rest
    assert Attempt.objects.filter(status=Attempt.Status.AUTO_SUBMITTED).count() == 5


@pytest.mark.django_db
def test_the_beat_schedule_entry_names_the_task():
    # The lead adds this entry to CELERY_BEAT_SCHEDULE; the task name must stay stable.
    assert finalize_expired_attempts.name == "exams.finalize_expired_attempts"


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_lazy_and_sweep_racing_on_postgresql_auto_submit_exactly_once(delivery, officer):
    """Many threads, each on its own connection, finalise the same expired attempts at once."""
    attempts = []
    for n in range(6):
        candidate = UserFactory(username=f"race{n}")
        registration = Registration.objects.create(sitting=delivery.sitting, candidate=candidate, registered_by=officer)
        attempts.append(expire(attempt_start(registration=registration, paper=delivery.paper)[0]))
    ids = [a.pk for a in attempts]
    workers = 8
    barrier = threading.Barrier(workers)
    sweep_counts: list[int] = []
    errors: list[BaseException] = []

    def lazy() -> None:
        try:
            barrier.wait()
            for pk in ids:
                attempt_finalize_if_due(Attempt.objects.get(pk=pk), grace_seconds=30)
        except BaseException as exc:  # noqa: BLE001 - reported to the main thread
            errors.append(exc)
        finally:
            connection.close()

    def sweep() -> None:
        try:
            barrier.wait()
            sweep_counts.append(attempts_finalize_expired())
        except BaseException as exc:  # noqa: BLE001
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=lazy if i % 2 else sweep) for i in range(workers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not errors, errors
    for pk in ids:
        attempt = Attempt.objects.get(pk=pk)
        assert attempt.status == Attempt.Status.AUTO_SUBMITTED
        assert attempt.submitted_at == attempt.deadline_at
        assert AttemptEvent.objects.filter(attempt_id=pk, kind=AttemptEvent.Kind.AUTO_SUBMIT).count() == 1
    swept = sum(sweep_counts)
    by_sweep = Attempt.objects.filter(pk__in=ids, finalized_by="sweep").count()
    assert swept == by_sweep  # each sweep counts only what it finalised itself
