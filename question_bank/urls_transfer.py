"""Import and export pages, under /bank/ (included from question_bank/urls.py)."""

from django.urls import path

from . import views_transfer as views

urlpatterns = [
    path("import/", views.import_upload, name="import"),
    path("import/template.<str:fmt>", views.import_template, name="import_template"),
    path("import/<int:pk>/", views.import_preview, name="import_preview"),
    path("import/<int:pk>/status/", views.import_status, name="import_status"),
    path("import/<int:pk>/result/", views.import_result, name="import_result"),
    path("import/<int:pk>/discard/", views.import_discard, name="import_discard"),
    path("export/", views.export, name="export"),
]
