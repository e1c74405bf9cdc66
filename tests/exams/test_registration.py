"""Registration: eligibility reasons, certificate prerequisite, attempt limit, waiting period, overrides, CSV."""

from __future__ import annotations

import datetime

import pytest
from django.utils import timezone, translation

from accounts.models import AuditEvent
from accounts.roles import Role
from curriculum.models import CaseRequirement, LevelRule, LogbookEntry, TechniqueArea
from exams import registry
from exams.models import Attempt, Exam, Form, Paper, Registration, Sitting
from exams.services.registration import (
    registration_check,
    registration_create,
    registration_csv_template,
    registration_update_accommodations,
    registration_withdraw,
    registrations_import_csv,
)
from irexam.errors import ApplicationError, ConflictError
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _english(settings):
    """Messages are checked in English (the source language)."""
    settings.LANGUAGE_CODE = "en"
    with translation.override("en"):
        yield


@pytest.fixture
def no_curriculum_rules(db, monkeypatch):
    """Start from a curriculum without case or training-time rules and without certificate checkers."""
    CaseRequirement.objects.update(is_active=False)
    LevelRule.objects.update(min_months=0, requires_certificate_level="")
    monkeypatch.setattr(registry, "_CERTIFICATE_CHECKERS", [])


def make_exam(officer, **kw) -> Exam:
    defaults = {"code": "qual", "title_zh": "准入考试", "level": "Q", "created_by": officer}
    defaults.update(kw)
    exam = Exam.objects.create(**defaults)
    Paper.objects.create(exam=exam, number=1, title_zh="第一部分", duration_minutes=150, item_count=2)
    return exam


def make_sitting(exam, officer, code="s1", **kw) -> Sitting:
    now = timezone.now()
    defaults = {"opens_at": now - datetime.timedelta(hours=1), "closes_at": now + datetime.timedelta(days=1)}
    defaults.update(kw)
    return Sitting.objects.create(exam=exam, code=code, created_by=officer, **defaults)


def finished_attempt(sitting, candidate, officer, *, passed, days_ago) -> Attempt:
    registration = Registration.objects.create(sitting=sitting, candidate=candidate, registered_by=officer)
    paper = sitting.exam.papers.first()
    form = Form.objects.get_or_create(sitting=sitting, paper=paper, label="A")[0]
    at = timezone.now() - datetime.timedelta(days=days_ago)
    return Attempt.objects.create(
        registration=registration,
        paper=paper,
        form=form,
        candidate=candidate,
        status=Attempt.Status.SUBMITTED,
        started_at=at - datetime.timedelta(hours=2),
        deadline_at=at,
        submitted_at=at,
        passed=passed,
    )


def test_an_eligible_candidate_is_registered_with_the_check_stored(no_curriculum_rules, officer, trainee):
    sitting = make_sitting(make_exam(officer), officer)
    registration = registration_create(sitting=sitting, candidate=trainee, by=officer, extra_time_percent=25)
    assert registration.eligibility["eligible"] is True
    assert registration.eligibility["reasons"] == []
    assert registration.override_reason == "" and registration.extra_time_percent == 25
    assert AuditEvent.objects.filter(action="exam.registration.create", target_id=str(registration.pk)).exists()


def test_missing_cases_are_named_exactly(no_curriculum_rules, officer, trainee, instructor):
    requirement = CaseRequirement.objects.create(
        code="T-TACE",
        level="Q",
        label_zh="TACE 术者",
        label_en="TACE as first operator",
        role="first_operator",
        min_count=3,
    )
    requirement.areas.set([TechniqueArea.objects.get(code="TACE")])
    for _ in range(2):
        LogbookEntry.objects.create(
            trainee=trainee,
            performed_on=timezone.localdate() - datetime.timedelta(days=10),
            area=TechniqueArea.objects.get(code="TACE"),
            grade=2,
            role="first_operator",
            supervisor=instructor,
            status=LogbookEntry.Status.VERIFIED,
        )
    exam = make_exam(officer)
    check = registration_check(candidate=trainee, exam=exam)
    assert not check.eligible
    (reason,) = check.reasons
    assert reason.code == "requirement:T-TACE"
    assert "missing 1" in reason.message and "verified 2 of 3" in reason.message


