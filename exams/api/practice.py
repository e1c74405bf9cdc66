"""Practice API (docs/practice.md): sessions, answers, feedback, bookmarks, problem reports, mastery,
readiness and the instructor's view.

Object permission: a session belongs to its trainee; anyone else gets 404 (never 403, which would
reveal that it exists). Instructors read only their own trainees (``curriculum.selectors``); a
problem report is read and resolved only by the author of its item.
"""

from __future__ import annotations

from typing import Any

from django.http import Http404
from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import serializers, status
from rest_framework.permissions import IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.models import User
from accounts.permissions import HasRole
from accounts.roles import Role
from curriculum.selectors import supervises
from exams import selectors_practice as selectors
from exams.api.candidate import _input
from exams.models import PracticeSession
from exams.services.practice import (
    practice_answer_save,
    practice_bookmark_set,
    practice_problem_report,
    practice_problem_resolve,
    practice_session_finish,
    practice_session_finish_if_due,
    practice_session_start,
    practice_sessions_finish_expired,
)

_STATE = inline_serializer(
    "PracticeSessionState",
    {
        "id": serializers.IntegerField(),
        "mode": serializers.CharField(),
        "source": serializers.CharField(),
        "status": serializers.CharField(),
        "level": serializers.CharField(),
        "target_count": serializers.IntegerField(),
        "answered": serializers.IntegerField(),
        "started_at": serializers.DateTimeField(),
        "deadline_at": serializers.DateTimeField(allow_null=True),
        "seconds_left": serializers.IntegerField(allow_null=True),
        "server_now": serializers.DateTimeField(),
        "items": serializers.ListField(child=serializers.DictField()),
        "theta": serializers.FloatField(allow_null=True),
        "theta_se": serializers.FloatField(allow_null=True),
        "stop_reason": serializers.CharField(),
        "summary": serializers.DictField(required=False),
    },
)


class TraineeApi(APIView):
    permission_classes = [IsAuthenticated, HasRole.of(Role.TRAINEE)]

    def get_session(self, request: Request, session_id: int) -> PracticeSession:
        return selectors.practice_session_get(session_id=session_id, trainee=request.user)


class PracticeSessionListApi(TraineeApi):
    class InputSerializer(serializers.Serializer):
        mode = serializers.ChoiceField(choices=PracticeSession.Mode.choices)
        source = serializers.ChoiceField(choices=PracticeSession.Source.choices, default="selection")
        level = serializers.CharField(default="", allow_blank=True, max_length=1)
        areas = serializers.ListField(child=serializers.IntegerField(), default=list, max_length=100)
        objectives = serializers.ListField(child=serializers.IntegerField(), default=list, max_length=500)
        count = serializers.IntegerField(min_value=1, max_value=100)

    class OutputSerializer(serializers.ModelSerializer):
        item_count = serializers.IntegerField()
        answered = serializers.IntegerField()
        correct_count = serializers.IntegerField()

        class Meta:
            model = PracticeSession
            fields = [
                "id",
                "mode",
                "source",
                "level",
                "status",
                "target_count",
                "started_at",
                "deadline_at",
                "finished_at",
                "theta",
                "theta_se",
                "stop_reason",
                "item_count",
                "answered",
                "correct_count",
            ]

    @extend_schema(responses=OutputSerializer(many=True), summary="My practice sessions")
    def get(self, request: Request) -> Response:
        practice_sessions_finish_expired(trainee=request.user)
        sessions = selectors.practice_session_list(trainee=request.user)[:100]
        return Response(self.OutputSerializer(sessions, many=True).data)

    @extend_schema(request=InputSerializer, responses={201: _STATE}, summary="Start a practice session")
    def post(self, request: Request) -> Response:
        data = _input(self.InputSerializer, request.data)
        session = practice_session_start(
            trainee=request.user,
            mode=data["mode"],
            source=data["source"],
            level=data["level"],
            area_ids=data["areas"],
            objective_ids=data["objectives"],
            count=data["count"],
        )
        return Response(selectors.practice_session_state(session=session), status=status.HTTP_201_CREATED)


class PracticeSessionDetailApi(TraineeApi):
    @extend_schema(responses=_STATE, summary="A practice session's state (no keys)")
    def get(self, request: Request, session_id: int) -> Response:
        session = self.get_session(request, session_id)
        practice_session_finish_if_due(session=session)
        return Response(selectors.practice_session_state(session=session))


