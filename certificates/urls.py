from django.urls import path

from . import views

app_name = "certificates"

urlpatterns = [
    # Public (no login)
    path("verify/", views.verify_lookup, name="verify"),
    path("verify/credential/", views.verify_credential, name="verify_credential"),
    path("verify/<str:code>/", views.verify_code, name="verify_code"),
    path("issuers/<slug:code>/", views.issuer_profile, name="issuer_profile"),
    path("issuers/<slug:code>/profile.json", views.issuer_profile_json, name="issuer_profile_json"),
    path("issuers/<slug:code>/jwks.json", views.issuer_jwks, name="issuer_jwks"),
    path("status/<int:pk>", views.status_list, name="status_list"),
    path("achievements/<slug:code>/", views.achievement, name="achievement"),
    # Holders
    path("certificates/", views.my_certificates, name="mine"),
    path("certificates/cme/", views.my_cme, name="my_cme"),
    path("certificates/<int:pk>/pdf/", views.download_pdf, name="pdf"),
    path("certificates/<int:pk>/credential.json", views.download_credential, name="credential"),
    path("certificates/<int:pk>/credential.jwt", views.download_jwt, name="jwt"),
    path("certificates/<int:pk>/renew/", views.renew, name="renew"),
    # Officers
    path("certificates/manage/", views.manage_list, name="manage_list"),
    path("certificates/manage/issue/", views.manage_issue, name="manage_issue"),
    path("certificates/manage/issuers/", views.manage_issuers, name="manage_issuers"),
    path("certificates/manage/issuers/<slug:code>/rotate/", views.manage_issuer_rotate, name="manage_issuer_rotate"),
    path("certificates/manage/types/", views.manage_types, name="manage_types"),
    path("certificates/manage/cme/", views.manage_cme, name="manage_cme"),
    path("certificates/manage/sittings/<int:sitting_id>/", views.manage_sitting, name="manage_sitting"),
    path("certificates/manage/<int:pk>/", views.manage_detail, name="manage_detail"),
    path("certificates/manage/<int:pk>/<str:action>/", views.manage_action, name="manage_action"),
]