def test_an_ineligible_candidate_is_refused_with_the_reasons(no_curriculum_rules, officer, trainee):
    LevelRule.objects.update_or_create(level="Q", defaults={"min_months": 6})
    sitting = make_sitting(make_exam(officer), officer)
    with pytest.raises(ApplicationError) as refused:
        registration_create(sitting=sitting, candidate=trainee, by=officer)
    assert refused.value.code == "ineligible"
    assert "missing 6 months of supervised training" in str(refused.value.message)
    assert refused.value.extra["reasons"][0]["code"] == "requirement:MONTHS"
    assert not Registration.objects.exists()


def test_an_override_registers_an_ineligible_candidate_and_is_recorded(no_curriculum_rules, officer, trainee):
    LevelRule.objects.update_or_create(level="Q", defaults={"min_months": 6})
    sitting = make_sitting(make_exam(officer), officer)
    registration = registration_create(
        sitting=sitting, candidate=trainee, by=officer, override_reason="Training abroad recognised by the board"
    )
    assert registration.override_reason == "Training abroad recognised by the board"
    assert registration.override_by == officer
    assert registration.eligibility["eligible"] is False and registration.eligibility["override"] is True
    event = AuditEvent.objects.get(action="exam.registration.override")
    assert event.data["reasons_overridden"][0]["code"] == "requirement:MONTHS"
    assert event.actor == officer


def test_the_certificate_prerequisite_is_not_met_without_a_certificate_register(no_curriculum_rules, officer, trainee):
    exam = make_exam(officer, code="adv", level="A", requires_certificate_level="Q")
    check = registration_check(candidate=trainee, exam=exam)
    assert [r.code for r in check.reasons] == ["certificate_unverifiable"]
    assert "cannot be checked" in check.reasons[0].message


def test_the_certificate_prerequisite_asks_the_registered_checker(no_curriculum_rules, officer, trainee, other_trainee):
    exam = make_exam(officer, code="adv", level="A", requires_certificate_level="Q")

    def holds(candidate, level):
        return level == "Q" and candidate.username == "trainee"

    registry.register_certificate_checker(holds)
    try:
        assert registration_check(candidate=trainee, exam=exam).eligible
        (reason,) = registration_check(candidate=other_trainee, exam=exam).reasons
        assert reason.code == "certificate_missing"
    finally:
        registry.unregister_certificate_checker(holds)


def test_the_curriculum_level_rule_can_require_the_certificate(no_curriculum_rules, officer, trainee):
    LevelRule.objects.update_or_create(level="A", defaults={"requires_certificate_level": "Q"})
    exam = make_exam(officer, code="adv", level="A")
    assert [r.code for r in registration_check(candidate=trainee, exam=exam).reasons] == ["certificate_unverifiable"]


def test_the_attempt_limit_counts_finalized_sittings_within_the_period(no_curriculum_rules, officer, trainee):
    exam = make_exam(officer, max_attempts=2, attempts_period_days=365, retake_wait_days=0)
    finished_attempt(make_sitting(exam, officer, "old"), trainee, officer, passed=False, days_ago=400)
    finished_attempt(make_sitting(exam, officer, "s-a"), trainee, officer, passed=False, days_ago=200)
    assert registration_check(candidate=trainee, exam=exam).eligible  # the 400-day-old attempt is outside
    finished_attempt(make_sitting(exam, officer, "s-b"), trainee, officer, passed=False, days_ago=100)
    (reason,) = registration_check(candidate=trainee, exam=exam).reasons
    assert reason.code == "attempt_limit"
    assert "2 attempts" in reason.message and "365 days" in reason.message


def test_the_waiting_period_after_a_fail_gives_the_first_possible_date(no_curriculum_rules, officer, trainee):
    exam = make_exam(officer, retake_wait_days=90)
    attempt = finished_attempt(make_sitting(exam, officer, "s-a"), trainee, officer, passed=False, days_ago=30)
    (reason,) = registration_check(candidate=trainee, exam=exam).reasons
    assert reason.code == "waiting_period"
    earliest = timezone.localdate(attempt.submitted_at + datetime.timedelta(days=90)).isoformat()
    assert earliest in reason.message


def test_a_passed_attempt_starts_no_waiting_period(no_curriculum_rules, officer, trainee):
    exam = make_exam(officer, retake_wait_days=90)
    finished_attempt(make_sitting(exam, officer, "s-a"), trainee, officer, passed=True, days_ago=30)
    assert registration_check(candidate=trainee, exam=exam).eligible


