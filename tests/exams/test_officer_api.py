"""Officer API: permissions per persona, CRUD, assembly and its shortfall, registrations, query counts."""

from __future__ import annotations

import datetime

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone, translation

from curriculum.models import CaseRequirement, LevelRule
from exams.models import BlueprintRow, Form, Registration, Sitting
from tests.exams.test_assembly_service import make_exam, make_items, make_sitting
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _english(settings):
    """Messages are checked in English (the source language)."""
    settings.LANGUAGE_CODE = "en"
    with translation.override("en"):
        yield


PERSONAS = ["trainee", "instructor", "reviewer", "proctor"]


@pytest.fixture
def no_curriculum_rules(db):
    CaseRequirement.objects.update(is_active=False)
    LevelRule.objects.update(min_months=0, requires_certificate_level="")


@pytest.fixture
def sitting(officer):
    return make_sitting(make_exam(officer), officer)


def officer_urls(sitting: Sitting) -> list[tuple[str, str]]:
    exam = sitting.exam
    paper = exam.papers.get()
    row = paper.blueprint_rows.first()
    return [
        ("get", reverse("api:exams")),
        ("post", reverse("api:exams")),
        ("get", reverse("api:exam_detail", args=[exam.pk])),
        ("patch", reverse("api:exam_detail", args=[exam.pk])),
        ("post", reverse("api:exam_papers", args=[exam.pk])),
        ("patch", reverse("api:exam_paper_detail", args=[exam.pk, paper.pk])),
        ("post", reverse("api:exam_blueprint_rows", args=[exam.pk, paper.pk])),
        ("delete", reverse("api:exam_blueprint_row_detail", args=[exam.pk, paper.pk, row.pk])),
        ("get", reverse("api:sittings")),
        ("post", reverse("api:sittings")),
        ("patch", reverse("api:sitting_detail", args=[sitting.pk])),
        ("post", reverse("api:sitting_assemble", args=[sitting.pk])),
        ("get", reverse("api:sitting_registrations", args=[sitting.pk])),
        ("post", reverse("api:sitting_registrations", args=[sitting.pk])),
        ("post", reverse("api:sitting_registrations_import", args=[sitting.pk])),
        ("post", reverse("api:sitting_eligibility", args=[sitting.pk])),
    ]


@pytest.mark.parametrize("persona", PERSONAS)
def test_every_officer_endpoint_refuses_other_roles(request, persona, sitting, api_as):
    client = api_as(request.getfixturevalue(persona))
    for method, url in officer_urls(sitting):
        assert getattr(client, method)(url, {}, format="json").status_code == 403, (method, url)


def test_anonymous_users_are_refused(sitting, api_as):
    for method, url in officer_urls(sitting):
        assert getattr(api_as(None), method)(url, {}, format="json").status_code in (401, 403)


def test_an_officer_builds_an_exam_with_a_paper_and_blueprint(officer, api_as):
    client = api_as(officer)
    response = client.post(
        reverse("api:exams"),
        {"code": "adv-2026", "title_zh": "高级资格考试", "level": "A", "pass_rule": "conjunctive"},
        format="json",
    )
    assert response.status_code == 201, response.json()
    exam_id = response.json()["id"]
    paper = client.post(
        reverse("api:exam_papers", args=[exam_id]),
        {"title_zh": "第一部分", "duration_minutes": 90, "item_count": 3},
        format="json",
    )
    assert paper.status_code == 201 and paper.json()["number"] == 1
    row = client.post(
        reverse("api:exam_blueprint_rows", args=[exam_id, paper.json()["id"]]),
        {"area": "TACE", "count": 3, "level": "A", "min_image_items": 1},
        format="json",
    )
    assert row.status_code == 201, row.json()
    detail = client.get(reverse("api:exam_detail", args=[exam_id])).json()
    assert detail["papers"][0]["blueprint"][0]["area"] == "TACE"
    assert detail["papers"][0]["blueprint_total"] == 3


def test_a_bad_blueprint_row_is_refused_with_a_clear_message(officer, sitting, api_as):
    exam = sitting.exam
    paper = exam.papers.get()
    response = api_as(officer).post(
        reverse("api:exam_blueprint_rows", args=[exam.pk, paper.pk]),
        {"area": "TACE", "count": 2, "min_image_items": 3},
        format="json",
    )
    assert response.status_code == 400
    assert response.json()["detail"] == "A row of 2 items cannot require 3 items with images."


def test_objects_of_another_exam_answer_404(officer, sitting, api_as):
    other = make_exam(officer, code="other")
    paper = sitting.exam.papers.get()
    url = reverse("api:exam_paper_detail", args=[other.pk, paper.pk])
    assert api_as(officer).patch(url, {"duration_minutes": 10}, format="json").status_code == 404


def test_an_officer_opens_a_sitting_with_proctors(officer, proctor, api_as, sitting):
    now = timezone.now()
    response = api_as(officer).post(
        reverse("api:sittings"),
        {
            "exam": sitting.exam.code,
            "code": "qual-2026-09",
            "opens_at": (now + datetime.timedelta(days=1)).isoformat(),
            "closes_at": (now + datetime.timedelta(days=2)).isoformat(),
            "access_code": "8421",
            "proctors": ["proctor"],
        },
        format="json",
    )
    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["time_zone"] == "Asia/Shanghai" and body["proctors"] == ["proctor"] and body["status"] == "draft"


def test_a_sitting_closing_before_it_opens_is_refused(officer, api_as, sitting):
    now = timezone.now()
    response = api_as(officer).patch(
        reverse("api:sitting_detail", args=[sitting.pk]),
        {"closes_at": (now - datetime.timedelta(days=3)).isoformat()},
        format="json",
    )
    assert response.status_code == 400
    assert response.json()["detail"] == "The window must close after it opens."


