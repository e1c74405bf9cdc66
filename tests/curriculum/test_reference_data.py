"""The reference curriculum data (pure module, no database)."""

from __future__ import annotations

import copy
import re

import pytest

from curriculum import reference_data as rd

# Objectives (Q, A) per area, counted by hand in the reference section 2; keys in section 1 (table) order.
EXPECTED_OBJECTIVE_COUNTS: dict[str, tuple[int, int]] = {
    "CORE-RAD": (4, 3),
    "CORE-CM": (4, 2),
    "CORE-ACC": (4, 2),
    "CORE-SED": (4, 1),
    "CORE-IMG": (4, 1),
    "CORE-PSC": (4, 2),
    "TACE": (4, 3),
    "ABL": (4, 2),
    "SEED": (3, 2),
    "TIPS": (4, 3),
    "MT": (4, 3),
    "ANEU": (3, 3),
    "AORTA": (4, 3),
    "PAD": (4, 2),
    "HEME": (4, 3),
    "UAE": (4, 2),
    "DIAL": (4, 2),
    "VP": (3, 2),
    "BIL": (4, 2),
    "DRN": (4, 1),
}

GROUP_OF_AREA: dict[str, str] = {
    "CORE-RAD": "core",
    "CORE-CM": "core",
    "CORE-ACC": "core",
    "CORE-SED": "core",
    "CORE-IMG": "core",
    "CORE-PSC": "core",
    "TACE": "oncology",
    "ABL": "oncology",
    "SEED": "oncology",
    "TIPS": "portal",
    "MT": "neuro",
    "ANEU": "neuro",
    "AORTA": "vascular",
    "PAD": "vascular",
    "HEME": "vascular",
    "DIAL": "vascular",
    "UAE": "womens",
    "VP": "nonvascular",
    "BIL": "nonvascular",
    "DRN": "nonvascular",
}

HAN = re.compile(r"[\u4e00-\u9fff]")


def test_the_whole_data_set_validates():
    rd.validate_reference_data()


def test_there_are_twenty_areas_in_reference_order():
    assert rd.area_codes() == list(EXPECTED_OBJECTIVE_COUNTS)


def test_groups_are_the_seven_display_groups_in_order():
    assert [g["code"] for g in rd.GROUPS] == [
        "core",
        "oncology",
        "portal",
        "neuro",
        "vascular",
        "womens",
        "nonvascular",
    ]


def test_each_area_sits_in_the_group_the_brief_maps_it_to():
    assert {a["code"]: a["group"] for a in rd.AREAS} == GROUP_OF_AREA


def test_groups_cover_all_areas_and_every_group_has_an_area():
    group_codes = {g["code"] for g in rd.GROUPS}
    assert {a["group"] for a in rd.AREAS} == group_codes


def test_every_area_has_at_least_one_qualifying_objective():
    for code in rd.area_codes():
        assert rd.objectives_for(code, "Q"), code


def test_objective_counts_match_the_reference_for_every_area_and_level():
    counts = {code: (len(rd.objectives_for(code, "Q")), len(rd.objectives_for(code, "A"))) for code in rd.area_codes()}
    assert counts == EXPECTED_OBJECTIVE_COUNTS
    assert len(rd.OBJECTIVES) == sum(q + a for q, a in EXPECTED_OBJECTIVE_COUNTS.values())


def test_objective_codes_are_unique_and_well_formed():
    codes = [o["code"] for o in rd.OBJECTIVES]
    assert len(codes) == len(set(codes))
    for objective in rd.OBJECTIVES:
        assert objective["code"] == f"{objective['area']}-{objective['level']}-{objective['code'][-2:]}"
        assert re.fullmatch(r"[A-Z]+(-[A-Z]+)?-[QA]-\d\d", objective["code"])


