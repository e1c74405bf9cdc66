"""The WSGI fast path (irexam/wsgi.py): the answer save runs through a minimal middleware list.

Requests are made as gunicorn makes them: a WSGI environ (built by RequestFactory) handed to
``irexam.wsgi.application``. The full stack's answers to the same requests (through Django's test
client, i.e. the whole ``settings.MIDDLEWARE``) are the reference.
"""

import io
import json
from datetime import timedelta

import pytest
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from django.test import RequestFactory
from django.urls import reverse
from django.utils import timezone
from rest_framework.test import APIClient

from exams.models import Attempt, Response
from exams.services.attempts import attempt_start, attempt_token
from irexam import wsgi

pytestmark = pytest.mark.django_db


@pytest.fixture
def attempt(delivery):
    attempt, _ = attempt_start(registration=delivery.registration, paper=delivery.paper)
    return attempt


def call(environ: dict) -> tuple[int, dict[str, str], bytes]:
    """Run one request through ``irexam.wsgi.application``; answer its status, headers and body."""
    seen: dict = {}

    def start_response(status, headers, exc_info=None):
        seen["status"] = int(status.split()[0])
        seen["headers"] = dict(headers)

    # As Django's test client does: no connection closing around the request (the test's
    # transaction lives on the connection), reconnected afterwards.
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    try:
        chunks = wsgi.application(environ, start_response)
        try:
            body = b"".join(chunks)
        finally:
            if hasattr(chunks, "close"):
                chunks.close()
    finally:
        request_started.connect(close_old_connections)
        request_finished.connect(close_old_connections)
    return seen["status"], seen["headers"], body


def save_environ(attempt, position: int, body: dict, token: str | None = None, method: str = "put") -> dict:
    url = reverse("api:attempt_save_answer", args=[attempt.pk, position])
    headers = {"HTTP_X_ATTEMPT_TOKEN": attempt_token(attempt) if token is None else token}
    request = getattr(RequestFactory(), method)(url, json.dumps(body), content_type="application/json", **headers)
    environ = dict(request.environ)
    environ["wsgi.input"] = io.BytesIO(json.dumps(body).encode())  # a fresh stream, as the server gives
    return environ


def full_stack_save(attempt, position: int, body: dict, token: str | None = None) -> int:
    headers = {"HTTP_X_ATTEMPT_TOKEN": attempt_token(attempt) if token is None else token}
    url = reverse("api:attempt_save_answer", args=[attempt.pk, position])
    return APIClient().put(url, body, format="json", **headers).status_code


def test_the_fast_path_pattern_matches_the_save_route_and_nothing_else():
    assert wsgi.SAVE_ANSWER_PATH.match(reverse("api:attempt_save_answer", args=[12, 3]))
    for other in (
        reverse("api:attempt_detail", args=[12]),
        reverse("api:attempt_submit", args=[12]),
        reverse("api:attempt_save_answer", args=[12, 3]) + "x/",
        "/en" + reverse("api:attempt_save_answer", args=[12, 3]),
    ):
        assert not wsgi.SAVE_ANSWER_PATH.match(other), other


def test_the_fast_path_drops_exactly_the_named_middleware():
    from django.conf import settings

    fast = wsgi.fast_application.middleware
    assert fast == [m for m in settings.MIDDLEWARE if m not in wsgi.FAST_PATH_SKIPPED_MIDDLEWARE]
    assert "django.contrib.sessions.middleware.SessionMiddleware" not in fast
    assert "django.middleware.locale.LocaleMiddleware" in fast
    assert "accounts.middleware.ProxyClientAddressMiddleware" in fast


def test_a_save_through_the_fast_path_is_stored(attempt, monkeypatch):
    calls = []
    original = wsgi.fast_application

    def spy(environ, start_response):
        calls.append(environ["PATH_INFO"])
        return original(environ, start_response)

    monkeypatch.setattr(wsgi, "fast_application", spy)
    status, headers, body = call(save_environ(attempt, 1, {"answer": {"choice": "B"}, "flagged": True, "seq": 1}))
    assert status == 200, body
    data = json.loads(body)
    assert data["accepted"] is True and data["seq"] == 1 and "server_now" in data
    assert headers["Content-Type"] == "application/json"
    assert calls == [reverse("api:attempt_save_answer", args=[attempt.pk, 1])]
    row = Response.objects.get(attempt=attempt, position=1)
    assert (row.answer, row.seq, row.flagged) == ({"choice": "B"}, 1, True)
    # no session or CSRF cookie is set by the fast path, the security headers are still there
    assert "Set-Cookie" not in headers
    assert headers.get("X-Content-Type-Options") == "nosniff"


