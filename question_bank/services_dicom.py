"""DICOM series in the question bank: upload (de-identify, convert once, store), the keep-original policy,
checks on DICOM media entries in content, and who may fetch a series.

The pure work (zip safety, PS3.15 de-identification, conversion) is ``question_bank.dicom``; this module
feeds it uploads and stores its results. See docs/dicom.md.

Upload, all or nothing::

    files ─► load_series (refuses non-DICOM / truncated / mixed series, by file name)
          ─► deidentify_series (refuses BurnedInAnnotation = YES unless the uploader confirms no text)
          ─► convert(compress="gzip")  ─► Media (kind dicom, the blob) + DicomSeries (manifest, report)
          ─► [policy allows] zip of the de-identified files, checked to load again
          ─► audit record

A refused upload raises ApplicationError and leaves no row and no file.
"""

from __future__ import annotations

import hashlib
import io
import json
import zipfile
from collections.abc import Callable, Iterable, Mapping
from typing import Any

from django.conf import settings
from django.core.files.base import ContentFile
from django.db import transaction
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from accounts.audit import audit_record
from accounts.roles import Role
from irexam.errors import ApplicationError
from question_bank import dicom
from question_bank.models import DicomPolicy, DicomSeries, Media, MediaKind

__all__ = [
    "DICOM_MIME",
    "dicom_access_allowed",
    "dicom_check_media_entries",
    "dicom_policy_update",
    "dicom_refusal_message",
    "dicom_series_upload",
    "manifest_bytes",
    "register_dicom_access_rule",
]

#: The MIME type recorded on a DICOM series' Media row (the blob: frames, gzip-compressed).
DICOM_MIME = "application/x-irexam-dicom-frames"
UPLOAD_ROLES = (Role.INSTRUCTOR, Role.OFFICER)
STAFF_ROLES = (Role.INSTRUCTOR, Role.REVIEWER, Role.OFFICER)
DEFAULT_MAX_UPLOAD_BYTES = 1024 * 1024 * 1024

#: Rules that let a user who is not bank staff fetch a series (e.g. a candidate whose attempt shows it).
#: Each takes ``(user, media_id)`` and returns True to allow. Higher apps register theirs in ``ready()``.
_ACCESS_RULES: list[Callable[[Any, str], bool]] = []


def register_dicom_access_rule(rule: Callable[[Any, str], bool]) -> None:
    """Let ``rule(user, media_id)`` grant access to a series (exams: a candidate's own attempt)."""
    if rule not in _ACCESS_RULES:
        _ACCESS_RULES.append(rule)


def dicom_access_allowed(*, user: Any, media_id: str) -> bool:
    """Bank staff always; anybody else only when a registered rule says the series is theirs to see."""
    if user is None or not getattr(user, "is_authenticated", False):
        return False
    if any(user.has_role(role) for role in STAFF_ROLES):
        return True
    return any(rule(user, media_id) for rule in _ACCESS_RULES)


def manifest_bytes(manifest: Mapping[str, Any]) -> bytes:
    """The manifest as served: canonical JSON, so its SHA-256 (the ETag) is stable."""
    return json.dumps(manifest, sort_keys=True, separators=(",", ":")).encode()


# --------------------------------------------------------------------------- upload


