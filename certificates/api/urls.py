from django.urls import path

from . import views

urlpatterns = [
    path("verify/credential/", views.VerifyCredentialApi.as_view(), name="certificate-verify-credential"),
    path("verify/<str:code>/", views.VerifyApi.as_view(), name="certificate-verify"),
    path("certificates/", views.CertificateListApi.as_view(), name="certificates"),
    path("certificates/mine/", views.MyCertificatesApi.as_view(), name="my-certificates"),
    path("certificates/issue/", views.CertificateIssueApi.as_view(), name="certificate-issue"),
    path("certificates/issuers/", views.IssuerListApi.as_view(), name="certificate-issuers"),
    path(
        "certificates/issuers/<slug:code>/rotate-key/",
        views.IssuerKeyRotateApi.as_view(),
        name="certificate-issuer-rotate",
    ),
    path("certificates/types/", views.CertificateTypeListApi.as_view(), name="certificate-types"),
    path("certificates/cme/", views.MyCmeCreditsApi.as_view(), name="cme-credits"),
    path("certificates/cme/<int:pk>/verify/", views.CmeCreditVerifyApi.as_view(), name="cme-credit-verify"),
    path(
        "certificates/sittings/<int:sitting_id>/issuing/",
        views.SittingIssuingApi.as_view(),
        name="certificate-sitting-issuing",
    ),
    path("certificates/<int:pk>/revoke/", views.CertificateRevokeApi.as_view(), name="certificate-revoke"),
    path("certificates/<int:pk>/suspend/", views.CertificateSuspendApi.as_view(), name="certificate-suspend"),
    path("certificates/<int:pk>/unsuspend/", views.CertificateUnsuspendApi.as_view(), name="certificate-unsuspend"),
    path("certificates/<int:pk>/reissue/", views.CertificateReissueApi.as_view(), name="certificate-reissue"),
    path("certificates/<int:pk>/renew/", views.CertificateRenewApi.as_view(), name="certificate-renew"),
]
