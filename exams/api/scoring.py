"""Scoring API: status and jobs, item analysis, key validation, standard setting, cut scores, release.

Officers only, except the judge's own Angoff sheet and Hofstee values (instructors on that panel;
any other panel answers 404). Nothing here is reachable by candidates or proctors.
"""

from __future__ import annotations

from typing import Any

from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.models import User
from accounts.permissions import HasRole
from accounts.roles import Role
from exams import selectors_scoring as selectors
from exams.models import Job, Paper
from exams.services import keys, results, scoring
from exams.services import standard_setting as ss
from irexam.errors import ApplicationError
from question_bank.models import QuestionVersion


def _input(serializer_class: type[serializers.Serializer], data: Any) -> dict[str, Any]:
    serializer = serializer_class(data=data)
    if not serializer.is_valid():
        messages = [f"{name}: {' '.join(str(e) for e in errors)}" for name, errors in serializer.errors.items()]
        raise ApplicationError("; ".join(messages), extra={"fields": serializer.errors}, code="invalid")
    return serializer.validated_data


class OfficerApi(APIView):
    permission_classes = [HasRole.of(Role.OFFICER)]


class JudgeApi(APIView):
    permission_classes = [HasRole.of(Role.INSTRUCTOR)]


# --- sittings, status, jobs ------------------------------------------------------------------------


class ScoringSittingsApi(OfficerApi):
    @extend_schema(
        operation_id="scoring_sittings_list",
        responses=OpenApiTypes.OBJECT,
        summary="Sittings to score, validate and release",
    )
    def get(self, request: Request) -> Response:
        rows = [
            {"id": s.pk, "code": s.code, "exam": s.exam.code, "status": s.status, "released_at": s.released_at}
            for s in selectors.scoring_sittings()
        ]
        return Response({"results": rows})


class ScoringStatusApi(OfficerApi):
    @extend_schema(responses=OpenApiTypes.OBJECT, summary="Scoring status of a sitting (poll while a job runs)")
    def get(self, request: Request, sitting_id: int) -> Response:
        return Response(selectors.scoring_status(selectors.sitting_get(sitting_id)))


class ScoringRunApi(OfficerApi):
    @extend_schema(request=None, responses=OpenApiTypes.OBJECT, summary="Queue the scoring of a sitting")
    def post(self, request: Request, sitting_id: int) -> Response:
        job = scoring.scoring_job_start(sitting=selectors.sitting_get(sitting_id), by=request.user, reason="officer")
        return Response({"job": selectors.job_dict(job)}, status=status.HTTP_202_ACCEPTED)


class ScoringJobApi(OfficerApi):
    @extend_schema(responses=OpenApiTypes.OBJECT, summary="Progress of a scoring job")
    def get(self, request: Request, job_id: int) -> Response:
        job = get_object_or_404(Job, pk=job_id, kind=scoring.JOB_KIND)
        return Response(selectors.job_dict(job))


# --- item analysis and key validation ---------------------------------------------------------------


class ItemAnalysisApi(OfficerApi):
    @extend_schema(
        operation_id="scoring_sittings_items_list",
        responses=OpenApiTypes.OBJECT,
        summary="Item and test analysis per form (?flagged=1)",
    )
    def get(self, request: Request, sitting_id: int) -> Response:
        sitting = selectors.sitting_get(sitting_id)
        flagged = request.query_params.get("flagged") in ("1", "true", "yes")
        return Response(selectors.item_analysis(sitting, flagged_only=flagged))


class ItemDetailApi(OfficerApi):
    @extend_schema(responses=OpenApiTypes.OBJECT, summary="One item: statistics, options, comments, decisions")
    def get(self, request: Request, sitting_id: int, form_id: int, position: int) -> Response:
        sitting = selectors.sitting_get(sitting_id)
        return Response(selectors.item_detail(sitting, form_id=form_id, position=position))


class KeyDecisionInput(serializers.Serializer):
    version_id = serializers.IntegerField()
    unit_id = serializers.CharField(allow_blank=True, required=False, default="", max_length=40)
    action = serializers.ChoiceField(choices=keys.ACTIONS)
    key = serializers.ListField(child=serializers.CharField(max_length=8), required=False, default=list)


class KeyDecisionPreviewApi(OfficerApi):
    InputSerializer = KeyDecisionInput

    @extend_schema(request=KeyDecisionInput, responses=OpenApiTypes.OBJECT, summary="Impact of a key decision")
    def post(self, request: Request, sitting_id: int) -> Response:
        data = _input(self.InputSerializer, request.data)
        sitting = selectors.sitting_get(sitting_id)
        version = get_object_or_404(QuestionVersion, pk=data["version_id"])
        impact = keys.key_decision_preview(
            sitting=sitting, version=version, unit_id=data["unit_id"], action=data["action"], key=data["key"]
        )
        return Response(impact)


