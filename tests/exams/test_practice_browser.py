"""A tutor-mode practice session in headless Chromium (exams/static/exams/practice.js).

The page must not hold the key or the explanation before the answer is saved: choosing an option
(mouse or keyboard) only selects it; "Check answer" saves it, and only after the save is
acknowledged does the page ask for the feedback and show it.
"""

from __future__ import annotations

import pytest
from django.urls import reverse

from exams.models import PracticeItem
from exams.services.practice import practice_session_start
from tests.exams.practice_data import PRACTICE_SECRET, make_item

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]

playwright_api = pytest.importorskip("playwright.sync_api", reason="Playwright is not installed")
expect = playwright_api.expect


def test_a_tutor_session_shows_the_feedback_only_after_the_save(page_as, live_server, trainee):
    make_item(n=1)
    make_item(n=2)
    session = practice_session_start(trainee=trainee, mode="tutor", count=2, seed=1)
    page = page_as(trainee)
    log: list[tuple[str, str, int | None]] = []
    bodies: list[str] = []
    page.on("request", lambda r: log.append(("request", r.method + " " + r.url, None)))

    def on_response(response):
        log.append(("response", response.request.method + " " + response.url, response.status))
        if "/api/" in response.url:
            bodies.append(response.text())

    page.on("response", on_response)
    page.goto(live_server.url + reverse("exams:practice_session", args=[session.pk]))
    expect(page.locator("#practice-item .option")).to_have_count(4)
    expect(page.locator("#practice-check")).to_be_disabled()
    assert PRACTICE_SECRET not in page.content()

    # Choose by keyboard (the exam page's keys): selected, not saved, no feedback.
    page.locator("#practice-heading").focus()
    page.keyboard.press("a")
    expect(page.locator("#practice-item input[data-label='A']")).to_be_checked()
    expect(page.locator("#practice-check")).to_be_enabled()
    page.wait_for_timeout(300)
    expect(page.locator("#practice-feedback")).to_be_hidden()
    first = PracticeItem.objects.get(session=session, position=1)
    assert first.seq == 0 and first.correct is None
    assert not any("/feedback/" in url for _kind, url, _status in log)
    assert not any(PRACTICE_SECRET in body for body in bodies)

    page.locator("#practice-check").click()
    feedback = page.locator("#practice-feedback")
    expect(feedback).to_be_visible()
    expect(feedback).to_contain_text(PRACTICE_SECRET)
    key_option = page.locator("#practice-item .option.is-key")
    expect(key_option).to_have_count(1)
    assert key_option.get_attribute("data-option") == "B"  # the canonical key, shown by its display label
    expect(feedback.locator(".feedback-key")).to_contain_text(key_option.locator(".option-label").inner_text())
    expect(page.locator("#practice-item input[data-label='B']")).to_be_disabled()  # answered: final
    expect(page.locator("#practice-check")).to_be_hidden()

    first.refresh_from_db()
    assert first.seq >= 1 and first.correct is (first.answer["choice"] == "B")
    saved = next(
        i
        for i, (kind, url, status) in enumerate(log)
        if kind == "response" and url.startswith("PUT ") and status == 200
    )
    asked = next(i for i, (kind, url, _status) in enumerate(log) if kind == "request" and "/feedback/" in url)
    assert saved < asked  # the feedback was requested only after the save was acknowledged

    # Next question: no feedback until its own answer is saved.
    page.keyboard.press("n")
    expect(page.locator("#practice-heading")).to_contain_text("2")
    expect(feedback).to_be_hidden()


def test_a_simulation_autosaves_keeps_answers_across_a_reload_and_scores_at_the_end(page_as, live_server, trainee):
    make_item(n=1)
    make_item(n=2)
    session = practice_session_start(trainee=trainee, mode="simulation", count=2, seed=2)
    page = page_as(trainee)
    page.on("dialog", lambda dialog: dialog.accept())
    page.goto(live_server.url + reverse("exams:practice_session", args=[session.pk]))
    expect(page.locator("#practice-timer")).to_be_visible()
    expect(page.locator("#practice-check")).to_be_hidden()
    page.locator("#practice-heading").focus()
    page.keyboard.press("b")
    expect(page.locator("#practice-save")).to_have_attribute("data-state", "saved")
    expect(page.locator("#practice-feedback")).to_be_hidden()
    item = PracticeItem.objects.get(session=session, position=1)
    chosen = page.locator("#practice-item input:checked").get_attribute("value")
    assert item.seq >= 1 and item.answer["choice"] == chosen
    page.reload()
    expect(page.locator("#practice-heading")).to_contain_text("2")  # the page opens on the first open question
    expect(page.locator("#practice-item input:checked")).to_have_count(0)
    page.locator("#practice-grid button").first.click()
    expect(page.locator("#practice-item input:checked")).to_have_count(1)
    page.locator("#practice-finish").click()
    expect(page.locator("#practice-summary")).to_be_visible()
    expect(page.locator("#practice-feedback")).to_be_visible()  # the end: feedback for every question
    assert PracticeItem.objects.filter(session=session, correct__isnull=True).count() == 0
