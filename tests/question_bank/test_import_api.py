"""The import and export API: all or nothing, permissions, downloads."""

from __future__ import annotations

import io
import zipfile

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from question_bank.models import QuestionVersion
from tests.question_bank.bank_helpers import emq, make_draft, sba
from tests.question_bank.import_helpers import GIFT, bank_counts

pytestmark = pytest.mark.django_db


def post_file(client, text: str, **extra):
    data = {"file": SimpleUploadedFile("bank.gift", text.encode()), "format": "gift", "area": "CORE-RAD", **extra}
    return client.post(reverse("api:question-import"), data, format="multipart")


def test_an_import_creates_drafts_and_a_dry_run_creates_nothing(api_as, officer):
    client = api_as(officer)
    before = bank_counts()
    dry = post_file(client, GIFT, dry_run="true")
    assert dry.status_code == 200 and [q["label"] for q in dry.json()["questions"]] == ["GIFT-SBA", "GIFT-TF"]
    assert bank_counts() == before
    done = post_file(client, GIFT)
    assert done.status_code == 201
    assert sorted(QuestionVersion.objects.values_list("source_id", flat=True)) == ["GIFT-SBA", "GIFT-TF"]


def test_a_bad_file_is_refused_with_each_problem_and_nothing_saved(api_as, officer):
    before = bank_counts()
    response = post_file(api_as(officer), GIFT + "\n::Bad::Which is correct?{\n~one\n~two\n~three\n}\n")
    assert response.status_code == 400
    body = response.json()
    assert body["code"] == "import_refused"
    assert body["extra"]["problems"][0]["item"] == "Bad" and body["extra"]["problems"][0]["location"] == "line 12, key"
    assert bank_counts() == before


@pytest.mark.parametrize("persona", ["trainee", "proctor", "second_reviewer"])
def test_only_instructors_and_officers_may_import_or_export(api_as, persona, request):
    client = api_as(request.getfixturevalue(persona))
    assert post_file(client, GIFT).status_code == 403
    assert client.get(reverse("api:question-export"), {"file_format": "json"}).status_code == 403


def test_export_downloads_a_qti_package_and_refuses_what_a_format_cannot_hold(api_as, instructor):
    make_draft(instructor, sba())
    client = api_as(instructor)
    response = client.get(reverse("api:question-export"), {"file_format": "qti21", "area": "CORE-RAD"})
    assert response.status_code == 200 and response["Content-Disposition"].endswith('.zip"')
    assert "imsmanifest.xml" in zipfile.ZipFile(io.BytesIO(response.content)).namelist()
    make_draft(instructor, emq())
    refused = client.get(reverse("api:question-export"), {"file_format": "csv"})
    assert refused.status_code == 400 and refused.json()["code"] == "export_refused"
