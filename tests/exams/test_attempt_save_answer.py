"""Saving answers: token-authenticated, idempotent, ordered by seq, refused after the deadline + grace."""

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from rest_framework.test import APIClient

from exams.models import Attempt, AttemptEvent, Response
from exams.services.attempts import (
    attempt_pause,
    attempt_start,
    attempt_submit,
    attempt_takeover,
    attempt_token,
    attempt_token_read,
    response_save,
)
from irexam.errors import ApplicationError

pytestmark = pytest.mark.django_db


@pytest.fixture
def attempt(delivery):
    attempt, _ = attempt_start(registration=delivery.registration, paper=delivery.paper)
    return attempt


def put(attempt, position, body, token=None):
    """A save as the exam page sends it: no session, only the attempt token."""
    client = APIClient()
    headers = {} if token == "" else {"HTTP_X_ATTEMPT_TOKEN": token or attempt_token(attempt)}
    url = reverse("api:attempt_save_answer", args=[attempt.pk, position])
    return client.put(url, body, format="json", **headers)


def stored(attempt, position):
    return Response.objects.filter(attempt=attempt, position=position).values_list("answer", "seq", "flagged").first()


def test_a_save_is_acknowledged_once_stored(attempt):
    response = put(attempt, 1, {"answer": {"choice": "B"}, "flagged": False, "seq": 1})
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["accepted"] is True
    assert body["seq"] == 1
    assert body["position"] == 1
    assert "saved_at" in body and "server_now" in body
    assert stored(attempt, 1) == ({"choice": "B"}, 1, False)


def test_every_item_type_is_stored_in_canonical_ids(attempt):
    answers = {
        1: {"choice": "A"},
        2: {"choices": ["D", "A"]},
        3: {"choice": "T"},
        4: {"answers": {"1": "A", "2": "B"}},
        5: {"order": ["B", "A", "D", "C"]},
        6: {"answers": {"q1": {"choice": "A"}}},
    }
    for seq, (position, answer) in enumerate(answers.items(), start=1):
        response = put(attempt, position, {"answer": answer, "seq": seq})
        assert response.status_code == 200, response.content
    assert stored(attempt, 2)[0] == {"choices": ["A", "D"]}  # normalised
    assert stored(attempt, 5)[0] == {"order": ["B", "A", "D", "C"]}


def test_a_retried_save_is_idempotent(attempt):
    body = {"answer": {"choice": "B"}, "seq": 3}
    first = put(attempt, 1, body)
    again = put(attempt, 1, body)
    assert first.json()["accepted"] is True
    assert again.status_code == 200
    assert again.json() | {"server_now": None, "saved_at": None} == {
        "position": 1,
        "accepted": False,
        "seq": 3,
        "saved_at": None,
        "server_now": None,
    }
    assert stored(attempt, 1) == ({"choice": "B"}, 3, False)
    assert Response.objects.filter(attempt=attempt).count() == 1


def test_a_late_older_save_never_overwrites_a_newer_answer(attempt):
    assert put(attempt, 1, {"answer": {"choice": "C"}, "seq": 5}).json()["accepted"] is True
    late = put(attempt, 1, {"answer": {"choice": "A"}, "seq": 4})
    assert late.status_code == 200
    assert late.json()["accepted"] is False
    assert late.json()["seq"] == 5
    assert stored(attempt, 1)[:2] == ({"choice": "C"}, 5)


def test_a_newer_save_replaces_the_answer_and_the_flag(attempt):
    put(attempt, 1, {"answer": {"choice": "C"}, "seq": 1})
    put(attempt, 1, {"answer": {"choice": "D"}, "flagged": True, "seq": 2})
    assert stored(attempt, 1) == ({"choice": "D"}, 2, True)


def test_sequence_numbers_order_saves_across_positions_independently(attempt):
    put(attempt, 1, {"answer": {"choice": "C"}, "seq": 10})
    assert put(attempt, 2, {"answer": {"choices": ["A"]}, "seq": 2}).json()["accepted"] is True