def test_the_fast_path_answers_as_the_full_stack_does(attempt):
    cases = []
    # a bad token
    cases.append((attempt, 1, {"answer": {"choice": "A"}, "seq": 1}, "forged"))
    # a valid save, then a stale seq (accepted: false, 200) and a bad body
    cases.append((attempt, 3, {"answer": {"choice": "T"}, "seq": 5}, None))
    cases.append((attempt, 3, {"answer": {"choice": "F"}, "seq": 4}, None))
    cases.append((attempt, 3, {"answer": {"choice": "F"}, "seq": 0}, None))
    cases.append((attempt, 99, {"answer": {"choice": "A"}, "seq": 1}, None))
    for target, position, body, token in cases:
        fast_status, _, fast_body = call(save_environ(target, position, body, token=token))
        full_status = full_stack_save(target, position, body, token=token)
        assert fast_status == full_status, (position, body, fast_body)
    assert call(save_environ(attempt, 1, {"answer": {"choice": "A"}, "seq": 1}, token="forged"))[0] == 401
    stale_status, _, stale_body = call(save_environ(attempt, 3, {"answer": {"choice": "F"}, "seq": 3}))
    assert stale_status == 200 and json.loads(stale_body)["accepted"] is False
    assert Response.objects.get(attempt=attempt, position=3).answer == {"choice": "T"}


def test_a_save_after_the_deadline_is_409_on_both_paths(attempt):
    Attempt.objects.filter(pk=attempt.pk).update(deadline_at=timezone.now() - timedelta(minutes=10))
    body = {"answer": {"choice": "A"}, "seq": 1}
    status, _, raw = call(save_environ(attempt, 1, body))
    assert status == 409 and json.loads(raw)["code"] == "deadline_passed"
    assert full_stack_save(attempt, 1, body) == 409
    assert not Response.objects.filter(attempt=attempt, position=1).exists()


def test_error_messages_follow_the_clients_language_on_the_fast_path(attempt):
    environ = save_environ(attempt, 1, {"answer": {"choice": "A"}, "seq": 1}, token="forged")
    environ["HTTP_ACCEPT_LANGUAGE"] = "en"
    status, _, raw = call(environ)
    assert status == 401
    assert json.loads(raw)["detail"] == "This exam session is not valid. Reload the page."


def test_other_requests_go_through_the_full_middleware(attempt, client, trainee):
    # a page: the CSP header (CSPMiddleware) and a session cookie are present
    client.force_login(trainee)
    session_cookie = client.cookies["sessionid"].value
    environ = dict(RequestFactory().get(reverse("exams:my_sittings")).environ)
    environ["HTTP_COOKIE"] = f"sessionid={session_cookie}"
    status, headers, _ = call(environ)
    assert status == 200
    assert "Content-Security-Policy" in headers
    # a POST to the save route is not the fast path: the full stack answers it (405, with CSP)
    environ = save_environ(attempt, 1, {"answer": {"choice": "A"}, "seq": 1}, method="post")
    status, headers, _ = call(environ)
    assert status == 405
    assert "Content-Security-Policy" in headers
    # the fast path itself sends no CSP header (JSON only)
    status, headers, _ = call(save_environ(attempt, 1, {"answer": {"choice": "A"}, "seq": 1}))
    assert status == 200 and "Content-Security-Policy" not in headers


@pytest.mark.parametrize(
    "path",
    [
        "/api/v1/attempts/12/responses/3/",
        "/api/v1/attempts/007/responses/120/",
        "/api/v1/verify/AB12-CD34-EF56/",
        "/api/v1/verify/%E4%B8%AD/",
    ],
)
def test_the_fast_resolver_answers_as_the_urlconf_does(path):
    from django.urls import resolve

    fast = wsgi.fast_application.resolver.resolve(path)
    full = resolve(path)
    assert fast is not None
    assert (fast.func, fast.args, fast.kwargs) == (full.func, full.args, full.kwargs)
    assert (fast.url_name, fast.namespaces, fast.route, fast.view_name) == (
        full.url_name,
        full.namespaces,
        full.route,
        full.view_name,
    )


@pytest.mark.parametrize(
    "path",
    ["/api/v1/verify/credential/x/", "/api/v1/attempts/1/responses/x/", "/api/v1/attempts/1/", "/healthz"],
)
def test_the_fast_resolver_leaves_every_other_path_to_the_urlconf(path):
    assert wsgi.fast_application.resolver.resolve(path) is None
