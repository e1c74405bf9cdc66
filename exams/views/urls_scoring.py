"""Scoring pages: /exams/manage/scoring/… (officers) and /exams/manage/scoring/my-panels/… (judges)."""

from django.urls import path

from exams.views import scoring

urlpatterns = [
    path("scoring/", scoring.sittings, name="scoring_sittings"),
    path("sittings/<int:sitting_id>/scoring/", scoring.overview, name="scoring_overview"),
    path("sittings/<int:sitting_id>/scoring/run/", scoring.run, name="scoring_run"),
    path("sittings/<int:sitting_id>/scoring/items/", scoring.items, name="scoring_items"),
    path("sittings/<int:sitting_id>/scoring/items/<int:form_id>/<int:position>/", scoring.item, name="scoring_item"),
    path("sittings/<int:sitting_id>/scoring/decisions/", scoring.decisions, name="scoring_decisions"),
    path(
        "sittings/<int:sitting_id>/scoring/close-key-validation/",
        scoring.close_key_validation,
        name="scoring_close_key_validation",
    ),
    path("sittings/<int:sitting_id>/scoring/cut-scores/", scoring.cut_scores, name="scoring_cut_scores"),
    path("sittings/<int:sitting_id>/scoring/panels/", scoring.panels, name="scoring_panels"),
    path("sittings/<int:sitting_id>/scoring/release/", scoring.release, name="scoring_release"),
    path("scoring/panels/<int:panel_id>/", scoring.panel, name="scoring_panel"),
    path("scoring/my-panels/", scoring.my_panels, name="my_panels"),
    path("scoring/my-panels/<int:panel_id>/", scoring.rate, name="my_panel"),
]
