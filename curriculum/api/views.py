"""REST endpoints of the curriculum: areas, objectives, requirements, level rules, logbooks, eligibility.

Reading the curriculum is open to everyone; changing it needs the exam officer role. Logbook
entries are visible to their trainee, the instructors supervising that trainee and officers; any
other entry answers 404.
"""

from __future__ import annotations

from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers, status
from rest_framework.exceptions import NotFound, PermissionDenied
from rest_framework.pagination import PageNumberPagination
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.permissions import SAFE_METHODS, BasePermission, IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.models import Organization, User
from accounts.permissions import HasRole
from accounts.roles import Role

from .. import selectors, services
from ..models import (
    AreaGroup,
    CaseRequirement,
    Complication,
    Level,
    LevelRule,
    LogbookEntry,
    Objective,
    OperatorRole,
    RequirementRole,
    Supervision,
    TechniqueArea,
    TrainingPeriod,
)
from ..registry import has_objective_item_counter


class ReadAnyoneWriteOfficer(BasePermission):
    """GET for everyone (the curriculum is public); writes for exam officers."""

    def has_permission(self, request, view) -> bool:
        if request.method in SAFE_METHODS:
            return True
        user = request.user
        return bool(user and user.is_authenticated and user.has_role(Role.OFFICER))


# --------------------------------------------------------------------------------------------
# Shared output serializers
# --------------------------------------------------------------------------------------------


class ObjectiveOutput(serializers.ModelSerializer):
    area = serializers.CharField(source="area.code", read_only=True)
    text = serializers.CharField(read_only=True)
    practice_items = serializers.SerializerMethodField(help_text="Practice items covering it; null without a bank.")

    class Meta:
        model = Objective
        fields = ["code", "area", "level", "text_zh", "text_en", "text", "order", "is_active", "practice_items"]

    def get_practice_items(self, objective: Objective) -> int | None:
        counts = self.context.get("item_counts")
        return None if counts is None else counts.get(objective.id, 0)


class AreaOutput(serializers.ModelSerializer):
    group = serializers.CharField(source="group.code", read_only=True)
    group_name = serializers.CharField(source="group.name", read_only=True)
    name = serializers.CharField(read_only=True)
    description = serializers.CharField(read_only=True)
    objectives = ObjectiveOutput(many=True, read_only=True)

    class Meta:
        model = TechniqueArea
        fields = [
            "code",
            "group",
            "group_name",
            "name_zh",
            "name_en",
            "name",
            "description_zh",
            "description_en",
            "description",
            "order",
            "is_active",
            "objectives",
        ]


class RequirementOutput(serializers.ModelSerializer):
    areas = serializers.SlugRelatedField(slug_field="code", many=True, read_only=True)
    label = serializers.CharField(read_only=True)

    class Meta:
        model = CaseRequirement
        fields = [
            "code",
            "level",
            "label_zh",
            "label_en",
            "label",
            "areas",
            "role",
            "min_grade",
            "min_count",
            "source",
            "order",
            "is_active",
        ]


class LevelRuleOutput(serializers.ModelSerializer):
    class Meta:
        model = LevelRule
        fields = ["level", "min_months", "requires_certificate_level", "source"]


class LogbookEntryOutput(serializers.ModelSerializer):
    trainee = serializers.CharField(source="trainee.username", read_only=True)
    trainee_id = serializers.IntegerField(read_only=True)
    area = serializers.CharField(source="area.code", read_only=True)
    supervisor = serializers.CharField(source="supervisor.username", read_only=True)
    reviewed_by = serializers.CharField(source="reviewed_by.username", read_only=True, allow_null=True, default=None)

    class Meta:
        model = LogbookEntry
        fields = [
            "id",
            "trainee",
            "trainee_id",
            "performed_on",
            "area",
            "grade",
            "role",
            "supervisor",
            "complication",
            "note",
            "status",
            "reviewed_by",
            "reviewed_at",
            "rejection_reason",
            "created_at",
        ]


def _item_counts(objectives) -> dict[int, int] | None:
    return selectors.item_counts_for(list(objectives)) if has_objective_item_counter() else None


# --------------------------------------------------------------------------------------------
# Areas
# --------------------------------------------------------------------------------------------


