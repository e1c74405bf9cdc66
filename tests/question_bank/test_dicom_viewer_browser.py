"""The DICOM viewer in headless Chromium: scrolling, window/level, zoom, cine, errors.

Serves the static viewer files and synthetic series (question_bank.dicom) from a temporary
directory with Python's http.server, then drives dicom-viewer-demo.html with Playwright.
The gzip blob is served without Content-Encoding, so the viewer's DecompressionStream path runs.

Playwright runs in a worker thread: its sync API must not share a thread with any other
Playwright instance or event loop a plugin may have started.
"""

from __future__ import annotations

import functools
import http.server
import json
import shutil
import threading
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest

from question_bank.dicom import convert, load_series, synthesize_ct_phantom, synthesize_xa_cine

pytestmark = pytest.mark.browser

STATIC = Path(__file__).resolve().parents[2] / "question_bank" / "static" / "question_bank"
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")

try:
    import playwright.sync_api as playwright_api
except ImportError:  # pragma: no cover - depends on the environment
    playwright_api = None

if playwright_api is None:
    pytest.skip("Playwright is not installed (pip install playwright==1.65.2)", allow_module_level=True)
if CHROMIUM is None:
    pytest.skip("Chromium is not installed (apt-get install chromium)", allow_module_level=True)


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - the base class's name
        pass


def _write_series(directory: Path, converted) -> None:
    directory.mkdir(parents=True)
    (directory / "manifest.json").write_text(json.dumps(converted.manifest))
    (directory / "data.bin").write_bytes(converted.data)


@pytest.fixture(scope="module")
def site(tmp_path_factory) -> Iterator[str]:
    root = tmp_path_factory.mktemp("viewer-site")
    for name in ("dicom-viewer.js", "dicom-viewer.css", "dicom-viewer-demo.html"):
        shutil.copy(STATIC / name, root / name)
    ct = load_series([(f"{k}.dcm", f) for k, f in enumerate(synthesize_ct_phantom(n_slices=20, size=64))])
    _write_series(root / "ct", convert(ct, compress="gzip"))
    xa = load_series([("run.dcm", synthesize_xa_cine(frames=8, size=64, frame_rate=10))])
    _write_series(root / "xa", convert(xa))

    handler = functools.partial(_QuietHandler, directory=str(root))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/dicom-viewer-demo.html"
    finally:
        server.shutdown()
        server.server_close()


def _in_browser(scenario: Callable[[Any, Any], dict[str, Any]]) -> dict[str, Any]:
    """Run ``scenario(page, expect)`` in a fresh Chromium page on a worker thread; return its findings."""

    def run() -> dict[str, Any]:
        with playwright_api.sync_playwright() as p:
            browser = p.chromium.launch(executable_path=CHROMIUM)
            try:
                page = browser.new_page(viewport={"width": 800, "height": 900})
                errors: list[str] = []
                page.on("pageerror", lambda error: errors.append(str(error)))
                findings = scenario(page, playwright_api.expect)
                findings["page_errors"] = errors
                return findings
            finally:
                browser.close()

    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(run).result(timeout=120)


CANVAS_CHECKSUM = """() => {
  const c = document.querySelector('.dv-canvas');
  const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
  let sum = 0;
  for (let i = 0; i < d.length; i += 4) sum = (sum * 31 + d[i] + d[i + 1] * 7 + d[i + 2] * 13) % 1000000007;
  return sum;
}"""

CENTRE_GREY = """() => {
  const c = document.querySelector('.dv-canvas');
  return c.getContext('2d').getImageData(Math.floor(c.width / 2), Math.floor(c.height / 2), 1, 1).data[0];
}"""


