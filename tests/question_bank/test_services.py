"""Question bank services: validation per type, immutability, the review workflow, bulk actions."""

import pytest
from django.test import override_settings

from accounts.models import AuditEvent
from irexam.errors import ApplicationError, ConflictError
from question_bank import selectors, services
from question_bank.models import ImmutableVersionError, Question, QuestionVersion, VersionTransition
from tests.question_bank.bank_helpers import (
    area,
    case,
    emq,
    english,  # noqa: F401 - fixture
    make_approved,
    make_draft,
    mrq,
    objective,
    order,
    sba,
    tf,
)

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english")]


# --------------------------------------------------------------------------- validation per type


@pytest.mark.parametrize("builder", [sba, mrq, tf, emq, order, case])
def test_it_creates_a_draft_version_one_for_every_question_type(instructor, builder):
    version = make_draft(instructor, builder())
    assert version.number == 1
    assert version.status == "draft"
    assert version.type == builder()["type"]
    assert version.question.code == f"Q-{version.question.pk:06d}"
    assert version.question.latest_version == version
    assert version.question.current_version is None


def test_it_counts_scoring_units_per_type(instructor):
    assert make_draft(instructor, sba()).unit_count == 1
    assert make_draft(instructor, emq()).unit_count == 2
    assert make_draft(instructor, case()).unit_count == 2


@pytest.mark.parametrize("keys,count", [([], "0"), (["A", "C"], "2 (A, C)")])
def test_it_refuses_a_single_best_answer_item_without_exactly_one_key(instructor, keys, count):
    with pytest.raises(ApplicationError) as info:
        make_draft(instructor, sba(key=keys))
    assert info.value.code == "invalid_content"
    assert f"A single-best-answer item needs exactly one key; it has {count}." in str(info.value.message)
    assert info.value.extra["errors"][0]["code"] == "sba_key_count"
    assert not Question.objects.exists()


def test_it_refuses_a_multiple_response_item_with_every_option_keyed(instructor):
    with pytest.raises(ApplicationError, match="fewer keys than options"):
        make_draft(instructor, mrq(key=["A", "B", "C", "D"]))


def test_it_refuses_a_true_false_item_keyed_both_ways(instructor):
    with pytest.raises(ApplicationError, match="true/false item needs exactly one key"):
        make_draft(instructor, tf(key=["T", "F"]))


def test_it_refuses_an_extended_matching_stem_with_two_keys(instructor):
    content = emq()
    content["stems"][1]["key"] = ["B", "C"]
    with pytest.raises(ApplicationError, match="Extended-matching stem '2' needs exactly one key"):
        make_draft(instructor, content)


def test_it_refuses_an_ordering_key_that_is_not_a_permutation(instructor):
    with pytest.raises(ApplicationError, match="missing C"):
        make_draft(instructor, order(key=["B", "A", "D", "D"]))


def test_it_refuses_a_case_set_with_a_single_stage(instructor):
    content = case()
    content["stages"] = content["stages"][:1]
    with pytest.raises(ApplicationError, match="needs at least 2 stages"):
        make_draft(instructor, content)


def test_it_reports_every_problem_of_the_content_at_once(instructor):
    with pytest.raises(ApplicationError) as info:
        make_draft(instructor, sba(key=[], lead_in=""))
    codes = {e["code"] for e in info.value.extra["errors"]}
    assert codes == {"sba_key_count", "empty_text"}
    assert "2 problems" in str(info.value.message)


def test_it_refuses_media_that_is_not_in_the_bank(instructor):
    content = sba(media=[{"ref": "0b0e1f4e-9d7e-4a55-a0a1-2f1e6c0b9e11", "alt": "x"}])
    with pytest.raises(ApplicationError) as info:
        make_draft(instructor, content)
    assert info.value.code == "unknown_media"


def test_it_refuses_objectives_of_another_area(instructor):
    with pytest.raises(ApplicationError, match="do not belong to the technique area CORE-RAD"):
        make_draft(instructor, sba(), objectives=["TACE-Q-01"])


def test_it_stores_objectives_given_by_code(instructor):
    code = objective_code("CORE-RAD")
    version = make_draft(instructor, sba(), objectives=[code])
    assert [o.code for o in version.objectives.all()] == [code]


