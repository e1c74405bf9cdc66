"""The candidate's exam page in headless Chromium (exams/static/exams/exam-page.js).

What only a browser shows: answering by mouse and keyboard, answers surviving a reload, the
offline queue reaching the server when the connection returns, the countdown running out into an
auto-submission, the review screen and the receipt, case stages, image zoom, another window
taking the attempt over — and that neither the page nor any response it loads holds a key.

Data: the delivery fixtures of tests/exams/conftest.py (six items, one of each type) plus an
image item at position 7. The live server runs in this process, so the database is checked
directly after the page says its answers are saved.
"""

from __future__ import annotations

import io
import json
import re
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from accounts.roles import Role
from exams import selectors
from exams.delivery import layout_entry
from exams.models import Attempt, AttemptEvent, FormItem, ItemComment, Response
from exams.services import attempts as attempt_services
from exams.services.attempts import attempt_start
from tests.exams.conftest import SECRET_DIFFICULTY, SECRET_EXPLANATION, SECRET_REFERENCE
from tests.factories import UserFactory

# serialized_rollback: the live server needs a transactional database, whose flush would
# otherwise remove the curriculum rows the data migrations created (technique areas).
pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]

playwright_api = pytest.importorskip("playwright.sync_api", reason="Playwright is not installed")
expect = playwright_api.expect

IMAGE_POSITION = 7
IMAGE_ALT = "Coeliac axis angiogram"


def _png() -> bytes:
    from PIL import Image, ImageDraw

    image = Image.new("RGB", (320, 240), "black")
    draw = ImageDraw.Draw(image)
    draw.ellipse((100, 60, 220, 180), outline="white", width=6)
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    return buffer.getvalue()


def _add_image_item(delivery) -> None:
    """Position 7: a single best answer item with an uploaded image attached to its stem."""
    from question_bank.models import Question, QuestionVersion
    from question_bank.services import media_upload

    author = UserFactory(username="image_author", roles=[Role.INSTRUCTOR])
    media = media_upload(file=_png(), by=author, filename="angio.png")
    content = {
        "type": "sba",
        "stem": "A selective angiogram is shown.",
        "lead_in": "Which vessel is opacified?",
        "media": [{"ref": str(media.pk), "alt": IMAGE_ALT, "caption": "Digital subtraction angiogram"}],
        "options": [
            {"id": "A", "text": "Coeliac trunk"},
            {"id": "B", "text": "Superior mesenteric artery"},
            {"id": "C", "text": "Renal artery"},
        ],
        "key": ["A"],
        "explanation": f"{SECRET_EXPLANATION}-7: the image shows the coeliac trunk.",
        "references": [f"{SECRET_REFERENCE}-7"],
    }
    area = delivery.versions[1].question.area
    question = Question.objects.create(area=area, created_by=author)
    version = QuestionVersion.objects.create(
        question=question,
        number=1,
        status="approved",
        content=content,
        level="Q",
        pool="secure",
        author=author,
        difficulty_estimate=SECRET_DIFFICULTY,
        approved_at=timezone.now(),
    )
    FormItem.objects.create(form=delivery.form, position=IMAGE_POSITION, version=version, area=area)
    delivery.form.layout = [*delivery.form.layout, layout_entry(IMAGE_POSITION, content)]
    delivery.form.save(update_fields=["layout"])
    delivery.versions[IMAGE_POSITION] = version


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings):
    """The personas' passwords are hashed with the production hasher (about 1.8 s each here); these
    tests sign in by session cookie, so a fast hasher changes nothing they check."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def exam(delivery, monkeypatch):
    """The delivery sitting with an image item added and the trainee's attempt started."""
    # Layouts and graces are cached per form id in-process; start every test from a clean cache.
    attempt_services._LAYOUT_CACHE.clear()
    attempt_services._GRACE_CACHE.clear()
    # The page's image handling is under test here, not the media route: serve the question
    # bank's stored image through its API file endpoint.
    monkeypatch.setattr(selectors, "media_url", lambda ref: reverse("api:question-media-file", args=[ref]))
    _add_image_item(delivery)
    attempt, _created = attempt_start(registration=delivery.registration, paper=delivery.paper)
    delivery.attempt = attempt
    return delivery


def _open(page_as, live_server, exam, user, language="en"):
    page = page_as(user, language)
    page.goto(live_server.url + reverse("exams:exam_page", args=[exam.attempt.pk]))
    expect(page.locator("#item-heading")).to_be_visible()
    return page


