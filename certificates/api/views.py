"""REST endpoints of the certificates app.

Public (no login, rate-limited per IP): verification by code or serial, and checking an uploaded
credential. Holders: their own certificates, renewal, CME credits. Officers: list and search,
manual issue, revoke / suspend / unsuspend / re-issue, issuing progress for a sitting, issuers and
key rotation, certificate types, CME verification.
"""

from __future__ import annotations

from django.http import HttpRequest
from django.shortcuts import get_object_or_404
from django.utils.cache import patch_cache_control
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers, status
from rest_framework.pagination import PageNumberPagination
from rest_framework.permissions import AllowAny, IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.models import User
from accounts.permissions import HasRole
from accounts.roles import Role
from certificates import ratelimit, selectors, services
from certificates.models import Certificate, CertificateType, CmeCredit, Issuer
from certificates.services.issuing import JOB_KIND
from exams.models import Job, Sitting
from irexam.api import LeanJsonApiView
from irexam.errors import ApplicationError
from irexam.ratelimit import RateLimited

OfficerOnly = HasRole.of(Role.OFFICER)


def _check_rate(request: Request) -> None:
    allowed, retry_after = ratelimit.allow(request._request)
    if not allowed:
        raise _rate_limited(retry_after)


def _rate_limited(retry_after: int) -> RateLimited:
    return RateLimited(
        _("Too many verification requests from your address. Please wait %(s)s seconds.") % {"s": retry_after},
        retry_after=retry_after,
    )


# --------------------------------------------------------------------------- public


class VerificationOutput(serializers.Serializer):
    serial = serializers.CharField()
    verification_code = serializers.CharField()
    status = serializers.ChoiceField(choices=["valid", "expired", "revoked", "suspended", "superseded"])
    holder_name_zh = serializers.CharField()
    holder_name_en = serializers.CharField()
    title_zh = serializers.CharField()
    title_en = serializers.CharField()
    level = serializers.CharField()
    scope = serializers.ListField(child=serializers.DictField(), help_text="Technique areas; empty = all of IR.")
    issued_at = serializers.DateTimeField()
    valid_from = serializers.DateField()
    valid_until = serializers.DateField(allow_null=True)
    status_changed_at = serializers.DateTimeField(allow_null=True)
    superseded_by_code = serializers.CharField(allow_null=True)
    issuer = serializers.DictField()
    verification_url = serializers.URLField()


# One instance for every answer: a serializer copies its declared fields on first use (most of a
# verification's CPU when built per request); ``to_representation`` keeps no state.
_VERIFICATION_OUTPUT = VerificationOutput()


class VerifyApi(LeanJsonApiView):
    """Public status of a certificate by verification code or serial number.

    Read by every employer and QR scanner: a GET skips DRF's request cycle
    (``irexam.api.LeanJsonApiView``) and, on gunicorn, most middleware (``irexam/wsgi.py``).
    """

    lean_methods = frozenset({"GET"})
    permission_classes = [AllowAny]
    authentication_classes: list = []

    @extend_schema(responses=VerificationOutput, summary="Verify a certificate (public)")
    def get(self, request: HttpRequest, code: str) -> Response:
        # the per-address count and the cached record in one round trip to the cache
        cache_key = selectors.verification_key(code)
        allowed, retry_after, cached = ratelimit.allow_and_get(request, cache_key)
        if not allowed:
            raise _rate_limited(retry_after)
        record = selectors.verification_lookup(code, cached=cached)
        if record is None:
            response = Response(
                {"detail": _("No certificate has this code or serial."), "code": "not_found"},
                status=status.HTTP_404_NOT_FOUND,
            )
        else:
            response = Response(_VERIFICATION_OUTPUT.to_representation(record))
        patch_cache_control(response, public=True, max_age=10, must_revalidate=True)
        return response


