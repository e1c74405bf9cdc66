"""Scoring API routes (officers; judges for their own Angoff sheet)."""

from django.urls import path

from exams.api import scoring

urlpatterns = [
    path("scoring/sittings/", scoring.ScoringSittingsApi.as_view(), name="scoring_sittings"),
    path("scoring/sittings/<int:sitting_id>/", scoring.ScoringStatusApi.as_view(), name="scoring_status"),
    path("scoring/sittings/<int:sitting_id>/run/", scoring.ScoringRunApi.as_view(), name="scoring_run"),
    path("scoring/sittings/<int:sitting_id>/items/", scoring.ItemAnalysisApi.as_view(), name="scoring_items"),
    path(
        "scoring/sittings/<int:sitting_id>/items/<int:form_id>/<int:position>/",
        scoring.ItemDetailApi.as_view(),
        name="scoring_item",
    ),
    path(
        "scoring/sittings/<int:sitting_id>/key-decisions/preview/",
        scoring.KeyDecisionPreviewApi.as_view(),
        name="scoring_key_preview",
    ),
    path(
        "scoring/sittings/<int:sitting_id>/key-decisions/",
        scoring.KeyDecisionsApi.as_view(),
        name="scoring_key_decisions",
    ),
    path(
        "scoring/sittings/<int:sitting_id>/key-validation/close/",
        scoring.KeyValidationCloseApi.as_view(),
        name="scoring_key_validation_close",
    ),
    path("scoring/sittings/<int:sitting_id>/cut-scores/", scoring.CutScoresApi.as_view(), name="scoring_cut_scores"),
    path("scoring/sittings/<int:sitting_id>/release/", scoring.ResultsReleaseApi.as_view(), name="scoring_release"),
    path("scoring/sittings/<int:sitting_id>/angoff-panels/", scoring.AngoffPanelsApi.as_view(), name="scoring_panels"),
    path("scoring/jobs/<int:job_id>/", scoring.ScoringJobApi.as_view(), name="scoring_job"),
    path("scoring/angoff-panels/<int:panel_id>/", scoring.AngoffPanelApi.as_view(), name="scoring_panel"),
    path(
        "scoring/angoff-panels/<int:panel_id>/<slug:action>/",
        scoring.AngoffPanelActionApi.as_view(),
        name="scoring_panel_action",
    ),
    path("scoring/my-panels/", scoring.MyPanelsApi.as_view(), name="scoring_my_panels"),
    path("scoring/my-panels/<int:panel_id>/ratings/", scoring.MyRatingsApi.as_view(), name="scoring_my_ratings"),
    path("scoring/my-panels/<int:panel_id>/hofstee/", scoring.MyHofsteeApi.as_view(), name="scoring_my_hofstee"),
]
