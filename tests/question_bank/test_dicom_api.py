"""DICOM API: upload, staff detail, the officer's policy, and serving the viewer's manifest and blob
(caching headers, 304, gzip) to staff and to candidates whose in-progress attempt shows the series."""

from __future__ import annotations

import gzip
import json

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from exams.models import Attempt
from exams.services import attempts as attempt_services
from exams.services.attempts import attempt_start, attempt_submit
from question_bank.models import DicomPolicy, DicomSeries, Media
from tests.exams.conftest import build_delivery
from tests.question_bank.dicom_data import (
    HEADER_VALUES,
    ROI_MARKER,
    add_dicom_item,
    ct_files,
    unsupported_transfer_syntax_file,
    upload_ct,
)
from tests.question_bank.import_helpers import zip_entries

pytestmark = pytest.mark.django_db

CACHE_CONTROL = "private, max-age=31536000, immutable"


def _manifest_url(series) -> str:
    return reverse("api:question-dicom-manifest", args=[series.pk])


def _data_url(series) -> str:
    return reverse("api:question-dicom-data", args=[series.pk])


def _body(response) -> bytes:
    return b"".join(response.streaming_content) if response.streaming else response.content


@pytest.fixture
def delivery(trainee, other_trainee, officer, proctor):
    return build_delivery(candidate=trainee, other_candidate=other_trainee, officer=officer, proctor=proctor)


@pytest.fixture
def candidate_exam(delivery):
    """The delivery sitting with a DICOM item at position 7 (ROI set) and the trainee's attempt started."""
    attempt_services._LAYOUT_CACHE.clear()
    attempt_services._GRACE_CACHE.clear()
    series = upload_ct()
    add_dicom_item(delivery, series, window="bone", initial_frame=2, roi=ROI_MARKER)
    attempt, _created = attempt_start(registration=delivery.registration, paper=delivery.paper)
    delivery.attempt = attempt
    delivery.series = series
    return delivery


# --------------------------------------------------------------------------- upload, detail, policy


def test_an_instructor_uploads_a_series_and_gets_its_viewer_urls_and_report(api_as, instructor):
    files = [SimpleUploadedFile(name, data, content_type="application/dicom") for name, data in ct_files(4, 16)]
    response = api_as(instructor).post(
        reverse("api:question-dicom-upload"), {"files": files, "window": "lung"}, format="multipart"
    )
    assert response.status_code == 201, response.content
    body = response.json()
    series = DicomSeries.objects.get(pk=body["id"])
    assert body["frames"] == 4 and body["modality"] == "CT"
    assert body["manifest"]["default_window"]["source"] == "preset:lung"
    assert body["manifest_url"] == _manifest_url(series)
    assert "PatientName" in body["deidentification"]["emptied"]


def test_an_upload_of_a_text_file_is_a_400_with_the_reason_and_stores_nothing(api_as, instructor):
    text = SimpleUploadedFile("notes.txt", b"hello\n" * 100, content_type="text/plain")
    response = api_as(instructor).post(
        reverse("api:question-dicom-upload"), {"files": [text]}, format="multipart", HTTP_ACCEPT_LANGUAGE="en"
    )
    assert response.status_code == 400
    assert "notes.txt: not a DICOM file" in response.json()["detail"]
    assert not Media.objects.exists()


def _refused_upload(case: str) -> tuple[str, bytes]:
    if case == "unsafe-path":
        return "upload.zip", zip_entries({"../evil.dcm": ct_files(1, 16)[0][1]})
    if case == "zip-bomb":
        return "upload.zip", zip_entries({"bomb.dcm": bytes(2 * 1024 * 1024)})
    if case == "not-dicom":
        return "notes.txt", b"hello\n" * 100
    if case == "truncated":
        return "half.dcm", ct_files(1, 16)[0][1][:-100]
    return "mpeg.dcm", unsupported_transfer_syntax_file()


