"""DICOM pages: upload and list, a series with its report and the attach form, the officer's policy."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from curriculum.models import TechniqueArea
from question_bank.models import DicomPolicy, DicomSeries
from question_bank.services import question_create
from tests.question_bank.dicom_data import ct_files, upload_ct
from tests.question_bank.import_helpers import zip_entries

pytestmark = pytest.mark.django_db

EN = {"HTTP_ACCEPT_LANGUAGE": "en"}


def _draft(author):
    content = {
        "type": "sba",
        "stem": "A synthetic phantom is scanned.",
        "lead_in": "Which structure is brightest?",
        "options": [{"id": "A", "text": "Bone"}, {"id": "B", "text": "Fat"}, {"id": "C", "text": "Air"}],
        "key": ["A"],
    }
    version = question_create(
        author=author, area=TechniqueArea.objects.get(code="TACE"), content=content, level="Q", pool="practice"
    )
    return version.question


def test_an_instructor_uploads_a_series_on_the_page_and_lands_on_its_report(client_as, instructor):
    files = [SimpleUploadedFile(name, data) for name, data in ct_files(3, 16)]
    response = client_as(instructor).post(
        reverse("question_bank:dicom_list"), {"files": files, "window": "bone"}, follow=True, **EN
    )
    series = DicomSeries.objects.get()
    assert response.redirect_chain[-1][0] == reverse("question_bank:dicom_detail", args=[series.pk])
    page = response.content.decode()
    assert "The series was de-identified and stored." in page
    assert "PatientName" in page  # the report lists what was emptied
    assert f'data-manifest-url="{reverse("api:question-dicom-manifest", args=[series.pk])}"' in page
    assert "dicom-viewer.js" in page


def test_a_refused_upload_shows_the_reason_on_the_page(client_as, instructor):
    text = SimpleUploadedFile("notes.txt", b"hello\n" * 50)
    response = client_as(instructor).post(reverse("question_bank:dicom_list"), {"files": [text]}, **EN)
    assert response.status_code == 200
    assert "notes.txt: not a DICOM file" in response.content.decode()
    assert not DicomSeries.objects.exists()


def test_a_refused_upload_shows_the_reason_in_chinese_under_zh_hans(client_as, instructor):
    upload = SimpleUploadedFile("upload.zip", zip_entries({"bomb.dcm": bytes(2 * 1024 * 1024)}))
    response = client_as(instructor).post(
        reverse("question_bank:dicom_list"), {"files": [upload]}, HTTP_ACCEPT_LANGUAGE="zh-hans"
    )
    assert response.status_code == 200
    page = response.content.decode()
    assert "DICOM 上传被拒绝：upload.zip:bomb.dcm：压缩比异常偏高（可能是 zip 炸弹），已拒绝。" in page
    assert "suspiciously" not in page
    assert not DicomSeries.objects.exists()


def test_attaching_a_series_to_a_draft_adds_a_dicom_media_entry_with_the_display_choices(client_as, instructor):
    series = upload_ct(instructor)
    question = _draft(instructor)
    response = client_as(instructor).post(
        reverse("question_bank:dicom_detail", args=[series.pk]),
        {
            "question": question.code,
            "alt": "Axial CT of a phantom",
            "window": "lung",
            "initial_frame": 3,
            "roi_frame": 2,
            "roi_x": 4,
            "roi_y": 5,
            "roi_width": 6,
            "roi_height": 7,
        },
        **EN,
    )
    assert response.status_code == 302
    question.refresh_from_db()
    [entry] = question.latest_version.content["media"]
    assert entry == {
        "ref": str(series.pk),
        "kind": "dicom",
        "alt": "Axial CT of a phantom",
        "caption": "",
        "window": "lung",
        "initial_frame": 2,
        "roi": {"frame": 1, "x": 4, "y": 5, "width": 6, "height": 7},
    }
    detail = client_as(instructor).get(reverse("question_bank:detail", args=[question.pk]), **EN).content.decode()
    assert 'data-window-preset="lung"' in detail and 'data-initial-frame="2"' in detail
    # the key card shows the region of interest for the explanation (bank staff only)
    assert """data-roi='{"frame": 1, "x": 4, "y": 5, "width": 6, "height": 7}'""" in detail


def test_an_initial_frame_beyond_the_series_is_refused_on_the_page(client_as, instructor):
    series = upload_ct(instructor)
    question = _draft(instructor)
    response = client_as(instructor).post(
        reverse("question_bank:dicom_detail", args=[series.pk]), {"question": question.code, "initial_frame": 99}, **EN
    )
    assert response.status_code == 200
    assert "the initial frame must be below that" in response.content.decode()
    question.refresh_from_db()
    assert question.latest_version.content["media"] == []


def test_trainees_see_no_dicom_page_and_only_officers_change_the_policy(client_as, trainee, instructor, officer):
    series = upload_ct(instructor)
    for url in (reverse("question_bank:dicom_list"), reverse("question_bank:dicom_detail", args=[series.pk])):
        assert client_as(trainee).get(url).status_code == 403
    policy_url = reverse("question_bank:dicom_policy")
    assert client_as(instructor).post(policy_url, {"keep_originals": "on"}).status_code == 403
    assert DicomPolicy.current().keep_originals is False
    assert client_as(officer).post(policy_url, {"keep_originals": "on"}).status_code == 302
    assert DicomPolicy.current().keep_originals is True


def test_the_series_list_runs_the_same_queries_whatever_the_number_of_series(
    client_as, instructor, django_assert_max_num_queries
):
    client = client_as(instructor)
    upload_ct(instructor, n_slices=2, size=16)
    url = reverse("question_bank:dicom_list")
    client.get(url)  # warm the session and per-process caches
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as one:
        assert client.get(url).status_code == 200
    for n in (3, 4, 5):
        upload_ct(instructor, n_slices=n, size=16)
    with django_assert_max_num_queries(len(one)):
        page = client.get(url, **EN).content.decode()
    assert page.count('href="/bank/dicom/') == 4  # one link per stored series


def test_the_editor_leads_to_the_dicom_page_and_the_question_code_follows_to_the_attach_form(client_as, instructor):
    question = _draft(instructor)
    client = client_as(instructor)
    editor = client.get(reverse("question_bank:edit", args=[question.pk]), **EN).content.decode()
    assert f'href="/bank/dicom/?question={question.code}"' in editor

    files = [SimpleUploadedFile(name, data) for name, data in ct_files(3, 16)]
    response = client.post(
        reverse("question_bank:dicom_list") + f"?question={question.code}", {"files": files}, follow=True, **EN
    )
    series = DicomSeries.objects.get()
    assert response.redirect_chain[-1][0] == (
        reverse("question_bank:dicom_detail", args=[series.pk]) + f"?question={question.code}"
    )
    assert f'value="{question.code}"' in response.content.decode()
