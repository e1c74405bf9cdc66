"""Exams API URLs: officer, candidate and proctor operations live in separate modules."""

from django.urls import include, path

urlpatterns = [
    path("", include("exams.api.urls_officer")),
    path("", include("exams.api.urls_candidate")),
    path("", include("exams.api.urls_proctor")),
    path("", include("exams.api.urls_scoring")),
    path("", include("exams.api.urls_reports")),
    path("", include("exams.api.urls_practice")),
]
