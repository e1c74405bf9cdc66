"""DICOM loading, de-identification (PS3.15 Annex E Basic Profile) and conversion for the viewer.

Pure module: runs with or without the Django plugin.
"""

from __future__ import annotations

import gzip
import io
import json
import random
import re
import zipfile
import zlib

import numpy as np
import pydicom
import pytest
from pydicom.data import get_testdata_file
from pydicom.datadict import keyword_for_tag
from pydicom.dataset import Dataset, FileMetaDataset
from pydicom.uid import ExplicitVRLittleEndian, generate_uid

from question_bank import dicom
from question_bank.dicom import (
    BASIC_PROFILE,
    BASIC_PROFILE_ACTIONS,
    WINDOW_PRESETS,
    DicomError,
    UploadLimits,
    convert,
    dataset_to_bytes,
    deidentify,
    deidentify_series,
    load_series,
    synthesize_ct_phantom,
    synthesize_xa_cine,
)


def _bundled(name: str) -> bytes:
    """A test file shipped inside pydicom (never downloaded)."""
    path = get_testdata_file(name, download=False)
    if path is None:
        pytest.skip(f"pydicom does not ship {name}")
    with open(path, "rb") as handle:
        return handle.read()


def _read(data: bytes) -> Dataset:
    return pydicom.dcmread(io.BytesIO(data))


def _zip(entries: dict[str, bytes], compression: int = zipfile.ZIP_DEFLATED) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression) as archive:
        for name, data in entries.items():
            archive.writestr(name, data)
    return buffer.getvalue()


def _walk(ds: Dataset):
    for elem in ds:
        yield elem
        if elem.VR == "SQ":
            for item in elem.value:
                yield from _walk(item)


def _tiny_dataset(stored: np.ndarray, *, modality: str, slope: float, intercept: float, signed: bool = False) -> bytes:
    """A hand-made single-frame greyscale image with the given stored values and rescale."""
    meta = FileMetaDataset()
    meta.MediaStorageSOPClassUID = "1.2.840.10008.5.1.4.1.1.7"
    meta.MediaStorageSOPInstanceUID = generate_uid()
    meta.TransferSyntaxUID = ExplicitVRLittleEndian
    ds = Dataset()
    ds.file_meta = meta
    ds.SOPClassUID = meta.MediaStorageSOPClassUID
    ds.SOPInstanceUID = meta.MediaStorageSOPInstanceUID
    ds.StudyInstanceUID = generate_uid()
    ds.SeriesInstanceUID = generate_uid()
    ds.Modality = modality
    ds.Rows, ds.Columns = stored.shape
    ds.SamplesPerPixel = 1
    ds.PhotometricInterpretation = "MONOCHROME2"
    ds.BitsAllocated = 16
    ds.BitsStored = 16
    ds.HighBit = 15
    ds.PixelRepresentation = 1 if signed else 0
    ds.RescaleSlope = slope
    ds.RescaleIntercept = intercept
    ds.PixelData = stored.astype("<i2" if signed else "<u2").tobytes()
    return dataset_to_bytes(ds)


# ----------------------------------------------------------------------------------------------
# The profile table
# ----------------------------------------------------------------------------------------------


def test_every_profile_row_names_a_real_dicom_attribute_and_a_known_action():
    assert len(BASIC_PROFILE_ACTIONS) == len(BASIC_PROFILE) > 200
    for tag, rule in BASIC_PROFILE_ACTIONS.items():
        assert keyword_for_tag(tag) == rule.keyword
        assert rule.action in {"X", "Z", "D", "U"}
        assert rule.action in rule.code


@pytest.mark.parametrize(
    ("keyword", "action"),
    [
        ("PatientName", "Z"),
        ("PatientID", "Z"),
        ("PatientBirthDate", "Z"),
        ("PatientSex", "Z"),
        ("PatientAge", "X"),
        ("OtherPatientIDs", "X"),
        ("OtherPatientIDsSequence", "X"),
        ("InstitutionName", "X"),
        ("InstitutionAddress", "X"),
        ("ReferringPhysicianName", "Z"),
        ("PerformingPhysicianName", "X"),
        ("OperatorsName", "X"),
        ("AccessionNumber", "Z"),
        ("StudyID", "Z"),
        ("StudyDate", "Z"),
        ("StudyTime", "Z"),
        ("SeriesDate", "X"),
        ("AcquisitionDate", "X"),
        ("ContentDate", "Z"),
        ("DeviceSerialNumber", "X"),
        ("StationName", "X"),
        ("RequestAttributesSequence", "X"),
        ("StudyInstanceUID", "U"),
        ("SeriesInstanceUID", "U"),
        ("SOPInstanceUID", "U"),
        ("FrameOfReferenceUID", "U"),
    ],
)
def test_the_table_holds_the_profile_action_for_common_identifying_attributes(keyword, action):
    assert BASIC_PROFILE[keyword].action == action


