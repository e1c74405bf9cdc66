"""eligibility_for: verified entries and training months against the requirements of a level."""

import datetime

import pytest
from django.utils import timezone, translation

from curriculum.models import CaseRequirement, LogbookEntry
from curriculum.selectors import eligibility_for
from tests.curriculum.helpers import log_entries, verified_period

pytestmark = pytest.mark.django_db


def qualifying_logbook(trainee, instructor, *, tace: int = 15):
    """Verified first-operator entries: 85 + ``tace`` in all; with 15 TACE every qualifying case rule is met."""
    log_entries(trainee, instructor, "TACE", tace)
    log_entries(trainee, instructor, "BIL", 8)
    log_entries(trainee, instructor, "DRN", 7)
    log_entries(trainee, instructor, "ABL", 10)
    log_entries(trainee, instructor, "PAD", 60)


def test_a_trainee_meeting_every_qualifying_rule_is_eligible(trainee, instructor, centre):
    qualifying_logbook(trainee, instructor)
    verified_period(trainee, centre, months=7, verifier=instructor)
    result = eligibility_for(trainee=trainee, level="Q")
    assert result.eligible
    assert result.unmet == []
    assert {status.code for status in result.met} == {"Q-TOTAL", "Q-TACE", "Q-DRAIN", "Q-ABL", "MONTHS"}


def test_eligibility_lists_exactly_the_missing_tace_as_first_operator(trainee, instructor, centre):
    qualifying_logbook(trainee, instructor, tace=3)
    log_entries(trainee, instructor, "PAD", 12)  # the total stays at 100
    verified_period(trainee, centre, months=7, verifier=instructor)
    result = eligibility_for(trainee=trainee, level="Q")
    assert not result.eligible
    assert [(s.code, s.have, s.need, s.missing) for s in result.unmet] == [("Q-TACE", 3, 15, 12)]
    with translation.override("en"):
        english = eligibility_for(trainee=trainee, level="Q")
    assert english.unmet[0].message == "missing 12 × TACE as operator (verified 3 of 15)"
    assert english.summary.startswith("Not yet: missing 12 × TACE as operator")
    with translation.override("zh-hans"):
        chinese = eligibility_for(trainee=trainee, level="Q")
    assert "12" in chinese.unmet[0].message and "TACE" in chinese.unmet[0].message
    assert chinese.unmet[0].message != english.unmet[0].message


def test_only_verified_entries_count(trainee, instructor, centre):
    qualifying_logbook(trainee, instructor, tace=0)
    log_entries(trainee, instructor, "TACE", 10, status=LogbookEntry.Status.PENDING)
    log_entries(trainee, instructor, "TACE", 10, status=LogbookEntry.Status.REJECTED)
    verified_period(trainee, centre, months=7, verifier=instructor)
    result = eligibility_for(trainee=trainee, level="Q")
    unmet = {status.code: status for status in result.unmet}
    assert unmet["Q-TACE"].have == 0
    assert unmet["Q-TOTAL"].have == 85


def test_assistant_entries_do_not_count_for_first_operator_rules(trainee, instructor, centre):
    qualifying_logbook(trainee, instructor, tace=0)
    log_entries(trainee, instructor, "TACE", 15, role="assistant")
    verified_period(trainee, centre, months=7, verifier=instructor)
    unmet = {status.code: status.have for status in eligibility_for(trainee=trainee, level="Q").unmet}
    assert unmet == {"Q-TOTAL": 85, "Q-TACE": 0}


def test_an_any_role_rule_counts_assistant_entries(trainee, instructor):
    log_entries(trainee, instructor, "TIPS", 5, role="assistant")
    result = eligibility_for(trainee=trainee, level="A")
    assert "A-TIPS" in {status.code for status in result.met}


def test_the_grade_filter_counts_only_level_3_or_higher(trainee, instructor):
    log_entries(trainee, instructor, "TACE", 30, grade=2)
    log_entries(trainee, instructor, "TACE", 20, grade=3)
    log_entries(trainee, instructor, "AORTA", 5, grade=4)
    statuses = {status.code: status for status in eligibility_for(trainee=trainee, level="A").requirements}
    assert statuses["A-GRADE3"].have == 25
    assert statuses["A-TACE"].have == 50


def test_unverified_or_missing_training_months_are_listed(trainee, instructor, centre):
    qualifying_logbook(trainee, instructor)
    result = eligibility_for(trainee=trainee, level="Q")
    assert [(s.code, s.have, s.need) for s in result.unmet] == [("MONTHS", 0, 6)]


def test_entries_after_the_as_of_date_are_not_counted(trainee, instructor):
    log_entries(trainee, instructor, "TACE", 15, performed_on=timezone.localdate())
    yesterday = timezone.localdate() - datetime.timedelta(days=1)
    result = eligibility_for(trainee=trainee, level="Q", as_of=yesterday)
    assert {s.code: s.have for s in result.unmet}["Q-TACE"] == 0


def test_an_inactive_requirement_is_not_checked(trainee, instructor, centre):
    qualifying_logbook(trainee, instructor, tace=0)
    log_entries(trainee, instructor, "PAD", 15)
    verified_period(trainee, centre, months=7, verifier=instructor)
    CaseRequirement.objects.filter(code="Q-TACE").update(is_active=False)
    assert eligibility_for(trainee=trainee, level="Q").eligible


def test_the_advanced_level_reports_its_certificate_prerequisite_without_checking_it(trainee):
    result = eligibility_for(trainee=trainee, level="A")
    assert result.requires_certificate_level == "Q"
    assert "A-TOTAL" in {status.code for status in result.unmet}


def test_an_unknown_level_is_refused(trainee):
    with pytest.raises(ValueError, match="Unknown exam level"):
        eligibility_for(trainee=trainee, level="X")
