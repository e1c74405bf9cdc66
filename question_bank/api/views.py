"""REST API of the question bank: one small view per operation, each calling one service or selector.

Who may do what (the services enforce the object-level rules, e.g. only a draft's author edits it):

* the bank (lists, detail, diff, preview, coverage) — instructors, reviewers, officers;
* create, edit drafts, new versions, submit, retire, bulk actions, translations — instructors, officers;
* reviews — reviewers (approve / request changes), reviewers, officers and the author (comments);
* the review queue — reviewers; media upload — instructors, reviewers, officers;
* trainees and proctors get 403 on every endpoint; media files need only a signed-in user
  (exam delivery shows them to candidates).
"""

from __future__ import annotations

from typing import Any

from django.db.models import Prefetch
from django.http import FileResponse, Http404, HttpResponse, HttpResponseNotModified
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.pagination import PageNumberPagination
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.permissions import IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.permissions import HasRole
from accounts.roles import Role
from irexam.errors import ApplicationError
from question_bank import selectors, services
from question_bank.models import (
    CognitiveLevel,
    Language,
    Level,
    Media,
    MediaKind,
    Pool,
    Question,
    QuestionType,
    QuestionVersion,
    ReviewDecision,
    VersionStatus,
)
from question_bank.rendering import render_for_candidate

BANK_ROLES = (Role.INSTRUCTOR, Role.REVIEWER, Role.OFFICER)
AUTHOR_ROLES = (Role.INSTRUCTOR, Role.OFFICER)

CanSeeBank = HasRole.of(*BANK_ROLES)
CanAuthor = HasRole.of(*AUTHOR_ROLES)
CanReview = HasRole.of(Role.REVIEWER)


def _area(code_or_id: Any):
    from curriculum.models import TechniqueArea

    if code_or_id in (None, ""):
        return None
    lookup = {"pk": int(code_or_id)} if str(code_or_id).isdigit() else {"code": code_or_id}
    area = TechniqueArea.objects.filter(**lookup).first()
    if area is None:
        raise ApplicationError(_("Unknown technique area %(area)s.") % {"area": code_or_id}, code="unknown_area")
    return area


def _version(question_pk: int, number: int) -> QuestionVersion:
    return get_object_or_404(QuestionVersion.objects.select_related("question"), question_id=question_pk, number=number)


# --------------------------------------------------------------------------- output shapes


class VersionSummarySerializer(serializers.Serializer):
    id = serializers.IntegerField()
    number = serializers.IntegerField()
    status = serializers.CharField()
    type = serializers.CharField()
    language = serializers.CharField()
    level = serializers.CharField()
    pool = serializers.CharField()
    difficulty_estimate = serializers.FloatField(allow_null=True)
    cognitive_level = serializers.CharField()
    tags = serializers.ListField(child=serializers.CharField())
    objectives = serializers.SerializerMethodField()
    unit_count = serializers.IntegerField()
    has_media = serializers.BooleanField()
    fingerprint = serializers.CharField()
    author = serializers.CharField(source="author.username")
    created_at = serializers.DateTimeField()
    submitted_at = serializers.DateTimeField(allow_null=True)
    approved_at = serializers.DateTimeField(allow_null=True)

    def get_objectives(self, version: QuestionVersion) -> list[str]:
        return sorted(o.code for o in version.objectives.all())


class ReviewSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    reviewer = serializers.CharField(source="reviewer.username")
    decision = serializers.CharField()
    comment = serializers.CharField()
    created_at = serializers.DateTimeField()


class TransitionSerializer(serializers.Serializer):
    from_status = serializers.CharField()
    to_status = serializers.CharField()
    actor = serializers.CharField(source="actor.username", allow_null=True, default=None)
    comment = serializers.CharField()
    created_at = serializers.DateTimeField()


class VersionDetailSerializer(VersionSummarySerializer):
    content = serializers.JSONField()
    source_id = serializers.CharField()
    source_format = serializers.CharField()
    reviews = ReviewSerializer(many=True)
    transitions = TransitionSerializer(many=True)
    approvals_required = serializers.SerializerMethodField()

    def get_approvals_required(self, version: QuestionVersion) -> int:
        return services.approvals_required(version.pool)


class QuestionListSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    code = serializers.CharField(allow_null=True)  # null until the bank's services assign it
    area = serializers.CharField(source="area.code")
    created_by = serializers.CharField(source="created_by.username")
    translation_group = serializers.UUIDField()
    is_retired = serializers.BooleanField()
    created_at = serializers.DateTimeField()
    current_version = serializers.IntegerField(source="current_version.number", allow_null=True, default=None)
    latest_version = VersionSummarySerializer(allow_null=True)
    stem = serializers.SerializerMethodField()

    def get_stem(self, question: Question) -> str:
        version = question.latest_version
        if version is None:
            return ""
        text = version.content.get("stem") or version.content.get("lead_in") or ""
        return text[:160]


class QuestionDetailSerializer(QuestionListSerializer):
    versions = VersionDetailSerializer(many=True)
    translations = serializers.SerializerMethodField()
    duplicates = serializers.SerializerMethodField()

    def get_translations(self, question: Question) -> list[dict[str, Any]]:
        return [
            {"id": q.pk, "code": q.code, "language": q.latest_version.language if q.latest_version else None}
            for q in selectors.translations_of(question)
        ]

    def get_duplicates(self, question: Question) -> list[dict[str, Any]]:
        if question.latest_version is None:
            return []
        return [
            {"id": v.question_id, "code": v.question.code} for v in selectors.duplicates_of(question.latest_version)
        ]


def _detail(pk: int) -> dict[str, Any]:
    try:
        question = selectors.question_detail(pk=pk)
    except Question.DoesNotExist:
        raise Http404
    return QuestionDetailSerializer(question).data


class MetadataInputSerializer(serializers.Serializer):
    content = serializers.JSONField(required=False)
    level = serializers.ChoiceField(choices=Level.choices, required=False)
    pool = serializers.ChoiceField(choices=Pool.choices, required=False)
    language = serializers.ChoiceField(choices=Language.choices, required=False)
    objectives = serializers.ListField(child=serializers.CharField(), required=False)
    difficulty_estimate = serializers.FloatField(min_value=0, max_value=1, required=False, allow_null=True)
    cognitive_level = serializers.ChoiceField(choices=CognitiveLevel.choices, required=False)
    tags = serializers.ListField(child=serializers.CharField(allow_blank=True), required=False)
    area = serializers.CharField(required=False)


# --------------------------------------------------------------------------- questions


class QuestionListApi(APIView):
    """List the bank (filters: area, objective, level, pool, type, status, author, language, q, retired);
    create a question (version 1 draft)."""

    pagination_class = PageNumberPagination

    def get_permissions(self):
        return [CanSeeBank()] if self.request.method == "GET" else [CanAuthor()]

    class FilterSerializer(serializers.Serializer):
        area = serializers.CharField(required=False)
        objective = serializers.CharField(required=False)
        level = serializers.ChoiceField(choices=Level.choices, required=False)
        pool = serializers.ChoiceField(choices=Pool.choices, required=False)
        type = serializers.ChoiceField(choices=QuestionType.choices, required=False)
        status = serializers.ChoiceField(choices=VersionStatus.choices, required=False)
        author = serializers.CharField(required=False)
        language = serializers.ChoiceField(choices=Language.choices, required=False)
        q = serializers.CharField(required=False)
        retired = serializers.BooleanField(required=False, allow_null=True, default=None)

    class InputSerializer(MetadataInputSerializer):
        content = serializers.JSONField()
        area = serializers.CharField()
        level = serializers.ChoiceField(choices=Level.choices)
        pool = serializers.ChoiceField(choices=Pool.choices)
        language = serializers.ChoiceField(choices=Language.choices, default=Language.ZH_HANS)
        source_id = serializers.CharField(required=False, allow_blank=True, max_length=120)
        translation_of = serializers.IntegerField(required=False)

    @extend_schema(parameters=[FilterSerializer], responses=QuestionListSerializer(many=True), summary="List questions")
    def get(self, request: Request) -> Response:
        filters = self.FilterSerializer(data=request.query_params)
        filters.is_valid(raise_exception=True)
        params = dict(filters.validated_data)
        params["search"] = params.pop("q", None)
        qs = selectors.question_list(**params)
        paginator = self.pagination_class()
        page = paginator.paginate_queryset(qs, request, view=self)
        return paginator.get_paginated_response(QuestionListSerializer(page, many=True).data)

    @extend_schema(request=InputSerializer, responses={201: QuestionDetailSerializer}, summary="Create a question")
    def post(self, request: Request) -> Response:
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        params = dict(data.validated_data)
        params["area"] = _area(params["area"])
        translation_of = params.pop("translation_of", None)
        if translation_of is not None:
            params["translation_of"] = get_object_or_404(Question, pk=translation_of)
        version = services.question_create(author=request.user, **params)
        return Response(_detail(version.question_id), status=status.HTTP_201_CREATED)


