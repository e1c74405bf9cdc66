"""Who may do what: holders see only their own files (others get 404), officers manage, the public verifies."""

import pytest
from django.urls import reverse

from certificates.models import Certificate
from certificates.services import certificate_issue_manual
from tests.certificates.helpers import *  # noqa: F403 - fixtures


@pytest.fixture
def others(cert_type, other_trainee, officer, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        issued = certificate_issue_manual(holder=other_trainee, certificate_type=cert_type, reason="test", by=officer)
    return issued


def test_the_holder_downloads_the_pdf_with_the_right_headers(client_as, trainee, certificate):
    response = client_as(trainee).get(reverse("certificates:pdf", args=[certificate.pk]))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"] == f'attachment; filename="certificate-{certificate.serial}.pdf"'
    assert "no-store" in response["Cache-Control"] and "private" in response["Cache-Control"]
    assert b"".join(response.streaming_content).startswith(b"%PDF")


@pytest.mark.parametrize("name", ["certificates:pdf", "certificates:credential", "certificates:jwt"])
def test_a_trainee_gets_404_for_someone_elses_files(client_as, trainee, others, name):
    assert client_as(trainee).get(reverse(name, args=[others.pk])).status_code == 404


@pytest.mark.parametrize("name", ["certificates:pdf", "certificates:credential"])
def test_an_officer_may_download_any_certificate(client_as, officer, certificate, name):
    assert client_as(officer).get(reverse(name, args=[certificate.pk])).status_code == 200


def test_anonymous_users_are_sent_to_log_in_for_files(client, certificate):
    response = client.get(reverse("certificates:pdf", args=[certificate.pk]))
    assert response.status_code == 302 and "login" in response["Location"]


def test_a_trainee_cannot_renew_someone_elses_certificate(api_as, trainee, others):
    assert api_as(trainee).post(reverse("api:certificate-renew", args=[others.pk])).status_code == 404


@pytest.mark.parametrize(
    ("name", "args"),
    [
        ("api:certificates", []),
        ("api:certificate-issuers", []),
        ("api:certificate-types", []),
    ],
)
def test_officer_lists_are_closed_to_trainees_and_proctors(api_as, trainee, proctor, certificate, name, args):
    assert api_as(trainee).get(reverse(name, args=args)).status_code == 403
    assert api_as(proctor).get(reverse(name, args=args)).status_code == 403


@pytest.mark.parametrize("action", ["revoke", "suspend", "reissue"])
def test_only_officers_change_a_certificate(api_as, trainee, officer, certificate, action):
    url = reverse(f"api:certificate-{action}", args=[certificate.pk])
    assert api_as(trainee).post(url, {"reason": "x"}).status_code == 403
    response = api_as(officer).post(url, {"reason": "checked"})
    assert response.status_code == 200, response.content
    assert Certificate.objects.get(pk=certificate.pk).status != Certificate.Status.VALID


def test_only_officers_issue_manually_and_the_reason_is_required(api_as, trainee, officer, cert_type, someone):
    url = reverse("api:certificate-issue")
    payload = {"holder": someone.username, "type": cert_type.code, "reason": "appeal upheld"}
    assert api_as(trainee).post(url, payload).status_code == 403
    assert api_as(officer).post(url, {**payload, "reason": ""}).status_code == 400
    response = api_as(officer).post(url, payload)
    assert response.status_code == 201 and response.json()["serial"].startswith("IR-Q-")


def test_the_officer_sees_issuing_progress_and_may_start_it(
    api_as, officer, trainee, cert_type, sitting, passing_attempt
):
    url = reverse("api:certificate-sitting-issuing", args=[sitting.pk])
    assert api_as(trainee).get(url).status_code == 403
    started = api_as(officer).post(url)
    assert started.status_code == 202
    jobs = api_as(officer).get(url).json()
    assert jobs[0]["id"] == started.json()["id"]


def test_key_rotation_and_issuer_creation_are_for_officers(api_as, officer, trainee, issuer):
    url = reverse("api:certificate-issuer-rotate", args=[issuer.code])
    assert api_as(trainee).post(url).status_code == 403
    assert api_as(officer).post(url, {"algorithm": "ES256"}).status_code == 200
    created = api_as(officer).post(
        reverse("api:certificate-issuers"),
        {"code": "second", "name_zh": "第二委员会", "name_en": "Second Board"},
        format="json",
    )
    assert created.status_code == 201 and len(created.json()["keys"]) == 2


def test_the_officer_list_has_a_fixed_number_of_queries(
    api_as, officer, cert_type, someone, other_trainee, django_assert_num_queries
):
    for holder in (someone, other_trainee, officer):
        certificate_issue_manual(holder=holder, certificate_type=cert_type, reason="list", by=officer)
    client = api_as(officer)
    with django_assert_num_queries(3):  # roles, count, page (with type and issuer joined)
        response = client.get(reverse("api:certificates"), {"q": "IR-Q"})
    assert response.json()["count"] == 3


def test_my_certificates_lists_only_mine_in_fixed_queries(
    api_as, trainee, certificate, others, django_assert_num_queries
):
    client = api_as(trainee)
    with django_assert_num_queries(1):
        response = client.get(reverse("api:my-certificates"))
    assert [c["serial"] for c in response.json()] == [certificate.serial]


def test_cme_credits_are_verified_by_officers_only(api_as, trainee, officer):
    created = api_as(trainee).post(
        reverse("api:cme-credits"), {"credits": "5.0", "activity": "course", "date": "2026-01-10"}
    )
    assert created.status_code == 201
    url = reverse("api:cme-credit-verify", args=[created.json()["id"]])
    assert api_as(trainee).post(url).status_code == 403
    assert api_as(officer).post(url).status_code == 200