def test_clearing_an_answer_is_stored_as_an_omit(attempt):
    put(attempt, 1, {"answer": {"choice": "C"}, "seq": 1})
    assert put(attempt, 1, {"answer": None, "seq": 2}).json()["accepted"] is True
    assert stored(attempt, 1)[0] == {}


def test_each_accepted_save_is_logged_with_its_seq(attempt):
    put(attempt, 1, {"answer": {"choice": "C"}, "seq": 1})
    put(attempt, 1, {"answer": {"choice": "C"}, "seq": 1})  # refused as older-or-equal: not a new save
    put(attempt, 1, {"answer": {"choice": "B"}, "seq": 2})
    events = list(
        AttemptEvent.objects.filter(attempt=attempt, kind=AttemptEvent.Kind.SAVE).values_list("position", "seq")
    )
    assert events == [(1, 1), (1, 2)]


def test_a_save_within_the_grace_after_the_deadline_is_accepted(attempt):
    token = attempt_token_read(attempt_token(attempt))
    result = response_save(
        token=token,
        position=1,
        answer={"choice": "A"},
        seq=1,
        grace_seconds=30,
        now=attempt.deadline_at + timedelta(seconds=20),
    )
    assert result.accepted


def test_a_save_after_the_deadline_and_grace_is_refused_and_logged(attempt):
    token = attempt_token_read(attempt_token(attempt))
    with pytest.raises(ApplicationError) as exc:
        response_save(
            token=token,
            position=1,
            answer={"choice": "A"},
            seq=1,
            grace_seconds=30,
            now=attempt.deadline_at + timedelta(seconds=31),
        )
    assert exc.value.code == "deadline_passed"
    assert exc.value.status_code == 409
    assert not Response.objects.filter(attempt=attempt).exists()
    assert AttemptEvent.objects.filter(attempt=attempt, kind=AttemptEvent.Kind.LATE_SAVE, seq=1).exists()
    attempt.refresh_from_db()
    assert attempt.status == Attempt.Status.AUTO_SUBMITTED  # the refusal finalises it


def test_the_api_refuses_a_late_save_with_409_deadline_passed(attempt):
    Attempt.objects.filter(pk=attempt.pk).update(deadline_at=timezone.now() - timedelta(seconds=31))
    response = put(attempt, 1, {"answer": {"choice": "A"}, "seq": 1})
    assert response.status_code == 409
    assert response.json()["code"] == "deadline_passed"
    assert "server_now" in response.json()


def test_the_api_uses_the_sittings_grace(attempt, delivery):
    Attempt.objects.filter(pk=attempt.pk).update(deadline_at=timezone.now() - timedelta(seconds=10))
    response = put(attempt, 1, {"answer": {"choice": "A"}, "seq": 1})
    assert response.status_code == 200  # 10 s late, within the sitting's 30 s grace
    assert response.json()["accepted"] is True


def test_a_save_after_submission_is_refused_as_finished(attempt):
    attempt_submit(attempt=attempt)
    response = put(attempt, 1, {"answer": {"choice": "A"}, "seq": 1})
    assert response.status_code == 409
    assert response.json()["code"] == "finished"


def test_a_save_while_paused_is_refused_as_paused(attempt, proctor):
    attempt_pause(attempt=attempt, by=proctor, reason="fire alarm")
    response = put(attempt, 1, {"answer": {"choice": "A"}, "seq": 1})
    assert response.status_code == 409
    assert response.json()["code"] == "paused"


def test_after_a_takeover_the_first_window_is_told_and_the_second_saves(attempt):
    first_token = attempt_token(attempt)
    attempt = attempt_takeover(attempt=attempt)
    second_token = attempt_token(attempt)
    refused = put(attempt, 1, {"answer": {"choice": "A"}, "seq": 1}, token=first_token)
    assert refused.status_code == 409
    assert refused.json()["code"] == "session_taken_over"
    accepted = put(attempt, 1, {"answer": {"choice": "A"}, "seq": 2}, token=second_token)
    assert accepted.json()["accepted"] is True


