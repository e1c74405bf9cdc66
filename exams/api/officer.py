"""Officer API: exams, papers, blueprint rows, sittings, assembly and registrations.

Exam officers only (``HasRole.of("officer")``); everyone else gets 403. Each view checks its input
with a nested serializer, calls one service and answers with an output serializer. Refusals come
from the services as ``ApplicationError`` (400/409 with ``detail``, ``code`` and ``extra``): an
assembly the bank cannot fill answers 400 with ``extra.shortfall`` listing each short row.
"""

from __future__ import annotations

from django.db.models import Count, Prefetch, Q
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema, extend_schema_field
from rest_framework import serializers, status
from rest_framework.pagination import PageNumberPagination
from rest_framework.parsers import FormParser, JSONParser, MultiPartParser
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.models import User
from accounts.permissions import HasRole
from accounts.roles import Role
from curriculum.models import Objective, TechniqueArea
from exams.models import BlueprintRow, Exam, Form, Paper, Registration, Sitting
from exams.services import assembly as assembly_services
from exams.services import exams as exam_services
from exams.services import registration as registration_services
from irexam.errors import ApplicationError


class OfficerApi(APIView):
    permission_classes = [HasRole.of(Role.OFFICER)]


# --------------------------------------------------------------------------------------------- reads


def exam_queryset():
    rows = BlueprintRow.objects.select_related("area", "objective").order_by("order", "id")
    papers = Paper.objects.order_by("number").prefetch_related(Prefetch("blueprint_rows", queryset=rows))
    return Exam.objects.prefetch_related(Prefetch("papers", queryset=papers)).order_by("code")


def sitting_queryset():
    return (
        Sitting.objects.select_related("exam")
        .prefetch_related(Prefetch("proctors", queryset=User.objects.order_by("username")))
        .annotate(
            registered=Count("registrations", filter=Q(registrations__status=Registration.Status.REGISTERED)),
        )
        .order_by("-opens_at", "code")
    )


# --------------------------------------------------------------------------------------------- serializers


class RowOutput(serializers.ModelSerializer):
    area = serializers.CharField(source="area.code")
    objective = serializers.CharField(source="objective.code", allow_null=True, default=None)

    class Meta:
        model = BlueprintRow
        fields = [
            "id",
            "area",
            "objective",
            "level",
            "item_type",
            "count",
            "min_image_items",
            "min_difficulty",
            "max_difficulty",
            "order",
        ]


class PaperOutput(serializers.ModelSerializer):
    blueprint = RowOutput(source="blueprint_rows", many=True)
    blueprint_total = serializers.SerializerMethodField()

    class Meta:
        model = Paper
        fields = [
            "id",
            "number",
            "title_zh",
            "title_en",
            "duration_minutes",
            "item_count",
            "blueprint",
            "blueprint_total",
        ]

    def get_blueprint_total(self, paper: Paper) -> int:
        return sum(row.count for row in paper.blueprint_rows.all())


class ExamOutput(serializers.ModelSerializer):
    papers = PaperOutput(many=True)

    class Meta:
        model = Exam
        fields = [
            "id",
            "code",
            "title_zh",
            "title_en",
            "level",
            "language",
            "purpose",
            "pass_rule",
            "rules_zh",
            "rules_en",
            "requires_certificate_level",
            "max_attempts",
            "attempts_period_days",
            "retake_wait_days",
            "papers",
        ]


