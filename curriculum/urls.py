from django.urls import path

from . import views

app_name = "curriculum"

urlpatterns = [
    path("curriculum/", views.curriculum_index, name="index"),
    path("curriculum/requirements/", views.requirements, name="requirements"),
    path("curriculum/requirements/new/", views.requirement_create, name="requirement_create"),
    path("curriculum/requirements/<str:code>/edit/", views.requirement_edit, name="requirement_edit"),
    path("curriculum/level-rules/<str:level>/edit/", views.level_rule_edit, name="level_rule_edit"),
    path("curriculum/objectives/<str:code>/edit/", views.objective_edit, name="objective_edit"),
    path("curriculum/<str:code>/", views.area_detail, name="area"),
    path("curriculum/<str:code>/edit/", views.area_edit, name="area_edit"),
    path("curriculum/<str:code>/objectives/new/", views.objective_create, name="objective_create"),
    path("logbook/", views.logbook, name="logbook"),
    path("logbook/import/", views.logbook_import, name="logbook_import"),
    path("logbook/template.csv", views.logbook_template, name="logbook_template"),
    path("logbook/review/", views.review, name="review"),
    path("logbook/trainees/", views.trainees, name="trainees"),
    path("logbook/<int:pk>/edit/", views.logbook_entry_edit, name="entry_edit"),
    path("logbook/<int:pk>/delete/", views.logbook_entry_delete, name="entry_delete"),
    path("logbook/<int:pk>/verify/", views.entry_verify, name="entry_verify"),
    path("logbook/<int:pk>/reject/", views.entry_reject, name="entry_reject"),
    path("progress/", views.my_progress, name="my_progress"),
    path("progress/periods/new/", views.training_period_add, name="period_add"),
    path("progress/periods/<int:pk>/verify/", views.training_period_verify, name="period_verify"),
    path("progress/<int:user_id>/", views.progress, name="progress"),
]
