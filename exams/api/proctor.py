"""The proctor console's API: sittings, the live table, and actions on attempts.

Proctors see and act on the sittings they are assigned to; officers on every sitting. Other
roles get 403; a proctor asking for a sitting or attempt that is not theirs gets 404. Every
action goes through ``exams.services.attempts`` (which records it in the attempt log and the
audit log).
"""

from __future__ import annotations

from typing import Any

from django.utils import timezone
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response

from accounts.permissions import HasRole
from accounts.roles import Role
from exams import selectors
from exams.api.candidate import DeliveryApi, _input, client_ip
from exams.models import Attempt
from exams.services.attempts import (
    attempt_extend,
    attempt_pause,
    attempt_terminate,
    attempt_unpause,
    attempts_pause_all,
    attempts_unpause_all,
)


class ProctorApi(DeliveryApi):
    permission_classes = [HasRole.of(Role.PROCTOR, Role.OFFICER)]


def _attempt_row(attempt: Attempt, now) -> dict[str, Any]:
    return {
        "attempt": attempt.pk,
        "status": attempt.status,
        "deadline_at": attempt.deadline_at,
        "seconds_left": attempt.seconds_left(now),
        "extension_minutes": attempt.extension_seconds // 60,
        "paused_seconds": attempt.paused_seconds,
    }


_ATTEMPT_ROW = inline_serializer(
    "ProctorAttemptRow",
    {
        "attempt": serializers.IntegerField(),
        "status": serializers.CharField(),
        "deadline_at": serializers.DateTimeField(),
        "seconds_left": serializers.IntegerField(),
        "extension_minutes": serializers.IntegerField(),
        "paused_seconds": serializers.IntegerField(),
    },
)


class ProctorSittingsApi(ProctorApi):
    @extend_schema(
        responses=inline_serializer(
            "ProctorSittings", {"results": serializers.ListField(child=serializers.DictField())}
        ),
        summary="Sittings this user proctors",
    )
    def get(self, request: Request) -> Response:
        now = timezone.now()
        results = [
            {
                "id": s.pk,
                "code": s.code,
                "exam": {"code": s.exam.code, "title": s.exam.title},
                "opens_at": s.opens_at,
                "closes_at": s.closes_at,
                "status": s.status,
                "is_open": s.is_open(now),
                "candidates": s.candidate_count,
            }
            for s in selectors.proctor_sittings(user=request.user, now=now)
        ]
        return Response({"results": results})


class ProctorLiveApi(ProctorApi):
    @extend_schema(
        responses=inline_serializer(
            "ProctorLive",
            {"sitting": serializers.DictField(), "rows": serializers.ListField(child=serializers.DictField())},
        ),
        summary="The live table of a sitting (poll every few seconds)",
    )
    def get(self, request: Request, sitting_id: int) -> Response:
        now = timezone.now()
        sitting = selectors.sitting_for_proctor(sitting_id=sitting_id, user=request.user)
        rows = selectors.proctor_live(sitting=sitting, now=now)
        return Response(
            {
                "sitting": {
                    "id": sitting.pk,
                    "code": sitting.code,
                    "status": sitting.status,
                    "is_open": sitting.is_open(now),
                },
                "rows": rows,
                "server_now": now,
            }
        )


class _ReasonSerializer(serializers.Serializer):
    reason = serializers.CharField(required=False, allow_blank=True, max_length=500, default="")


class _RequiredReasonSerializer(serializers.Serializer):
    reason = serializers.CharField(allow_blank=True, max_length=500)


class AttemptPauseApi(ProctorApi):
    InputSerializer = _ReasonSerializer

    @extend_schema(request=InputSerializer, responses=_ATTEMPT_ROW, summary="Pause one candidate (their time stops)")
    def post(self, request: Request, attempt_id: int) -> Response:
        data = _input(self.InputSerializer, request.data)
        attempt = selectors.attempt_for_proctor(attempt_id=attempt_id, user=request.user)
        attempt = attempt_pause(attempt=attempt, by=request.user, reason=data["reason"], ip=client_ip(request))
        return Response(_attempt_row(attempt, timezone.now()))