def test_objectives_are_numbered_from_one_without_gaps_per_area_and_level():
    for area in rd.area_codes():
        for level in rd.LEVELS:
            numbers = [int(o["code"][-2:]) for o in rd.objectives_for(area, level)]
            assert numbers == list(range(1, len(numbers) + 1)), (area, level)


def test_objective_codes_point_at_the_texts_the_brief_quotes():
    by_code = {o["code"]: o for o in rd.OBJECTIVES}
    assert by_code["TACE-Q-01"]["text_en"] == "Stage HCC with BCLC (and China's CNLC) and state where TACE fits."
    assert by_code["TACE-A-01"]["text_en"].startswith("Plan selective/superselective TACE")
    assert by_code["DRN-A-01"]["text_en"].startswith("Manage fistulae")
    assert by_code["BIL-A-02"]["text_en"] == "Perform percutaneous cholecystostomy for high-risk acute cholecystitis."


def test_every_text_is_present_in_both_languages():
    for group in rd.GROUPS:
        assert group["name_en"].strip() and HAN.search(group["name_zh"]), group
    for area in rd.AREAS:
        assert area["name_en"].strip() and area["description_en"].strip(), area["code"]
        assert HAN.search(area["name_zh"]) and HAN.search(area["description_zh"]), area["code"]
    for objective in rd.OBJECTIVES:
        assert objective["text_en"].strip().endswith("."), objective["code"]
        assert HAN.search(objective["text_zh"]), objective["code"]
        assert objective["text_zh"].endswith("。"), objective["code"]
    for requirement in rd.REQUIREMENTS:
        assert requirement["label_en"].strip() and HAN.search(requirement["label_zh"]), requirement["code"]


def test_area_descriptions_carry_no_numbers():
    for area in rd.AREAS:
        assert not re.search(r"\d", area["description_en"] + area["description_zh"]), area["code"]


def test_every_requirement_names_existing_areas_only():
    known = set(rd.area_codes())
    for requirement in rd.REQUIREMENTS:
        assert set(requirement["areas"]) <= known, requirement["code"]


def test_requirement_codes_are_unique_and_fields_are_valid():
    codes = [r["code"] for r in rd.REQUIREMENTS]
    assert len(codes) == len(set(codes))
    for requirement in rd.REQUIREMENTS:
        assert requirement["level"] in rd.LEVELS
        assert requirement["code"].startswith(requirement["level"] + "-")
        assert requirement["role"] in rd.ROLES
        assert requirement["min_grade"] is None or requirement["min_grade"] >= 1
        assert requirement["min_count"] > 0
        assert requirement["source"] in rd.SOURCES


def test_requirements_hold_the_proposed_numbers():
    summary = {
        r["code"]: (r["level"], tuple(r["areas"]), r["role"], r["min_grade"], r["min_count"]) for r in rd.REQUIREMENTS
    }
    vascular = tuple(rd.VASCULAR_AREAS)
    assert summary == {
        "Q-TOTAL": ("Q", (), "first_operator", None, 100),
        "Q-TACE": ("Q", ("TACE",), "first_operator", None, 15),
        "Q-DRAIN": ("Q", ("BIL", "DRN"), "first_operator", None, 15),
        "Q-ABL": ("Q", ("ABL",), "first_operator", None, 10),
        "A-TOTAL": ("A", (), "first_operator", None, 250),
        "A-VASCULAR": ("A", vascular, "first_operator", None, 150),
        "A-GRADE3": ("A", (), "first_operator", 3, 50),
        "A-TACE": ("A", ("TACE",), "first_operator", None, 30),
        "A-ABL": ("A", ("ABL",), "first_operator", None, 15),
        "A-TIPS": ("A", ("TIPS",), "any", None, 5),
        "A-PAD": ("A", ("PAD",), "first_operator", None, 20),
        "A-HEME": ("A", ("HEME",), "first_operator", None, 10),
        "A-AORTA": ("A", ("AORTA",), "any", None, 10),
    }


