"""Officer reports of a sitting: page, JSON, SVG charts with the cut line, CSV/XLSX exports, pass rates."""

from __future__ import annotations

import csv
import io

import pytest
from defusedxml import ElementTree as ET
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from openpyxl import load_workbook

from accounts.models import User
from exams.models import CutScore
from exams.services import reports
from exams.services.scoring import scoring_job_start
from tests.exams.scoring_data import build_scoring_sitting, build_simulated_sitting
from tests.exams.test_reports import score
from tests.factories import OrganizationFactory

pytestmark = pytest.mark.django_db
SVG = "{http://www.w3.org/2000/svg}"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@pytest.fixture(autouse=True)
def _clear_cache():
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def released(officer, django_capture_on_commit_callbacks):
    built = build_scoring_sitting(officer=officer)
    shanghai = OrganizationFactory(code="centre-sh", name_zh="上海基地", name_en="Shanghai centre", province="SH")
    User.objects.filter(pk__in=[built.candidates["c1"].pk, built.candidates["c2"].pk]).update(organization=shanghai)
    score(built, officer, django_capture_on_commit_callbacks)
    return built


@pytest.fixture
def simulated(officer, django_capture_on_commit_callbacks):
    """60 Rasch-simulated candidates: enough for a calibration, so scaled scores exist."""
    sitting, paper, _forms, _versions = build_simulated_sitting(officer=officer, n_candidates=60)
    CutScore.objects.create(sitting=sitting, paper=paper, method="fixed", percent=50, decided_by=officer)
    with django_capture_on_commit_callbacks(execute=True):
        scoring_job_start(sitting=sitting, by=officer)
    return sitting


def url(name: str, sitting, *args) -> str:
    return reverse(name, args=[sitting.pk, *args])


def svg_root(response):
    assert response.status_code == 200
    assert response["Content-Type"].startswith("image/svg+xml")
    return ET.fromstring(response.content)


def ids(root) -> set[str]:
    return {element.get("id") for element in root.iter() if element.get("id")}


# --- data --------------------------------------------------------------------------------------


def test_the_report_data_has_counts_items_areas_and_pass_rates(released, api_as, officer):
    data = api_as(officer).get(url("api:sitting_report", released.sitting)).json()
    assert data["n_candidates"] == 5 and data["pass_count"] == 2  # c1 and c4
    assert data["scores"]["cut_percent"] == 60.0
    assert sorted(data["scores"]["percent"]) == pytest.approx(sorted([100, 100 * 13 / 24, 25, 100 * 22 / 24, 12.5]))
    assert len(data["items"]) == 8
    assert {a["code"]: round(a["mean"], 2) for a in data["areas"]} == {
        "TACE": round((100 + 100 * 5 / 12 + 50 + 100 * 11 / 12 + 25) / 5, 2),
        "ANEU": round((100 + 200 / 3 + 100) / 5, 2),
        "CORE-ACC": round((100 + 400 / 3) / 5, 2),
    }
    centres = {row["code"]: (row["n"], row["passed"]) for row in data["centres"]}
    assert centres["centre-sh"] == (2, 1)  # c1 passed, c2 failed
    provinces = {row["code"]: (row["n"], row["passed"], row["pass_rate"]) for row in data["provinces"]}
    assert provinces == {"SH": (2, 1, 50.0), "BJ": (3, 1, pytest.approx(100 / 3))}


def test_an_unscored_sitting_has_no_report(officer, api_as, client_as):
    built = build_scoring_sitting(officer=officer)
    assert api_as(officer).get(url("api:sitting_report", built.sitting)).status_code == 404
    assert client_as(officer).get(url("exams:sitting_report", built.sitting)).status_code == 404
    assert client_as(officer).get(url("exams:sitting_report_chart", built.sitting, "scores")).status_code == 404


@pytest.mark.parametrize("persona", ["trainee", "instructor", "proctor"])
def test_only_officers_reach_the_reports(released, persona, request, api_as, client_as):
    user = request.getfixturevalue(persona)
    sitting = released.sitting
    assert api_as(user).get(url("api:sitting_report", sitting)).status_code == 403
    assert api_as(user).get(url("api:sitting_report_export", sitting, "results", "csv")).status_code == 403
    assert api_as(user).get(url("api:sitting_report_chart", sitting, "scores")).status_code == 403
    for page in (
        url("exams:sitting_report", sitting),
        url("exams:sitting_report_chart", sitting, "scores"),
        url("exams:sitting_report_export", sitting, "results", "xlsx"),
    ):
        assert client_as(user).get(page).status_code == 403


def test_a_candidate_of_the_sitting_cannot_export_it(released, api_as):
    assert api_as(released.candidates["c1"]).get(url("api:sitting_report", released.sitting)).status_code == 403


# --- page and charts ---------------------------------------------------------------------------