MPEG2 = "MPEG2 Main Profile / Main Level"
#: case → (the module's refusal code, the zh-hans answer, the en answer)
REFUSALS = {
    "unsafe-path": (
        "zip_unsafe_path",
        "DICOM 上传被拒绝：upload.zip：压缩包条目 '../evil.dcm' 的路径不安全，整个压缩包被拒绝。",
        "The DICOM upload was refused: upload.zip: zip entry '../evil.dcm' has an unsafe path; refusing the archive.",
    ),
    "zip-bomb": (
        "zip_bomb",
        "DICOM 上传被拒绝：upload.zip:bomb.dcm：压缩比异常偏高（可能是 zip 炸弹），已拒绝。",
        "The DICOM upload was refused: upload.zip:bomb.dcm: compression ratio is suspiciously high "
        "(possible zip bomb); refused.",
    ),
    "not-dicom": (
        "not_dicom",
        "DICOM 上传被拒绝：notes.txt：不是 DICOM 文件（没有 DICOM Part 10 文件头：第 128 字节处缺少“DICM”）。",
        "The DICOM upload was refused: notes.txt: not a DICOM file (no DICOM Part 10 header: 'DICM' missing "
        "at byte 128).",
    ),
    "truncated": (
        "truncated_element",
        # 16 × 16 pixels of 2 bytes, the last 100 bytes cut off
        "DICOM 上传被拒绝：half.dcm：DICOM 文件已被截断（最后一个数据元素 PixelData 只有 412 字节，应为 512 字节）。",
        "The DICOM upload was refused: half.dcm: the DICOM file is truncated (its last element, PixelData, "
        "has 412 of 512 bytes).",
    ),
    "transfer-syntax": (
        "no_decoder",
        f"DICOM 上传被拒绝：mpeg.dcm：未安装传输语法 {MPEG2} 的解码器（No pixel data decoders have been "
        f"implemented for '{MPEG2}'）。",
        f"The DICOM upload was refused: mpeg.dcm: no decoder is installed for transfer syntax {MPEG2} "
        f"(No pixel data decoders have been implemented for '{MPEG2}').",
    ),
}


@pytest.mark.parametrize("language", ["zh-hans", "en"])
@pytest.mark.parametrize("case", list(REFUSALS))
def test_a_refused_upload_answers_the_reason_in_the_users_language(api_as, instructor, case, language):
    name, data = _refused_upload(case)
    response = api_as(instructor).post(
        reverse("api:question-dicom-upload"),
        {"files": [SimpleUploadedFile(name, data)]},
        format="multipart",
        HTTP_ACCEPT_LANGUAGE=language,
    )
    assert response.status_code == 400
    body = response.json()
    assert body["code"] == "dicom_refused"
    code, chinese, english = REFUSALS[case]
    assert body["extra"]["dicom_code"] == code
    assert body["detail"] == (chinese if language == "zh-hans" else english)
    assert not Media.objects.exists()


@pytest.mark.parametrize("persona", ["trainee", "proctor", None])
def test_others_cannot_upload(api_as, request, persona):
    user = request.getfixturevalue(persona) if persona else None
    files = [SimpleUploadedFile(name, data) for name, data in ct_files(2, 16)]
    response = api_as(user).post(reverse("api:question-dicom-upload"), {"files": files}, format="multipart")
    assert response.status_code in (401, 403)
    assert not Media.objects.exists()


def test_the_detail_with_the_report_is_for_bank_staff_only(api_as, instructor, reviewer, officer, trainee):
    series = upload_ct(instructor)
    url = reverse("api:question-dicom", args=[series.pk])
    for user in (instructor, reviewer, officer):
        assert api_as(user).get(url).status_code == 200
    assert api_as(trainee).get(url).status_code == 403


def test_only_the_officer_reads_and_switches_the_keep_original_policy(api_as, officer, instructor, trainee):
    url = reverse("api:question-dicom-policy")
    for user in (instructor, trainee):
        assert api_as(user).get(url).status_code == 403
        assert api_as(user).put(url, {"keep_originals": True}, format="json").status_code == 403
    assert DicomPolicy.current().keep_originals is False

    assert api_as(officer).get(url).json() == {"keep_originals": False}
    response = api_as(officer).put(url, {"keep_originals": True}, format="json")
    assert response.status_code == 200 and response.json() == {"keep_originals": True}
    assert DicomPolicy.current().keep_originals is True


