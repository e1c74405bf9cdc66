"""Verification: the public JSON, uploaded credentials (proof, schema, dates, status), keys and rotation."""

import copy
import json

import pytest
from django.urls import reverse
from django.utils import timezone

from certificates import data_integrity, openbadges
from certificates.selectors import key_resolver, status_lookup, verification_lookup, verify_uploaded_credential
from certificates.services import certificate_revoke, issuer_key_rotate
from tests.certificates.helpers import *  # noqa: F403 - fixtures

PUBLIC_KEYS = {
    "serial",
    "verification_code",
    "status",
    "holder_name_zh",
    "holder_name_en",
    "title_zh",
    "title_en",
    "level",
    "scope",
    "issued_at",
    "valid_from",
    "valid_until",
    "status_changed_at",
    "superseded_by_code",
    "issuer",
    "verification_url",
}


def test_the_json_endpoint_shows_the_public_record_and_nothing_more_personal(api_client, certificate, trainee):
    response = api_client.get(reverse("api:certificate-verify", args=[certificate.verification_code]))
    assert response.status_code == 200
    body = response.json()
    assert set(body) == PUBLIC_KEYS
    assert body["status"] == "valid" and body["holder_name_zh"] == "张伟" and body["serial"] == certificate.serial
    text = json.dumps(body, ensure_ascii=False)
    for private in (trainee.email, trainee.username, "测试培训基地"):
        assert private not in text
    assert "must-revalidate" in response["Cache-Control"]


def test_the_serial_finds_the_certificate_too(api_client, certificate):
    response = api_client.get(reverse("api:certificate-verify", args=[certificate.serial.lower()]))
    assert response.json()["verification_code"] == certificate.verification_code


def test_an_unknown_code_is_a_404_with_a_message(api_client, db):
    response = api_client.get(reverse("api:certificate-verify", args=["no-such-code"]))
    assert response.status_code == 404 and response.json()["code"] == "not_found"


def test_a_tampered_credential_fails_verification(certificate):
    tampered = copy.deepcopy(certificate.credential)
    name = tampered["credentialSubject"]["identifier"][0]["identityHash"]
    tampered["credentialSubject"]["identifier"][0]["identityHash"] = name[:-1] + "玮"  # one character
    result = verify_uploaded_credential(tampered)
    proof = next(c for c in result["checks"] if c["name"] == "proof")
    assert not result["ok"] and not proof["ok"]
    assert "changed after signing" in proof["messages"][0]
    assert verify_uploaded_credential(certificate.credential)["ok"]


def test_the_verifier_says_exactly_which_check_failed(certificate, officer):
    broken = copy.deepcopy(certificate.credential)
    del broken["credentialSubject"]["achievement"]["criteria"]
    result = verify_uploaded_credential(broken)
    failed = {c["name"] for c in result["checks"] if not c["ok"]}
    assert "schema" in failed and "proof" in failed and "dates" not in failed

    certificate_revoke(certificate=certificate, reason="misconduct", by=officer)
    result = verify_uploaded_credential(certificate.credential)
    status = next(c for c in result["checks"] if c["name"] == "status")
    assert not status["ok"] and status["messages"] == ["revoked"]
    assert next(c for c in result["checks"] if c["name"] == "proof")["ok"]


def test_an_expired_credential_fails_the_dates_check(certificate):
    later = timezone.now().replace(year=timezone.now().year + 6)
    report = openbadges.verify_credential(certificate.credential, key_resolver, status_lookup, later)
    assert not report.check("dates").ok and "expired" in report.check("dates").messages[0]


def test_old_credentials_still_verify_after_a_key_rotation(certificate, issuer, officer, api_client):
    old_kid = certificate.credential["proof"][0]["verificationMethod"].rsplit("#", 1)[1]
    new_key = issuer_key_rotate(issuer=issuer, by=officer)
    assert new_key.kid != old_kid
    assert verify_uploaded_credential(certificate.credential)["ok"]
    jwks = api_client.get(reverse("certificates:issuer_jwks", args=[issuer.code])).json()
    assert {k["kid"] for k in jwks["keys"]} >= {old_kid, new_key.kid, "es256-1"}
    profile = api_client.get(reverse("certificates:issuer_profile_json", args=[issuer.code])).json()
    assert [m["id"].rsplit("#", 1)[1] for m in profile["verificationMethod"]] == ["ed25519-1", "ed25519-2"]


def test_the_published_status_list_is_signed_and_shows_a_revocation_at_once(certificate, officer, api_client):
    url = reverse("certificates:status_list", args=[certificate.status_list_id])
    before = api_client.get(url).json()
    assert data_integrity.verify(before, key_resolver).ok
    lookup = openbadges.status_lookup_from_lists({before["id"]: before}, key_resolver)
    assert lookup(certificate.credential["credentialStatus"]) is False
    certificate_revoke(certificate=certificate, reason="fraud", by=officer)
    after = api_client.get(url).json()
    lookup = openbadges.status_lookup_from_lists({after["id"]: after}, key_resolver)
    assert lookup(certificate.credential["credentialStatus"]) is True


def test_the_jwt_verifies_with_the_published_es256_key(certificate, trainee, client_as):
    from certificates.signing import jwt_verify_es256, public_key_from_jwk

    response = client_as(trainee).get(reverse("certificates:jwt", args=[certificate.pk]))
    assert response.status_code == 200 and response["Content-Type"] == "application/jwt"
    jwks = client_as(trainee).get(reverse("certificates:issuer_jwks", args=[certificate.issuer.code])).json()
    keys = {
        k["kid"]: public_key_from_jwk({x: y for x, y in k.items() if x not in ("use", "alg")}) for k in jwks["keys"]
    }
    claims = jwt_verify_es256(response.content.decode(), keys.get, now=timezone.now())
    assert claims["jti"] == certificate.credential_id() and claims["vc"]["credentialSubject"]


def test_the_lookup_is_one_query_and_then_cached_until_a_change(certificate, django_assert_num_queries, officer):
    from django.core.cache import cache

    cache.clear()
    with django_assert_num_queries(2):  # the certificate with its type and issuer, then the scope areas
        verification_lookup(certificate.verification_code)
    with django_assert_num_queries(0):
        assert verification_lookup(certificate.verification_code)["status"] == "valid"
    certificate_revoke(certificate=certificate, reason="error", by=officer)
    assert verification_lookup(certificate.verification_code)["status"] == "revoked"


@pytest.mark.parametrize("value", ["", " ", "x" * 200])
def test_silly_lookups_find_nothing(value, db):
    assert verification_lookup(value) is None
