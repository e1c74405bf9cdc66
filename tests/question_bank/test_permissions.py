"""Who may use which question bank endpoint: trainees and proctors never see the bank."""

import pytest
from django.urls import reverse

from question_bank import services
from question_bank.models import QuestionVersion
from tests.question_bank.bank_helpers import english, make_draft, sba  # noqa: F401 - english is a fixture

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english")]


@pytest.fixture
def draft(instructor):
    return make_draft(instructor, sba())


def endpoints(version):
    pk, n = version.question_id, version.number
    return [
        ("get", reverse("api:questions"), None),
        ("post", reverse("api:questions"), {"content": sba(), "area": "CORE-RAD", "level": "Q", "pool": "practice"}),
        ("get", reverse("api:question-detail", kwargs={"pk": pk}), None),
        ("patch", reverse("api:question-version", kwargs={"pk": pk, "number": n}), {"level": "A"}),
        ("post", reverse("api:question-version-create", kwargs={"pk": pk}), {}),
        ("post", reverse("api:question-version-submit", kwargs={"pk": pk, "number": n}), {}),
        ("post", reverse("api:question-version-review", kwargs={"pk": pk, "number": n}), {"decision": "approve"}),
        ("get", reverse("api:question-version-preview", kwargs={"pk": pk, "number": n}), None),
        ("post", reverse("api:question-retire", kwargs={"pk": pk}), {}),
        ("post", reverse("api:question-translations", kwargs={"pk": pk}), {"question": pk}),
        ("get", reverse("api:question-diff", kwargs={"pk": pk}) + "?from=1&to=1", None),
        ("post", reverse("api:question-preview"), {"content": sba()}),
        ("post", reverse("api:question-bulk"), {"action": "submit", "questions": [pk]}),
        ("get", reverse("api:question-coverage"), None),
        ("get", reverse("api:question-review-queue"), None),
        ("post", reverse("api:question-media"), {}),
    ]


def call(client, method, path, data):
    if method == "get":
        return client.get(path)
    return getattr(client, method)(path, data, format="json")


@pytest.mark.parametrize("persona", ["trainee", "proctor"])
def test_trainees_and_proctors_get_403_on_every_bank_endpoint(request, api_as, draft, persona):
    client = api_as(request.getfixturevalue(persona))
    for method, path, data in endpoints(draft):
        response = call(client, method, path, data)
        assert response.status_code == 403, (method, path, response.status_code)
    draft.refresh_from_db()
    assert draft.status == "draft" and draft.level == "Q"


def test_anonymous_users_are_refused_everywhere(api_client, draft):
    for method, path, data in endpoints(draft):
        assert call(api_client, method, path, data).status_code in (401, 403), path
    media = reverse("api:question-media-file", kwargs={"pk": "0b0e1f4e-9d7e-4a55-a0a1-2f1e6c0b9e11"})
    assert api_client.get(media).status_code in (401, 403)


@pytest.mark.parametrize("persona", ["instructor", "reviewer", "second_reviewer", "officer"])
def test_bank_roles_can_read_the_bank(request, api_as, draft, persona):
    client = api_as(request.getfixturevalue(persona))
    assert client.get(reverse("api:questions")).json()["count"] == 1
    assert client.get(reverse("api:question-detail", kwargs={"pk": draft.question_id})).status_code == 200
    assert client.get(reverse("api:question-coverage")).status_code == 200


def test_a_pure_reviewer_cannot_author(api_as, second_reviewer, draft):
    client = api_as(second_reviewer)
    response = client.post(
        reverse("api:questions"),
        {"content": sba(), "area": "CORE-RAD", "level": "Q", "pool": "practice"},
        format="json",
    )
    assert response.status_code == 403
    assert client.post(reverse("api:question-retire", kwargs={"pk": draft.question_id})).status_code == 403


def test_an_instructor_cannot_edit_submit_or_retire_another_authors_draft(api_as, reviewer, draft):
    client = api_as(reviewer)  # an instructor too, but not the author
    path = reverse("api:question-version", kwargs={"pk": draft.question_id, "number": 1})
    assert client.patch(path, {"level": "A"}, format="json").status_code == 403
    submit = reverse("api:question-version-submit", kwargs={"pk": draft.question_id, "number": 1})
    assert client.post(submit).status_code == 403
    assert client.post(reverse("api:question-retire", kwargs={"pk": draft.question_id})).status_code == 403
    assert QuestionVersion.objects.get(pk=draft.pk).level == "Q"


def test_an_officer_may_edit_and_retire_any_question(api_as, officer, draft):
    client = api_as(officer)
    path = reverse("api:question-version", kwargs={"pk": draft.question_id, "number": 1})
    assert client.patch(path, {"level": "A"}, format="json").status_code == 200
    assert client.post(reverse("api:question-retire", kwargs={"pk": draft.question_id})).status_code == 200


def test_only_reviewers_have_a_review_queue(api_as, instructor, officer, reviewer):
    assert api_as(instructor).get(reverse("api:question-review-queue")).status_code == 403
    assert api_as(officer).get(reverse("api:question-review-queue")).status_code == 403
    assert api_as(reviewer).get(reverse("api:question-review-queue")).status_code == 200


def test_officers_cannot_approve_but_may_comment(api_as, officer, instructor, draft):
    services.version_submit(version=draft, by=instructor)
    path = reverse("api:question-version-review", kwargs={"pk": draft.question_id, "number": 1})
    assert api_as(officer).post(path, {"decision": "approve"}).status_code == 403
    assert api_as(officer).post(path, {"decision": "comment", "comment": "Check the reference"}).status_code == 201


def test_a_missing_question_is_404_for_bank_roles(api_as, officer):
    assert api_as(officer).get(reverse("api:question-detail", kwargs={"pk": 999999})).status_code == 404