class AreaListApi(APIView):
    """Technique areas in curriculum order, each with its active learning objectives."""

    permission_classes = [ReadAnyoneWriteOfficer]

    class InputSerializer(serializers.Serializer):
        code = serializers.RegexField(r"^[A-Za-z]+(?:-[A-Za-z]+)?$", max_length=20)
        group = serializers.SlugRelatedField(slug_field="code", queryset=AreaGroup.objects.all())
        name_zh = serializers.CharField(max_length=200)
        name_en = serializers.CharField(max_length=200)
        description_zh = serializers.CharField(required=False, allow_blank=True, default="")
        description_en = serializers.CharField(required=False, allow_blank=True, default="")

    @extend_schema(
        responses=AreaOutput(many=True),
        summary="List technique areas with their objectives",
        parameters=[OpenApiParameter("include_inactive", bool, description="Officers: include inactive areas")],
    )
    def get(self, request: Request) -> Response:
        include_inactive = request.query_params.get("include_inactive") == "true" and request.user.has_role(
            Role.OFFICER
        )
        areas = list(selectors.area_list(include_inactive=include_inactive))
        counts = _item_counts(objective for area in areas for objective in area.objectives.all())
        return Response(AreaOutput(areas, many=True, context={"item_counts": counts}).data)

    @extend_schema(request=InputSerializer, responses={201: AreaOutput}, summary="Create a technique area")
    def post(self, request: Request) -> Response:
        serializer = self.InputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        area = services.area_create(by=request.user, request=request, **serializer.validated_data)
        return Response(AreaOutput(selectors.area_get(area.code, include_inactive=True)).data, status=201)


class AreaDetailApi(APIView):
    """One technique area with its objectives; officers may change it (audited)."""

    permission_classes = [ReadAnyoneWriteOfficer]

    class InputSerializer(serializers.Serializer):
        group = serializers.SlugRelatedField(slug_field="code", queryset=AreaGroup.objects.all(), required=False)
        name_zh = serializers.CharField(max_length=200, required=False)
        name_en = serializers.CharField(max_length=200, required=False)
        description_zh = serializers.CharField(required=False, allow_blank=True)
        description_en = serializers.CharField(required=False, allow_blank=True)
        order = serializers.IntegerField(min_value=0, required=False)
        is_active = serializers.BooleanField(required=False)

    def _area(self, request: Request, code: str) -> TechniqueArea:
        include_inactive = request.user.is_authenticated and request.user.has_role(Role.OFFICER)
        return get_object_or_404(selectors.area_list(include_inactive=include_inactive), code=code)

    @extend_schema(responses=AreaOutput, summary="Get a technique area")
    def get(self, request: Request, code: str) -> Response:
        area = self._area(request, code)
        counts = _item_counts(area.objectives.all())
        return Response(AreaOutput(area, context={"item_counts": counts}).data)

    @extend_schema(request=InputSerializer, responses=AreaOutput, summary="Change a technique area")
    def patch(self, request: Request, code: str) -> Response:
        area = self._area(request, code)
        serializer = self.InputSerializer(data=request.data, partial=True)
        serializer.is_valid(raise_exception=True)
        services.area_update(area=area, by=request.user, request=request, **serializer.validated_data)
        return Response(AreaOutput(selectors.area_get(code, include_inactive=True)).data)


# --------------------------------------------------------------------------------------------
# Objectives
# --------------------------------------------------------------------------------------------


class ObjectiveListApi(APIView):
    """Learning objectives, filterable by area and level."""

    permission_classes = [ReadAnyoneWriteOfficer]

    class InputSerializer(serializers.Serializer):
        area = serializers.SlugRelatedField(slug_field="code", queryset=TechniqueArea.objects.all())
        level = serializers.ChoiceField(choices=Level.choices)
        text_zh = serializers.CharField()
        text_en = serializers.CharField()
        code = serializers.CharField(max_length=30, required=False, allow_blank=True, default="")

    @extend_schema(
        responses=ObjectiveOutput(many=True),
        summary="List learning objectives",
        parameters=[
            OpenApiParameter("area", str, description="Area code, e.g. TACE"),
            OpenApiParameter("level", str, enum=Level.values),
        ],
    )
    def get(self, request: Request) -> Response:
        objectives = list(
            selectors.objective_list(area=request.query_params.get("area"), level=request.query_params.get("level"))
        )
        return Response(ObjectiveOutput(objectives, many=True, context={"item_counts": _item_counts(objectives)}).data)

    @extend_schema(request=InputSerializer, responses={201: ObjectiveOutput}, summary="Add a learning objective")
    def post(self, request: Request) -> Response:
        serializer = self.InputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        objective = services.objective_create(by=request.user, request=request, **serializer.validated_data)
        return Response(ObjectiveOutput(objective).data, status=201)