class ExamInput(serializers.Serializer):
    code = serializers.SlugField(max_length=40)
    title_zh = serializers.CharField(max_length=200)
    title_en = serializers.CharField(max_length=200, required=False, allow_blank=True)
    level = serializers.ChoiceField(choices=Exam._meta.get_field("level").choices)
    language = serializers.ChoiceField(choices=exam_services.EXAM_LANGUAGES, required=False)
    purpose = serializers.ChoiceField(choices=Exam.Purpose.choices, required=False)
    pass_rule = serializers.ChoiceField(choices=Exam.PassRule.choices, required=False)
    rules_zh = serializers.CharField(required=False, allow_blank=True)
    rules_en = serializers.CharField(required=False, allow_blank=True)
    requires_certificate_level = serializers.ChoiceField(
        choices=[("", "-"), *Exam._meta.get_field("level").choices], required=False, allow_blank=True
    )
    max_attempts = serializers.IntegerField(min_value=1, max_value=100, required=False)
    attempts_period_days = serializers.IntegerField(min_value=1, max_value=36500, required=False)
    retake_wait_days = serializers.IntegerField(min_value=0, max_value=3650, required=False)


class PaperInput(serializers.Serializer):
    number = serializers.IntegerField(min_value=1, max_value=20, required=False)
    title_zh = serializers.CharField(max_length=200)
    title_en = serializers.CharField(max_length=200, required=False, allow_blank=True)
    duration_minutes = serializers.IntegerField(min_value=1, max_value=24 * 60)
    item_count = serializers.IntegerField(min_value=1, max_value=1000)


class RowInput(serializers.Serializer):
    area = serializers.SlugRelatedField(slug_field="code", queryset=TechniqueArea.objects.all())
    objective = serializers.SlugRelatedField(
        slug_field="code", queryset=Objective.objects.all(), required=False, allow_null=True
    )
    level = serializers.ChoiceField(
        choices=[("", "-"), *BlueprintRow._meta.get_field("level").choices], required=False, allow_blank=True
    )
    item_type = serializers.ChoiceField(
        choices=[("", "-"), *[(t, t) for t in exam_services.ITEM_TYPES]], required=False, allow_blank=True
    )
    count = serializers.IntegerField(min_value=1, max_value=1000)
    min_image_items = serializers.IntegerField(min_value=0, max_value=1000, required=False)
    min_difficulty = serializers.FloatField(min_value=0, max_value=1, required=False, allow_null=True)
    max_difficulty = serializers.FloatField(min_value=0, max_value=1, required=False, allow_null=True)
    order = serializers.IntegerField(min_value=0, required=False)


class SittingOutput(serializers.ModelSerializer):
    exam = serializers.CharField(source="exam.code")
    proctors = serializers.SlugRelatedField(slug_field="username", many=True, read_only=True)
    registered = serializers.IntegerField(read_only=True, default=None)

    class Meta:
        model = Sitting
        fields = [
            "id",
            "exam",
            "code",
            "status",
            "opens_at",
            "closes_at",
            "time_zone",
            "access_code",
            "form_mode",
            "form_count",
            "exposure_limit",
            "grace_seconds",
            "proctors",
            "assembled_at",
            "registered",
        ]


class SittingInput(serializers.Serializer):
    exam = serializers.SlugRelatedField(slug_field="code", queryset=Exam.objects.all())
    code = serializers.SlugField(max_length=60)
    opens_at = serializers.DateTimeField()
    closes_at = serializers.DateTimeField()
    time_zone = serializers.CharField(max_length=64, required=False)
    access_code = serializers.CharField(max_length=32, required=False, allow_blank=True)
    form_mode = serializers.ChoiceField(choices=Sitting.FormMode.choices, required=False)
    form_count = serializers.IntegerField(min_value=1, max_value=26, required=False)
    exposure_limit = serializers.FloatField(min_value=0.01, max_value=1, required=False)
    grace_seconds = serializers.IntegerField(min_value=0, max_value=600, required=False)
    proctors = serializers.SlugRelatedField(
        slug_field="username", queryset=User.objects.all(), many=True, required=False
    )
    status = serializers.ChoiceField(choices=Sitting.Status.choices, required=False)


class CandidateOutput(serializers.ModelSerializer):
    name = serializers.CharField(source="display_name")
    organization = serializers.CharField(source="organization.code", allow_null=True, default=None)

    class Meta:
        model = User
        fields = ["id", "username", "name", "licence_number", "organization"]


