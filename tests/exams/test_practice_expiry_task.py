"""The beat task that finishes overdue practice simulations (exams.tasks, docs/practice.md)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.conf import settings
from django.utils import timezone

from exams.models import PracticeItem, PracticeSession
from exams.services.practice import (
    _finish_claim,
    practice_session_finish,
    practice_session_start,
    practice_sessions_finish_expired,
)
from exams.tasks import finish_expired_practice_simulations
from tests.exams.practice_data import make_item
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def _simulation(trainee, started_ago: timedelta) -> PracticeSession:
    return practice_session_start(trainee=trainee, mode="simulation", count=1, now=timezone.now() - started_ago)


def test_the_beat_task_finishes_overdue_simulations_in_bounded_batches(trainee, other_trainee):
    make_item(n=1)
    overdue = [_simulation(UserFactory(username=f"sim{n}"), timedelta(hours=2)) for n in range(3)]
    running = _simulation(trainee, timedelta(seconds=0))  # deadline still ahead
    tutor = practice_session_start(trainee=other_trainee, mode="tutor", count=1)  # no deadline

    assert finish_expired_practice_simulations.delay(batch_size=1, max_batches=2).get() == 2  # two batches of one
    assert finish_expired_practice_simulations.delay(batch_size=1, max_batches=2).get() == 1  # the rest
    assert finish_expired_practice_simulations.delay().get() == 0  # idempotent

    for session in overdue:
        session.refresh_from_db()
        assert session.is_finished and session.stop_reason == "time_up"
        assert PracticeItem.objects.get(session=session).correct is False  # the unanswered item is missed
    assert PracticeSession.objects.get(pk=running.pk).status == PracticeSession.Status.IN_PROGRESS
    assert PracticeSession.objects.get(pk=tutor.pk).status == PracticeSession.Status.IN_PROGRESS


def test_a_session_finished_first_elsewhere_is_not_counted_or_finished_again(trainee):
    make_item(n=1)
    session = _simulation(trainee, timedelta(hours=2))
    practice_session_finish(session=session, reason="finished")  # the trainee pressed finish
    stale = PracticeSession.objects.get(pk=session.pk)
    stale.status = PracticeSession.Status.IN_PROGRESS  # as the sweep read it, before that finish
    assert _finish_claim(session=stale, now=timezone.now(), reason="time_up") is False
    assert practice_sessions_finish_expired() == 0
    assert PracticeSession.objects.get(pk=session.pk).stop_reason == "finished"


def test_the_task_is_in_the_beat_schedule():
    entries = [
        entry
        for entry in settings.CELERY_BEAT_SCHEDULE.values()
        if entry["task"] == "exams.finish_expired_practice_simulations"
    ]
    assert entries and finish_expired_practice_simulations.name == "exams.finish_expired_practice_simulations"
    assert entries[0]["schedule"] <= 60
