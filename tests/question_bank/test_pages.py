"""The question bank pages: list and filters, the editor (server-side validation next to the fields),
new versions, bulk actions, the item page, diffs, the review queue, coverage, preview and upload."""

import io
import json
from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from PIL import Image

from question_bank import selectors, services
from question_bank.models import ItemStatistic, Question, QuestionVersion
from question_bank.views import answer_keys, side_by_side
from tests.question_bank.bank_helpers import (  # noqa: F401 - english is a fixture
    area,
    case,
    emq,
    english,
    make_approved,
    make_draft,
    objective,
    order,
    sba,
)

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english")]


@pytest.fixture
def client_as(client):
    """The test client signed in as ``user``, with pages in English (the language cookie)."""

    def make(user):
        client.force_login(user)
        client.cookies["irexam_language"] = "en"
        return client

    return make


def form_data(**overrides):
    data = {
        "area": area().pk,
        "level": "Q",
        "pool": "practice",
        "language": "en",
        "cognitive_level": "recall",
        "difficulty_estimate": "0.7",
        "tags": "dose, physics",
        "translation_of": "",
        "content": json.dumps(sba()),
    }
    data.update(overrides)
    return data


# --------------------------------------------------------------------------- list


def test_the_list_shows_questions_and_filters_them(client_as, instructor):
    make_draft(instructor, sba())
    make_draft(instructor, emq())
    make_draft(instructor, sba(stem="Tumour embolisation"), area=area("TACE"))
    client = client_as(instructor)

    everything = client.get(reverse("question_bank:list")).content.decode()
    assert everything.count('name="questions"') == 3

    only_emq = client.get(reverse("question_bank:list"), {"type": "emq"}).content.decode()
    assert only_emq.count('name="questions"') == 1
    assert "Extended matching" in only_emq

    by_area = client.get(reverse("question_bank:list"), {"area": area("TACE").pk}).content.decode()
    assert by_area.count('name="questions"') == 1

    by_text = client.get(reverse("question_bank:list"), {"q": "embolisation"}).content.decode()
    assert by_text.count('name="questions"') == 1

    approved = client.get(reverse("question_bank:list"), {"status": "approved"}).content.decode()
    assert 'name="questions"' not in approved
    assert "No question matches these filters." in approved


def test_the_list_filters_by_objective_and_author(client_as, instructor, officer):
    make_draft(instructor, sba(), objectives=["CORE-RAD-A-01"])
    make_draft(officer, sba(stem="Another"))
    client = client_as(instructor)
    by_objective = client.get(reverse("question_bank:list"), {"objective": "CORE-RAD-A-01"}).content.decode()
    assert by_objective.count('name="questions"') == 1
    by_author = client.get(reverse("question_bank:list"), {"author": "officer"}).content.decode()
    assert by_author.count('name="questions"') == 1
    mine = client.get(reverse("question_bank:list"), {"mine": "on"}).content.decode()
    assert mine.count('name="questions"') == 1


def test_an_invalid_filter_shows_an_error_and_no_results(client_as, instructor):
    make_draft(instructor, sba())
    page = client_as(instructor).get(reverse("question_bank:list"), {"level": "Z"}).content.decode()
    assert 'name="questions"' not in page
    assert "Select a valid choice" in page


def _list_queries(client) -> int:
    with CaptureQueriesContext(connection) as captured:
        response = client.get(reverse("question_bank:list"))
    assert response.status_code == 200
    return len(captured.captured_queries)


def test_the_list_page_makes_the_same_number_of_queries_for_3_and_20_questions(
    client_as, instructor, officer, django_assert_num_queries
):
    client = client_as(instructor)
    for n in range(3):
        make_draft(instructor if n % 2 else officer, sba(stem=f"Stem {n}"), objectives=["CORE-RAD-A-01"])
    client.get(reverse("question_bank:list"))  # warm the session and caches
    small = _list_queries(client)
    for n in range(3, 20):
        make_draft(instructor if n % 2 else officer, sba(stem=f"Stem {n}"), objectives=["CORE-RAD-A-01"])
    with django_assert_num_queries(small):
        response = client.get(reverse("question_bank:list"))
    assert response.content.decode().count('name="questions"') == 20


