"""The data migration loads exactly the reference curriculum of ``curriculum/reference_data.py``."""

import pytest
from django.utils import translation

from curriculum import reference_data as rd
from curriculum.models import AreaGroup, CaseRequirement, LevelRule, Objective, TechniqueArea

pytestmark = pytest.mark.django_db


def test_the_migrated_groups_equal_the_reference_groups_in_order():
    rows = list(AreaGroup.objects.order_by("order").values("code", "name_zh", "name_en"))
    assert rows == [dict(group) for group in rd.GROUPS]


def test_the_migrated_areas_equal_the_reference_areas_in_order():
    rows = [
        {
            "code": area.code,
            "group": area.group.code,
            "name_zh": area.name_zh,
            "name_en": area.name_en,
            "description_zh": area.description_zh,
            "description_en": area.description_en,
        }
        for area in TechniqueArea.objects.select_related("group").order_by("order")
    ]
    assert rows == [dict(area) for area in rd.AREAS]
    assert len(rows) == 20


def test_the_migrated_objectives_equal_the_reference_objectives():
    rows = {
        objective.code: {
            "code": objective.code,
            "area": objective.area.code,
            "level": objective.level,
            "text_en": objective.text_en,
            "text_zh": objective.text_zh,
        }
        for objective in Objective.objects.select_related("area")
    }
    assert rows == {objective["code"]: dict(objective) for objective in rd.OBJECTIVES}


def test_the_migrated_requirements_equal_the_reference_requirements():
    rows = {
        requirement.code: {
            "level": requirement.level,
            "label_zh": requirement.label_zh,
            "label_en": requirement.label_en,
            "areas": sorted(area.code for area in requirement.areas.all()),
            "role": requirement.role,
            "min_grade": requirement.min_grade,
            "min_count": requirement.min_count,
            "source": requirement.source,
        }
        for requirement in CaseRequirement.objects.prefetch_related("areas")
    }
    expected = {
        requirement["code"]: {
            "level": requirement["level"],
            "label_zh": requirement["label_zh"],
            "label_en": requirement["label_en"],
            "areas": sorted(requirement["areas"]),
            "role": requirement["role"],
            "min_grade": requirement["min_grade"],
            "min_count": requirement["min_count"],
            "source": requirement["source"],
        }
        for requirement in rd.REQUIREMENTS
    }
    assert rows == expected


def test_the_migrated_level_rules_carry_the_reference_months_and_prerequisites():
    months = {rule["level"]: rule["min_months"] for rule in rd.MONTHS}
    prerequisites = {rule["level"]: rule["requires_certificate_level"] for rule in rd.PREREQUISITES}
    rows = {rule.level: (rule.min_months, rule.requires_certificate_level) for rule in LevelRule.objects.all()}
    assert rows == {level: (months[level], prerequisites.get(level, "")) for level in rd.LEVELS}


def test_every_area_has_a_name_in_both_languages():
    tace = TechniqueArea.objects.get(code="TACE")
    with translation.override("zh-hans"):
        assert tace.name.startswith("经导管动脉化疗栓塞术")
    with translation.override("en"):
        assert tace.name.startswith("Transarterial chemoembolisation")
