"""Curriculum pages in both languages, officer editing, logbook, review and progress."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from accounts.models import AuditEvent
from curriculum.models import CaseRequirement, LogbookEntry
from tests.curriculum.helpers import log_entries, verified_period

pytestmark = pytest.mark.django_db


def test_the_curriculum_page_lists_every_area_in_chinese_and_in_english(client):
    zh = client.get(reverse("curriculum:index"), HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    assert "肿瘤介入" in zh and "经颈静脉肝内门体分流术" in zh and "非血管介入" in zh
    en = client.get(reverse("curriculum:index"), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "Transjugular intrahepatic portosystemic shunt" in en and "Women's health" in en.replace("&#x27;", "'")
    for code in ["CORE-RAD", "TACE", "TIPS", "MT", "UAE", "VP", "DRN"]:
        assert f"/curriculum/{code}/" in en


def test_the_curriculum_page_costs_a_constant_number_of_queries(client, django_assert_num_queries):
    with django_assert_num_queries(3):  # groups, areas, objectives
        client.get(reverse("curriculum:index"))


def test_an_area_page_splits_objectives_by_level(client):
    page = client.get(reverse("curriculum:area", args=["TACE"]), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "Qualifying level" in page and "Advanced level" in page
    assert "TACE-Q-01" in page and "TACE-A-01" in page
    assert "TACE as operator" in page


def test_an_officer_edits_a_requirement_on_its_page_and_it_is_audited(client_as, officer):
    requirement = CaseRequirement.objects.get(code="Q-TACE")
    url = reverse("curriculum:requirement_edit", args=["Q-TACE"])
    client = client_as(officer)
    assert client.get(url).status_code == 200
    response = client.post(
        url,
        {
            "label_zh": requirement.label_zh,
            "label_en": requirement.label_en,
            "areas": [requirement.areas.get().pk],
            "role": "first_operator",
            "min_grade": "",
            "min_count": 18,
            "source": requirement.source,
            "order": requirement.order,
            "is_active": "on",
        },
    )
    assert response.status_code == 302
    assert CaseRequirement.objects.get(code="Q-TACE").min_count == 18
    event = AuditEvent.objects.get(action="curriculum.requirement_update")
    assert event.actor == officer and event.data["changes"] == {"min_count": {"from": 15, "to": 18}}


def test_trainees_cannot_open_the_editing_pages(client_as, trainee):
    assert client_as(trainee).get(reverse("curriculum:requirement_edit", args=["Q-TACE"])).status_code == 403


def test_the_logbook_page_logs_a_procedure_and_shows_errors_next_to_fields(client_as, trainee, instructor):
    client = client_as(trainee)
    day = (timezone.localdate() - datetime.timedelta(days=2)).isoformat()
    data = {
        "performed_on": day,
        "area": "TACE",
        "grade": "3",
        "role": "first_operator",
        "supervisor": "instructor",
        "complication": "none",
        "note": "病案号 778899",
    }
    refused = client.post(reverse("curriculum:logbook"), data, HTTP_ACCEPT_LANGUAGE="en")
    assert refused.status_code == 200
    assert "hospital record number" in refused.content.decode()
    data["note"] = ""
    assert client.post(reverse("curriculum:logbook"), data).status_code == 302
    assert LogbookEntry.objects.filter(trainee=trainee, status="pending").count() == 1


def test_the_review_page_lists_pending_entries_and_verifies_them(client_as, trainee, instructor):
    entry = log_entries(trainee, instructor, "TACE", 1, status=LogbookEntry.Status.PENDING)[0]
    client = client_as(instructor)
    assert trainee.display_name in client.get(reverse("curriculum:review")).content.decode()
    assert client.post(reverse("curriculum:entry_verify", args=[entry.pk])).status_code == 302
    entry.refresh_from_db()
    assert entry.status == "verified"


def test_the_review_page_does_not_show_other_centres_trainees(client_as, other_trainee, reviewer, instructor):
    log_entries(other_trainee, reviewer, "PAD", 1, status=LogbookEntry.Status.PENDING)
    page = client_as(instructor).get(reverse("curriculum:review"), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "Li Na" not in page
    assert "Nothing is waiting for you." in page


def test_the_progress_page_shows_the_missing_requirement_and_a_chart(client_as, trainee, instructor, centre):
    log_entries(trainee, instructor, "TACE", 3)
    verified_period(trainee, centre, months=7, verifier=instructor)
    page = client_as(instructor).get(reverse("curriculum:progress", args=[trainee.pk]), HTTP_ACCEPT_LANGUAGE="en")
    html = page.content.decode()
    assert "missing 12 × TACE as operator (verified 3 of 15)" in html
    assert "<svg" in html and "3 / 15" in html


def test_the_progress_page_is_404_for_anyone_else(client_as, trainee, other_trainee, reviewer):
    url = reverse("curriculum:progress", args=[trainee.pk])
    assert client_as(other_trainee).get(url).status_code == 404
    assert client_as(reviewer).get(url).status_code == 404


def test_dashboards_show_the_curriculum_panels(client_as, trainee, instructor, officer):
    assert reverse("curriculum:logbook") in client_as(trainee).get("/dashboard/trainee/").content.decode()
    assert reverse("curriculum:review") in client_as(instructor).get("/dashboard/instructor/").content.decode()
    assert reverse("curriculum:requirements") in client_as(officer).get("/dashboard/officer/").content.decode()


@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_every_officer_page_renders_in_both_languages(client_as, officer, language):
    client = client_as(officer)
    for url in [
        reverse("curriculum:requirements"),
        reverse("curriculum:area_edit", args=["TACE"]),
        reverse("curriculum:objective_create", args=["TACE"]),
        reverse("curriculum:objective_edit", args=["TACE-Q-01"]),
        reverse("curriculum:requirement_create"),
        reverse("curriculum:level_rule_edit", args=["A"]),
    ]:
        response = client.get(url, HTTP_ACCEPT_LANGUAGE=language)
        assert response.status_code == 200, url
    page = client.get(reverse("curriculum:requirements"), HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    assert "病例数要求" in page and "准入级" in page


def test_an_officer_adds_an_objective_from_the_area_page(client_as, officer):
    response = client_as(officer).post(
        reverse("curriculum:objective_create", args=["DRN"]),
        {
            "level": "A",
            "text_zh": "处理经皮引流后的并发症。",
            "text_en": "Manage complications after percutaneous drainage.",
        },
    )
    assert response.status_code == 302
    assert AuditEvent.objects.get(action="curriculum.objective_create").target_type == "curriculum.objective"


def test_the_instructor_sees_their_trainees_with_counts(client_as, trainee, instructor):
    log_entries(trainee, instructor, "TACE", 2, status=LogbookEntry.Status.PENDING)
    page = client_as(instructor).get(reverse("curriculum:trainees")).content.decode()
    assert trainee.display_name in page
    assert reverse("curriculum:progress", args=[trainee.pk]) in page


def test_a_trainee_adds_a_training_period_and_the_instructor_verifies_it(client, trainee, instructor, centre):
    client.force_login(trainee)
    response = client.post(reverse("curriculum:period_add"), {"organization": centre.code, "start": "2025-01-01"})
    assert response.status_code == 302
    period = trainee.training_periods.get()
    assert not period.is_verified
    client.force_login(instructor)
    client.post(reverse("curriculum:period_verify", args=[period.pk]))
    period.refresh_from_db()
    assert period.verified_by == instructor


def test_a_trainee_corrects_a_rejected_entry_on_its_page(client_as, trainee, instructor):
    entry = log_entries(trainee, instructor, "TACE", 1, status=LogbookEntry.Status.REJECTED)[0]
    client = client_as(trainee)
    assert client.get(reverse("curriculum:entry_edit", args=[entry.pk])).status_code == 200
    response = client.post(
        reverse("curriculum:entry_edit", args=[entry.pk]),
        {
            "performed_on": entry.performed_on.isoformat(),
            "area": "ABL",
            "grade": "3",
            "role": "first_operator",
            "supervisor": "instructor",
            "complication": "none",
            "note": "",
        },
    )
    assert response.status_code == 302
    entry.refresh_from_db()
    assert (entry.area.code, entry.status) == ("ABL", "pending")