# --------------------------------------------------------------------------- the editor


def test_the_new_question_page_starts_from_a_template_of_the_chosen_type(client_as, instructor):
    page = client_as(instructor).get(reverse("question_bank:create"), {"type": "order"})
    assert page.status_code == 200
    content = json.loads(page.context["form"].initial["content"])
    assert content["type"] == "order"
    assert content["key"] == ["A", "B", "C"]
    html = page.content.decode()
    assert 'name="content"' in html
    assert "question_bank/editor.js" in html
    assert "<script>" not in html  # no inline script


def test_an_instructor_creates_a_draft_with_the_editor(client_as, instructor):
    response = client_as(instructor).post(
        reverse("question_bank:create"), form_data(objectives=[objective("CORE-RAD-A-01").pk])
    )
    question = Question.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("question_bank:detail", kwargs={"pk": question.pk})
    version = question.latest_version
    assert version.status == "draft"
    assert version.author == instructor
    assert version.content["key"] == ["B"]
    assert version.tags == ["dose", "physics"]
    assert version.difficulty_estimate == 0.7
    assert [o.code for o in version.objectives.all()] == ["CORE-RAD-A-01"]


def test_content_problems_are_shown_next_to_the_content_field_with_their_paths(client_as, instructor):
    response = client_as(instructor).post(
        reverse("question_bank:create"), form_data(content=json.dumps(sba(key=["A", "B"])))
    )
    assert response.status_code == 200
    assert not Question.objects.exists()
    form = response.context["form"]
    assert form.errors["content"] == ["key: A single-best-answer item needs exactly one key; it has 2 (A, B)."]
    assert response.context["content_issues"][0]["path"] == "key"
    html = response.content.decode()
    # the message sits in the content field's error list, and editor.js receives the paths
    assert 'id="id_content_errors"' in html
    assert "key: A single-best-answer item needs exactly one key" in html
    assert "data-issues=" in html and "&quot;path&quot;: &quot;key&quot;" in html


def test_problems_inside_a_case_stage_carry_the_stage_question_path(client_as, instructor):
    content = case()
    content["stages"][1]["questions"][0]["key"] = ["Z"]
    response = client_as(instructor).post(reverse("question_bank:create"), form_data(content=json.dumps(content)))
    assert response.status_code == 200
    paths = [issue["path"] for issue in response.context["content_issues"]]
    assert paths == ["stages[1].questions[0].key[0]"]


def test_content_that_is_not_json_is_refused_with_the_line_and_column(client_as, instructor):
    response = client_as(instructor).post(reverse("question_bank:create"), form_data(content='{"type": "sba",'))
    assert response.status_code == 200
    assert "not valid JSON (line 1" in response.context["form"].errors["content"][0]
    assert not Question.objects.exists()


def test_an_objective_of_another_area_is_refused_on_the_objectives_field(client_as, instructor):
    response = client_as(instructor).post(
        reverse("question_bank:create"), form_data(objectives=[objective("TACE-A-01").pk])
    )
    assert response.status_code == 200
    assert "TACE-A-01" in response.context["form"].errors["objectives"][0]
    assert not Question.objects.exists()


def test_editing_your_own_draft_changes_it_in_place(client_as, instructor):
    draft = make_draft(instructor, sba())
    edit = reverse("question_bank:edit", kwargs={"pk": draft.question_id})
    page = client_as(instructor).get(edit)
    assert page.status_code == 200
    assert json.loads(page.context["form"].initial["content"])["key"] == ["B"]
    response = client_as(instructor).post(edit, form_data(content=json.dumps(sba(key=["C"])), level="A"))
    assert response.status_code == 302
    assert QuestionVersion.objects.filter(question_id=draft.question_id).count() == 1
    draft.refresh_from_db()
    assert draft.content["key"] == ["C"]
    assert draft.level == "A"