class KeyDecisionsApi(OfficerApi):
    class InputSerializer(KeyDecisionInput):
        reason = serializers.CharField(max_length=2000)

    @extend_schema(responses=OpenApiTypes.OBJECT, summary="Key decision history of a sitting")
    def get(self, request: Request, sitting_id: int) -> Response:
        return Response({"results": selectors.decision_history(selectors.sitting_get(sitting_id))})

    @extend_schema(request=InputSerializer, responses=OpenApiTypes.OBJECT, summary="Confirm a key decision")
    def post(self, request: Request, sitting_id: int) -> Response:
        data = _input(self.InputSerializer, request.data)
        sitting = selectors.sitting_get(sitting_id)
        version = get_object_or_404(QuestionVersion, pk=data["version_id"])
        decision, job = keys.key_decision_confirm(
            sitting=sitting,
            version=version,
            unit_id=data["unit_id"],
            action=data["action"],
            key=data["key"],
            reason=data["reason"],
            by=request.user,
            request=request,
        )
        body = {"id": decision.pk, "action": decision.action, "key": decision.key, "job": selectors.job_dict(job)}
        return Response(body, status=status.HTTP_201_CREATED)


class KeyValidationCloseApi(OfficerApi):
    @extend_schema(request=None, responses=OpenApiTypes.OBJECT, summary="Close key validation")
    def post(self, request: Request, sitting_id: int) -> Response:
        sitting = keys.key_validation_close(sitting=selectors.sitting_get(sitting_id), by=request.user, request=request)
        return Response({"key_validation_closed_at": sitting.key_validation_closed_at})


# --- cut scores and release ----------------------------------------------------------------------


class CutScoresApi(OfficerApi):
    class InputSerializer(serializers.Serializer):
        paper_id = serializers.IntegerField(required=False, allow_null=True, default=None)
        method = serializers.ChoiceField(choices=["fixed", "angoff", "hofstee"])
        percent = serializers.FloatField(required=False, allow_null=True, default=None)
        panel_id = serializers.IntegerField(required=False, allow_null=True, default=None)
        reason = serializers.CharField(max_length=2000)

    @extend_schema(responses=OpenApiTypes.OBJECT, summary="Cut score history of a sitting")
    def get(self, request: Request, sitting_id: int) -> Response:
        return Response({"results": selectors.cut_history(selectors.sitting_get(sitting_id))})

    @extend_schema(request=InputSerializer, responses=OpenApiTypes.OBJECT, summary="Set a cut score (then rescore)")
    def post(self, request: Request, sitting_id: int) -> Response:
        data = _input(self.InputSerializer, request.data)
        sitting = selectors.sitting_get(sitting_id)
        paper = get_object_or_404(Paper, pk=data["paper_id"], exam_id=sitting.exam_id) if data["paper_id"] else None
        panel = selectors.panel_get(data["panel_id"]) if data["panel_id"] else None
        cut, job = ss.cut_score_set(
            sitting=sitting,
            paper=paper,
            method=data["method"],
            percent=data["percent"],
            panel=panel,
            reason=data["reason"],
            by=request.user,
            request=request,
        )
        body = {"id": cut.pk, "percent": cut.percent, "details": cut.details, "job": selectors.job_dict(job)}
        return Response(body, status=status.HTTP_201_CREATED)


class ResultsReleaseApi(OfficerApi):
    @extend_schema(request=None, responses=OpenApiTypes.OBJECT, summary="Release the results of a sitting")
    def post(self, request: Request, sitting_id: int) -> Response:
        sitting = results.results_release(sitting=selectors.sitting_get(sitting_id), by=request.user, request=request)
        return Response({"status": sitting.status, "released_at": sitting.released_at})


# --- Angoff panels (officer side) ----------------------------------------------------------------


def _panel_dict(panel) -> dict[str, Any]:
    return {
        "id": panel.pk,
        "sitting_id": panel.sitting_id,
        "paper_id": panel.paper_id,
        "form_id": panel.form_id,
        "round": panel.round,
        "status": panel.status,
        "judges": [{"id": j.pk, "name": str(j)} for j in panel.judges.all()],
    }


def _judges(ids: list[int]) -> list[User]:
    users = list(User.objects.filter(pk__in=ids).order_by("pk"))
    if len(users) != len(set(ids)):
        raise ApplicationError(_("Unknown judge."), code="unknown_judge")
    return users


