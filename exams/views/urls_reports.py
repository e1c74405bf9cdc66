"""Score report pages: /exams/results/… (the candidate's own) and /exams/manage/sittings/…/reports/… (officers)."""

from django.urls import path

from exams.views import reports

urlpatterns = [
    path("results/<int:registration_id>/", reports.my_report, name="my_report"),
    path("results/<int:registration_id>/report.pdf", reports.my_report_pdf, name="my_report_pdf"),
    path("manage/sittings/<int:sitting_id>/reports/", reports.sitting_report, name="sitting_report"),
    path(
        "manage/sittings/<int:sitting_id>/reports/charts/<slug:kind>.svg",
        reports.sitting_chart,
        name="sitting_report_chart",
    ),
    path(
        "manage/sittings/<int:sitting_id>/reports/<slug:what>.<slug:fmt>",
        reports.sitting_export,
        name="sitting_report_export",
    ),
]