# ----------------------------------------------------------------------------------------------
# De-identification, tag by tag
# ----------------------------------------------------------------------------------------------


def _sample_files() -> list[tuple[str, bytes]]:
    return [
        ("CT_small.dcm", _bundled("CT_small.dcm")),
        ("MR_small.dcm", _bundled("MR_small.dcm")),
        ("examples_overlay.dcm", _bundled("examples_overlay.dcm")),
        ("examples_ybr_color.dcm (US multi-frame)", _bundled("examples_ybr_color.dcm")),
        ("synthetic CT slice", synthesize_ct_phantom(n_slices=1, size=32)[0]),
        ("synthetic XA cine", synthesize_xa_cine(frames=4, size=32)),
    ]


@pytest.mark.parametrize(("label", "data"), _sample_files(), ids=lambda v: v if isinstance(v, str) else "")
def test_deidentification_applies_every_profile_action_the_file_carries(label, data):
    original = _read(data)
    clean, report = deidentify(original, confirm_no_burned_in=True)

    checked = 0
    for elem in original:
        rule = BASIC_PROFILE_ACTIONS.get(elem.tag)
        if rule is None:
            continue
        checked += 1
        if rule.action == "X":
            assert elem.tag not in clean, f"{rule.keyword} should be removed"
        elif rule.action == "Z":
            assert elem.tag in clean and clean[elem.tag].is_empty, f"{rule.keyword} should be emptied"
        elif rule.action == "D":
            assert clean[elem.tag].value != elem.value, f"{rule.keyword} should hold a dummy"
        elif rule.action == "U":
            new = clean[elem.tag].value
            assert new != elem.value, f"{rule.keyword} should get a new UID"
            assert pydicom.uid.UID(new).is_valid
    assert checked >= 5, f"{label} carries too few profile attributes to test"

    # …and at every nesting level: nothing to remove survives, nothing to empty holds a value,
    # no original UID listed for replacement is left anywhere.
    original_uids = {
        str(e.value) for e in _walk(original) if BASIC_PROFILE_ACTIONS.get(e.tag) and e.VR == "UI" and e.value
    }
    for elem in _walk(clean):
        rule = BASIC_PROFILE_ACTIONS.get(elem.tag)
        if rule is None:
            continue
        assert rule.action != "X", f"{rule.keyword} survived in a sequence"
        if rule.action == "Z":
            assert elem.is_empty, f"{rule.keyword} kept a value in a sequence"
        if rule.action == "U":
            assert str(elem.value) not in original_uids

    assert not any(e.tag.is_private for e in _walk(clean))
    assert not any(0x5000 <= e.tag.group <= 0x60FF for e in clean)
    assert not any(e.VR in ("DA", "DT", "TM") and not e.is_empty for e in _walk(clean))
    assert clean.PatientIdentityRemoved == "YES"
    assert clean.DeidentificationMethodCodeSequence[0].CodeValue == "113100"
    assert clean.DeidentificationMethodCodeSequence[0].CodingSchemeDesignator == "DCM"
    assert clean.file_meta.MediaStorageSOPInstanceUID == clean.SOPInstanceUID
    assert "PatientName" in report.emptied

    reloaded = _read(dataset_to_bytes(clean))
    assert reloaded.SOPInstanceUID == clean.SOPInstanceUID
    np.testing.assert_array_equal(reloaded.pixel_array, original.pixel_array)


def test_deidentification_removes_the_synthetic_identifiers_and_private_tag():
    original = _read(synthesize_ct_phantom(n_slices=1, size=16)[0])
    assert original.PatientName == "TEST^PHANTOM"
    assert any(e.tag.is_private for e in original)

    clean, report = deidentify(original)
    text = str(clean)
    for secret in ("TEST^PHANTOM", "PHANTOM-0001", "Phantom General Hospital", "REFERRER", "SN-998877", "RP-77"):
        assert secret not in text
    assert "PRIVATE PATIENT NOTE" not in text
    assert report.private_tags_removed == 2  # the private creator and its element
    assert "PatientSex" in report.emptied and "PatientAge" in report.removed
    assert original.PatientName == "TEST^PHANTOM", "the caller's dataset is left untouched"


