"""DICOM series for question media: safe loading, de-identification, conversion for the browser viewer.

Pure module (pydicom 3 + numpy, no Django) so the question bank's services, Celery tasks, tests and
benchmarks can all call it directly.

The pipeline a media upload goes through::

    series = load_series([(name, data), ...])          # files or a zip; one series; sorted slices/frames
    series, report = deidentify_series(series)         # PS3.15 Annex E Basic Profile, consistent new UIDs
    converted = convert(series, compress="gzip")        # binary blob + display-only JSON manifest

``converted.manifest`` and ``converted.data`` are what ``static/question_bank/dicom-viewer.js`` loads.
The manifest holds display data only (sizes, data type, spacing, order, windows, frame rate), never a
patient or study header field, so it can be shown to candidates as it is.

``synthesize_ct_phantom`` and ``synthesize_xa_cine`` build valid, deliberately "identified" DICOM files
for the tests, the benchmark and the demo data.
"""

from __future__ import annotations

import copy
import gzip
import io
import math
import warnings
import zipfile
import zlib
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any, Literal

import numpy as np
import pydicom
from pydicom.datadict import keyword_for_tag, tag_for_keyword
from pydicom.dataelem import DataElement
from pydicom.dataset import Dataset, FileMetaDataset
from pydicom.errors import InvalidDicomError
from pydicom.pixels import apply_color_lut, get_decoder
from pydicom.sequence import Sequence
from pydicom.tag import BaseTag, Tag
from pydicom.uid import UID, ExplicitVRLittleEndian, generate_uid

__all__ = [
    "BASIC_PROFILE",
    "BASIC_PROFILE_ACTIONS",
    "DEFAULT_LIMITS",
    "MESSAGES",
    "WINDOW_PRESETS",
    "ConvertedSeries",
    "DeidentificationReport",
    "DicomError",
    "Frame",
    "Instance",
    "ProfileRule",
    "Series",
    "UploadLimits",
    "WindowPreset",
    "convert",
    "dataset_to_bytes",
    "deidentify",
    "deidentify_series",
    "load_series",
    "synthesize_ct_phantom",
    "synthesize_xa_cine",
]


#: English text of every refusal, by code (``str.format`` fields are the error's ``params``). Files are
#: named by the ``file`` parameter, which ``str()`` puts in front: "name.dcm: <message>". The Django
#: layer (``question_bank.services_dicom``) has a translated message for each code.
MESSAGES: dict[str, str] = {
    # upload and zip expansion
    "no_files": "No files were uploaded.",
    "not_bytes": "expected file content as bytes.",
    "file_too_large": "{size} bytes exceeds the {limit}-byte file limit.",
    "upload_too_large": "The upload exceeds the {limit}-byte limit.",
    "too_many_files": "The upload holds more than {limit} files.",
    "zip_unreadable": "not a readable zip archive ({detail}).",
    "zip_too_many_entries": "the zip holds {count} entries; at most {limit} are accepted.",
    "zip_unsafe_path": "zip entry {entry!r} has an unsafe path; refusing the archive.",
    "zip_encrypted": "encrypted zip entries are not accepted.",
    "zip_entry_too_large": "{size} bytes uncompressed exceeds the {limit} limit.",
    "zip_too_large": "the archive expands beyond the {limit}-byte upload limit.",
    "zip_bomb": "compression ratio is suspiciously high (possible zip bomb); refused.",
    "zip_entry_overflow": "entry expands beyond its size limit; refused.",
    "zip_entry_unreadable": "cannot be extracted ({detail}).",
    "zip_nested": "zip archives inside a zip are not accepted.",
    # one file
    "not_dicom": "not a DICOM file (no DICOM Part 10 header: 'DICM' missing at byte 128).",
    "invalid_dicom": "not a valid DICOM file ({detail}).",
    "corrupt": "the DICOM file is truncated or corrupt ({detail}).",
    "truncated": "the DICOM file is truncated ({detail}).",
    "truncated_empty": "the DICOM file is empty or truncated (no data elements could be read).",
    "truncated_element": "the DICOM file is truncated (its last element, {element}, has {actual} of {expected} bytes).",
    "truncated_pixel_data": "the DICOM file is truncated (pixel data has {actual} of {expected} bytes).",
    "no_pixel_data": "the DICOM file holds no image (no Pixel Data).",
    "missing_attribute": "the DICOM file lacks {keyword}, so its image cannot be read.",
    "no_transfer_syntax": "the DICOM file has no transfer syntax in its file meta information.",
    "not_encapsulated": "compressed pixel data is not encapsulated; the file is corrupt.",
    # the series
    "no_images": "The upload contains no DICOM images.",
    "no_series_uid": "the DICOM file has no SeriesInstanceUID.",
    "mixed_series": "The upload mixes {count} series: {series}. Upload one series at a time.",
    "duplicate_image": "{name} and {other} are the same image (same SOPInstanceUID).",
    "multiframe_not_alone": (
        "{name} is a multi-frame image but the series has {count} files; "
        "upload a multi-frame image (cine loop or enhanced object) on its own."
    ),
    "attribute_mismatch": "{keyword} is {value} but {other} has {expected}; every image of the series must match.",
    "too_many_pixels": "The series has {pixels} pixel values; at most {limit} are accepted.",
    # de-identification
    "burned_in": (
        "The image is marked as having burned-in annotation (BurnedInAnnotation = YES), which may show "
        "patient details in the pixels. Check the images and confirm there is no identifying text to continue."
    ),
    "reload_mismatch": "The de-identified files did not load back as the same series.",
    # conversion
    "unknown_preset": "Unknown window preset {preset!r}; choose one of {choices}.",
    "unknown_compression": "Unknown compression {compress!r}; use 'gzip', 'deflate' or None.",
    "no_frames": "The series has no frames.",
    "no_decoder": "no decoder is installed for transfer syntax {transfer_syntax} ({detail}).",
    "undecodable": "the pixel data cannot be decoded ({detail}).",
    "unexpected_shape": "the decoded pixel data has an unexpected shape {shape}.",
    "colour_layout": "unexpected colour pixel layout {shape}.",
    "float_colour": "floating-point colour images are not supported.",
    "pixel_layout": "unexpected pixel layout {shape}.",
    "value_range": (
        "Pixel values range from {low} to {high}, which does not fit a 16-bit image; "
        "this series cannot be shown in the viewer."
    ),
}


class DicomError(ValueError):
    """A DICOM upload or conversion was refused: a ``code`` (a key of :data:`MESSAGES`) and its ``params``.

    ``str()`` is the English message, naming the file first when ``params`` has one (``file``), for logs
    and this module's own tests; people see the Django layer's translation of ``code`` with ``params``
    (``question_bank.services_dicom.dicom_refusal_message``). Parameters are plain strings and numbers.
    """

    def __init__(self, code: str, **params: Any) -> None:
        if code not in MESSAGES:
            raise ValueError(f"unknown DICOM refusal code {code!r}")  # pragma: no cover - a programming error
        self.code = code
        self.params = params
        message = MESSAGES[code].format(**params)
        file = params.get("file")
        super().__init__(f"{file}: {message}" if file else message)


# --------------------------------------------------------------------------------------------------
# Upload limits and safe zip expansion
# --------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class UploadLimits:
    """Bounds on what one upload may expand to, so a hostile zip or a huge series cannot exhaust memory."""

    max_files: int = 3000
    max_file_bytes: int = 512 * 1024 * 1024
    max_total_bytes: int = 2 * 1024 * 1024 * 1024
    max_zip_ratio: float = 200.0
    max_pixels: int = 400_000_000  # rows * columns * frames (* samples) for the whole series


DEFAULT_LIMITS = UploadLimits()

_DICM_OFFSET = 128
_ZIP_MAGIC = b"PK\x03\x04"
_EMPTY_ZIP_MAGIC = b"PK\x05\x06"
# Files that zip tools and DICOM CD exports add next to the images; they carry no image and are skipped.
_ZIP_JUNK_NAMES = {".ds_store", "thumbs.db", "desktop.ini", "dicomdir"}
_MEDIA_STORAGE_DIRECTORY = "1.2.840.10008.1.3.10"


def _is_dicom_part10(data: bytes) -> bool:
    return len(data) >= _DICM_OFFSET + 4 and data[_DICM_OFFSET : _DICM_OFFSET + 4] == b"DICM"


def _looks_like_zip(name: str, data: bytes) -> bool:
    if _is_dicom_part10(data):
        return False
    return data[:4] in (_ZIP_MAGIC, _EMPTY_ZIP_MAGIC) or name.lower().endswith(".zip")


def _unsafe_zip_path(path: str) -> bool:
    """True for absolute paths, drive letters, backslashes and any '..' component."""
    if not path or path.startswith(("/", "\\")) or "\\" in path or "\x00" in path:
        return True
    if len(path) > 1 and path[1] == ":":
        return True
    return any(part == ".." for part in path.split("/"))