def test_the_report_page_links_charts_and_exports_and_the_scoring_pages_link_to_it(released, client_as, officer):
    body = client_as(officer).get(url("exams:sitting_report", released.sitting), HTTP_ACCEPT_LANGUAGE="en")
    assert body.status_code == 200
    html = body.content.decode()
    for kind in ("scores", "items", "areas"):
        assert url("exams:sitting_report_chart", released.sitting, kind) in html
    assert url("exams:sitting_report_export", released.sitting, "results", "xlsx") in html
    assert 'id="report-centres"' in html and "上海基地" in html
    overview = client_as(officer).get(url("exams:scoring_overview", released.sitting)).content.decode()
    assert url("exams:sitting_report", released.sitting) in overview


def test_the_score_histogram_is_valid_svg_with_the_cut_line_on_the_percent_scale(released, client_as, officer):
    root = svg_root(client_as(officer).get(url("exams:sitting_report_chart", released.sitting, "scores")))
    assert root.tag == f"{SVG}svg"
    assert "cut-line" in ids(root)


def test_with_scaled_scores_the_histogram_uses_the_reporting_scale(simulated, client_as, officer):
    report = reports.officer_report(simulated)
    assert len(report["scores"]["scaled"]) == 60
    root = svg_root(client_as(officer).get(url("exams:sitting_report_chart", simulated, "scores")))
    assert "cut-line" in ids(root)


def test_the_item_scatter_marks_flagged_items(simulated, client_as, officer):
    report = reports.officer_report(simulated)
    root = svg_root(client_as(officer).get(url("exams:sitting_report_chart", simulated, "items")))
    assert {"flagged", "unflagged"} <= ids(root)
    flagged = next(e for e in root.iter() if e.get("id") == "flagged")
    n_flagged = sum(1 for row in report["items"] if row["flags"] and not row["dropped"])
    assert len(list(flagged.iter(f"{SVG}use"))) == n_flagged


def test_the_area_chart_has_one_bar_per_area(released, api_as, officer):
    root = svg_root(api_as(officer).get(url("api:sitting_report_chart", released.sitting, "areas")))
    assert {"area-0", "area-1", "area-2"} <= ids(root) and "area-3" not in ids(root)


def test_charts_are_cached_per_scoring_and_revalidate_with_an_etag(
    released, client_as, officer, django_capture_on_commit_callbacks
):
    client = client_as(officer)
    first = client.get(url("exams:sitting_report_chart", released.sitting, "scores"))
    etag = first["ETag"]
    assert (
        client.get(url("exams:sitting_report_chart", released.sitting, "scores"), HTTP_IF_NONE_MATCH=etag).status_code
        == 304
    )
    with CaptureQueriesContext(connection) as ctx:
        again = client.get(url("exams:sitting_report_chart", released.sitting, "scores"))
    assert again.content == first.content
    assert not any("exams_attempt" in q["sql"] for q in ctx.captured_queries)  # served from the cache


def test_an_unknown_chart_is_404(released, client_as, officer):
    assert client_as(officer).get(url("exams:sitting_report_chart", released.sitting, "pie")).status_code == 404


# --- exports -----------------------------------------------------------------------------------


def _csv_rows(response) -> list[dict[str, str]]:
    assert response.status_code == 200 and response["Content-Type"].startswith("text/csv")
    text = response.content.decode("utf-8-sig")
    return list(csv.DictReader(io.StringIO(text)))


def test_results_csv_has_one_row_per_candidate_with_centre_and_province(released, client_as, officer):
    rows = _csv_rows(client_as(officer).get(url("exams:sitting_report_export", released.sitting, "results", "csv")))
    by_user = {row["username"]: row for row in rows}
    assert set(by_user) == {f"ir-score-{name}" for name in ("c1", "c2", "c3", "c4", "c5")}
    assert by_user["ir-score-c1"]["centre"] == "上海基地" and by_user["ir-score-c1"]["province"] == "SH"
    assert by_user["ir-score-c1"]["passed"] == "True" and float(by_user["ir-score-c1"]["percent"]) == 100.0
    assert by_user["ir-score-c3"]["passed"] == "False"


def test_items_csv_and_xlsx_have_one_row_per_scoring_unit(released, api_as, officer):
    rows = _csv_rows(api_as(officer).get(url("api:sitting_report_export", released.sitting, "items", "csv")))
    assert [(row["position"], row["unit"]) for row in rows] == [
        ("1", ""),
        ("2", ""),
        ("3", ""),
        ("4", "1"),
        ("4", "2"),
        ("5", ""),
        ("6", "q1"),
        ("6", "q2"),
    ]
    assert float(rows[0]["p"]) == pytest.approx(4 / 5)  # c1, c3, c4, c5 chose B
    response = api_as(officer).get(url("api:sitting_report_export", released.sitting, "items", "xlsx"))
    assert response.status_code == 200 and response["Content-Type"] == XLSX
    sheet = load_workbook(io.BytesIO(response.content)).active
    values = list(sheet.values)
    assert values[0][:3] == ("form", "position", "unit") and len(values) == 9