def test_scrolling_and_windowing_change_the_canvas_pixels(site):
    def scenario(page, expect) -> dict[str, Any]:
        page.goto(f"{site}?manifest=ct/manifest.json&data=ct/data.bin")
        status = page.locator(".dv-status")
        expect(status).to_have_text("Slice 1/20 · W 400 L 40")
        seen: dict[str, Any] = {
            "status_live": status.get_attribute("aria-live"),
            "stage_tabindex": page.locator(".dv-stage").get_attribute("tabindex"),
            "button_labels": page.locator(".dv-button").evaluate_all("bs => bs.map(b => b.getAttribute('aria-label'))"),
            "first": page.evaluate(CANVAS_CHECKSUM),
            "first_centre": page.evaluate(CENTRE_GREY),
        }

        stage = page.locator(".dv-stage")
        stage.focus()
        for _ in range(5):
            page.keyboard.press("ArrowDown")
        expect(status).to_have_text("Slice 6/20 · W 400 L 40")
        seen["after_keys"] = page.evaluate(CANVAS_CHECKSUM)
        page.keyboard.press("End")
        expect(status).to_have_text("Slice 20/20 · W 400 L 40")
        page.keyboard.press("PageUp")
        expect(status).to_have_text("Slice 18/20 · W 400 L 40")
        page.keyboard.press("Home")
        expect(status).to_have_text("Slice 1/20 · W 400 L 40")
        seen["home"] = page.evaluate(CANVAS_CHECKSUM)

        box = stage.bounding_box()
        page.mouse.move(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
        page.mouse.wheel(0, 120)
        expect(status).to_have_text("Slice 2/20 · W 400 L 40")
        page.locator(".dv-slider").evaluate("s => { s.value = '9'; s.dispatchEvent(new Event('input')); }")
        expect(status).to_have_text("Slice 10/20 · W 400 L 40")
        page.keyboard.press("Home")
        expect(status).to_have_text("Slice 1/20 · W 400 L 40")

        page.get_by_role("button", name="Lung").click()
        expect(status).to_have_text("Slice 1/20 · W 1500 L -600")
        seen["lung"] = page.evaluate(CANVAS_CHECKSUM)
        seen["lung_centre"] = page.evaluate(CENTRE_GREY)
        seen["lung_pressed"] = page.get_by_role("button", name="Lung").get_attribute("aria-pressed")

        x, y = box["x"] + box["width"] / 2, box["y"] + box["height"] / 2
        page.mouse.move(x, y)
        page.mouse.down(button="right")
        page.mouse.move(x - 150, y + 40, steps=5)
        page.mouse.up(button="right")
        page.wait_for_timeout(300)
        seen["dragged_status"] = status.text_content()
        seen["dragged"] = page.evaluate(CANVAS_CHECKSUM)

        stage.focus()
        page.keyboard.press("r")
        expect(status).to_have_text("Slice 1/20 · W 400 L 40")
        seen["reset"] = page.evaluate(CANVAS_CHECKSUM)

        page.get_by_role("button", name="Zoom in").click()
        expect(status).to_have_text("Slice 1/20 · W 400 L 40 · Zoom 125%")
        seen["zoomed"] = page.evaluate(CANVAS_CHECKSUM)
        return seen

    seen = _in_browser(scenario)

    assert seen["page_errors"] == []
    assert seen["status_live"] == "polite"
    assert seen["stage_tabindex"] == "0"
    assert all(seen["button_labels"]), "every button has an aria-label"
    assert seen["after_keys"] != seen["first"], "another slice shows other pixels"
    assert seen["home"] == seen["first"]
    assert 100 <= seen["first_centre"] <= 155, "soft tissue (~40 HU) is mid-grey in a 40/400 window"
    assert seen["lung"] != seen["first"]
    assert seen["lung_centre"] >= 215, "soft tissue is near-white in a -600/1500 window"
    assert seen["lung_pressed"] == "true"
    assert seen["dragged_status"] != "Slice 1/20 · W 1500 L -600"
    assert seen["dragged"] != seen["lung"]
    assert seen["reset"] == seen["first"]
    assert seen["zoomed"] != seen["first"]


def test_a_cine_plays_and_pauses_with_the_space_bar(site):
    def scenario(page, expect) -> dict[str, Any]:
        page.goto(f"{site}?manifest=xa/manifest.json&data=xa/data.bin")
        status = page.locator(".dv-status")
        expect(status).to_have_text("Frame 1/8 · W 256 L 128")
        seen: dict[str, Any] = {"first": page.evaluate(CANVAS_CHECKSUM)}
        page.locator(".dv-stage").focus()
        page.keyboard.press(" ")
        seen["pressed"] = page.locator(".dv-play").get_attribute("aria-pressed")
        expect(status).not_to_have_text("Frame 1/8 · W 256 L 128", timeout=3000)
        page.keyboard.press(" ")
        page.wait_for_timeout(300)
        seen["paused_status"] = status.text_content()
        page.wait_for_timeout(400)
        seen["still_status"] = status.text_content()
        seen["paused"] = page.evaluate(CANVAS_CHECKSUM)
        seen["live_after_pause"] = status.get_attribute("aria-live")
        seen["play_label"] = page.locator(".dv-play").get_attribute("aria-label")
        seen["presets"] = page.locator(".dv-preset").evaluate_all("bs => bs.map(b => b.textContent)")
        return seen

    seen = _in_browser(scenario)

    assert seen["page_errors"] == []
    assert seen["pressed"] == "true"
    assert seen["paused_status"] == seen["still_status"], "nothing moves once paused"
    assert seen["paused_status"].startswith("Frame ")
    assert seen["live_after_pause"] == "polite"
    assert seen["play_label"] == "Play cine"
    assert seen["presets"] == ["Angio / DSA"]


def test_a_missing_series_shows_the_translated_error(site):
    def scenario(page, expect) -> dict[str, Any]:
        page.goto(f"{site}?manifest=missing/manifest.json&data=missing/data.bin")
        status = page.locator(".dv-status")
        expect(status).to_have_text("The images could not be loaded.")
        return {"role": status.get_attribute("role")}

    seen = _in_browser(scenario)
    assert seen["role"] == "alert"


def test_a_region_of_interest_is_outlined_on_its_frame_only(site):
    """The explanation's ROI (data-roi): a yellow outline on its frame; other frames are plain grey."""

    def scenario(page, expect) -> dict[str, Any]:
        page.goto(f"{site}?manifest=ct/manifest.json&data=ct/data.bin")
        expect(page.locator("#viewer.dv-loaded")).to_be_visible()
        page.evaluate(
            """() => {
              const host = document.createElement('div');
              host.id = 'roi-viewer';
              host.dataset.manifestUrl = 'ct/manifest.json';
              host.dataset.dataUrl = 'ct/data.bin';
              host.dataset.initialFrame = '3';
              host.dataset.roi = JSON.stringify({ frame: 3, x: 8, y: 8, width: 40, height: 40 });
              document.querySelector('main').append(host);
              new window.DicomViewer(host);
            }"""
        )
        expect(page.locator("#roi-viewer.dv-loaded")).to_be_visible()
        count_yellow = """() => {
          const c = document.querySelector('#roi-viewer .dv-canvas');
          const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
          let n = 0;
          for (let i = 0; i < d.length; i += 4) if (d[i] > 200 && d[i + 1] > 150 && d[i + 2] < 80) n++;
          return n;
        }"""
        seen = {"on_frame": page.evaluate(count_yellow)}
        page.locator("#roi-viewer .dv-stage").focus()
        page.keyboard.press("ArrowDown")
        expect(page.locator("#roi-viewer .dv-status")).to_have_text("Slice 5/20 · W 400 L 40")
        seen["other_frame"] = page.evaluate(count_yellow)
        return seen

    seen = _in_browser(scenario)
    assert seen["page_errors"] == []
    assert seen["on_frame"] > 100, "the outline is drawn"
    assert seen["other_frame"] == 0
