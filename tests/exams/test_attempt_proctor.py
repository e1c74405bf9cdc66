"""Proctor actions on attempts: pause/resume (time stops), extensions with a reason, termination; all recorded."""

from datetime import timedelta

import pytest
from django.utils import timezone

from accounts.models import AuditEvent
from exams.models import Attempt, AttemptEvent, Registration
from exams.services.attempts import (
    attempt_extend,
    attempt_pause,
    attempt_start,
    attempt_submit,
    attempt_terminate,
    attempt_unpause,
    attempts_pause_all,
    attempts_unpause_all,
)
from irexam.errors import ApplicationError

pytestmark = pytest.mark.django_db


@pytest.fixture
def t0():
    """A whole-second "now" inside the delivery fixture's window."""
    return timezone.now().replace(microsecond=0)


@pytest.fixture
def attempt(delivery, t0):
    attempt, _ = attempt_start(registration=delivery.registration, paper=delivery.paper, now=t0)
    return attempt


def test_a_pause_stops_the_clock_and_resuming_adds_the_paused_time(attempt, proctor, t0):
    deadline = attempt.deadline_at
    attempt = attempt_pause(attempt=attempt, by=proctor, reason="fire alarm", now=t0 + timedelta(minutes=5))
    assert attempt.status == Attempt.Status.PAUSED
    left_at_pause = attempt.seconds_left(t0 + timedelta(minutes=5))
    assert left_at_pause == 55 * 60
    assert attempt.seconds_left(t0 + timedelta(minutes=15)) == left_at_pause  # frozen while paused

    attempt = attempt_unpause(attempt=attempt, by=proctor, now=t0 + timedelta(minutes=15))
    assert attempt.status == Attempt.Status.IN_PROGRESS
    assert attempt.paused_seconds == 600
    assert attempt.deadline_at == deadline + timedelta(minutes=10)
    assert attempt.seconds_left(t0 + timedelta(minutes=15)) == left_at_pause


def test_two_pauses_add_up(attempt, proctor, t0):
    deadline = attempt.deadline_at
    attempt = attempt_pause(attempt=attempt, by=proctor, now=t0 + timedelta(minutes=1))
    attempt = attempt_unpause(attempt=attempt, by=proctor, now=t0 + timedelta(minutes=4))
    attempt = attempt_pause(attempt=attempt, by=proctor, now=t0 + timedelta(minutes=10))
    attempt = attempt_unpause(attempt=attempt, by=proctor, now=t0 + timedelta(minutes=12, seconds=30))
    assert attempt.paused_seconds == 3 * 60 + 150
    assert attempt.deadline_at == deadline + timedelta(seconds=330)


def test_an_extension_moves_the_deadline_and_needs_a_reason(attempt, proctor):
    deadline = attempt.deadline_at
    with pytest.raises(ApplicationError) as exc:
        attempt_extend(attempt=attempt, by=proctor, minutes=10, reason="  ")
    assert exc.value.code == "reason_required"
    attempt = attempt_extend(attempt=attempt, by=proctor, minutes=10, reason="workstation restarted")
    assert attempt.deadline_at == deadline + timedelta(minutes=10)
    assert attempt.extension_seconds == 600


@pytest.mark.parametrize("minutes", [0, -5, 241])
def test_an_extension_is_between_1_and_240_minutes(attempt, proctor, minutes):
    with pytest.raises(ApplicationError) as exc:
        attempt_extend(attempt=attempt, by=proctor, minutes=minutes, reason="power cut")
    assert exc.value.code == "bad_minutes"