def objective_code(area_code):
    return area(area_code).objectives.order_by("code").first().code


def test_it_refuses_a_difficulty_estimate_outside_zero_to_one(instructor):
    with pytest.raises(ApplicationError, match="between 0 and 1"):
        make_draft(instructor, sba(), difficulty_estimate=1.5)


def test_trainees_cannot_author_questions(trainee):
    with pytest.raises(ApplicationError) as info:
        make_draft(trainee, sba())
    assert info.value.status_code == 403


def test_a_source_identifier_is_unique(instructor):
    make_draft(instructor, sba(), source_id="demo:X-01:en")
    with pytest.raises(ConflictError):
        make_draft(instructor, sba(), source_id="demo:X-01:en")


# --------------------------------------------------------------------------- immutability


def test_a_draft_can_be_edited_by_its_author(instructor):
    version = make_draft(instructor, sba())
    services.version_update_draft(version=version, by=instructor, content=sba(key=["C"]), pool="secure", tags=["dose"])
    version.refresh_from_db()
    assert version.content["key"] == ["C"]
    assert version.pool == "secure"
    assert version.tags == ["dose"]


def test_another_instructor_cannot_edit_a_draft_they_did_not_write(instructor, reviewer):
    version = make_draft(instructor, sba())
    with pytest.raises(ApplicationError) as info:
        services.version_update_draft(version=version, by=reviewer, content=sba(key=["C"]))
    assert info.value.status_code == 403


def test_an_officer_can_edit_anyones_draft(instructor, officer):
    version = make_draft(instructor, sba())
    services.version_update_draft(version=version, by=officer, level="A")
    version.refresh_from_db()
    assert version.level == "A"


def test_a_submitted_version_cannot_be_edited_through_the_service(instructor):
    version = make_draft(instructor, sba())
    services.version_submit(version=version, by=instructor)
    with pytest.raises(ConflictError) as info:
        services.version_update_draft(version=version, by=instructor, content=sba(key=["C"]))
    assert info.value.code == "version_immutable"


def test_a_submitted_version_cannot_be_changed_by_saving_the_model(instructor):
    version = make_draft(instructor, sba())
    services.version_submit(version=version, by=instructor)
    stored = QuestionVersion.objects.get(pk=version.pk)
    stored.content = sba(key=["D"])
    with pytest.raises(ImmutableVersionError, match="content"):
        stored.save()
    stored = QuestionVersion.objects.get(pk=version.pk)
    stored.pool = "secure"
    with pytest.raises(ImmutableVersionError, match="pool"):
        stored.save()
    assert QuestionVersion.objects.get(pk=version.pk).content["key"] == ["B"]


def test_a_stale_in_memory_copy_of_a_submitted_version_cannot_be_saved_with_changes(instructor):
    version = make_draft(instructor, sba())
    services.version_submit(version=version, by=instructor)
    assert version.status == "draft"  # this copy is stale: the service saved its own
    version.content = sba(key=["D"])
    with pytest.raises(ImmutableVersionError):
        version.save()
    assert QuestionVersion.objects.get(pk=version.pk).content["key"] == ["B"]


def test_objectives_of_a_submitted_version_cannot_change(instructor):
    version = make_draft(instructor, sba())
    services.version_submit(version=version, by=instructor)
    stored = QuestionVersion.objects.get(pk=version.pk)
    with pytest.raises(ImmutableVersionError):
        stored.objectives.add(area().objectives.first())


def test_editing_an_approved_item_makes_a_new_draft_and_leaves_the_old_version_alone(instructor, reviewer, officer):
    v1 = make_approved(instructor, [reviewer], sba())
    v2 = services.version_new_draft(question=v1.question, by=instructor)
    assert (v2.number, v2.status) == (2, "draft")
    services.version_update_draft(version=v2, by=instructor, content=sba(stem="Changed stem", key=["B"]))
    v1.refresh_from_db()
    assert v1.status == "approved"
    assert v1.content["stem"].startswith("An operator")
    v1.question.refresh_from_db()
    assert v1.question.current_version == v1
    assert v1.question.latest_version == v2


