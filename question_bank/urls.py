"""Question bank pages, mounted under /bank/."""

from django.urls import include, path

from . import views

app_name = "question_bank"

urlpatterns = [
    path("", views.question_list, name="list"),
    path("new/", views.question_create, name="create"),
    path("bulk/", views.bulk_action, name="bulk"),
    path("preview/", views.preview, name="preview"),
    path("media/", views.media_upload, name="media_upload"),
    path("review/", views.review_queue, name="review_queue"),
    path("coverage/", views.coverage, name="coverage"),
    path("versions/<int:version_id>/review/", views.version_review, name="version_review"),
    path("<int:pk>/", views.question_detail, name="detail"),
    path("<int:pk>/edit/", views.question_edit, name="edit"),
    path("<int:pk>/submit/", views.question_submit, name="submit"),
    path("<int:pk>/new-version/", views.question_new_version, name="new_version"),
    path("<int:pk>/retire/", views.question_retire, name="retire"),
    path("<int:pk>/translations/", views.question_link_translation, name="link_translation"),
    path("<int:pk>/diff/", views.version_diff_pick, name="diff_pick"),
    path("", include("question_bank.urls_transfer")),
    path("dicom/", include("question_bank.urls_dicom")),
    path("<int:pk>/versions/<int:a>/diff/<int:b>/", views.version_diff, name="diff"),
]
