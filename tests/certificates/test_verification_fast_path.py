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
