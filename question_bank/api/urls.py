from django.urls import path

from . import dicom, transfer, views

urlpatterns = [
    path("questions/", views.QuestionListApi.as_view(), name="questions"),
    path("questions/bulk/", views.BulkActionApi.as_view(), name="question-bulk"),
    path("questions/import/", transfer.ImportApi.as_view(), name="question-import"),
    path("questions/export/", transfer.ExportApi.as_view(), name="question-export"),
    path("questions/preview/", views.PreviewApi.as_view(), name="question-preview"),
    path("questions/coverage/", views.CoverageApi.as_view(), name="question-coverage"),
    path("questions/review-queue/", views.ReviewQueueApi.as_view(), name="question-review-queue"),
    path("questions/media/", views.MediaUploadApi.as_view(), name="question-media"),
    path("questions/media/<uuid:pk>/", views.MediaFileApi.as_view(), name="question-media-file"),
    path("questions/media/<uuid:pk>/dicom/manifest/", dicom.DicomManifestApi.as_view(), name="question-dicom-manifest"),
    path("questions/media/<uuid:pk>/dicom/data/", dicom.DicomDataApi.as_view(), name="question-dicom-data"),
    path("questions/dicom/", dicom.DicomUploadApi.as_view(), name="question-dicom-upload"),
    path("questions/dicom/policy/", dicom.DicomPolicyApi.as_view(), name="question-dicom-policy"),
    path("questions/dicom/<uuid:pk>/", dicom.DicomDetailApi.as_view(), name="question-dicom"),
    path("questions/dicom/<uuid:pk>/original/", dicom.DicomOriginalApi.as_view(), name="question-dicom-original"),
    path("questions/<int:pk>/", views.QuestionDetailApi.as_view(), name="question-detail"),
    path("questions/<int:pk>/versions/", views.VersionCreateApi.as_view(), name="question-version-create"),
    path("questions/<int:pk>/versions/<int:number>/", views.VersionUpdateApi.as_view(), name="question-version"),
    path(
        "questions/<int:pk>/versions/<int:number>/submit/",
        views.VersionSubmitApi.as_view(),
        name="question-version-submit",
    ),
    path(
        "questions/<int:pk>/versions/<int:number>/reviews/",
        views.VersionReviewApi.as_view(),
        name="question-version-review",
    ),
    path(
        "questions/<int:pk>/versions/<int:number>/preview/",
        views.VersionPreviewApi.as_view(),
        name="question-version-preview",
    ),
    path("questions/<int:pk>/retire/", views.QuestionRetireApi.as_view(), name="question-retire"),
    path("questions/<int:pk>/translations/", views.TranslationLinkApi.as_view(), name="question-translations"),
    path("questions/<int:pk>/diff/", views.VersionDiffApi.as_view(), name="question-diff"),
]