class VerifyCredentialApi(APIView):
    """Check an Open Badges 3.0 credential: proof, schema, dates and status, each with messages."""

    permission_classes = [AllowAny]
    authentication_classes: list = []

    class OutputSerializer(serializers.Serializer):
        ok = serializers.BooleanField()
        checks = serializers.ListField(child=serializers.DictField())
        record = serializers.DictField(allow_null=True)

    @extend_schema(request=dict, responses=OutputSerializer, summary="Verify a credential (public)")
    def post(self, request: Request) -> Response:
        _check_rate(request)
        if not isinstance(request.data, dict) or not request.data:
            raise ApplicationError(_("Send the credential as a JSON object."), code="bad_credential")
        result = selectors.verify_uploaded_credential(dict(request.data))
        return Response(self.OutputSerializer(result).data)


# --------------------------------------------------------------------------- certificates


class CertificateOutput(serializers.ModelSerializer):
    type = serializers.CharField(source="type.code")
    issuer = serializers.CharField(source="issuer.code")
    public_status = serializers.SerializerMethodField()
    verification_url = serializers.SerializerMethodField()

    class Meta:
        model = Certificate
        fields = [
            "id",
            "serial",
            "verification_code",
            "type",
            "issuer",
            "holder_name_zh",
            "holder_name_en",
            "status",
            "public_status",
            "issued_at",
            "valid_from",
            "valid_until",
            "render_status",
            "verification_url",
        ]

    def get_public_status(self, certificate: Certificate) -> str:
        return certificate.public_status()

    def get_verification_url(self, certificate: Certificate) -> str:
        return certificate.verification_url()


