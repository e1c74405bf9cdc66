"""sitting_assemble: pool rules, exact blueprints, shortfall messages, stored forms and layouts."""

from __future__ import annotations

import datetime
import uuid

import pytest
from django.utils import timezone, translation

from accounts.models import AuditEvent
from curriculum.models import Objective, TechniqueArea
from exams.models import Attempt, BlueprintRow, Exam, Form, FormItem, Paper, Registration, Sitting
from exams.services.assembly import sitting_assemble
from irexam.errors import ApplicationError, ConflictError
from question_bank.models import Question, QuestionVersion, VersionStatus

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _english(settings):
    """Messages are checked in English (the source language)."""
    settings.LANGUAGE_CODE = "en"
    with translation.override("en"):
        yield


def sba_content(n: int) -> dict:
    return {
        "type": "sba",
        "stem": f"Item {n}",
        "lead_in": "Which option?",
        "options": [{"id": letter, "text": f"Option {letter}"} for letter in "ABCD"],
        "key": ["B"],
    }


def case_content(n: int) -> dict:
    return {
        "type": "case",
        "stem": f"Case {n}",
        "stages": [
            {
                "id": "s1",
                "text": "Stage one",
                "questions": [
                    {
                        "id": "q1",
                        "type": "tf",
                        "lead_in": "True?",
                        "options": [{"id": "T", "text": "True"}, {"id": "F", "text": "False"}],
                        "key": ["T"],
                    }
                ],
            },
            {
                "id": "s2",
                "text": "Stage two",
                "questions": [{"id": "q2", **sba_content(n), "stem": ""}],
            },
        ],
    }


def make_items(
    author,
    area_code: str,
    n: int,
    *,
    level: str = "Q",
    pool: str = "secure",
    language: str = "zh-hans",
    content=sba_content,
    objectives: list[str] = (),
    difficulty: float | None = 0.6,
    status: str = VersionStatus.APPROVED,
    group=None,
) -> list[QuestionVersion]:
    """``n`` questions with one version each in ``status`` (bypassing the review workflow)."""
    area = TechniqueArea.objects.get(code=area_code)
    versions = []
    for i in range(n):
        question = Question.objects.create(area=area, created_by=author, translation_group=group or uuid.uuid4())
        version = QuestionVersion(
            question=question,
            number=1,
            content=content(question.pk * 100 + i),
            level=level,
            pool=pool,
            language=language,
            difficulty_estimate=difficulty,
            author=author,
        )
        version.save()
        if objectives:
            version.objectives.set(Objective.objects.filter(code__in=objectives))
        QuestionVersion.objects.filter(pk=version.pk).update(status=status)
        if status == VersionStatus.APPROVED:
            Question.objects.filter(pk=question.pk).update(current_version=version, latest_version=version)
        versions.append(version)
    return versions


def make_exam(officer, *, code="qual", level="Q", purpose="secure", rows=(("TACE", 2), ("TIPS", 1)), **kw):
    exam = Exam.objects.create(code=code, title_zh="考试", level=level, purpose=purpose, created_by=officer, **kw)
    paper = Paper.objects.create(
        exam=exam, number=1, title_zh="第一部分", duration_minutes=60, item_count=sum(c for _a, c in rows)
    )
    for order, (area_code, count) in enumerate(rows):
        BlueprintRow.objects.create(
            paper=paper, area=TechniqueArea.objects.get(code=area_code), count=count, order=order
        )
    return exam


def make_sitting(exam, officer, **kw) -> Sitting:
    now = timezone.now()
    return Sitting.objects.create(
        exam=exam,
        code=kw.pop("code", "s1"),
        opens_at=now - datetime.timedelta(hours=1),
        closes_at=now + datetime.timedelta(days=1),
        created_by=officer,
        **kw,
    )