@pytest.mark.parametrize("state", ["submitted", "approved"])
def test_editing_a_submitted_or_approved_question_makes_a_new_version(client_as, instructor, reviewer, state):
    version = make_approved(instructor, [reviewer]) if state == "approved" else make_draft(instructor, sba())
    if state == "submitted":
        services.version_submit(version=version, by=instructor)
    edit = reverse("question_bank:edit", kwargs={"pk": version.question_id})
    page = client_as(instructor).get(edit)
    assert "Saving creates a new draft version" in page.content.decode()
    response = client_as(instructor).post(edit, form_data(content=json.dumps(sba(stem="A clearer stem."))))
    assert response.status_code == 302
    versions = list(QuestionVersion.objects.filter(question_id=version.question_id).order_by("number"))
    assert [(v.number, v.status) for v in versions] == [(1, state), (2, "draft")]
    assert versions[0].content["stem"] != "A clearer stem."
    assert versions[1].content["stem"] == "A clearer stem."
    assert versions[1].author == instructor


def test_a_refused_new_version_leaves_no_draft_behind(client_as, instructor, reviewer):
    version = make_approved(instructor, [reviewer])
    edit = reverse("question_bank:edit", kwargs={"pk": version.question_id})
    response = client_as(instructor).post(edit, form_data(content=json.dumps(sba(key=[]))))
    assert response.status_code == 200
    assert "content" in response.context["form"].errors
    assert QuestionVersion.objects.filter(question_id=version.question_id).count() == 1


def test_the_editor_links_a_translation_by_code(client_as, instructor):
    chinese = make_draft(instructor, sba(), language="zh-hans")
    response = client_as(instructor).post(
        reverse("question_bank:create"), form_data(translation_of=chinese.question.code.lower())
    )
    assert response.status_code == 302
    english_question = Question.objects.exclude(pk=chinese.question_id).get()
    assert english_question.translation_group == chinese.question.translation_group


def test_an_unknown_translation_code_is_an_error_on_its_field(client_as, instructor):
    response = client_as(instructor).post(reverse("question_bank:create"), form_data(translation_of="Q-999999"))
    assert response.status_code == 200
    assert response.context["form"].errors["translation_of"] == ["There is no question with that code."]


# --------------------------------------------------------------------------- preview and upload


def test_the_live_preview_renders_without_key_or_explanation(client_as, instructor):
    response = client_as(instructor).post(
        reverse("question_bank:preview"), data=json.dumps({"content": sba()}), content_type="application/json"
    )
    assert response.status_code == 200
    html = response.json()["html"]
    assert "It falls to a quarter" in html
    assert "Inverse-square" not in html
    assert "ICRP" not in html
    assert 'class="option"' in html


def test_the_live_preview_reports_each_problem_with_its_path(client_as, instructor):
    response = client_as(instructor).post(
        reverse("question_bank:preview"),
        data=json.dumps({"content": sba(options=[{"id": "A", "text": ""}], key=["A"])}),
        content_type="application/json",
    )
    assert response.status_code == 400
    paths = {issue["path"] for issue in response.json()["errors"]}
    assert {"options", "options[0].text"} <= paths


def test_the_live_preview_refuses_a_body_that_is_not_json(client_as, instructor):
    response = client_as(instructor).post(reverse("question_bank:preview"), data="{", content_type="application/json")
    assert response.status_code == 400


def _png() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (8, 6), (200, 30, 30)).save(buffer, format="PNG")
    return buffer.getvalue()


def test_the_editor_uploads_an_image_and_gets_its_reference(client_as, instructor):
    from django.core.files.uploadedfile import SimpleUploadedFile

    upload = SimpleUploadedFile("angio.png", _png(), content_type="image/png")
    response = client_as(instructor).post(reverse("question_bank:media_upload"), {"file": upload})
    assert response.status_code == 201
    body = response.json()
    assert body["width"] == 8 and body["height"] == 6
    assert body["url"].endswith(f"/questions/media/{body['id']}/")
    content = sba(media=[{"ref": body["id"], "alt": "Angiogram", "caption": "Fig. 1"}])
    preview = client_as(instructor).post(
        reverse("question_bank:preview"), data=json.dumps({"content": content}), content_type="application/json"
    )
    assert body["url"] in preview.json()["html"]
    assert 'alt="Angiogram"' in preview.json()["html"]