def _read_files(files: Iterable[Any], max_bytes: int) -> list[tuple[str, bytes]]:
    out: list[tuple[str, bytes]] = []
    total = 0
    for item in files:
        if isinstance(item, tuple):
            name, data = item
        else:
            name, data = getattr(item, "name", "") or "upload", item.read(max_bytes + 1 - total)
        total += len(data)
        if total > max_bytes:
            raise ApplicationError(
                _("The upload is larger than %(limit)s MB.") % {"limit": max_bytes // (1024 * 1024)},
                code="dicom_too_large",
            )
        out.append((str(name).rsplit("/", 1)[-1][:200], bytes(data)))
    return out


def _original_zip(series: dicom.Series) -> bytes:
    """The de-identified files as a zip, checked to load back as the same series."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=1) as archive:
        for k, instance in enumerate(series.instances):
            archive.writestr(f"{k + 1:04d}.dcm", dicom.dataset_to_bytes(instance.dataset))
    data = buffer.getvalue()
    reloaded = dicom.load_series([("original.zip", data)])
    if len(reloaded.frames) != len(series.frames):
        raise dicom.DicomError("reload_mismatch")
    return data


def _refusal_reasons() -> dict[str, str]:
    """The reason of each ``dicom.DicomError`` code in the active language (same fields as ``dicom.MESSAGES``)."""
    return {
        "no_files": _("No files were uploaded."),
        "not_bytes": _("expected file content as bytes."),
        "file_too_large": _("%(size)s bytes exceeds the %(limit)s-byte file limit."),
        "upload_too_large": _("The upload exceeds the %(limit)s-byte limit."),
        "too_many_files": _("The upload holds more than %(limit)s files."),
        "zip_unreadable": _("not a readable zip archive (%(detail)s)."),
        "zip_too_many_entries": _("the zip holds %(count)s entries; at most %(limit)s are accepted."),
        "zip_unsafe_path": _("zip entry %(entry)s has an unsafe path; refusing the archive."),
        "zip_encrypted": _("encrypted zip entries are not accepted."),
        "zip_entry_too_large": _("%(size)s bytes uncompressed exceeds the %(limit)s limit."),
        "zip_too_large": _("the archive expands beyond the %(limit)s-byte upload limit."),
        "zip_bomb": _("compression ratio is suspiciously high (possible zip bomb); refused."),
        "zip_entry_overflow": _("entry expands beyond its size limit; refused."),
        "zip_entry_unreadable": _("cannot be extracted (%(detail)s)."),
        "zip_nested": _("zip archives inside a zip are not accepted."),
        "not_dicom": _("not a DICOM file (no DICOM Part 10 header: 'DICM' missing at byte 128)."),
        "invalid_dicom": _("not a valid DICOM file (%(detail)s)."),
        "corrupt": _("the DICOM file is truncated or corrupt (%(detail)s)."),
        "truncated": _("the DICOM file is truncated (%(detail)s)."),
        "truncated_empty": _("the DICOM file is empty or truncated (no data elements could be read)."),
        "truncated_element": _(
            "the DICOM file is truncated (its last element, %(element)s, has %(actual)s of %(expected)s bytes)."
        ),
        "truncated_pixel_data": _("the DICOM file is truncated (pixel data has %(actual)s of %(expected)s bytes)."),
        "no_pixel_data": _("the DICOM file holds no image (no Pixel Data)."),
        "missing_attribute": _("the DICOM file lacks %(keyword)s, so its image cannot be read."),
        "no_transfer_syntax": _("the DICOM file has no transfer syntax in its file meta information."),
        "not_encapsulated": _("compressed pixel data is not encapsulated; the file is corrupt."),
        "no_images": _("The upload contains no DICOM images."),
        "no_series_uid": _("the DICOM file has no SeriesInstanceUID."),
        "mixed_series": _("The upload mixes %(count)s series: %(series)s. Upload one series at a time."),
        "duplicate_image": _("%(name)s and %(other)s are the same image (same SOPInstanceUID)."),
        "multiframe_not_alone": _(
            "%(name)s is a multi-frame image but the series has %(count)s files; "
            "upload a multi-frame image (cine loop or enhanced object) on its own."
        ),
        "attribute_mismatch": _(
            "%(keyword)s is %(value)s but %(other)s has %(expected)s; every image of the series must match."
        ),
        "too_many_pixels": _("The series has %(pixels)s pixel values; at most %(limit)s are accepted."),
        "burned_in": _(
            "The image is marked as having burned-in annotation (BurnedInAnnotation = YES), which may show "
            "patient details in the pixels. Check the images and confirm there is no identifying text to continue."
        ),
        "reload_mismatch": _("The de-identified files did not load back as the same series."),
        "unknown_preset": _("Unknown window preset %(preset)s; choose one of %(choices)s."),
        "unknown_compression": _("Unknown compression %(compress)s; use 'gzip', 'deflate' or None."),
        "no_frames": _("The series has no frames."),
        "no_decoder": _("no decoder is installed for transfer syntax %(transfer_syntax)s (%(detail)s)."),
        "undecodable": _("the pixel data cannot be decoded (%(detail)s)."),
        "unexpected_shape": _("the decoded pixel data has an unexpected shape %(shape)s."),
        "colour_layout": _("unexpected colour pixel layout %(shape)s."),
        "float_colour": _("floating-point colour images are not supported."),
        "pixel_layout": _("unexpected pixel layout %(shape)s."),
        "value_range": _(
            "Pixel values range from %(low)s to %(high)s, which does not fit a 16-bit image; "
            "this series cannot be shown in the viewer."
        ),
    }


def dicom_refusal_message(error: dicom.DicomError) -> str:
    """Why ``dicom`` refused an upload, in the active language, naming the file as the English does.

    Built from the error's ``code`` and ``params``; an unknown code or missing field falls back to the
    English ``str(error)`` (never fails, so a refusal is always reported).
    """
    params = dict(error.params)
    for key in ("entry", "preset", "compress"):
        if key in params:
            params[key] = repr(params[key])
    if error.code == "mixed_series":
        params["series"] = _(", ").join(
            ngettext("%(label)s (%(n)d file)", "%(label)s (%(n)d files)", n) % {"label": label, "n": n}
            for label, n in params.get("parts") or []
        )
    try:
        reason = _refusal_reasons()[error.code] % params
    except (KeyError, TypeError, ValueError):
        return str(error)
    if params.get("file"):
        reason = _("%(file)s: %(reason)s") % {"file": params["file"], "reason": reason}
    return reason


def _refused(error: dicom.DicomError) -> ApplicationError:
    return ApplicationError(
        _("The DICOM upload was refused: %(reason)s") % {"reason": dicom_refusal_message(error)},
        {"dicom_code": error.code},
        code="dicom_refused",
    )


def dicom_series_upload(
    *,
    files: Iterable[Any],
    by: Any,
    confirm_no_burned_in: bool = False,
    window: str | None = None,
    request: Any = None,
) -> DicomSeries:
    """Store one DICOM series (files and/or zips of one series) for the viewer.

    Steps: check the uploader's role → read the files (size cap) → ``load_series`` → de-identify
    (refused when BurnedInAnnotation is YES unless ``confirm_no_burned_in``) → convert once (gzip blob,
    display-only manifest; ``window`` picks the default preset) → keep the de-identified originals as a
    zip only if the policy allows → store Media + DicomSeries and the files in one transaction → audit.
    The same pixels uploaded again return the stored series.
    """
    if by is None or not any(by.has_role(role) for role in UPLOAD_ROLES):
        raise ApplicationError(
            _("Only instructors and officers may upload DICOM series."), code="forbidden", status=403
        )
    if window is not None and window not in dicom.WINDOW_PRESETS:
        raise ApplicationError(_("Unknown window preset %(name)s.") % {"name": window}, code="invalid_field")
    max_bytes = int(getattr(settings, "QUESTION_BANK_DICOM_MAX_UPLOAD_BYTES", DEFAULT_MAX_UPLOAD_BYTES))
    files = list(files)
    label = _upload_label(files)
    uploaded = _read_files(files, max_bytes)
    limits = dicom.UploadLimits(max_total_bytes=max_bytes, max_file_bytes=max_bytes)
    keep = DicomPolicy.current().keep_originals
    try:
        series = dicom.load_series(uploaded, limits=limits)
        clean, report = dicom.deidentify_series(series, confirm_no_burned_in=confirm_no_burned_in)
        del series, uploaded
        converted = dicom.convert(clean, preset=window, compress="gzip")
        original = _original_zip(clean) if keep else None
    except dicom.DicomError as error:
        raise _refused(error) from error

    digest = hashlib.sha256(converted.data).hexdigest()
    existing = DicomSeries.objects.filter(media__sha256=digest).select_related("media").first()
    if existing is not None:
        return existing
    manifest = converted.manifest
    media = Media(
        kind=MediaKind.DICOM,
        sha256=digest,
        mime=DICOM_MIME,
        width=manifest["columns"],
        height=manifest["rows"],
        size=len(converted.data),
        original_name=label[:200],
        uploaded_by=by,
    )
    stored = DicomSeries(
        media=media,
        modality=clean.modality[:16],
        frame_count=manifest["frames"],
        manifest=manifest,
        manifest_sha256=hashlib.sha256(manifest_bytes(manifest)).hexdigest(),
        deidentification=report.to_dict(),
        burned_in_confirmed_absent=confirm_no_burned_in,
        original_size=len(original) if original is not None else None,
    )
    written: list[Any] = []
    try:
        with transaction.atomic():
            media.file.save(f"{digest}.bin", ContentFile(converted.data), save=False)
            written.append(media.file)
            media.save()
            if original is not None:
                stored.original.save("original.zip", ContentFile(original), save=False)
                written.append(stored.original)
            stored.media = media
            stored.save()
            audit_record(
                action="question_bank.dicom_upload",
                actor=by,
                target=media,
                summary=f"DICOM {stored.modality} series, {stored.frame_count} frames ({label})",
                data={
                    "sha256": digest,
                    "frames": stored.frame_count,
                    "modality": stored.modality,
                    "original_kept": original is not None,
                    "burned_in_confirmed_absent": confirm_no_burned_in,
                    "removed": len(report.removed),
                    "private_tags_removed": report.private_tags_removed,
                },
                request=request,
            )
    except BaseException:
        for field_file in written:
            field_file.storage.delete(field_file.name)
        raise
    return stored


def _upload_label(files: Iterable[Any]) -> str:
    names = [str(f[0] if isinstance(f, tuple) else getattr(f, "name", "")) for f in files]
    names = [n.rsplit("/", 1)[-1] for n in names if n]
    if len(names) <= 1:
        return names[0] if names else ""
    return f"{names[0]} (+{len(names) - 1})"


# --------------------------------------------------------------------------- policy


def dicom_policy_update(*, keep_originals: bool, by: Any, request: Any = None) -> DicomPolicy:
    """The officer switches keeping originals on or off (audited). Series already stored keep what they have."""
    if by is None or not by.has_role(Role.OFFICER):
        raise ApplicationError(_("Only officers may change the DICOM policy."), code="forbidden", status=403)
    with transaction.atomic():
        policy, _created = DicomPolicy.objects.select_for_update().get_or_create(pk=1)
        before = policy.keep_originals
        policy.keep_originals = bool(keep_originals)
        policy.updated_by = by
        policy.save()
        audit_record(
            action="question_bank.dicom_policy",
            actor=by,
            target=policy,
            summary=f"keep DICOM originals: {before} → {policy.keep_originals}",
            data={"keep_originals": policy.keep_originals, "before": before},
            request=request,
        )
    return policy


# --------------------------------------------------------------------------- content checks


def _dicom_entries(obj: Any, path: str = "") -> Iterable[tuple[str, Mapping[str, Any]]]:
    """Every media entry of validated content (stem, stages, stage questions) with its path."""
    if isinstance(obj, list):
        for index, item in enumerate(obj):
            yield from _dicom_entries(item, f"{path}[{index}]")
    elif isinstance(obj, dict):
        for name, value in obj.items():
            where = f"{path}.{name}" if path else name
            if name == "media" and isinstance(value, list):
                for index, entry in enumerate(value):
                    if isinstance(entry, dict) and "ref" in entry:
                        yield f"{where}[{index}]", entry
            elif isinstance(value, list | dict):
                yield from _dicom_entries(value, where)


def dicom_check_media_entries(*, content: Mapping[str, Any], kinds: Mapping[str, str]) -> None:
    """Each media entry's kind matches the stored media, and a DICOM entry's initial frame and region of
    interest fit its series (one query for the series named)."""
    problems: list[str] = []
    dicom_refs = []
    for path, entry in _dicom_entries(content):
        stored_kind = kinds.get(entry["ref"])
        wanted = entry.get("kind", MediaKind.IMAGE)
        if stored_kind is not None and stored_kind != wanted:
            problems.append(
                _("%(field)s: the media %(ref)s is stored as %(stored)s but the entry says %(kind)s.")
                % {
                    "field": path,
                    "ref": entry["ref"],
                    "stored": MediaKind(stored_kind).label,
                    "kind": MediaKind(wanted).label,
                }
            )
        elif wanted == MediaKind.DICOM:
            dicom_refs.append((path, entry))
    if dicom_refs:
        sizes = {
            str(pk): (frames, width, height)
            for pk, frames, width, height in DicomSeries.objects.filter(
                pk__in=[e["ref"] for _p, e in dicom_refs]
            ).values_list("pk", "frame_count", "media__width", "media__height")
        }
        for path, entry in dicom_refs:
            frames, width, height = sizes.get(entry["ref"], (0, 0, 0))
            frame = entry.get("initial_frame")
            if frame is not None and frame >= frames:
                problems.append(
                    _("%(field)s: the series has %(count)s frames; the initial frame must be below that.")
                    % {"field": f"{path}.initial_frame", "count": frames}
                )
            roi = entry.get("roi")
            if roi is not None and (
                roi["frame"] >= frames or roi["x"] + roi["width"] > width or roi["y"] + roi["height"] > height
            ):
                problems.append(
                    _(
                        "%(field)s: the region of interest lies outside the series "
                        "(%(width)s×%(height)s, %(count)s frames)."
                    )
                    % {"field": f"{path}.roi", "width": width, "height": height, "count": frames}
                )
    if problems:
        raise ApplicationError(" ".join(problems), {"media": problems}, code="invalid_media")


# --------------------------------------------------------------------------- attaching to a question


def dicom_attach(
    *,
    question: Any,
    series: DicomSeries,
    by: Any,
    alt: str = "",
    caption: str = "",
    window: str | None = None,
    initial_frame: int | None = None,
    roi: Mapping[str, Any] | None = None,
    stage: int | None = None,
) -> Any:
    """Attach ``series`` to the question's draft: to the stem's media, or to case stage ``stage`` (0-based).

    The display choices (default window preset, initial frame, region of interest for the explanation)
    are checked against the series by the draft update, which also enforces who may edit the draft.
    """
    from question_bank.models import VersionStatus
    from question_bank.services import version_update_draft

    draft = question.latest_version
    if draft is None or draft.status != VersionStatus.DRAFT:
        raise ApplicationError(
            _("%(code)s has no draft; make a new version first, then attach the series.") % {"code": question},
            code="not_a_draft",
        )
    entry: dict[str, Any] = {"ref": str(series.pk), "kind": MediaKind.DICOM, "alt": alt, "caption": caption}
    if window:
        entry["window"] = window
    if initial_frame is not None:
        entry["initial_frame"] = initial_frame
    if roi:
        entry["roi"] = dict(roi)
    content = json.loads(json.dumps(draft.content))
    if stage is None:
        owner = content
    else:
        stages = content.get("stages") or []
        if not 0 <= stage < len(stages):
            raise ApplicationError(
                _("%(code)s has no case stage %(number)s.") % {"code": question, "number": stage + 1},
                code="invalid_field",
            )
        owner = stages[stage]
    owner["media"] = [m for m in owner.get("media") or [] if m.get("ref") != entry["ref"]] + [entry]
    with transaction.atomic():
        return version_update_draft(version=draft, by=by, content=content)