def _expand_zip(name: str, data: bytes, limits: UploadLimits, budget: list[int]) -> Iterator[tuple[str, bytes]]:
    """Yield ``(display name, bytes)`` for each file in a zip, enforcing the limits.

    ``budget`` is a one-item list holding the bytes still allowed for the whole upload.
    """
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except (zipfile.BadZipFile, zipfile.LargeZipFile, ValueError) as exc:
        raise DicomError("zip_unreadable", file=name, detail=str(exc)) from exc
    with archive:
        infos = archive.infolist()
        if len(infos) > limits.max_files:
            raise DicomError("zip_too_many_entries", file=name, count=len(infos), limit=limits.max_files)
        for info in infos:
            entry = info.filename
            if _unsafe_zip_path(entry):
                raise DicomError("zip_unsafe_path", file=name, entry=entry)
            if info.is_dir():
                continue
            base = entry.rsplit("/", 1)[-1]
            if entry.startswith("__MACOSX/") or base.startswith("._") or base.lower() in _ZIP_JUNK_NAMES:
                continue
            label = f"{name}:{entry}"
            if info.flag_bits & 0x1:
                raise DicomError("zip_encrypted", file=label)
            if info.file_size > limits.max_file_bytes:
                raise DicomError("zip_entry_too_large", file=label, size=info.file_size, limit=limits.max_file_bytes)
            if info.file_size > budget[0]:
                raise DicomError("zip_too_large", file=name, limit=limits.max_total_bytes)
            if info.compress_size and info.file_size / info.compress_size > limits.max_zip_ratio:
                raise DicomError("zip_bomb", file=label)
            content = _read_zip_entry(archive, info, label, min(limits.max_file_bytes, budget[0]))
            budget[0] -= len(content)
            if _looks_like_zip(entry, content):
                raise DicomError("zip_nested", file=label)
            yield label, content


def _read_zip_entry(archive: zipfile.ZipFile, info: zipfile.ZipInfo, label: str, cap: int) -> bytes:
    """Read one entry in chunks, never trusting the declared size beyond ``cap``."""
    chunks: list[bytes] = []
    total = 0
    try:
        with archive.open(info) as handle:
            while chunk := handle.read(1024 * 1024):
                total += len(chunk)
                if total > cap:
                    raise DicomError("zip_entry_overflow", file=label)
                chunks.append(chunk)
    except (zipfile.BadZipFile, zlib.error, EOFError, OSError, NotImplementedError) as exc:
        raise DicomError("zip_entry_unreadable", file=label, detail=str(exc)) from exc
    return b"".join(chunks)


def _expand_upload(files: Iterable[tuple[str, bytes]], limits: UploadLimits) -> list[tuple[str, bytes]]:
    budget = [limits.max_total_bytes]
    out: list[tuple[str, bytes]] = []
    for name, data in files:
        if not isinstance(data, bytes | bytearray | memoryview):
            raise DicomError("not_bytes", file=name)
        data = bytes(data)
        if _looks_like_zip(name, data):
            out.extend(_expand_zip(name, data, limits, budget))
        else:
            if len(data) > limits.max_file_bytes:
                raise DicomError("file_too_large", file=name, size=len(data), limit=limits.max_file_bytes)
            budget[0] -= len(data)
            if budget[0] < 0:
                raise DicomError("upload_too_large", limit=limits.max_total_bytes)
            out.append((name, data))
        if len(out) > limits.max_files:
            raise DicomError("too_many_files", limit=limits.max_files)
    return out


# --------------------------------------------------------------------------------------------------
# Series loading
# --------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Instance:
    """One parsed DICOM file of a series."""

    filename: str
    dataset: Dataset

    @property
    def number_of_frames(self) -> int:
        return _number_of_frames(self.dataset)


@dataclass(frozen=True)
class Frame:
    """One displayable 2-D image: frame ``frame`` (0-based) of ``series.instances[instance]``."""

    instance: int
    frame: int


SliceOrder = Literal["position", "instance_number", "file_order", "acquisition", "single"]


@dataclass(frozen=True)
class Series:
    """One DICOM series, its frames in display order.

    ``slice_order`` says how the order was found: ``position`` (ImagePositionPatient projected on the
    slice normal, ascending), ``instance_number``, ``file_order`` (nothing better available),
    ``acquisition`` (multi-frame cine, frames as acquired) or ``single`` (one image).
    ``slice_positions`` are the positions (mm along the normal) when ``slice_order == "position"``.
    """

    series_instance_uid: str
    modality: str
    instances: tuple[Instance, ...]
    frames: tuple[Frame, ...]
    slice_order: SliceOrder
    slice_positions: tuple[float, ...] | None = None

    @property
    def is_multiframe(self) -> bool:
        return len(self.instances) == 1 and self.instances[0].number_of_frames > 1

    @property
    def first(self) -> Dataset:
        return self.instances[self.frames[0].instance].dataset

    @property
    def rows(self) -> int:
        return int(self.first.Rows)

    @property
    def columns(self) -> int:
        return int(self.first.Columns)

    @property
    def photometric(self) -> str:
        return str(self.first.PhotometricInterpretation).strip()

    def datasets(self) -> list[Dataset]:
        return [instance.dataset for instance in self.instances]


def _number_of_frames(ds: Dataset) -> int:
    value = ds.get("NumberOfFrames")
    if value in (None, ""):
        return 1
    try:
        frames = int(value)
    except (TypeError, ValueError):
        return 1
    return max(frames, 1)


def _parse(name: str, data: bytes) -> Dataset | None:
    """Parse one file; ``None`` for a DICOMDIR; ``DicomError`` naming the file for anything unusable."""
    if not _is_dicom_part10(data):
        raise DicomError("not_dicom", file=name)
    try:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            ds = pydicom.dcmread(io.BytesIO(data))
    except InvalidDicomError as exc:
        raise DicomError("invalid_dicom", file=name, detail=str(exc)) from exc
    except Exception as exc:  # pydicom raises many types (EOFError, struct.error, ...) on truncated input
        raise DicomError("corrupt", file=name, detail=f"{type(exc).__name__}: {exc}") from exc
    for warning in caught:
        if "end of file" in str(warning.message).lower():
            raise DicomError("truncated", file=name, detail=str(warning.message))
    _refuse_truncated(ds, name)
    if str(ds.get("SOPClassUID", "")) == _MEDIA_STORAGE_DIRECTORY:
        return None
    if "PixelData" not in ds:
        raise DicomError("no_pixel_data", file=name)
    for keyword in ("Rows", "Columns", "BitsAllocated", "PhotometricInterpretation"):
        if ds.get(keyword) in (None, ""):
            raise DicomError("missing_attribute", file=name, keyword=keyword)
    tsyntax = ds.file_meta.get("TransferSyntaxUID")
    if tsyntax is None:
        raise DicomError("no_transfer_syntax", file=name)
    tsyntax = UID(tsyntax)
    if not tsyntax.is_compressed:
        samples = int(ds.get("SamplesPerPixel", 1) or 1)
        if str(ds.PhotometricInterpretation).strip() == "YBR_FULL_422":
            samples = 2  # chroma subsampled horizontally: Y Y Cb Cr for every two pixels
        bits = int(ds.Rows) * int(ds.Columns) * samples * _number_of_frames(ds) * int(ds.BitsAllocated)
        expected = (bits + 7) // 8
        actual = len(ds.PixelData)
        if actual < expected:
            raise DicomError("truncated_pixel_data", file=name, actual=actual, expected=expected)
    elif not ds["PixelData"].is_undefined_length:
        raise DicomError("not_encapsulated", file=name)
    return ds


def _refuse_truncated(ds: Dataset, name: str) -> None:
    """Refuse a file cut short inside an element: pydicom then silently keeps a shorter value.

    Checked on the raw (not yet converted) last element, which is where truncation always shows;
    a cut falling exactly between two elements is caught later by the Pixel Data checks.
    """
    tags = list(ds.keys())
    if not tags:
        raise DicomError("truncated_empty", file=name)
    raw = ds.get_item(tags[-1])
    length = getattr(raw, "length", None)
    value = getattr(raw, "value", None)
    if length is None or length == 0xFFFFFFFF or not isinstance(value, bytes | None):
        return
    if len(value or b"") < length:
        raise DicomError(
            "truncated_element", file=name, element=_label(Tag(tags[-1])), actual=len(value or b""), expected=length
        )


def _orientation_normal(ds: Dataset) -> np.ndarray | None:
    iop = ds.get("ImageOrientationPatient")
    if iop is None or len(iop) != 6:
        return None
    row = np.asarray([float(v) for v in iop[:3]])
    col = np.asarray([float(v) for v in iop[3:]])
    normal = np.cross(row, col)
    norm = float(np.linalg.norm(normal))
    return normal / norm if norm > 1e-6 else None


def _position(ds: Dataset) -> np.ndarray | None:
    ipp = ds.get("ImagePositionPatient")
    if ipp is None or len(ipp) != 3:
        return None
    return np.asarray([float(v) for v in ipp])


def _instance_number(ds: Dataset) -> int | None:
    value = ds.get("InstanceNumber")
    if value in (None, ""):
        return None
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def _functional_item(ds: Dataset, frame: int, sequence: str) -> Dataset | None:
    """The item of functional-group macro ``sequence`` for ``frame`` (per-frame first, then shared)."""
    for group in ("PerFrameFunctionalGroupsSequence", "SharedFunctionalGroupsSequence"):
        groups = ds.get(group)
        if not groups:
            continue
        item = groups[frame] if group.startswith("PerFrame") and frame < len(groups) else groups[0]
        macro = item.get(sequence)
        if macro:
            return macro[0]
    return None


