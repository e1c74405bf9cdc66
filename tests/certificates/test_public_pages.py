"""Public pages (no login), rate limiting, the holder's and officers' pages, and the demo step."""

import json

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from certificates.models import Certificate
from tests.certificates.helpers import *  # noqa: F403 - fixtures


def test_the_lookup_form_leads_from_a_serial_to_the_public_page(client, certificate):
    response = client.get(reverse("certificates:verify"), {"q": certificate.serial})
    assert response.status_code == 302
    assert response["Location"] == reverse("certificates:verify_code", args=[certificate.verification_code])
    page = client.get(response["Location"]).content.decode()
    assert "张伟" in page and certificate.serial in page and "介入放射学准入资格证书" in page


def test_an_unknown_code_says_so(client, db):
    response = client.get(reverse("certificates:verify"), {"q": "IR-Q-2026-999999"})
    assert response.status_code == 200 and 'role="alert"' in response.content.decode()
    assert client.get(reverse("certificates:verify_code", args=["nope"])).status_code == 404


def test_the_public_page_shows_nothing_more_personal_than_the_name(client, certificate, trainee):
    page = client.get(reverse("certificates:verify_code", args=[certificate.verification_code])).content.decode()
    for private in (trainee.email, trainee.username + "<", "测试培训基地"):
        assert private not in page


def test_verification_is_rate_limited_per_address(client, api_client, certificate, settings):
    settings.CERTIFICATE_VERIFY_RATE = "3/min"
    url = reverse("certificates:verify_code", args=[certificate.verification_code])
    assert [client.get(url).status_code for _ in range(3)] == [200, 200, 200]
    limited = client.get(url)
    assert limited.status_code == 429 and int(limited["Retry-After"]) > 0
    assert "no-store" in limited["Cache-Control"] and "public" not in limited["Cache-Control"]
    assert "Too many" in limited.content.decode() or "过于频繁" in limited.content.decode()
    api = api_client.get(reverse("api:certificate-verify", args=[certificate.verification_code]))
    assert api.status_code == 429 and api.json()["code"] == "rate_limited"
    other_address = client.get(url, REMOTE_ADDR="10.0.0.9")
    assert other_address.status_code == 200


def test_a_bad_rate_setting_is_a_clear_error(settings):
    from certificates.ratelimit import parse_rate

    assert parse_rate("60/min") == (60, 60)
    with pytest.raises(ValueError, match="CERTIFICATE_VERIFY_RATE"):
        parse_rate("sixty")


def test_an_uploaded_credential_is_checked_and_each_check_reported(client, certificate):
    url = reverse("certificates:verify_credential")
    upload = SimpleUploadedFile("c.json", json.dumps(certificate.credential).encode(), "application/json")
    page = client.post(url, {"file": upload}).content.decode()
    assert page.count("badge-ok") >= 4 and "badge-bad" not in page
    tampered = json.loads(json.dumps(certificate.credential))
    tampered["credentialSubject"]["identifier"][1]["identityHash"] = "Zhang Wen"
    page = client.post(url, {"text": json.dumps(tampered)}).content.decode()
    assert "changed after signing" in page
    page = client.post(url, {"text": "{not json"}).content.decode()
    assert "JSON" in page and "errorlist" in page


def test_the_api_checks_a_posted_credential(api_client, certificate):
    response = api_client.post(reverse("api:certificate-verify-credential"), certificate.credential, format="json")
    assert response.status_code == 200 and response.json()["ok"] is True
    assert response.json()["record"]["serial"] == certificate.serial


def test_the_issuer_profile_is_html_for_people_and_json_for_machines(client, issuer):
    url = reverse("certificates:issuer_profile", args=[issuer.code])
    assert "ed25519-1" in client.get(url).content.decode()
    document = client.get(url, HTTP_ACCEPT="application/json").json()
    assert document["id"].endswith(url) and document["verificationMethod"][0]["publicKeyMultibase"].startswith("z6Mk")


def test_the_achievement_page_exists_in_both_languages(client, certificate):
    achievement = certificate.credential["credentialSubject"]["achievement"]
    path = reverse("certificates:achievement", args=[certificate.type.code])
    assert achievement["id"].endswith(path)
    assert "介入放射学准入资格证书" in client.get(path).content.decode()
    assert "Certificate of Qualification" in client.get(path, {"lang": "en"}).content.decode()


def test_my_certificates_page_offers_downloads_and_the_share_link(client_as, trainee, certificate):
    page = client_as(trainee).get(reverse("certificates:mine")).content.decode()
    assert reverse("certificates:pdf", args=[certificate.pk]) in page
    assert certificate.verification_url() in page


@pytest.mark.parametrize("name", ["manage_list", "manage_issue", "manage_issuers", "manage_types", "manage_cme"])
def test_officer_pages_open_for_officers_only(client_as, officer, trainee, certificate, name):
    url = reverse(f"certificates:{name}")
    assert client_as(trainee).get(url).status_code == 403
    assert client_as(officer).get(url).status_code == 200


def test_an_officer_revokes_from_the_page_with_a_reason(client_as, officer, certificate):
    client = client_as(officer)
    url = reverse("certificates:manage_action", args=[certificate.pk, "revoke"])
    client.post(url, {"reason": ""})
    assert Certificate.objects.get(pk=certificate.pk).status == Certificate.Status.VALID
    client.post(url, {"reason": "fraud"})
    assert Certificate.objects.get(pk=certificate.pk).status == Certificate.Status.REVOKED


def test_the_officer_sees_the_issuing_progress_of_a_sitting(client_as, officer, sitting, cert_type, passing_attempt):
    client = client_as(officer)
    url = reverse("certificates:manage_sitting", args=[sitting.pk])
    client.post(url)
    assert "<progress" in client.get(url).content.decode()


def test_the_demo_step_issues_a_valid_a_revoked_and_an_expired_certificate_once(db, django_capture_on_commit_callbacks):
    from accounts.demo import load_accounts
    from certificates.demo import load_certificates_demo

    lines: list[str] = []
    load_accounts(lines.append)
    with django_capture_on_commit_callbacks(execute=True):
        load_certificates_demo(lines.append)
    load_certificates_demo(lines.append)
    statuses = sorted(c.public_status() for c in Certificate.objects.all())
    assert statuses == ["expired", "revoked", "valid"]
    assert sum("/verify/" in line for line in lines) == 6
    assert all(c.render_status == Certificate.Render.DONE for c in Certificate.objects.all())


def test_an_officer_creates_a_certificate_type_from_the_page(client_as, officer, issuer):
    from certificates.models import CertificateType

    response = client_as(officer).post(
        reverse("certificates:manage_types"),
        {
            "code": "ir-a",
            "issuer": issuer.pk,
            "level": "A",
            "title_zh": "介入放射学高级资格证书",
            "title_en": "Advanced Certificate in Interventional Radiology",
            "validity_months": "60",
            "renewal_rule": "cme",
            "cme_credits_required": "40",
            "serial_prefix": "ir-a",
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    created = CertificateType.objects.get(code="ir-a")
    assert created.serial_prefix == "IR-A" and created.scope_areas.count() == 0


def test_an_officer_issues_manually_from_the_page(client_as, officer, cert_type, someone):
    response = client_as(officer).post(
        reverse("certificates:manage_issue"),
        {"holder": someone.username, "certificate_type": cert_type.pk, "reason": "appeal upheld"},
    )
    assert response.status_code == 302
    assert Certificate.objects.get(holder=someone).reason == "appeal upheld"