def test_a_candidate_cannot_be_registered_twice_but_can_again_after_withdrawing(no_curriculum_rules, officer, trainee):
    sitting = make_sitting(make_exam(officer), officer)
    registration = registration_create(sitting=sitting, candidate=trainee, by=officer)
    with pytest.raises(ConflictError):
        registration_create(sitting=sitting, candidate=trainee, by=officer)
    registration_withdraw(registration=registration, by=officer, reason="ill")
    again = registration_create(sitting=sitting, candidate=trainee, by=officer)
    assert again.pk == registration.pk and again.status == Registration.Status.REGISTERED


def test_only_officers_register(no_curriculum_rules, officer, trainee, proctor):
    sitting = make_sitting(make_exam(officer), officer)
    with pytest.raises(ApplicationError) as refused:
        registration_create(sitting=sitting, candidate=trainee, by=proctor)
    assert refused.value.status_code == 403


def test_accommodations_are_validated_and_frozen_once_started(no_curriculum_rules, officer, trainee):
    sitting = make_sitting(make_exam(officer), officer)
    registration = registration_create(sitting=sitting, candidate=trainee, by=officer)
    with pytest.raises(ApplicationError, match="percent"):
        registration_update_accommodations(registration=registration, by=officer, extra_time_percent=500)
    registration_update_accommodations(
        registration=registration, by=officer, extra_time_minutes=20, separate_breaks=True
    )
    registration.refresh_from_db()
    assert registration.extra_time_minutes == 20 and registration.separate_breaks
    paper = sitting.exam.papers.get()
    assert registration.accommodation_for(paper) == datetime.timedelta(minutes=20)


def test_the_csv_template_names_every_column():
    header = registration_csv_template().splitlines()[0]
    assert header.split(",") == [
        "username",
        "licence_number",
        "extra_time_minutes",
        "extra_time_percent",
        "separate_breaks",
        "accommodation_note",
        "override_reason",
    ]


def test_a_csv_import_registers_everyone_by_username_or_licence(no_curriculum_rules, officer, trainee):
    UserFactory(username="wang", licence_number="110000000001", roles=[Role.TRAINEE])
    sitting = make_sitting(make_exam(officer), officer)
    data = b"username,licence_number,extra_time_minutes,separate_breaks\ntrainee,,15,yes\n,110000000001,,no\n"
    created = registrations_import_csv(sitting=sitting, data=data, by=officer)
    assert sorted(r.candidate.username for r in created) == ["trainee", "wang"]
    mine = Registration.objects.get(candidate=trainee)
    assert mine.extra_time_minutes == 15 and mine.separate_breaks


def test_a_csv_import_with_any_bad_row_registers_nobody_and_lists_row_errors(no_curriculum_rules, officer, trainee):
    LevelRule.objects.update_or_create(level="Q", defaults={"min_months": 6})
    UserFactory(username="wang", roles=[Role.TRAINEE])
    sitting = make_sitting(make_exam(officer), officer)
    data = (
        b"username,extra_time_percent,override_reason\n"
        b"wang,,Recognised training abroad\n"  # fine: ineligible but overridden
        b"trainee,,\n"  # ineligible, no override
        b"nobody,,\n"  # unknown user
        b"wang,abc,\n"  # bad number and a repeat
    )
    with pytest.raises(ApplicationError) as refused:
        registrations_import_csv(sitting=sitting, data=data, by=officer)
    assert refused.value.code == "csv_errors"
    rows = {row["line"]: row["errors"] for row in refused.value.extra["rows"]}
    assert set(rows) == {3, 4, 5}
    assert "Not eligible" in rows[3][0]
    assert "No user nobody" in rows[4][0]
    assert any("whole number" in e for e in rows[5]) and any("Same candidate as line 2" in e for e in rows[5])
    assert not Registration.objects.exists()


def test_a_csv_without_a_candidate_column_is_refused(officer, trainee):
    sitting = make_sitting(make_exam(officer), officer)
    with pytest.raises(ApplicationError, match="username or licence_number"):
        registrations_import_csv(sitting=sitting, data=b"name\nfoo\n", by=officer)


def test_a_gb18030_csv_is_read(no_curriculum_rules, officer, trainee):
    sitting = make_sitting(make_exam(officer), officer)
    data = "username,accommodation_note\ntrainee,单独休息室\n".encode("gb18030")
    (registration,) = registrations_import_csv(sitting=sitting, data=data, by=officer)
    assert registration.accommodation_note == "单独休息室"