def test_two_parallel_forms_follow_the_blueprint_exactly_and_store_layouts(officer, reviewer):
    tace = make_items(reviewer, "TACE", 4)
    tips = make_items(reviewer, "TIPS", 2)
    sitting = make_sitting(make_exam(officer), officer, form_count=2)
    result = sitting_assemble(sitting=sitting, by=officer, seed=5)
    assert result.form_count == 2
    forms = list(Form.objects.filter(sitting=sitting).order_by("label"))
    assert [f.label for f in forms] == ["A", "B"]
    for form in forms:
        items = list(form.items.order_by("position"))
        assert [i.position for i in items] == [1, 2, 3]
        assert [i.area.code for i in items] == ["TACE", "TACE", "TIPS"]
        assert [entry["position"] for entry in form.layout] == [1, 2, 3]
        assert form.layout[0] == {"position": 1, "type": "sba", "options": ["A", "B", "C", "D"]}
        assert form.mean_difficulty == pytest.approx(0.6)
    a, b = ({i.version_id for i in f.items.all()} for f in forms)
    assert not a & b  # the pool allows disjoint forms
    assert a | b == {v.pk for v in tace + tips}
    sitting.refresh_from_db()
    assert sitting.assembled_at is not None
    assert AuditEvent.objects.filter(action="exam.sitting.assemble", target_id=str(sitting.pk)).exists()


def test_a_secure_exam_never_uses_practice_items_nor_other_languages_nor_unapproved_versions(officer, reviewer):
    make_items(reviewer, "TACE", 5, pool="practice")
    make_items(reviewer, "TACE", 5, language="en")
    make_items(reviewer, "TACE", 5, status=VersionStatus.SUBMITTED)
    secure = make_items(reviewer, "TACE", 2)
    exam = make_exam(officer, rows=(("TACE", 2),))
    sitting = make_sitting(exam, officer, form_count=1)
    sitting_assemble(sitting=sitting, by=officer)
    assert set(FormItem.objects.values_list("version_id", flat=True)) == {v.pk for v in secure}


def test_a_practice_exam_uses_only_practice_items(officer, reviewer):
    make_items(reviewer, "TACE", 3)
    practice = make_items(reviewer, "TACE", 2, pool="practice")
    sitting = make_sitting(make_exam(officer, purpose="practice", rows=(("TACE", 2),)), officer, form_count=1)
    sitting_assemble(sitting=sitting, by=officer)
    assert set(FormItem.objects.values_list("version_id", flat=True)) == {v.pk for v in practice}


def test_translations_of_one_item_never_share_a_form(officer, reviewer):
    group = uuid.uuid4()
    make_items(reviewer, "TACE", 1, group=group)
    make_items(reviewer, "TACE", 1, group=group)  # a second zh question linked as the same item
    sitting = make_sitting(make_exam(officer, rows=(("TACE", 2),)), officer, form_count=1)
    with pytest.raises(ApplicationError) as refused:
        sitting_assemble(sitting=sitting, by=officer)
    (short,) = refused.value.extra["shortfall"]
    assert (short["needed"], short["available"], short["short"]) == (2, 1, 1)


def test_the_shortfall_names_each_short_row_and_writes_nothing(officer, reviewer):
    make_items(reviewer, "TACE", 1)
    make_items(reviewer, "TIPS", 1)
    exam = make_exam(officer, rows=(("TACE", 3), ("TIPS", 1)))
    sitting = make_sitting(exam, officer)
    with pytest.raises(ApplicationError) as refused:
        sitting_assemble(sitting=sitting, by=officer)
    assert refused.value.code == "shortfall"
    (short,) = refused.value.extra["shortfall"]
    assert short["label"] == "TACE" and short["short"] == 2
    assert short["message"] == (
        "Paper 1, TACE: needs 3 items, only 1 approved in the Credentialing exam (secure items) pool (short by 2)."
    )
    assert not Form.objects.exists()
    sitting.refresh_from_db()
    assert sitting.assembled_at is None


def test_objective_level_type_and_image_rows_are_honoured(officer, reviewer):
    objective = Objective.objects.filter(area__code="TACE", level="A").first()
    wanted = make_items(reviewer, "TACE", 1, level="A", objectives=[objective.code])
    make_items(reviewer, "TACE", 3, level="A")
    cases = make_items(reviewer, "TACE", 1, level="A", content=case_content)
    exam = make_exam(officer, level="A", rows=())
    paper = exam.papers.get()
    area = TechniqueArea.objects.get(code="TACE")
    BlueprintRow.objects.create(paper=paper, area=area, count=2, order=0)
    BlueprintRow.objects.create(paper=paper, area=area, objective=objective, count=1, order=1)
    BlueprintRow.objects.create(paper=paper, area=area, item_type="case", count=1, order=2)
    paper.item_count = 4
    paper.save()
    sitting = make_sitting(exam, officer, form_count=1)
    sitting_assemble(sitting=sitting, by=officer)
    form = Form.objects.get(sitting=sitting)
    used = set(form.items.values_list("version_id", flat=True))
    assert wanted[0].pk in used and cases[0].pk in used and len(used) == 4
    case_entry = next(entry for entry in form.layout if entry["type"] == "case")
    assert [stage["id"] for stage in case_entry["stages"]] == ["s1", "s2"]  # the case set enters whole