def _positions_along_normal(positions: list[np.ndarray | None], normal: np.ndarray | None) -> list[float] | None:
    if normal is None or any(p is None for p in positions):
        return None
    values = [float(np.dot(p, normal)) for p in positions if p is not None]
    if len({round(v, 3) for v in values}) != len(values):
        return None  # duplicates (several phases/echoes at one position): position alone cannot order them
    return values


def _order_single_frames(instances: list[Instance]) -> tuple[list[int], SliceOrder, list[float] | None]:
    if len(instances) == 1:
        return [0], "single", None
    datasets = [i.dataset for i in instances]
    normal = _orientation_normal(datasets[0])
    if normal is not None:
        for ds in datasets[1:]:
            other = _orientation_normal(ds)
            if other is None or abs(float(np.dot(normal, other))) < 0.999:
                normal = None  # slices not parallel: no single stacking axis
                break
    along = _positions_along_normal([_position(ds) for ds in datasets], normal)
    if along is not None:
        order = sorted(range(len(instances)), key=lambda k: along[k])
        return order, "position", [along[k] for k in order]
    numbers = [_instance_number(ds) for ds in datasets]
    if all(n is not None for n in numbers) and len(set(numbers)) == len(numbers):
        return sorted(range(len(instances)), key=lambda k: numbers[k] or 0), "instance_number", None
    return list(range(len(instances))), "file_order", None


def _order_multiframe(ds: Dataset) -> tuple[list[int], SliceOrder, list[float] | None]:
    """Enhanced multi-frame objects with per-frame positions are sorted spatially; cines keep acquisition order."""
    n = _number_of_frames(ds)
    if n == 1:
        return [0], "single", None
    if "PerFrameFunctionalGroupsSequence" in ds:
        orientation = _functional_item(ds, 0, "PlaneOrientationSequence")
        normal = _orientation_normal(orientation) if orientation is not None else None
        positions = []
        for k in range(n):
            item = _functional_item(ds, k, "PlanePositionSequence")
            positions.append(_position(item) if item is not None else None)
        along = _positions_along_normal(positions, normal)
        if along is not None:
            order = sorted(range(n), key=lambda k: along[k])
            return order, "position", [along[k] for k in order]
    return list(range(n)), "acquisition", None


def load_series(files: list[tuple[str, bytes]], *, limits: UploadLimits = DEFAULT_LIMITS) -> Series:
    """Parse an upload into one ordered :class:`Series`.

    ``files`` are ``(filename, content)`` pairs: DICOM Part 10 files and/or zip archives of them.
    Steps: expand zips safely (entry count, size, ratio, no unsafe paths, no nested zips) → parse each
    file, refusing non-DICOM, truncated or image-less files by name → skip DICOMDIR → require one
    SeriesInstanceUID → check every image has the same geometry and photometric interpretation →
    order slices by ImagePositionPatient along the slice normal, else InstanceNumber (multi-frame:
    enhanced per-frame positions, else acquisition order).
    """
    if not files:
        raise DicomError("no_files")
    expanded = _expand_upload(files, limits)
    instances: list[Instance] = []
    for name, data in expanded:
        ds = _parse(name, data)
        if ds is not None:
            instances.append(Instance(filename=name, dataset=ds))
    if not instances:
        raise DicomError("no_images")

    by_series: dict[str, list[Instance]] = {}
    for instance in instances:
        uid = str(instance.dataset.get("SeriesInstanceUID", "")).strip()
        if not uid:
            raise DicomError("no_series_uid", file=instance.filename)
        by_series.setdefault(uid, []).append(instance)
    if len(by_series) > 1:
        parts = []
        for members in by_series.values():
            description = str(members[0].dataset.get("SeriesDescription", "") or "").strip()
            parts.append([f"'{description}'" if description else members[0].filename, len(members)])
        series = ", ".join(f"{label} ({n} file{'s' if n != 1 else ''})" for label, n in parts)
        # ``parts`` ([label, number of files] per series) lets the Django layer word the list in its language.
        raise DicomError("mixed_series", count=len(by_series), series=series, parts=parts)
    ((series_uid, members),) = by_series.items()

    seen: dict[str, str] = {}
    for instance in members:
        sop = str(instance.dataset.get("SOPInstanceUID", "")).strip()
        if sop and sop in seen:
            raise DicomError("duplicate_image", name=instance.filename, other=seen[sop])
        seen[sop] = instance.filename

    multiframe = [m for m in members if m.number_of_frames > 1]
    if multiframe and len(members) > 1:
        raise DicomError("multiframe_not_alone", name=multiframe[0].filename, count=len(members))

    reference = members[0].dataset
    for instance in members[1:]:
        ds = instance.dataset
        for keyword in ("Rows", "Columns", "SamplesPerPixel", "PhotometricInterpretation", "BitsAllocated"):
            if ds.get(keyword) != reference.get(keyword):
                raise DicomError(
                    "attribute_mismatch",
                    file=instance.filename,
                    keyword=keyword,
                    value=repr(ds.get(keyword)),
                    other=members[0].filename,
                    expected=repr(reference.get(keyword)),
                )

    if multiframe:
        order, how, positions = _order_multiframe(members[0].dataset)
        frames = tuple(Frame(0, k) for k in order)
    else:
        order, how, positions = _order_single_frames(members)
        members = [members[k] for k in order]
        frames = tuple(Frame(k, 0) for k in range(len(members)))

    samples = int(reference.get("SamplesPerPixel", 1) or 1)
    pixels = int(reference.Rows) * int(reference.Columns) * samples * len(frames)
    if pixels > limits.max_pixels:
        raise DicomError("too_many_pixels", pixels=pixels, limit=limits.max_pixels)

    return Series(
        series_instance_uid=series_uid,
        modality=str(reference.get("Modality", "") or "").strip().upper(),
        instances=tuple(members),
        frames=frames,
        slice_order=how,
        slice_positions=tuple(positions) if positions is not None else None,
    )


# --------------------------------------------------------------------------------------------------
# De-identification: PS3.15 Annex E, Basic Application Level Confidentiality Profile
# --------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ProfileRule:
    """One row of PS3.15 Table E.1-1 (Basic Profile column) and the action this module takes.

    ``code`` is the profile's action code: D (replace with a dummy value), Z (zero length),
    X (remove), U (replace the UID consistently), or a choice such as ``X/Z/D``.
    ``action`` resolves a choice to one letter: X whenever removal is allowed, else Z, else D
    (the most protective choice allowed); U stays U.
    """

    keyword: str
    code: str

    @property
    def action(self) -> str:
        choices = self.code.replace("*", "").split("/")
        for letter in ("X", "Z", "D", "U"):
            if letter in choices:
                return letter
        raise ValueError(f"unknown action code {self.code!r}")  # pragma: no cover - table is static

    @property
    def tag(self) -> BaseTag:
        return Tag(tag_for_keyword(self.keyword))