def test_the_retain_patient_characteristics_option_keeps_sex_and_age_and_says_so():
    original = _read(synthesize_ct_phantom(n_slices=1, size=16)[0])
    clean, report = deidentify(original, retain_patient_characteristics=True)
    assert clean.PatientSex == "O"
    assert clean.PatientAge == "056Y"
    assert clean.PatientName == ""
    assert sorted(report.retained_patient_characteristics) == ["PatientAge", "PatientSex", "PatientWeight"]
    codes = [item.CodeValue for item in clean.DeidentificationMethodCodeSequence]
    assert codes == ["113100", "113108"]


def test_uids_are_replaced_consistently_across_a_series():
    files = synthesize_ct_phantom(n_slices=5, size=16)
    series = load_series([(f"{k}.dcm", data) for k, data in enumerate(files)])
    clean, _ = deidentify_series(series)
    before = series.datasets()
    after = clean.datasets()

    for keyword in ("StudyInstanceUID", "SeriesInstanceUID", "FrameOfReferenceUID"):
        assert len({ds.get(keyword) for ds in after}) == 1
        assert after[0].get(keyword) != before[0].get(keyword)
    assert len({ds.SOPInstanceUID for ds in after}) == 5
    assert not {ds.SOPInstanceUID for ds in after} & {ds.SOPInstanceUID for ds in before}
    assert clean.series_instance_uid == after[0].SeriesInstanceUID
    reloaded = load_series([(f"{k}.dcm", dataset_to_bytes(ds)) for k, ds in enumerate(after)])
    assert reloaded.slice_positions == series.slice_positions


def test_it_refuses_burned_in_annotation_unless_the_uploader_confirms_there_is_none():
    data = synthesize_xa_cine(frames=2, size=16, burned_in_annotation=True)
    with pytest.raises(DicomError, match="burned-in"):
        deidentify(_read(data))
    series = load_series([("run1.dcm", data)])
    with pytest.raises(DicomError, match="run1.dcm.*burned-in"):
        deidentify_series(series)

    clean, report = deidentify(_read(data), confirm_no_burned_in=True)
    assert report.burned_in_annotation == "YES"
    assert report.burned_in_confirmed_absent is True
    assert clean.PatientIdentityRemoved == "YES"


def test_it_warns_when_an_ultrasound_file_does_not_say_whether_text_is_burned_in():
    _, report = deidentify(_read(_bundled("examples_ybr_color.dcm")))
    assert report.burned_in_annotation == "absent"
    assert any("burned-in" in warning for warning in report.warnings)


# ----------------------------------------------------------------------------------------------
# Loading: refusals
# ----------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "data",
    [b"", b"hello, this is a text file\n" * 20, b"\x89PNG\r\n\x1a\n" + bytes(400)],
    ids=["empty", "text", "png"],
)
def test_it_refuses_a_non_dicom_file_naming_it(data):
    with pytest.raises(DicomError, match=r"notes\.txt: not a DICOM file"):
        load_series([("notes.txt", data)])


def test_it_refuses_pydicoms_truncated_sample_naming_it():
    with pytest.raises(DicomError, match=r"MR_truncated\.dcm: .*truncated"):
        load_series([("MR_truncated.dcm", _bundled("MR_truncated.dcm"))])


@pytest.mark.parametrize("keep", [0.05, 0.3, 0.6, 0.9, 0.999])
def test_it_refuses_a_file_cut_short_naming_it(keep):
    data = _bundled("CT_small.dcm")
    with pytest.raises(DicomError, match=r"^slice7\.dcm: "):
        load_series([("slice7.dcm", data[: int(len(data) * keep)])])


def test_it_refuses_a_dicom_file_without_an_image():
    with pytest.raises(DicomError, match=r"rtplan\.dcm: .*no image"):
        load_series([("rtplan.dcm", _bundled("rtplan.dcm"))])


def test_it_refuses_a_mix_of_series_and_says_how_many():
    files = [("ct.dcm", _bundled("CT_small.dcm")), ("mr.dcm", _bundled("MR_small.dcm"))]
    with pytest.raises(DicomError, match="mixes 2 series"):
        load_series(files)


