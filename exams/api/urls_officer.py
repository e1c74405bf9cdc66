"""Officer API routes: /api/v1/exams/… and /api/v1/sittings/…"""

from django.urls import path

from exams.api import officer

urlpatterns = [
    path("exams/", officer.ExamListApi.as_view(), name="exams"),
    path("exams/<int:pk>/", officer.ExamDetailApi.as_view(), name="exam_detail"),
    path("exams/<int:exam_id>/papers/", officer.PaperListApi.as_view(), name="exam_papers"),
    path("exams/<int:exam_id>/papers/<int:pk>/", officer.PaperDetailApi.as_view(), name="exam_paper_detail"),
    path("exams/<int:exam_id>/papers/<int:paper_id>/rows/", officer.RowListApi.as_view(), name="exam_blueprint_rows"),
    path(
        "exams/<int:exam_id>/papers/<int:paper_id>/rows/<int:pk>/",
        officer.RowDetailApi.as_view(),
        name="exam_blueprint_row_detail",
    ),
    path("sittings/", officer.SittingListApi.as_view(), name="sittings"),
    path("sittings/<int:pk>/", officer.SittingDetailApi.as_view(), name="sitting_detail"),
    path("sittings/<int:pk>/assemble/", officer.SittingAssembleApi.as_view(), name="sitting_assemble"),
    path("sittings/<int:sitting_id>/eligibility/", officer.SittingEligibilityApi.as_view(), name="sitting_eligibility"),
    path(
        "sittings/<int:sitting_id>/registrations/",
        officer.RegistrationListApi.as_view(),
        name="sitting_registrations",
    ),
    path(
        "sittings/<int:sitting_id>/registrations/import/",
        officer.RegistrationImportApi.as_view(),
        name="sitting_registrations_import",
    ),
    path(
        "sittings/<int:sitting_id>/registrations/<int:pk>/",
        officer.RegistrationDetailApi.as_view(),
        name="registration_detail",
    ),
    path(
        "sittings/<int:sitting_id>/registrations/<int:pk>/override/",
        officer.RegistrationOverrideApi.as_view(),
        name="registration_override",
    ),
    path(
        "sittings/<int:sitting_id>/registrations/<int:pk>/withdraw/",
        officer.RegistrationWithdrawApi.as_view(),
        name="registration_withdraw",
    ),
]
