"""Officer pages under /exams/manage/."""

from django.urls import path

from exams.views import officer

urlpatterns = [
    path("", officer.exam_list, name="officer_exams"),
    path("exams/new/", officer.exam_create, name="officer_exam_create"),
    path("exams/<int:pk>/", officer.exam_edit, name="officer_exam"),
    path("exams/<int:exam_id>/papers/<int:pk>/", officer.paper_edit, name="officer_paper"),
    path("sittings/", officer.sitting_list, name="officer_sittings"),
    path("sittings/new/", officer.sitting_create, name="officer_sitting_create"),
    path("sittings/<int:pk>/", officer.sitting_edit, name="officer_sitting"),
    path("sittings/<int:pk>/assemble/", officer.sitting_assemble, name="officer_sitting_assemble"),
    path("sittings/<int:pk>/status/", officer.sitting_status, name="officer_sitting_status"),
    path("sittings/<int:pk>/registrations/", officer.registrations, name="officer_registrations"),
    path(
        "sittings/<int:pk>/registrations/<int:registration_id>/",
        officer.registration_edit,
        name="officer_registration",
    ),
    path("registrations-template.csv", officer.registration_template, name="officer_registration_template"),
]