class ObjectiveDetailApi(APIView):
    """One learning objective by its stable code; officers may change its texts, order and active flag."""

    permission_classes = [ReadAnyoneWriteOfficer]

    class InputSerializer(serializers.Serializer):
        text_zh = serializers.CharField(required=False)
        text_en = serializers.CharField(required=False)
        order = serializers.IntegerField(min_value=0, required=False)
        is_active = serializers.BooleanField(required=False)

    @extend_schema(responses=ObjectiveOutput, summary="Get a learning objective")
    def get(self, request: Request, code: str) -> Response:
        objective = get_object_or_404(selectors.objective_list(include_inactive=True), code=code)
        return Response(ObjectiveOutput(objective, context={"item_counts": _item_counts([objective])}).data)

    @extend_schema(request=InputSerializer, responses=ObjectiveOutput, summary="Change a learning objective")
    def patch(self, request: Request, code: str) -> Response:
        objective = get_object_or_404(Objective, code=code)
        serializer = self.InputSerializer(data=request.data, partial=True)
        serializer.is_valid(raise_exception=True)
        objective = services.objective_update(
            objective=objective, by=request.user, request=request, **serializer.validated_data
        )
        return Response(ObjectiveOutput(objective).data)


# --------------------------------------------------------------------------------------------
# Requirements and level rules
# --------------------------------------------------------------------------------------------


class RequirementListApi(APIView):
    """Case-volume requirements per exam level."""

    permission_classes = [ReadAnyoneWriteOfficer]

    class InputSerializer(serializers.Serializer):
        code = serializers.RegexField(r"^[QAqa]-[A-Za-z0-9]+$", max_length=30)
        level = serializers.ChoiceField(choices=Level.choices)
        label_zh = serializers.CharField(max_length=200)
        label_en = serializers.CharField(max_length=200)
        areas = serializers.SlugRelatedField(
            slug_field="code", queryset=TechniqueArea.objects.all(), many=True, required=False, default=list
        )
        role = serializers.ChoiceField(choices=RequirementRole.choices)
        min_grade = serializers.IntegerField(min_value=1, max_value=4, required=False, allow_null=True, default=None)
        min_count = serializers.IntegerField(min_value=1)
        source = serializers.CharField(max_length=100, required=False, allow_blank=True, default="")

    @extend_schema(
        responses=RequirementOutput(many=True),
        summary="List case-volume requirements",
        parameters=[OpenApiParameter("level", str, enum=Level.values)],
    )
    def get(self, request: Request) -> Response:
        requirements = selectors.requirement_list(level=request.query_params.get("level"))
        return Response(RequirementOutput(requirements, many=True).data)

    @extend_schema(request=InputSerializer, responses={201: RequirementOutput}, summary="Add a requirement")
    def post(self, request: Request) -> Response:
        serializer = self.InputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        requirement = services.requirement_create(by=request.user, request=request, **serializer.validated_data)
        return Response(RequirementOutput(requirement).data, status=201)


class RequirementDetailApi(APIView):
    """One requirement; officers change numbers, labels, areas and filters (every change is audited)."""

    permission_classes = [ReadAnyoneWriteOfficer]

    class InputSerializer(serializers.Serializer):
        label_zh = serializers.CharField(max_length=200, required=False)
        label_en = serializers.CharField(max_length=200, required=False)
        areas = serializers.SlugRelatedField(
            slug_field="code", queryset=TechniqueArea.objects.all(), many=True, required=False
        )
        role = serializers.ChoiceField(choices=RequirementRole.choices, required=False)
        min_grade = serializers.IntegerField(min_value=1, max_value=4, required=False, allow_null=True)
        min_count = serializers.IntegerField(min_value=1, required=False)
        source = serializers.CharField(max_length=100, required=False, allow_blank=True)
        order = serializers.IntegerField(min_value=0, required=False)
        is_active = serializers.BooleanField(required=False)

    @extend_schema(responses=RequirementOutput, summary="Get a requirement")
    def get(self, request: Request, code: str) -> Response:
        return Response(RequirementOutput(get_object_or_404(CaseRequirement, code=code)).data)

    @extend_schema(request=InputSerializer, responses=RequirementOutput, summary="Change a requirement")
    def patch(self, request: Request, code: str) -> Response:
        requirement = get_object_or_404(CaseRequirement, code=code)
        serializer = self.InputSerializer(data=request.data, partial=True)
        serializer.is_valid(raise_exception=True)
        requirement = services.requirement_update(
            requirement=requirement, by=request.user, request=request, **serializer.validated_data
        )
        return Response(RequirementOutput(requirement).data)


