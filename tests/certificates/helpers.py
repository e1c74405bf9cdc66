"""Fixtures and builders shared by the certificates' Django tests (import the fixtures you use)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from accounts.roles import Role
from certificates.models import Certificate, CertificateType, Issuer
from certificates.services import certificate_type_create, issuer_create
from exams.models import Attempt, Exam, Form, Level, Paper, Registration, Sitting
from tests.factories import UserFactory

SIGNATORIES = [{"name_zh": "李明", "name_en": "LI Ming", "title_zh": "主任委员", "title_en": "Chair"}]


def make_issuer(officer, code: str = "board") -> Issuer:
    return issuer_create(
        code=code,
        name_zh="介入放射学培训考核委员会",
        name_en="IR Training and Credentialing Board",
        signatories=SIGNATORIES,
        by=officer,
    )


def make_type(issuer: Issuer, officer, exam: Exam | None = None, **overrides) -> CertificateType:
    fields = {
        "code": "ir-q",
        "issuer": issuer,
        "level": Level.QUALIFYING,
        "title_zh": "介入放射学准入资格证书",
        "title_en": "Certificate of Qualification in Interventional Radiology",
        "serial_prefix": "IR-Q",
        "validity_months": 60,
        "cme_credits_required": 10,
        "exams": [exam] if exam else [],
        "by": officer,
    }
    fields.update(overrides)
    return certificate_type_create(**fields)


def make_sitting(officer, code: str = "q-2026", papers: int = 1) -> Sitting:
    exam, _created = Exam.objects.get_or_create(
        code=f"exam-{code}",
        defaults={
            "title_zh": "准入考试",
            "title_en": "Qualifying exam",
            "level": Level.QUALIFYING,
            "created_by": officer,
        },
    )
    for number in range(1, papers + 1):
        Paper.objects.get_or_create(
            exam=exam, number=number, defaults={"title_zh": f"第{number}卷", "duration_minutes": 60, "item_count": 1}
        )
    now = timezone.now()
    sitting = Sitting.objects.create(
        exam=exam,
        code=code,
        opens_at=now - timedelta(days=2),
        closes_at=now - timedelta(days=1),
        status=Sitting.Status.RELEASED,
        created_by=officer,
        released_at=now,
        released_by=officer,
    )
    for paper in exam.papers.all():
        Form.objects.create(sitting=sitting, paper=paper, label="A")
    return sitting


def make_attempt(sitting: Sitting, candidate, officer, passed: bool | None = True) -> Attempt:
    """One finished, scored attempt per paper of the sitting; returns the first paper's attempt."""
    registration = Registration.objects.create(sitting=sitting, candidate=candidate, registered_by=officer)
    now = timezone.now()
    first = None
    for form in Form.objects.filter(sitting=sitting).select_related("paper").order_by("paper__number"):
        attempt = Attempt.objects.create(
            registration=registration,
            paper=form.paper,
            form=form,
            candidate=candidate,
            status=Attempt.Status.SUBMITTED,
            started_at=now - timedelta(days=1, hours=1),
            deadline_at=now - timedelta(days=1),
            submitted_at=now - timedelta(days=1),
            passed=passed,
            scaled_score=350 if passed else 250,
        )
        first = first or attempt
    return first


@pytest.fixture
def issuer(officer):
    return make_issuer(officer)


@pytest.fixture
def sitting(officer):
    return make_sitting(officer)


@pytest.fixture
def cert_type(issuer, officer, sitting):
    return make_type(issuer, officer, exam=sitting.exam)


@pytest.fixture
def passing_attempt(sitting, trainee, officer):
    return make_attempt(sitting, trainee, officer)


@pytest.fixture
def certificate(cert_type, passing_attempt, django_capture_on_commit_callbacks) -> Certificate:
    """An issued certificate whose PDF and credential have been rendered (on-commit tasks run)."""
    from certificates.services import certificate_issue

    with django_capture_on_commit_callbacks(execute=True):
        issued = certificate_issue(attempt=passing_attempt)
    issued.refresh_from_db()
    return issued


@pytest.fixture
def someone(db):
    return UserFactory(username="someone", roles=[Role.TRAINEE], display_name_zh="王芳", display_name_en="Wang Fang")
