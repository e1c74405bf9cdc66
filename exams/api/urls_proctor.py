"""Proctor console API routes."""

from django.urls import path

from exams.api import proctor

urlpatterns = [
    path("proctor/sittings/", proctor.ProctorSittingsApi.as_view(), name="proctor_sittings"),
    path("proctor/sittings/<int:sitting_id>/live/", proctor.ProctorLiveApi.as_view(), name="proctor_live"),
    path("proctor/sittings/<int:sitting_id>/pause/", proctor.SittingPauseAllApi.as_view(), name="proctor_pause_all"),
    path("proctor/sittings/<int:sitting_id>/resume/", proctor.SittingResumeAllApi.as_view(), name="proctor_resume_all"),
    path("proctor/attempts/<int:attempt_id>/pause/", proctor.AttemptPauseApi.as_view(), name="proctor_pause"),
    path("proctor/attempts/<int:attempt_id>/resume/", proctor.AttemptUnpauseApi.as_view(), name="proctor_resume"),
    path("proctor/attempts/<int:attempt_id>/extend/", proctor.AttemptExtendApi.as_view(), name="proctor_extend"),
    path(
        "proctor/attempts/<int:attempt_id>/terminate/", proctor.AttemptTerminateApi.as_view(), name="proctor_terminate"
    ),
    path("proctor/attempts/<int:attempt_id>/log/", proctor.AttemptLogApi.as_view(), name="proctor_attempt_log"),
]