# Attributes listed in PS3.15 Table E.1-1 with their Basic Profile action code.
_BASIC_PROFILE_CODES: dict[str, str] = {
    # Patient
    "PatientName": "Z",
    "PatientID": "Z",
    "PatientBirthDate": "Z",
    "PatientBirthTime": "X",
    "PatientSex": "Z",
    "PatientAge": "X",
    "PatientSize": "X",
    "PatientWeight": "X",
    "PatientAddress": "X",
    "PatientTelephoneNumbers": "X",
    "PatientMotherBirthName": "X",
    "PatientBirthName": "X",
    "OtherPatientIDs": "X",
    "OtherPatientIDsSequence": "X",
    "OtherPatientNames": "X",
    "IssuerOfPatientID": "X",
    "PatientComments": "X",
    "PatientReligiousPreference": "X",
    "PatientInsurancePlanCodeSequence": "X",
    "InsurancePlanIdentification": "X",
    "PatientPrimaryLanguageCodeSequence": "X",
    "PatientPrimaryLanguageModifierCodeSequence": "X",
    "PatientState": "X",
    "PatientTransportArrangements": "X",
    "PatientInstitutionResidence": "X",
    "PatientSexNeutered": "X/Z",
    "MilitaryRank": "X",
    "BranchOfService": "X",
    "MedicalRecordLocator": "X",
    "MedicalAlerts": "X",
    "Allergies": "X",
    "CountryOfResidence": "X",
    "RegionOfResidence": "X",
    "EthnicGroup": "X",
    "Occupation": "X",
    "SmokingStatus": "X",
    "AdditionalPatientHistory": "X",
    "PregnancyStatus": "X",
    "LastMenstrualDate": "X",
    "ResponsiblePerson": "X",
    "ResponsibleOrganization": "X",
    "SpecialNeeds": "X",
    "ReferencedPatientSequence": "X",
    "ReferencedPatientAliasSequence": "X",
    "ConfidentialityConstraintOnPatientDataDescription": "X",
    # Visit and admission
    "AdmissionID": "X",
    "IssuerOfAdmissionID": "X",
    "AdmittingDate": "X",
    "AdmittingTime": "X",
    "AdmittingDiagnosesDescription": "X",
    "AdmittingDiagnosesCodeSequence": "X",
    "CurrentPatientLocation": "X",
    "DischargeDiagnosisDescription": "X",
    "ScheduledPatientInstitutionResidence": "X",
    "ServiceEpisodeID": "X",
    "ServiceEpisodeDescription": "X",
    "IssuerOfServiceEpisodeID": "X",
    "VisitComments": "X",
    # Study
    "StudyInstanceUID": "U",
    "StudyDate": "Z",
    "StudyTime": "Z",
    "StudyID": "Z",
    "AccessionNumber": "Z",
    "StudyDescription": "X",
    "StudyComments": "X",
    "StudyIDIssuer": "X",
    "ReferringPhysicianName": "Z",
    "ReferringPhysicianAddress": "X",
    "ReferringPhysicianTelephoneNumbers": "X",
    "ReferringPhysicianIdentificationSequence": "X",
    "ConsultingPhysicianName": "X",
    "ConsultingPhysicianIdentificationSequence": "X",
    "PhysiciansOfRecord": "X",
    "PhysiciansOfRecordIdentificationSequence": "X",
    "NameOfPhysiciansReadingStudy": "X",
    "PhysiciansReadingStudyIdentificationSequence": "X",
    "ReasonForStudy": "X",
    "ReferencedStudySequence": "X/Z",
    "RequestingPhysician": "X",
    "RequestingService": "X",
    "RequestedProcedureDescription": "X/Z",
    "RequestedProcedureID": "X",
    "RequestedProcedureComments": "X",
    "RequestedProcedureLocation": "X",
    "RequestedContrastAgent": "X",
    "ReasonForTheImagingServiceRequest": "X",
    "ImagingServiceRequestComments": "X",
    "PlacerOrderNumberImagingServiceRequest": "Z",
    "FillerOrderNumberImagingServiceRequest": "Z",
    "OrderEnteredBy": "X",
    "OrderEntererLocation": "X",
    "OrderCallbackPhoneNumber": "X",
    "RequestAttributesSequence": "X",
    "ScheduledStudyLocation": "X",
    "ScheduledStudyLocationAETitle": "X",
    # Series, equipment, acquisition
    "SeriesInstanceUID": "U",
    "SeriesDate": "X/D",
    "SeriesTime": "X/D",
    "SeriesDescription": "X",
    "ProtocolName": "X/D",
    "InstitutionName": "X/Z/D",
    "InstitutionAddress": "X",
    "InstitutionCodeSequence": "X/Z/D",
    "InstitutionalDepartmentName": "X",
    "StationName": "X/Z/D",
    "StationAETitle": "X",
    "DeviceSerialNumber": "X/Z/D",
    "DeviceUID": "U",
    "DetectorID": "X/D",
    "GantryID": "X",
    "GeneratorID": "X",
    "CassetteID": "X",
    "PlateID": "X",
    "PerformingPhysicianName": "X",
    "PerformingPhysicianIdentificationSequence": "X",
    "OperatorsName": "X/Z/D",
    "OperatorIdentificationSequence": "X/D",
    "PerformedLocation": "X",
    "PerformedProcedureStepDescription": "X",
    "PerformedProcedureStepID": "X",
    "PerformedProcedureStepStartDate": "X",
    "PerformedProcedureStepStartTime": "X",
    "PerformedProcedureStepEndDate": "X",
    "PerformedProcedureStepEndTime": "X",
    "PerformedStationAETitle": "X",
    "PerformedStationGeographicLocationCodeSequence": "X",
    "PerformedStationName": "X",
    "PerformedStationNameCodeSequence": "X",
    "CommentsOnThePerformedProcedureStep": "X",
    "ReferencedPerformedProcedureStepSequence": "X/Z/D",
    "ScheduledHumanPerformersSequence": "X",
    "ScheduledPerformingPhysicianName": "X",
    "ScheduledPerformingPhysicianIdentificationSequence": "X",
    "ScheduledProcedureStepID": "X",
    "ScheduledProcedureStepDescription": "X",
    "ScheduledProcedureStepLocation": "X",
    "ScheduledProcedureStepStartDate": "X",
    "ScheduledProcedureStepStartTime": "X",
    "ScheduledProcedureStepEndDate": "X",
    "ScheduledProcedureStepEndTime": "X",
    "ScheduledStationAETitle": "X",
    "ScheduledStationGeographicLocationCodeSequence": "X",
    "ScheduledStationName": "X",
    "ScheduledStationNameCodeSequence": "X",
    "ActualHumanPerformersSequence": "X",
    "HumanPerformerName": "X",
    "HumanPerformerOrganization": "X",
    "AcquisitionDate": "X/Z",
    "AcquisitionTime": "X/Z",
    "AcquisitionDateTime": "X/Z",
    "AcquisitionComments": "X",
    "AcquisitionContextSequence": "X",
    "AcquisitionDeviceProcessingDescription": "X/D",
    "AcquisitionProtocolDescription": "X",
    "ContrastBolusAgent": "Z/D",
    "PreMedication": "X",
    # Image and instance
    "SOPInstanceUID": "U",
    "MediaStorageSOPInstanceUID": "U",
    "FrameOfReferenceUID": "U",
    "SynchronizationFrameOfReferenceUID": "U",
    "ReferencedFrameOfReferenceUID": "U",
    "RelatedFrameOfReferenceUID": "U",
    "ReferencedSOPInstanceUID": "U",
    "ReferencedSOPInstanceUIDInFile": "U",
    "ConcatenationUID": "U",
    "DimensionOrganizationUID": "U",
    "IrradiationEventUID": "U",
    "InstanceCreatorUID": "U",
    "CreatorVersionUID": "U",
    "StorageMediaFileSetUID": "U",
    "LargePaletteColorLookupTableUID": "U",
    "DoseReferenceUID": "U",
    "FiducialUID": "U",
    "TransactionUID": "U",
    "FailedSOPInstanceUIDList": "U",
    "RequestedSOPInstanceUID": "U",
    "ReferencedGeneralPurposeScheduledProcedureStepTransactionUID": "U",
    "ContextGroupExtensionCreatorUID": "U",
    "TemplateExtensionCreatorUID": "U",
    "TemplateExtensionOrganizationUID": "U",
    "UID": "U",
    "ContentDate": "Z/D",
    "ContentTime": "Z/D",
    "ReferencedImageSequence": "X/Z/U*",
    "SourceImageSequence": "X/Z/U*",
    "DerivationDescription": "X",
    "ImageComments": "X",
    "FrameComments": "X",
    "ImagePresentationComments": "X",
    "IdentifyingComments": "X",
    "IconImageSequence": "X",
    "ModifiedImageDescription": "X",
    "ModifyingDeviceID": "X",
    "ModifyingDeviceManufacturer": "X",
    "ModifiedAttributesSequence": "X",
    "OriginalAttributesSequence": "X",
    "CurveDate": "X",
    "CurveTime": "X",
    "OverlayDate": "X",
    "OverlayTime": "X",
    "GraphicAnnotationSequence": "D",
    "TextString": "X",
    "TextComments": "X",
    "Arbitrary": "X",
    # Structured reports, content and interpretation
    "ContentSequence": "X",
    "ContentCreatorName": "Z",
    "ContentCreatorIdentificationCodeSequence": "X",
    "AuthorObserverSequence": "X",
    "ParticipantSequence": "X",
    "CustodialOrganizationSequence": "X",
    "VerifyingObserverName": "D",
    "VerifyingObserverSequence": "D",
    "VerifyingObserverIdentificationCodeSequence": "Z",
    "VerifyingOrganization": "X",
    "PersonName": "D",
    "PersonAddress": "X",
    "PersonTelephoneNumbers": "X",
    "PersonIdentificationCodeSequence": "D",
    "ReviewerName": "X/Z",
    "ContributionDescription": "X",
    "InterpretationAuthor": "X",
    "InterpretationApproverSequence": "X",
    "InterpretationDiagnosisDescription": "X",
    "InterpretationIDIssuer": "X",
    "InterpretationRecorder": "X",
    "InterpretationText": "X",
    "InterpretationTranscriber": "X",
    "PhysicianApprovingInterpretation": "X",
    "Impressions": "X",
    "ResultsComments": "X",
    "ResultsDistributionListSequence": "X",
    "ResultsIDIssuer": "X",
    "DistributionAddress": "X",
    "DistributionName": "X",
    "IntendedRecipientsOfResultsIdentificationSequence": "X",
    "NamesOfIntendedRecipientsOfResults": "X",
    "TopicAuthor": "X",
    "TopicKeywords": "X",
    "TopicSubject": "X",
    "TopicTitle": "X",
    "TimezoneOffsetFromUTC": "X",
    # Security
    "DigitalSignatureUID": "X",
    "DigitalSignaturesSequence": "X",
    "ReferencedDigitalSignatureSequence": "X",
    "ReferencedSOPInstanceMACSequence": "X",
    "MAC": "X",
    "DataSetTrailingPadding": "X",
}

BASIC_PROFILE: dict[str, ProfileRule] = {kw: ProfileRule(kw, code) for kw, code in _BASIC_PROFILE_CODES.items()}
"""Keyword → rule; the same rules as :data:`BASIC_PROFILE_ACTIONS`, keyed for reading."""

BASIC_PROFILE_ACTIONS: dict[BaseTag, ProfileRule] = {rule.tag: rule for rule in BASIC_PROFILE.values()}
"""Tag → rule, what :func:`deidentify` applies at every nesting level."""

# Retain Patient Characteristics Option (PS3.15 Table E.1-1): these are kept (K) when the option is chosen.
RETAINED_PATIENT_CHARACTERISTICS: frozenset[str] = frozenset(
    {"PatientSex", "PatientAge", "PatientSize", "PatientWeight"}
)