class RegistrationOutput(serializers.ModelSerializer):
    candidate = CandidateOutput()
    override_by = serializers.CharField(source="override_by.username", allow_null=True, default=None)

    class Meta:
        model = Registration
        fields = [
            "id",
            "candidate",
            "status",
            "eligibility",
            "override_reason",
            "override_by",
            "extra_time_minutes",
            "extra_time_percent",
            "separate_breaks",
            "accommodation_note",
            "created_at",
        ]


class AccommodationInput(serializers.Serializer):
    extra_time_minutes = serializers.IntegerField(min_value=0, required=False, default=0)
    extra_time_percent = serializers.IntegerField(min_value=0, required=False, default=0)
    separate_breaks = serializers.BooleanField(required=False, default=False)
    accommodation_note = serializers.CharField(max_length=300, required=False, allow_blank=True, default="")


@extend_schema_field(OpenApiTypes.STR)
class CandidateField(serializers.Field):
    """A user named by id, username or licence number."""

    def to_internal_value(self, data):
        value = str(data).strip()
        user = User.objects.filter(Q(username=value) | Q(licence_number=value) & ~Q(licence_number="")).first()
        if user is None and value.isdigit():
            user = User.objects.filter(pk=int(value)).first()
        if user is None:
            raise serializers.ValidationError(_("No user %(value)s.") % {"value": value})
        return user

    def to_representation(self, value):
        return value.username


class RegistrationInput(AccommodationInput):
    candidate = CandidateField()
    override_reason = serializers.CharField(max_length=2000, required=False, allow_blank=True, default="")


def _sitting(pk: int) -> Sitting:
    return get_object_or_404(Sitting.objects.select_related("exam"), pk=pk)


# --------------------------------------------------------------------------------------------- exams


class ExamListApi(OfficerApi):
    @extend_schema(responses=ExamOutput(many=True), summary="Exams with papers and blueprints")
    def get(self, request: Request) -> Response:
        return Response(ExamOutput(exam_queryset(), many=True).data)

    @extend_schema(request=ExamInput, responses={201: ExamOutput}, summary="Create an exam")
    def post(self, request: Request) -> Response:
        data = ExamInput(data=request.data)
        data.is_valid(raise_exception=True)
        exam = exam_services.exam_create(by=request.user, request=request, **data.validated_data)
        return Response(ExamOutput(exam_queryset().get(pk=exam.pk)).data, status=status.HTTP_201_CREATED)


class ExamDetailApi(OfficerApi):
    @extend_schema(responses=ExamOutput, summary="One exam")
    def get(self, request: Request, pk: int) -> Response:
        return Response(ExamOutput(get_object_or_404(exam_queryset(), pk=pk)).data)

    @extend_schema(request=ExamInput(partial=True), responses=ExamOutput, summary="Change an exam")
    def patch(self, request: Request, pk: int) -> Response:
        exam = get_object_or_404(Exam, pk=pk)
        data = ExamInput(data=request.data, partial=True)
        data.is_valid(raise_exception=True)
        exam_services.exam_update(exam=exam, by=request.user, request=request, **data.validated_data)
        return Response(ExamOutput(exam_queryset().get(pk=pk)).data)


class PaperListApi(OfficerApi):
    @extend_schema(request=PaperInput, responses={201: PaperOutput}, summary="Add a paper to an exam")
    def post(self, request: Request, exam_id: int) -> Response:
        exam = get_object_or_404(Exam, pk=exam_id)
        data = PaperInput(data=request.data)
        data.is_valid(raise_exception=True)
        paper = exam_services.paper_create(exam=exam, by=request.user, request=request, **data.validated_data)
        return Response(PaperOutput(paper).data, status=status.HTTP_201_CREATED)