def test_exports_are_safe_from_formula_injection(released, client_as, officer):
    User.objects.filter(pk=released.candidates["c2"].pk).update(
        display_name_zh='=HYPERLINK("http://x")', display_name_en="@SUM(A1)"
    )
    rows = _csv_rows(client_as(officer).get(url("exams:sitting_report_export", released.sitting, "results", "csv")))
    c2 = next(row for row in rows if row["username"] == "ir-score-c2")
    assert c2["name_zh"] == '\'=HYPERLINK("http://x")' and c2["name_en"] == "'@SUM(A1)"
    response = client_as(officer).get(url("exams:sitting_report_export", released.sitting, "results", "xlsx"))
    sheet = load_workbook(io.BytesIO(response.content)).active
    cells = [
        cell for row in sheet.iter_rows() for cell in row if isinstance(cell.value, str) and "HYPERLINK" in cell.value
    ]
    assert len(cells) == 1 and cells[0].data_type == "s" and cells[0].value.startswith("'=")
    assert reports.safe_cell("-2+3") == "'-2+3" and reports.safe_cell(-2.5) == -2.5 and reports.safe_cell("ok") == "ok"


def test_an_unknown_export_is_404(released, client_as, officer):
    assert (
        client_as(officer).get(url("exams:sitting_report_export", released.sitting, "secrets", "csv")).status_code
        == 404
    )
    assert (
        client_as(officer).get(url("exams:sitting_report_export", released.sitting, "results", "pdf")).status_code
        == 404
    )


# --- query counts ------------------------------------------------------------------------------


def test_officer_report_queries_do_not_grow_with_the_cohort(officer, django_capture_on_commit_callbacks, api_as):
    small = build_scoring_sitting(officer=officer, code="ir-q-small")
    score(small, officer, django_capture_on_commit_callbacks)
    large, paper, _forms, _versions = build_simulated_sitting(officer=officer, n_candidates=60, code="ir-q-large")
    CutScore.objects.create(sitting=large, paper=paper, method="fixed", percent=50, decided_by=officer)
    with django_capture_on_commit_callbacks(execute=True):
        scoring_job_start(sitting=large, by=officer)
    client = api_as(officer)
    client.get(url("api:sitting_report", small.sitting))  # the officer's roles are read once per user object
    counts = []
    for sitting in (small.sitting, large):
        measured = []
        for name, args in (
            ("api:sitting_report", ()),
            ("api:sitting_report_export", ("results", "csv")),
            ("api:sitting_report_export", ("items", "xlsx")),
            ("api:sitting_report_chart", ("scores",)),
            ("api:sitting_report_chart", ("items",)),
        ):
            cache.clear()
            with CaptureQueriesContext(connection) as ctx:
                assert client.get(url(name, sitting, *args)).status_code == 200
            measured.append(len(ctx))
        counts.append(measured)
    assert counts[0] == counts[1]


@pytest.mark.parametrize("accept", ["text/csv", XLSX, "image/svg+xml", "application/pdf", "*/*"])
def test_file_endpoints_answer_whatever_the_accept_header_names(released, accept, api_as, officer):
    sitting = released.sitting
    c1, registration = released.candidates["c1"], released.registrations["c1"]
    checks = [
        (api_as(officer), url("api:sitting_report_export", sitting, "results", "csv"), "text/csv"),
        (api_as(officer), url("api:sitting_report_export", sitting, "items", "xlsx"), XLSX),
        (api_as(officer), url("api:sitting_report_chart", sitting, "scores"), "image/svg+xml"),
        (api_as(c1), reverse("api:my_result_pdf", args=[registration.pk]), "application/pdf"),
    ]
    for client, address, content_type in checks:
        response = client.get(address, HTTP_ACCEPT=accept)
        assert response.status_code == 200 and response["Content-Type"].startswith(content_type)
    missing = api_as(officer).get(url("api:sitting_report_export", sitting, "nope", "csv"), HTTP_ACCEPT=accept)
    assert missing.status_code == 404 and missing["Content-Type"] == "application/json"


# --- flag reasons ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("language", "reason"),
    [
        ("en", "p = 0.12 is below 0.20: few candidates answer this unit correctly."),
        ("zh-hans", "难度 p = 0.12，低于 0.20：答对该题的考生很少。"),
    ],
)
def test_item_flag_reasons_are_in_the_requests_language(
    released, api_as, client_as, officer, settings, language, reason
):
    """Stored reasons are English; the report shows the translated ``flag_display`` reason."""
    from exams.models import SittingAnalysis

    analysis = SittingAnalysis.objects.get(sitting=released.sitting)
    data = analysis.data
    item = data["forms"][0]["items"][0]
    item["flags"] = [
        {"code": "too_hard", "reason": "p = 0.12 is below 0.20 (stored)", "params": {"p": 0.12, "threshold": 0.2}},
        {"code": "many_comments", "reason": "3 comments (stored, no numbers)"},
    ]
    SittingAnalysis.objects.filter(pk=analysis.pk).update(data=data)
    headers = {"Accept-Language": language}

    body = api_as(officer).get(url("api:sitting_report", released.sitting), headers=headers).json()
    [row] = [r for r in body["items"] if r["flags"]]
    assert row["flags"] == ["too_hard", "many_comments"]
    assert row["flag_reasons"] == [reason, "3 comments (stored, no numbers)"]

    client = client_as(officer)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    page = client.get(url("exams:sitting_report", released.sitting)).content.decode()
    assert reason in page
    assert "(stored)" not in page