def test_an_upload_that_is_not_an_image_is_refused_with_a_message(client_as, instructor):
    from django.core.files.uploadedfile import SimpleUploadedFile

    upload = SimpleUploadedFile("x.png", b"not an image at all", content_type="image/png")
    response = client_as(instructor).post(reverse("question_bank:media_upload"), {"file": upload})
    assert response.status_code == 400
    assert "not an image" in response.json()["detail"]


# --------------------------------------------------------------------------- bulk actions


def test_bulk_submit_submits_every_selected_draft(client_as, instructor):
    drafts = [make_draft(instructor, sba(stem=f"Stem {n}")) for n in range(3)]
    response = client_as(instructor).post(
        reverse("question_bank:bulk"), {"action": "submit", "questions": [d.question_id for d in drafts]}, follow=True
    )
    assert "3 question(s) submitted for review." in response.content.decode()
    assert set(QuestionVersion.objects.values_list("status", flat=True)) == {"submitted"}


def test_a_refused_bulk_action_changes_nothing_and_names_each_refusal(client_as, instructor, officer):
    mine = make_draft(instructor, sba())
    theirs = make_draft(officer, sba(stem="The officer's"))
    response = client_as(instructor).post(
        reverse("question_bank:bulk"),
        {"action": "retire", "questions": [mine.question_id, theirs.question_id]},
        follow=True,
    )
    html = response.content.decode()
    assert "Nothing was retired: 1 of 2 questions were refused." in html
    assert f"{theirs.question.code}: Only the question&#x27;s creator or an exam officer may retire it." in html
    assert not Question.objects.filter(is_retired=True).exists()


def test_bulk_move_changes_the_area_and_the_pool(client_as, instructor, reviewer):
    approved = make_approved(instructor, [reviewer])
    draft = make_draft(instructor, sba(stem="Draft"))
    response = client_as(instructor).post(
        reverse("question_bank:bulk"),
        {
            "action": "move",
            "questions": [approved.question_id, draft.question_id],
            "area": area("TACE").pk,
            "pool": "secure",
        },
    )
    assert response.status_code == 302
    assert set(Question.objects.values_list("area__code", flat=True)) == {"TACE"}
    draft.refresh_from_db()
    assert draft.pool == "secure"
    latest = Question.objects.get(pk=approved.question_id).latest_version
    assert (latest.number, latest.status, latest.pool) == (2, "draft", "secure")


def test_bulk_move_needs_a_destination(client_as, instructor):
    draft = make_draft(instructor, sba())
    response = client_as(instructor).post(
        reverse("question_bank:bulk"), {"action": "move", "questions": [draft.question_id]}, follow=True
    )
    assert "Choose a technique area or a pool to move to." in response.content.decode()


def test_bulk_actions_go_back_to_the_filtered_list(client_as, instructor):
    draft = make_draft(instructor, sba())
    back = reverse("question_bank:list") + "?type=sba"
    response = client_as(instructor).post(
        reverse("question_bank:bulk"), {"action": "submit", "questions": [draft.question_id], "next": back}
    )
    assert response["Location"] == back
    evil = client_as(instructor).post(
        reverse("question_bank:bulk"),
        {"action": "submit", "questions": [draft.question_id], "next": "https://evil.example/"},
    )
    assert evil["Location"] == reverse("question_bank:list")


# --------------------------------------------------------------------------- the item page


def test_the_item_page_shows_versions_reviews_history_statistics_and_the_key(client_as, instructor, reviewer):
    version = make_approved(instructor, [reviewer])
    services.version_review(version=version, reviewer=reviewer, decision="comment", comment="Cite the source please.")
    ItemStatistic.objects.create(
        version=version,
        unit_id="",
        source="sitting:7",
        computed_at=timezone.now() - timedelta(days=1),
        n=120,
        p_value=0.62,
        rpb=0.31,
        d_index=0.4,
        b=-0.25,
        b_se=0.11,
        omit_rate=0.02,
        flags=["low_rpb"],
    )
    html = (
        client_as(instructor).get(reverse("question_bank:detail", kwargs={"pk": version.question_id})).content.decode()
    )
    assert version.question.code in html
    assert "Cite the source please." in html  # authors see comments
    assert "sitting:7" in html and "0.62" in html and "0.31" in html and "-0.25 ± 0.11" in html and "low_rpb" in html
    assert "It falls to a quarter" in html  # the candidate preview
    assert "Inverse-square law" in html  # the explanation, marked as hidden from candidates
    assert "Not shown to candidates" in html
    assert "Draft → Submitted" in html  # the transition log
    assert "Submitted → Approved" in html


