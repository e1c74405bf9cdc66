"""The API root: an index of the v1 endpoints."""

from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.reverse import reverse
from rest_framework.views import APIView

# Named URL patterns listed at /api/v1/. Apps add theirs as they land.
API_INDEX = {
    "me": "api:me",
    "token": "api:token",
    "my-sittings": "api:my_sittings",
    "attempt-start": "api:attempt_start",
    "server-time": "api:time",
    "proctor-sittings": "api:proctor_sittings",
    "scoring-sittings": "api:scoring_sittings",
    "scoring-my-panels": "api:scoring_my_panels",
    "questions": "api:questions",
    "question-review-queue": "api:question-review-queue",
    "question-coverage": "api:question-coverage",
    "question-media": "api:question-media",
    "exams": "api:exams",
    "sittings": "api:sittings",
    "curriculum-areas": "api:curriculum-areas",
    "curriculum-objectives": "api:curriculum-objectives",
    "curriculum-requirements": "api:curriculum-requirements",
    "curriculum-level-rules": "api:curriculum-level-rules",
    "logbook-entries": "api:logbook-entries",
    "logbook-import": "api:logbook-import",
    "logbook-training-periods": "api:logbook-training-periods",
    "certificates": "api:certificates",
    "my-certificates": "api:my-certificates",
    "certificate-issue": "api:certificate-issue",
    "certificate-issuers": "api:certificate-issuers",
    "certificate-types": "api:certificate-types",
    "cme-credits": "api:cme-credits",
    "certificate-verify-credential": "api:certificate-verify-credential",
}


class ApiRootApi(APIView):
    permission_classes = [AllowAny]

    class OutputSerializer(serializers.Serializer):
        endpoints = serializers.DictField(child=serializers.URLField())
        schema = serializers.URLField()
        docs = serializers.URLField()

    @extend_schema(responses=OutputSerializer, summary="Index of the API")
    def get(self, request: Request) -> Response:
        endpoints = {name: reverse(url_name, request=request) for name, url_name in API_INDEX.items()}
        return Response(
            {
                "endpoints": endpoints,
                "schema": reverse("schema", request=request),
                "docs": reverse("api-docs", request=request),
            }
        )