def test_the_deadline_is_start_plus_duration_accommodation_extensions_and_pauses(delivery, proctor, t0):
    Registration.objects.filter(pk=delivery.registration.pk).update(extra_time_minutes=15)
    delivery.registration.refresh_from_db()
    attempt, _ = attempt_start(registration=delivery.registration, paper=delivery.paper, now=t0)
    attempt = attempt_extend(attempt=attempt, by=proctor, minutes=5, reason="late start", now=t0)
    attempt = attempt_pause(attempt=attempt, by=proctor, now=t0 + timedelta(minutes=20))
    attempt = attempt_unpause(attempt=attempt, by=proctor, now=t0 + timedelta(minutes=27))
    expected = t0 + timedelta(minutes=60 + 15 + 5 + 7)
    assert attempt.deadline_at == expected
    assert (attempt.accommodation_seconds, attempt.extension_seconds, attempt.paused_seconds) == (900, 300, 420)


def test_termination_needs_a_reason_and_ends_the_attempt(attempt, proctor):
    with pytest.raises(ApplicationError):
        attempt_terminate(attempt=attempt, by=proctor, reason="")
    attempt = attempt_terminate(attempt=attempt, by=proctor, reason="notes found on the desk")
    assert attempt.status == Attempt.Status.TERMINATED
    assert attempt.finalized_by == "proctor"
    with pytest.raises(ApplicationError) as exc:
        attempt_extend(attempt=attempt, by=proctor, minutes=5, reason="too late")
    assert exc.value.code == "finished"


def test_a_finished_attempt_cannot_be_paused(attempt, proctor):
    attempt_submit(attempt=attempt)
    with pytest.raises(ApplicationError) as exc:
        attempt_pause(attempt=Attempt.objects.get(pk=attempt.pk), by=proctor)
    assert exc.value.code == "not_in_progress"


def test_resuming_an_attempt_that_is_not_paused_is_refused(attempt, proctor):
    with pytest.raises(ApplicationError) as exc:
        attempt_unpause(attempt=attempt, by=proctor)
    assert exc.value.code == "not_paused"


def test_every_proctor_action_is_in_the_attempt_log_and_the_audit_log(attempt, proctor):
    attempt = attempt_pause(attempt=attempt, by=proctor, reason="fire alarm", ip="10.1.1.1")
    attempt = attempt_unpause(attempt=attempt, by=proctor, reason="all clear")
    attempt = attempt_extend(attempt=attempt, by=proctor, minutes=3, reason="lost time")
    attempt_terminate(attempt=attempt, by=proctor, reason="misconduct")
    events = list(
        AttemptEvent.objects.filter(attempt=attempt, actor=proctor).order_by("at", "pk").values_list("kind", "data")
    )
    kinds = [kind for kind, _data in events]
    assert kinds == ["pause", "unpause", "extend", "terminate"]
    assert events[0][1]["reason"] == "fire alarm"
    assert events[2][1]["minutes"] == 3
    audit = set(AuditEvent.objects.filter(target_id=str(attempt.pk)).values_list("action", flat=True))
    assert audit == {"attempt.pause", "attempt.unpause", "attempt.extend", "attempt.terminate"}


def test_pausing_and_resuming_everyone_in_a_sitting(delivery, proctor, t0):
    mine, _ = attempt_start(registration=delivery.registration, paper=delivery.paper, now=t0)
    theirs, _ = attempt_start(registration=delivery.other_registration, paper=delivery.paper, now=t0)
    attempt_submit(attempt=theirs, now=t0 + timedelta(minutes=1))
    result = attempts_pause_all(
        sitting=delivery.sitting, by=proctor, reason="fire alarm", now=t0 + timedelta(minutes=2)
    )
    assert result == {"changed": 1, "skipped": 0}
    assert Attempt.objects.get(pk=mine.pk).status == Attempt.Status.PAUSED
    result = attempts_unpause_all(
        sitting=delivery.sitting, by=proctor, reason="all clear", now=t0 + timedelta(minutes=6)
    )
    assert result == {"changed": 1, "skipped": 0}
    mine.refresh_from_db()
    assert mine.deadline_at == t0 + timedelta(minutes=64)
    assert Attempt.objects.get(pk=theirs.pk).status == Attempt.Status.SUBMITTED