class LevelRuleListApi(APIView):
    """Minimum months of supervised training and prerequisite certificate level per exam level."""

    permission_classes = [ReadAnyoneWriteOfficer]

    @extend_schema(responses=LevelRuleOutput(many=True), summary="List level rules")
    def get(self, request: Request) -> Response:
        return Response(LevelRuleOutput(LevelRule.objects.all(), many=True).data)


class LevelRuleDetailApi(APIView):
    permission_classes = [ReadAnyoneWriteOfficer]

    class InputSerializer(serializers.Serializer):
        min_months = serializers.IntegerField(min_value=0)
        requires_certificate_level = serializers.ChoiceField(
            choices=Level.choices, required=False, allow_blank=True, default=""
        )

    @extend_schema(request=InputSerializer, responses=LevelRuleOutput, summary="Change a level rule")
    def patch(self, request: Request, level: str) -> Response:
        if level not in Level.values:
            raise NotFound
        serializer = self.InputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        rule = services.level_rule_update(level=level, by=request.user, request=request, **serializer.validated_data)
        return Response(LevelRuleOutput(rule).data)


# --------------------------------------------------------------------------------------------
# Logbook
# --------------------------------------------------------------------------------------------


class LogbookEntryInput(serializers.Serializer):
    performed_on = serializers.DateField()
    area = serializers.CharField(max_length=20, help_text="Technique area code, e.g. TACE")
    grade = serializers.IntegerField(min_value=1, max_value=4, help_text="Procedure level (手术分级) 1-4")
    role = serializers.ChoiceField(choices=OperatorRole.choices)
    supervisor = serializers.CharField(max_length=150, help_text="Username of the supervising instructor")
    complication = serializers.ChoiceField(choices=Complication.choices, required=False, default=Complication.NONE)
    note = serializers.CharField(required=False, allow_blank=True, default="", max_length=1000)


def _visible_entry(request: Request, pk: int) -> LogbookEntry:
    return get_object_or_404(selectors.logbook_visible_to(request.user), pk=pk)


class LogbookEntryListApi(APIView):
    """Logbook entries: a trainee's own; an instructor's supervised trainees'; all for officers."""

    permission_classes = [IsAuthenticated]
    pagination_class = PageNumberPagination  # also tells the schema that the list is paginated

    @extend_schema(
        responses=LogbookEntryOutput(many=True),
        summary="List logbook entries",
        parameters=[
            OpenApiParameter("status", str, enum=LogbookEntry.Status.values),
            OpenApiParameter("trainee", int, description="Only this trainee's entries"),
            OpenApiParameter("mine", bool, description="Only your own entries"),
        ],
    )
    def get(self, request: Request) -> Response:
        entries = selectors.logbook_visible_to(request.user)
        params = request.query_params
        if params.get("status") in LogbookEntry.Status.values:
            entries = entries.filter(status=params["status"])
        if params.get("trainee", "").isdigit():
            entries = entries.filter(trainee_id=int(params["trainee"]))
        if params.get("mine") == "true":
            entries = entries.filter(trainee=request.user)
        paginator = self.pagination_class()
        page = paginator.paginate_queryset(entries, request, view=self)
        return paginator.get_paginated_response(LogbookEntryOutput(page, many=True).data)

    @extend_schema(request=LogbookEntryInput, responses={201: LogbookEntryOutput}, summary="Log a procedure")
    def post(self, request: Request) -> Response:
        if not request.user.has_role(Role.TRAINEE):
            raise PermissionDenied(_("Only trainees keep a logbook."))
        serializer = LogbookEntryInput(data=request.data)
        serializer.is_valid(raise_exception=True)
        entry = services.logbook_entry_create(trainee=request.user, **serializer.validated_data)
        return Response(LogbookEntryOutput(entry).data, status=201)