class QuestionDetailApi(APIView):
    """One question with all its versions, their reviews and transitions, translations and duplicates."""

    permission_classes = [CanSeeBank]

    @extend_schema(responses=QuestionDetailSerializer, summary="A question and its history")
    def get(self, request: Request, pk: int) -> Response:
        return Response(_detail(pk))


class VersionUpdateApi(APIView):
    """Change a draft version (its author, or an officer)."""

    permission_classes = [CanAuthor]

    @extend_schema(request=MetadataInputSerializer, responses=QuestionDetailSerializer, summary="Edit a draft")
    def patch(self, request: Request, pk: int, number: int) -> Response:
        version = _version(pk, number)
        data = MetadataInputSerializer(data=request.data, partial=True)
        data.is_valid(raise_exception=True)
        fields = dict(data.validated_data)
        if "area" in fields:
            fields["area"] = _area(fields["area"])
        services.version_update_draft(version=version, by=request.user, **fields)
        return Response(_detail(pk))


class VersionCreateApi(APIView):
    """Make a new draft version copying the latest version (or ``from_version``)."""

    permission_classes = [CanAuthor]

    class InputSerializer(serializers.Serializer):
        from_version = serializers.IntegerField(required=False, min_value=1)

    @extend_schema(request=InputSerializer, responses={201: QuestionDetailSerializer}, summary="New draft version")
    def post(self, request: Request, pk: int) -> Response:
        question = get_object_or_404(Question, pk=pk)
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        source = None
        if "from_version" in data.validated_data:
            source = _version(pk, data.validated_data["from_version"])
        services.version_new_draft(question=question, by=request.user, from_version=source)
        return Response(_detail(pk), status=status.HTTP_201_CREATED)


class CommentInputSerializer(serializers.Serializer):
    comment = serializers.CharField(required=False, allow_blank=True, default="", max_length=5000)


class VersionSubmitApi(APIView):
    """Submit a draft for review."""

    permission_classes = [CanAuthor]

    @extend_schema(request=CommentInputSerializer, responses=QuestionDetailSerializer, summary="Submit a draft")
    def post(self, request: Request, pk: int, number: int) -> Response:
        version = _version(pk, number)
        data = CommentInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        services.version_submit(version=version, by=request.user, comment=data.validated_data["comment"])
        return Response(_detail(pk))


class VersionReviewApi(APIView):
    """Approve, request changes or comment on a version."""

    permission_classes = [CanSeeBank]

    class InputSerializer(serializers.Serializer):
        decision = serializers.ChoiceField(choices=ReviewDecision.choices)
        comment = serializers.CharField(required=False, allow_blank=True, default="", max_length=5000)

    @extend_schema(request=InputSerializer, responses={201: ReviewSerializer}, summary="Review a version")
    def post(self, request: Request, pk: int, number: int) -> Response:
        version = _version(pk, number)
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        review = services.version_review(version=version, reviewer=request.user, **data.validated_data)
        return Response(ReviewSerializer(review).data, status=status.HTTP_201_CREATED)


class QuestionRetireApi(APIView):
    """Retire a question (its creator, or an officer)."""

    permission_classes = [CanAuthor]

    @extend_schema(request=CommentInputSerializer, responses=QuestionDetailSerializer, summary="Retire a question")
    def post(self, request: Request, pk: int) -> Response:
        question = get_object_or_404(Question, pk=pk)
        data = CommentInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        services.question_retire(question=question, by=request.user, comment=data.validated_data["comment"])
        return Response(_detail(pk))