def test_the_item_page_offers_only_the_viewers_actions(client_as, instructor, reviewer, second_reviewer, officer):
    draft = make_draft(instructor, sba())
    detail = reverse("question_bank:detail", kwargs={"pk": draft.question_id})
    author_page = client_as(instructor).get(detail).context["actions"]
    assert author_page["edit_draft"] and author_page["submit"] and author_page["retire"]
    other_page = client_as(reviewer).get(detail).context["actions"]
    assert not other_page["edit_draft"] and not other_page["submit"] and not other_page["retire"]
    services.version_submit(version=draft, by=instructor)
    review_page = client_as(second_reviewer).get(detail)
    assert review_page.context["actions"]["reviewable"] == [draft]
    assert "Your review of version 1" in review_page.content.decode()
    assert client_as(officer).get(detail).context["actions"]["retire"]


def test_submit_new_version_and_retire_from_the_item_page(client_as, instructor, reviewer, officer):
    draft = make_draft(instructor, sba())
    client = client_as(instructor)
    client.post(reverse("question_bank:submit", kwargs={"pk": draft.question_id}))
    draft.refresh_from_db()
    assert draft.status == "submitted"
    services.version_review(version=draft, reviewer=reviewer, decision="approve")
    response = client.post(reverse("question_bank:new_version", kwargs={"pk": draft.question_id}))
    assert response["Location"] == reverse("question_bank:edit", kwargs={"pk": draft.question_id})
    assert Question.objects.get().latest_version.number == 2
    client.post(reverse("question_bank:retire", kwargs={"pk": draft.question_id}), {"comment": "Outdated guidance"})
    assert Question.objects.get().is_retired


def test_linking_a_translation_from_the_item_page(client_as, instructor):
    chinese = make_draft(instructor, sba(), language="zh-hans")
    english_version = make_draft(instructor, sba(stem="English"), language="en")
    client_as(instructor).post(
        reverse("question_bank:link_translation", kwargs={"pk": chinese.question_id}),
        {"other": english_version.question.code},
    )
    assert Question.objects.get(pk=english_version.question_id).translation_group == chinese.question.translation_group


# --------------------------------------------------------------------------- diff


def test_the_diff_page_shows_changed_texts_side_by_side_and_keys_before_and_after(client_as, instructor, reviewer):
    version = make_approved(instructor, [reviewer])
    draft = services.version_new_draft(question=version.question, by=instructor)
    services.version_update_draft(version=draft, by=instructor, content=sba(key=["C"], stem="A new stem."), level="A")
    url = reverse("question_bank:diff", kwargs={"pk": version.question_id, "a": 1, "b": 2})
    response = client_as(reviewer).get(url)
    assert response.status_code == 200
    html = response.content.decode()
    assert "<del>B</del>" in html and "<ins>C</ins>" in html  # key before/after
    assert "Qualifying" in html and "Advanced" in html  # level, by its name
    stem = next(t for t in response.context["diff"]["texts"] if t["field"] == "stem")
    assert stem["rows"][0]["tag"] == "replace"


def test_a_diff_with_an_unknown_version_is_a_404(client_as, instructor):
    draft = make_draft(instructor, sba())
    url = reverse("question_bank:diff", kwargs={"pk": draft.question_id, "a": 1, "b": 9})
    assert client_as(instructor).get(url).status_code == 404


def test_the_compare_form_redirects_to_the_diff(client_as, instructor):
    draft = make_draft(instructor, sba())
    response = client_as(instructor).get(
        reverse("question_bank:diff_pick", kwargs={"pk": draft.question_id}), {"a": 1, "b": 1}
    )
    assert response["Location"] == reverse("question_bank:diff", kwargs={"pk": draft.question_id, "a": 1, "b": 1})


