"""Issuing: one certificate per passing attempt however often it runs; serials; files; e-mail; audit."""

import io

import pytest
from django.core import mail
from pypdf import PdfReader

from accounts.models import AuditEvent
from certificates import openbadges, pdf
from certificates.models import Certificate, CertificateType, SerialCounter
from certificates.services import (
    certificate_issue,
    certificate_issue_manual,
    certificate_reissue,
    certificates_issue_for_sitting,
    issuing_job_start,
)
from certificates.services.issuing import add_months, validity_end
from certificates.tasks import issue_for_sitting, render_certificates
from exams.models import Job
from irexam.errors import ApplicationError
from tests.certificates.helpers import *  # noqa: F403 - fixtures
from tests.certificates.helpers import make_attempt, make_sitting, make_type

HAS_CJK_TTF = pdf.find_cjk_font()[0] is not None


def test_issuing_twice_yields_one_certificate(cert_type, passing_attempt):
    first = certificate_issue(attempt=passing_attempt)
    second = certificate_issue(attempt=passing_attempt)
    assert first.pk == second.pk
    assert Certificate.objects.filter(attempt=passing_attempt).count() == 1


def test_the_issuing_task_run_twice_yields_one_certificate_each_and_no_serial_gap(
    cert_type, sitting, officer, trainee, other_trainee, someone, django_capture_on_commit_callbacks
):
    for candidate in (trainee, other_trainee, someone):
        make_attempt(sitting, candidate, officer)
    job = Job.objects.create(kind="certificates_issue", sitting=sitting)
    with django_capture_on_commit_callbacks(execute=True):
        assert issue_for_sitting(job.pk) == "done"
        assert issue_for_sitting(job.pk) == "skipped"  # the same job delivered twice
        # a second job (e.g. an officer pressing the button again) finds nothing left to do
        again = Job.objects.create(kind="certificates_issue", sitting=sitting)
        assert issue_for_sitting(again.pk) == "done"
    again.refresh_from_db()
    assert again.result == {"passing": 3, "already_issued": 3, "issued": 0}
    serials = sorted(Certificate.objects.values_list("serial", flat=True))
    assert len(serials) == 3
    year = serials[0].split("-")[2]
    assert serials == [f"IR-Q-{year}-{n:06d}" for n in (1, 2, 3)]
    assert SerialCounter.objects.get().last == 3


def test_a_crash_midway_is_recovered_without_duplicates_or_gaps(cert_type, sitting, officer, trainee, other_trainee):
    first = make_attempt(sitting, trainee, officer)
    make_attempt(sitting, other_trainee, officer)
    certificate_issue(attempt=first)  # the part done before the "crash"
    result = certificates_issue_for_sitting(sitting=sitting, batch_size=1)
    assert result == {"passing": 2, "already_issued": 1, "issued": 1}
    serial_numbers = sorted(int(s[-6:]) for s in Certificate.objects.values_list("serial", flat=True))
    assert serial_numbers == [1, 2]


def test_only_passing_candidates_get_a_certificate(cert_type, sitting, officer, trainee, other_trainee):
    make_attempt(sitting, trainee, officer, passed=True)
    failed = make_attempt(sitting, other_trainee, officer, passed=False)
    assert certificates_issue_for_sitting(sitting=sitting)["issued"] == 1
    with pytest.raises(ApplicationError) as refused:
        certificate_issue(attempt=failed)
    assert refused.value.code == "not_passed"


def test_a_multi_paper_exam_gives_one_certificate_per_candidate(issuer, officer, trainee):
    two_papers = make_sitting(officer, code="two", papers=2)
    make_type(issuer, officer, exam=two_papers.exam, code="two")
    make_attempt(two_papers, trainee, officer)
    assert certificates_issue_for_sitting(sitting=two_papers)["issued"] == 1
    assert Certificate.objects.filter(holder=trainee).count() == 1