def _saved(page) -> None:
    """Wait until the page shows every answer as saved (the queue is empty and acknowledged)."""
    expect(page.locator("#exam-save")).to_have_attribute("data-state", "saved")
    page.wait_for_function(
        "(key) => JSON.parse(localStorage.getItem(key) || '[]').length === 0",
        arg=_queue_key(page),
    )


def _queue_key(page) -> str:
    config = json.loads(page.locator("#exam-config").text_content())
    return f"irexam.attempt.{config['attemptId']}.queue"


def _label_of(page, option_id: str) -> str:
    """The display label (A, B…) the shuffled order gave an option of the current item."""
    return page.locator(f"fieldset.question input[value='{option_id}']").first.get_attribute("data-label")


def _answers(attempt) -> dict[int, dict]:
    return {r.position: r.answer for r in Response.objects.filter(attempt=attempt)}


def test_a_candidate_answers_by_mouse_and_keyboard_and_finds_every_answer_after_a_reload(
    page_as, live_server, exam, trainee
):
    page = _open(page_as, live_server, exam, trainee)
    expect(page.locator("#item-heading")).to_have_text("Question 1 of 7")

    # 1 (sba) by mouse
    page.get_by_label("Hepatic artery").check()
    _saved(page)
    assert _answers(exam.attempt)[1] == {"choice": "B"}

    # 2 (mrq) by keyboard: N moves on, the display letters tick the boxes
    page.keyboard.press("n")
    expect(page.locator("#item-heading")).to_have_text("Question 2 of 7")
    page.keyboard.press(_label_of(page, "A").lower())
    page.keyboard.press(_label_of(page, "D").lower())
    _saved(page)
    assert _answers(exam.attempt)[2] == {"choices": ["A", "D"]}

    # 3 (tf) by number key, flagged with F
    page.keyboard.press("ArrowRight")
    expect(page.locator("#item-heading")).to_have_text("Question 3 of 7")
    true_number = ["A", "B"].index(_label_of(page, "T")) + 1
    page.keyboard.press(str(true_number))
    page.keyboard.press("f")
    expect(page.locator("#exam-flag")).to_have_attribute("aria-pressed", "true")
    _saved(page)
    stored = Response.objects.get(attempt=exam.attempt, position=3)
    assert (stored.answer, stored.flagged) == ({"choice": "T"}, True)

    # 4 (emq): one select per stem
    page.keyboard.press("n")
    page.get_by_label("Flow through an inadequate proximal seal.").select_option("A")
    page.get_by_label("Retrograde flow into the sac from a lumbar artery.").select_option("B")
    _saved(page)
    assert _answers(exam.attempt)[4] == {"answers": {"1": "A", "2": "B"}}

    # 5 (order): the move buttons
    page.keyboard.press("n")
    shown = page.locator(".order-step").evaluate_all("steps => steps.map(s => s.dataset.id)")
    page.locator(".order-step").first.locator(".order-down").click()
    _saved(page)
    expected_order = [shown[1], shown[0], *shown[2:]]
    assert _answers(exam.attempt)[5] == {"order": expected_order}

    # P goes back; the grid shows answered and flagged items
    page.keyboard.press("p")
    expect(page.locator("#item-heading")).to_have_text("Question 4 of 7")
    grid = page.locator("#exam-grid .grid-cell")
    expect(grid.nth(0)).to_have_class(re.compile(r"\bis-answered\b"))
    expect(grid.nth(2)).to_have_class(re.compile(r"\bis-flagged\b"))
    expect(grid.nth(5)).to_have_class(re.compile(r"\bis-unanswered\b"))
    expect(grid.nth(3)).to_have_attribute("aria-current", "step")

    page.reload()
    expect(page.locator("#item-heading")).to_have_text("Question 1 of 7")
    expect(page.get_by_label("Hepatic artery")).to_be_checked()
    page.locator("#exam-grid .grid-cell").nth(1).click()
    expect(page.locator("fieldset.question input[value='A']")).to_be_checked()
    expect(page.locator("fieldset.question input[value='D']")).to_be_checked()
    expect(page.locator("fieldset.question input[value='B']")).not_to_be_checked()
    page.keyboard.press("n")
    expect(page.locator("fieldset.question input[value='T']")).to_be_checked()
    expect(page.locator("#exam-flag")).to_have_attribute("aria-pressed", "true")
    page.keyboard.press("n")
    expect(page.get_by_label("Flow through an inadequate proximal seal.")).to_have_value("A")
    page.keyboard.press("n")
    assert page.locator(".order-step").evaluate_all("steps => steps.map(s => s.dataset.id)") == expected_order