def test_it_refuses_the_same_image_twice():
    data = _bundled("CT_small.dcm")
    with pytest.raises(DicomError, match="same image"):
        load_series([("a.dcm", data), ("b.dcm", data)])


def test_it_refuses_an_empty_upload():
    with pytest.raises(DicomError, match="No files"):
        load_series([])


# ----------------------------------------------------------------------------------------------
# Loading: order and multi-frame
# ----------------------------------------------------------------------------------------------


def test_it_sorts_slices_along_the_slice_normal_whatever_the_file_order():
    files = synthesize_ct_phantom(n_slices=12, size=16)
    shuffled = list(enumerate(files))
    random.Random(3).shuffle(shuffled)
    series = load_series([(f"{k}.dcm", data) for k, data in shuffled])
    assert series.slice_order == "position"
    assert list(series.slice_positions) == sorted(series.slice_positions)
    assert len(series.frames) == 12
    numbers = [int(i.dataset.InstanceNumber) for i in series.instances]
    assert numbers == list(range(12, 0, -1)), "position order differs from InstanceNumber order"


def test_it_falls_back_to_instance_number_without_positions():
    datasets = [_read(data) for data in synthesize_ct_phantom(n_slices=6, size=16)]
    for ds in datasets:
        del ds.ImagePositionPatient
    shuffled = [(f"{k}.dcm", dataset_to_bytes(ds)) for k, ds in enumerate(datasets)]
    random.Random(5).shuffle(shuffled)
    series = load_series(shuffled)
    assert series.slice_order == "instance_number"
    assert [int(i.dataset.InstanceNumber) for i in series.instances] == [1, 2, 3, 4, 5, 6]


def test_an_xa_cine_loads_as_one_multiframe_series_in_acquisition_order():
    series = load_series([("run.dcm", synthesize_xa_cine(frames=9, size=32))])
    assert series.is_multiframe
    assert series.slice_order == "acquisition"
    assert [f.frame for f in series.frames] == list(range(9))


def _enhanced_ct(z_positions: list[float], stored: np.ndarray) -> bytes:
    """A minimal enhanced (functional-group) multi-frame CT: frames stored in the given z order."""
    meta = FileMetaDataset()
    meta.MediaStorageSOPClassUID = "1.2.840.10008.5.1.4.1.1.2.1"  # Enhanced CT Image Storage
    meta.MediaStorageSOPInstanceUID = generate_uid()
    meta.TransferSyntaxUID = ExplicitVRLittleEndian
    ds = Dataset()
    ds.file_meta = meta
    ds.SOPClassUID = meta.MediaStorageSOPClassUID
    ds.SOPInstanceUID = meta.MediaStorageSOPInstanceUID
    ds.StudyInstanceUID = generate_uid()
    ds.SeriesInstanceUID = generate_uid()
    ds.Modality = "CT"
    frames, rows, columns = stored.shape
    ds.NumberOfFrames = frames
    ds.Rows, ds.Columns = rows, columns
    ds.SamplesPerPixel = 1
    ds.PhotometricInterpretation = "MONOCHROME2"
    ds.BitsAllocated = 16
    ds.BitsStored = 12
    ds.HighBit = 11
    ds.PixelRepresentation = 0
    shared = Dataset()
    orientation = Dataset()
    orientation.ImageOrientationPatient = [1, 0, 0, 0, 1, 0]
    measures = Dataset()
    measures.PixelSpacing = [0.7, 0.8]
    measures.SliceThickness = 1
    transformation = Dataset()
    transformation.RescaleSlope = 1
    transformation.RescaleIntercept = -1024
    transformation.RescaleType = "HU"
    voi = Dataset()
    voi.WindowCenter = 60
    voi.WindowWidth = 160
    shared.PlaneOrientationSequence = [orientation]
    shared.PixelMeasuresSequence = [measures]
    shared.PixelValueTransformationSequence = [transformation]
    shared.FrameVOILUTSequence = [voi]
    ds.SharedFunctionalGroupsSequence = [shared]
    per_frame = []
    for z in z_positions:
        position = Dataset()
        position.ImagePositionPatient = [0, 0, z]
        item = Dataset()
        item.PlanePositionSequence = [position]
        per_frame.append(item)
    ds.PerFrameFunctionalGroupsSequence = per_frame
    ds.PixelData = stored.astype("<u2").tobytes()
    return dataset_to_bytes(ds)


