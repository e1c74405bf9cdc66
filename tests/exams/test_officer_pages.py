"""Officer pages: access, exam and blueprint editing, sittings, assembly messages, registrations, CSV."""

from __future__ import annotations

import datetime

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone, translation

from curriculum.models import CaseRequirement, LevelRule, TechniqueArea
from exams.models import BlueprintRow, Exam, Form, Registration, Sitting
from tests.exams.test_assembly_service import make_exam, make_items, make_sitting

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _english(settings):
    """Messages are checked in English (the source language)."""
    settings.LANGUAGE_CODE = "en"
    with translation.override("en"):
        yield


@pytest.fixture
def no_curriculum_rules(db):
    CaseRequirement.objects.update(is_active=False)
    LevelRule.objects.update(min_months=0, requires_certificate_level="")


@pytest.fixture
def sitting(officer):
    return make_sitting(make_exam(officer), officer)


def page_urls(sitting: Sitting) -> list[str]:
    exam = sitting.exam
    return [
        reverse("exams:officer_exams"),
        reverse("exams:officer_exam_create"),
        reverse("exams:officer_exam", args=[exam.pk]),
        reverse("exams:officer_paper", args=[exam.pk, exam.papers.get().pk]),
        reverse("exams:officer_sittings"),
        reverse("exams:officer_sitting_create"),
        reverse("exams:officer_sitting", args=[sitting.pk]),
        reverse("exams:officer_registrations", args=[sitting.pk]),
        reverse("exams:officer_registration_template"),
    ]


def test_officer_pages_render(officer, client_as, sitting):
    client = client_as(officer)
    for url in page_urls(sitting):
        assert client.get(url).status_code == 200, url


@pytest.mark.parametrize("persona", ["trainee", "instructor", "reviewer", "proctor"])
def test_other_roles_get_403(request, persona, client_as, sitting):
    client = client_as(request.getfixturevalue(persona))
    for url in page_urls(sitting):
        assert client.get(url).status_code == 403, url


def test_anonymous_users_are_sent_to_log_in(client, sitting):
    response = client.get(reverse("exams:officer_exams"))
    assert response.status_code == 302 and "login" in response["Location"]


def test_an_officer_creates_an_exam_then_a_paper_and_its_blueprint(officer, client_as):
    client = client_as(officer)
    response = client.post(
        reverse("exams:officer_exam_create"),
        {
            "code": "qual-2027",
            "title_zh": "准入考试",
            "level": "Q",
            "language": "zh-hans",
            "purpose": "secure",
            "pass_rule": "conjunctive",
            "max_attempts": 4,
            "attempts_period_days": 1095,
            "retake_wait_days": 90,
        },
    )
    exam = Exam.objects.get(code="qual-2027")
    assert response.status_code == 302
    client.post(
        reverse("exams:officer_exam", args=[exam.pk]),
        {"action": "paper", "paper-number": 1, "paper-title_zh": "笔试", "paper-duration_minutes": 150,
         "paper-item_count": 5},
    )  # fmt: skip
    paper = exam.papers.get()
    tace, tips = TechniqueArea.objects.get(code="TACE"), TechniqueArea.objects.get(code="TIPS")
    data = {
        "paper-number": 1,
        "paper-title_zh": "笔试",
        "paper-duration_minutes": 150,
        "paper-item_count": 5,
        "rows-TOTAL_FORMS": 2,
        "rows-INITIAL_FORMS": 0,
        "rows-0-area": tace.pk,
        "rows-0-count": 3,
        "rows-0-min_image_items": 1,
        "rows-0-order": 0,
        "rows-1-area": tips.pk,
        "rows-1-count": 2,
        "rows-1-min_image_items": 0,
        "rows-1-order": 1,
    }
    response = client.post(reverse("exams:officer_paper", args=[exam.pk, paper.pk]), data)
    assert response.status_code == 302
    assert list(paper.blueprint_rows.values_list("area__code", "count", "min_image_items")) == [
        ("TACE", 3, 1),
        ("TIPS", 2, 0),
    ]


def test_a_refused_blueprint_row_shows_the_message_and_saves_nothing(officer, client_as, sitting):
    exam = sitting.exam
    paper = exam.papers.get()
    data = {
        "paper-number": 1,
        "paper-title_zh": "笔试",
        "paper-duration_minutes": 60,
        "paper-item_count": 3,
        "rows-TOTAL_FORMS": 1,
        "rows-INITIAL_FORMS": 0,
        "rows-0-area": TechniqueArea.objects.get(code="TACE").pk,
        "rows-0-count": 1,
        "rows-0-min_image_items": 2,
        "rows-0-order": 5,
    }
    response = client_as(officer).post(reverse("exams:officer_paper", args=[exam.pk, paper.pk]), data)
    assert response.status_code == 200
    assert "A row of 1 items cannot require 2 items with images." in response.content.decode()
    assert BlueprintRow.objects.filter(paper=paper).count() == 2