class PaperDetailApi(OfficerApi):
    def _paper(self, exam_id: int, pk: int) -> Paper:
        return get_object_or_404(Paper, pk=pk, exam_id=exam_id)

    @extend_schema(request=PaperInput(partial=True), responses=PaperOutput, summary="Change a paper")
    def patch(self, request: Request, exam_id: int, pk: int) -> Response:
        paper = self._paper(exam_id, pk)
        data = PaperInput(data=request.data, partial=True)
        data.is_valid(raise_exception=True)
        paper = exam_services.paper_update(paper=paper, by=request.user, request=request, **data.validated_data)
        return Response(PaperOutput(paper).data)

    @extend_schema(responses={204: None}, summary="Delete a paper (not once assembled)")
    def delete(self, request: Request, exam_id: int, pk: int) -> Response:
        exam_services.paper_delete(paper=self._paper(exam_id, pk), by=request.user, request=request)
        return Response(status=status.HTTP_204_NO_CONTENT)


class RowListApi(OfficerApi):
    @extend_schema(request=RowInput, responses={201: RowOutput}, summary="Add a blueprint row")
    def post(self, request: Request, exam_id: int, paper_id: int) -> Response:
        paper = get_object_or_404(Paper, pk=paper_id, exam_id=exam_id)
        data = RowInput(data=request.data)
        data.is_valid(raise_exception=True)
        row = exam_services.blueprint_row_create(paper=paper, by=request.user, request=request, **data.validated_data)
        return Response(RowOutput(row).data, status=status.HTTP_201_CREATED)


class RowDetailApi(OfficerApi):
    def _row(self, exam_id: int, paper_id: int, pk: int) -> BlueprintRow:
        return get_object_or_404(
            BlueprintRow.objects.select_related("area", "objective"),
            pk=pk,
            paper_id=paper_id,
            paper__exam_id=exam_id,
        )

    @extend_schema(request=RowInput(partial=True), responses=RowOutput, summary="Change a blueprint row")
    def patch(self, request: Request, exam_id: int, paper_id: int, pk: int) -> Response:
        row = self._row(exam_id, paper_id, pk)
        data = RowInput(data=request.data, partial=True)
        data.is_valid(raise_exception=True)
        row = exam_services.blueprint_row_update(row=row, by=request.user, request=request, **data.validated_data)
        return Response(RowOutput(row).data)

    @extend_schema(responses={204: None}, summary="Delete a blueprint row")
    def delete(self, request: Request, exam_id: int, paper_id: int, pk: int) -> Response:
        exam_services.blueprint_row_delete(row=self._row(exam_id, paper_id, pk), by=request.user, request=request)
        return Response(status=status.HTTP_204_NO_CONTENT)


# --------------------------------------------------------------------------------------------- sittings


class SittingListApi(OfficerApi):
    @extend_schema(responses=SittingOutput(many=True), summary="Sittings, newest window first")
    def get(self, request: Request) -> Response:
        qs = sitting_queryset()
        if request.query_params.get("exam"):
            qs = qs.filter(exam__code=request.query_params["exam"])
        if request.query_params.get("status"):
            qs = qs.filter(status=request.query_params["status"])
        return Response(SittingOutput(qs, many=True).data)

    @extend_schema(request=SittingInput, responses={201: SittingOutput}, summary="Open a sitting (draft)")
    def post(self, request: Request) -> Response:
        data = SittingInput(data=request.data)
        data.is_valid(raise_exception=True)
        fields = dict(data.validated_data)
        if fields.pop("status", None) not in (None, Sitting.Status.DRAFT):
            raise ApplicationError(_("A new sitting starts as a draft."), code="bad_status")
        sitting = exam_services.sitting_create(
            exam=fields.pop("exam"), by=request.user, proctors=fields.pop("proctors", []), request=request, **fields
        )
        return Response(SittingOutput(sitting_queryset().get(pk=sitting.pk)).data, status=status.HTTP_201_CREATED)