def test_an_enhanced_multiframe_ct_is_ordered_by_per_frame_position_and_rescaled_per_functional_group():
    z_positions = [10.0, -5.0, 0.0, 5.0]
    stored = np.stack([np.full((2, 3), 1024 + int(z)) for z in z_positions])  # HU value = z, to track order
    series = load_series([("enhanced.dcm", _enhanced_ct(z_positions, stored))])
    assert series.slice_order == "position"
    assert series.slice_positions == (-5.0, 0.0, 5.0, 10.0)

    converted = convert(series)
    volume = np.frombuffer(converted.data, dtype="<i2").reshape(4, 2, 3)
    assert [int(frame[0, 0]) for frame in volume] == [-5, 0, 5, 10]
    manifest = converted.manifest
    assert manifest["kind"] == "stack"
    assert manifest["pixel_spacing"] == [0.7, 0.8]
    assert manifest["slice_spacing"] == 5.0
    assert manifest["default_window"] == {"center": 60.0, "width": 160.0, "source": "file"}


def test_monochrome1_is_kept_so_the_viewer_inverts_it():
    data = _read(_tiny_dataset(np.array([[0, 1], [2, 3]]), modality="DX", slope=1, intercept=0))
    data.PhotometricInterpretation = "MONOCHROME1"
    manifest = convert(load_series([("dx.dcm", dataset_to_bytes(data))])).manifest
    assert manifest["photometric"] == "MONOCHROME1"
    assert manifest["presets"] == {}


# ----------------------------------------------------------------------------------------------
# Zip uploads
# ----------------------------------------------------------------------------------------------


def test_it_accepts_a_zipped_series_and_skips_folders_and_os_clutter():
    files = synthesize_ct_phantom(n_slices=4, size=16)
    entries = {f"SERIES/IM{k:04d}": data for k, data in enumerate(files)}
    entries["__MACOSX/SERIES/._IM0000"] = b"junk"
    entries["SERIES/.DS_Store"] = b"junk"
    series = load_series([("upload.zip", _zip(entries))])
    assert len(series.frames) == 4
    assert series.instances[0].filename.startswith("upload.zip:SERIES/IM")


@pytest.mark.parametrize("entry", ["../evil.dcm", "a/../../evil.dcm", "/etc/evil.dcm", "C:/evil.dcm", "a\\..\\b.dcm"])
def test_it_refuses_a_zip_with_an_unsafe_path(entry):
    data = _zip({entry: synthesize_ct_phantom(n_slices=1, size=16)[0]})
    with pytest.raises(DicomError, match="unsafe path"):
        load_series([("upload.zip", data)])


def test_it_refuses_a_zip_with_too_many_entries():
    data = _zip({f"f{k}.dcm": b"x" for k in range(6)})
    with pytest.raises(DicomError, match="6 entries"):
        load_series([("upload.zip", data)], limits=UploadLimits(max_files=5))


def test_it_refuses_a_zip_bomb_by_compression_ratio():
    data = _zip({"bomb.dcm": bytes(20 * 1024 * 1024)})
    assert len(data) < 100_000
    with pytest.raises(DicomError, match="compression ratio"):
        load_series([("upload.zip", data)])


def test_it_refuses_a_zip_that_expands_beyond_the_upload_limit():
    files = synthesize_ct_phantom(n_slices=3, size=64)
    data = _zip({f"{k}.dcm": f for k, f in enumerate(files)}, compression=zipfile.ZIP_STORED)
    with pytest.raises(DicomError, match="upload limit"):
        load_series([("upload.zip", data)], limits=UploadLimits(max_total_bytes=len(files[0]) * 2))


def test_it_refuses_a_zip_inside_a_zip():
    inner = _zip({"a.dcm": synthesize_ct_phantom(n_slices=1, size=16)[0]})
    with pytest.raises(DicomError, match="inside a zip"):
        load_series([("upload.zip", _zip({"inner.zip": inner}))])


def test_it_names_a_non_dicom_file_inside_a_zip():
    data = _zip({"README.txt": b"not an image " * 40})
    with pytest.raises(DicomError, match=r"upload\.zip:README\.txt: not a DICOM file"):
        load_series([("upload.zip", data)])


# ----------------------------------------------------------------------------------------------
# Conversion
# ----------------------------------------------------------------------------------------------


