"""The demo bank loader: bilingual linked items, images stored clean, real review workflow, idempotent."""

import copy
import io

import pytest
from PIL import Image

from question_bank.content import media_refs, validate_content
from question_bank.demo import loader
from question_bank.models import Media, Question, QuestionVersion, Review
from tests.factories import UserFactory
from tests.question_bank.bank_helpers import case, english, sba  # noqa: F401 - english is a fixture

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english")]


def drawn_png() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (80, 60), (255, 255, 255)).save(buffer, format="PNG")
    return buffer.getvalue()


def items():
    with_image = sba(media=[{"ref": "demo-fig", "alt": "Figure", "caption": "A schematic"}])
    zh_image = copy.deepcopy(with_image)
    zh_image["stem"] = "操作者在透视时将与X线源的距离加倍。"
    zh_image["media"][0].update(alt="示意图", caption="示意图")
    zh_case = copy.deepcopy(case())
    zh_case["stem"] = "患者男，70岁，肾下腹主动脉瘤直径6 cm。"
    return [
        {
            "id": "CORE-RAD-90",
            "area": "CORE-RAD",
            "objectives": ["CORE-RAD-Q-01"],
            "level": "Q",
            "pool": "secure",
            "difficulty": 0.7,
            "cognitive": "application",
            "tags": ["inverse square"],
            "zh": zh_image,
            "en": with_image,
        },
        {
            "id": "AORTA-90",
            "area": "AORTA",
            "objectives": [],
            "level": "A",
            "pool": "practice",
            "difficulty": 0.5,
            "cognitive": "analysis",
            "tags": [],
            "zh": zh_case,
            "en": case(),
        },
    ]


@pytest.fixture
def demo_users(instructor, reviewer, second_reviewer):
    return instructor, [reviewer, second_reviewer]


def load(demo_users, data=None, drawers=None):
    author, reviewers = demo_users
    return loader.load_items(
        data if data is not None else items(),
        drawers=drawers if drawers is not None else {"demo-fig": drawn_png},
        author=author,
        reviewers=reviewers,
    )


def test_it_loads_each_item_in_both_languages_as_linked_approved_translations(demo_users):
    report = load(demo_users)
    assert report.created == 4
    assert Question.objects.count() == 4
    for item_id in ("CORE-RAD-90", "AORTA-90"):
        zh = Question.objects.get(source_id=f"demo:{item_id}:zh")
        en = Question.objects.get(source_id=f"demo:{item_id}:en")
        assert zh.translation_group == en.translation_group
        assert (zh.current_version.language, en.current_version.language) == ("zh-hans", "en")
    assert set(QuestionVersion.objects.values_list("status", flat=True)) == {"approved"}


def test_secure_items_are_approved_by_two_reviewers_and_practice_by_one(demo_users):
    load(demo_users)
    secure = Question.objects.get(source_id="demo:CORE-RAD-90:en").current_version
    practice = Question.objects.get(source_id="demo:AORTA-90:en").current_version
    assert sorted(Review.objects.filter(version=secure).values_list("reviewer__username", flat=True)) == [
        "reviewer",
        "reviewer2",
    ]
    assert Review.objects.filter(version=practice).count() == 1
    assert secure.author.username == "instructor"
    assert [o.code for o in secure.objectives.all()] == ["CORE-RAD-Q-01"]
    assert (secure.difficulty_estimate, secure.cognitive_level, secure.tags) == (0.7, "application", ["inverse square"])


def test_images_are_drawn_once_stored_and_referred_to_by_media_id(demo_users):
    load(demo_users)
    media = Media.objects.get()
    for lang in ("zh", "en"):
        version = Question.objects.get(source_id=f"demo:CORE-RAD-90:{lang}").current_version
        assert media_refs(version.content) == [str(media.pk)]
        assert version.has_media


def test_running_it_again_changes_nothing(demo_users):
    load(demo_users)
    before = list(QuestionVersion.objects.order_by("id").values_list("id", "status", "content"))
    report = load(demo_users)
    assert report.created == 0 and report.existing == 4
    assert list(QuestionVersion.objects.order_by("id").values_list("id", "status", "content")) == before
    assert Media.objects.count() == 1


def test_a_missing_image_drawer_is_a_clear_error_and_loads_nothing_of_that_item(demo_users):
    with pytest.raises(loader.DemoBankError, match="no image drawer for the media ref 'demo-fig'"):
        load(demo_users, drawers={})
    assert not Question.objects.filter(source_id__startswith="demo:CORE-RAD-90").exists()


def test_invalid_demo_content_names_the_item(demo_users):
    data = items()[:1]
    data[0]["en"]["key"] = ["A", "B"]
    with pytest.raises(loader.DemoBankError, match="CORE-RAD-90: A single-best-answer item needs exactly one key"):
        load(demo_users, data=data)


def test_the_registered_step_needs_the_demo_users(db):
    with pytest.raises(loader.DemoBankError, match="do not exist"):
        loader.load_question_bank_demo(print)


def test_the_demo_files_are_complete_and_valid(db):
    data = loader.read_items()
    drawers = loader.default_drawers()
    areas = {item["area"] for item in data}
    assert len(data) >= 150
    assert sum(item["en"]["type"] == "case" for item in data) >= 3
    assert sum(bool(media_refs(item["en"])) for item in data) >= 12
    from curriculum.models import Objective, TechniqueArea

    assert areas == set(TechniqueArea.objects.values_list("code", flat=True))
    objective_codes = set(Objective.objects.values_list("code", flat=True))
    for item in data:
        zh, en = validate_content(item["zh"]), validate_content(item["en"])
        assert zh["type"] == en["type"], item["id"]
        assert zh.get("key") == en.get("key"), item["id"]
        assert [o["id"] for o in zh.get("options", [])] == [o["id"] for o in en.get("options", [])], item["id"]
        assert set(item["objectives"]) <= objective_codes, item["id"]
        for ref in media_refs(item["zh"]) + media_refs(item["en"]):
            assert ref in drawers, (item["id"], ref)


@pytest.mark.slow
def test_the_whole_demo_bank_loads_through_the_services(db):
    UserFactory(username="instructor", roles=["instructor"])
    UserFactory(username="reviewer", roles=["reviewer", "instructor"])
    UserFactory(username="reviewer2", roles=["reviewer"])
    messages = []
    loader.load_question_bank_demo(messages.append)
    total = len(loader.read_items())
    assert Question.objects.count() == 2 * total
    assert QuestionVersion.objects.exclude(status="approved").count() == 0
    assert "created" in messages[0]
