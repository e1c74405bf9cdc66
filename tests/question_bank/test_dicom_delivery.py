"""Delivery of DICOM media (pure): the candidate's entry, and which series a candidate is shown."""

from __future__ import annotations

from exams.delivery import candidate_item, visible_dicom_refs
from question_bank.content import validate_content
from tests.question_bank.bank_helpers import case

SERIES_1 = "0c6b1a7e-2f1d-4a43-9d0e-6a7d1e2f3a4b"
SERIES_2 = "5d1e8f20-9b1c-4f43-8a0e-1b2c3d4e5f60"
IMAGE = "7a1e8f20-9b1c-4f43-8a0e-1b2c3d4e5f61"


def _case_with_series() -> dict:
    content = case()
    content["media"] = [{"ref": IMAGE, "alt": "Plain image"}]
    content["stages"][0]["media"] = [{"ref": SERIES_1, "kind": "dicom", "alt": "EVAR run", "initial_frame": 4}]
    content["stages"][1]["media"] = [
        {
            "ref": SERIES_2,
            "kind": "dicom",
            "window": "soft_tissue",
            "roi": {"frame": 1, "x": 1, "y": 1, "width": 2, "height": 2},
        }
    ]
    return validate_content(content)


def test_a_later_case_stages_series_is_withheld_until_the_stage_is_reached():
    content = _case_with_series()
    assert visible_dicom_refs(content, stage_reached=0) == {SERIES_1}
    assert visible_dicom_refs(content, stage_reached=1) == {SERIES_1, SERIES_2}


def test_the_candidate_entry_has_the_viewer_urls_and_display_choices_but_no_roi():
    content = _case_with_series()
    item = candidate_item(1, content, orders={}, stage_reached=1, media_url=lambda ref: f"/m/{ref}/")
    assert item["media"] == [{"url": f"/m/{IMAGE}/", "alt": "Plain image", "caption": ""}]
    first, second = (stage["media"][0] for stage in item["stages"])
    assert first == {
        "kind": "dicom",
        "manifest_url": f"/m/{SERIES_1}/dicom/manifest/",
        "data_url": f"/m/{SERIES_1}/dicom/data/",
        "alt": "EVAR run",
        "caption": "",
        "initial_frame": 4,
    }
    assert second["window"] == "soft_tissue" and "roi" not in second
    assert "roi" not in str(item)
