"""Import and export through the API (instructors and exam officers).

* ``POST /api/v1/questions/import/`` (multipart: ``file``, ``format``, ``area``, optional ``pool``,
  ``encoding``, ``dry_run``, ``allow_duplicates``): all or nothing; 201 with the created drafts
  (200 for a dry run), or 400 ``import_refused`` with ``extra.problems`` naming item and place.
* ``GET /api/v1/questions/export/?file_format=…&area=…&status=…&type=…&level=…&pool=…&language=…``: the
  file as a download; 400 ``export_refused`` listing the items the format cannot hold.
"""

from __future__ import annotations

from django.http import HttpResponse
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.permissions import HasRole
from accounts.roles import Role
from irexam.errors import ApplicationError
from question_bank.formats import FORMATS, parse
from question_bank.formats.safety import DEFAULT_LIMITS
from question_bank.imports import export_versions, import_questions, versions_for_export
from question_bank.models import Language, Level, Pool, QuestionType, VersionStatus

CanTransfer = HasRole.of(Role.INSTRUCTOR, Role.OFFICER)


class ImportRequestSerializer(serializers.Serializer):
    file = serializers.FileField()
    format = serializers.ChoiceField(choices=list(FORMATS))
    area = serializers.CharField(max_length=20)
    pool = serializers.ChoiceField(choices=Pool.choices, required=False)
    encoding = serializers.ChoiceField(choices=["utf-8", "gb18030", "gbk"], required=False)
    dry_run = serializers.BooleanField(default=False)
    allow_duplicates = serializers.BooleanField(default=False)


class ExportQuerySerializer(serializers.Serializer):
    #: Not ``format``: DRF reads that query parameter to choose its renderer.
    file_format = serializers.ChoiceField(choices=[c for c, f in FORMATS.items() if f.can_export])
    area = serializers.CharField(max_length=20, required=False)
    status = serializers.ChoiceField(choices=VersionStatus.choices, required=False)
    type = serializers.ChoiceField(choices=QuestionType.choices, required=False)
    level = serializers.ChoiceField(choices=Level.choices, required=False)
    pool = serializers.ChoiceField(choices=Pool.choices, required=False)
    language = serializers.ChoiceField(choices=Language.choices, required=False)


class ImportApi(APIView):
    permission_classes = [CanTransfer]
    parser_classes = [MultiPartParser, FormParser]

    @extend_schema(request=ImportRequestSerializer, responses=OpenApiTypes.OBJECT, summary="Import questions")
    def post(self, request: Request) -> Response:
        params = ImportRequestSerializer(data=request.data)
        params.is_valid(raise_exception=True)
        data = params.validated_data
        upload = data["file"]
        if upload.size > DEFAULT_LIMITS.max_file_bytes:
            raise ApplicationError(
                _("The file is too large (%(size)d bytes; the limit is %(limit)d bytes).")
                % {"size": upload.size, "limit": DEFAULT_LIMITS.max_file_bytes},
                code="file_too_large",
            )
        report = parse(
            upload.read(),
            data["format"],
            filename=upload.name,
            encoding=data.get("encoding"),
            default_area=data["area"],
        )
        outcome = import_questions(
            report=report,
            area_code=data["area"],
            by=request.user,
            pool=data.get("pool"),
            dry_run=data["dry_run"],
            allow_duplicates=data["allow_duplicates"],
            source_format=data["format"],
            filename=upload.name,
        )
        body = {
            "dry_run": outcome.dry_run,
            "questions": [q.__dict__ for q in outcome.questions],
            "warnings": [{"item": w.item, "location": w.location, "message": w.message} for w in outcome.warnings],
        }
        return Response(body, status=status.HTTP_200_OK if outcome.dry_run else status.HTTP_201_CREATED)


#: The file in the requested format: the JSON format is a JSON object, every other one a file.
_EXPORT_RESPONSES = {
    (200, f.mime.split(";")[0]): OpenApiTypes.OBJECT if f.mime == "application/json" else OpenApiTypes.BINARY
    for f in FORMATS.values()
    if f.can_export
}


class ExportApi(APIView):
    permission_classes = [CanTransfer]

    @extend_schema(parameters=[ExportQuerySerializer], responses=_EXPORT_RESPONSES, summary="Export questions")
    def get(self, request: Request) -> HttpResponse:
        params = ExportQuerySerializer(data=request.query_params)
        params.is_valid(raise_exception=True)
        data = dict(params.validated_data)
        fmt = data.pop("file_format")
        versions = versions_for_export(area=data.pop("area", None), status=data.pop("status", None), **data)
        payload, problems, warnings = export_versions(versions, fmt)
        if problems:
            raise ApplicationError(
                _("Some questions cannot be written in this format; nothing was exported."),
                {"problems": [{"item": p.item, "location": p.location, "message": p.message} for p in problems]},
                code="export_refused",
            )
        f = FORMATS[fmt]
        extension = ".zip" if fmt in ("qti21", "qti3") else f.extensions[0]
        response = HttpResponse(payload, content_type=f.mime)
        response["Content-Disposition"] = f'attachment; filename="questions-{fmt}{extension}"'
        response["X-Export-Warnings"] = str(len(warnings))
        return response
