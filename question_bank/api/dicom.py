"""DICOM series API: upload, the staff detail (with the de-identification report), the officer's policy,
and the viewer's two resources (manifest and pixel blob) under the series' media URL.

Who may do what:

* upload — instructors and officers; detail — instructors, reviewers, officers;
* policy — officers (read and change); the kept original (de-identified files) — instructors and officers;
* manifest and blob — bank staff always; anybody else only when a rule registered with
  ``services_dicom.register_dicom_access_rule`` allows it (exams: the series is on a position of the
  candidate's own in-progress attempt). Refusals are 404, so a series' existence does not leak.

A refused upload is a 400 whose ``detail`` is the reason in the request's language and whose
``extra.dicom_code`` is ``question_bank.dicom``'s refusal code (docs/dicom.md).

Manifest and blob never change (a stored series is immutable), so both are served with a strong ETag
(the SHA-256 of what is sent), ``Cache-Control: private, max-age=31536000, immutable`` and 304 on
``If-None-Match``. The blob is stored gzip-compressed and sent as is with ``Content-Encoding: gzip``.
"""

from __future__ import annotations

from django.http import FileResponse, Http404, HttpResponse, HttpResponseNotModified
from django.shortcuts import get_object_or_404
from django.urls import reverse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.permissions import IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.permissions import HasRole
from accounts.roles import Role
from question_bank import dicom, services_dicom
from question_bank.models import DicomPolicy, DicomSeries

CACHE_CONTROL = "private, max-age=31536000, immutable"
_WINDOW_CHOICES = list(dicom.WINDOW_PRESETS)


def dicom_urls(media_id: str) -> dict[str, str]:
    """The viewer's resources of a series: they live under its media URL (see exams.delivery)."""
    return {
        "manifest_url": reverse("api:question-dicom-manifest", kwargs={"pk": media_id}),
        "data_url": reverse("api:question-dicom-data", kwargs={"pk": media_id}),
    }


class DicomSeriesOutput(serializers.Serializer):
    id = serializers.UUIDField(source="pk")
    modality = serializers.CharField()
    frames = serializers.IntegerField(source="frame_count")
    rows = serializers.IntegerField(source="media.height")
    columns = serializers.IntegerField(source="media.width")
    size = serializers.IntegerField(source="media.size")
    sha256 = serializers.CharField(source="media.sha256")
    original_name = serializers.CharField(source="media.original_name")
    original_kept = serializers.BooleanField(source="keeps_original")
    burned_in_confirmed_absent = serializers.BooleanField()
    deidentification = serializers.JSONField()
    manifest = serializers.JSONField()
    manifest_url = serializers.SerializerMethodField()
    data_url = serializers.SerializerMethodField()
    created_at = serializers.DateTimeField()

    def get_manifest_url(self, series: DicomSeries) -> str:
        return dicom_urls(str(series.pk))["manifest_url"]

    def get_data_url(self, series: DicomSeries) -> str:
        return dicom_urls(str(series.pk))["data_url"]


class DicomUploadApi(APIView):
    """Upload one DICOM series (several files and/or zips): de-identified, converted once, stored."""

    permission_classes = [HasRole.of(Role.INSTRUCTOR, Role.OFFICER)]
    parser_classes = [MultiPartParser, FormParser]

    class InputSerializer(serializers.Serializer):
        files = serializers.ListField(child=serializers.FileField(), allow_empty=False)
        confirm_no_burned_in = serializers.BooleanField(required=False, default=False)
        window = serializers.ChoiceField(choices=_WINDOW_CHOICES, required=False, allow_null=True, default=None)

    @extend_schema(request=InputSerializer, responses={201: DicomSeriesOutput}, summary="Upload a DICOM series")
    def post(self, request: Request) -> Response:
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        series = services_dicom.dicom_series_upload(
            files=data.validated_data["files"],
            by=request.user,
            confirm_no_burned_in=data.validated_data["confirm_no_burned_in"],
            window=data.validated_data["window"],
            request=request,
        )
        return Response(DicomSeriesOutput(series).data, status=status.HTTP_201_CREATED)