# --------------------------------------------------------------------------- serving


def test_manifest_and_blob_are_served_with_strong_etags_immutable_caching_and_gzip(api_as, instructor):
    series = upload_ct(instructor)
    api = api_as(instructor)

    manifest = api.get(_manifest_url(series))
    assert manifest.status_code == 200
    assert manifest["Cache-Control"] == CACHE_CONTROL
    assert manifest["ETag"] == f'"{series.manifest_sha256}"'
    assert json.loads(manifest.content) == series.manifest

    data = api.get(_data_url(series))
    assert data.status_code == 200
    assert data["Cache-Control"] == CACHE_CONTROL
    assert data["ETag"] == f'"{series.media.sha256}"'
    assert data["Content-Encoding"] == "gzip"
    assert len(gzip.decompress(_body(data))) == series.manifest["data_bytes"]

    for url, etag in ((_manifest_url(series), manifest["ETag"]), (_data_url(series), data["ETag"])):
        again = api.get(url, HTTP_IF_NONE_MATCH=etag)
        assert again.status_code == 304
        assert again["ETag"] == etag and again["Cache-Control"] == CACHE_CONTROL
        assert _body(again) == b""
        assert api.get(url, HTTP_IF_NONE_MATCH='"other"').status_code == 200


def test_the_image_endpoint_does_not_serve_a_dicom_blob(api_as, instructor):
    series = upload_ct(instructor)
    assert api_as(instructor).get(reverse("api:question-media-file", args=[series.pk])).status_code == 404


def test_a_candidate_fetches_the_series_on_their_in_progress_attempt_and_nobody_else_does(
    api_as, candidate_exam, trainee, other_trainee, proctor
):
    series = candidate_exam.series
    for url in (_manifest_url(series), _data_url(series)):
        assert api_as(trainee).get(url).status_code == 200
        assert api_as(other_trainee).get(url).status_code == 404  # registered, no attempt of their own
        assert api_as(proctor).get(url).status_code == 404
        assert api_as(None).get(url).status_code in (401, 403)

    # the other trainee's own attempt on the same form shows it too…
    other, _created = attempt_start(registration=candidate_exam.other_registration, paper=candidate_exam.paper)
    assert api_as(other_trainee).get(_manifest_url(series)).status_code == 200
    # …until it is submitted
    attempt_submit(attempt=other)
    assert api_as(other_trainee).get(_manifest_url(series)).status_code == 404
    assert api_as(trainee).get(_manifest_url(series)).status_code == 200


def test_a_candidate_cannot_fetch_a_series_that_is_not_on_their_form(api_as, candidate_exam, trainee, instructor):
    elsewhere = upload_ct(instructor, n_slices=3, size=16)
    assert api_as(trainee).get(_manifest_url(elsewhere)).status_code == 404
    assert api_as(trainee).get(_data_url(elsewhere)).status_code == 404


def test_a_paused_attempt_does_not_serve_the_series(api_as, candidate_exam, trainee):
    Attempt.objects.filter(pk=candidate_exam.attempt.pk).update(status=Attempt.Status.PAUSED)
    assert api_as(trainee).get(_manifest_url(candidate_exam.series)).status_code == 404


def test_the_candidate_payload_and_manifest_hold_no_dicom_header_field_and_no_roi(api_as, candidate_exam, trainee):
    api = api_as(trainee)
    state = api.get(reverse("api:attempt_detail", args=[candidate_exam.attempt.pk]))
    assert state.status_code == 200
    [item] = [i for i in state.json()["items"] if i["position"] == 7]
    [media] = item["media"]
    series = candidate_exam.series
    assert media == {
        "kind": "dicom",
        "manifest_url": _manifest_url(series),
        "data_url": _data_url(series),
        "alt": "Axial CT of a phantom",
        "caption": "Synthetic phantom",
        "window": "bone",
        "initial_frame": 2,
    }
    manifest = api.get(media["manifest_url"]).content.decode()
    for text in (state.content.decode(), manifest):
        for value in HEADER_VALUES:
            assert value not in text, value
        assert "roi" not in text and "lesion" not in text


