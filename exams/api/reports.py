"""Score report API: the candidate's own released results (JSON and PDF); officers' sitting reports and exports.

A candidate reaches only their own registrations in released sittings (anything else: 404); other
roles get 403. Officer endpoints need the officer role. Exports are CSV (UTF-8 with BOM) or XLSX with
formula-safe cells.
"""

from __future__ import annotations

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import serializers
from rest_framework.exceptions import NotAcceptable
from rest_framework.negotiation import DefaultContentNegotiation
from rest_framework.renderers import JSONRenderer
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.permissions import HasRole
from accounts.roles import Role
from exams import selectors_scoring
from exams.services import reports
from exams.views.reports import XLSX, export_response, pdf_response, svg_response


class FileNegotiation(DefaultContentNegotiation):
    """File endpoints answer with their own type (PDF, SVG, CSV, XLSX) whatever ``Accept`` names; errors in JSON."""

    def select_renderer(self, request, renderers, format_suffix=None):
        try:
            return super().select_renderer(request, renderers, format_suffix)
        except NotAcceptable:
            return JSONRenderer(), JSONRenderer.media_type


class FileApi(APIView):
    content_negotiation_class = FileNegotiation


class CandidateReportApi(APIView):
    permission_classes = [HasRole.of(Role.TRAINEE)]

    class OutputSerializer(serializers.Serializer):
        class ReportPaper(serializers.Serializer):
            number = serializers.IntegerField()
            title = serializers.CharField()
            taken = serializers.BooleanField()
            raw = serializers.FloatField(allow_null=True)
            max = serializers.FloatField(allow_null=True)
            percent = serializers.FloatField(allow_null=True)
            scaled_score = serializers.FloatField(allow_null=True)
            passed = serializers.BooleanField(allow_null=True)

        class ReportArea(serializers.Serializer):
            code = serializers.CharField()
            name = serializers.CharField()
            raw = serializers.FloatField()
            max = serializers.FloatField()
            percent = serializers.FloatField()
            cohort_mean = serializers.FloatField()
            cohort_p25 = serializers.FloatField()
            cohort_p75 = serializers.FloatField()
            percentile = serializers.FloatField()

        class ReportMissed(serializers.Serializer):
            class ReportMissedUnit(serializers.Serializer):
                question = serializers.CharField()
                key = serializers.ListField(child=serializers.CharField())
                your_answer = serializers.ListField(child=serializers.CharField())

            paper = serializers.IntegerField()
            position = serializers.IntegerField()
            stem = serializers.CharField()
            lead_in = serializers.CharField()
            units = ReportMissedUnit(many=True)
            explanation = serializers.CharField()

        registration_id = serializers.IntegerField()
        candidate_name = serializers.CharField()
        exam_code = serializers.CharField()
        exam_title = serializers.CharField()
        sitting_code = serializers.CharField()
        released_at = serializers.DateTimeField(allow_null=True)
        practice = serializers.BooleanField()
        passed = serializers.BooleanField(allow_null=True)
        scaled_score = serializers.FloatField(allow_null=True)
        scale_min = serializers.IntegerField()
        scale_max = serializers.IntegerField()
        scale_cut = serializers.IntegerField()
        raw_score = serializers.FloatField()
        max_score = serializers.FloatField()
        percent = serializers.FloatField()
        cohort_n = serializers.IntegerField()
        cohort_mean = serializers.FloatField(allow_null=True)
        percentile = serializers.FloatField(allow_null=True)
        papers = ReportPaper(many=True)
        areas = ReportArea(many=True)
        missed_items = ReportMissed(many=True)

    @extend_schema(responses=OutputSerializer, summary="The candidate's own score report (released results only)")
    def get(self, request: Request, registration_id: int) -> Response:
        registration = reports.released_registration_get(candidate=request.user, registration_id=registration_id)
        report = reports.candidate_report(registration=registration)
        return Response(self.OutputSerializer(report.as_dict()).data)


class CandidateReportsApi(APIView):
    permission_classes = [HasRole.of(Role.TRAINEE)]

    class OutputSerializer(serializers.Serializer):
        class ReleasedResult(serializers.Serializer):
            registration_id = serializers.IntegerField(source="pk")
            sitting_code = serializers.CharField(source="sitting.code")
            exam_code = serializers.CharField(source="sitting.exam.code")
            exam_title = serializers.CharField(source="sitting.exam.title")
            released_at = serializers.DateTimeField(source="sitting.released_at")
            passed = serializers.BooleanField(source="result.passed", allow_null=True)
            scaled_score = serializers.FloatField(source="result.scaled_score", allow_null=True)

        results = ReleasedResult(many=True)

    @extend_schema(
        operation_id="my_results_list", responses=OutputSerializer, summary="The candidate's released results"
    )
    def get(self, request: Request) -> Response:
        registrations = reports.released_results_of(candidate=request.user)
        return Response(self.OutputSerializer({"results": registrations}).data)