def test_keys_typed_into_the_comment_box_do_not_answer_or_move(page_as, live_server, exam, trainee):
    page = _open(page_as, live_server, exam, trainee)
    page.locator(".item-comment summary").click()
    box = page.locator(".item-comment textarea")
    box.fill("")
    box.type("bad stem, please check")  # contains a, b, c, e, n, p and f
    expect(page.locator("#item-heading")).to_have_text("Question 1 of 7")
    expect(page.locator("fieldset.question input:checked")).to_have_count(0)
    page.locator(".item-comment button").click()
    expect(page.locator(".comment-status")).to_have_text("Thank you. Your comment was sent to the exam office.")
    comment = ItemComment.objects.get(attempt=exam.attempt)
    assert (comment.position, comment.text) == (1, "bad stem, please check")
    assert not Response.objects.filter(attempt=exam.attempt).exists()


def test_an_answer_given_offline_is_kept_and_reaches_the_server_when_the_connection_returns(
    page_as, live_server, exam, trainee
):
    page = _open(page_as, live_server, exam, trainee)
    page.context.set_offline(True)
    page.get_by_label("Hepatic artery").check()
    expect(page.locator("#exam-save")).to_have_attribute("data-state", "offline")
    expect(page.locator("#exam-offline")).to_contain_text("1")
    queued = json.loads(page.evaluate("(key) => localStorage.getItem(key)", _queue_key(page)))
    assert [(entry["position"], entry["answer"]) for entry in queued] == [(1, {"choice": "B"})]
    page.keyboard.press("n")
    page.keyboard.press(_label_of(page, "B").lower())
    assert not Response.objects.filter(attempt=exam.attempt).exists()

    page.context.set_offline(False)
    _saved(page)
    assert _answers(exam.attempt) == {1: {"choice": "B"}, 2: {"choices": ["B"]}}
    seqs = dict(Response.objects.filter(attempt=exam.attempt).values_list("position", "seq"))
    assert seqs[1] < seqs[2]  # resent in the order they were given
    expect(page.locator("#exam-offline")).to_be_hidden()
    assert AttemptEvent.objects.filter(attempt=exam.attempt, kind=AttemptEvent.Kind.OFFLINE).exists()


def test_the_countdown_runs_out_and_the_exam_is_submitted_automatically(page_as, live_server, exam, trainee):
    exam.sitting.grace_seconds = 0
    exam.sitting.save(update_fields=["grace_seconds"])
    Attempt.objects.filter(pk=exam.attempt.pk).update(deadline_at=timezone.now() + timedelta(seconds=6))
    page = _open(page_as, live_server, exam, trainee)
    page.get_by_label("Hepatic artery").check()
    expect(page.locator("#exam-alert")).to_have_text("1 minute remaining")
    expect(page.locator("#exam-timer")).to_have_attribute("data-level", "critical")

    expect(page.locator("#exam-receipt")).to_be_visible(timeout=20_000)
    expect(page.locator("#exam-receipt-note")).to_have_text(
        "Your exam was submitted automatically when the time ran out."
    )
    expect(page.locator("#exam-receipt-answered")).to_have_text("You have answered 1 of 7 questions.")
    attempt = Attempt.objects.get(pk=exam.attempt.pk)
    assert attempt.status == Attempt.Status.AUTO_SUBMITTED
    assert _answers(attempt) == {1: {"choice": "B"}}
    assert page.locator("#exam-receipt").inner_text().count("%") == 0  # no score before release