_CODE_BASIC_PROFILE = ("113100", "DCM", "Basic Application Confidentiality Profile")
_CODE_RETAIN_PATIENT_CHARACTERISTICS = ("113108", "DCM", "Retain Patient Characteristics Option")
DEIDENTIFICATION_METHOD = "Basic Application Level Confidentiality Profile"  # fits LO (64 chars)

_DUMMY_BY_VR: dict[str, Any] = {
    "PN": "ANONYMOUS",
    "LO": "ANONYMOUS",
    "SH": "ANONYMOUS",
    "LT": "ANONYMOUS",
    "ST": "ANONYMOUS",
    "UT": "ANONYMOUS",
    "CS": "ANONYMOUS",
    "AE": "ANONYMOUS",
    "DA": "19000101",
    "TM": "000000",
    "DT": "19000101000000",
    "AS": "000Y",
    "IS": "0",
    "DS": "0",
}


@dataclass
class DeidentificationReport:
    """What :func:`deidentify` did, by attribute keyword (private tags counted, not named)."""

    removed: list[str] = field(default_factory=list)
    emptied: list[str] = field(default_factory=list)
    replaced: list[str] = field(default_factory=list)
    uids_replaced: list[str] = field(default_factory=list)
    private_tags_removed: int = 0
    overlay_or_curve_tags_removed: int = 0
    dates_removed: list[str] = field(default_factory=list)
    retained_patient_characteristics: list[str] = field(default_factory=list)
    burned_in_annotation: str = "absent"
    burned_in_confirmed_absent: bool = False
    warnings: list[str] = field(default_factory=list)

    def merge(self, other: DeidentificationReport) -> None:
        """Fold ``other`` (another instance of the same series) into this report."""
        for name in (
            "removed",
            "emptied",
            "replaced",
            "uids_replaced",
            "dates_removed",
            "retained_patient_characteristics",
            "warnings",
        ):
            mine: list[str] = getattr(self, name)
            mine.extend(v for v in getattr(other, name) if v not in mine)
        self.private_tags_removed += other.private_tags_removed
        self.overlay_or_curve_tags_removed += other.overlay_or_curve_tags_removed
        if other.burned_in_annotation == "YES" or self.burned_in_annotation == "absent":
            self.burned_in_annotation = other.burned_in_annotation
        self.burned_in_confirmed_absent = self.burned_in_confirmed_absent or other.burned_in_confirmed_absent

    def to_dict(self) -> dict[str, Any]:
        return {
            "removed": sorted(self.removed),
            "emptied": sorted(self.emptied),
            "replaced": sorted(self.replaced),
            "uids_replaced": sorted(self.uids_replaced),
            "private_tags_removed": self.private_tags_removed,
            "overlay_or_curve_tags_removed": self.overlay_or_curve_tags_removed,
            "dates_removed": sorted(self.dates_removed),
            "retained_patient_characteristics": sorted(self.retained_patient_characteristics),
            "burned_in_annotation": self.burned_in_annotation,
            "burned_in_confirmed_absent": self.burned_in_confirmed_absent,
            "warnings": list(self.warnings),
        }


# Modalities whose images often carry burned-in text even when BurnedInAnnotation is absent.
_BURN_IN_PRONE_MODALITIES = {"US", "XA", "RF", "SC", "OT", "ES", "XC", "DX", "CR"}
_DEIDENTIFICATION_TAGS = {Tag(0x0012, 0x0062), Tag(0x0012, 0x0063), Tag(0x0012, 0x0064)}


def _label(tag: BaseTag) -> str:
    return keyword_for_tag(tag) or f"({tag.group:04X},{tag.element:04X})"


def _is_overlay_or_curve(tag: BaseTag) -> bool:
    group = tag.group
    return (0x5000 <= group <= 0x501E or 0x6000 <= group <= 0x601E) and group % 2 == 0


def _dummy(elem: DataElement) -> Any:
    if elem.VR == "SQ":
        return Sequence()
    return _DUMMY_BY_VR.get(elem.VR, "")


def _walk_deidentify(
    ds: Dataset,
    report: DeidentificationReport,
    uid_map: dict[str, str],
    keep: frozenset[str],
) -> None:
    for elem in list(ds):
        tag = elem.tag
        if tag in _DEIDENTIFICATION_TAGS:
            continue
        if tag.is_private:
            del ds[tag]
            report.private_tags_removed += 1
            continue
        if _is_overlay_or_curve(tag):
            del ds[tag]
            report.overlay_or_curve_tags_removed += 1
            continue
        rule = BASIC_PROFILE_ACTIONS.get(tag)
        label = _label(tag)
        if rule is not None and rule.keyword in keep:
            report.retained_patient_characteristics.append(rule.keyword)
            continue
        if rule is not None:
            action = rule.action
            if action == "X":
                del ds[tag]
                report.removed.append(label)
            elif action == "Z":
                elem.value = Sequence() if elem.VR == "SQ" else ""
                report.emptied.append(label)
            elif action == "D":
                elem.value = _dummy(elem)
                report.replaced.append(label)
            elif action == "U":
                _replace_uids(elem, uid_map)
                report.uids_replaced.append(label)
            continue
        if elem.VR in ("DA", "DT", "TM"):
            # Beyond the table: no other date or time survives either (dates can identify a patient).
            del ds[tag]
            report.dates_removed.append(label)
            continue
        if elem.VR == "SQ":
            for item in elem.value:
                _walk_deidentify(item, report, uid_map, keep)


def _replace_uids(elem: DataElement, uid_map: dict[str, str]) -> None:
    def new(old: str) -> str:
        old = str(old).strip()
        if not old:
            return old
        if old not in uid_map:
            uid_map[old] = generate_uid()
        return uid_map[old]

    if elem.VM > 1:
        elem.value = [new(v) for v in elem.value]
    elif elem.value not in (None, ""):
        elem.value = new(elem.value)


def deidentify(
    ds: Dataset,
    *,
    confirm_no_burned_in: bool = False,
    retain_patient_characteristics: bool = False,
    uid_map: dict[str, str] | None = None,
    in_place: bool = False,
) -> tuple[Dataset, DeidentificationReport]:
    """De-identify one dataset with the PS3.15 Annex E Basic Application Level Confidentiality Profile.

    Steps: refuse when BurnedInAnnotation is YES unless ``confirm_no_burned_in`` → apply
    :data:`BASIC_PROFILE_ACTIONS` at every nesting level (X remove, Z empty, D dummy, U new UID from
    ``uid_map``, shared across a series so references stay consistent) → remove every private tag and
    every curve/overlay group (50xx, 60xx) → remove any other date/time → mirror the new SOP Instance UID
    into the file meta → set PatientIdentityRemoved = YES, DeidentificationMethod and
    DeidentificationMethodCodeSequence (113100, plus 113108 with ``retain_patient_characteristics``).
    """
    burned_in = str(ds.get("BurnedInAnnotation", "") or "").strip().upper()
    if burned_in == "YES" and not confirm_no_burned_in:
        raise DicomError("burned_in")
    if not in_place:
        ds = copy.deepcopy(ds)
    uid_map = {} if uid_map is None else uid_map
    report = DeidentificationReport(
        burned_in_annotation=burned_in or "absent",
        burned_in_confirmed_absent=confirm_no_burned_in,
    )
    modality = str(ds.get("Modality", "") or "").strip().upper()
    if not burned_in and modality in _BURN_IN_PRONE_MODALITIES and not confirm_no_burned_in:
        report.warnings.append(
            f"{modality} images often carry burned-in text and this file does not say whether it does; "
            "check the frames before publishing."
        )
    keep = RETAINED_PATIENT_CHARACTERISTICS if retain_patient_characteristics else frozenset()

    _walk_deidentify(ds, report, uid_map, keep)

    meta = getattr(ds, "file_meta", None)
    if meta is not None and "SOPInstanceUID" in ds:
        meta.MediaStorageSOPInstanceUID = ds.SOPInstanceUID
        if "MediaStorageSOPInstanceUID" not in report.uids_replaced:
            report.uids_replaced.append("MediaStorageSOPInstanceUID")

    ds.PatientIdentityRemoved = "YES"
    methods = [DEIDENTIFICATION_METHOD]
    if retain_patient_characteristics:
        methods.append("Retain Patient Characteristics Option")
    ds.DeidentificationMethod = methods if len(methods) > 1 else methods[0]
    codes = [_CODE_BASIC_PROFILE]
    if retain_patient_characteristics:
        codes.append(_CODE_RETAIN_PATIENT_CHARACTERISTICS)
    items = []
    for value, scheme, meaning in codes:
        item = Dataset()
        item.CodeValue = value
        item.CodingSchemeDesignator = scheme
        item.CodeMeaning = meaning
        items.append(item)
    ds.DeidentificationMethodCodeSequence = Sequence(items)
    return ds, report


