"""A DICOM item in the candidate's exam page (headless Chromium): the viewer starts on the instructor's
initial slice and window, scrolls to another slice and changes window/level, and the canvas pixels
change accordingly; the page holds no DICOM header value.

Data: the delivery fixtures of tests/exams/conftest.py plus a synthetic CT series (identified on
purpose before upload) at position 7, served by the live server through the real DICOM endpoints.
"""

from __future__ import annotations

import re

import pytest
from django.urls import reverse

from exams.services import attempts as attempt_services
from exams.services.attempts import attempt_start
from tests.exams.conftest import browser, build_delivery, page_as  # noqa: F401 - fixtures used by name
from tests.question_bank.dicom_data import HEADER_VALUES, add_dicom_item, upload_ct

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]

playwright_api = pytest.importorskip("playwright.sync_api", reason="Playwright is not installed")
expect = playwright_api.expect

CANVAS_CHECKSUM = """() => {
  const c = document.querySelector('#exam-item .dv-canvas');
  const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
  let sum = 0;
  for (let i = 0; i < d.length; i += 4) sum = (sum * 31 + d[i] + d[i + 1] * 7 + d[i + 2] * 13) % 1000000007;
  return sum;
}"""


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def exam(trainee, other_trainee, officer, proctor):
    attempt_services._LAYOUT_CACHE.clear()
    attempt_services._GRACE_CACHE.clear()
    delivery = build_delivery(candidate=trainee, other_candidate=other_trainee, officer=officer, proctor=proctor)
    series = upload_ct(n_slices=12, size=64)
    add_dicom_item(delivery, series, window="soft_tissue", initial_frame=5)
    delivery.attempt, _created = attempt_start(registration=delivery.registration, paper=delivery.paper)
    return delivery


def test_the_exam_page_viewer_scrolls_and_windows_and_the_canvas_changes(page_as, live_server, exam, trainee):  # noqa: F811
    page = page_as(trainee, "en")
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    responses: list[str] = []
    page.on(
        "response",
        lambda r: (
            responses.append(r.text())
            if r.ok and ("/dicom/manifest/" in r.url or "/attempts/" in r.url) and r.request.method == "GET"
            else None
        ),
    )
    page.goto(live_server.url + reverse("exams:exam_page", args=[exam.attempt.pk]))
    expect(page.locator("#item-heading")).to_be_visible()
    page.locator("#exam-grid .grid-cell").nth(6).click()
    expect(page.locator("#item-heading")).to_have_text("Question 7 of 7")

    viewer = page.locator("#exam-item .dicom-viewer")
    expect(viewer).to_have_class(re.compile(r"\bdv-loaded\b"))
    status = viewer.locator(".dv-status")
    expect(status).to_have_text("Slice 6/12 · W 400 L 40")  # the instructor's initial slice and window
    first = page.evaluate(CANVAS_CHECKSUM)

    viewer.locator(".dv-stage").focus()
    page.keyboard.press("ArrowDown")
    page.keyboard.press("ArrowDown")
    expect(status).to_have_text("Slice 8/12 · W 400 L 40")
    expect(page.locator("#item-heading")).to_have_text("Question 7 of 7")  # the keys stayed in the viewer
    scrolled = page.evaluate(CANVAS_CHECKSUM)

    viewer.get_by_role("button", name="Bone").click()
    expect(status).to_have_text("Slice 8/12 · W 1800 L 400")
    windowed = page.evaluate(CANVAS_CHECKSUM)

    box = viewer.locator(".dv-stage").bounding_box()
    x, y = box["x"] + box["width"] / 2, box["y"] + box["height"] / 2
    page.mouse.move(x, y)
    page.mouse.down(button="right")
    page.mouse.move(x - 120, y + 60, steps=5)
    page.mouse.up(button="right")
    expect(status).not_to_have_text("Slice 8/12 · W 1800 L 400")
    dragged = page.evaluate(CANVAS_CHECKSUM)

    assert scrolled != first, "another slice shows other pixels"
    assert windowed != scrolled, "another window shows other pixels"
    assert dragged != windowed, "dragging the window/level changes the pixels"
    assert errors == []
    page_text = page.content() + "".join(responses)
    for value in HEADER_VALUES:
        assert value not in page_text, value


def test_the_item_page_starts_the_viewer_and_outlines_the_region_of_interest(
    page_as,  # noqa: F811 - the fixture imported above
    live_server,
    exam,
    instructor,
):
    from question_bank.models import DicomSeries
    from tests.question_bank.dicom_data import ROI_MARKER, dicom_content

    series = DicomSeries.objects.get()
    question = exam.versions[7].question
    version = exam.versions[7]
    content = dicom_content(series, window="soft_tissue", initial_frame=5, roi=ROI_MARKER)
    type(version).objects.filter(pk=version.pk).update(content=content)  # test data: bypass the frozen check

    page = page_as(instructor, "en")
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.goto(live_server.url + reverse("question_bank:detail", args=[question.pk]))
    viewers = page.locator(".dicom-viewer.dv-loaded")
    expect(viewers).to_have_count(2)  # the candidate preview and the key card's region of interest
    expect(viewers.nth(0).locator(".dv-status")).to_have_text("Slice 6/12 · W 400 L 40")
    expect(viewers.nth(1).locator(".dv-status")).to_have_text("Slice 3/12 · W 400 L 40")
    assert errors == []
