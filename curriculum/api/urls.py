from django.urls import path

from . import views

urlpatterns = [
    path("curriculum/areas/", views.AreaListApi.as_view(), name="curriculum-areas"),
    path("curriculum/areas/<str:code>/", views.AreaDetailApi.as_view(), name="curriculum-area-detail"),
    path("curriculum/objectives/", views.ObjectiveListApi.as_view(), name="curriculum-objectives"),
    path("curriculum/objectives/<str:code>/", views.ObjectiveDetailApi.as_view(), name="curriculum-objective-detail"),
    path("curriculum/requirements/", views.RequirementListApi.as_view(), name="curriculum-requirements"),
    path(
        "curriculum/requirements/<str:code>/",
        views.RequirementDetailApi.as_view(),
        name="curriculum-requirement-detail",
    ),
    path("curriculum/level-rules/", views.LevelRuleListApi.as_view(), name="curriculum-level-rules"),
    path(
        "curriculum/level-rules/<str:level>/", views.LevelRuleDetailApi.as_view(), name="curriculum-level-rule-detail"
    ),
    path("curriculum/supervisions/", views.SupervisionListApi.as_view(), name="curriculum-supervisions"),
    path("logbook/entries/", views.LogbookEntryListApi.as_view(), name="logbook-entries"),
    path("logbook/entries/<int:pk>/", views.LogbookEntryDetailApi.as_view(), name="logbook-entry-detail"),
    path("logbook/entries/<int:pk>/verify/", views.LogbookEntryVerifyApi.as_view(), name="logbook-entry-verify"),
    path("logbook/entries/<int:pk>/reject/", views.LogbookEntryRejectApi.as_view(), name="logbook-entry-reject"),
    path("logbook/import/", views.LogbookImportApi.as_view(), name="logbook-import"),
    path("logbook/training-periods/", views.TrainingPeriodListApi.as_view(), name="logbook-training-periods"),
    path(
        "logbook/training-periods/<int:pk>/verify/",
        views.TrainingPeriodVerifyApi.as_view(),
        name="logbook-training-period-verify",
    ),
    path("eligibility/<int:user_id>/<str:level>/", views.EligibilityApi.as_view(), name="eligibility"),
]