def test_the_review_screen_lists_unanswered_and_flagged_items_and_submitting_shows_a_receipt(
    page_as, live_server, exam, trainee
):
    page = _open(page_as, live_server, exam, trainee)
    page.get_by_label("Hepatic artery").check()
    page.keyboard.press("n")
    page.keyboard.press("f")
    _saved(page)

    page.locator("#exam-review-open").click()
    expect(page.locator("#exam-review")).to_be_visible()
    expect(page.locator("#exam-review-summary")).to_have_text("You have answered 1 of 7 questions.")
    expect(page.locator("#exam-review-unanswered-count")).to_have_text("6")
    expect(page.locator("#exam-review-flagged li")).to_have_text(["Question 2"])
    expect(page.locator("#exam-review-unanswered li").first).to_have_text("Question 2")

    # A jump back from the review, then submit with confirmation.
    page.locator("#exam-review-flagged button").click()
    expect(page.locator("#item-heading")).to_have_text("Question 2 of 7")
    page.locator("#exam-review-open").click()
    page.locator("#exam-submit").click()
    expect(page.locator("#exam-confirm")).to_be_visible()
    page.locator("#exam-confirm-cancel").click()
    assert Attempt.objects.get(pk=exam.attempt.pk).status == Attempt.Status.IN_PROGRESS
    page.locator("#exam-submit").click()
    page.locator("#exam-confirm-ok").click()

    expect(page.locator("#exam-receipt")).to_be_visible()
    expect(page.locator("#exam-receipt-answered")).to_have_text("You have answered 1 of 7 questions.")
    expect(page.locator("#exam-receipt-flagged")).to_have_text("1")
    assert Attempt.objects.get(pk=exam.attempt.pk).status == Attempt.Status.SUBMITTED


def test_a_case_set_moves_to_its_next_stage_and_locks_the_earlier_answers(page_as, live_server, exam, trainee):
    page = _open(page_as, live_server, exam, trainee)
    page.locator("#exam-grid .grid-cell").nth(5).click()
    expect(page.locator(".case-stage")).to_have_count(1)
    page.get_by_label("Transarterial chemoembolisation").check()
    page.locator(".case-next").click()
    expect(page.locator("#exam-confirm-text")).to_have_text(
        "Move on to the next stage? Your answers to this stage will be locked."
    )
    page.locator("#exam-confirm-ok").click()

    expect(page.locator(".case-stage")).to_have_count(2)
    expect(page.get_by_label("Transarterial chemoembolisation")).to_be_disabled()
    expect(page.get_by_label("Transarterial chemoembolisation")).to_be_checked()
    expect(page.locator(".case-next")).to_have_count(0)
    page.get_by_label("Post-embolisation syndrome").check()
    _saved(page)
    attempt = Attempt.objects.get(pk=exam.attempt.pk)
    assert attempt.case_stages["6"]["stage"] == 1
    assert attempt.case_stages["6"]["locked"] == {"q1": {"choice": "A"}}
    assert _answers(attempt)[6] == {"answers": {"q1": {"choice": "A"}, "q2": {"choice": "A"}}}


def test_an_image_opens_large_and_escape_closes_it(page_as, live_server, exam, trainee):
    page = _open(page_as, live_server, exam, trainee)
    page.locator("#exam-grid .grid-cell").nth(IMAGE_POSITION - 1).click()
    zoom = page.get_by_role("button", name=f"Enlarge image: {IMAGE_ALT}")
    expect(zoom).to_be_visible()
    assert page.locator(".item-media img").evaluate("img => img.complete && img.naturalWidth") == 320
    zoom.focus()
    page.keyboard.press("Enter")
    dialog = page.locator("#exam-zoom")
    expect(dialog).to_be_visible()
    expect(page.locator("#exam-zoom-caption")).to_have_text("Digital subtraction angiogram")
    page.keyboard.press("a")  # shortcuts are off while the image is open
    page.keyboard.press("Escape")
    expect(dialog).to_be_hidden()
    expect(zoom).to_be_focused()
    expect(page.locator("fieldset.question input:checked")).to_have_count(0)


def test_opening_the_exam_in_another_window_stops_saving_here_until_continue_here(page_as, live_server, exam, trainee):
    first = _open(page_as, live_server, exam, trainee)
    second = _open(page_as, live_server, exam, trainee)  # takes the attempt over
    second.close()

    first.get_by_label("Hepatic artery").check()
    expect(first.locator("#exam-blocker")).to_be_visible()
    expect(first.locator("#exam-blocker-title")).to_have_text(
        "This exam was opened in another window or on another computer."
    )
    assert not Response.objects.filter(attempt=exam.attempt).exists()

    first.locator("#exam-blocker-action").click()
    expect(first.locator("#exam-blocker")).to_be_hidden()
    _saved(first)
    assert _answers(exam.attempt) == {1: {"choice": "B"}}
    expect(first.get_by_label("Hepatic artery")).to_be_checked()