def deidentify_series(
    series: Series,
    *,
    confirm_no_burned_in: bool = False,
    retain_patient_characteristics: bool = False,
) -> tuple[Series, DeidentificationReport]:
    """De-identify every instance of ``series`` with one UID map, so Study/Series/Frame of Reference
    UIDs stay shared across its files and references between them stay valid."""
    uid_map: dict[str, str] = {}
    report = DeidentificationReport()
    instances = []
    for instance in series.instances:
        try:
            ds, one = deidentify(
                instance.dataset,
                confirm_no_burned_in=confirm_no_burned_in,
                retain_patient_characteristics=retain_patient_characteristics,
                uid_map=uid_map,
            )
        except DicomError as exc:
            raise DicomError(exc.code, **{**exc.params, "file": instance.filename}) from exc
        report.merge(one)
        instances.append(Instance(filename=instance.filename, dataset=ds))
    new_series = Series(
        series_instance_uid=uid_map.get(series.series_instance_uid, series.series_instance_uid),
        modality=series.modality,
        instances=tuple(instances),
        frames=series.frames,
        slice_order=series.slice_order,
        slice_positions=series.slice_positions,
    )
    return new_series, report


def dataset_to_bytes(ds: Dataset) -> bytes:
    """Serialise a dataset as a DICOM Part 10 file (preamble, file meta, data set)."""
    buffer = io.BytesIO()
    ds.save_as(buffer, enforce_file_format=True)
    return buffer.getvalue()


# --------------------------------------------------------------------------------------------------
# Conversion for the browser viewer
# --------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class WindowPreset:
    """A window (VOI) on modality values: ``center``/``width`` in HU for CT; ``None`` = from file or auto."""

    label: str
    center: float | None
    width: float | None


WINDOW_PRESETS: dict[str, WindowPreset] = {
    "soft_tissue": WindowPreset("Soft tissue", 40, 400),
    "lung": WindowPreset("Lung", -600, 1500),
    "bone": WindowPreset("Bone", 400, 1800),
    "brain": WindowPreset("Brain", 40, 80),
    "liver": WindowPreset("Liver", 60, 160),
    "angio": WindowPreset("Angio / DSA", None, None),
}
_HU_PRESETS = ("soft_tissue", "lung", "bone", "brain", "liver")
_ANGIO_MODALITIES = {"XA", "RF"}

Compression = Literal["gzip", "deflate"] | None


@dataclass(frozen=True)
class ConvertedSeries:
    """The viewer's two resources: ``manifest`` (JSON-safe, display data only) and ``data`` (pixels).

    ``data`` holds the frames in display order, each ``rows × columns`` (× 3 interleaved RGB samples),
    little-endian ``manifest["dtype"]``; it is compressed as ``manifest["compression"]`` says
    (``gzip``/``deflate`` — zlib format — or ``None``). Serve a gzip blob with
    ``Content-Encoding: gzip`` or let the viewer decompress it with ``DecompressionStream``.
    """

    manifest: dict[str, Any]
    data: bytes

    @property
    def content_encoding(self) -> str | None:
        return self.manifest["compression"]


def _first_value(value: Any) -> float | None:
    if value is None or value == "":
        return None
    if isinstance(value, list | tuple | pydicom.multival.MultiValue):
        if not value:
            return None
        value = value[0]
    try:
        number = float(value)
    except (TypeError, ValueError):
        return None
    return number if math.isfinite(number) else None


def _rescale(ds: Dataset, frame: int) -> tuple[float, float]:
    item = _functional_item(ds, frame, "PixelValueTransformationSequence")
    source = item if item is not None else ds
    slope = _first_value(source.get("RescaleSlope"))
    intercept = _first_value(source.get("RescaleIntercept"))
    return (slope if slope not in (None, 0.0) else 1.0), (intercept if intercept is not None else 0.0)


def _file_window(ds: Dataset, frame: int) -> tuple[float, float] | None:
    item = _functional_item(ds, frame, "FrameVOILUTSequence")
    source = item if item is not None else ds
    center = _first_value(source.get("WindowCenter"))
    width = _first_value(source.get("WindowWidth"))
    if center is None or width is None or width < 1:
        return None
    return center, width


def _pixel_spacing(ds: Dataset) -> tuple[list[float] | None, str | None]:
    item = _functional_item(ds, 0, "PixelMeasuresSequence")
    for source, keyword, kind in (
        (item, "PixelSpacing", "patient"),
        (ds, "PixelSpacing", "patient"),
        (ds, "ImagerPixelSpacing", "detector"),
    ):
        if source is None:
            continue
        value = source.get(keyword)
        if value is not None and len(value) == 2:
            try:
                spacing = [float(value[0]), float(value[1])]
            except (TypeError, ValueError):
                continue
            if all(math.isfinite(v) and v > 0 for v in spacing):
                return spacing, kind
    return None, None


def _frame_rate(ds: Dataset) -> float | None:
    for keyword in ("CineRate", "RecommendedDisplayFrameRate"):
        rate = _first_value(ds.get(keyword))
        if rate and rate > 0:
            return rate
    frame_time = _first_value(ds.get("FrameTime"))
    if frame_time and frame_time > 0:
        return round(1000.0 / frame_time, 3)
    vector = ds.get("FrameTimeVector")
    if vector and len(vector) > 1:
        intervals = [float(v) for v in list(vector)[1:] if float(v) > 0]
        if intervals:
            return round(1000.0 / (sum(intervals) / len(intervals)), 3)
    return None


def _slice_spacing(series: Series) -> float | None:
    positions = series.slice_positions
    if positions and len(positions) > 1:
        gaps = np.diff(np.asarray(positions))
        return round(float(np.median(gaps)), 4)
    value = _first_value(series.first.get("SpacingBetweenSlices")) or _first_value(series.first.get("SliceThickness"))
    return value if value and value > 0 else None


class _Decoder:
    """Decodes each instance once and hands out frames in the requested order."""

    def __init__(self, series: Series) -> None:
        self.series = series
        self._cached: tuple[int, np.ndarray, str] | None = None

    def frames_of(self, index: int) -> tuple[np.ndarray, str]:
        if self._cached is not None and self._cached[0] == index:
            return self._cached[1], self._cached[2]
        instance = self.series.instances[index]
        ds = instance.dataset
        try:
            decoder = get_decoder(ds.file_meta.TransferSyntaxUID)
            array, meta = decoder.as_array(ds, as_rgb=True)
        except NotImplementedError as exc:
            raise DicomError(
                "no_decoder",
                file=instance.filename,
                transfer_syntax=ds.file_meta.TransferSyntaxUID.name,
                detail=str(exc),
            ) from exc
        except DicomError:
            raise
        except Exception as exc:
            raise DicomError("undecodable", file=instance.filename, detail=str(exc)) from exc
        photometric = str(meta.get("photometric_interpretation", ds.PhotometricInterpretation)).strip()
        if photometric == "PALETTE COLOR":
            array = apply_color_lut(array, ds)
            photometric = "RGB"
        colour = photometric not in ("MONOCHROME1", "MONOCHROME2")
        expected_ndim = 4 if colour else 3  # (frames, rows, columns[, samples])
        if array.ndim == expected_ndim - 1:  # one frame comes back without the frame axis
            array = array[np.newaxis]
        if array.ndim != expected_ndim or array.shape[0] < _number_of_frames(ds):
            raise DicomError("unexpected_shape", file=instance.filename, shape=str(array.shape))
        self._cached = (index, array, photometric)
        return array, photometric

    def frame(self, ref: Frame) -> tuple[np.ndarray, str]:
        frames, photometric = self.frames_of(ref.instance)
        return frames[ref.frame], photometric


def _to_uint8_rgb(frame: np.ndarray, filename: str) -> np.ndarray:
    if frame.ndim != 3 or frame.shape[-1] != 3:
        raise DicomError("colour_layout", file=filename, shape=str(frame.shape))
    if frame.dtype == np.uint8:
        return frame
    if np.issubdtype(frame.dtype, np.integer):
        peak = int(frame.max()) if frame.size else 0
        shift = max(0, peak.bit_length() - 8)
        return (frame >> shift).astype(np.uint8)
    raise DicomError("float_colour", file=filename)


def _theoretical_range(ds: Dataset, slope: float, intercept: float) -> tuple[float, float]:
    bits = int(ds.get("BitsStored", ds.BitsAllocated) or ds.BitsAllocated)
    if int(ds.get("PixelRepresentation", 0) or 0) == 1:
        low, high = -(2 ** (bits - 1)), 2 ** (bits - 1) - 1
    else:
        low, high = 0, 2**bits - 1
    ends = (low * slope + intercept, high * slope + intercept)
    return min(ends), max(ends)


def _apply_modality_lut(stored: np.ndarray, slope: float, intercept: float) -> np.ndarray:
    """Stored values → modality values (HU for CT), as int32 (exact for integer slope/intercept)."""
    if slope == 1.0 and float(intercept).is_integer():
        out = stored.astype(np.int32)
        if intercept:
            out += int(intercept)
        return out
    if float(slope).is_integer() and float(intercept).is_integer():
        return stored.astype(np.int32) * int(slope) + int(intercept)
    return np.rint(stored.astype(np.float64) * slope + intercept).astype(np.int32)


def _choose_dtype(modality: str, low: float, high: float, stored_bits: int, identity: bool) -> str | None:
    if modality == "CT":
        return "int16" if low >= -32768 and high <= 32767 else None
    if identity and stored_bits <= 8 and low >= 0 and high <= 255:
        return "uint8"
    if low >= 0 and high <= 65535:
        return "uint16"
    if low >= -32768 and high <= 32767:
        return "int16"
    return None


