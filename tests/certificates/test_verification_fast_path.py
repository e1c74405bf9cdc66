"""Public verification JSON through the WSGI fast path (irexam/wsgi.py) answers as the full stack does."""

import json

import pytest
from django.test import RequestFactory
from django.urls import reverse

from certificates.services import certificate_revoke
from irexam import wsgi
from tests.certificates.helpers import *  # noqa: F403 - fixtures
from tests.exams.test_wsgi_fast_path import call

pytestmark = pytest.mark.django_db


def verify_environ(code: str) -> dict:
    return dict(RequestFactory().get(reverse("api:certificate-verify", args=[code]), HTTP_ACCEPT_LANGUAGE="en").environ)


def test_the_fast_path_pattern_matches_verification_and_not_the_credential_checker():
    assert wsgi.VERIFY_PATH.match(reverse("api:certificate-verify", args=["Pvy-ejVprCddD9FXU0stWg"]))
    assert not wsgi.VERIFY_PATH.match(reverse("api:certificate-verify-credential"))
    assert not wsgi.VERIFY_PATH.match("/verify/abc/")  # the public page keeps the full stack (CSP)


def test_verification_through_the_fast_path_equals_the_full_stack(api_client, certificate, officer, monkeypatch):
    calls = []
    original = wsgi.fast_application

    def spy(environ, start_response):
        calls.append(environ["PATH_INFO"])
        return original(environ, start_response)

    monkeypatch.setattr(wsgi, "fast_application", spy)
    code = certificate.verification_code
    status, headers, body = call(verify_environ(code))
    full = api_client.get(reverse("api:certificate-verify", args=[code]), HTTP_ACCEPT_LANGUAGE="en")
    assert status == full.status_code == 200
    assert json.loads(body) == full.json()
    assert "Set-Cookie" not in headers and "public" in headers["Cache-Control"]
    assert calls == [reverse("api:certificate-verify", args=[code])]
    # revocation shows at once on the fast path too
    certificate_revoke(certificate=certificate, reason="Issued in error", by=officer)
    status, _, body = call(verify_environ(code))
    assert status == 200 and json.loads(body)["status"] == "revoked"
    status, _, body = call(verify_environ("no-such-code"))
    assert status == 404 and json.loads(body)["code"] == "not_found"


def test_the_answer_is_what_a_fresh_serializer_gives(api_client, certificate, officer):
    """The view reuses one serializer instance; its output is a per-request serializer's."""
    from certificates import selectors
    from certificates.api.views import VerificationOutput

    code = certificate.verification_code
    for round_no in range(2):  # valid, then revoked (status changed, a date set)
        answer = api_client.get(reverse("api:certificate-verify", args=[code]))
        assert answer.status_code == 200
        expected = VerificationOutput(selectors.verification_lookup(code)).data
        assert answer.json() == json.loads(json.dumps(expected))
        assert answer["Allow"] == "GET, HEAD, OPTIONS" and answer["Content-Type"] == "application/json"
        if round_no == 0:
            certificate_revoke(certificate=certificate, reason="Issued in error", by=officer)
    assert answer.json()["status"] == "revoked" and answer.json()["status_changed_at"]


def test_head_and_options_take_the_normal_api_path(api_client, certificate):
    url = reverse("api:certificate-verify", args=[certificate.verification_code])
    assert api_client.head(url).status_code == 200
    assert api_client.options(url).status_code == 200
    assert api_client.post(url, {}).status_code == 405


def test_counting_and_reading_the_record_share_one_call(certificate, settings):
    from django.core.cache import cache

    from certificates import selectors
    from irexam import ratelimit

    settings.CERTIFICATE_VERIFY_RATE = "2/min"
    key = selectors.verification_key(certificate.verification_code)
    assert ratelimit.hit_and_get("t:1", "CERTIFICATE_VERIFY_RATE", key)[::2] == (True, None)
    record = selectors.verification_lookup(certificate.verification_code)  # caches it
    allowed, retry_after, cached = ratelimit.hit_and_get("t:1", "CERTIFICATE_VERIFY_RATE", key)
    assert allowed and 1 <= retry_after <= 60
    assert cached == cache.get(key) and {**cached, "status": record["status"]} == record
    # the count is the one hit() keeps: the third request of the window is refused
    assert ratelimit.hit("t:1", "CERTIFICATE_VERIFY_RATE")[0] is False
    assert selectors.verification_key("") is None and selectors.verification_key("x" * 61) is None