class PracticeAnswerSaveApi(TraineeApi):
    class InputSerializer(serializers.Serializer):
        answer = serializers.JSONField(allow_null=True)
        seq = serializers.IntegerField(min_value=1, max_value=2**62)

    class OutputSerializer(serializers.Serializer):
        position = serializers.IntegerField()
        accepted = serializers.BooleanField()
        seq = serializers.IntegerField()
        saved_at = serializers.DateTimeField(allow_null=True)
        next_position = serializers.IntegerField(allow_null=True)
        finished = serializers.BooleanField()

    @extend_schema(request=InputSerializer, responses=OutputSerializer, summary="Save a practice answer")
    def put(self, request: Request, session_id: int, position: int) -> Response:
        session = self.get_session(request, session_id)
        body = request.data if isinstance(request.data, dict) else {}
        data = _input(self.InputSerializer, body, code="bad_answer")
        # The raw value: a string or a boolean is not a sequence number, whatever the serializer coerces.
        result = practice_answer_save(session=session, position=position, answer=data["answer"], seq=body["seq"])
        return Response(self.OutputSerializer(result).data)


class PracticeFeedbackApi(TraineeApi):
    @extend_schema(
        responses=inline_serializer(
            "PracticeFeedback",
            {
                "position": serializers.IntegerField(),
                "correct": serializers.BooleanField(),
                "score": serializers.FloatField(),
                "max_score": serializers.FloatField(),
                "answer": serializers.DictField(),
                "key": serializers.DictField(child=serializers.ListField(child=serializers.CharField())),
                "explanation_html": serializers.CharField(),
                "references": serializers.ListField(child=serializers.CharField()),
                "others": serializers.DictField(),
            },
        ),
        summary="Key, explanation, references and how others answered (after the answer is saved)",
    )
    def get(self, request: Request, session_id: int, position: int) -> Response:
        session = self.get_session(request, session_id)
        item = selectors.practice_item_get(session=session, position=position)
        return Response(selectors.practice_item_feedback(session=session, item=item))


class PracticeFinishApi(TraineeApi):
    @extend_schema(request=None, responses=_STATE, summary="Finish a practice session")
    def post(self, request: Request, session_id: int) -> Response:
        session = practice_session_finish(session=self.get_session(request, session_id))
        return Response(selectors.practice_session_state(session=session))


class PracticeProblemReportApi(TraineeApi):
    class InputSerializer(serializers.Serializer):
        text = serializers.CharField(max_length=2000)

    @extend_schema(
        request=InputSerializer,
        responses={201: inline_serializer("PracticeProblemReported", {"id": serializers.IntegerField()})},
        summary="Report a problem with a practice question (goes to its author)",
    )
    def post(self, request: Request, session_id: int, position: int) -> Response:
        session = self.get_session(request, session_id)
        item = selectors.practice_item_get(session=session, position=position)
        data = _input(self.InputSerializer, request.data)
        report = practice_problem_report(item=item, reporter=request.user, text=data["text"])
        return Response({"id": report.pk}, status=status.HTTP_201_CREATED)


class PracticeBookmarkListApi(TraineeApi):
    class OutputSerializer(serializers.Serializer):
        question = serializers.IntegerField(source="question_id")
        code = serializers.CharField(source="question.__str__")
        area = serializers.CharField(source="question.area.code")
        created_at = serializers.DateTimeField()

    @extend_schema(responses=OutputSerializer(many=True), summary="My bookmarked practice questions")
    def get(self, request: Request) -> Response:
        return Response(self.OutputSerializer(selectors.practice_bookmarks(trainee=request.user), many=True).data)


_BOOKMARK = inline_serializer(
    "PracticeBookmarkState", {"question": serializers.IntegerField(), "bookmarked": serializers.BooleanField()}
)


class PracticeBookmarkApi(TraineeApi):
    @extend_schema(request=None, responses=_BOOKMARK, summary="Bookmark a question met in practice")
    def put(self, request: Request, question_id: int) -> Response:
        practice_bookmark_set(trainee=request.user, question_id=question_id, bookmarked=True)
        return Response({"question": question_id, "bookmarked": True})

    @extend_schema(request=None, responses=_BOOKMARK, summary="Remove a bookmark")
    def delete(self, request: Request, question_id: int) -> Response:
        practice_bookmark_set(trainee=request.user, question_id=question_id, bookmarked=False)
        return Response({"question": question_id, "bookmarked": False})