def test_the_release_hook_queues_one_issuing_job(
    cert_type, sitting, officer, trainee, django_capture_on_commit_callbacks
):
    from certificates.services.issuing import on_results_released

    make_attempt(sitting, trainee, officer)
    with django_capture_on_commit_callbacks(execute=True):
        on_results_released(sitting.pk)
    job = Job.objects.get(sitting=sitting, kind="certificates_issue")
    assert job.status == Job.Status.DONE and job.progress == 1.0
    assert job.result["issued"] == 1
    assert issuing_job_start(sitting=sitting).pk != job.pk  # a finished job is not reused: a new run is cheap


def test_the_row_exists_at_once_and_the_files_follow_from_the_worker(cert_type, passing_attempt):
    issued = certificate_issue(attempt=passing_attempt)  # on_commit callbacks not run: no worker yet
    assert issued.render_status == Certificate.Render.PENDING and not issued.pdf
    assert render_certificates([issued.pk]) == {"done": 1}
    assert render_certificates([issued.pk]) == {"skipped": 1}  # delivered twice: rendered once
    issued.refresh_from_db()
    assert issued.render_status == Certificate.Render.DONE and issued.pdf and issued.credential


def test_the_credential_validates_against_the_ob3_schema_and_verifies(certificate):
    from django.utils import timezone

    from certificates.selectors import key_resolver, status_lookup

    assert openbadges.validate_schema(certificate.credential) == []
    report = openbadges.verify_credential(certificate.credential, key_resolver, status_lookup, timezone.now())
    assert report.ok, report.errors
    subject = certificate.credential["credentialSubject"]
    assert [i["identityHash"] for i in subject["identifier"]] == ["张伟", "Zhang Wei"]
    assert certificate.credential["credentialStatus"]["statusListCredential"] == certificate.status_list.url()


@pytest.mark.skipif(not HAS_CJK_TTF, reason="no TrueType CJK font installed (apt-get install fonts-wqy-microhei)")
def test_the_pdf_text_holds_the_chinese_name_and_the_serial(certificate):
    with certificate.pdf.open("rb") as handle:
        text = PdfReader(io.BytesIO(handle.read())).pages[0].extract_text()
    assert "张伟" in text and certificate.serial in text and certificate.verification_code in text


def test_the_qr_code_on_the_pdf_encodes_the_verification_url(certificate):
    import segno

    from tests.certificates.test_pdf import _drawn_qr_matrix

    with certificate.pdf.open("rb") as handle:
        result = pdf.RenderResult(pdf_bytes=handle.read(), font_embedded=True)
    expected = [list(map(bool, row)) for row in segno.make(certificate.verification_url(), error="m").matrix]
    assert _drawn_qr_matrix(result) == expected
    assert certificate.verification_url().endswith(f"/verify/{certificate.verification_code}/")


def test_the_verification_code_is_long_and_random(certificate, cert_type, someone, officer):
    other = certificate_issue_manual(holder=someone, certificate_type=cert_type, reason="transfer", by=officer)
    assert len(certificate.verification_code) >= 22 and certificate.verification_code != other.verification_code


def test_the_holder_is_emailed_once_in_both_languages(certificate, trainee):
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == [trainee.email] and certificate.serial in message.subject
    assert "证书" in message.body and "Your Certificate of Qualification" in message.body
    render_certificates([certificate.pk])
    assert len(mail.outbox) == 1


def test_a_manual_issue_needs_a_reason_and_is_audited(cert_type, someone, officer):
    with pytest.raises(ApplicationError) as refused:
        certificate_issue_manual(holder=someone, certificate_type=cert_type, reason=" ", by=officer)
    assert refused.value.code == "reason_required"
    issued = certificate_issue_manual(holder=someone, certificate_type=cert_type, reason="appeal upheld", by=officer)
    event = AuditEvent.objects.get(action="certificates.issue_manual", target_id=str(issued.pk))
    assert event.actor == officer and event.data["reason"] == "appeal upheld"


