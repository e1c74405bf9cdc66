"""Score report pages: the candidate's own report (and PDF) after release; the officer's sitting reports.

Thin: ``exams.services.reports`` reads and renders. A candidate reaches only their own released
result (anything else is 404); officer pages need the officer role (403 otherwise).
"""

from __future__ import annotations

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.http import quote_etag
from django.utils.translation import get_language

from accounts.permissions import role_required
from accounts.roles import Role
from exams import selectors_scoring
from exams.services import reports

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def pdf_response(report: reports.CandidateReport) -> HttpResponse:
    response = HttpResponse(reports.candidate_report_pdf(report), content_type="application/pdf")
    filename = f"score-report-{report.sitting_code}-{get_language()}.pdf"
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response["Cache-Control"] = "private, no-store"
    return response


def svg_response(request: HttpRequest, svg: str, tag: str) -> HttpResponse:
    etag = quote_etag(tag)
    if request.headers.get("If-None-Match") == etag:
        response = HttpResponse(status=304)
    else:
        response = HttpResponse(svg, content_type="image/svg+xml; charset=utf-8")
    response["ETag"] = etag
    response["Cache-Control"] = "private, max-age=300"
    response["Vary"] = "Cookie, Accept-Language"
    return response


def export_response(sitting, what: str, fmt: str) -> HttpResponse:
    columns, rows = reports.export_table(sitting, what)
    if fmt == "csv":
        response = HttpResponse(reports.export_csv(columns, rows), content_type="text/csv; charset=utf-8")
    elif fmt == "xlsx":
        response = HttpResponse(reports.export_xlsx(columns, rows, title=what), content_type=XLSX)
    else:
        raise Http404
    response["Content-Disposition"] = f'attachment; filename="{sitting.code}-{what}.{fmt}"'
    response["Cache-Control"] = "private, no-store"
    return response


# --- candidates -----------------------------------------------------------------------------------


@role_required(Role.TRAINEE)
def my_report(request: HttpRequest, registration_id: int) -> HttpResponse:
    registration = reports.released_registration_get(candidate=request.user, registration_id=registration_id)
    report = reports.candidate_report(registration=registration)
    return render(request, "exams/candidate/report.html", {"report": report, "registration": registration})


@role_required(Role.TRAINEE)
def my_report_pdf(request: HttpRequest, registration_id: int) -> HttpResponse:
    registration = reports.released_registration_get(candidate=request.user, registration_id=registration_id)
    return pdf_response(reports.candidate_report(registration=registration))


# --- officers -------------------------------------------------------------------------------------


@role_required(Role.OFFICER)
def sitting_report(request: HttpRequest, sitting_id: int) -> HttpResponse:
    sitting = selectors_scoring.sitting_get(sitting_id)
    report = reports.officer_report(sitting)
    flagged = [row for row in report["items"] if row["flags"]]
    return render(
        request,
        "exams/scoring/report.html",
        {"sitting": sitting, "report": report, "flagged": flagged, "charts": reports.CHART_KINDS},
    )


@role_required(Role.OFFICER)
def sitting_chart(request: HttpRequest, sitting_id: int, kind: str) -> HttpResponse:
    svg, tag = reports.chart_svg(selectors_scoring.sitting_get(sitting_id), kind)
    return svg_response(request, svg, tag)


@role_required(Role.OFFICER)
def sitting_export(request: HttpRequest, sitting_id: int, what: str, fmt: str) -> HttpResponse:
    return export_response(selectors_scoring.sitting_get(sitting_id), what, fmt)
