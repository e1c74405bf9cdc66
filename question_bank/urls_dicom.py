"""DICOM series pages, mounted under /bank/dicom/ in the question_bank namespace."""

from django.urls import path

from . import views_dicom

urlpatterns = [
    path("", views_dicom.dicom_list, name="dicom_list"),
    path("policy/", views_dicom.dicom_policy, name="dicom_policy"),
    path("<uuid:pk>/", views_dicom.dicom_detail, name="dicom_detail"),
]
