"""Score report API routes: the candidate's released results; officers' sitting reports, charts and exports."""

from django.urls import path

from exams.api import reports

urlpatterns = [
    path("my/results/", reports.CandidateReportsApi.as_view(), name="my_results"),
    path("my/results/<int:registration_id>/", reports.CandidateReportApi.as_view(), name="my_result"),
    path("my/results/<int:registration_id>/pdf/", reports.CandidateReportPdfApi.as_view(), name="my_result_pdf"),
    path("reports/sittings/<int:sitting_id>/", reports.OfficerReportApi.as_view(), name="sitting_report"),
    path(
        "reports/sittings/<int:sitting_id>/charts/<slug:kind>/",
        reports.OfficerReportChartApi.as_view(),
        name="sitting_report_chart",
    ),
    path(
        "reports/sittings/<int:sitting_id>/export/<slug:what>/<slug:fmt>/",
        reports.OfficerReportExportApi.as_view(),
        name="sitting_report_export",
    ),
]