def test_conversion_applies_slope_and_intercept_into_int16_hounsfield_units():
    stored = np.array([[0, 1], [2, 1000]])
    series = load_series([("tiny.dcm", _tiny_dataset(stored, modality="CT", slope=2, intercept=-1024))])
    converted = convert(series)
    values = np.frombuffer(converted.data, dtype="<i2").reshape(2, 2)
    np.testing.assert_array_equal(values, [[-1024, -1022], [-1020, 976]])
    assert converted.manifest["dtype"] == "int16"
    assert converted.manifest["units"] == "HU"
    assert converted.manifest["value_range"] == [-1024, 976]


def test_conversion_rounds_a_fractional_rescale_into_uint16():
    stored = np.array([[0, 1], [3, 4000]])
    series = load_series([("tiny.dcm", _tiny_dataset(stored, modality="MR", slope=0.5, intercept=10))])
    converted = convert(series)
    values = np.frombuffer(converted.data, dtype="<u2").reshape(2, 2)
    np.testing.assert_array_equal(values, [[10, 10], [12, 2010]])  # 10.5 → 10 and 11.5 → 12 (round half to even)
    assert converted.manifest["dtype"] == "uint16"
    assert converted.manifest["default_window"]["source"] == "auto"


def test_conversion_keeps_signed_stored_values_signed():
    stored = np.array([[-5, 0], [7, -32000]])
    series = load_series([("tiny.dcm", _tiny_dataset(stored, modality="CT", slope=1, intercept=0, signed=True))])
    values = np.frombuffer(convert(series).data, dtype="<i2").reshape(2, 2)
    np.testing.assert_array_equal(values, stored)


def test_the_phantom_converts_to_slices_in_hounsfield_units_in_position_order():
    files = synthesize_ct_phantom(n_slices=6, size=32)
    series = load_series([(f"{k}.dcm", data) for k, data in enumerate(reversed(files))])
    converted = convert(series)
    manifest = converted.manifest
    assert (manifest["frames"], manifest["rows"], manifest["columns"]) == (6, 32, 32)
    assert manifest["kind"] == "stack"
    assert manifest["value_range"][0] == -1000  # air outside the body
    assert manifest["slice_spacing"] == 2.5
    assert manifest["pixel_spacing"] == [12.5, 12.5]
    volume = np.frombuffer(converted.data, dtype="<i2").reshape(6, 32, 32)
    expected = np.stack([_read(f).pixel_array.astype(np.int32) - 1024 for f in files])
    np.testing.assert_array_equal(volume, expected)


def test_the_manifest_holds_display_data_only_and_no_header_field():
    files = synthesize_ct_phantom(n_slices=3, size=16)
    series = load_series([(f"{k}.dcm", data) for k, data in enumerate(files)])  # not de-identified on purpose
    text = json.dumps(convert(series).manifest)
    first = series.first
    forbidden = [
        "PatientName",
        "PatientID",
        "Patient",
        "Institution",
        "StudyDate",
        "Accession",
        "TEST^PHANTOM",
        "PHANTOM-0001",
        "Phantom General Hospital",
        "20260102",
        str(first.StudyInstanceUID),
        str(first.SeriesInstanceUID),
        str(first.SOPInstanceUID),
        str(first.FrameOfReferenceUID),
    ]
    for value in forbidden:
        assert value not in text
    assert set(json.loads(text)) == {
        "format",
        "version",
        "kind",
        "rows",
        "columns",
        "frames",
        "samples_per_pixel",
        "dtype",
        "byte_order",
        "frame_bytes",
        "data_bytes",
        "compression",
        "photometric",
        "pixel_spacing",
        "pixel_spacing_kind",
        "slice_spacing",
        "slice_order",
        "value_range",
        "units",
        "default_window",
        "presets",
        "frame_rate",
    }


@pytest.mark.parametrize(("method", "decompress"), [("gzip", gzip.decompress), ("deflate", zlib.decompress)])
def test_compressed_blobs_decompress_to_the_raw_frames(method, decompress):
    series = load_series([("run.dcm", synthesize_xa_cine(frames=3, size=32))])
    raw = convert(series)
    packed = convert(series, compress=method)
    assert packed.manifest["compression"] == method
    assert packed.content_encoding == method
    assert len(packed.data) < len(raw.data)
    assert decompress(packed.data) == raw.data
    assert packed.manifest["data_bytes"] == len(raw.data)