def test_an_incomplete_blueprint_is_refused_before_anything_is_loaded(officer, reviewer):
    exam = make_exam(officer, rows=(("TACE", 2),))
    Paper.objects.filter(exam=exam).update(item_count=5)
    with pytest.raises(ApplicationError) as refused:
        sitting_assemble(sitting=make_sitting(exam, officer), by=officer)
    assert refused.value.code == "blueprint_incomplete"
    assert "adds up to 2 items but the paper has 5" in str(refused.value.message)


def test_per_candidate_mode_makes_one_form_per_registered_candidate(officer, reviewer, trainee, other_trainee):
    make_items(reviewer, "TACE", 6)
    exam = make_exam(officer, rows=(("TACE", 2),))
    sitting = make_sitting(exam, officer, form_mode=Sitting.FormMode.PER_CANDIDATE, exposure_limit=0.5)
    with pytest.raises(ApplicationError, match="Register the candidates first"):
        sitting_assemble(sitting=sitting, by=officer)
    regs = [
        Registration.objects.create(sitting=sitting, candidate=user, registered_by=officer)
        for user in (trainee, other_trainee)
    ]
    sitting_assemble(sitting=sitting, by=officer, seed=1)
    labels = set(Form.objects.filter(sitting=sitting).values_list("label", flat=True))
    assert labels == {f"cand-{r.pk}" for r in regs}
    per_form = [set(f.items.values_list("version_id", flat=True)) for f in Form.objects.filter(sitting=sitting)]
    assert not per_form[0] & per_form[1]  # exposure limit 0.5 of 2 forms: each item in at most one


def test_two_papers_never_share_an_item(officer, reviewer):
    make_items(reviewer, "TACE", 4)
    exam = make_exam(officer, rows=(("TACE", 2),))
    second = Paper.objects.create(exam=exam, number=2, title_zh="第二部分", duration_minutes=60, item_count=2)
    BlueprintRow.objects.create(paper=second, area=TechniqueArea.objects.get(code="TACE"), count=2)
    sitting = make_sitting(exam, officer, form_count=1)
    sitting_assemble(sitting=sitting, by=officer)
    used = FormItem.objects.values_list("version_id", flat=True)
    p1, p2 = (set(used.filter(form__paper=p)) for p in exam.papers.all())
    assert len(p1) == len(p2) == 2 and not p1 & p2


def test_reassembly_replaces_forms_until_someone_starts(officer, reviewer, trainee):
    make_items(reviewer, "TACE", 4)
    make_items(reviewer, "TIPS", 2)
    sitting = make_sitting(make_exam(officer), officer, form_count=1)
    sitting_assemble(sitting=sitting, by=officer, seed=1)
    sitting_assemble(sitting=sitting, by=officer, seed=2)
    assert Form.objects.filter(sitting=sitting).count() == 1
    form = Form.objects.get(sitting=sitting)
    registration = Registration.objects.create(sitting=sitting, candidate=trainee, registered_by=officer)
    Attempt.objects.create(
        registration=registration,
        paper=form.paper,
        form=form,
        candidate=trainee,
        started_at=timezone.now(),
        deadline_at=timezone.now() + datetime.timedelta(hours=1),
    )
    with pytest.raises(ConflictError, match="already started"):
        sitting_assemble(sitting=sitting, by=officer)


def test_only_officers_assemble(officer, reviewer, proctor):
    sitting = make_sitting(make_exam(officer), officer)
    with pytest.raises(ApplicationError) as refused:
        sitting_assemble(sitting=sitting, by=proctor)
    assert refused.value.status_code == 403


def test_assembly_loads_the_pool_in_a_constant_number_of_queries(officer, reviewer, django_assert_max_num_queries):
    make_items(reviewer, "TACE", 30)
    make_items(reviewer, "TIPS", 30)
    sitting = make_sitting(make_exam(officer, rows=(("TACE", 10), ("TIPS", 5))), officer, form_count=2)
    with django_assert_max_num_queries(40):
        sitting_assemble(sitting=sitting, by=officer)
    assert FormItem.objects.count() == 30


