"""DICOM series in the bank: upload (de-identified, converted once, all or nothing), the officer's
keep-original policy, DICOM media entries in content."""

from __future__ import annotations

import gzip
import io
import string
import zipfile
from pathlib import Path

import pydicom
import pytest
from django.conf import settings
from django.utils import translation
from pydicom.data import get_testdata_file

from accounts.models import AuditEvent
from irexam.errors import ApplicationError
from question_bank import dicom
from question_bank.content import DICOM_WINDOWS, ContentError, strip_for_candidate, validate_content
from question_bank.dicom import BASIC_PROFILE_ACTIONS, WINDOW_PRESETS, synthesize_xa_cine
from question_bank.models import DicomPolicy, DicomSeries, Media, MediaKind
from question_bank.services import validated_content
from question_bank.services_dicom import dicom_policy_update, dicom_refusal_message, dicom_series_upload
from tests.question_bank.dicom_data import ROI_MARKER, ct_files, dicom_content

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _english():
    """These tests read the service's messages in English."""
    with translation.override("en"):
        yield


def _bundled(name: str) -> bytes:
    path = get_testdata_file(name, download=False)
    if path is None:
        pytest.skip(f"pydicom does not ship {name}")
    return Path(path).read_bytes()


def _stored_files() -> list[Path]:
    root = Path(settings.MEDIA_ROOT)
    return [p for p in root.rglob("*") if p.is_file()] if root.exists() else []


def _nothing_stored() -> None:
    assert not Media.objects.exists()
    assert not DicomSeries.objects.exists()
    assert _stored_files() == []


def test_an_upload_is_deidentified_converted_once_and_stored_with_its_report(instructor):
    series = dicom_series_upload(files=ct_files(6, 32), by=instructor)

    media = series.media
    assert media.kind == MediaKind.DICOM
    assert (media.width, media.height, series.frame_count, series.modality) == (32, 32, 6, "CT")
    assert series.manifest["frames"] == 6 and series.manifest["units"] == "HU"
    raw = gzip.decompress(media.file.read())
    assert len(raw) == series.manifest["data_bytes"] == 6 * 32 * 32 * 2
    assert "PatientName" in series.deidentification["emptied"]
    assert series.deidentification["private_tags_removed"] == 12  # creator + value per file
    assert not series.keeps_original and not series.original
    event = AuditEvent.objects.get(action="question_bank.dicom_upload")
    assert event.target_id == str(media.pk) and event.data["frames"] == 6


def test_the_same_pixels_uploaded_again_return_the_stored_series(instructor):
    first = dicom_series_upload(files=ct_files(3, 16), by=instructor)
    again = dicom_series_upload(files=ct_files(3, 16), by=instructor)
    assert again.pk == first.pk
    assert DicomSeries.objects.count() == 1


@pytest.mark.parametrize("name", ["CT_small.dcm", "MR_small.dcm"])
def test_the_kept_original_has_every_profile_tag_of_pydicoms_files_handled_and_still_loads(instructor, officer, name):
    data = _bundled(name)
    original = pydicom.dcmread(io.BytesIO(data))
    dicom_policy_update(keep_originals=True, by=officer)

    series = dicom_series_upload(files=[(name, data)], by=instructor)

    assert series.keeps_original
    kept = series.original.read()
    reloaded = dicom.load_series([("kept.zip", kept)])  # the stored output still loads
    assert len(reloaded.frames) == 1
    with zipfile.ZipFile(io.BytesIO(kept)) as archive:
        (member,) = archive.namelist()
        clean = pydicom.dcmread(io.BytesIO(archive.read(member)))
    checked = 0
    for elem in original:
        rule = BASIC_PROFILE_ACTIONS.get(elem.tag)
        if rule is None:
            continue
        checked += 1
        if rule.action == "X":
            assert elem.tag not in clean, rule.keyword
        elif rule.action == "Z":
            assert clean[elem.tag].is_empty, rule.keyword
        elif rule.action == "D":
            assert clean[elem.tag].value != elem.value, rule.keyword
        elif rule.action == "U":
            assert clean[elem.tag].value != elem.value and pydicom.uid.UID(clean[elem.tag].value).is_valid
    assert checked >= 5
    assert not any(e.tag.is_private for e in clean)
    assert clean.PatientIdentityRemoved == "YES"
    assert (clean.pixel_array == original.pixel_array).all()