class DicomDetailApi(APIView):
    """A stored series for bank staff: manifest, de-identification report, viewer URLs."""

    permission_classes = [HasRole.of(Role.INSTRUCTOR, Role.REVIEWER, Role.OFFICER)]

    @extend_schema(responses={200: DicomSeriesOutput}, summary="A DICOM series")
    def get(self, request: Request, pk: str) -> Response:
        series = get_object_or_404(DicomSeries.objects.select_related("media"), pk=pk)
        return Response(DicomSeriesOutput(series).data)


class DicomPolicyApi(APIView):
    """The officer's DICOM storage policy: whether uploads keep their de-identified originals."""

    permission_classes = [HasRole.of(Role.OFFICER)]

    class PolicySerializer(serializers.Serializer):
        keep_originals = serializers.BooleanField()

    @extend_schema(responses={200: PolicySerializer}, summary="The DICOM storage policy")
    def get(self, request: Request) -> Response:
        return Response(self.PolicySerializer(DicomPolicy.current()).data)

    @extend_schema(request=PolicySerializer, responses={200: PolicySerializer}, summary="Change the DICOM policy")
    def put(self, request: Request) -> Response:
        data = self.PolicySerializer(data=request.data)
        data.is_valid(raise_exception=True)
        policy = services_dicom.dicom_policy_update(
            keep_originals=data.validated_data["keep_originals"], by=request.user, request=request
        )
        return Response(self.PolicySerializer(policy).data)


def _cached(request: Request, etag: str, build) -> HttpResponse:
    if etag in [t.strip() for t in request.headers.get("If-None-Match", "").split(",")]:
        response: HttpResponse = HttpResponseNotModified()
    else:
        response = build()
    response["ETag"] = etag
    response["Cache-Control"] = CACHE_CONTROL
    response["X-Content-Type-Options"] = "nosniff"
    return response


def _series_for(request: Request, pk: str) -> DicomSeries:
    if not services_dicom.dicom_access_allowed(user=request.user, media_id=str(pk)):
        raise Http404
    return get_object_or_404(DicomSeries.objects.select_related("media"), pk=pk)


class DicomManifestApi(APIView):
    """The viewer manifest: display geometry and windows only, never a DICOM header field."""

    permission_classes = [IsAuthenticated]

    @extend_schema(responses={(200, "application/json"): OpenApiTypes.OBJECT}, summary="A DICOM viewer manifest")
    def get(self, request: Request, pk: str) -> HttpResponse:
        series = _series_for(request, pk)

        def build() -> HttpResponse:
            return HttpResponse(services_dicom.manifest_bytes(series.manifest), content_type="application/json")

        return _cached(request, f'"{series.manifest_sha256}"', build)


class DicomDataApi(APIView):
    """The pixel blob (frames in display order), gzip-compressed, sent with Content-Encoding: gzip."""

    permission_classes = [IsAuthenticated]

    @extend_schema(responses={(200, "application/octet-stream"): bytes}, summary="A DICOM series' pixel data")
    def get(self, request: Request, pk: str) -> HttpResponse:
        series = _series_for(request, pk)
        media = series.media

        def build() -> HttpResponse:
            try:
                handle = media.file.open("rb")
            except (FileNotFoundError, OSError):
                raise Http404
            response = FileResponse(handle, content_type="application/octet-stream")
            response["Content-Length"] = str(media.size)
            if series.manifest.get("compression") == "gzip":
                response["Content-Encoding"] = "gzip"
            return response

        return _cached(request, f'"{media.sha256}"', build)


class DicomOriginalApi(APIView):
    """The kept original (a zip of the de-identified DICOM files), for instructors and officers; 404 when the
    policy did not keep it."""

    permission_classes = [HasRole.of(Role.INSTRUCTOR, Role.OFFICER)]

    @extend_schema(responses={(200, "application/zip"): bytes}, summary="A DICOM series' kept original")
    def get(self, request: Request, pk: str) -> HttpResponse:
        series = get_object_or_404(DicomSeries, pk=pk)
        if not series.original:
            raise Http404
        try:
            handle = series.original.open("rb")
        except (FileNotFoundError, OSError):
            raise Http404
        response = FileResponse(handle, content_type="application/zip", as_attachment=True, filename=f"{pk}.zip")
        response["Cache-Control"] = "private, no-store"
        response["X-Content-Type-Options"] = "nosniff"
        return response
