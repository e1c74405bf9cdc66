"""Shared data for the DICOM integration tests: synthetic series, and a DICOM item on a delivery form.

The synthetic series carry fake identifiers (question_bank.dicom._identified_dataset); ``HEADER_VALUES``
lists them so tests can grep every candidate-facing response for them.
"""

from __future__ import annotations

import io

import pydicom
from django.utils import timezone
from pydicom.encaps import encapsulate
from pydicom.uid import UID

from accounts.roles import Role
from exams.delivery import layout_entry
from exams.models import FormItem
from question_bank.dicom import dataset_to_bytes, synthesize_ct_phantom
from question_bank.models import DicomSeries, Question, QuestionVersion
from question_bank.services_dicom import dicom_series_upload
from tests.factories import UserFactory

#: Header keywords and the synthetic files' identifying values: none may reach a candidate.
HEADER_VALUES = [
    "PatientName",
    "PatientID",
    "PatientBirthDate",
    "InstitutionName",
    "StudyDate",
    "StudyInstanceUID",
    "SeriesInstanceUID",
    "SOPInstanceUID",
    "AccessionNumber",
    "Manufacturer",
    "TEST^PHANTOM",
    "PHANTOM-0001",
    "PHANTOM-OTHER-7",
    "Phantom General Hospital",
    "Phantom Street",
    "REFERRER^DOCTOR",
    "ACC123456",
    "20260102",
    "19700101",
    "SN-998877",
    "PRIVATE PATIENT NOTE",
]
ROI_MARKER = {"frame": 2, "x": 10, "y": 12, "width": 9, "height": 7}


def ct_files(n_slices: int = 6, size: int = 32) -> list[tuple[str, bytes]]:
    return [(f"slice{k:03d}.dcm", data) for k, data in enumerate(synthesize_ct_phantom(n_slices=n_slices, size=size))]


def unsupported_transfer_syntax_file() -> bytes:
    """A CT slice whose (encapsulated) pixel data claims MPEG-2, which no installed decoder reads."""
    ds = pydicom.dcmread(io.BytesIO(synthesize_ct_phantom(n_slices=1, size=16)[0]))
    ds.file_meta.TransferSyntaxUID = UID("1.2.840.10008.1.2.4.100")  # MPEG2 Main Profile / Main Level
    ds.PixelData = encapsulate([bytes(64)])
    ds["PixelData"].VR = "OB"
    ds["PixelData"].is_undefined_length = True
    return dataset_to_bytes(ds)


def upload_ct(by=None, *, n_slices: int = 6, size: int = 32) -> DicomSeries:
    by = by or UserFactory(username="dicom_author", roles=[Role.INSTRUCTOR])
    return dicom_series_upload(files=ct_files(n_slices, size), by=by)


def dicom_content(series: DicomSeries, **entry) -> dict:
    media = {"ref": str(series.pk), "kind": "dicom", "alt": "Axial CT of a phantom", "caption": "Synthetic phantom"}
    media.update(entry)
    return {
        "type": "sba",
        "stem": "An axial CT series of a synthetic abdominal phantom is shown.",
        "lead_in": "Which structure of the phantom has the highest attenuation?",
        "media": [media],
        "options": [
            {"id": "A", "text": "The vertebral cortex"},
            {"id": "B", "text": "The liver"},
            {"id": "C", "text": "Subcutaneous fat"},
        ],
        "key": ["A"],
        "explanation": "Cortical bone is about 1000 HU in the phantom; the marked region is the lesion.",
    }


def add_dicom_item(delivery, series: DicomSeries, position: int = 7, **entry) -> QuestionVersion:
    """An approved sba with ``series`` attached, added to the delivery form at ``position``."""
    author = UserFactory(username=f"dicom_item_author_{position}", roles=[Role.INSTRUCTOR])
    area = delivery.versions[1].question.area
    question = Question.objects.create(area=area, created_by=author)
    version = QuestionVersion.objects.create(
        question=question,
        number=1,
        status="approved",
        content=dicom_content(series, **entry),
        level="Q",
        pool="secure",
        author=author,
        approved_at=timezone.now(),
    )
    FormItem.objects.create(form=delivery.form, position=position, version=version, area=area)
    delivery.form.layout = [*delivery.form.layout, layout_entry(position, version.content)]
    delivery.form.save(update_fields=["layout"])
    delivery.versions[position] = version
    return version
