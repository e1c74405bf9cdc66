"""A 200-slice 512×512 CT in the candidate's exam page: time to first render and scrolling frame time.

Run: ``python -m bench.dicom_page_bench [--slices 200] [--size 512] [--runs 3]``. Needs Playwright and
Chromium (as the browser tests do). Prints figures; the issue's target is a first render under 2 s on
the loopback server.

What it does: a throw-away SQLite database and media folder in a temporary directory (``VAR_DIR``) →
migrate → a sitting with the test delivery fixtures and a synthetic CT uploaded through the real
service (de-identified, converted once, gzip) as the first item → the trainee's attempt → Django's live
server thread on 127.0.0.1 (static files from the finders) → headless Chromium signed in as the
trainee opens the exam page:

* cold cache: navigation start → the viewer's ``dicomviewer:firstrender`` (the initial slice painted;
  the blob streams in and the viewer paints as soon as that slice's bytes are in) and
  → ``dicomviewer:ready`` (every slice received), with an empty browser cache;
* warm cache: the same page reloaded (the blob is immutable, so the browser may reuse it);
* scrolling: every slice rendered in turn, one per animation frame (frame interval, ms) and the
  synchronous cost of one slice change (window LUT + paint + draw, ms).
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

READY_SCRIPT = """() => new Promise((resolve) => {
  // navigation start → first slice painted, and → every slice received (performance.now() is relative to it)
  const times = {};
  const check = () => { if (times.first !== undefined && times.all !== undefined) resolve(times); };
  const rendered = document.querySelector('#exam-item .dicom-viewer.dv-rendered');
  const loaded = document.querySelector('#exam-item .dicom-viewer.dv-loaded');
  if (rendered) times.first = -1;
  if (loaded) times.all = -1;
  document.addEventListener('dicomviewer:firstrender', () => { times.first = performance.now(); check(); },
    { capture: true, once: true });
  document.addEventListener('dicomviewer:ready', () => { times.all = performance.now(); check(); },
    { capture: true, once: true });
  check();
})"""

TIMELINE_SCRIPT = """() => {
  const nav = performance.getEntriesByType('navigation')[0];
  const rows = [['html', nav.responseEnd], ['DOMContentLoaded', nav.domContentLoadedEventEnd]];
  for (const r of performance.getEntriesByType('resource')) {
    rows.push([r.name.replace(location.origin, ''), r.startTime, r.responseEnd]);
  }
  return rows.map((r) => r[0] + ' ' + r.slice(1).map((v) => v.toFixed(0)).join('–') + ' ms').join('\\n');
}"""

SCROLL_SCRIPT = """(count) => new Promise((resolve) => {
  const viewer = document.querySelector('#exam-item [data-dicom-viewer]').dicomViewer;
  viewer.setFrame(0);
  const sync = [];
  for (let i = 1; i < count; i++) {
    const t = performance.now();
    viewer.setFrame(i);
    sync.push(performance.now() - t);
  }
  viewer.setFrame(0);
  const intervals = [];
  let index = 0;
  let last = performance.now();
  const tick = (now) => {
    intervals.push(now - last);
    last = now;
    index += 1;
    viewer.setFrame(index);
    if (index < count - 1) requestAnimationFrame(tick);
    else resolve({ sync, intervals: intervals.slice(1) });
  };
  requestAnimationFrame(tick);
})"""


def _percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(p / 100 * (len(ordered) - 1))))]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--slices", type=int, default=200)
    parser.add_argument("--size", type=int, default=512)
    parser.add_argument("--verbose", action="store_true", help="print the cold load's resource timeline")
    parser.add_argument("--runs", type=int, default=3, help="cold page loads to time (warm loads: the same)")
    args = parser.parse_args()

    chromium = shutil.which("chromium") or shutil.which("chromium-browser")
    if chromium is None:
        sys.exit("Chromium is not installed (apt-get install chromium).")
    from playwright.sync_api import sync_playwright

    workdir = Path(tempfile.mkdtemp(prefix="irexam-dicom-bench-"))
    os.environ["VAR_DIR"] = str(workdir)
    os.environ["MEDIA_ROOT"] = str(workdir / "media")
    os.environ.pop("DATABASE_URL", None)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "irexam.settings")
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    from django.conf import settings
    from django.contrib.staticfiles.handlers import StaticFilesHandler
    from django.core.management import call_command
    from django.test import Client
    from django.test.testcases import LiveServerThread
    from django.urls import reverse

    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    settings.ALLOWED_HOSTS = ["127.0.0.1", "localhost"]
    try:
        started = time.perf_counter()
        call_command("migrate", verbosity=0)
        print(f"{'migrate (setup)':<48} {time.perf_counter() - started:7.2f} s")

        from accounts.roles import Role
        from exams.services.attempts import attempt_start
        from question_bank.services_dicom import dicom_series_upload
        from tests.exams.conftest import build_delivery
        from tests.factories import UserFactory
        from tests.question_bank.dicom_data import add_dicom_item, ct_files

        trainee = UserFactory(username="bench_trainee", roles=[Role.TRAINEE])
        other = UserFactory(username="bench_other", roles=[Role.TRAINEE])
        officer = UserFactory(username="bench_officer", roles=[Role.OFFICER])
        instructor = UserFactory(username="bench_instructor", roles=[Role.INSTRUCTOR])
        delivery = build_delivery(candidate=trainee, other_candidate=other, officer=officer)

        files = ct_files(args.slices, args.size)
        megabytes = sum(len(d) for _n, d in files) / 1e6
        print(f"Synthetic CT: {args.slices} slices of {args.size}×{args.size}, {megabytes:.1f} MB")
        started = time.perf_counter()
        series = dicom_series_upload(files=files, by=instructor)
        print(f"{'upload (load, de-identify, convert, store)':<48} {time.perf_counter() - started:7.2f} s")
        raw = series.manifest["data_bytes"] / 1e6
        print(f"{'stored blob (gzip)':<48} {series.media.size / 1e6:7.1f} MB of {raw:.1f} MB")
        # First in the form: the exam page opens on it.
        from django.db.models import F

        from exams.models import FormItem

        FormItem.objects.filter(form=delivery.form).update(position=F("position") + 100)
        add_dicom_item(delivery, series, position=1, window="soft_tissue", initial_frame=args.slices // 2)
        for offset, item in enumerate(
            FormItem.objects.filter(form=delivery.form, position__gt=100).order_by("position")
        ):
            item.position = offset + 2
            item.save(update_fields=["position"])
        from exams.delivery import layout_entry

        delivery.form.layout = [
            layout_entry(fi.position, fi.version.content)
            for fi in FormItem.objects.filter(form=delivery.form).select_related("version").order_by("position")
        ]
        delivery.form.save(update_fields=["layout"])
        attempt, _created = attempt_start(registration=delivery.registration, paper=delivery.paper)

        client = Client()
        client.force_login(trainee)
        session = client.cookies[settings.SESSION_COOKIE_NAME].value

        server = LiveServerThread("127.0.0.1", StaticFilesHandler, port=0)
        server.daemon = True
        server.start()
        server.is_ready.wait()
        if server.error:
            raise server.error
        base = f"http://127.0.0.1:{server.port}"
        url = base + reverse("exams:exam_page", args=[attempt.pk])
        try:
            with sync_playwright() as p:
                browser = p.chromium.launch(executable_path=chromium)
                cold, warm = [], []
                scroll = None
                for run in range(args.runs):
                    context = browser.new_context(viewport={"width": 1366, "height": 900})
                    context.add_cookies(
                        [
                            {"name": settings.SESSION_COOKIE_NAME, "value": session, "url": base},
                            {"name": settings.LANGUAGE_COOKIE_NAME, "value": "en", "url": base},
                        ]
                    )
                    page = context.new_page()
                    page.set_default_timeout(60_000)
                    page.goto(url, wait_until="commit")
                    cold.append(page.evaluate(READY_SCRIPT))
                    if args.verbose:
                        print(page.evaluate(TIMELINE_SCRIPT))
                    page.reload(wait_until="commit")
                    warm.append(page.evaluate(READY_SCRIPT))
                    if run == 0:
                        page.locator("#exam-item .dv-stage").focus()
                        scroll = page.evaluate(SCROLL_SCRIPT, args.slices)
                    context.close()
                browser.close()
        finally:
            server.terminate()
    finally:
        shutil.rmtree(workdir, ignore_errors=True)

    for label, runs in (("cold cache", cold), ("warm cache", warm)):
        for key, what in (("first", "first slice painted"), ("all", "every slice received")):
            values = [run[key] / 1000 for run in runs]
            name = f"{what}, {label} (median of {len(values)})"
            print(f"{name:<48} {statistics.median(values):7.2f} s   runs: {', '.join(f'{v:.2f}' for v in values)}")
    if scroll:
        sync, intervals = scroll["sync"], scroll["intervals"]
        label = "slice change, synchronous (mean / p95)"
        print(f"{label:<48} {statistics.mean(sync):7.2f} ms / {_percentile(sync, 95):.2f} ms")
        fps = 1000 / statistics.mean(intervals)
        print(
            f"{'scrolling one slice per frame (mean / p95)':<48} {statistics.mean(intervals):7.2f} ms / "
            f"{_percentile(intervals, 95):.2f} ms ({fps:.0f} frames/s)"
        )
    target = statistics.median(run["first"] for run in cold) < 2000
    print(f"target (first render < 2 s, cold): {'met' if target else 'NOT met'}")


if __name__ == "__main__":
    main()