def test_an_xa_cine_converts_to_uint8_frames_with_its_frame_rate():
    data = synthesize_xa_cine(frames=5, size=32, frame_rate=15)
    converted = convert(load_series([("run.dcm", data)]))
    manifest = converted.manifest
    assert manifest["kind"] == "cine"
    assert manifest["dtype"] == "uint8"
    assert manifest["frame_rate"] == 15
    assert manifest["pixel_spacing_kind"] == "detector"
    assert list(manifest["presets"]) == ["angio"]
    frames = np.frombuffer(converted.data, dtype=np.uint8).reshape(5, 32, 32)
    np.testing.assert_array_equal(frames, _read(data).pixel_array)


def test_a_ybr_ultrasound_cine_converts_to_rgb():
    converted = convert(load_series([("us.dcm", _bundled("examples_ybr_color.dcm"))]))
    manifest = converted.manifest
    assert manifest["photometric"] == "RGB"
    assert manifest["samples_per_pixel"] == 3
    assert manifest["frames"] == 30
    assert manifest["default_window"] is None
    assert len(converted.data) == 30 * manifest["rows"] * manifest["columns"] * 3


def test_uncompressed_ybr_422_is_accepted_and_converted_to_rgb():
    converted = convert(load_series([("sc.dcm", _bundled("SC_ybr_full_422_uncompressed.dcm"))]))
    image = np.frombuffer(converted.data, dtype=np.uint8).reshape(100, 100, 3)
    assert converted.manifest["photometric"] == "RGB"
    assert np.abs(image[0, 0].astype(int) - [255, 0, 0]).max() <= 2  # the sample's red top band
    assert np.abs(image[-1, -1].astype(int) - [255, 255, 255]).max() <= 2


def test_jpeg_lossless_decodes_when_the_libjpeg_plugin_is_installed():
    pytest.importorskip("libjpeg", reason="pylibjpeg-libjpeg is not installed (JPEG Lossless needs it)")
    converted = convert(load_series([("sc.dcm", _bundled("SC_rgb_jpeg_gdcm.dcm"))]))  # JPEG Lossless, SV1
    reference = convert(load_series([("sc.dcm", _bundled("SC_rgb_dcmtk_+eb+cr.dcm"))]))  # same picture, baseline
    assert converted.manifest["photometric"] == "RGB"
    lossless = np.frombuffer(converted.data, dtype=np.uint8).astype(int)
    baseline = np.frombuffer(reference.data, dtype=np.uint8).astype(int)
    assert lossless.shape == baseline.shape == (100 * 100 * 3,)
    assert np.abs(lossless - baseline).max() <= 2


def test_an_undecodable_transfer_syntax_is_refused_naming_the_file():
    with pytest.raises(DicomError, match=r"^broken\.dcm: "):
        convert(load_series([("broken.dcm", _bundled("JPEG-lossy.dcm"))]))  # pydicom's known-corrupt sample


def test_window_presets_match_the_usual_values_and_a_preset_sets_the_default_window():
    expected = {
        "soft_tissue": (40, 400),
        "lung": (-600, 1500),
        "bone": (400, 1800),
        "brain": (40, 80),
        "liver": (60, 160),
    }
    for name, (center, width) in expected.items():
        assert (WINDOW_PRESETS[name].center, WINDOW_PRESETS[name].width) == (center, width)
    assert WINDOW_PRESETS["angio"].center is None

    series = load_series([("ct.dcm", _bundled("CT_small.dcm"))])
    window = convert(series, preset="lung").manifest["default_window"]
    assert window == {"center": -600.0, "width": 1500.0, "source": "preset:lung"}
    with pytest.raises(DicomError, match="Unknown window preset"):
        convert(series, preset="mediastinum")


def test_the_angio_preset_uses_the_value_range_when_the_file_has_no_window():
    stored = np.array([[10, 20], [30, 110]])
    series = load_series([("tiny.dcm", _tiny_dataset(stored, modality="XA", slope=1, intercept=0))])
    window = convert(series, preset="angio").manifest["default_window"]
    assert window == {"center": 60.0, "width": 100.0, "source": "preset:angio"}


def test_it_refuses_an_unknown_compression():
    series = load_series([("ct.dcm", _bundled("CT_small.dcm"))])
    with pytest.raises(DicomError, match="Unknown compression"):
        convert(series, compress="brotli")  # type: ignore[arg-type]


def test_the_module_imports_no_django():
    assert "django" not in dicom.__dict__
    with open(dicom.__file__, encoding="utf-8") as handle:
        source = handle.read()
    assert "import django" not in source and "from django" not in source