class TranslationLinkApi(APIView):
    """Link another question (and its translations) as translations of this one."""

    permission_classes = [CanAuthor]

    class InputSerializer(serializers.Serializer):
        question = serializers.IntegerField()

    @extend_schema(request=InputSerializer, responses=QuestionDetailSerializer, summary="Link translations")
    def post(self, request: Request, pk: int) -> Response:
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        a = get_object_or_404(Question, pk=pk)
        b = get_object_or_404(Question, pk=data.validated_data["question"])
        services.translation_link(a=a, b=b, by=request.user)
        return Response(_detail(pk))


class VersionDiffApi(APIView):
    """A readable diff between two versions of a question (``?from=1&to=2``)."""

    permission_classes = [CanSeeBank]

    class FilterSerializer(serializers.Serializer):
        from_ = serializers.IntegerField(min_value=1)
        to = serializers.IntegerField(min_value=1)

        def to_internal_value(self, data):
            data = {"from_": data.get("from"), "to": data.get("to")}
            return super().to_internal_value(data)

    @extend_schema(responses=OpenApiTypes.OBJECT, summary="Diff two versions")
    def get(self, request: Request, pk: int) -> Response:
        data = self.FilterSerializer(data=request.query_params)
        data.is_valid(raise_exception=True)
        versions = {
            v.number: v
            for v in QuestionVersion.objects.filter(
                question_id=pk, number__in=[data.validated_data["from_"], data.validated_data["to"]]
            ).prefetch_related(Prefetch("objectives"))
        }
        try:
            a, b = versions[data.validated_data["from_"]], versions[data.validated_data["to"]]
        except KeyError:
            raise Http404
        return Response(selectors.version_diff(a, b))


class PreviewApi(APIView):
    """Render a content object exactly as a candidate sees it (no key, no explanation)."""

    permission_classes = [CanSeeBank]

    class InputSerializer(serializers.Serializer):
        content = serializers.JSONField()

    @extend_schema(request=InputSerializer, responses=OpenApiTypes.OBJECT, summary="Candidate preview")
    def post(self, request: Request) -> Response:
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        content = services.validated_content(data.validated_data["content"])
        return Response({"content": render_for_candidate(content)})


class VersionPreviewApi(APIView):
    """A stored version rendered as a candidate sees it."""

    permission_classes = [CanSeeBank]

    @extend_schema(responses=OpenApiTypes.OBJECT, summary="Candidate preview of a version")
    def get(self, request: Request, pk: int, number: int) -> Response:
        version = _version(pk, number)
        return Response({"content": render_for_candidate(version.content)})


class BulkActionApi(APIView):
    """Submit, retire or move several questions at once: all or nothing, with an error per question."""

    permission_classes = [CanAuthor]

    class InputSerializer(serializers.Serializer):
        action = serializers.ChoiceField(choices=["submit", "retire", "move"])
        questions = serializers.ListField(child=serializers.IntegerField(), min_length=1, max_length=500)
        area = serializers.CharField(required=False)
        pool = serializers.ChoiceField(choices=Pool.choices, required=False)
        comment = serializers.CharField(required=False, allow_blank=True, default="", max_length=5000)

    class OutputSerializer(serializers.Serializer):
        action = serializers.CharField()
        done = serializers.ListField(child=serializers.IntegerField())

    @extend_schema(request=InputSerializer, responses=OutputSerializer, summary="Bulk action")
    def post(self, request: Request) -> Response:
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        params = data.validated_data
        ids = list(dict.fromkeys(params["questions"]))
        questions = list(Question.objects.filter(pk__in=ids).order_by("id"))
        if len(questions) != len(ids):
            missing = sorted(set(ids) - {q.pk for q in questions})
            raise ApplicationError(
                _("Unknown question ids: %(ids)s.") % {"ids": ", ".join(map(str, missing))}, code="unknown_question"
            )
        action = params["action"]
        if action == "submit":
            services.bulk_submit(questions=questions, by=request.user)
        elif action == "retire":
            services.bulk_retire(questions=questions, by=request.user, comment=params["comment"])
        else:
            services.bulk_move(
                questions=questions, by=request.user, area=_area(params.get("area")), pool=params.get("pool")
            )
        return Response({"action": action, "done": [q.pk for q in questions]})


