"""No candidate-facing answer — API, page, error or schema — contains a key, a correctness flag,
an explanation, references or a statistic, before or after submission.

The test items' explanations, references and difficulty are recognisable strings
(tests/exams/conftest.py); every response body is searched for them, and every JSON body is
walked for field names that would carry keys or correctness.
"""

import json
from typing import Any

import pytest
from django.urls import reverse

from exams.models import Attempt
from tests.exams.conftest import SECRET_DIFFICULTY, SECRET_EXPLANATION, SECRET_REFERENCE

pytestmark = pytest.mark.django_db

SECRET_STRINGS = [SECRET_EXPLANATION, SECRET_REFERENCE, str(SECRET_DIFFICULTY)]
FORBIDDEN_FIELDS = {
    "key",
    "keys",
    "correct",
    "is_correct",
    "correct_answer",
    "explanation",
    "explanations",
    "references",
    "difficulty",
    "difficulty_estimate",
    "p_value",
    "rpb",
    "discrimination",
    "statistics",
    "score",
    "raw_score",
    "percent",
    "scaled_score",
    "passed",
}


def field_names(value: Any) -> set[str]:
    if isinstance(value, dict):
        names = set(value)
        for child in value.values():
            names |= field_names(child)
        return names
    if isinstance(value, list):
        return set().union(*(field_names(child) for child in value)) if value else set()
    return set()


class Walk:
    """Records every response a candidate receives and checks it."""

    def __init__(self) -> None:
        self.seen: list[str] = []

    def check(self, label: str, response) -> Any:
        body = response.content.decode("utf-8", errors="replace")
        self.seen.append(label)
        for secret in SECRET_STRINGS:
            assert secret not in body, f"{label} leaks {secret!r}"
        if response.get("Content-Type", "").startswith("application/json") and body:
            data = json.loads(body)
            leaked = field_names(data) & FORBIDDEN_FIELDS
            assert not leaked, f"{label} has the field(s) {sorted(leaked)}"
            return data
        return body


