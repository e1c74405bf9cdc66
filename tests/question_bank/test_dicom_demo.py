"""The DICOM demo step: synthetic series uploaded once, bilingual approved practice items, idempotent."""

from __future__ import annotations

import pytest

from question_bank.dicom_demo import ITEMS, load_dicom_demo
from question_bank.models import DicomSeries, Question
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def demo_users():
    from accounts.roles import Role

    UserFactory(username="instructor", roles=[Role.INSTRUCTOR])
    UserFactory(username="reviewer", roles=[Role.REVIEWER])


def test_the_demo_adds_bilingual_approved_dicom_items_once(demo_users):
    said: list[str] = []
    load_dicom_demo(said.append)

    questions = Question.objects.filter(source_id__startswith="demo:DICOM-").select_related("current_version")
    assert questions.count() == 2 * len(ITEMS)
    assert DicomSeries.objects.count() == 2  # one CT stack, one angiography cine
    kinds = {s.manifest["kind"] for s in DicomSeries.objects.all()}
    assert kinds == {"stack", "cine"}
    for question in questions:
        version = question.current_version
        assert version is not None and version.status == "approved" and version.pool == "practice"
        [media] = version.content["media"]
        assert media["kind"] == "dicom" and DicomSeries.objects.filter(pk=media["ref"]).exists()
        assert "synthetic" in version.content["stem"].lower() or "合成" in version.content["stem"]
    assert len({q.translation_group for q in questions}) == len(ITEMS)

    load_dicom_demo(said.append)
    assert Question.objects.filter(source_id__startswith="demo:DICOM-").count() == 2 * len(ITEMS)
    assert DicomSeries.objects.count() == 2
    assert said[-1].startswith("question bank DICOM: 0 questions created")
