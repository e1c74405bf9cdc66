"""Renewal per the type's rule (CME credits or a recertification exam), reminders, CME verification."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.core import mail
from django.utils import timezone, translation

from certificates.models import Certificate, CertificateType
from certificates.services import (
    certificate_renew,
    cme_credit_add,
    cme_credit_verify,
    renewal_check,
    renewal_reminders_send,
)
from irexam.errors import ApplicationError, ConflictError
from tests.certificates.helpers import *  # noqa: F403 - fixtures
from tests.certificates.helpers import make_attempt, make_sitting, make_type


def _near_expiry(certificate, days=30):
    until = timezone.localdate() + timedelta(days=days)
    Certificate.objects.filter(pk=certificate.pk).update(valid_until=until, valid_from=until - timedelta(days=1826))
    certificate.refresh_from_db()
    return certificate


def _credits(holder, officer, amount, day):
    credit = cme_credit_add(holder=holder, credits=Decimal(amount), activity="IR congress", date=day)
    return cme_credit_verify(credit=credit, by=officer)


def test_renewal_is_refused_before_the_window_opens(certificate, trainee):
    check = renewal_check(certificate)
    opens = certificate.valid_until - timedelta(days=180)
    assert not check.ok and opens.isoformat() in check.message
    with pytest.raises(ConflictError):
        certificate_renew(certificate=certificate, by=trainee)


def test_cme_renewal_counts_only_verified_credits_within_the_period(certificate, trainee, officer):
    certificate = _near_expiry(certificate)
    today = timezone.localdate()
    cme_credit_add(holder=trainee, credits=Decimal(8), activity="unverified course", date=today)
    _credits(trainee, officer, 6, today - timedelta(days=10))
    _credits(trainee, officer, 9, certificate.valid_from - timedelta(days=5))  # before the period: does not count
    check = renewal_check(certificate)
    assert not check.ok and "10" in check.message and "6" in check.message  # needed and held, in any language
    _credits(trainee, officer, 4, today - timedelta(days=3))
    assert renewal_check(certificate).ok
    new = certificate_renew(certificate=certificate, by=trainee)
    certificate.refresh_from_db()
    assert certificate.status == Certificate.Status.SUPERSEDED and new.supersedes_id == certificate.pk
    assert new.valid_from == certificate.valid_until + timedelta(days=1)
    assert new.valid_until.year == new.valid_from.year + 5


def test_exam_renewal_needs_a_pass_of_the_recert_exam_after_issue(issuer, officer, trainee):
    from certificates.services import certificate_issue

    first = make_sitting(officer, code="first")
    recert = make_sitting(officer, code="recert")
    make_type(
        issuer,
        officer,
        exam=first.exam,
        code="exam-rule",
        renewal_rule=CertificateType.RenewalRule.EXAM,
        recert_exam=recert.exam,
        cme_credits_required=0,
    )
    certificate = _near_expiry(certificate_issue(attempt=make_attempt(first, trainee, officer)))
    with translation.override("en"):
        assert "recertification exam" in renewal_check(certificate).message
    attempt = make_attempt(recert, trainee, officer)
    assert not renewal_check(certificate).ok  # the recert attempt was submitted before this certificate
    type(attempt).objects.filter(pk=attempt.pk).update(submitted_at=timezone.now() + timedelta(seconds=1))
    assert renewal_check(certificate).ok
    assert certificate_renew(certificate=certificate, by=trainee).type.code == "exam-rule"


def test_a_type_needs_a_complete_renewal_rule(issuer, officer):
    for overrides in ({"cme_credits_required": 0}, {"renewal_rule": "exam"}):
        with pytest.raises(ApplicationError) as refused:
            make_type(issuer, officer, code="bad", **overrides)
        assert refused.value.code == "bad_rule"


def test_reminders_go_once_before_expiry(certificate, trainee):
    mail.outbox.clear()
    assert renewal_reminders_send(days_before=90) == 0  # five years away
    _near_expiry(certificate, days=60)
    assert renewal_reminders_send(days_before=90) == 1
    assert renewal_reminders_send(days_before=90) == 0


def test_reminder_emails_are_sent_after_commit(certificate, django_capture_on_commit_callbacks):
    mail.outbox.clear()
    _near_expiry(certificate, days=10)
    with django_capture_on_commit_callbacks(execute=True):
        renewal_reminders_send()
    assert len(mail.outbox) == 1 and "expires" in mail.outbox[0].subject


def test_nobody_verifies_their_own_credits(officer):
    credit = cme_credit_add(holder=officer, credits=Decimal(2), activity="webinar", date=timezone.localdate())
    with pytest.raises(ApplicationError):
        cme_credit_verify(credit=credit, by=officer)


def test_credits_must_be_plausible(trainee):
    with pytest.raises(ApplicationError):
        cme_credit_add(holder=trainee, credits=Decimal(0), activity="x", date=timezone.localdate())
    with pytest.raises(ApplicationError):
        cme_credit_add(holder=trainee, credits=Decimal(1), activity="x", date=timezone.localdate() + timedelta(days=1))