def convert(
    series: Series,
    *,
    preset: str | None = None,
    compress: Compression = None,
    compresslevel: int = 1,
) -> ConvertedSeries:
    """Convert ``series`` into a viewer blob and a display-only manifest.

    Steps: decode each instance once (YBR and palette colour become RGB) → for greyscale apply the
    Modality LUT (RescaleSlope/Intercept, per frame for enhanced objects) and store CT as int16 HU,
    other greyscale as uint16 (uint8 when the source is 8-bit with no rescale), colour as uint8 RGB →
    write frames in display order, little-endian → pick the default window: the requested ``preset``,
    else the file's window, else soft tissue for CT, else the value range (angio/auto) → optionally
    gzip or zlib-compress the blob (level 1 by default: on CT it is several times faster than level 6
    for a blob within a few percent of the size).
    """
    if preset is not None and preset not in WINDOW_PRESETS:
        raise DicomError("unknown_preset", preset=preset, choices=", ".join(WINDOW_PRESETS))
    if compress not in (None, "gzip", "deflate"):
        raise DicomError("unknown_compression", compress=compress)
    if not series.frames:
        raise DicomError("no_frames")

    decoder = _Decoder(series)
    first_ds = series.first
    rows, columns, count = series.rows, series.columns, len(series.frames)
    colour = series.photometric not in ("MONOCHROME1", "MONOCHROME2")

    if colour:
        pixels = np.empty((count, rows, columns, 3), dtype=np.uint8)
        for k, ref in enumerate(series.frames):
            frame, _ = decoder.frame(ref)
            pixels[k] = _to_uint8_rgb(frame, series.instances[ref.instance].filename)
        dtype, photometric, low, high = "uint8", "RGB", 0, 255
    else:
        rescales = [_rescale(series.instances[ref.instance].dataset, ref.frame) for ref in series.frames]
        bounds = [
            _theoretical_range(series.instances[ref.instance].dataset, *rescale)
            for ref, rescale in zip(series.frames, rescales, strict=True)
        ]
        identity = all(rescale == (1.0, 0.0) for rescale in rescales)
        stored_bits = int(first_ds.get("BitsStored", first_ds.BitsAllocated) or first_ds.BitsAllocated)
        low = min(b[0] for b in bounds)
        high = max(b[1] for b in bounds)
        dtype = _choose_dtype(series.modality, low, high, stored_bits, identity)
        if dtype is None:
            # The declared bit depth allows values no 16-bit type holds; look at the actual values.
            low, high = math.inf, -math.inf
            for ref, rescale in zip(series.frames, rescales, strict=True):
                values = _apply_modality_lut(decoder.frame(ref)[0], *rescale)
                low, high = min(low, int(values.min())), max(high, int(values.max()))
            dtype = _choose_dtype(series.modality, low, high, stored_bits, identity)
            if dtype is None:
                raise DicomError("value_range", low=low, high=high)
        pixels = np.empty((count, rows, columns), dtype=np.dtype(dtype))
        low, high = math.inf, -math.inf
        for k, (ref, rescale) in enumerate(zip(series.frames, rescales, strict=True)):
            frame, _ = decoder.frame(ref)
            if frame.ndim != 2:
                raise DicomError("pixel_layout", file=series.instances[ref.instance].filename, shape=str(frame.shape))
            values = _apply_modality_lut(frame, *rescale)
            low, high = min(low, int(values.min())), max(high, int(values.max()))
            pixels[k] = values
        photometric = series.photometric

    window, window_source = _default_window(series, preset, low, high, colour)
    spacing, spacing_kind = _pixel_spacing(first_ds)
    raw = pixels.astype(pixels.dtype.newbyteorder("<"), copy=False).tobytes()
    if compress == "gzip":
        data = gzip.compress(raw, compresslevel=compresslevel, mtime=0)
    elif compress == "deflate":
        data = zlib.compress(raw, compresslevel)
    else:
        data = raw

    kind = "image" if count == 1 else ("cine" if series.slice_order == "acquisition" else "stack")
    presets = {}
    if not colour:
        if series.modality == "CT":
            names = list(_HU_PRESETS)
        elif series.modality in _ANGIO_MODALITIES:
            names = ["angio"]
        else:
            names = []  # MR, US, …: no fixed windows; the viewer's reset returns to the default window
        for name in names:
            center, width = _preset_window(WINDOW_PRESETS[name], series, low, high)
            presets[name] = {"label": WINDOW_PRESETS[name].label, "center": center, "width": width}
    manifest: dict[str, Any] = {
        "format": "irexam-dicom-viewer",
        "version": 1,
        "kind": kind,
        "rows": rows,
        "columns": columns,
        "frames": count,
        "samples_per_pixel": 3 if colour else 1,
        "dtype": dtype,
        "byte_order": "little",
        "frame_bytes": rows * columns * (3 if colour else 1) * np.dtype(dtype).itemsize,
        "data_bytes": len(raw),
        "compression": compress,
        "photometric": photometric,
        "pixel_spacing": spacing,
        "pixel_spacing_kind": spacing_kind,
        "slice_spacing": _slice_spacing(series) if kind == "stack" else None,
        "slice_order": series.slice_order,
        "value_range": [int(low), int(high)],
        "units": "HU" if series.modality == "CT" and not colour else None,
        "default_window": (
            {"center": window[0], "width": window[1], "source": window_source} if window is not None else None
        ),
        "presets": presets,
        "frame_rate": _frame_rate(first_ds) if kind == "cine" else None,
    }
    return ConvertedSeries(manifest=manifest, data=data)


def _auto_window(low: float, high: float) -> tuple[float, float]:
    return (low + high) / 2.0, max(float(high - low), 1.0)


def _preset_window(preset: WindowPreset, series: Series, low: float, high: float) -> tuple[float, float]:
    if preset.center is not None and preset.width is not None:
        return float(preset.center), float(preset.width)
    from_file = _file_window(series.first, series.frames[0].frame)
    return from_file if from_file is not None else _auto_window(low, high)


def _default_window(
    series: Series, preset: str | None, low: float, high: float, colour: bool
) -> tuple[tuple[float, float] | None, str]:
    if colour:
        return None, "none"
    if preset is not None:
        return _preset_window(WINDOW_PRESETS[preset], series, low, high), f"preset:{preset}"
    from_file = _file_window(series.first, series.frames[0].frame)
    if from_file is not None:
        return from_file, "file"
    if series.modality == "CT":
        return _preset_window(WINDOW_PRESETS["soft_tissue"], series, low, high), "preset:soft_tissue"
    return _auto_window(low, high), "auto"


# --------------------------------------------------------------------------------------------------
# Synthetic series for tests, benchmarks and the demo
# --------------------------------------------------------------------------------------------------

_CT_IMAGE_STORAGE = "1.2.840.10008.5.1.4.1.1.2"
_XA_IMAGE_STORAGE = "1.2.840.10008.5.1.4.1.1.12.1"
_PRIVATE_GROUP = 0x0009
_PRIVATE_CREATOR = "IREXAM PHANTOM"


def _identified_dataset(sop_class: str, modality: str, study_uid: str, series_uid: str) -> Dataset:
    """A dataset carrying fake identifying values, so de-identification has something to remove."""
    meta = FileMetaDataset()
    meta.MediaStorageSOPClassUID = UID(sop_class)
    sop_uid = generate_uid()
    meta.MediaStorageSOPInstanceUID = sop_uid
    meta.TransferSyntaxUID = ExplicitVRLittleEndian
    ds = Dataset()
    ds.file_meta = meta
    ds.SpecificCharacterSet = "ISO_IR 100"
    ds.SOPClassUID = UID(sop_class)
    ds.SOPInstanceUID = sop_uid
    ds.StudyInstanceUID = study_uid
    ds.SeriesInstanceUID = series_uid
    ds.Modality = modality
    ds.PatientName = "TEST^PHANTOM"
    ds.PatientID = "PHANTOM-0001"
    ds.PatientBirthDate = "19700101"
    ds.PatientSex = "O"
    ds.PatientAge = "056Y"
    ds.PatientWeight = "70"
    ds.OtherPatientIDs = "PHANTOM-OTHER-7"
    ds.PatientAddress = "1 Phantom Street, Testville"
    ds.InstitutionName = "Phantom General Hospital"
    ds.InstitutionAddress = "2 Imaging Road, Testville"
    ds.ReferringPhysicianName = "REFERRER^DOCTOR"
    ds.PerformingPhysicianName = "PERFORMER^DOCTOR"
    ds.OperatorsName = "OPERATOR^RADIOGRAPHER"
    ds.AccessionNumber = "ACC123456"
    ds.StudyID = "STUDY42"
    ds.StudyDate = "20260102"
    ds.StudyTime = "101500"
    ds.SeriesDate = "20260102"
    ds.SeriesTime = "101700"
    ds.AcquisitionDate = "20260102"
    ds.ContentDate = "20260102"
    ds.ContentTime = "101800"
    ds.InstanceCreationDate = "20260102"
    ds.StudyDescription = "PHANTOM STUDY"
    ds.SeriesDescription = "PHANTOM SERIES"
    ds.DeviceSerialNumber = "SN-998877"
    ds.StationName = "PHANTOM-ST1"
    ds.Manufacturer = "IR Exam Platform"
    request = Dataset()
    request.RequestedProcedureID = "RP-77"
    request.ScheduledProcedureStepID = "SPS-77"
    ds.RequestAttributesSequence = Sequence([request])
    ds.FrameOfReferenceUID = generate_uid()
    block = ds.private_block(_PRIVATE_GROUP, _PRIVATE_CREATOR, create=True)
    block.add_new(0x01, "LO", "PRIVATE PATIENT NOTE")
    return ds