class ReviewQueueApi(APIView):
    """Submitted versions waiting for the signed-in reviewer's decision."""

    permission_classes = [CanReview]

    class OutputSerializer(serializers.Serializer):
        question = serializers.IntegerField(source="question_id")
        code = serializers.CharField(source="question.code")
        area = serializers.CharField(source="question.area.code")
        number = serializers.IntegerField()
        type = serializers.CharField()
        language = serializers.CharField()
        level = serializers.CharField()
        pool = serializers.CharField()
        author = serializers.CharField(source="author.username")
        submitted_at = serializers.DateTimeField()
        approvals = serializers.IntegerField()
        approvals_required = serializers.SerializerMethodField()

        def get_approvals_required(self, version: QuestionVersion) -> int:
            return services.approvals_required(version.pool)

    @extend_schema(responses=OutputSerializer(many=True), summary="My review queue")
    def get(self, request: Request) -> Response:
        return Response(self.OutputSerializer(selectors.review_queue(request.user), many=True).data)


class CoverageApi(APIView):
    """Approved items per technique area × level × pool, with what configured exams need."""

    permission_classes = [CanSeeBank]

    class OutputSerializer(serializers.Serializer):
        area = serializers.CharField(source="area_code")
        area_name = serializers.CharField()
        level = serializers.CharField()
        pool = serializers.CharField()
        approved = serializers.IntegerField()
        with_media = serializers.IntegerField()
        needed = serializers.IntegerField(allow_null=True)
        short = serializers.IntegerField(allow_null=True)

    @extend_schema(responses=OutputSerializer(many=True), summary="Blueprint coverage of the bank")
    def get(self, request: Request) -> Response:
        language = request.query_params.get("language") or None
        if language is not None and language not in Language.values:
            raise ApplicationError(_("Unknown language %(language)s.") % {"language": language}, code="invalid_field")
        return Response(self.OutputSerializer(selectors.coverage(language=language), many=True).data)


# --------------------------------------------------------------------------- media


class MediaSerializer(serializers.Serializer):
    id = serializers.UUIDField()
    kind = serializers.CharField()
    mime = serializers.CharField()
    width = serializers.IntegerField()
    height = serializers.IntegerField()
    size = serializers.IntegerField()
    sha256 = serializers.CharField()
    url = serializers.SerializerMethodField()

    def get_url(self, media: Media) -> str:
        return reverse("api:question-media-file", kwargs={"pk": media.pk})


class MediaUploadApi(APIView):
    """Upload an image: checked by content, size-limited, re-encoded without metadata."""

    permission_classes = [HasRole.of(*BANK_ROLES)]
    parser_classes = [MultiPartParser, FormParser]

    class InputSerializer(serializers.Serializer):
        file = serializers.FileField()

    @extend_schema(request=InputSerializer, responses={201: MediaSerializer}, summary="Upload an image")
    def post(self, request: Request) -> Response:
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        media = services.media_upload(file=data.validated_data["file"], by=request.user)
        return Response(MediaSerializer(media).data, status=status.HTTP_201_CREATED)


class MediaFileApi(APIView):
    """The stored image itself, for any signed-in user, cached for a year (ETag = SHA-256)."""

    permission_classes = [IsAuthenticated]

    @extend_schema(responses={(200, "image/*"): bytes}, summary="An image file")
    def get(self, request: Request, pk: str) -> HttpResponse:
        media = get_object_or_404(Media, pk=pk, kind=MediaKind.IMAGE)  # a DICOM series has its own endpoints
        etag = f'"{media.sha256}"'
        cache_control = "private, max-age=31536000, immutable"
        if etag in [t.strip() for t in request.headers.get("If-None-Match", "").split(",")]:
            response: HttpResponse = HttpResponseNotModified()
        else:
            try:
                handle = media.file.open("rb")
            except (FileNotFoundError, OSError):
                raise Http404
            response = FileResponse(handle, content_type=media.mime)
            response["Content-Length"] = str(media.size)
        response["ETag"] = etag
        response["Cache-Control"] = cache_control
        response["X-Content-Type-Options"] = "nosniff"
        response["Content-Disposition"] = "inline"
        return response