def test_a_question_has_at_most_one_draft(instructor):
    version = make_draft(instructor, sba())
    with pytest.raises(ConflictError) as info:
        services.version_new_draft(question=version.question, by=instructor)
    assert info.value.code == "draft_exists"


def test_a_newer_approval_becomes_current_while_the_old_version_stays_approved(instructor, reviewer):
    v1 = make_approved(instructor, [reviewer], sba())
    v2 = services.version_new_draft(question=v1.question, by=instructor)
    services.version_update_draft(version=v2, by=instructor, content=sba(key=["A"]))
    services.version_submit(version=v2, by=instructor)
    services.version_review(version=v2, reviewer=reviewer, decision="approve")
    v1.refresh_from_db()
    v2.refresh_from_db()
    assert (v1.status, v2.status) == ("approved", "approved")
    assert v1.question.__class__.objects.get(pk=v1.question_id).current_version == v2
    assert list(selectors.approved_versions()) == [v2]


# --------------------------------------------------------------------------- approval rules


def test_the_author_cannot_approve_their_own_question(reviewer):
    version = make_draft(reviewer, sba())
    services.version_submit(version=version, by=reviewer)
    with pytest.raises(ApplicationError) as info:
        services.version_review(version=version, reviewer=reviewer, decision="approve")
    assert info.value.code == "own_question"
    version.refresh_from_db()
    assert version.status == "submitted"


def test_the_creator_of_the_question_cannot_approve_a_later_version_by_someone_else(reviewer, officer, second_reviewer):
    v1 = make_approved(reviewer, [second_reviewer], sba())
    v2 = services.version_new_draft(question=v1.question, by=officer)
    services.version_submit(version=v2, by=officer)
    with pytest.raises(ApplicationError, match="cannot review a question you wrote"):
        services.version_review(version=v2, reviewer=reviewer, decision="approve")


def test_one_approval_is_enough_for_a_practice_item(instructor, reviewer):
    version = make_approved(instructor, [reviewer], sba(), pool="practice")
    assert version.status == "approved"
    assert version.approved_at is not None


def test_a_secure_item_needs_two_distinct_reviewers(instructor, reviewer, second_reviewer):
    version = make_draft(instructor, sba(), pool="secure")
    services.version_submit(version=version, by=instructor)
    services.version_review(version=version, reviewer=reviewer, decision="approve")
    version.refresh_from_db()
    assert version.status == "submitted"
    with pytest.raises(ConflictError, match="already approved"):
        services.version_review(version=version, reviewer=reviewer, decision="approve")
    version.refresh_from_db()
    assert version.status == "submitted"
    services.version_review(version=version, reviewer=second_reviewer, decision="approve")
    version.refresh_from_db()
    assert version.status == "approved"


@override_settings(QUESTION_BANK_APPROVALS_REQUIRED={"practice": 2, "secure": 3})
def test_the_number_of_approvals_comes_from_settings(instructor, reviewer, second_reviewer):
    version = make_approved(instructor, [reviewer], sba(), pool="practice")
    assert version.status == "submitted"
    services.version_review(version=version, reviewer=second_reviewer, decision="approve")
    version.refresh_from_db()
    assert version.status == "approved"


def test_only_reviewers_approve(instructor, officer):
    version = make_draft(instructor, sba())
    services.version_submit(version=version, by=instructor)
    with pytest.raises(ApplicationError) as info:
        services.version_review(version=version, reviewer=officer, decision="approve")
    assert info.value.status_code == 403


def test_a_draft_cannot_be_approved(instructor, reviewer):
    version = make_draft(instructor, sba())
    with pytest.raises(ConflictError, match="Only a submitted version can be reviewed"):
        services.version_review(version=version, reviewer=reviewer, decision="approve")


def test_a_request_for_changes_needs_a_comment_and_sends_the_version_back(instructor, reviewer):
    version = make_draft(instructor, sba())
    services.version_submit(version=version, by=instructor)
    with pytest.raises(ApplicationError, match="needs a comment"):
        services.version_review(version=version, reviewer=reviewer, decision="request_changes")
    services.version_review(
        version=version, reviewer=reviewer, decision="request_changes", comment="Option C is also defensible."
    )
    version.refresh_from_db()
    assert version.status == "changes_requested"
    draft = services.version_new_draft(question=version.question, by=instructor)
    assert draft.number == 2 and draft.content == version.content