@pytest.mark.parametrize(
    ("body", "code"),
    [
        ({"answer": {"choice": "Z"}, "seq": 1}, "bad_answer"),
        ({"answer": "B", "seq": 1}, "bad_answer"),
        ({"answer": {"choice": "A"}}, "bad_seq"),
        ({"answer": {"choice": "A"}, "seq": 0}, "bad_seq"),
        ({"answer": {"choice": "A"}, "seq": "7"}, "bad_seq"),
        ({"answer": {"choice": "A"}, "seq": True}, "bad_seq"),
    ],
)
def test_a_malformed_save_is_refused_with_400(attempt, body, code):
    response = put(attempt, 1, body)
    assert response.status_code == 400
    assert response.json()["code"] == code
    assert not Response.objects.filter(attempt=attempt).exists()


def test_an_unknown_position_is_404(attempt):
    response = put(attempt, 99, {"answer": {"choice": "A"}, "seq": 1})
    assert response.status_code == 404


def test_without_a_token_the_save_is_401(attempt):
    response = put(attempt, 1, {"answer": {"choice": "A"}, "seq": 1}, token="")
    assert response.status_code == 401
    assert response.json()["code"] == "bad_token"


def test_a_forged_token_is_401(attempt):
    token = attempt_token(attempt)
    forged = token.replace(f"{attempt.pk}.", f"{attempt.pk + 1}.", 1)
    response = put(attempt, 1, {"answer": {"choice": "A"}, "seq": 1}, token=forged)
    assert response.status_code == 401


def test_a_token_for_one_attempt_cannot_save_into_another(attempt, delivery):
    other, _ = attempt_start(registration=delivery.other_registration, paper=delivery.paper)
    client = APIClient()
    url = reverse("api:attempt_save_answer", args=[other.pk, 1])
    response = client.put(
        url, {"answer": {"choice": "A"}, "seq": 1}, format="json", HTTP_X_ATTEMPT_TOKEN=attempt_token(attempt)
    )
    assert response.status_code == 404
    assert not Response.objects.filter(attempt=other).exists()


def test_the_save_path_does_not_look_up_users_or_sessions(attempt):
    put(attempt, 1, {"answer": {"choice": "A"}, "seq": 1})  # warm the in-process layout and grace caches
    with CaptureQueriesContext(connection) as queries:
        response = put(attempt, 1, {"answer": {"choice": "B"}, "seq": 2})
    assert response.json()["accepted"] is True
    sql = " ".join(q["sql"] for q in queries.captured_queries).lower()
    assert "accounts_user" not in sql
    assert "django_session" not in sql
    assert "exams_form" not in sql and "exams_sitting" not in sql  # cached
    # the guarded upsert (+ the log row on SQLite), inside one transaction
    data_queries = [q for q in queries.captured_queries if not q["sql"].upper().startswith(("SAVEPOINT", "RELEASE"))]
    assert len(data_queries) <= 2


def raw_put(attempt, position, data: bytes, content_type="application/json"):
    url = reverse("api:attempt_save_answer", args=[attempt.pk, position])
    return APIClient().generic("PUT", url, data, content_type=content_type, HTTP_X_ATTEMPT_TOKEN=attempt_token(attempt))


@pytest.mark.parametrize(
    ("data", "content_type", "status", "code"),
    [
        (b'{"answer": {"choice": "A"}, "seq": ', "application/json", 400, "parse_error"),
        (b"\xff\xfe", "application/json", 400, "parse_error"),
        (b'{"answer": {"choice": "A"}, "seq": 1}', "text/plain", 415, "unsupported_media_type"),
        (b'{"answer": {"choice": "A"}, "seq": 1}', "application/x-www-form-urlencoded", 415, "unsupported_media_type"),
        (b'["answer", 1]', "application/json", 400, "bad_answer"),
        (b'{"seq": 1}', "application/json", 400, "bad_answer"),
        (b'{"answer": {"choice": "A"}, "flagged": "yes", "seq": 1}', "application/json", 400, "bad_answer"),
        (b'{"answer": {"choice": "A"}, "flagged": 1, "seq": 1}', "application/json", 400, "bad_answer"),
    ],
)
def test_a_body_that_is_not_a_save_is_refused_with_a_code(attempt, data, content_type, status, code):
    response = raw_put(attempt, 1, data, content_type)
    assert response.status_code == status
    body = response.json()
    assert body["code"] == code and body["detail"] and "server_now" in body
    assert not Response.objects.filter(attempt=attempt).exists()