def _finish(ds: Dataset, pixels: np.ndarray) -> bytes:
    ds.PixelData = pixels.tobytes()
    return dataset_to_bytes(ds)


def _ct_slice_hu(size: int, z: float, rng: np.random.Generator) -> np.ndarray:
    """One axial slice of the phantom in HU; ``z`` runs 0 (feet end) to 1 (head end) of the volume.

    Image left is the patient's right (radiological convention): the liver sits on the image left.
    """
    y, x = np.mgrid[0:size, 0:size].astype(np.float32)
    cx, cy = (size - 1) / 2.0, (size - 1) / 2.0
    u, v = (x - cx) / size, (y - cy) / size  # -0.5 … 0.5
    hu = np.full((size, size), -1000.0, dtype=np.float32)  # air
    body = (u / 0.44) ** 2 + (v / 0.32) ** 2 <= 1.0
    hu[body] = -100.0  # subcutaneous fat
    hu[(u / 0.40) ** 2 + (v / 0.28) ** 2 <= 1.0] = 40.0  # soft tissue
    liver_size = 0.17 * max(0.0, 1.0 - abs(z - 0.6) / 0.45)
    if liver_size > 0:
        hu[((u + 0.15) / liver_size) ** 2 + ((v + 0.02) / (liver_size * 0.8)) ** 2 <= 1.0] = 60.0  # liver
        hu[((u + 0.17) / 0.03) ** 2 + ((v + 0.04) / 0.03) ** 2 + ((z - 0.6) / 0.08) ** 2 <= 1.0] = 120.0  # lesion
    hu[((u - 0.02) / 0.025) ** 2 + ((v - 0.04) / 0.025) ** 2 <= 1.0] = 250.0  # aorta (contrast-enhanced)
    hu[((u + 0.05) / 0.03) ** 2 + ((v - 0.03) / 0.022) ** 2 <= 1.0] = 150.0  # inferior vena cava
    spine = (u / 0.06) ** 2 + ((v - 0.17) / 0.05) ** 2
    hu[spine <= 1.0] = 1000.0  # cortical bone ring
    hu[spine <= 0.6] = 250.0  # cancellous bone
    hu[body] += rng.normal(0.0, 8.0, size=int(body.sum())).astype(np.float32)
    return hu


def synthesize_ct_phantom(
    n_slices: int = 40,
    size: int = 128,
    *,
    slice_thickness: float = 2.5,
    field_of_view: float = 400.0,
    seed: int = 0,
) -> list[bytes]:
    """An axial CT series of an abdomen-like phantom as DICOM Part 10 files (one per slice).

    Body ellipse (fat, soft tissue), a "liver" with a bright lesion, aorta and IVC, and a vertebra as a
    bone ring. Stored unsigned 12-bit with RescaleIntercept -1024, so HU = stored - 1024.
    Slices are returned in ascending position but with InstanceNumber counting head to feet, so
    sorting by position and by number differ. Carries fake identifiers and a private tag.
    """
    if n_slices < 1 or size < 8:
        raise ValueError("n_slices must be ≥ 1 and size ≥ 8")
    rng = np.random.default_rng(seed)
    study_uid, series_uid = generate_uid(), generate_uid()
    frame_of_reference = generate_uid()
    spacing = field_of_view / size
    files = []
    for k in range(n_slices):
        ds = _identified_dataset(_CT_IMAGE_STORAGE, "CT", study_uid, series_uid)
        ds.FrameOfReferenceUID = frame_of_reference
        ds.ImageType = ["ORIGINAL", "PRIMARY", "AXIAL"]
        ds.InstanceNumber = k + 1
        ds.ImagePositionPatient = [-field_of_view / 2, -field_of_view / 2, -k * slice_thickness]
        ds.ImageOrientationPatient = [1, 0, 0, 0, 1, 0]
        ds.SliceThickness = slice_thickness
        ds.SliceLocation = -k * slice_thickness
        ds.PixelSpacing = [spacing, spacing]
        ds.KVP = 120
        ds.SamplesPerPixel = 1
        ds.PhotometricInterpretation = "MONOCHROME2"
        ds.Rows = ds.Columns = size
        ds.BitsAllocated = 16
        ds.BitsStored = 12
        ds.HighBit = 11
        ds.PixelRepresentation = 0
        ds.RescaleIntercept = -1024
        ds.RescaleSlope = 1
        ds.RescaleType = "HU"
        ds.WindowCenter = 40
        ds.WindowWidth = 400
        ds.BurnedInAnnotation = "NO"
        z = 1.0 - k / max(n_slices - 1, 1)
        hu = _ct_slice_hu(size, z, rng)
        stored = np.clip(np.rint(hu) + 1024, 0, 4095).astype("<u2")
        files.append(_finish(ds, stored))
    return files[::-1]  # generated head→feet; returned feet→head, i.e. in ascending position


def synthesize_xa_cine(
    frames: int = 24,
    size: int = 256,
    *,
    frame_rate: float = 12.5,
    burned_in_annotation: bool = False,
    seed: int = 0,
) -> bytes:
    """A multi-frame X-ray angiography (DSA-like) cine as one DICOM Part 10 file.

    8-bit MONOCHROME2, grey background with a branching vessel tree that fills with (dark) contrast over
    the first half of the run and washes out after. Carries fake identifiers, a private tag and an overlay.
    """
    if frames < 1 or size < 16:
        raise ValueError("frames must be ≥ 1 and size ≥ 16")
    rng = np.random.default_rng(seed)
    ds = _identified_dataset(_XA_IMAGE_STORAGE, "XA", generate_uid(), generate_uid())
    ds.ImageType = ["ORIGINAL", "PRIMARY", "SINGLE PLANE"]
    ds.InstanceNumber = 1
    ds.SamplesPerPixel = 1
    ds.PhotometricInterpretation = "MONOCHROME2"
    ds.Rows = ds.Columns = size
    ds.BitsAllocated = 8
    ds.BitsStored = 8
    ds.HighBit = 7
    ds.PixelRepresentation = 0
    ds.NumberOfFrames = frames
    ds.FrameIncrementPointer = Tag("FrameTime")
    ds.FrameTime = round(1000.0 / frame_rate, 3)
    ds.CineRate = round(frame_rate)
    ds.RecommendedDisplayFrameRate = round(frame_rate)
    ds.ImagerPixelSpacing = [0.3, 0.3]
    ds.PositionerPrimaryAngle = 0
    ds.PositionerSecondaryAngle = 0
    ds.KVP = 80
    ds.BurnedInAnnotation = "YES" if burned_in_annotation else "NO"
    ds.WindowCenter = 128
    ds.WindowWidth = 256
    # A blank graphics overlay in group 6000 (repeating group: added by tag).
    ds.add_new(0x60000010, "US", size)  # Overlay Rows
    ds.add_new(0x60000011, "US", size)  # Overlay Columns
    ds.add_new(0x60000040, "CS", "G")  # Overlay Type
    ds.add_new(0x60000050, "SS", [1, 1])  # Overlay Origin
    ds.add_new(0x60000100, "US", 1)  # Overlay Bits Allocated
    ds.add_new(0x60000102, "US", 0)  # Overlay Bit Position
    ds.add_new(0x60003000, "OW", bytes(size * size // 8))  # Overlay Data

    y, x = np.mgrid[0:size, 0:size].astype(np.float32) / size
    # Vessel tree: a trunk from the top with two branches; distance along the tree drives filling.
    segments = [((0.5, 0.0), (0.5, 0.45), 0.025), ((0.5, 0.45), (0.25, 0.9), 0.018), ((0.5, 0.45), (0.78, 0.85), 0.018)]
    reach = np.full((size, size), np.inf, dtype=np.float32)
    start_length = 0.0
    for (x0, y0), (x1, y1), radius in segments:
        dx, dy = x1 - x0, y1 - y0
        length = math.hypot(dx, dy)
        t = np.clip(((x - x0) * dx + (y - y0) * dy) / (length**2), 0.0, 1.0)
        distance = np.hypot(x - (x0 + t * dx), y - (y0 + t * dy))
        along = (0.0 if y0 == 0.0 else start_length) + t * length
        reach = np.where(distance <= radius, np.minimum(reach, along), reach)
        if y0 == 0.0:
            start_length = length
    total = float(np.max(reach[np.isfinite(reach)]))
    pixels = np.empty((frames, size, size), dtype=np.uint8)
    for f in range(frames):
        phase = f / max(frames - 1, 1)
        front = total * min(1.0, phase * 2.2)
        density = 1.0 if phase <= 0.6 else max(0.0, 1.0 - (phase - 0.6) / 0.4)
        image = np.full((size, size), 170.0, dtype=np.float32)
        image[reach <= front] -= 110.0 * density
        image += rng.normal(0.0, 3.0, size=(size, size)).astype(np.float32)
        pixels[f] = np.clip(np.rint(image), 0, 255).astype(np.uint8)
    return _finish(ds, pixels)
