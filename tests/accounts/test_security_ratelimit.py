"""Rate limits: answer saves per attempt and public certificate verification per address.

Both count in the Django cache only (no database query) and answer 429 with Retry-After.
"""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from rest_framework.test import APIClient

from exams.services.attempts import attempt_start, attempt_token
from irexam import ratelimit
from tests.exams.conftest import build_delivery


@pytest.fixture
def attempt(trainee, other_trainee, officer, proctor):
    delivery = build_delivery(candidate=trainee, other_candidate=other_trainee, officer=officer, proctor=proctor)
    attempt, _created = attempt_start(registration=delivery.registration, paper=delivery.paper)
    return attempt


def save(attempt, seq, position=1, **extra):
    url = reverse("api:attempt_save_answer", args=[attempt.pk, position])
    return APIClient().put(
        url,
        {"answer": {"choice": "A"}, "seq": seq},
        format="json",
        HTTP_X_ATTEMPT_TOKEN=attempt_token(attempt),
        **extra,
    )


def test_saves_over_the_rate_get_429_with_retry_after_and_a_clear_message(attempt, settings):
    settings.ATTEMPT_SAVE_RATE = "3/min"
    assert [save(attempt, seq).status_code for seq in (1, 2, 3)] == [200, 200, 200]
    refused = save(attempt, 4, HTTP_ACCEPT_LANGUAGE="en")
    assert refused.status_code == 429
    assert 1 <= int(refused["Retry-After"]) <= 60
    body = refused.json()
    assert body["code"] == "rate_limited" and body["extra"]["retry_after"] == int(refused["Retry-After"])
    assert "Too many saves for this attempt" in body["detail"]
    assert "server_now" in body  # the exam page still corrects its clock


def test_the_limit_is_per_attempt(attempt, settings, other_trainee):
    settings.ATTEMPT_SAVE_RATE = "2/min"
    save(attempt, 1)
    save(attempt, 2)
    assert save(attempt, 3).status_code == 429
    from exams.models import Registration

    other_registration = Registration.objects.get(candidate=other_trainee)
    other, _created = attempt_start(registration=other_registration, paper=attempt.paper)
    assert save(other, 1).status_code == 200


def test_a_request_with_a_bad_token_does_not_use_up_the_attempts_limit(attempt, settings):
    settings.ATTEMPT_SAVE_RATE = "1/min"
    url = reverse("api:attempt_save_answer", args=[attempt.pk, 1])
    for _ in range(3):
        APIClient().put(url, {"answer": None, "seq": 1}, format="json", HTTP_X_ATTEMPT_TOKEN="forged")
    assert save(attempt, 1).status_code == 200


def test_the_default_rate_lets_a_whole_offline_queue_flush(attempt, settings):
    """The page sends its queue one save at a time after an outage: at most one per item."""
    assert ratelimit.parse_rate(settings.ATTEMPT_SAVE_RATE)[0] >= 300
    for seq in range(1, 61):
        assert save(attempt, seq).status_code == 200


def test_the_rate_limit_adds_no_database_query_to_the_save(attempt, settings):
    settings.ATTEMPT_SAVE_RATE = "600/min"
    save(attempt, 1)  # warm the in-process caches
    with CaptureQueriesContext(connection) as limited:
        save(attempt, 2)
    settings.ATTEMPT_SAVE_RATE = ""
    with CaptureQueriesContext(connection) as unlimited:
        save(attempt, 3)
    assert len(limited.captured_queries) == len(unlimited.captured_queries)


def test_verification_api_says_when_to_retry(api_client, settings, db):
    settings.CERTIFICATE_VERIFY_RATE = "2/min"
    url = reverse("api:certificate-verify", args=["NO-SUCH-CODE"])
    assert [api_client.get(url).status_code for _ in range(2)] == [404, 404]
    refused = api_client.get(url)
    assert refused.status_code == 429
    assert int(refused["Retry-After"]) == refused.json()["extra"]["retry_after"] > 0


@pytest.mark.parametrize("rate", ["sixty", "0/min", "10/fortnight"])
def test_a_bad_rate_setting_is_a_clear_error(rate):
    with pytest.raises(ValueError, match="ATTEMPT_SAVE_RATE"):
        ratelimit.parse_rate(rate, "ATTEMPT_SAVE_RATE")


def test_an_empty_rate_turns_the_limit_off(settings):
    settings.ATTEMPT_SAVE_RATE = ""
    assert all(ratelimit.hit("save:x", "ATTEMPT_SAVE_RATE")[0] for _ in range(1000))


def test_the_save_limit_counts_in_this_process_and_starts_again_each_window(attempt, settings, monkeypatch):
    settings.ATTEMPT_SAVE_RATE = "2/min"
    clock = [6_000_000.0]  # the start of a minute
    monkeypatch.setattr(ratelimit.time, "time", lambda: clock[0])
    assert [save(attempt, seq).status_code for seq in (1, 2, 3)] == [200, 200, 429]
    clock[0] += 59
    refused = save(attempt, 4)
    assert refused.status_code == 429 and refused["Retry-After"] == "1"
    clock[0] += 1  # the next window
    assert save(attempt, 5).status_code == 200
    # nothing of it is in the shared cache: the count is this process's
    from django.core.cache import cache

    assert not any(cache.get(f"ratelimit:save:{attempt.pk}:{n}") for n in (100_000, 100_001))


def test_a_new_window_forgets_the_previous_windows_keys():
    windows = ratelimit.LocalWindows()
    assert [windows.count("S", "a", 1) for _ in range(3)] == [1, 2, 3]
    assert windows.count("S", "b", 1) == 1
    assert windows.count("S", "a", 2) == 1
    assert windows._windows["S"] == (2, {"a": 1})
    assert windows.count("T", "a", 2) == 1  # each setting counts on its own