class MyCertificatesApi(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(responses=CertificateOutput(many=True), summary="My certificates")
    def get(self, request: Request) -> Response:
        return Response(CertificateOutput(selectors.certificates_of_holder(request.user), many=True).data)


class CertificateListApi(APIView):
    permission_classes = [OfficerOnly]
    pagination_class = PageNumberPagination  # also tells the schema that the list is paginated

    @extend_schema(
        parameters=[OpenApiParameter(name, str, required=False) for name in ("q", "status", "type", "issuer")],
        responses=CertificateOutput(many=True),
        summary="Search certificates (officers)",
    )
    def get(self, request: Request) -> Response:
        qs = selectors.certificates_search(
            query=request.query_params.get("q", ""),
            status=request.query_params.get("status", ""),
            type_code=request.query_params.get("type", ""),
            issuer_code=request.query_params.get("issuer", ""),
        )
        paginator = self.pagination_class()
        page = paginator.paginate_queryset(qs, request, view=self)
        return paginator.get_paginated_response(CertificateOutput(page, many=True).data)


class CertificateIssueApi(APIView):
    """Manual issue by an officer, with a reason."""

    permission_classes = [OfficerOnly]

    class InputSerializer(serializers.Serializer):
        holder = serializers.CharField(help_text="username")
        type = serializers.SlugField()
        reason = serializers.CharField(max_length=1000)
        valid_from = serializers.DateField(required=False, allow_null=True)

    @extend_schema(request=InputSerializer, responses={201: CertificateOutput}, summary="Issue manually")
    def post(self, request: Request) -> Response:
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        holder = get_object_or_404(User, username=data.validated_data["holder"], is_active=True)
        certificate_type = get_object_or_404(CertificateType, code=data.validated_data["type"])
        certificate = services.certificate_issue_manual(
            holder=holder,
            certificate_type=certificate_type,
            reason=data.validated_data["reason"],
            valid_from=data.validated_data.get("valid_from"),
            by=request.user,
            request=request._request,
        )
        return Response(CertificateOutput(certificate).data, status=status.HTTP_201_CREATED)


class CertificateReasonInput(serializers.Serializer):
    reason = serializers.CharField(max_length=1000)


class _CertificateChangeApi(APIView):
    permission_classes = [OfficerOnly]
    service = staticmethod(services.certificate_revoke)

    def post(self, request: Request, pk: int) -> Response:
        data = CertificateReasonInput(data=request.data)
        data.is_valid(raise_exception=True)
        certificate = get_object_or_404(Certificate, pk=pk)
        result = self.service(
            certificate=certificate, reason=data.validated_data["reason"], by=request.user, request=request._request
        )
        return Response(CertificateOutput(result).data)


def _change_api(name: str, service, summary: str) -> type[APIView]:
    view = type(name, (_CertificateChangeApi,), {"service": staticmethod(service)})
    view.post = extend_schema(request=CertificateReasonInput, responses=CertificateOutput, summary=summary)(view.post)
    return view


CertificateRevokeApi = _change_api("CertificateRevokeApi", services.certificate_revoke, "Revoke (officers)")
CertificateSuspendApi = _change_api("CertificateSuspendApi", services.certificate_suspend, "Suspend (officers)")
CertificateUnsuspendApi = _change_api("CertificateUnsuspendApi", services.certificate_unsuspend, "Lift a suspension")
CertificateReissueApi = _change_api("CertificateReissueApi", services.certificate_reissue, "Re-issue (supersedes)")


class CertificateRenewApi(APIView):
    """The holder renews per the type's rule; the new certificate supersedes this one."""

    permission_classes = [IsAuthenticated]

    @extend_schema(request=None, responses={201: CertificateOutput}, summary="Renew my certificate")
    def post(self, request: Request, pk: int) -> Response:
        certificate = get_object_or_404(Certificate, pk=pk, holder=request.user)
        new = services.certificate_renew(certificate=certificate, by=request.user, request=request._request)
        return Response(CertificateOutput(new).data, status=status.HTTP_201_CREATED)


class JobOutput(serializers.ModelSerializer):
    class Meta:
        model = Job
        fields = ["id", "status", "progress", "phase", "result", "error", "created_at", "started_at", "finished_at"]


class SittingIssuingApi(APIView):
    """GET: issuing jobs of a sitting with progress; POST: (re)start issuing (idempotent)."""

    permission_classes = [OfficerOnly]

    @extend_schema(responses=JobOutput(many=True), summary="Issuing progress of a sitting")
    def get(self, request: Request, sitting_id: int) -> Response:
        sitting = get_object_or_404(Sitting, pk=sitting_id)
        jobs = Job.objects.filter(sitting=sitting, kind=JOB_KIND).order_by("-created_at")[:20]
        return Response(JobOutput(jobs, many=True).data)

    @extend_schema(request=None, responses={202: JobOutput}, summary="Start issuing for a sitting")
    def post(self, request: Request, sitting_id: int) -> Response:
        sitting = get_object_or_404(Sitting, pk=sitting_id)
        job = services.issuing_job_start(sitting=sitting, by=request.user)
        job.refresh_from_db()
        return Response(JobOutput(job).data, status=status.HTTP_202_ACCEPTED)


# --------------------------------------------------------------------------- issuers and types


class IssuerOutput(serializers.ModelSerializer):
    profile_url = serializers.SerializerMethodField()
    keys = serializers.SerializerMethodField()

    class Meta:
        model = Issuer
        fields = ["code", "name_zh", "name_en", "url", "email", "signatories", "profile_url", "keys"]

    def get_profile_url(self, issuer: Issuer) -> str:
        return issuer.profile_url()

    def get_keys(self, issuer: Issuer) -> list[dict]:
        return [
            {"kid": k.kid, "algorithm": k.algorithm, "created_at": k.created_at, "retired_at": k.retired_at}
            for k in issuer.keys.all()
        ]


class IssuerListApi(APIView):
    permission_classes = [OfficerOnly]

    class InputSerializer(serializers.Serializer):
        code = serializers.SlugField(max_length=40)
        name_zh = serializers.CharField(max_length=200)
        name_en = serializers.CharField(max_length=200)
        url = serializers.URLField(required=False, allow_blank=True, default="")
        email = serializers.EmailField(required=False, allow_blank=True, default="")
        description_zh = serializers.CharField(required=False, allow_blank=True, default="")
        description_en = serializers.CharField(required=False, allow_blank=True, default="")
        signatories = serializers.ListField(child=serializers.DictField(), required=False, default=list)

    @extend_schema(responses=IssuerOutput(many=True), summary="Issuers")
    def get(self, request: Request) -> Response:
        return Response(IssuerOutput(Issuer.objects.prefetch_related("keys"), many=True).data)

    @extend_schema(request=InputSerializer, responses={201: IssuerOutput}, summary="Create an issuer (new keys)")
    def post(self, request: Request) -> Response:
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        issuer = services.issuer_create(by=request.user, request=request._request, **data.validated_data)
        return Response(IssuerOutput(issuer).data, status=status.HTTP_201_CREATED)


class IssuerKeyRotateApi(APIView):
    permission_classes = [OfficerOnly]

    class InputSerializer(serializers.Serializer):
        algorithm = serializers.ChoiceField(choices=["Ed25519", "ES256"], default="Ed25519")

    @extend_schema(request=InputSerializer, responses=IssuerOutput, summary="Rotate an issuer key")
    def post(self, request: Request, code: str) -> Response:
        issuer = get_object_or_404(Issuer, code=code)
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        services.issuer_key_rotate(
            issuer=issuer, algorithm=data.validated_data["algorithm"], by=request.user, request=request._request
        )
        return Response(IssuerOutput(issuer).data)


class CertificateTypeOutput(serializers.ModelSerializer):
    issuer = serializers.CharField(source="issuer.code")
    scope_areas = serializers.SlugRelatedField(slug_field="code", many=True, read_only=True)

    class Meta:
        model = CertificateType
        fields = [
            "code",
            "issuer",
            "level",
            "title_zh",
            "title_en",
            "scope_areas",
            "validity_months",
            "renewal_rule",
            "cme_credits_required",
            "recert_exam",
            "serial_prefix",
            "layout",
            "is_active",
        ]


class CertificateTypeListApi(APIView):
    permission_classes = [OfficerOnly]

    @extend_schema(responses=CertificateTypeOutput(many=True), summary="Certificate types")
    def get(self, request: Request) -> Response:
        qs = CertificateType.objects.select_related("issuer").prefetch_related("scope_areas")
        return Response(CertificateTypeOutput(qs, many=True).data)


# --------------------------------------------------------------------------- CME


class CmeCreditOutput(serializers.ModelSerializer):
    holder = serializers.CharField(source="holder.username")

    class Meta:
        model = CmeCredit
        fields = ["id", "holder", "credits", "activity", "date", "verified_at"]


class MyCmeCreditsApi(APIView):
    permission_classes = [IsAuthenticated]

    class InputSerializer(serializers.Serializer):
        credits = serializers.DecimalField(max_digits=5, decimal_places=1)
        activity = serializers.CharField(max_length=300)
        date = serializers.DateField()

    @extend_schema(responses=CmeCreditOutput(many=True), summary="My CME credits")
    def get(self, request: Request) -> Response:
        qs = CmeCredit.objects.filter(holder=request.user).select_related("holder")
        return Response(CmeCreditOutput(qs, many=True).data)

    @extend_schema(request=InputSerializer, responses={201: CmeCreditOutput}, summary="Record CME credits")
    def post(self, request: Request) -> Response:
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        credit = services.cme_credit_add(holder=request.user, request=request._request, **data.validated_data)
        return Response(CmeCreditOutput(credit).data, status=status.HTTP_201_CREATED)


class CmeCreditVerifyApi(APIView):
    permission_classes = [OfficerOnly]

    @extend_schema(request=None, responses=CmeCreditOutput, summary="Verify CME credits (officers)")
    def post(self, request: Request, pk: int) -> Response:
        credit = get_object_or_404(CmeCredit.objects.select_related("holder"), pk=pk)
        services.cme_credit_verify(credit=credit, by=request.user, request=request._request)
        return Response(CmeCreditOutput(credit).data)