def test_a_sitting_is_scheduled_only_after_assembly(officer, reviewer, api_as, sitting):
    client = api_as(officer)
    url = reverse("api:sitting_detail", args=[sitting.pk])
    refused = client.patch(url, {"status": "scheduled"}, format="json")
    assert refused.status_code == 409 and refused.json()["code"] == "not_assembled"
    make_items(reviewer, "TACE", 4)
    make_items(reviewer, "TIPS", 2)
    assembled = client.post(reverse("api:sitting_assemble", args=[sitting.pk]), {"seed": 3}, format="json")
    assert assembled.status_code == 200, assembled.json()
    assert [(f["paper"], f["label"], f["items"]) for f in assembled.json()["forms"]] == [(1, "A", 3), (1, "B", 3)]
    assert client.patch(url, {"status": "scheduled"}, format="json").json()["status"] == "scheduled"


def test_assembly_answers_400_with_the_shortfall_per_row(officer, reviewer, api_as, sitting):
    make_items(reviewer, "TACE", 1)
    response = api_as(officer).post(reverse("api:sitting_assemble", args=[sitting.pk]), {}, format="json")
    assert response.status_code == 400
    body = response.json()
    assert body["code"] == "shortfall"
    by_label = {s["label"]: s for s in body["extra"]["shortfall"]}
    assert (by_label["TACE"]["needed"], by_label["TACE"]["available"], by_label["TACE"]["short"]) == (2, 1, 1)
    assert (by_label["TIPS"]["needed"], by_label["TIPS"]["available"]) == (1, 0)
    assert not Form.objects.exists()


def test_registering_shows_the_eligibility_reasons_and_accepts_an_override(officer, trainee, api_as, sitting):
    CaseRequirement.objects.update(is_active=False)
    LevelRule.objects.update_or_create(level="Q", defaults={"min_months": 6})
    url = reverse("api:sitting_registrations", args=[sitting.pk])
    client = api_as(officer)
    refused = client.post(url, {"candidate": "trainee"}, format="json")
    assert refused.status_code == 400
    assert refused.json()["extra"]["reasons"][0]["code"] == "requirement:MONTHS"
    check = client.post(reverse("api:sitting_eligibility", args=[sitting.pk]), {"candidate": "trainee"}, format="json")
    assert check.json()["eligible"] is False
    created = client.post(
        url,
        {"candidate": "trainee", "override_reason": "Board decision 2026-14", "extra_time_percent": 25},
        format="json",
    )
    assert created.status_code == 201, created.json()
    body = created.json()
    assert body["override_reason"] == "Board decision 2026-14" and body["override_by"] == "officer"
    assert body["eligibility"]["override"] is True and body["extra_time_percent"] == 25


def test_accommodations_and_withdrawal(no_curriculum_rules, officer, trainee, api_as, sitting):
    registration = Registration.objects.create(sitting=sitting, candidate=trainee, registered_by=officer)
    client = api_as(officer)
    url = reverse("api:registration_detail", args=[sitting.pk, registration.pk])
    patched = client.patch(url, {"extra_time_minutes": 30, "separate_breaks": True}, format="json")
    assert patched.status_code == 200 and patched.json()["extra_time_minutes"] == 30
    withdrawn = client.post(reverse("api:registration_withdraw", args=[sitting.pk, registration.pk]), {"reason": "ill"})
    assert withdrawn.json()["status"] == "withdrawn"


def test_a_registration_of_another_sitting_answers_404(no_curriculum_rules, officer, trainee, api_as, sitting):
    other = make_sitting(sitting.exam, officer, code="other")
    registration = Registration.objects.create(sitting=other, candidate=trainee, registered_by=officer)
    url = reverse("api:registration_detail", args=[sitting.pk, registration.pk])
    assert api_as(officer).get(url).status_code == 404


def test_a_csv_upload_registers_all_or_reports_row_errors(no_curriculum_rules, officer, trainee, api_as, sitting):
    url = reverse("api:sitting_registrations_import", args=[sitting.pk])
    client = api_as(officer)
    bad = SimpleUploadedFile("r.csv", b"username\ntrainee\nghost\n", content_type="text/csv")
    refused = client.post(url, {"file": bad}, format="multipart")
    assert refused.status_code == 400 and refused.json()["extra"]["rows"] == [{"line": 3, "errors": ["No user ghost."]}]
    assert not Registration.objects.exists()
    good = SimpleUploadedFile("r.csv", b"username,extra_time_minutes\ntrainee,10\n", content_type="text/csv")
    created = client.post(url, {"file": good}, format="multipart")
    assert created.status_code == 201 and created.json()[0]["extra_time_minutes"] == 10


def test_list_endpoints_use_a_constant_number_of_queries(
    no_curriculum_rules, officer, proctor, api_as, django_assert_num_queries, sitting
):
    client = api_as(officer)
    for n in range(3):
        exam = make_exam(officer, code=f"extra-{n}")
        s = make_sitting(exam, officer, code=f"extra-{n}")
        s.proctors.set([proctor])
        for _ in range(3):
            Registration.objects.create(sitting=sitting, candidate=UserFactory(), registered_by=officer)
    assert BlueprintRow.objects.count() == 8
    client.get(reverse("api:exams"))  # the officer's roles are read once and cached on the user
    with django_assert_num_queries(3):  # exams, papers, rows (with area and objective joined)
        assert len(client.get(reverse("api:exams")).json()) == 4
    with django_assert_num_queries(2):  # sittings with counts, proctors
        assert len(client.get(reverse("api:sittings")).json()) == 4
    with django_assert_num_queries(3):  # the sitting, the count, the page
        body = client.get(reverse("api:sitting_registrations", args=[sitting.pk])).json()
        assert body["count"] == 9
