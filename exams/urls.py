"""Exams pages: officer management, the candidate's pages and the proctor console."""

from django.urls import include, path

app_name = "exams"

urlpatterns = [
    path("manage/", include("exams.views.urls_officer")),
    path("", include("exams.views.urls_candidate")),
    path("proctor/", include("exams.views.urls_proctor")),
    path("manage/", include("exams.views.urls_scoring")),
    path("", include("exams.views.urls_reports")),
    path("practice/", include("exams.views.urls_practice")),
]