class SittingDetailApi(OfficerApi):
    @extend_schema(responses=SittingOutput, summary="One sitting")
    def get(self, request: Request, pk: int) -> Response:
        return Response(SittingOutput(get_object_or_404(sitting_queryset(), pk=pk)).data)

    @extend_schema(
        request=SittingInput(partial=True),
        responses=SittingOutput,
        summary="Change the window, access code, proctors, form settings or status",
    )
    def patch(self, request: Request, pk: int) -> Response:
        sitting = _sitting(pk)
        data = SittingInput(data=request.data, partial=True)
        data.is_valid(raise_exception=True)
        fields = dict(data.validated_data)
        if "exam" in fields and fields.pop("exam") != sitting.exam:
            raise ApplicationError(_("A sitting cannot move to another exam."), code="bad_field")
        exam_services.sitting_update(
            sitting=sitting,
            by=request.user,
            proctors=fields.pop("proctors", None),
            status=fields.pop("status", None),
            request=request,
            **fields,
        )
        return Response(SittingOutput(sitting_queryset().get(pk=pk)).data)


class FormOutput(serializers.ModelSerializer):
    paper = serializers.IntegerField(source="paper.number")
    items = serializers.IntegerField(source="item_total")

    class Meta:
        model = Form
        fields = ["id", "paper", "label", "items", "mean_difficulty", "seed"]


class AssembleInput(serializers.Serializer):
    seed = serializers.IntegerField(min_value=0, max_value=2**31 - 1, required=False)


class AssembleOutput(serializers.Serializer):
    forms = FormOutput(many=True)
    notes = serializers.ListField(child=serializers.CharField())


class SittingAssembleApi(OfficerApi):
    @extend_schema(
        request=AssembleInput,
        responses={200: AssembleOutput},
        summary="Assemble the forms; 400 with extra.shortfall lists each row the bank cannot fill",
    )
    def post(self, request: Request, pk: int) -> Response:
        sitting = _sitting(pk)
        data = AssembleInput(data=request.data)
        data.is_valid(raise_exception=True)
        result = assembly_services.sitting_assemble(
            sitting=sitting, by=request.user, seed=data.validated_data.get("seed"), request=request
        )
        forms = (
            Form.objects.filter(sitting=sitting)
            .select_related("paper")
            .annotate(item_total=Count("items"))
            .order_by("paper__number", "label")
        )
        notes = [note for paper in result.papers for note in paper.notes]
        return Response({"forms": FormOutput(forms, many=True).data, "notes": notes})


# --------------------------------------------------------------------------------------------- registrations


class RegistrationPagination(PageNumberPagination):
    page_size = 100
    page_size_query_param = "page_size"
    max_page_size = 1000


class RegistrationListApi(OfficerApi):
    pagination_class = RegistrationPagination  # also tells the schema that the list is paginated

    @extend_schema(responses=RegistrationOutput(many=True), summary="A sitting's registrations (paginated)")
    def get(self, request: Request, sitting_id: int) -> Response:
        sitting = _sitting(sitting_id)
        qs = registration_services.registration_list(
            sitting=sitting,
            status=request.query_params.get("status") or None,
            search=request.query_params.get("q", "").strip(),
        )
        paginator = self.pagination_class()
        page = paginator.paginate_queryset(qs, request, view=self)
        return paginator.get_paginated_response(RegistrationOutput(page, many=True).data)

    @extend_schema(
        request=RegistrationInput,
        responses={201: RegistrationOutput},
        summary="Register a candidate (eligibility checked; override_reason registers an ineligible one)",
    )
    def post(self, request: Request, sitting_id: int) -> Response:
        sitting = _sitting(sitting_id)
        data = RegistrationInput(data=request.data)
        data.is_valid(raise_exception=True)
        registration = registration_services.registration_create(
            sitting=sitting, by=request.user, request=request, **data.validated_data
        )
        return Response(RegistrationOutput(registration).data, status=status.HTTP_201_CREATED)


class EligibilityInput(serializers.Serializer):
    candidate = CandidateField()


class SittingEligibilityOutput(serializers.Serializer):
    eligible = serializers.BooleanField()
    checked_at = serializers.DateTimeField()
    reasons = serializers.ListField(child=serializers.DictField())
    met = serializers.ListField(child=serializers.CharField())