# ----------------------------------------------------------------------------------------------
# Refusal codes (the Django layer translates them; see test_dicom_service)
# ----------------------------------------------------------------------------------------------


def _refusal(call) -> DicomError:
    with pytest.raises(DicomError) as refused:
        call()
    return refused.value


@pytest.mark.parametrize(
    ("call", "code", "params", "text"),
    [
        (
            lambda: load_series([("upload.zip", _zip({"../evil.dcm": b"x" * 200}))]),
            "zip_unsafe_path",
            {"file": "upload.zip", "entry": "../evil.dcm"},
            "upload.zip: zip entry '../evil.dcm' has an unsafe path; refusing the archive.",
        ),
        (
            lambda: load_series([("upload.zip", _zip({"bomb.dcm": bytes(2 * 1024 * 1024)}))]),
            "zip_bomb",
            {"file": "upload.zip:bomb.dcm"},
            "upload.zip:bomb.dcm: compression ratio is suspiciously high (possible zip bomb); refused.",
        ),
        (
            lambda: load_series([("upload.zip", _zip({f"f{k}.dcm": b"x" for k in range(6)}))], limits=UploadLimits(5)),
            "zip_too_many_entries",
            {"file": "upload.zip", "count": 6, "limit": 5},
            "upload.zip: the zip holds 6 entries; at most 5 are accepted.",
        ),
        (
            lambda: load_series([("notes.txt", b"hello\n" * 50)]),
            "not_dicom",
            {"file": "notes.txt"},
            "notes.txt: not a DICOM file (no DICOM Part 10 header: 'DICM' missing at byte 128).",
        ),
        (lambda: load_series([]), "no_files", {}, "No files were uploaded."),
        (
            lambda: convert(load_series([("ct.dcm", _bundled("CT_small.dcm"))]), preset="mediastinum"),
            "unknown_preset",
            {"preset": "mediastinum", "choices": ", ".join(WINDOW_PRESETS)},
            f"Unknown window preset 'mediastinum'; choose one of {', '.join(WINDOW_PRESETS)}.",
        ),
    ],
    ids=["unsafe-path", "zip-bomb", "too-many-entries", "not-dicom", "no-files", "unknown-preset"],
)
def test_a_refusal_carries_its_code_and_parameters_and_an_english_message(call, code, params, text):
    error = _refusal(call)
    assert (error.code, error.params, str(error)) == (code, params, text)


def test_a_truncated_file_is_refused_with_a_truncation_code_and_its_byte_counts():
    data = synthesize_ct_phantom(n_slices=1, size=16)[0]
    error = _refusal(lambda: load_series([("half.dcm", data[:-100])]))
    assert error.code == "truncated_element"
    assert error.params["file"] == "half.dcm"
    assert error.params["expected"] - error.params["actual"] == 100
    assert str(error).startswith("half.dcm: the DICOM file is truncated (its last element, ")


def test_a_mix_of_series_lists_each_series_with_its_file_count_for_translation():
    files = [("ct.dcm", _bundled("CT_small.dcm")), ("mr.dcm", _bundled("MR_small.dcm"))]
    error = _refusal(lambda: load_series(files))
    assert error.code == "mixed_series"
    assert error.params["count"] == 2
    assert sorted(n for _label, n in error.params["parts"]) == [1, 1]
    assert "(1 file)" in str(error) and "Upload one series at a time." in str(error)


def test_the_burned_in_refusal_of_a_series_names_the_file_and_keeps_its_code():
    series = load_series([("run1.dcm", synthesize_xa_cine(frames=2, size=16, burned_in_annotation=True))])
    error = _refusal(lambda: deidentify_series(series))
    assert (error.code, error.params) == ("burned_in", {"file": "run1.dcm"})
    assert str(error).startswith("run1.dcm: The image is marked as having burned-in annotation")


def test_every_refusal_in_the_module_uses_a_known_code_and_every_code_is_used():
    with open(dicom.__file__, encoding="utf-8") as handle:
        source = handle.read()
    raised = set(re.findall(r'DicomError\(\s*"([a-z_0-9]+)"', source))
    assert raised <= set(dicom.MESSAGES)
    # reload_mismatch is raised by the Django layer (services_dicom) after re-reading its own zip.
    assert set(dicom.MESSAGES) - raised == {"reload_mismatch"}
    assert "DicomError(f" not in source
