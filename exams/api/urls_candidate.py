"""Candidate delivery API routes (docs/exam-delivery-api.md)."""

from django.urls import path

from exams.api import candidate

urlpatterns = [
    path("time/", candidate.ServerTimeApi.as_view(), name="time"),
    path("my/sittings/", candidate.MySittingsApi.as_view(), name="my_sittings"),
    path("attempts/start/", candidate.AttemptStartApi.as_view(), name="attempt_start"),
    path("attempts/<int:attempt_id>/", candidate.AttemptDetailApi.as_view(), name="attempt_detail"),
    path("attempts/<int:attempt_id>/session/", candidate.AttemptSessionApi.as_view(), name="attempt_session"),
    path(
        "attempts/<int:attempt_id>/responses/<int:position>/",
        candidate.AttemptSaveAnswerApi.as_view(),
        name="attempt_save_answer",
    ),
    path("attempts/<int:attempt_id>/stage/", candidate.AttemptStageApi.as_view(), name="attempt_stage"),
    path("attempts/<int:attempt_id>/events/", candidate.AttemptEventApi.as_view(), name="attempt_events"),
    path("attempts/<int:attempt_id>/comments/", candidate.AttemptCommentApi.as_view(), name="attempt_comments"),
    path("attempts/<int:attempt_id>/submit/", candidate.AttemptSubmitApi.as_view(), name="attempt_submit"),
]