def test_side_by_side_marks_changed_characters_and_added_lines():
    rows = side_by_side("one\ntwo", "one\ntwx\nthree")
    assert rows[0] == {"tag": "equal", "left": [("one", False)], "right": [("one", False)]}
    assert rows[1]["tag"] == "replace"
    assert ("tw", False) in rows[1]["left"] and ("o", True) in rows[1]["left"] and ("x", True) in rows[1]["right"]
    assert rows[2] == {"tag": "insert", "left": [], "right": [("three", True)]}


def test_answer_keys_read_per_type():
    assert answer_keys(sba()) == [{"label": "Key", "value": "B"}]
    assert answer_keys(order()) == [{"label": "Key", "value": "B → A → D → C"}]
    assert answer_keys(emq()) == [{"label": "Stem 1", "value": "A"}, {"label": "Stem 2", "value": "B"}]
    assert [row["value"] for row in answer_keys(case())] == ["T", "B"]
    assert answer_keys(case())[1]["label"] == "Stage s2, question q2: Key"


# --------------------------------------------------------------------------- review queue


def test_the_review_queue_shows_the_preview_and_the_key_and_records_an_approval(client_as, instructor, reviewer):
    draft = make_draft(instructor, sba())
    services.version_submit(version=draft, by=instructor)
    client = client_as(reviewer)
    page = client.get(reverse("question_bank:review_queue"))
    html = page.content.decode()
    assert draft.question.code in html
    assert "It falls to a quarter" in html and "Inverse-square law" in html
    assert page.context["entries"][0]["keys"] == [{"label": "Key", "value": "B"}]
    response = client.post(
        reverse("question_bank:version_review", kwargs={"version_id": draft.pk}),
        {"decision": "approve", "next": reverse("question_bank:review_queue")},
        follow=True,
    )
    assert response.redirect_chain[-1][0] == reverse("question_bank:review_queue")
    assert "Nothing is waiting for your review." in response.content.decode()
    draft.refresh_from_db()
    assert draft.status == "approved"  # practice needs one approval


def test_requesting_changes_needs_a_comment(client_as, instructor, reviewer):
    draft = make_draft(instructor, sba())
    services.version_submit(version=draft, by=instructor)
    url = reverse("question_bank:version_review", kwargs={"version_id": draft.pk})
    refused = client_as(reviewer).post(url, {"decision": "request_changes"}, follow=True)
    assert "a request for changes needs a comment" in refused.content.decode()
    client_as(reviewer).post(url, {"decision": "request_changes", "comment": "Option C is also defensible."})
    draft.refresh_from_db()
    assert draft.status == "changes_requested"


def test_the_reviewer_dashboard_counts_the_queue(client_as, instructor, reviewer, second_reviewer):
    draft = make_draft(instructor, sba())
    services.version_submit(version=draft, by=instructor)
    html = client_as(second_reviewer).get(reverse("accounts:role_dashboard", args=["reviewer"])).content.decode()
    assert "1 version awaits your review." in html
    assert reverse("question_bank:review_queue") in html


def test_the_instructor_navigation_links_to_the_bank(client_as, instructor):
    html = client_as(instructor).get(reverse("accounts:role_dashboard", args=["instructor"])).content.decode()
    assert f'href="{reverse("question_bank:list")}"' in html
    assert f'href="{reverse("question_bank:create")}"' in html


# --------------------------------------------------------------------------- coverage


def test_coverage_counts_approved_items_and_marks_shortfalls(client_as, instructor, reviewer, second_reviewer, officer):
    make_approved(instructor, [reviewer])  # CORE-RAD, Q, practice
    make_approved(instructor, [reviewer, second_reviewer], sba(stem="Secure one"), pool="secure")

    def demand():
        return {("CORE-RAD", "Q", "secure"): 5}

    selectors.register_coverage_demand(demand)
    try:
        response = client_as(officer).get(reverse("question_bank:coverage"))
    finally:
        selectors.unregister_coverage_demand(demand)
    row = next(r for r in response.context["table"] if r["code"] == "CORE-RAD")
    q_secure, q_practice = row["cells"][0], row["cells"][1]
    assert (q_secure.approved, q_secure.needed, q_secure.short) == (1, 5, 4)
    assert q_practice.approved == 1
    html = response.content.decode()
    assert "4 short" in html
    assert 'class="is-short"' in html