def test_a_missing_answer_and_a_bad_flag_are_named_in_the_clients_language(attempt):
    url = reverse("api:attempt_save_answer", args=[attempt.pk, 1])
    headers = {"HTTP_X_ATTEMPT_TOKEN": attempt_token(attempt)}
    zh = APIClient().put(url, {"seq": 1}, format="json", HTTP_ACCEPT_LANGUAGE="zh-hans", **headers)
    assert zh.json()["detail"] == "answer: 该字段是必填项。"
    en = APIClient().put(
        url, {"answer": None, "flagged": "x", "seq": 1}, format="json", HTTP_ACCEPT_LANGUAGE="en", **headers
    )
    assert en.json()["detail"] == "flagged: Must be a valid boolean."


def test_a_null_answer_with_a_charset_in_the_content_type_is_stored(attempt):
    response = raw_put(attempt, 1, b'{"answer": null, "flagged": true, "seq": 1}', "application/json; charset=utf-8")
    assert response.status_code == 200, response.content
    assert response["Allow"] == "PUT, OPTIONS"
    assert stored(attempt, 1)[1:] == (1, True)  # a cleared answer, flagged


def test_other_methods_on_the_save_route_take_the_normal_api_path(attempt):
    url = reverse("api:attempt_save_answer", args=[attempt.pk, 1])
    client = APIClient()
    assert client.options(url).status_code == 200
    assert client.get(url).status_code == 405
    assert client.post(url, {"answer": None, "seq": 1}, format="json").status_code == 405


def _prepared_saves() -> int:
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM pg_prepared_statements WHERE statement LIKE %s", ["%exams_response%"])
        return cursor.fetchone()[0]


@pytest.mark.skipif(connection.vendor != "postgresql", reason="prepared statements are PostgreSQL's")
def test_the_save_statement_is_prepared_once_per_connection_and_still_logged(attempt, settings):
    settings.DATABASE_PREPARED_STATEMENTS = True
    before = _prepared_saves()
    with CaptureQueriesContext(connection) as queries:
        for seq in (1, 2, 3):
            response = put(attempt, 1, {"answer": {"choice": "A"}, "seq": seq})
            assert response.json().get("accepted") is True, response.content
    assert _prepared_saves() <= max(before, 1)
    assert _prepared_saves() == 1
    assert sum("exams_response" in q["sql"] for q in queries.captured_queries) == 3
    settings.DATABASE_PREPARED_STATEMENTS = False  # the connection's usual cursor: same result
    assert put(attempt, 1, {"answer": {"choice": "B"}, "seq": 4}).json()["accepted"] is True
    assert stored(attempt, 1) == ({"choice": "B"}, 4, False)


@pytest.mark.skipif(connection.vendor != "postgresql", reason="the prepared cursor is PostgreSQL's")
def test_the_save_pays_no_health_check_round_trip(attempt, settings, monkeypatch):
    """The page retries a failed save, so the save skips the SELECT 1 before its statement."""
    settings.DATABASE_PREPARED_STATEMENTS = True
    put(attempt, 1, {"answer": {"choice": "A"}, "seq": 1})  # warm the in-process layout and grace caches
    checks = []
    monkeypatch.setattr(connection, "close_if_health_check_failed", lambda: checks.append(1))
    assert put(attempt, 1, {"answer": {"choice": "B"}, "seq": 2}).json()["accepted"] is True
    assert checks == []
    from irexam.db import prepared_cursor

    with prepared_cursor(connection) as cursor:  # the default keeps Django's check
        cursor.execute("SELECT 1")
    assert checks == [1]
