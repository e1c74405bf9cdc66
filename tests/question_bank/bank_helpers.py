"""Content builders and shortcuts shared by the question bank tests."""

from __future__ import annotations

import copy
from typing import Any

import pytest
from django.utils import translation

from curriculum.models import Objective, TechniqueArea
from question_bank import services
from question_bank.models import QuestionVersion


@pytest.fixture
def english():
    """Service messages in English (the default language is Simplified Chinese)."""
    with translation.override("en"):
        yield


def sba(**overrides: Any) -> dict[str, Any]:
    content = {
        "type": "sba",
        "stem": "An operator doubles the distance from the X-ray source during fluoroscopy.",
        "lead_in": "By what factor does the scatter dose rate at the operator change?",
        "options": [
            {"id": "A", "text": "It halves"},
            {"id": "B", "text": "It falls to a quarter"},
            {"id": "C", "text": "It is unchanged"},
            {"id": "D", "text": "It doubles"},
        ],
        "key": ["B"],
        "explanation": "Inverse-square law: the dose rate falls with the square of the distance.",
        "references": ["ICRP Publication 103"],
    }
    content.update(overrides)
    return content


def mrq(**overrides: Any) -> dict[str, Any]:
    content = {
        "type": "mrq",
        "stem": "",
        "lead_in": "Which are components of the Child-Pugh score?",
        "options": [
            {"id": "A", "text": "Serum bilirubin"},
            {"id": "B", "text": "Serum albumin"},
            {"id": "C", "text": "Platelet count"},
            {"id": "D", "text": "Ascites"},
        ],
        "key": ["A", "B", "D"],
        "scoring": "partial",
        "explanation": "Bilirubin, albumin, INR, ascites and encephalopathy.",
    }
    content.update(overrides)
    return content


def tf(**overrides: Any) -> dict[str, Any]:
    content = {
        "type": "tf",
        "stem": "",
        "lead_in": "A type II endoleak fills the sac through a branch vessel.",
        "options": [{"id": "T", "text": "True"}, {"id": "F", "text": "False"}],
        "key": ["T"],
    }
    content.update(overrides)
    return content


def emq(**overrides: Any) -> dict[str, Any]:
    content = {
        "type": "emq",
        "stem": "Endoleak types",
        "lead_in": "For each description choose the endoleak type.",
        "options": [
            {"id": "A", "text": "Type I"},
            {"id": "B", "text": "Type II"},
            {"id": "C", "text": "Type III"},
            {"id": "D", "text": "Type IV"},
            {"id": "E", "text": "Type V"},
        ],
        "stems": [
            {"id": "1", "text": "Flow through an inadequate proximal seal.", "key": ["A"]},
            {"id": "2", "text": "Retrograde flow from a lumbar artery.", "key": ["B"]},
        ],
    }
    content.update(overrides)
    return content


def order(**overrides: Any) -> dict[str, Any]:
    content = {
        "type": "order",
        "stem": "",
        "lead_in": "Put the steps of the Seldinger technique in order.",
        "options": [
            {"id": "A", "text": "Advance the guidewire through the needle"},
            {"id": "B", "text": "Puncture the vessel with the needle"},
            {"id": "C", "text": "Pass the sheath over the guidewire"},
            {"id": "D", "text": "Remove the needle over the guidewire"},
        ],
        "key": ["B", "A", "D", "C"],
    }
    content.update(overrides)
    return content


def case(**overrides: Any) -> dict[str, Any]:
    content = {
        "type": "case",
        "stem": "A 70-year-old man has a 6 cm infrarenal abdominal aortic aneurysm.",
        "stages": [
            {
                "id": "s1",
                "text": "He undergoes EVAR.",
                "questions": [{"id": "q1", **copy.deepcopy(tf())}],
            },
            {
                "id": "s2",
                "text": "Follow-up CT shows a sac filling from a lumbar artery.",
                "questions": [
                    {
                        "id": "q2",
                        "type": "sba",
                        "lead_in": "Which endoleak type is this?",
                        "options": [
                            {"id": "A", "text": "Type I"},
                            {"id": "B", "text": "Type II"},
                            {"id": "C", "text": "Type III"},
                        ],
                        "key": ["B"],
                    }
                ],
            },
        ],
        "explanation": "A lumbar artery feeding the sac is a type II endoleak.",
    }
    content.update(overrides)
    return content


def area(code: str = "CORE-RAD") -> TechniqueArea:
    return TechniqueArea.objects.get(code=code)


def objective(code: str) -> Objective:
    return Objective.objects.get(code=code)


def make_draft(author: Any, content: dict[str, Any] | None = None, **kwargs: Any) -> QuestionVersion:
    params: dict[str, Any] = {
        "author": author,
        "area": kwargs.pop("area", None) or area(),
        "content": content or sba(),
        "level": "Q",
        "pool": "practice",
        "language": "en",
    }
    params.update(kwargs)
    return services.question_create(**params)


def make_approved(author: Any, reviewers: list[Any], content: dict[str, Any] | None = None, **kwargs: Any):
    version = make_draft(author, content, **kwargs)
    services.version_submit(version=version, by=author)
    for reviewer in reviewers:
        services.version_review(version=version, reviewer=reviewer, decision="approve")
    version.refresh_from_db()
    return version