def test_a_pause_keeps_the_answer_in_the_browser_and_sends_it_when_the_proctor_resumes(
    page_as, live_server, exam, trainee, proctor
):
    page = _open(page_as, live_server, exam, trainee)
    attempt_services.attempt_pause(attempt=exam.attempt, by=proctor, reason="Fire alarm")

    page.get_by_label("Hepatic artery").check()
    expect(page.locator("#exam-blocker")).to_be_visible()
    expect(page.locator("#exam-blocker-title")).to_have_text("The proctor has paused your exam. Please wait.")
    expect(page.locator("#exam-blocker-action")).to_be_hidden()
    assert not Response.objects.filter(attempt=exam.attempt).exists()
    queued = json.loads(page.evaluate("(key) => localStorage.getItem(key)", _queue_key(page)))
    assert [entry["answer"] for entry in queued] == [{"choice": "B"}]

    attempt_services.attempt_unpause(attempt=Attempt.objects.get(pk=exam.attempt.pk), by=proctor, reason="All clear")
    expect(page.locator("#exam-blocker")).to_be_hidden(timeout=15_000)
    _saved(page)
    assert _answers(exam.attempt) == {1: {"choice": "B"}}
    expect(page.get_by_label("Hepatic artery")).to_be_checked()


def test_five_minutes_before_the_end_the_page_warns_once(page_as, live_server, exam, trainee):
    Attempt.objects.filter(pk=exam.attempt.pk).update(deadline_at=timezone.now() + timedelta(minutes=4))
    page = _open(page_as, live_server, exam, trainee)
    expect(page.locator("#exam-alert")).to_have_text("5 minutes remaining")
    expect(page.locator("#exam-timer")).to_have_attribute("data-level", "low")
    expect(page.locator("#exam-clock")).to_have_text(re.compile(r"^[34]:[0-5][0-9]$"))


def test_leaving_the_window_is_reported_once_per_burst(page_as, live_server, exam, trainee):
    page = _open(page_as, live_server, exam, trainee)
    with page.expect_response(lambda response: response.url.endswith("/events/")) as reported:
        page.evaluate("window.dispatchEvent(new Event('blur'))")
    assert reported.value.status == 204
    page.evaluate("window.dispatchEvent(new Event('blur')); window.dispatchEvent(new Event('blur'))")
    page.get_by_label("Hepatic artery").check()
    _saved(page)
    kinds = list(AttemptEvent.objects.filter(attempt=exam.attempt, kind=AttemptEvent.Kind.FOCUS_LOST))
    assert len(kinds) == 1


def test_neither_the_page_nor_any_response_it_loads_holds_a_key_or_an_explanation(page_as, live_server, exam, trainee):
    bodies: list[tuple[str, bytes]] = []
    page = page_as(trainee)
    page.on("response", lambda response: bodies.append((response.url, response.body())))
    page.goto(live_server.url + reverse("exams:exam_page", args=[exam.attempt.pk]))
    expect(page.locator("#item-heading")).to_be_visible()
    page.get_by_label("Hepatic artery").check()
    _saved(page)
    page.locator("#exam-grid .grid-cell").nth(5).click()
    page.get_by_label("Transarterial chemoembolisation").check()
    page.locator(".case-next").click()
    page.locator("#exam-confirm-ok").click()
    expect(page.locator(".case-stage")).to_have_count(2)
    html = page.content()
    page.locator("#exam-review-open").click()
    page.locator("#exam-submit").click()
    page.locator("#exam-confirm-ok").click()
    expect(page.locator("#exam-receipt")).to_be_visible()
    page.locator("#exam-receipt-link").click()
    page.wait_for_load_state()

    secrets = [SECRET_EXPLANATION, SECRET_REFERENCE, str(SECRET_DIFFICULTY)]
    texts = [("page", html), ("receipt page", page.content())]
    texts += [(url, body.decode("utf-8", "replace")) for url, body in bodies if not url.endswith(".png")]
    assert len(texts) > 8
    for where, text in texts:
        for secret in secrets:
            assert secret not in text, f"{secret!r} leaked in {where}"

    def walk(value, where):
        if isinstance(value, dict):
            for name, inner in value.items():
                assert name not in {"key", "explanation", "references", "correct", "difficulty_estimate"}, where
                walk(inner, where)
        elif isinstance(value, list):
            for inner in value:
                walk(inner, where)

    for url, body in bodies:
        if "/api/" in url and body:
            walk(json.loads(body), url)