@pytest.mark.parametrize(
    ("files", "reason"),
    [
        ([("notes.txt", b"not an image at all\n" * 40)], r"notes\.txt: not a DICOM file"),
        ([("MR_truncated.dcm", "MR_truncated.dcm")], r"MR_truncated\.dcm: .*truncated"),
        ([("half.dcm", "CT_small.dcm:half")], r"half\.dcm: "),
        ([], r"No files were uploaded"),
    ],
    ids=["text", "pydicom-truncated", "cut-in-half", "empty"],
)
def test_non_dicom_and_truncated_files_are_refused_with_a_clear_message_and_nothing_is_stored(
    instructor, files, reason
):
    resolved = []
    for name, data in files:
        if isinstance(data, str):
            source, _sep, part = data.partition(":")
            raw = _bundled(source)
            data = raw[: len(raw) // 2] if part == "half" else raw
        resolved.append((name, data))
    with pytest.raises(ApplicationError, match=r"The DICOM upload was refused: " + reason) as refused:
        dicom_series_upload(files=resolved, by=instructor)
    assert refused.value.code == "dicom_refused"
    _nothing_stored()


def test_burned_in_annotation_is_refused_unless_the_instructor_confirms_there_is_no_text(instructor):
    run = [("run.dcm", synthesize_xa_cine(frames=4, size=32, burned_in_annotation=True))]
    with pytest.raises(ApplicationError, match="burned-in annotation"):
        dicom_series_upload(files=run, by=instructor)
    _nothing_stored()

    series = dicom_series_upload(files=run, by=instructor, confirm_no_burned_in=True)
    assert series.burned_in_confirmed_absent
    assert series.deidentification["burned_in_annotation"] == "YES"
    assert series.manifest["kind"] == "cine"


def test_a_failure_while_storing_leaves_no_row_and_no_file(instructor, monkeypatch):
    def boom(**kwargs):
        raise RuntimeError("audit log unavailable")

    monkeypatch.setattr("question_bank.services_dicom.audit_record", boom)
    with pytest.raises(RuntimeError):
        dicom_series_upload(files=ct_files(3, 16), by=instructor)
    _nothing_stored()


def test_trainees_and_proctors_cannot_upload(trainee, proctor):
    for user in (trainee, proctor):
        with pytest.raises(ApplicationError) as refused:
            dicom_series_upload(files=ct_files(2, 16), by=user)
        assert refused.value.status_code == 403
    _nothing_stored()


# --------------------------------------------------------------------------- the officer's policy


def test_originals_are_not_kept_by_default_and_only_an_officer_changes_that_with_an_audit_record(instructor, officer):
    assert DicomPolicy.current().keep_originals is False
    with pytest.raises(ApplicationError):
        dicom_policy_update(keep_originals=True, by=instructor)
    assert DicomPolicy.current().keep_originals is False

    dicom_policy_update(keep_originals=True, by=officer)
    kept = dicom_series_upload(files=ct_files(3, 16), by=instructor)
    dicom_policy_update(keep_originals=False, by=officer)
    not_kept = dicom_series_upload(files=ct_files(4, 16), by=instructor)

    assert kept.keeps_original and kept.original_size == len(kept.original.read())
    assert not not_kept.keeps_original
    events = AuditEvent.objects.filter(action="question_bank.dicom_policy").order_by("id")
    assert [e.data["keep_originals"] for e in events] == [True, False]
    assert all(e.actor_id == officer.pk for e in events)


# --------------------------------------------------------------------------- content


def test_window_names_in_content_are_the_converters_presets():
    assert set(DICOM_WINDOWS) == set(WINDOW_PRESETS)


def test_a_dicom_media_entry_keeps_its_display_choices_and_candidates_never_get_the_roi(instructor):
    series = dicom_series_upload(files=ct_files(6, 32), by=instructor)
    content = validated_content(dicom_content(series, window="bone", initial_frame=3, roi=ROI_MARKER))
    entry = content["media"][0]
    assert (entry["kind"], entry["window"], entry["initial_frame"], entry["roi"]) == ("dicom", "bone", 3, ROI_MARKER)

    candidate = strip_for_candidate(content)["media"][0]
    assert candidate == {
        "ref": str(series.pk),
        "alt": "Axial CT of a phantom",
        "caption": "Synthetic phantom",
        "kind": "dicom",
        "window": "bone",
        "initial_frame": 3,
    }


@pytest.mark.parametrize(
    ("entry", "code"),
    [
        ({"kind": "video"}, "bad_media_kind"),
        ({"window": "abdomen"}, "bad_window"),
        ({"initial_frame": -1}, "bad_frame"),
        ({"initial_frame": True}, "bad_frame"),
        ({"roi": {"frame": 0, "x": 1, "y": 1, "width": 0, "height": 3}}, "bad_roi"),
        ({"roi": {"x": 1, "y": 1, "width": 2, "height": 3}}, "bad_roi"),
    ],
)
def test_a_malformed_dicom_entry_is_refused(entry, code):
    content = dicom_content(type("S", (), {"pk": "0c6b1a7e-2f1d-4a43-9d0e-6a7d1e2f3a4b"})(), **entry)
    with pytest.raises(ContentError) as refused:
        validate_content(content)
    assert code in [issue.code for issue in refused.value.errors]


def test_display_fields_on_an_image_entry_are_refused():
    content = dicom_content(type("S", (), {"pk": "img-1.png"})(), window="lung")
    content["media"][0].pop("kind")
    with pytest.raises(ContentError) as refused:
        validate_content(content)
    assert [issue.code for issue in refused.value.errors] == ["dicom_only_field"]


def test_the_bank_checks_kind_frame_and_roi_against_the_stored_series(instructor):
    series = dicom_series_upload(files=ct_files(6, 32), by=instructor)
    with pytest.raises(ApplicationError, match="initial frame"):
        validated_content(dicom_content(series, initial_frame=6))
    with pytest.raises(ApplicationError, match="region of interest"):
        validated_content(dicom_content(series, roi={"frame": 1, "x": 30, "y": 0, "width": 5, "height": 5}))
    as_image = dicom_content(series)
    as_image["media"][0].pop("kind")
    with pytest.raises(ApplicationError, match="stored as DICOM but the entry says Image"):
        validated_content(as_image)


# --------------------------------------------------------------------------- refusal messages


def _sample_refusal(code: str) -> dicom.DicomError:
    """A refusal with every field of its message filled with a recognisable value, naming a file."""
    fields = {field for _text, field, _spec, _conv in string.Formatter().parse(dicom.MESSAGES[code]) if field}
    params = {field: f"<{field}>" for field in fields}
    if code == "mixed_series":
        params |= {"count": 2, "series": "'AX T1' (2 files), b.dcm (1 file)", "parts": [["'AX T1'", 2], ["b.dcm", 1]]}
    return dicom.DicomError(code, **params, file="scan/a.dcm")


@pytest.mark.parametrize("code", sorted(dicom.MESSAGES))
def test_every_refusal_has_an_english_message_equal_to_the_modules_own(code):
    error = _sample_refusal(code)
    assert dicom_refusal_message(error) == str(error)


@pytest.mark.parametrize("code", sorted(dicom.MESSAGES))
def test_every_refusal_has_a_chinese_message_keeping_its_file_and_values(code):
    error = _sample_refusal(code)
    with translation.override("zh-hans"):
        message = dicom_refusal_message(error)
    assert message != str(error)
    assert message.startswith("scan/a.dcm：")
    for key, value in error.params.items():
        if key in ("series", "parts", "count") and code == "mixed_series":
            continue
        assert (repr(value) if key in ("entry", "preset", "compress") else str(value)) in message, key
    if code == "mixed_series":
        assert "'AX T1'（2 个文件）、b.dcm（1 个文件）" in message


def test_a_refusal_the_django_layer_cannot_word_falls_back_to_the_english_message():
    error = dicom.DicomError("no_frames")
    error.code = "from_a_newer_module"
    with translation.override("zh-hans"):
        assert dicom_refusal_message(error) == "The series has no frames."


def test_the_transfer_syntax_refusal_reads_in_chinese_with_the_dicom_term():
    error = dicom.DicomError("no_decoder", file="a.dcm", transfer_syntax="MPEG2 Main Profile / Main Level", detail="x")
    with translation.override("zh-hans"):
        message = dicom_refusal_message(error)
    assert message == "a.dcm：未安装传输语法 MPEG2 Main Profile / Main Level 的解码器（x）。"