def test_comments_are_kept_per_version_and_authors_may_reply(instructor, reviewer, trainee):
    version = make_draft(instructor, sba())
    services.version_submit(version=version, by=instructor)
    services.version_review(version=version, reviewer=reviewer, decision="comment", comment="Cite the guideline.")
    services.version_review(version=version, reviewer=instructor, decision="comment", comment="Added ICRP 103.")
    with pytest.raises(ApplicationError):
        services.version_review(version=version, reviewer=trainee, decision="comment", comment="hi")
    assert [r.comment for r in version.reviews.all()] == ["Cite the guideline.", "Added ICRP 103."]
    version.refresh_from_db()
    assert version.status == "submitted"


def test_every_transition_is_recorded_with_who_and_why(instructor, reviewer, second_reviewer):
    version = make_draft(instructor, sba(), pool="secure")
    services.version_submit(version=version, by=instructor, comment="Ready")
    services.version_review(version=version, reviewer=reviewer, decision="approve")
    services.version_review(version=version, reviewer=second_reviewer, decision="approve", comment="Good item")
    services.question_retire(question=version.question, by=instructor, comment="Superseded by guideline")
    rows = list(
        VersionTransition.objects.filter(version=version).values_list(
            "from_status", "to_status", "actor__username", "comment"
        )
    )
    assert rows == [
        ("", "draft", "instructor", ""),
        ("draft", "submitted", "instructor", "Ready"),
        ("submitted", "approved", "reviewer2", "Good item"),
        ("approved", "retired", "instructor", "Superseded by guideline"),
    ]
    actions = list(AuditEvent.objects.order_by("id").values_list("action", flat=True))
    assert actions == ["question_bank.version_approved", "question_bank.question_retired"]


# --------------------------------------------------------------------------- retiring


def test_retiring_keeps_history_and_removes_the_item_from_exam_supply(instructor, reviewer):
    version = make_approved(instructor, [reviewer], sba())
    assert list(selectors.approved_versions()) == [version]
    services.question_retire(question=version.question, by=instructor)
    version.refresh_from_db()
    assert version.status == "retired"
    assert version.content["key"] == ["B"]
    assert version.reviews.count() == 1
    assert list(selectors.approved_versions()) == []
    with pytest.raises(ConflictError):
        services.version_new_draft(question=version.question, by=instructor)


# --------------------------------------------------------------------------- bulk actions


def test_bulk_submit_is_all_or_nothing_with_an_error_per_item(instructor):
    good = make_draft(instructor, sba())
    other = make_draft(instructor, sba(stem="Another stem"))
    services.version_submit(version=other, by=instructor)
    with pytest.raises(ApplicationError) as info:
        services.bulk_submit(questions=[good.question, other.question], by=instructor)
    assert info.value.code == "bulk_refused"
    assert set(info.value.extra["errors"]) == {str(other.question)}
    good.refresh_from_db()
    assert good.status == "draft"
    result = services.bulk_submit(questions=[good.question], by=instructor)
    good.refresh_from_db()
    assert good.status == "submitted" and len(result.done) == 1


def test_bulk_retire_retires_every_question(instructor, reviewer):
    a = make_approved(instructor, [reviewer], sba())
    b = make_draft(instructor, tf())
    services.bulk_retire(questions=[a.question, b.question], by=instructor, comment="cleanup")
    assert Question.objects.filter(is_retired=True).count() == 2


def test_bulk_move_changes_area_in_place_and_pool_through_a_new_version(instructor, reviewer):
    approved = make_approved(instructor, [reviewer], sba())
    draft = make_draft(instructor, tf())
    services.bulk_move(
        questions=[approved.question, draft.question], by=instructor, area=area("CORE-CM"), pool="secure"
    )
    draft.refresh_from_db()
    assert draft.pool == "secure" and draft.number == 1
    question = Question.objects.get(pk=approved.question_id)
    assert question.area.code == "CORE-CM"
    assert question.latest_version.number == 2 and question.latest_version.pool == "secure"
    assert question.current_version == approved
    approved.refresh_from_db()
    assert approved.pool == "practice"


