"""The proctor console's pages under /exams/proctor/."""

from django.urls import path

from exams.views import proctor

urlpatterns = [
    path("", proctor.sittings, name="proctor_sittings"),
    path("sittings/<int:sitting_id>/", proctor.console, name="proctor_console"),
    path("sittings/<int:sitting_id>/<slug:action>/", proctor.sitting_action, name="proctor_sitting_action"),
    path("attempts/<int:attempt_id>/log/", proctor.attempt_log, name="proctor_attempt_log"),
    path("attempts/<int:attempt_id>/<slug:action>/", proctor.attempt_action, name="proctor_action"),
]