def test_the_assemble_button_shows_each_short_row(officer, reviewer, client_as, sitting):
    make_items(reviewer, "TACE", 1)
    client = client_as(officer)
    response = client.post(reverse("exams:officer_sitting_assemble", args=[sitting.pk]), follow=True)
    page = response.content.decode()
    assert "Paper 1, TACE: needs 2 items, only 1 approved" in page
    assert "Paper 1, TIPS: needs 1 items, only 0 approved" in page
    assert not Form.objects.exists()


def test_the_assemble_button_builds_the_forms(officer, reviewer, client_as, sitting):
    make_items(reviewer, "TACE", 4)
    make_items(reviewer, "TIPS", 2)
    response = client_as(officer).post(reverse("exams:officer_sitting_assemble", args=[sitting.pk]), follow=True)
    assert "2 forms assembled." in response.content.decode()
    assert Form.objects.filter(sitting=sitting).count() == 2


def test_an_officer_creates_a_sitting_with_a_proctor(officer, proctor, client_as, sitting):
    now = timezone.localtime()
    response = client_as(officer).post(
        reverse("exams:officer_sitting_create"),
        {
            "exam": sitting.exam.pk,
            "code": "qual-2027-03",
            "opens_at": (now + datetime.timedelta(days=1)).strftime("%Y-%m-%dT%H:%M"),
            "closes_at": (now + datetime.timedelta(days=2)).strftime("%Y-%m-%dT%H:%M"),
            "time_zone": "Asia/Shanghai",
            "access_code": "",
            "form_mode": "fixed",
            "form_count": 2,
            "exposure_limit": 0.5,
            "grace_seconds": 30,
            "proctors": [proctor.pk],
        },
    )
    created = Sitting.objects.get(code="qual-2027-03")
    assert response.status_code == 302
    assert list(created.proctors.all()) == [proctor]


def test_registering_an_ineligible_candidate_shows_the_reasons_then_accepts_an_override(
    officer, trainee, client_as, sitting
):
    CaseRequirement.objects.update(is_active=False)
    LevelRule.objects.update_or_create(level="Q", defaults={"min_months": 6})
    client = client_as(officer)
    url = reverse("exams:officer_registrations", args=[sitting.pk])
    form = {"action": "register", "candidate": "trainee", "extra_time_minutes": 0, "extra_time_percent": 0}
    page = client.post(url, form).content.decode()
    assert "missing 6 months of supervised training" in page
    assert not Registration.objects.exists()
    response = client.post(url, {**form, "override_reason": "Board decision 2026-14"})
    assert response.status_code == 302
    registration = Registration.objects.get()
    assert registration.override_reason == "Board decision 2026-14"
    assert "Board decision 2026-14" in client.get(url).content.decode()


def test_a_csv_upload_lists_row_errors_and_registers_nobody(no_curriculum_rules, officer, trainee, client_as, sitting):
    url = reverse("exams:officer_registrations", args=[sitting.pk])
    upload = SimpleUploadedFile("r.csv", b"username\ntrainee\nghost\n", content_type="text/csv")
    page = client_as(officer).post(url, {"action": "csv", "file": upload}).content.decode()
    assert "No user ghost." in page
    assert not Registration.objects.exists()


def test_the_csv_template_downloads(officer, client_as):
    response = client_as(officer).get(reverse("exams:officer_registration_template"))
    assert response["Content-Type"].startswith("text/csv")
    assert response.content.decode().startswith("username,licence_number,")


def test_accommodations_and_withdrawal_from_the_registration_page(
    no_curriculum_rules, officer, trainee, client_as, sitting
):
    registration = Registration.objects.create(sitting=sitting, candidate=trainee, registered_by=officer)
    client = client_as(officer)
    url = reverse("exams:officer_registration", args=[sitting.pk, registration.pk])
    client.post(
        url,
        {"action": "accommodations", "extra_time_minutes": 15, "extra_time_percent": 0, "separate_breaks": "on",
         "accommodation_note": "wheelchair"},
    )  # fmt: skip
    registration.refresh_from_db()
    assert registration.extra_time_minutes == 15 and registration.separate_breaks
    client.post(url, {"action": "withdraw", "reason": "ill"})
    registration.refresh_from_db()
    assert registration.status == Registration.Status.WITHDRAWN


def test_the_officer_dashboard_lists_sittings_still_to_run(officer, client_as, sitting):
    page = client_as(officer).get(reverse("accounts:role_dashboard", args=["officer"])).content.decode()
    assert sitting.code in page and reverse("exams:officer_sitting", args=[sitting.pk]) in page