class AngoffPanelsApi(OfficerApi):
    class InputSerializer(serializers.Serializer):
        paper_id = serializers.IntegerField()
        judge_ids = serializers.ListField(child=serializers.IntegerField(), min_length=1)

    @extend_schema(responses=OpenApiTypes.OBJECT, summary="Angoff panels of a sitting")
    def get(self, request: Request, sitting_id: int) -> Response:
        panels = selectors.panels_of(selectors.sitting_get(sitting_id))
        return Response({"results": [_panel_dict(p) for p in panels]})

    @extend_schema(request=InputSerializer, responses=OpenApiTypes.OBJECT, summary="Create a panel and invite judges")
    def post(self, request: Request, sitting_id: int) -> Response:
        data = _input(self.InputSerializer, request.data)
        sitting = selectors.sitting_get(sitting_id)
        paper = get_object_or_404(Paper, pk=data["paper_id"], exam_id=sitting.exam_id)
        panel = ss.angoff_panel_create(
            sitting=sitting, paper=paper, judges=_judges(data["judge_ids"]), by=request.user, request=request
        )
        return Response(_panel_dict(panel), status=status.HTTP_201_CREATED)


class AngoffPanelApi(OfficerApi):
    @extend_schema(responses=OpenApiTypes.OBJECT, summary="A panel: judges' progress and the cut so far")
    def get(self, request: Request, panel_id: int) -> Response:
        panel = selectors.panel_get(panel_id)
        body = _panel_dict(panel) | {"progress": selectors.panel_progress(panel)}
        for name, compute in (("angoff", ss.angoff_compute), ("hofstee", ss.hofstee_compute)):
            try:
                body[name] = compute(panel=panel).to_dict()
            except ApplicationError as exc:
                body[name] = {"unavailable": str(exc.message)}
        return Response(body)


class AngoffPanelActionApi(OfficerApi):
    """``invite`` (judge_ids), ``round-two`` or ``close``."""

    class InputSerializer(serializers.Serializer):
        judge_ids = serializers.ListField(child=serializers.IntegerField(), required=False, default=list)

    @extend_schema(request=InputSerializer, responses=OpenApiTypes.OBJECT, summary="Invite judges, round two, close")
    def post(self, request: Request, panel_id: int, action: str) -> Response:
        panel = selectors.panel_get(panel_id)
        if action == "invite":
            data = _input(self.InputSerializer, request.data)
            panel = ss.angoff_panel_invite(panel=panel, judges=_judges(data["judge_ids"]), by=request.user)
        elif action == "round-two":
            panel = ss.angoff_round_two(panel=panel, by=request.user, request=request)
        elif action == "close":
            panel = ss.angoff_panel_close(panel=panel, by=request.user, request=request)
        else:
            return Response({"detail": _("Unknown action.")}, status=status.HTTP_404_NOT_FOUND)
        return Response(_panel_dict(panel))


# --- the judge's own sheet ---------------------------------------------------------------------------


class MyPanelsApi(JudgeApi):
    @extend_schema(responses=OpenApiTypes.OBJECT, summary="The Angoff panels I sit on")
    def get(self, request: Request) -> Response:
        panels = selectors.judge_panels(request.user)
        rows = [
            {"id": p.pk, "sitting": p.sitting.code, "paper": p.paper.number, "round": p.round, "status": p.status}
            for p in panels
        ]
        return Response({"results": rows})


class MyRatingsApi(JudgeApi):
    class InputSerializer(serializers.Serializer):
        ratings = serializers.DictField(child=serializers.FloatField(min_value=0, max_value=100))

    @extend_schema(responses=OpenApiTypes.OBJECT, summary="My Angoff sheet (only my own ratings)")
    def get(self, request: Request, panel_id: int) -> Response:
        panel = selectors.panel_for_judge(panel_id, request.user)
        return Response(ss.angoff_judge_sheet(panel=panel, judge=request.user))

    @extend_schema(request=InputSerializer, responses=OpenApiTypes.OBJECT, summary="Save my Angoff ratings")
    def put(self, request: Request, panel_id: int) -> Response:
        panel = selectors.panel_for_judge(panel_id, request.user)
        data = _input(self.InputSerializer, request.data)
        saved = ss.angoff_ratings_save(panel=panel, judge=request.user, ratings=data["ratings"])
        return Response({"saved": saved})


class MyHofsteeApi(JudgeApi):
    class InputSerializer(serializers.Serializer):
        min_cut = serializers.FloatField(min_value=0, max_value=100)
        max_cut = serializers.FloatField(min_value=0, max_value=100)
        min_fail = serializers.FloatField(min_value=0, max_value=100)
        max_fail = serializers.FloatField(min_value=0, max_value=100)

    @extend_schema(request=InputSerializer, responses=OpenApiTypes.OBJECT, summary="Save my four Hofstee values")
    def put(self, request: Request, panel_id: int) -> Response:
        panel = selectors.panel_for_judge(panel_id, request.user)
        data = _input(self.InputSerializer, request.data)
        judgement = ss.hofstee_judgement_save(panel=panel, judge=request.user, **data)
        return Response(
            {
                "min_cut": judgement.min_cut,
                "max_cut": judgement.max_cut,
                "min_fail": judgement.min_fail,
                "max_fail": judgement.max_fail,
            }
        )