def test_every_candidate_facing_response_is_free_of_keys_and_explanations(client, trainee, other_trainee, delivery):
    walk = Walk()
    client.force_login(trainee)

    # pages before the attempt
    walk.check("my exams page", client.get(reverse("exams:my_sittings")))
    walk.check("dashboard", client.get(reverse("accounts:role_dashboard", args=["trainee"])))
    walk.check("system check", client.get(reverse("exams:system_check")))
    start_url = reverse("exams:start", args=[delivery.registration.pk, delivery.paper.pk])
    walk.check("start page", client.get(start_url))
    walk.check("start page refused", client.post(start_url, {}))

    # the API before and at the start
    walk.check("server time", client.get(reverse("api:time")))
    walk.check("my sittings", client.get(reverse("api:my_sittings")))
    body = {"registration": delivery.registration.pk, "paper": delivery.paper.pk}
    started = walk.check("start", client.post(reverse("api:attempt_start"), body, content_type="application/json"))
    attempt_id = started["attempt"]["id"]
    assert len(started["attempt"]["items"]) == 6  # the items really are in the payload being checked
    walk.check("start again", client.post(reverse("api:attempt_start"), body, content_type="application/json"))

    # the exam page (its GET changes nothing; its script takes the attempt over by the session POST)
    walk.check("exam page", client.get(reverse("exams:exam_page", args=[attempt_id])))
    session = walk.check("session", client.post(reverse("api:attempt_session", args=[attempt_id])))
    token = session["token"]
    state = walk.check("state", client.get(reverse("api:attempt_detail", args=[attempt_id])))
    assert {item["type"] for item in state["items"]} == {"sba", "mrq", "tf", "emq", "order", "case"}

    def save(position, answer, seq, label, token=token):
        url = reverse("api:attempt_save_answer", args=[attempt_id, position])
        return walk.check(
            label,
            client.put(
                url,
                json.dumps({"answer": answer, "seq": seq, "flagged": False}),
                content_type="application/json",
                HTTP_X_ATTEMPT_TOKEN=token,
            ),
        )

    # correct, incorrect, stale and malformed saves answer alike
    assert save(1, {"choice": "B"}, 1, "save (keyed answer)")["accepted"] is True
    assert save(2, {"choices": ["C"]}, 2, "save (wrong answer)")["accepted"] is True
    save(1, {"choice": "A"}, 1, "save (stale seq)")
    save(1, {"choice": "Z"}, 3, "save (unknown option)")
    save(6, {"answers": {"q1": {"choice": "A"}}}, 4, "save (case)")
    save(1, {"choice": "B"}, 5, "save (bad token)", token="forged")

    stage_url = reverse("api:attempt_stage", args=[attempt_id])
    moved = walk.check("stage", client.post(stage_url, {"position": 6, "stage": 1}, content_type="application/json"))
    assert len(moved["item"]["stages"]) == 2
    walk.check("stage refused", client.post(stage_url, {"position": 6, "stage": 5}, content_type="application/json"))
    events_url = reverse("api:attempt_events", args=[attempt_id])
    walk.check("event", client.post(events_url, {"kind": "hidden"}, content_type="application/json"))
    walk.check("event refused", client.post(events_url, {"kind": "nope"}, content_type="application/json"))
    comments_url = reverse("api:attempt_comments", args=[attempt_id])
    walk.check(
        "comment",
        client.post(comments_url, {"position": 1, "text": "Two options look right."}, content_type="application/json"),
    )
    walk.check(
        "comment refused", client.post(comments_url, {"position": 99, "text": "?"}, content_type="application/json")
    )
    walk.check("receipt before submit", client.get(reverse("exams:receipt", args=[attempt_id])))

    # someone else looking
    client.force_login(other_trainee)
    walk.check("another's state", client.get(reverse("api:attempt_detail", args=[attempt_id])))
    walk.check("another's exam page", client.get(reverse("exams:exam_page", args=[attempt_id])))
    client.force_login(trainee)

    # submission and after
    submit_url = reverse("api:attempt_submit", args=[attempt_id])
    walk.check("submit refused", client.post(submit_url, {}, content_type="application/json"))
    receipt = walk.check("submit", client.post(submit_url, {"confirm": True}, content_type="application/json"))
    assert receipt["answered"] == 3
    walk.check("state after submit", client.get(reverse("api:attempt_detail", args=[attempt_id])))
    walk.check(
        "save after submit",
        client.put(
            reverse("api:attempt_save_answer", args=[attempt_id, 1]),
            json.dumps({"answer": {"choice": "C"}, "seq": 9}),
            content_type="application/json",
            HTTP_X_ATTEMPT_TOKEN=token,
        ),
    )
    walk.check("receipt page", client.get(reverse("exams:receipt", args=[attempt_id])))
    walk.check("exam page after submit", client.get(reverse("exams:exam_page", args=[attempt_id]), follow=True))
    walk.check("my exams after", client.get(reverse("exams:my_sittings")))
    walk.check("my sittings after", client.get(reverse("api:my_sittings")))

    # the published API description
    walk.check("api schema", client.get(reverse("schema")))
    walk.check("api root", client.get(reverse("api:root")))

    assert Attempt.objects.get(pk=attempt_id).status == Attempt.Status.SUBMITTED
    assert len(walk.seen) >= 35


def test_the_check_itself_notices_a_leaked_explanation_or_key_field():
    from django.http import HttpResponse, JsonResponse

    walk = Walk()
    with pytest.raises(AssertionError):
        walk.check("html", HttpResponse(f"<p>{SECRET_EXPLANATION}-1</p>"))
    with pytest.raises(AssertionError):
        walk.check("json", JsonResponse({"items": [{"options": [{"id": "A"}], "key": ["A"]}]}))
    assert walk.check("clean", JsonResponse({"items": [{"options": [{"id": "A"}]}]})) == {
        "items": [{"options": [{"id": "A"}]}]
    }