def test_a_series_of_more_than_a_hundred_files_uploads_in_one_request(api_as, instructor):
    files = [SimpleUploadedFile(name, data) for name, data in ct_files(120, 8)]
    response = api_as(instructor).post(reverse("api:question-dicom-upload"), {"files": files}, format="multipart")
    assert response.status_code == 201, response.content
    assert response.json()["frames"] == 120


def test_a_trainee_fetches_a_series_of_their_own_practice_session_only(api_as, trainee, other_trainee, instructor):
    from django.apps import apps

    try:
        session_model = apps.get_model("exams", "PracticeSession")
        item_model = apps.get_model("exams", "PracticeItem")
    except LookupError:
        pytest.skip("practice mode is not installed")
    from curriculum.models import TechniqueArea
    from question_bank.models import Question, QuestionVersion
    from tests.question_bank.dicom_data import dicom_content

    series = upload_ct(instructor)
    area = TechniqueArea.objects.get(code="TACE")
    question = Question.objects.create(area=area, created_by=instructor)
    version = QuestionVersion.objects.create(
        question=question,
        number=1,
        status="approved",
        content=dicom_content(series),
        level="Q",
        pool="practice",
        author=instructor,
    )
    session = session_model.objects.create(trainee=trainee, mode="tutor", target_count=1)
    item_model.objects.create(session=session, position=1, version=version, area=area)

    assert api_as(trainee).get(_manifest_url(series)).status_code == 200
    assert api_as(trainee).get(_data_url(series)).status_code == 200
    assert api_as(other_trainee).get(_manifest_url(series)).status_code == 404


def test_the_kept_original_downloads_for_instructors_and_officers_only(api_as, instructor, officer, trainee):
    from question_bank.services_dicom import dicom_policy_update

    not_kept = upload_ct(instructor, n_slices=2, size=16)
    dicom_policy_update(keep_originals=True, by=officer)
    kept = upload_ct(instructor, n_slices=3, size=16)

    response = api_as(officer).get(reverse("api:question-dicom-original", args=[kept.pk]))
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith("attachment")
    assert _body(response) == kept.original.read()
    assert api_as(instructor).get(reverse("api:question-dicom-original", args=[kept.pk])).status_code == 200
    assert api_as(trainee).get(reverse("api:question-dicom-original", args=[kept.pk])).status_code == 403
    assert api_as(officer).get(reverse("api:question-dicom-original", args=[not_kept.pk])).status_code == 404


def test_a_series_in_a_later_case_stage_is_served_once_the_candidate_reaches_that_stage(
    api_as, candidate_exam, trainee, instructor
):
    from django.utils import timezone

    from exams.delivery import layout_entry
    from exams.models import FormItem
    from question_bank.models import Question, QuestionVersion
    from tests.question_bank.bank_helpers import case

    later = upload_ct(instructor, n_slices=3, size=16)
    content = case()
    content["stages"][1]["media"] = [{"ref": str(later.pk), "kind": "dicom", "alt": "Follow-up CT"}]
    area = candidate_exam.versions[1].question.area
    question = Question.objects.create(area=area, created_by=instructor)
    version = QuestionVersion.objects.create(
        question=question,
        number=1,
        status="approved",
        content=content,
        level="Q",
        pool="secure",
        author=instructor,
        approved_at=timezone.now(),
    )
    FormItem.objects.create(form=candidate_exam.form, position=8, version=version, area=area)
    candidate_exam.form.layout = [*candidate_exam.form.layout, layout_entry(8, version.content)]
    candidate_exam.form.save(update_fields=["layout"])

    assert api_as(trainee).get(_manifest_url(later)).status_code == 404  # stage 1 of 2: not shown yet
    Attempt.objects.filter(pk=candidate_exam.attempt.pk).update(case_stages={"8": {"stage": 1}})
    assert api_as(trainee).get(_manifest_url(later)).status_code == 200
