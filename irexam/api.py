"""The API root: an index of the v1 endpoints."""

from django.http import HttpRequest, HttpResponse
from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.permissions import AllowAny
from rest_framework.renderers import JSONRenderer
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.reverse import reverse
from rest_framework.views import APIView

from irexam.errors import ApplicationError, application_error_body

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


class LeanJsonApiView(APIView):
    """A DRF view whose methods in ``lean_methods`` skip DRF's request cycle (the exam-day hot paths).

    For those methods ``dispatch`` calls the handler with Django's own ``HttpRequest`` (no DRF
    ``Request``: read ``request.body`` / ``request.META`` yourself), renders the ``Response`` it
    returns as JSON, and answers an ``ApplicationError`` as ``irexam.errors.api_exception_handler``
    does (same body, status and ``Retry-After``). DRF's request wrapping, content negotiation,
    authentication, permissions, throttles and versioning cost more CPU than the rest of such a
    request, and these endpoints use none of them: they must check everything themselves. Any other
    method (OPTIONS, and 405 for the rest) takes the normal DRF path, and the class stays a DRF view
    so that the OpenAPI schema documents it (keep ``authentication_classes`` and
    ``permission_classes`` saying what the handler really checks).
    """

    lean_methods: frozenset[str] = frozenset()
    renderer_classes = [JSONRenderer]
    _renderer = JSONRenderer()

    def dispatch(self, request: HttpRequest, *args, **kwargs) -> HttpResponse:
        if request.method not in self.lean_methods:
            return super().dispatch(request, *args, **kwargs)
        try:
            response = getattr(self, request.method.lower())(request, *args, **kwargs)
        except ApplicationError as exc:
            body, headers = application_error_body(exc)
            response = Response(body, status=exc.status_code, headers=headers)
        response = self.lean_finalize(request, response)
        response["Allow"] = ", ".join(self.allowed_methods)
        response.accepted_renderer = self._renderer
        response.accepted_media_type = self._renderer.media_type
        response.renderer_context = {}
        return response

    def lean_finalize(self, request: HttpRequest, response: Response) -> Response:
        """A hook for what every lean answer of the view carries (e.g. the server's clock)."""
        return response
