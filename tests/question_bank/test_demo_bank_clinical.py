"""The demo bank, part 2 (MT, ANEU, AORTA, PAD, HEME, UAE, VP, DIAL, BIL, DRN): item files and images.

Pure checks, no database: every item's zh and en content validates, both languages ask the same
question (same type, option ids, keys and media), objective codes exist, both pools are present in
every area, and every media ref has a drawer that returns an 800×600 PNG.
"""

import io
import json
from pathlib import Path

import pytest
from PIL import Image

from curriculum.reference_data import OBJECTIVES
from question_bank.content import media_refs, validate_content
from question_bank.demo.images_clinical import DRAWERS, HEIGHT, WIDTH, render

ITEMS_DIR = Path(__file__).resolve().parents[2] / "question_bank" / "demo" / "items"
AREAS = ("MT", "ANEU", "AORTA", "PAD", "HEME", "UAE", "VP", "DIAL", "BIL", "DRN")
ITEM_FIELDS = {"id", "area", "objectives", "level", "pool", "difficulty", "cognitive", "tags", "zh", "en"}


def _objective_code(objective) -> str:
    return objective["code"] if isinstance(objective, dict) else objective.code


OBJECTIVE_CODES = {_objective_code(o) for o in OBJECTIVES}


def _load(area: str) -> list[dict]:
    return json.loads((ITEMS_DIR / f"{area}.json").read_text(encoding="utf-8"))


ALL_ITEMS = [item for area in AREAS for item in _load(area)]


def _shape(content: dict) -> dict:
    """What must agree between languages: type, option ids, keys, stems, stages, media refs."""
    shape = {
        "type": content["type"],
        "options": [o["id"] for o in content.get("options", [])],
        "key": content.get("key"),
        "scoring": content.get("scoring"),
        "stems": [(s["id"], s["key"]) for s in content.get("stems", [])],
        "media": [m["ref"] for m in content.get("media", [])],
    }
    shape["stages"] = [
        (
            stage["id"],
            [m["ref"] for m in stage.get("media", [])],
            [_shape(q) | {"id": q["id"]} for q in stage["questions"]],
        )
        for stage in content.get("stages", [])
    ]
    return shape


def _has_cjk(text: str) -> bool:
    return any("\u4e00" <= ch <= "\u9fff" for ch in text)


@pytest.mark.parametrize("item", ALL_ITEMS, ids=lambda item: item["id"])
def test_each_item_is_valid_content_in_both_languages(item):
    assert set(item) == ITEM_FIELDS
    for lang in ("zh", "en"):
        validate_content(item[lang])
        assert item[lang]["explanation"].strip()
        assert item[lang]["references"]
    assert _shape(item["zh"]) == _shape(item["en"])
    assert _has_cjk(json.dumps(item["zh"], ensure_ascii=False))
    assert not _has_cjk(json.dumps(item["en"], ensure_ascii=False))


@pytest.mark.parametrize("item", ALL_ITEMS, ids=lambda item: item["id"])
def test_each_item_has_metadata_matching_the_curriculum(item):
    area = item["area"]
    assert item["id"].startswith(f"{area}-")
    assert item["objectives"]
    for code in item["objectives"]:
        assert code in OBJECTIVE_CODES
        assert code.startswith(f"{area}-")
    assert {code.split("-")[-2] for code in item["objectives"]} == {item["level"]}
    assert item["pool"] in {"secure", "practice"}
    assert 0 < item["difficulty"] < 1
    assert item["cognitive"] in {"recall", "application", "analysis"}


def test_item_ids_are_unique():
    ids = [item["id"] for item in ALL_ITEMS]
    assert len(ids) == len(set(ids))


@pytest.mark.parametrize("area", AREAS)
def test_every_area_has_items_in_both_pools_with_secure_the_larger(area):
    pools = [item["pool"] for item in _load(area)]
    assert pools.count("practice") >= 1
    assert pools.count("secure") > pools.count("practice")


def test_every_media_ref_used_has_a_drawer_and_every_drawer_is_used():
    used = {ref for item in ALL_ITEMS for lang in ("zh", "en") for ref in media_refs(item[lang])}
    assert used == set(DRAWERS)
    area_prefixes = {area.lower() for area in AREAS}
    assert all(ref.split("-")[0] in area_prefixes for ref in DRAWERS)


@pytest.mark.parametrize("ref", sorted(DRAWERS))
def test_each_drawer_returns_an_800_by_600_png(ref):
    data = DRAWERS[ref]()
    image = Image.open(io.BytesIO(data))
    assert image.format == "PNG"
    assert image.size == (WIDTH, HEIGHT) == (800, 600)
    assert len(image.convert("RGB").getcolors(maxcolors=1_000_000) or []) > 2  # not a blank canvas


def test_render_refuses_an_unknown_ref_with_the_known_ones_listed():
    with pytest.raises(KeyError, match="aorta-endoleak"):
        render("aorta-nonexistent")
