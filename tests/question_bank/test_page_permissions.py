"""Who may open which question bank page: trainees and proctors never see the bank (403)."""

import pytest
from django.urls import reverse

from question_bank import services
from tests.question_bank.bank_helpers import english, make_draft, sba  # noqa: F401 - english is a fixture

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english")]


@pytest.fixture
def client_as(client):
    """The test client signed in as ``user``, with pages in English (the language cookie)."""

    def make(user):
        client.force_login(user)
        client.cookies["irexam_language"] = "en"
        return client

    return make


@pytest.fixture
def draft(instructor):
    return make_draft(instructor, sba())


def pages(version):
    pk = version.question_id
    return {
        "list": reverse("question_bank:list"),
        "new": reverse("question_bank:create"),
        "detail": reverse("question_bank:detail", kwargs={"pk": pk}),
        "edit": reverse("question_bank:edit", kwargs={"pk": pk}),
        "diff": reverse("question_bank:diff", kwargs={"pk": pk, "a": 1, "b": 1}),
        "review": reverse("question_bank:review_queue"),
        "coverage": reverse("question_bank:coverage"),
    }


def posts(version):
    pk = version.question_id
    return [
        (reverse("question_bank:bulk"), {"action": "submit", "questions": [pk]}),
        (reverse("question_bank:preview"), None),
        (reverse("question_bank:media_upload"), {}),
        (reverse("question_bank:submit", kwargs={"pk": pk}), {}),
        (reverse("question_bank:new_version", kwargs={"pk": pk}), {}),
        (reverse("question_bank:retire", kwargs={"pk": pk}), {}),
        (reverse("question_bank:link_translation", kwargs={"pk": pk}), {"other": "Q-000001"}),
        (reverse("question_bank:version_review", kwargs={"version_id": version.pk}), {"decision": "approve"}),
    ]


@pytest.mark.parametrize("persona", ["trainee", "proctor"])
def test_trainees_and_proctors_get_403_on_every_bank_page(request, client_as, draft, persona):
    client = client_as(request.getfixturevalue(persona))
    for name, url in pages(draft).items():
        assert client.get(url).status_code == 403, name
    for url, data in posts(draft):
        response = (
            client.post(url, data="{}", content_type="application/json") if data is None else client.post(url, data)
        )
        assert response.status_code == 403, url


def test_anonymous_visitors_are_sent_to_the_login_page(client, draft):
    response = client.get(reverse("question_bank:list"))
    assert response.status_code == 302
    assert reverse("login") in response["Location"]


@pytest.mark.parametrize(
    ("persona", "allowed"),
    [
        ("instructor", {"list", "new", "detail", "edit", "diff", "coverage"}),
        ("reviewer", {"list", "new", "detail", "diff", "review", "coverage"}),
        ("second_reviewer", {"list", "detail", "diff", "review", "coverage"}),
        ("officer", {"list", "new", "detail", "edit", "diff", "coverage"}),
    ],
)
def test_each_bank_role_opens_its_pages_and_no_others(request, client_as, draft, persona, allowed):
    client = client_as(request.getfixturevalue(persona))
    for name, url in pages(draft).items():
        status = client.get(url).status_code
        if name in allowed:
            assert status == 200, (name, status)
        else:
            assert status in (403, 404), (name, status)


def test_an_instructor_cannot_open_the_edit_page_of_someone_elses_draft(client_as, draft, reviewer):
    # reviewer also holds the instructor role: an author, but not of this draft
    response = client_as(reviewer).get(reverse("question_bank:edit", kwargs={"pk": draft.question_id}))
    assert response.status_code == 404


def test_an_instructor_cannot_save_over_someone_elses_draft(client_as, draft, reviewer):
    response = client_as(reviewer).post(
        reverse("question_bank:edit", kwargs={"pk": draft.question_id}), {"content": "{}"}
    )
    assert response.status_code == 404
    draft.refresh_from_db()
    assert draft.content["key"] == ["B"]


def test_a_reviewer_cannot_approve_their_own_question(client_as, reviewer):
    version = make_draft(reviewer, sba())
    services.version_submit(version=version, by=reviewer)
    response = client_as(reviewer).post(
        reverse("question_bank:version_review", kwargs={"version_id": version.pk}), {"decision": "approve"}, follow=True
    )
    assert response.status_code == 200
    assert "You cannot review a question you wrote" in response.content.decode()
    version.refresh_from_db()
    assert version.status == "submitted"


def test_an_instructor_who_is_not_a_reviewer_cannot_approve(client_as, draft, officer):
    other = make_draft(officer, sba(stem="Another stem"))
    services.version_submit(version=other, by=officer)
    from tests.factories import UserFactory

    author = UserFactory(username="author2", roles=["instructor"])
    response = client_as(author).post(
        reverse("question_bank:version_review", kwargs={"version_id": other.pk}), {"decision": "approve"}
    )
    assert response.status_code == 403
    other.refresh_from_db()
    assert other.status == "submitted"
