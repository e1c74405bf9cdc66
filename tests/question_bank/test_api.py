"""The question bank REST API: authoring, workflow, preview, diff, bulk actions, list query counts."""

import pytest
from django.urls import reverse

from question_bank import services
from question_bank.models import Question, QuestionVersion
from tests.question_bank.bank_helpers import english, make_approved, make_draft, sba, tf  # noqa: F401 - english is a fixture

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english")]


def url(name, **kwargs):
    return reverse(f"api:{name}", kwargs=kwargs or None)


def create_payload(**overrides):
    payload = {"content": sba(), "area": "CORE-RAD", "level": "Q", "pool": "practice", "language": "en"}
    payload.update(overrides)
    return payload


def test_an_instructor_creates_a_draft_question(api_as, instructor):
    response = api_as(instructor).post(url("questions"), create_payload(tags=["dose"]), format="json")
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["code"].startswith("Q-")
    assert body["area"] == "CORE-RAD"
    assert [v["status"] for v in body["versions"]] == ["draft"]
    assert body["versions"][0]["content"]["key"] == ["B"]
    assert body["versions"][0]["tags"] == ["dose"]


def test_a_single_best_answer_with_two_keys_is_refused_with_a_clear_message(api_as, instructor):
    response = api_as(instructor).post(
        url("questions"), create_payload(content=sba(key=["A", "B"])), format="json", HTTP_ACCEPT_LANGUAGE="en"
    )
    assert response.status_code == 400
    body = response.json()
    assert body["code"] == "invalid_content"
    assert body["detail"] == "A single-best-answer item needs exactly one key; it has 2 (A, B)."
    assert body["extra"]["errors"][0]["path"] == "key"
    assert not Question.objects.exists()


def test_the_error_message_follows_the_language_of_the_request(api_as, instructor):
    response = api_as(instructor).post(
        url("questions"), create_payload(content=sba(key=[])), format="json", HTTP_ACCEPT_LANGUAGE="zh-hans"
    )
    assert response.status_code == 400
    assert "单选" in response.json()["detail"] or "最佳" in response.json()["detail"]


def test_an_unknown_area_is_refused(api_as, instructor):
    response = api_as(instructor).post(url("questions"), create_payload(area="NOPE"), format="json")
    assert response.status_code == 400
    assert "NOPE" in response.json()["detail"]


def test_the_whole_workflow_through_the_api(api_as, instructor, reviewer, second_reviewer):
    created = api_as(instructor).post(url("questions"), create_payload(pool="secure"), format="json").json()
    pk = created["id"]
    edited = api_as(instructor).patch(
        url("question-version", pk=pk, number=1), {"content": sba(key=["C"]), "level": "A"}, format="json"
    )
    assert edited.status_code == 200, edited.content
    assert edited.json()["versions"][0]["level"] == "A"
    submitted = api_as(instructor).post(url("question-version-submit", pk=pk, number=1), {"comment": "ready"})
    assert submitted.status_code == 200
    again = api_as(instructor).patch(url("question-version", pk=pk, number=1), {"level": "Q"}, format="json")
    assert again.status_code == 409
    assert again.json()["code"] == "version_immutable"
    queue = api_as(reviewer).get(url("question-review-queue")).json()
    assert [(q["question"], q["approvals"], q["approvals_required"]) for q in queue] == [(pk, 0, 2)]
    review_url = url("question-version-review", pk=pk, number=1)
    assert api_as(reviewer).post(review_url, {"decision": "approve"}).status_code == 201
    assert api_as(reviewer).post(review_url, {"decision": "approve"}).status_code == 409
    assert api_as(second_reviewer).post(review_url, {"decision": "approve", "comment": "ok"}).status_code == 201
    detail = api_as(instructor).get(url("question-detail", pk=pk)).json()
    assert detail["versions"][0]["status"] == "approved"
    assert detail["current_version"] == 1
    assert [t["to_status"] for t in detail["versions"][0]["transitions"]] == ["draft", "submitted", "approved"]
    assert [r["reviewer"] for r in detail["versions"][0]["reviews"]] == ["reviewer", "reviewer2"]

    new = api_as(instructor).post(url("question-version-create", pk=pk), {}, format="json")
    assert new.status_code == 201
    assert [v["status"] for v in new.json()["versions"]] == ["approved", "draft"]
    api_as(instructor).patch(url("question-version", pk=pk, number=2), {"content": sba(stem="New")}, format="json")
    diff = api_as(instructor).get(url("question-diff", pk=pk), {"from": 1, "to": 2}).json()
    assert {k["field"] for k in diff["keys"]} == {"key"}
    assert any(t["field"] == "stem" for t in diff["texts"])

    retired = api_as(instructor).post(url("question-retire", pk=pk), {"comment": "outdated"})
    assert retired.status_code == 200
    assert retired.json()["is_retired"] is True


