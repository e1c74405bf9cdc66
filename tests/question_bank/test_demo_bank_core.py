"""The demo bank, part 1 (core skills, TACE, ABL, SEED, TIPS): item files and images.

Pure checks, no database: every item's zh and en content validates, both languages ask the same
question (same type, option ids, keys and media), objective codes exist, both pools are present in
every area, every media ref has a drawer that returns an 800×600 PNG, and the dose-volume
histogram drawn for SEED-04 still matches the readings its key depends on.
"""

import io
import json
import math
from pathlib import Path

import pytest
from PIL import Image

from curriculum.reference_data import OBJECTIVES
from question_bank.content import media_refs, validate_content
from question_bank.demo import images_core
from question_bank.demo.images_core import DRAWERS, HEIGHT, WIDTH, render

ITEMS_DIR = Path(__file__).resolve().parents[2] / "question_bank" / "demo" / "items"
AREAS = ("CORE-RAD", "CORE-CM", "CORE-ACC", "CORE-SED", "CORE-IMG", "CORE-PSC", "TACE", "ABL", "SEED", "TIPS")
ITEM_FIELDS = {"id", "area", "objectives", "level", "pool", "difficulty", "cognitive", "tags", "zh", "en"}
MEDIA_PREFIXES = {"core", "tace", "abl", "seed", "tips"}


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
        assert code.split("-")[-2] == item["level"]
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


def test_the_part_mixes_the_required_question_types():
    types = [item["en"]["type"] for item in ALL_ITEMS]
    with_media = [item for item in ALL_ITEMS if media_refs(item["en"])]
    assert types.count("mrq") >= 2
    assert types.count("tf") >= 2
    assert types.count("emq") >= 1
    assert types.count("order") >= 1
    assert types.count("case") >= 2
    assert len(with_media) >= 6


def test_every_media_ref_used_has_a_drawer_and_every_drawer_is_used():
    used = {ref for item in ALL_ITEMS for lang in ("zh", "en") for ref in media_refs(item[lang])}
    assert used == set(DRAWERS)
    assert all(ref.split("-")[0] in MEDIA_PREFIXES for ref in DRAWERS)


@pytest.mark.parametrize("ref", sorted(DRAWERS))
def test_each_drawer_returns_an_800_by_600_png(ref):
    image = Image.open(io.BytesIO(render(ref)))
    assert image.format == "PNG"
    assert image.size == (WIDTH, HEIGHT) == (800, 600)
    assert len(image.convert("RGB").getcolors(maxcolors=1_000_000) or []) > 2  # not a blank canvas


def test_render_refuses_an_unknown_ref_with_the_known_ones_listed():
    with pytest.raises(KeyError, match="tips-tract"):
        render("tips-nonexistent")


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
