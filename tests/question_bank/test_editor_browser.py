"""The question editor in headless Chromium (question_bank/static/question_bank/editor.js).

What only a browser shows: the structured editor writes the content JSON the form submits, the
live preview follows the typing and never shows the key, the server's problems appear next to the
field they concern, and objectives follow the technique area. Playwright runs on a worker thread,
so the test thread keeps a plain database connection.
"""

from __future__ import annotations

import json
import shutil
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest
from django.conf import settings
from django.urls import reverse

from question_bank.models import Question
from tests.question_bank.bank_helpers import area

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]

playwright_api = pytest.importorskip("playwright.sync_api", reason="Playwright is not installed")
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser") or ""


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def _in_browser(live_server, client, user, scenario: Callable[[Any, Any, str], dict[str, Any]]) -> dict[str, Any]:
    """Run ``scenario(page, expect, base_url)`` signed in as ``user`` (English pages) on a worker thread."""
    client.force_login(user)
    session = client.cookies[settings.SESSION_COOKIE_NAME].value

    def run() -> dict[str, Any]:
        with playwright_api.sync_playwright() as p:
            browser = p.chromium.launch(executable_path=CHROMIUM)
            try:
                context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="en-US")
                context.add_cookies(
                    [
                        {"name": settings.SESSION_COOKIE_NAME, "value": session, "url": live_server.url},
                        {"name": settings.LANGUAGE_COOKIE_NAME, "value": "en", "url": live_server.url},
                    ]
                )
                context.set_default_timeout(10_000)
                page = context.new_page()
                errors: list[str] = []
                page.on("pageerror", lambda error: errors.append(str(error)))
                page.on("dialog", lambda dialog: dialog.accept())
                findings = scenario(page, playwright_api.expect, live_server.url)
                findings["page_errors"] = errors
                context.close()
                return findings
            finally:
                browser.close()

    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(run).result(timeout=120)


def test_the_editor_builds_the_content_shows_a_live_preview_without_the_key_and_saves(live_server, client, instructor):
    def scenario(page, expect, base) -> dict[str, Any]:
        page.goto(base + reverse("question_bank:create") + "?type=sba")
        editor = page.locator("#content-editor")
        editor.locator('[data-path="stem"]').fill("A 65-year-old man has a 5 cm hepatocellular carcinoma.")
        editor.locator('[data-path="lead_in"]').fill("Which artery usually supplies the tumour?")
        for index, text in enumerate(["Hepatic artery", "Portal vein", "Hepatic vein", "Inferior phrenic vein"]):
            editor.locator(f'[data-path="options[{index}].text"]').fill(text)
        editor.locator('input[aria-label="Correct answer A"]').check()
        editor.locator('[data-path="explanation"]').fill("HCC is supplied mainly by the hepatic artery.")
        preview = page.locator("#preview-pane")
        expect(preview).to_contain_text("Which artery usually supplies the tumour?")
        expect(preview).to_contain_text("Inferior phrenic vein")
        expect(page.locator("#preview-status")).to_have_text("Preview up to date.")
        findings = {
            "preview_html": preview.inner_html(),
            "json": json.loads(page.locator("textarea[name=content]").input_value()),
        }
        # a problem the server finds shows next to the option it concerns
        editor.locator('[data-path="options[3].text"]').fill("")
        problem = editor.locator('[data-path="options[3].text"] + .field-error')
        expect(problem).to_contain_text("must not be empty")
        findings["invalid"] = editor.locator('[data-path="options[3].text"]').get_attribute("aria-invalid")
        editor.locator('[data-path="options[3].text"]').fill("Inferior phrenic vein")
        expect(problem).to_have_count(0)
        # remove the last option: the key and ids stay consistent
        editor.locator(".ce-row").nth(3).locator('button[aria-label="Remove"]').click()
        findings["after_remove"] = json.loads(page.locator("textarea[name=content]").input_value())
        page.select_option("select[name=area]", label=None, index=1)
        page.locator("#question-form button[type=submit]").click()
        expect(page.locator("h1")).to_contain_text("Q-")
        return findings

    findings = _in_browser(live_server, client, instructor, scenario)
    assert findings["page_errors"] == []
    assert "hepatic artery." not in findings["preview_html"]  # the explanation never reaches the preview
    assert "checked" not in findings["preview_html"]  # nor the key
    assert findings["json"]["key"] == ["A"]
    assert findings["json"]["options"][0] == {"id": "A", "text": "Hepatic artery"}
    assert findings["invalid"] == "true"
    assert [o["id"] for o in findings["after_remove"]["options"]] == ["A", "B", "C"]
    question = Question.objects.get()
    assert question.latest_version.content["key"] == ["A"]
    assert question.latest_version.content["lead_in"] == "Which artery usually supplies the tumour?"


def test_objectives_follow_the_technique_area(live_server, client, instructor):
    tace = area("TACE")

    def scenario(page, expect, base) -> dict[str, Any]:
        page.goto(base + reverse("question_bank:create"))
        page.select_option("select[name=area]", value=str(tace.pk))
        visible = page.locator(".objective-list input[data-area]:visible")
        expect(visible.first).to_be_visible()
        return {"areas": sorted(set(visible.evaluate_all("inputs => inputs.map(i => i.dataset.area)")))}

    findings = _in_browser(live_server, client, instructor, scenario)
    assert findings["page_errors"] == []
    assert findings["areas"] == [str(tace.pk)]