class LogbookEntryDetailApi(APIView):
    """One entry (404 unless visible to you); its trainee may change or delete it until it is verified."""

    permission_classes = [IsAuthenticated]

    @extend_schema(responses=LogbookEntryOutput, summary="Get a logbook entry")
    def get(self, request: Request, pk: int) -> Response:
        return Response(LogbookEntryOutput(_visible_entry(request, pk)).data)

    @extend_schema(request=LogbookEntryInput(partial=True), responses=LogbookEntryOutput, summary="Correct an entry")
    def patch(self, request: Request, pk: int) -> Response:
        entry = _visible_entry(request, pk)
        serializer = LogbookEntryInput(data=request.data, partial=True)
        serializer.is_valid(raise_exception=True)
        entry = services.logbook_entry_update(entry=entry, by=request.user, **serializer.validated_data)
        return Response(LogbookEntryOutput(entry).data)

    @extend_schema(responses={204: None}, summary="Delete an entry that is not verified")
    def delete(self, request: Request, pk: int) -> Response:
        services.logbook_entry_delete(entry=_visible_entry(request, pk), by=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)


class LogbookEntryVerifyApi(APIView):
    """An instructor verifies a pending entry of a trainee they supervise."""

    permission_classes = [HasRole.of(Role.INSTRUCTOR)]

    @extend_schema(request=None, responses=LogbookEntryOutput, summary="Verify a logbook entry")
    def post(self, request: Request, pk: int) -> Response:
        entry = services.logbook_entry_verify(entry=_visible_entry(request, pk), by=request.user, request=request)
        return Response(LogbookEntryOutput(entry).data)


class LogbookEntryRejectApi(APIView):
    """An instructor rejects a pending entry of a trainee they supervise, with a reason."""

    permission_classes = [HasRole.of(Role.INSTRUCTOR)]

    class InputSerializer(serializers.Serializer):
        reason = serializers.CharField(max_length=500)

    @extend_schema(request=InputSerializer, responses=LogbookEntryOutput, summary="Reject a logbook entry")
    def post(self, request: Request, pk: int) -> Response:
        serializer = self.InputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        entry = services.logbook_entry_reject(
            entry=_visible_entry(request, pk),
            by=request.user,
            reason=serializer.validated_data["reason"],
            request=request,
        )
        return Response(LogbookEntryOutput(entry).data)


class LogbookImportApi(APIView):
    """Import a CSV/XLSX logbook file, all or nothing; errors name the row and field."""

    permission_classes = [HasRole.of(Role.TRAINEE)]
    parser_classes = [MultiPartParser, FormParser]

    class InputSerializer(serializers.Serializer):
        file = serializers.FileField()

    class OutputSerializer(serializers.Serializer):
        imported = serializers.IntegerField()

    @extend_schema(request=InputSerializer, responses={201: OutputSerializer}, summary="Import logbook entries")
    def post(self, request: Request) -> Response:
        serializer = self.InputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        upload = serializer.validated_data["file"]
        entries = services.logbook_import(trainee=request.user, filename=upload.name, data=upload.read())
        return Response({"imported": len(entries)}, status=201)


class TrainingPeriodOutput(serializers.ModelSerializer):
    organization = serializers.CharField(source="organization.code", read_only=True)
    trainee = serializers.CharField(source="trainee.username", read_only=True)
    is_verified = serializers.BooleanField(read_only=True)

    class Meta:
        model = TrainingPeriod
        fields = ["id", "trainee", "organization", "start", "end", "is_verified", "verified_at"]


class TrainingPeriodListApi(APIView):
    """Your training periods (trainees), or a supervised trainee's (``?trainee=<id>``)."""

    permission_classes = [IsAuthenticated]

    class InputSerializer(serializers.Serializer):
        organization = serializers.SlugRelatedField(slug_field="code", queryset=Organization.objects.all())
        start = serializers.DateField()
        end = serializers.DateField(required=False, allow_null=True, default=None)

    @extend_schema(
        responses=TrainingPeriodOutput(many=True),
        summary="List training periods",
        parameters=[OpenApiParameter("trainee", int)],
    )
    def get(self, request: Request) -> Response:
        trainee = request.user
        if request.query_params.get("trainee", "").isdigit():
            trainee = get_object_or_404(User, pk=int(request.query_params["trainee"]))
            if not selectors.can_view_trainee(request.user, trainee):
                raise NotFound
        return Response(TrainingPeriodOutput(selectors.training_periods_of(trainee), many=True).data)

    @extend_schema(request=InputSerializer, responses={201: TrainingPeriodOutput}, summary="Add a training period")
    def post(self, request: Request) -> Response:
        if not request.user.has_role(Role.TRAINEE):  # as on the progress page: only trainees record training
            raise PermissionDenied
        serializer = self.InputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        period = services.training_period_add(trainee=request.user, by=request.user, **serializer.validated_data)
        return Response(TrainingPeriodOutput(period).data, status=201)