def test_the_author_cannot_approve_their_own_item_through_the_api(api_as, reviewer):
    version = make_draft(reviewer, sba())
    services.version_submit(version=version, by=reviewer)
    response = api_as(reviewer).post(
        url("question-version-review", pk=version.question_id, number=1), {"decision": "approve"}
    )
    assert response.status_code == 403
    assert response.json()["code"] == "own_question"


def test_the_preview_neutralises_script_and_hides_key_and_explanation(api_as, instructor):
    content = sba(
        stem='Look <script>alert("x")</script> **here** [link](javascript:alert(1)) <img src=x onerror=alert(1)>',
        explanation="SECRET EXPLANATION",
    )
    response = api_as(instructor).post(url("question-preview"), {"content": content}, format="json")
    assert response.status_code == 200
    rendered = response.json()["content"]
    assert "<script" not in rendered["stem"] and "&lt;script&gt;" in rendered["stem"]
    assert "<img" not in rendered["stem"]  # raw HTML is shown as text, never as a tag
    assert "href" not in rendered["stem"]  # the javascript: link is left as plain text
    assert "<strong>here</strong>" in rendered["stem"]
    assert "key" not in rendered
    assert "explanation" not in rendered and "references" not in rendered
    assert "SECRET EXPLANATION" not in response.content.decode()
    assert [o["id"] for o in rendered["options"]] == ["A", "B", "C", "D"]


def test_a_stored_version_previews_without_secrets(api_as, instructor):
    version = make_draft(instructor, sba(explanation="Inverse square"))
    response = api_as(instructor).get(url("question-version-preview", pk=version.question_id, number=1))
    assert response.status_code == 200
    body = response.content.decode()
    assert "Inverse square" not in body and '"key"' not in body


def test_bulk_actions_are_all_or_nothing(api_as, instructor, reviewer):
    a = make_draft(instructor, sba())
    b = make_approved(instructor, [reviewer], tf())
    response = api_as(instructor).post(
        url("question-bulk"), {"action": "submit", "questions": [a.question_id, b.question_id]}, format="json"
    )
    assert response.status_code == 400
    assert list(response.json()["extra"]["errors"]) == [str(b.question)]
    assert QuestionVersion.objects.get(pk=a.pk).status == "draft"
    ok = api_as(instructor).post(
        url("question-bulk"),
        {"action": "move", "questions": [a.question_id, b.question_id], "area": "CORE-CM"},
        format="json",
    )
    assert ok.status_code == 200, ok.content
    assert set(Question.objects.values_list("area__code", flat=True)) == {"CORE-CM"}


def test_translations_are_linked_through_the_api(api_as, instructor):
    zh = make_draft(instructor, sba(stem="中文题干"), language="zh-hans")
    en = make_draft(instructor, sba(), language="en")
    response = api_as(instructor).post(
        url("question-translations", pk=zh.question_id), {"question": en.question_id}, format="json"
    )
    assert response.status_code == 200
    assert response.json()["translations"] == [{"id": en.question_id, "code": en.question.code, "language": "en"}]


def test_coverage_lists_every_area_level_and_pool(api_as, officer, instructor, reviewer):
    make_approved(instructor, [reviewer], sba())
    rows = api_as(officer).get(url("question-coverage")).json()
    cell = next(r for r in rows if (r["area"], r["level"], r["pool"]) == ("CORE-RAD", "Q", "practice"))
    assert cell["approved"] == 1
    assert len(rows) % 4 == 0 and len(rows) >= 80


def test_the_list_filters_by_area_type_status_and_text(api_as, officer, instructor, reviewer):
    make_approved(instructor, [reviewer], sba())
    make_draft(instructor, tf(), area=None)
    client = api_as(officer)
    assert client.get(url("questions"), {"type": "tf"}).json()["count"] == 1
    assert client.get(url("questions"), {"status": "approved"}).json()["count"] == 1
    assert client.get(url("questions"), {"area": "CORE-RAD"}).json()["count"] == 2
    assert client.get(url("questions"), {"area": "TACE"}).json()["count"] == 0
    assert client.get(url("questions"), {"q": "endoleak"}).json()["count"] == 1
    assert client.get(url("questions"), {"type": "nonsense"}).status_code == 400


def _make_many(instructor, reviewer, count, offset=0):
    for i in range(count):
        make_approved(instructor, [reviewer], sba(stem=f"Stem number {offset + i}"), objectives=["CORE-RAD-Q-01"])


def test_the_list_endpoint_uses_a_constant_number_of_queries(
    api_as, officer, instructor, reviewer, django_assert_num_queries
):
    client = api_as(officer)
    officer.roles  # noqa: B018 - load the role cache, as the authentication layer would
    _make_many(instructor, reviewer, 3)
    with django_assert_num_queries(3):  # count, page of questions, objectives of their latest versions
        response = client.get(url("questions"))
    assert response.json()["count"] == 3
    _make_many(instructor, reviewer, 7, offset=3)
    with django_assert_num_queries(3):
        response = client.get(url("questions"))
    assert response.json()["count"] == 10
    assert response.json()["results"][0]["latest_version"]["objectives"] == ["CORE-RAD-Q-01"]
