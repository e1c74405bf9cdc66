"""Import and export pages: upload → preview → confirm → result; permissions; export download."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from curriculum.models import TechniqueArea
from question_bank.models import ImportJob, QuestionVersion, VersionStatus
from tests.question_bank.bank_helpers import emq, make_draft, sba
from tests.question_bank.import_helpers import GIFT, MOODLE_WITH_IMAGE, bank_counts

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _english_pages(client, settings):
    """These tests read the pages' English wording."""
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"


def upload(client, data: bytes, fmt: str, name: str, area: str = "CORE-RAD"):
    return client.post(
        reverse("question_bank:import"),
        {
            "file": SimpleUploadedFile(name, data),
            "format": fmt,
            "area": TechniqueArea.objects.get(code=area).pk,
            "pool": "",
            "encoding": "",
        },
    )


def test_upload_preview_confirm_and_result(client_as, instructor):
    client = client_as(instructor)
    response = upload(client, MOODLE_WITH_IMAGE.encode(), "moodle", "bank.xml")
    job = ImportJob.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("question_bank:import_preview", args=[job.pk])
    assert job.status == "parsed"

    page = client.get(response["Location"])
    html = page.content.decode()
    assert page.status_code == 200
    assert "MOODLE-IMG-1" in html and "Hepatic vein and portal vein" in html  # rendered as a candidate sees it
    assert 'name="allow_duplicates"' in html
    assert QuestionVersion.objects.count() == 0  # nothing saved before confirming

    done = client.post(reverse("question_bank:import_preview", args=[job.pk]))
    assert done["Location"] == reverse("question_bank:import_result", args=[job.pk])
    version = QuestionVersion.objects.get()
    assert (version.status, version.source_id, version.author) == (VersionStatus.DRAFT, "MOODLE-IMG-1", instructor)
    result = client.get(done["Location"]).content.decode()
    assert reverse("question_bank:detail", args=[version.question_id]) in result


def test_a_file_with_problems_shows_each_and_cannot_be_confirmed(client_as, officer):
    client = client_as(officer)
    bad = GIFT + "\n::Bad::Which is correct?{\n~one\n~two\n~three\n}\n"
    upload(client, bad.encode(), "gift", "bank.gift")
    job = ImportJob.objects.get()
    html = client.get(reverse("question_bank:import_preview", args=[job.pk])).content.decode()
    assert "line 12, key" in html and "Import as drafts" not in html.split("</h2>", 1)[0]
    before = bank_counts()
    client.post(reverse("question_bank:import_preview", args=[job.pk]))
    assert bank_counts() == before
    job.refresh_from_db()
    assert job.status == "parsed"


def test_a_refused_import_shows_the_problems_and_leaves_the_bank_unchanged(client_as, officer, instructor):
    make_draft(instructor, sba(stem="An operator doubles the distance from the X-ray source.",
                               lead_in="By what factor does the scatter dose rate change?",
                               options=[{"id": "A", "text": "It halves"}, {"id": "B", "text": "It falls to a quarter"},
                                        {"id": "C", "text": "It is unchanged"}], key=["B"]))  # fmt: skip
    client = client_as(officer)
    upload(client, GIFT.encode(), "gift", "bank.gift")
    job = ImportJob.objects.get()
    preview = client.get(reverse("question_bank:import_preview", args=[job.pk])).content.decode()
    assert "already in the bank" in preview  # the duplicate is shown before confirming
    client.post(reverse("question_bank:import_preview", args=[job.pk]))
    job.refresh_from_db()
    assert job.status == "failed"
    assert QuestionVersion.objects.count() == 1
    page = client.get(reverse("question_bank:import_result", args=[job.pk])).content.decode()
    assert "GIFT-SBA" in page


def test_the_status_endpoint_reports_progress_and_where_to_go(client_as, instructor):
    client = client_as(instructor)
    upload(client, GIFT.encode(), "gift", "bank.gift")
    job = ImportJob.objects.get()
    data = client.get(reverse("question_bank:import_status", args=[job.pk])).json()
    assert data == {
        "status": "parsed",
        "label": data["label"],
        "progress": 100,
        "next": reverse("question_bank:import_preview", args=[job.pk]),
    }


