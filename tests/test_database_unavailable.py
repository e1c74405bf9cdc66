"""A lost database answers 503 with Retry-After, not 500 (irexam/middleware.py, docs/reliability.md).

The lost database is simulated: a view (or what it calls) raises Django's ``OperationalError`` /
``InterfaceError`` as a dropped PostgreSQL connection does.
"""

import io
import json

import pytest
from django.core.signals import request_finished, request_started
from django.db import InterfaceError, OperationalError, close_old_connections
from django.test import Client, RequestFactory
from django.urls import reverse

from exams.api.candidate import AttemptSaveAnswerApi, ServerTimeApi
from irexam.middleware import DATABASE_RETRY_AFTER_SECONDS

pytestmark = pytest.mark.django_db


def _lost(*args, **kwargs):
    raise OperationalError("server closed the connection unexpectedly")


@pytest.fixture
def client():
    # Django's test client re-raises an unhandled exception by default; a real server answers.
    return Client(raise_request_exception=False)


@pytest.mark.parametrize(
    ("language", "detail"),
    [("en", "The database is unavailable for a moment"), ("zh-hans", "数据库暂时无法访问")],
)
def test_an_api_view_that_loses_the_database_answers_503_json_with_retry_after(client, monkeypatch, language, detail):
    monkeypatch.setattr(ServerTimeApi, "get", _lost)
    response = client.get(reverse("api:time"), headers={"Accept-Language": language})
    assert response.status_code == 503
    assert response["Retry-After"] == str(DATABASE_RETRY_AFTER_SECONDS)
    assert response["Content-Type"] == "application/json"
    body = response.json()
    assert set(body) == {"detail", "code", "extra"}  # the API's error shape (irexam/errors.py)
    assert body["code"] == "database_unavailable"
    assert body["extra"] == {"retry_after": DATABASE_RETRY_AFTER_SECONDS}
    assert detail in body["detail"]


@pytest.mark.parametrize(("language", "title"), [("en", "Temporarily unavailable"), ("zh-hans", "暂时无法使用")])
def test_a_page_that_loses_the_database_answers_the_translated_503_page(client, monkeypatch, language, title):
    monkeypatch.setattr("exams.views.candidate.render", _lost)
    response = client.get(reverse("exams:system_check"), headers={"Accept-Language": language})
    assert response.status_code == 503
    assert response["Retry-After"] == str(DATABASE_RETRY_AFTER_SECONDS)
    assert response["Content-Type"].startswith("text/html")
    assert title in response.content.decode()
    assert "Content-Security-Policy" in response  # still passes the outer middleware


def test_a_middleware_that_loses_the_database_answers_503_too(client, monkeypatch):
    """The user lookup (UserLanguageMiddleware, before any view) is where a page usually meets it."""

    def lost_user(request):
        raise InterfaceError("connection already closed")

    monkeypatch.setattr("django.contrib.auth.get_user", lost_user)
    response = client.get(reverse("exams:system_check"), headers={"Accept-Language": "en"})
    assert response.status_code == 503
    assert response["Retry-After"] == str(DATABASE_RETRY_AFTER_SECONDS)
    assert "Temporarily unavailable" in response.content.decode()


def test_other_errors_stay_500(client, monkeypatch):
    def broken(*args, **kwargs):
        raise RuntimeError("a bug")

    monkeypatch.setattr("exams.views.candidate.render", broken)
    response = client.get(reverse("exams:system_check"))
    assert response.status_code == 500
    assert "Retry-After" not in response


def test_the_answer_save_on_the_wsgi_fast_path_answers_503(monkeypatch):
    """The exam page retries a save answered 5xx; the fast path's middleware list has this one."""
    from irexam import wsgi

    assert "irexam.middleware.DatabaseUnavailableMiddleware" in wsgi.fast_application.middleware
    monkeypatch.setattr(AttemptSaveAnswerApi, "put", _lost)
    served = []
    fast = wsgi.fast_application
    monkeypatch.setattr(wsgi, "fast_application", lambda environ, start: served.append(1) or fast(environ, start))
    body = json.dumps({"answer": {"choice": "A"}, "flagged": False, "seq": 1}).encode()
    request = RequestFactory().put(
        reverse("api:attempt_save_answer", args=[1, 1]), body, content_type="application/json"
    )
    environ = dict(request.environ, **{"wsgi.input": io.BytesIO(body)})
    seen = {}

    def start_response(status, headers, exc_info=None):
        seen.update(status=int(status.split()[0]), headers=dict(headers))

    # As Django's test client does: the test's transaction lives on the connection.
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    try:
        chunks = wsgi.application(environ, start_response)
        payload = b"".join(chunks)
        chunks.close()
    finally:
        request_started.connect(close_old_connections)
        request_finished.connect(close_old_connections)
    assert served == [1]
    assert seen["status"] == 503
    assert seen["headers"]["Retry-After"] == str(DATABASE_RETRY_AFTER_SECONDS)
    assert json.loads(payload)["code"] == "database_unavailable"