class SittingEligibilityApi(OfficerApi):
    @extend_schema(
        request=EligibilityInput, responses=SittingEligibilityOutput, summary="Check a candidate without registering"
    )
    def post(self, request: Request, sitting_id: int) -> Response:
        sitting = _sitting(sitting_id)
        data = EligibilityInput(data=request.data)
        data.is_valid(raise_exception=True)
        check = registration_services.registration_check(candidate=data.validated_data["candidate"], sitting=sitting)
        return Response(check.as_json())


class ImportInput(serializers.Serializer):
    file = serializers.FileField()


class RegistrationImportApi(OfficerApi):
    parser_classes = [MultiPartParser, FormParser]

    @extend_schema(
        request={"multipart/form-data": ImportInput},
        responses={201: RegistrationOutput(many=True)},
        summary="Register from a CSV file: everyone or nobody (400 with extra.rows listing row errors)",
    )
    def post(self, request: Request, sitting_id: int) -> Response:
        sitting = _sitting(sitting_id)
        data = ImportInput(data=request.data)
        data.is_valid(raise_exception=True)
        upload = data.validated_data["file"]
        if upload.size > registration_services.CSV_MAX_BYTES:
            raise ApplicationError(_("The file is larger than 2 MB."), code="csv_too_large")
        created = registration_services.registrations_import_csv(
            sitting=sitting, data=upload.read(), by=request.user, request=request
        )
        return Response(RegistrationOutput(created, many=True).data, status=status.HTTP_201_CREATED)


def _registration(sitting_id: int, pk: int) -> Registration:
    return get_object_or_404(
        Registration.objects.select_related("sitting__exam", "candidate", "candidate__organization", "override_by"),
        pk=pk,
        sitting_id=sitting_id,
    )


class RegistrationDetailApi(OfficerApi):
    @extend_schema(responses=RegistrationOutput, summary="One registration")
    def get(self, request: Request, sitting_id: int, pk: int) -> Response:
        return Response(RegistrationOutput(_registration(sitting_id, pk)).data)

    @extend_schema(request=AccommodationInput, responses=RegistrationOutput, summary="Set accommodations")
    def patch(self, request: Request, sitting_id: int, pk: int) -> Response:
        registration = _registration(sitting_id, pk)
        data = AccommodationInput(data=request.data)
        data.is_valid(raise_exception=True)
        registration = registration_services.registration_update_accommodations(
            registration=registration, by=request.user, request=request, **data.validated_data
        )
        return Response(RegistrationOutput(registration).data)


class ReasonInput(serializers.Serializer):
    reason = serializers.CharField(max_length=2000, required=False, allow_blank=True, default="")


class RegistrationOverrideApi(OfficerApi):
    parser_classes = [JSONParser, FormParser]

    @extend_schema(
        request=ReasonInput,
        responses=RegistrationOutput,
        summary="Re-check eligibility; a reason records an override if the candidate is not eligible",
    )
    def post(self, request: Request, sitting_id: int, pk: int) -> Response:
        registration = _registration(sitting_id, pk)
        data = ReasonInput(data=request.data)
        data.is_valid(raise_exception=True)
        registration = registration_services.registration_recheck(
            registration=registration, by=request.user, override_reason=data.validated_data["reason"], request=request
        )
        return Response(RegistrationOutput(registration).data)


class RegistrationWithdrawApi(OfficerApi):
    @extend_schema(request=ReasonInput, responses=RegistrationOutput, summary="Withdraw (before the candidate starts)")
    def post(self, request: Request, sitting_id: int, pk: int) -> Response:
        registration = _registration(sitting_id, pk)
        data = ReasonInput(data=request.data)
        data.is_valid(raise_exception=True)
        registration = registration_services.registration_withdraw(
            registration=registration, by=request.user, reason=data.validated_data["reason"], request=request
        )
        return Response(RegistrationOutput(registration).data)