def test_large_files_are_read_by_the_celery_task(
    client_as, instructor, monkeypatch, django_capture_on_commit_callbacks
):
    monkeypatch.setattr("question_bank.imports.ASYNC_BYTES", 10)
    client = client_as(instructor)
    with django_capture_on_commit_callbacks(execute=True):
        upload(client, GIFT.encode(), "gift", "bank.gift")
    job = ImportJob.objects.get()
    assert job.status == "parsed" and len(job.report["questions"]) == 2


@pytest.mark.parametrize("persona", ["trainee", "proctor", "second_reviewer"])
def test_only_instructors_and_officers_reach_the_import_and_export_pages(client_as, persona, request):
    client = client_as(request.getfixturevalue(persona))
    for name in ("question_bank:import", "question_bank:export"):
        assert client.get(reverse(name)).status_code == 403


def test_someone_elses_import_is_not_found_for_an_instructor(client_as, instructor, officer):
    upload(client_as(officer), GIFT.encode(), "gift", "bank.gift")
    job = ImportJob.objects.get()
    client = client_as(instructor)
    assert client.get(reverse("question_bank:import_preview", args=[job.pk])).status_code == 404
    assert client.get(reverse("question_bank:import_status", args=[job.pk])).status_code == 404


def test_the_templates_are_downloadable(client_as, instructor):
    client = client_as(instructor)
    csv = client.get(reverse("question_bank:import_template", args=["csv"]))
    assert csv.status_code == 200 and b"source_id" in csv.content
    xlsx = client.get(reverse("question_bank:import_template", args=["xlsx"]))
    assert xlsx.content[:2] == b"PK"
    assert client.get(reverse("question_bank:import_template", args=["pdf"])).status_code == 404


def test_export_uses_the_list_filters_and_downloads_a_file(client_as, instructor):
    make_draft(instructor, sba())
    make_draft(instructor, sba(lead_in="Another question about scatter?"), area=TechniqueArea.objects.get(code="TACE"))
    client = client_as(instructor)
    area = TechniqueArea.objects.get(code="TACE")
    response = client.get(reverse("question_bank:export"), {"format": "json", "area": area.pk})
    assert response.status_code == 200
    assert response["Content-Disposition"] == 'attachment; filename="questions-json.json"'
    assert b"Another question about scatter?" in response.content
    assert b"By what factor" not in response.content


def test_export_shows_warnings_before_download_and_problems_instead_of_it(client_as, instructor):
    make_draft(instructor, emq())
    client = client_as(instructor)
    refused = client.get(reverse("question_bank:export"), {"format": "csv"})
    assert refused.status_code == 200 and "cannot be written" in refused.content.decode()

    make_draft(instructor, sba())
    warned = client.get(reverse("question_bank:export"), {"format": "gift", "type": "sba"})
    assert "confirmed=1" in warned.content.decode()
    download = client.get(reverse("question_bank:export"), {"format": "gift", "type": "sba", "confirmed": "1"})
    assert download["Content-Disposition"].startswith("attachment;")


def test_the_bank_list_links_to_import_and_to_export_with_its_filters(client_as, instructor):
    area = TechniqueArea.objects.get(code="TACE")
    html = client_as(instructor).get(reverse("question_bank:list"), {"area": area.pk}).content.decode()
    assert reverse("question_bank:import") in html
    assert f"{reverse('question_bank:export')}?area={area.pk}" in html


def test_the_preview_lists_problems_only_the_bank_knows(client_as, officer):
    client = client_as(officer)
    upload(client, GIFT.replace("// [id:GIFT-TF]", "// [id:GIFT-TF] [tag:area:NO-SUCH]").encode(), "gift", "bank.gift")
    job = ImportJob.objects.get()
    assert [p["item"] for p in job.report["problems"]] == ["GIFT-TF"]
    html = client.get(reverse("question_bank:import_preview", args=[job.pk])).content.decode()
    assert "NO-SUCH" in html and "Import as drafts" not in html
