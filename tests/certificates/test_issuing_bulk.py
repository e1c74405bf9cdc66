"""Issuing a sitting's certificates in bulk gives the same rows as one by one: consecutive serials,
distinct status indexes (rolling over to a new list), one chained audit record each, rendering
queued in chunks, and the one-by-one path when an attempt must be refused or was raced."""

from __future__ import annotations

import pytest
from django.utils import timezone

from accounts.audit import audit_verify_chain
from accounts.models import AuditEvent
from certificates.models import Certificate, StatusList
from certificates.services import certificates_issue_for_sitting
from certificates.services import issuing as issuing_module
from exams.models import CandidateResult
from irexam.errors import ApplicationError
from tests.certificates.helpers import *  # noqa: F403 - fixtures
from tests.certificates.helpers import make_attempt
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def _candidates(n):
    return [UserFactory() for _ in range(n)]


def test_a_batch_gets_consecutive_serials_distinct_indexes_and_chained_audit_records(
    cert_type, sitting, officer, django_capture_on_commit_callbacks
):
    for candidate in _candidates(5):
        make_attempt(sitting, candidate, officer)
    with django_capture_on_commit_callbacks() as callbacks:
        result = certificates_issue_for_sitting(sitting=sitting)
    assert result == {"passing": 5, "already_issued": 0, "issued": 5}
    certificates = list(Certificate.objects.order_by("serial"))
    assert [int(c.serial[-6:]) for c in certificates] == [1, 2, 3, 4, 5]
    assert sorted(c.status_index for c in certificates) == [0, 1, 2, 3, 4]
    assert all(c.holder_name_zh for c in certificates)
    assert AuditEvent.objects.filter(action="certificates.issue").count() == 5
    assert audit_verify_chain().ok
    assert len(callbacks) == 1  # rendering queued once, after commit


def test_the_rendering_is_queued_in_chunks(monkeypatch):
    queued = []
    monkeypatch.setattr("certificates.tasks.render_certificates.delay", queued.append)
    issuing_module._enqueue_render(list(range(1, issuing_module.RENDER_CHUNK * 2 + 2)))
    assert [len(chunk) for chunk in queued] == [issuing_module.RENDER_CHUNK, issuing_module.RENDER_CHUNK, 1]


def test_a_full_status_list_rolls_over_to_a_new_one_within_a_batch(cert_type, sitting, officer, issuer):
    for candidate in _candidates(4):
        make_attempt(sitting, candidate, officer)
    current = StatusList.objects.filter(issuer=issuer, purpose=StatusList.Purpose.REVOCATION).get()
    StatusList.objects.filter(pk=current.pk).update(next_index=current.size - 2)
    certificates_issue_for_sitting(sitting=sitting)
    used = sorted((c.status_list.sequence, c.status_index) for c in Certificate.objects.select_related("status_list"))
    assert used == [(1, current.size - 2), (1, current.size - 1), (2, 0), (2, 1)]


def test_an_attempt_that_cannot_be_certified_is_refused_with_its_message(cert_type, sitting, officer, trainee):
    attempt = make_attempt(sitting, trainee, officer)
    attempt.passed = None  # the sitting's result says passed, the attempt itself was never scored
    attempt.save(update_fields=["passed"])
    CandidateResult.objects.update_or_create(
        registration=attempt.registration,
        defaults={
            "sitting": sitting,
            "passed": True,
            "raw_score": 80,
            "max_score": 100,
            "percent": 80,
            "computed_at": timezone.now(),
        },
    )
    with pytest.raises(ApplicationError) as refused:
        certificates_issue_for_sitting(sitting=sitting)
    assert refused.value.code == "not_passed"
    assert not Certificate.objects.exists()


def test_a_render_chunk_loads_what_its_certificates_share_once(
    cert_type, sitting, officer, django_capture_on_commit_callbacks, django_assert_max_num_queries, monkeypatch
):
    """Per certificate: its claim, its save and the e-mail claim (in a transaction: two savepoint
    statements here); the rows, scope areas and the issuer's key are loaded once per chunk (they
    were loaded per certificate: 54 queries for these 6)."""
    from certificates.services import certificates_render

    monkeypatch.setattr("certificates.tasks.render_certificates.delay", lambda ids: None)
    monkeypatch.setattr("certificates.services.notifications._enqueue", lambda pk, kind: None)
    for candidate in _candidates(6):
        make_attempt(sitting, candidate, officer)
    with django_capture_on_commit_callbacks(execute=True):
        certificates_issue_for_sitting(sitting=sitting)
    ids = list(Certificate.objects.order_by("pk").values_list("pk", flat=True))
    assert Certificate.objects.filter(render_status=Certificate.Render.PENDING).count() == 6
    with django_assert_max_num_queries(5 * 6 + 6):
        assert certificates_render(ids) == {"done": 6}
    assert certificates_render(ids) == {"skipped": 6}  # claimed: a second delivery renders nothing
    done = Certificate.objects.filter(render_status=Certificate.Render.DONE)
    assert done.count() == 6 and all(c.credential["proof"] and c.pdf for c in done)
