"""The candidate's pages under /exams/."""

from django.urls import path

from exams.views import candidate

urlpatterns = [
    path("", candidate.my_sittings, name="my_sittings"),
    path("system-check/", candidate.system_check, name="system_check"),
    path(
        "registrations/<int:registration_id>/papers/<int:paper_id>/start/",
        candidate.start,
        name="start",
    ),
    path("attempts/<int:attempt_id>/", candidate.exam_page, name="exam_page"),
    path("attempts/<int:attempt_id>/receipt/", candidate.receipt, name="receipt"),
]