class CandidateReportPdfApi(FileApi):
    permission_classes = [HasRole.of(Role.TRAINEE)]

    @extend_schema(
        responses={(200, "application/pdf"): OpenApiTypes.BINARY},
        summary="The candidate's score report as a PDF in the request's language",
    )
    def get(self, request: Request, registration_id: int):
        registration = reports.released_registration_get(candidate=request.user, registration_id=registration_id)
        return pdf_response(reports.candidate_report(registration=registration))


def _float(**kwargs) -> serializers.FloatField:
    return serializers.FloatField(allow_null=True, **kwargs)


class OfficerReportApi(APIView):
    permission_classes = [HasRole.of(Role.OFFICER)]

    class OutputSerializer(serializers.Serializer):
        class SittingReportSitting(serializers.Serializer):
            id = serializers.IntegerField()
            code = serializers.CharField()
            status = serializers.CharField()
            exam = serializers.CharField()

        class SittingReportScale(serializers.Serializer):
            min = serializers.IntegerField()
            max = serializers.IntegerField()
            cut = serializers.IntegerField()

        class SittingReportScores(serializers.Serializer):
            scaled = serializers.ListField(child=serializers.FloatField(), help_text="sorted scaled scores")
            percent = serializers.ListField(child=serializers.FloatField(), help_text="sorted percents")
            cut_percent = _float()

        class SittingReportItem(serializers.Serializer):
            form = serializers.CharField()
            paper_id = serializers.IntegerField()
            position = serializers.IntegerField()
            unit = serializers.CharField(allow_blank=True)
            label = serializers.CharField()
            version_id = serializers.IntegerField()
            area = serializers.CharField()
            type = serializers.CharField()
            key = serializers.CharField(allow_blank=True)
            dropped = serializers.BooleanField()
            n = serializers.IntegerField(allow_null=True)
            p = _float()
            rpb = _float(help_text="corrected point-biserial")
            d = _float(help_text="upper-lower 27% discrimination index")
            omit_rate = _float()
            b = _float(help_text="Rasch difficulty")
            b_se = _float()
            flags = serializers.ListField(child=serializers.CharField())
            flag_reasons = serializers.ListField(child=serializers.CharField())
            comments = serializers.IntegerField()

        class SittingReportArea(serializers.Serializer):
            code = serializers.CharField()
            name = serializers.CharField()
            n = serializers.IntegerField()
            mean = serializers.FloatField()
            p25 = serializers.FloatField()
            median = serializers.FloatField()
            p75 = serializers.FloatField()

        class SittingReportPassRate(serializers.Serializer):
            code = serializers.CharField(allow_blank=True)
            name = serializers.CharField()
            n = serializers.IntegerField()
            passed = serializers.IntegerField()
            pass_rate = serializers.FloatField()

        sitting = SittingReportSitting()
        computed_at = serializers.DateTimeField()
        scale = SittingReportScale()
        n_candidates = serializers.IntegerField()
        pass_count = serializers.IntegerField()
        scores = SittingReportScores()
        items = SittingReportItem(many=True)
        areas = SittingReportArea(many=True)
        centres = SittingReportPassRate(many=True)
        provinces = SittingReportPassRate(many=True)

    @extend_schema(
        responses=OutputSerializer,
        summary="Report data of a scored sitting: scores, item statistics, areas, pass rates by centre and province",
    )
    def get(self, request: Request, sitting_id: int) -> Response:
        report = reports.officer_report(selectors_scoring.sitting_get(sitting_id))
        return Response(self.OutputSerializer(report).data)


class OfficerReportChartApi(FileApi):
    permission_classes = [HasRole.of(Role.OFFICER)]

    @extend_schema(
        responses={(200, "image/svg+xml"): OpenApiTypes.STR},
        summary="A report chart as SVG: scores (histogram with cut), items (p vs r_pb), areas",
    )
    def get(self, request: Request, sitting_id: int, kind: str):
        svg, tag = reports.chart_svg(selectors_scoring.sitting_get(sitting_id), kind)
        return svg_response(request, svg, tag)


class OfficerReportExportApi(FileApi):
    permission_classes = [HasRole.of(Role.OFFICER)]

    @extend_schema(
        responses={
            (200, "text/csv"): OpenApiResponse(OpenApiTypes.BINARY, description="CSV, UTF-8 with BOM"),
            (200, XLSX): OpenApiResponse(OpenApiTypes.BINARY, description="XLSX workbook"),
        },
        summary="Export candidate results (what=results) or item statistics (what=items) as csv or xlsx",
    )
    def get(self, request: Request, sitting_id: int, what: str, fmt: str):
        return export_response(selectors_scoring.sitting_get(sitting_id), what, fmt)
