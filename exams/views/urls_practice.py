"""Practice pages under /exams/practice/."""

from django.urls import path

from exams.views import practice

urlpatterns = [
    path("", practice.start, name="practice_start"),
    path("sessions/<int:session_id>/", practice.session_page, name="practice_session"),
    path("progress/", practice.progress, name="practice_progress"),
    path("trainees/", practice.instructor, name="practice_instructor"),
    path("trainees/<int:user_id>/", practice.instructor_trainee, name="practice_instructor_trainee"),
    path("reports/", practice.reports, name="practice_reports"),
    path("reports/<int:report_id>/resolve/", practice.report_resolve, name="practice_report_resolve"),
]
