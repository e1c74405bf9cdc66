"""The demo bank's item files and images, both parts.

Part 1 (core skills, TACE, ABL, SEED, TIPS) draws its schematics in ``images_core``, part 2 (MT,
ANEU, AORTA, PAD, HEME, UAE, VP, DIAL, BIL, DRN) in ``images_clinical``. Pure checks, no database:
every item's zh and en content validates, both languages ask the same question (same type, option
ids, keys and media), objective codes exist, both pools are present in every area, every media ref
has a drawer of its part that returns an 800×600 PNG, and the dose-volume histogram drawn for
SEED-04 still matches the readings its key depends on.
"""

import io
import json
import math
from pathlib import Path
from types import ModuleType

import pytest
from PIL import Image

from curriculum.reference_data import OBJECTIVES
from question_bank.content import media_refs, validate_content
from question_bank.demo import images_clinical, images_core

ITEMS_DIR = Path(__file__).resolve().parents[2] / "question_bank" / "demo" / "items"
PARTS: dict[str, tuple[tuple[str, ...], ModuleType]] = {
    "core": (
        ("CORE-RAD", "CORE-CM", "CORE-ACC", "CORE-SED", "CORE-IMG", "CORE-PSC", "TACE", "ABL", "SEED", "TIPS"),
        images_core,
    ),
    "clinical": (("MT", "ANEU", "AORTA", "PAD", "HEME", "UAE", "VP", "DIAL", "BIL", "DRN"), images_clinical),
}
ITEM_FIELDS = {"id", "area", "objectives", "level", "pool", "difficulty", "cognitive", "tags", "zh", "en"}


def _objective_code(objective) -> str:
    return objective["code"] if isinstance(objective, dict) else objective.code


OBJECTIVE_CODES = {_objective_code(o) for o in OBJECTIVES}


def _load(area: str) -> list[dict]:
    return json.loads((ITEMS_DIR / f"{area}.json").read_text(encoding="utf-8"))


def _items(part: str) -> list[dict]:
    return [item for area in PARTS[part][0] for item in _load(area)]


ALL_ITEMS = [item for part in PARTS for item in _items(part)]
ALL_AREAS = [area for areas, _images in PARTS.values() for area in areas]
ALL_DRAWERS = [(part, ref) for part, (_areas, images) in PARTS.items() for ref in sorted(images.DRAWERS)]


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


@pytest.mark.parametrize("area", ALL_AREAS)
def test_every_area_has_items_in_both_pools_with_secure_the_larger(area):
    pools = [item["pool"] for item in _load(area)]
    assert pools.count("practice") >= 1
    assert pools.count("secure") > pools.count("practice")


def test_the_core_part_mixes_the_required_question_types():
    items = _items("core")
    types = [item["en"]["type"] for item in items]
    with_media = [item for item in items if media_refs(item["en"])]
    assert types.count("mrq") >= 2
    assert types.count("tf") >= 2
    assert types.count("emq") >= 1
    assert types.count("order") >= 1
    assert types.count("case") >= 2
    assert len(with_media) >= 6


@pytest.mark.parametrize("part", PARTS)
def test_every_media_ref_used_has_a_drawer_of_its_part_and_every_drawer_is_used(part):
    areas, images = PARTS[part]
    used = {ref for item in _items(part) for lang in ("zh", "en") for ref in media_refs(item[lang])}
    assert used == set(images.DRAWERS)
    prefixes = {area.split("-")[0].lower() for area in areas}
    assert all(ref.split("-")[0] in prefixes for ref in images.DRAWERS)


@pytest.mark.parametrize(("part", "ref"), ALL_DRAWERS, ids=[ref for _part, ref in ALL_DRAWERS])
def test_each_drawer_returns_an_800_by_600_png(part, ref):
    images = PARTS[part][1]
    image = Image.open(io.BytesIO(images.render(ref)))
    assert image.format == "PNG"
    assert image.size == (images.WIDTH, images.HEIGHT) == (800, 600)
    assert len(image.convert("RGB").getcolors(maxcolors=1_000_000) or []) > 2  # not a blank canvas


@pytest.mark.parametrize(
    ("images", "unknown", "listed"),
    [(images_core, "tips-nonexistent", "tips-tract"), (images_clinical, "aorta-nonexistent", "aorta-endoleak")],
)
def test_render_refuses_an_unknown_ref_with_the_known_ones_listed(images, unknown, listed):
    with pytest.raises(KeyError, match=listed):
        images.render(unknown)


def test_the_drawn_dvh_gives_the_readings_that_seed_04_is_keyed_on():
    """SEED-04's key says D90 ≈ 110 % and V100 ≈ 94 %; the drawn curve must keep saying so."""
    assert images_core.dvh_volume(100) == pytest.approx(94, abs=0.5)
    d90 = images_core.DVH_D50 + images_core.DVH_SLOPE * math.log(100 / 90 - 1)
    assert d90 == pytest.approx(110, abs=0.5)
    assert images_core.dvh_volume(d90) == pytest.approx(90, abs=1e-9)
    seed_04 = next(item for item in ALL_ITEMS if item["id"] == "SEED-04")
    key = seed_04["en"]["key"][0]
    key_text = next(o["text"] for o in seed_04["en"]["options"] if o["id"] == key)
    assert key_text == "D90 ≈ 110%, V100 ≈ 94%"