def test_the_demo_step_scales_the_reference_exams_to_a_small_bank_and_is_idempotent(
    officer, reviewer, trainee, proctor, monkeypatch
):
    from exams import demo, registry
    from tests.factories import UserFactory

    monkeypatch.setattr(registry, "_CERTIFICATE_CHECKERS", [])
    UserFactory(username="trainee2", roles=["trainee"])
    make_items(reviewer, "TACE", 3)
    make_items(reviewer, "CORE-RAD", 2)
    make_items(reviewer, "TACE", 1, level="A")
    make_items(reviewer, "TACE", 1, level="A", content=case_content)
    said: list[str] = []
    demo.load_exams_demo(said.append)
    qualifying = Exam.objects.get(code=demo.QUALIFYING_CODE)
    (paper,) = qualifying.papers.all()
    assert (paper.duration_minutes, paper.item_count) == (150, 5)
    assert list(paper.blueprint_rows.values_list("area__code", "count")) == [("CORE-RAD", 2), ("TACE", 3)]
    assert any("TACE 8→3" in line and "CORE-RAD 8→2" in line for line in said)
    advanced = Exam.objects.get(code=demo.ADVANCED_CODE)
    assert [(p.number, p.duration_minutes, p.item_count) for p in advanced.papers.all()] == [(1, 90, 1), (2, 120, 1)]
    assert advanced.requires_certificate_level == "Q"
    sitting = Sitting.objects.get(code=demo.SITTING_CODE)
    assert sitting.status == Sitting.Status.SCHEDULED and sitting.is_open()
    assert list(sitting.proctors.values_list("username", flat=True)) == ["proctor"]
    assert Form.objects.filter(sitting=sitting).count() == 2
    assert set(sitting.registrations.values_list("candidate__username", flat=True)) == {"trainee", "trainee2"}
    assert all(r.eligibility["eligible"] or r.override_reason for r in sitting.registrations.all())

    demo.load_exams_demo(said.append)
    assert Exam.objects.count() == 2 and Sitting.objects.count() == 1
    assert Form.objects.count() == 2 and Registration.objects.count() == 2


def test_the_demo_step_succeeds_on_an_empty_bank(officer, trainee):
    from exams import demo

    said: list[str] = []
    demo.load_exams_demo(said.append)
    assert not Sitting.objects.exists()
    assert any("no demo sitting" in line for line in said)


def test_blueprints_of_sittings_not_yet_released_are_the_banks_coverage_demand(officer):
    from exams.registry import blueprint_demand
    from question_bank.selectors import _DEMANDS

    exam = make_exam(officer, rows=(("TACE", 2), ("TIPS", 1)))
    assert blueprint_demand() == {}  # no sitting yet
    sitting = make_sitting(exam, officer)
    assert blueprint_demand() == {("TACE", "Q", "secure"): 2, ("TIPS", "Q", "secure"): 1}
    Sitting.objects.filter(pk=sitting.pk).update(status=Sitting.Status.RELEASED)
    assert blueprint_demand() == {}
    assert blueprint_demand in _DEMANDS  # registered by ExamsConfig.ready


def test_per_candidate_mode_adds_forms_for_late_registrations_without_touching_started_ones(
    officer, reviewer, trainee, other_trainee
):
    make_items(reviewer, "TACE", 6)
    sitting = make_sitting(make_exam(officer, rows=(("TACE", 2),)), officer, form_mode=Sitting.FormMode.PER_CANDIDATE)
    first = Registration.objects.create(sitting=sitting, candidate=trainee, registered_by=officer)
    sitting_assemble(sitting=sitting, by=officer)
    form = Form.objects.get(sitting=sitting)
    before = list(form.items.values_list("version_id", flat=True))
    Attempt.objects.create(
        registration=first,
        paper=form.paper,
        form=form,
        candidate=trainee,
        started_at=timezone.now(),
        deadline_at=timezone.now() + datetime.timedelta(hours=1),
    )
    late = Registration.objects.create(sitting=sitting, candidate=other_trainee, registered_by=officer)
    sitting_assemble(sitting=sitting, by=officer)
    assert set(Form.objects.filter(sitting=sitting).values_list("label", flat=True)) == {
        f"cand-{first.pk}",
        f"cand-{late.pk}",
    }
    assert list(Form.objects.get(pk=form.pk).items.values_list("version_id", flat=True)) == before
    with pytest.raises(ConflictError, match="already started"):
        sitting_assemble(sitting=sitting, by=officer)  # everyone has a form now