class TrainingPeriodVerifyApi(APIView):
    """An instructor supervising the trainee (or an officer) confirms a training period."""

    permission_classes = [HasRole.of(Role.INSTRUCTOR, Role.OFFICER)]

    @extend_schema(request=None, responses=TrainingPeriodOutput, summary="Verify a training period")
    def post(self, request: Request, pk: int) -> Response:
        period = get_object_or_404(TrainingPeriod.objects.select_related("trainee"), pk=pk)
        if not selectors.can_view_trainee(request.user, period.trainee):
            raise NotFound
        period = services.training_period_verify(period=period, by=request.user, request=request)
        return Response(TrainingPeriodOutput(period).data)


# --------------------------------------------------------------------------------------------
# Eligibility
# --------------------------------------------------------------------------------------------


class EligibilityApi(APIView):
    """Whether a trainee meets the case-volume and training-time rules of an exam level.

    Visible to the trainee, their supervising instructors and officers (others get 404). The
    prerequisite certificate of the advanced level is reported, not checked (the exams app does).
    """

    permission_classes = [IsAuthenticated]

    class RequirementSerializer(serializers.Serializer):
        code = serializers.CharField()
        label = serializers.CharField()
        have = serializers.IntegerField()
        need = serializers.IntegerField()
        missing = serializers.IntegerField()
        met = serializers.BooleanField()
        message = serializers.CharField()
        areas = serializers.ListField(child=serializers.CharField())

    class OutputSerializer(serializers.Serializer):
        trainee_id = serializers.IntegerField()
        level = serializers.CharField()
        as_of = serializers.DateField()
        eligible = serializers.BooleanField()
        summary = serializers.CharField()
        requires_certificate_level = serializers.CharField()
        met = serializers.ListField(child=serializers.DictField())
        unmet = serializers.ListField(child=serializers.DictField())

    @extend_schema(responses=OutputSerializer, summary="Eligibility of a trainee for an exam level")
    def get(self, request: Request, user_id: int, level: str) -> Response:
        trainee = get_object_or_404(User, pk=user_id)
        if level not in Level.values or not selectors.can_view_trainee(request.user, trainee):
            raise NotFound
        result = selectors.eligibility_for(trainee=trainee, level=level)
        requirement = self.RequirementSerializer
        return Response(
            {
                "trainee_id": result.trainee_id,
                "level": result.level,
                "as_of": result.as_of,
                "eligible": result.eligible,
                "summary": result.summary,
                "requires_certificate_level": result.requires_certificate_level,
                "met": requirement(result.met, many=True).data,
                "unmet": requirement(result.unmet, many=True).data,
            }
        )


# --------------------------------------------------------------------------------------------
# Supervision
# --------------------------------------------------------------------------------------------


class SupervisionListApi(APIView):
    """Explicit instructor ↔ trainee assignments (besides sharing a training centre). Officers only."""

    permission_classes = [HasRole.of(Role.OFFICER)]
    pagination_class = PageNumberPagination  # also tells the schema that the list is paginated

    class InputSerializer(serializers.Serializer):
        instructor = serializers.SlugRelatedField(slug_field="username", queryset=User.objects.filter(is_active=True))
        trainee = serializers.SlugRelatedField(slug_field="username", queryset=User.objects.filter(is_active=True))

    class OutputSerializer(serializers.Serializer):
        id = serializers.IntegerField()
        instructor = serializers.CharField(source="instructor.username")
        trainee = serializers.CharField(source="trainee.username")
        created_at = serializers.DateTimeField()

    @extend_schema(responses=OutputSerializer(many=True), summary="List explicit supervisions")
    def get(self, request: Request) -> Response:
        supervisions = Supervision.objects.select_related("instructor", "trainee").order_by("id")
        paginator = self.pagination_class()
        page = paginator.paginate_queryset(supervisions, request, view=self)
        return paginator.get_paginated_response(self.OutputSerializer(page, many=True).data)

    @extend_schema(request=InputSerializer, responses={201: OutputSerializer}, summary="Assign an instructor")
    def post(self, request: Request) -> Response:
        serializer = self.InputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        supervision = services.supervision_assign(by=request.user, request=request, **serializer.validated_data)
        return Response(self.OutputSerializer(supervision).data, status=201)