def test_a_reissue_supersedes_the_old_certificate_with_the_corrected_name(certificate, trainee, officer):
    trainee.display_name_zh = "张玮"
    trainee.save()
    new = certificate_reissue(certificate=certificate, reason="name correction", by=officer)
    certificate.refresh_from_db()
    assert certificate.status == Certificate.Status.SUPERSEDED
    assert new.supersedes == certificate and new.holder_name_zh == "张玮"
    assert new.serial != certificate.serial and new.verification_code != certificate.verification_code
    assert (new.valid_from, new.valid_until) == (certificate.valid_from, certificate.valid_until)
    assert AuditEvent.objects.filter(action="certificates.reissue", target_id=str(new.pk)).exists()


def test_validity_runs_whole_months_to_the_day_before():
    from datetime import date

    assert add_months(date(2026, 1, 31), 1) == date(2026, 2, 28)
    assert add_months(date(2024, 2, 29), 60) == date(2029, 2, 28)

    class FiveYears:
        validity_months = 60

    assert validity_end(FiveYears, date(2026, 11, 26)) == date(2031, 11, 25)


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_two_workers_racing_on_one_attempt_make_one_certificate(cert_type, passing_attempt):
    """Real concurrency (PostgreSQL): both pass the existence check; the unique attempt stops the second."""
    import threading

    from django.db import connection

    barrier = threading.Barrier(2)
    results, errors = [], []

    def issue():
        try:
            barrier.wait(timeout=10)
            results.append(certificate_issue(attempt=passing_attempt).pk)
        except Exception as exc:  # noqa: BLE001 - reported below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=issue) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == [] and len(set(results)) == 1
    assert Certificate.objects.filter(attempt=passing_attempt).count() == 1
    assert SerialCounter.objects.get().last == 1  # the loser's serial was rolled back: no gap


def test_a_second_type_with_the_same_serial_prefix_is_refused_with_nothing_created(issuer, officer):
    make_type(issuer, officer)
    with pytest.raises(ApplicationError, match="IR-Q") as refused:
        make_type(issuer, officer, code="ir-q-bis", serial_prefix="ir-q")
    assert refused.value.code == "prefix_taken"
    assert CertificateType.objects.count() == 1


def test_an_unexpected_error_fails_the_job_and_issue_starts_afresh(
    cert_type, sitting, officer, trainee, monkeypatch, django_capture_on_commit_callbacks
):
    from certificates.services import issuing

    make_attempt(sitting, trainee, officer)
    job = issuing_job_start(sitting=sitting)  # queued (on_commit not run: no worker yet)

    def broken(**kwargs):
        raise RuntimeError("disk full")

    monkeypatch.setattr(issuing, "certificates_issue_for_sitting", broken)
    with pytest.raises(RuntimeError):
        issuing.issuing_job_run(job.pk)
    job.refresh_from_db()
    assert job.status == Job.Status.FAILED and job.error == "RuntimeError: disk full"
    monkeypatch.undo()
    with django_capture_on_commit_callbacks(execute=True):
        again = issuing_job_start(sitting=sitting)
    assert again.pk != job.pk
    again.refresh_from_db()
    assert again.status == Job.Status.DONE and again.result["issued"] == 1


def test_a_lost_database_puts_the_job_back_to_pending_and_issue_sends_it_again(
    cert_type, sitting, officer, trainee, monkeypatch, django_capture_on_commit_callbacks
):
    from django.db import OperationalError

    from certificates.services import issuing

    make_attempt(sitting, trainee, officer)
    job = issuing_job_start(sitting=sitting)

    def gone(**kwargs):
        raise OperationalError("server closed the connection unexpectedly")

    monkeypatch.setattr(issuing, "certificates_issue_for_sitting", gone)
    with pytest.raises(OperationalError):
        issuing.issuing_job_run(job.pk)
    job.refresh_from_db()
    assert job.status == Job.Status.PENDING
    monkeypatch.undo()
    with django_capture_on_commit_callbacks(execute=True):  # the waiting job is reused and sent again
        assert issuing_job_start(sitting=sitting).pk == job.pk
    job.refresh_from_db()
    assert job.status == Job.Status.DONE and job.result["issued"] == 1