# --------------------------------------------------------------------------- translations, selectors


def test_translations_are_linked_and_two_of_one_language_are_refused(instructor):
    zh = make_draft(instructor, sba(stem="操作者"), language="zh-hans")
    en = make_draft(instructor, sba(), language="en")
    other_en = make_draft(instructor, sba(stem="Other"), language="en")
    services.translation_link(a=zh.question, b=en.question, by=instructor)
    assert list(selectors.translations_of(zh.question)) == [en.question]
    with pytest.raises(ConflictError):
        services.translation_link(a=zh.question, b=other_en.question, by=instructor)


def test_duplicates_are_reported_by_fingerprint(instructor):
    first = make_draft(instructor, sba())
    texts = [o["text"] for o in reversed(sba()["options"])]
    reordered = [{"id": "ABCD"[i], "text": t} for i, t in enumerate(texts)]
    second = make_draft(instructor, sba(options=reordered, key=["C"]))
    assert list(selectors.duplicates_of(second)) == [first]


def test_the_review_queue_lists_only_what_a_reviewer_may_still_decide(instructor, reviewer, second_reviewer):
    mine = make_draft(reviewer, sba(stem="by the reviewer"))
    services.version_submit(version=mine, by=reviewer)
    theirs = make_draft(instructor, sba(), pool="secure")
    services.version_submit(version=theirs, by=instructor)
    assert list(selectors.review_queue(reviewer)) == [theirs]
    services.version_review(version=theirs, reviewer=reviewer, decision="approve")
    assert list(selectors.review_queue(reviewer)) == []
    assert set(selectors.review_queue(second_reviewer)) == {mine, theirs}


def test_the_diff_names_changed_fields_texts_and_keys(instructor, reviewer):
    v1 = make_approved(instructor, [reviewer], sba())
    v2 = services.version_new_draft(question=v1.question, by=instructor)
    v2 = services.version_update_draft(version=v2, by=instructor, content=sba(stem="A new stem", key=["C"]), level="A")
    diff = selectors.version_diff(v1, v2)
    assert {"field": "level", "before": "Q", "after": "A"} in diff["fields"]
    stem = next(t for t in diff["texts"] if t["field"] == "stem")
    assert "+A new stem" in stem["diff"]
    assert diff["keys"] == [{"field": "key", "before": ["B"], "after": ["C"]}]


def test_coverage_counts_approved_items_per_area_level_and_pool_against_demand(instructor, reviewer):
    make_approved(instructor, [reviewer], sba())
    make_draft(instructor, tf())
    cells = {(c.area_code, c.level, c.pool): c for c in selectors.coverage()}
    assert cells[("CORE-RAD", "Q", "practice")].approved == 1
    assert cells[("CORE-RAD", "Q", "secure")].approved == 0
    before = cells[("CORE-RAD", "Q", "practice")].needed or 0

    def demand():
        return {("CORE-RAD", "Q", "practice"): 5}

    selectors.register_coverage_demand(demand)
    try:
        cell = next(c for c in selectors.coverage() if (c.area_code, c.level, c.pool) == ("CORE-RAD", "Q", "practice"))
        assert cell.needed == before + 5
        assert cell.short == max(0, before + 5 - 1)
    finally:
        selectors.unregister_coverage_demand(demand)


def test_practice_items_are_counted_per_objective(instructor, reviewer):
    code = objective_code("CORE-RAD")
    version = make_approved(instructor, [reviewer], sba(), objectives=[code])
    obj = objective(code)
    assert selectors.objective_practice_item_counts([obj.pk]) == {obj.pk: 1}
    assert version.status == "approved"


def test_the_list_search_finds_chinese_text_tags_and_codes(instructor):
    zh = make_draft(instructor, sba(stem="经颈静脉肝内门体分流术后复查"), language="zh-hans", tags=["TIPS"])
    make_draft(instructor, tf())
    assert list(selectors.question_list(search="门体分流")) == [zh.question]
    assert list(selectors.question_list(search="tips")) == [zh.question]
    assert list(selectors.question_list(search=zh.question.code)) == [zh.question]
    assert selectors.question_list(search="ENDOLEAK").count() == 1