_MASTERY = inline_serializer(
    "PracticeMastery",
    {
        "overall": serializers.DictField(),
        "areas": serializers.ListField(child=serializers.DictField()),
        "objectives": serializers.ListField(child=serializers.DictField()),
        "weeks": serializers.ListField(child=serializers.DictField()),
        "readiness": serializers.ListField(child=serializers.DictField()),
    },
)


def mastery_body(trainee: User) -> dict[str, Any]:
    mastery = selectors.practice_mastery(trainee=trainee)
    p = mastery.overall
    return {
        "overall": {"n": p.n, "correct": p.correct, "proportion": p.value, "low": p.low, "high": p.high},
        "areas": [row.as_dict() for row in mastery.areas],
        "objectives": [row.as_dict() for row in mastery.objectives],
        "weeks": mastery.weeks,
        "readiness": [r.as_dict() for r in selectors.practice_readiness(trainee=trainee)],
    }


class PracticeMasteryApi(TraineeApi):
    @extend_schema(responses=_MASTERY, summary="My mastery by area and objective, weekly trend, readiness")
    def get(self, request: Request) -> Response:
        practice_sessions_finish_expired(trainee=request.user)
        return Response(mastery_body(request.user))


class InstructorApi(APIView):
    permission_classes = [IsAuthenticated, HasRole.of(Role.INSTRUCTOR)]


class InstructorTraineesApi(InstructorApi):
    @extend_schema(
        responses=inline_serializer(
            "PracticeInstructorOverview",
            {
                "trainees": serializers.ListField(child=serializers.DictField()),
                "missed": serializers.ListField(child=serializers.DictField()),
            },
        ),
        summary="My trainees' practice activity and mastery by area; the items they miss most",
    )
    def get(self, request: Request) -> Response:
        overview = selectors.instructor_overview(instructor=request.user)
        trainees = []
        for row in overview["trainees"]:
            trainee = row.pop("trainee")
            trainees.append({"id": trainee.pk, "username": trainee.username, "name": trainee.display_name, **row})
        return Response({"trainees": trainees, "missed": overview["missed"]})


class InstructorTraineeMasteryApi(InstructorApi):
    @extend_schema(responses=_MASTERY, summary="One of my trainees' mastery and readiness")
    def get(self, request: Request, user_id: int) -> Response:
        trainee = User.objects.filter(pk=user_id).first()
        if trainee is None or not supervises(request.user, trainee):
            raise Http404
        return Response(mastery_body(trainee))


class ProblemReportListApi(APIView):
    permission_classes = [IsAuthenticated, HasRole.of(Role.INSTRUCTOR, Role.REVIEWER)]

    class OutputSerializer(serializers.Serializer):
        id = serializers.IntegerField()
        question = serializers.CharField(source="version.question.__str__")
        version = serializers.IntegerField(source="version.number")
        text = serializers.CharField()
        status = serializers.CharField()
        created_at = serializers.DateTimeField()
        resolution = serializers.CharField()

    @extend_schema(responses=OutputSerializer(many=True), summary="Problems reported on my questions")
    def get(self, request: Request) -> Response:
        reports = selectors.problem_reports_for_author(
            author=request.user, status=request.query_params.get("status", "")
        )
        return Response(self.OutputSerializer(reports[:200], many=True).data)


class ProblemReportResolveApi(APIView):
    permission_classes = [IsAuthenticated, HasRole.of(Role.INSTRUCTOR, Role.REVIEWER)]

    class InputSerializer(serializers.Serializer):
        reply = serializers.CharField(max_length=2000, allow_blank=True, default="")

    @extend_schema(
        request=InputSerializer, responses=ProblemReportListApi.OutputSerializer, summary="Resolve a problem report"
    )
    def post(self, request: Request, report_id: int) -> Response:
        report = selectors.problem_report_for_author(author=request.user, report_id=report_id)
        data = _input(self.InputSerializer, request.data)
        report = practice_problem_resolve(report=report, by=request.user, reply=data["reply"])
        return Response(ProblemReportListApi.OutputSerializer(report).data)