def test_only_the_vascular_rule_is_vascular_only_and_it_lists_the_vascular_areas():
    vascular_rules = [r for r in rd.REQUIREMENTS if r["vascular_only"]]
    assert [r["code"] for r in vascular_rules] == ["A-VASCULAR"]
    assert set(vascular_rules[0]["areas"]) == set(rd.VASCULAR_AREAS)


def test_vascular_areas_include_the_transcatheter_areas_and_exclude_non_vascular_ones():
    assert {"TACE", "TIPS", "MT", "ANEU", "AORTA", "PAD", "HEME", "UAE", "DIAL"} <= set(rd.VASCULAR_AREAS)
    assert not {"ABL", "SEED", "VP", "BIL", "DRN"} & set(rd.VASCULAR_AREAS)


def test_months_and_prerequisites_are_the_documented_defaults():
    assert {(m["level"], m["min_months"]) for m in rd.MONTHS} == {("Q", 6), ("A", 36)}
    assert [(p["level"], p["requires_certificate_level"]) for p in rd.PREREQUISITES] == [("A", "Q")]


def test_requirements_for_splits_by_level():
    assert {r["level"] for r in rd.requirements_for("Q")} == {"Q"}
    assert len(rd.requirements_for("Q")) + len(rd.requirements_for("A")) == len(rd.REQUIREMENTS)


def test_lookups_refuse_unknown_codes_and_levels():
    with pytest.raises(KeyError, match="NOPE"):
        rd.objectives_for("NOPE")
    with pytest.raises(ValueError, match="level"):
        rd.objectives_for("TACE", "X")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="level"):
        rd.requirements_for("X")  # type: ignore[arg-type]
    assert rd.get_area("TIPS")["group"] == "portal"


def test_validation_reports_a_duplicate_objective_code(monkeypatch):
    objectives = copy.deepcopy(rd.OBJECTIVES)
    objectives.append(copy.deepcopy(objectives[0]))
    monkeypatch.setattr(rd, "OBJECTIVES", objectives)
    with pytest.raises(rd.ReferenceDataError, match="Duplicate objective code 'CORE-RAD-Q-01'"):
        rd.validate_reference_data()


def test_validation_reports_a_gap_in_objective_numbering(monkeypatch):
    objectives = [o for o in copy.deepcopy(rd.OBJECTIVES) if o["code"] != "TACE-Q-02"]
    monkeypatch.setattr(rd, "OBJECTIVES", objectives)
    with pytest.raises(rd.ReferenceDataError, match="TACE-Q-03: expected number 02"):
        rd.validate_reference_data()


def test_validation_reports_a_requirement_on_an_unknown_area(monkeypatch):
    requirements = copy.deepcopy(rd.REQUIREMENTS)
    requirements[1]["areas"] = ["BIOPSY"]
    monkeypatch.setattr(rd, "REQUIREMENTS", requirements)
    with pytest.raises(rd.ReferenceDataError, match="unknown areas"):
        rd.validate_reference_data()


def test_validation_reports_an_empty_translation_and_an_area_without_qualifying_objectives(monkeypatch):
    objectives = [o for o in copy.deepcopy(rd.OBJECTIVES) if not o["code"].startswith("DRN-Q-")]
    objectives[0]["text_zh"] = "  "
    monkeypatch.setattr(rd, "OBJECTIVES", objectives)
    with pytest.raises(rd.ReferenceDataError) as raised:
        rd.validate_reference_data()
    message = str(raised.value)
    assert "CORE-RAD-Q-01: text_zh is empty" in message
    assert "Area DRN has no qualifying (Q) objective" in message


def test_validation_reports_an_area_in_an_unknown_group(monkeypatch):
    areas = copy.deepcopy(rd.AREAS)
    areas[0]["group"] = "misc"
    monkeypatch.setattr(rd, "AREAS", areas)
    with pytest.raises(rd.ReferenceDataError, match="unknown group 'misc'"):
        rd.validate_reference_data()