class AttemptUnpauseApi(ProctorApi):
    InputSerializer = _ReasonSerializer

    @extend_schema(
        request=InputSerializer,
        responses=_ATTEMPT_ROW,
        summary="Resume one paused candidate (the paused time is added)",
    )
    def post(self, request: Request, attempt_id: int) -> Response:
        data = _input(self.InputSerializer, request.data)
        attempt = selectors.attempt_for_proctor(attempt_id=attempt_id, user=request.user)
        attempt = attempt_unpause(attempt=attempt, by=request.user, reason=data["reason"], ip=client_ip(request))
        return Response(_attempt_row(attempt, timezone.now()))


class AttemptExtendApi(ProctorApi):
    class InputSerializer(serializers.Serializer):
        minutes = serializers.IntegerField()
        reason = serializers.CharField(allow_blank=True, max_length=500)

    @extend_schema(
        request=InputSerializer, responses=_ATTEMPT_ROW, summary="Extend one candidate's time, with a reason"
    )
    def post(self, request: Request, attempt_id: int) -> Response:
        data = _input(self.InputSerializer, request.data)
        attempt = selectors.attempt_for_proctor(attempt_id=attempt_id, user=request.user)
        attempt = attempt_extend(
            attempt=attempt, by=request.user, minutes=data["minutes"], reason=data["reason"], ip=client_ip(request)
        )
        return Response(_attempt_row(attempt, timezone.now()))


class AttemptTerminateApi(ProctorApi):
    InputSerializer = _RequiredReasonSerializer

    @extend_schema(request=InputSerializer, responses=_ATTEMPT_ROW, summary="End one candidate's exam, with a reason")
    def post(self, request: Request, attempt_id: int) -> Response:
        data = _input(self.InputSerializer, request.data)
        attempt = selectors.attempt_for_proctor(attempt_id=attempt_id, user=request.user)
        attempt = attempt_terminate(attempt=attempt, by=request.user, reason=data["reason"], ip=client_ip(request))
        return Response(_attempt_row(attempt, timezone.now()))


_BULK_RESULT = inline_serializer(
    "BulkResult", {"changed": serializers.IntegerField(), "skipped": serializers.IntegerField()}
)


class SittingPauseAllApi(ProctorApi):
    InputSerializer = _ReasonSerializer

    @extend_schema(request=InputSerializer, responses=_BULK_RESULT, summary="Pause every candidate in progress")
    def post(self, request: Request, sitting_id: int) -> Response:
        data = _input(self.InputSerializer, request.data)
        sitting = selectors.sitting_for_proctor(sitting_id=sitting_id, user=request.user)
        reason = data["reason"] or _("Paused for the whole room")
        return Response(attempts_pause_all(sitting=sitting, by=request.user, reason=reason, ip=client_ip(request)))


class SittingResumeAllApi(ProctorApi):
    InputSerializer = _ReasonSerializer

    @extend_schema(request=InputSerializer, responses=_BULK_RESULT, summary="Resume every paused candidate")
    def post(self, request: Request, sitting_id: int) -> Response:
        data = _input(self.InputSerializer, request.data)
        sitting = selectors.sitting_for_proctor(sitting_id=sitting_id, user=request.user)
        reason = data["reason"] or _("Resumed for the whole room")
        return Response(attempts_unpause_all(sitting=sitting, by=request.user, reason=reason, ip=client_ip(request)))


class AttemptLogApi(ProctorApi):
    @extend_schema(
        responses=inline_serializer("AttemptLog", {"events": serializers.ListField(child=serializers.DictField())}),
        summary="An attempt's log (newest first)",
    )
    def get(self, request: Request, attempt_id: int) -> Response:
        attempt = selectors.attempt_for_proctor(attempt_id=attempt_id, user=request.user)
        events = [
            {
                "at": e.at,
                "kind": e.kind,
                "label": e.get_kind_display(),
                "position": e.position,
                "seq": e.seq,
                "actor": e.actor.username if e.actor else None,
                "data": e.data,
                "ip_address": e.ip_address,
            }
            for e in selectors.attempt_log(attempt=attempt)
        ]
        return Response({"events": events})
