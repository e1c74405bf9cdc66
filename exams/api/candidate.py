"""The candidate's exam delivery API — exactly the endpoints of docs/exam-delivery-api.md.

Times are answered as ISO 8601 UTC (the JSON encoder's rendering of aware datetimes); the
``OutputSerializer`` classes describe the answers for the OpenAPI schema.

Every JSON object answered here (errors included) carries ``server_now`` so the exam page can
correct its clock. Object permission: the attempt's candidate is the request's user, otherwise
404 (never 403, which would reveal that the attempt exists).

The answer save (``AttemptSaveAnswerApi``) is the hot path: no session, no user lookup. The
signed ``X-Attempt-Token`` header names the attempt, candidate, form and browser session; the
form's layout and the sitting's grace come from in-process caches, and ``response_save`` does one
guarded upsert.
"""

from __future__ import annotations

import json
from typing import Any

from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import serializers, status
from rest_framework.parsers import JSONParser
from rest_framework.permissions import AllowAny, IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from exams import selectors
from exams.services.attempts import (
    attempt_advance_stage,
    attempt_comment,
    attempt_finalize_if_due,
    attempt_record_event,
    attempt_start,
    attempt_submit,
    attempt_takeover,
    attempt_token,
    attempt_token_read,
    response_save,
)
from irexam import ratelimit
from irexam.api import LeanJsonApiView
from irexam.errors import ApplicationError

MAX_EVENT_DATA_BYTES = 2_000
SAVE_RATE_MESSAGE = gettext_lazy("Too many saves for this attempt. Please wait %(s)s seconds.")


def client_ip(request: Request) -> str | None:
    return request.META.get("REMOTE_ADDR") or None


def _input(serializer_class: type[serializers.Serializer], data: Any, code: str = "invalid") -> dict[str, Any]:
    """Validate a request body; a bad body is an ApplicationError with a readable message and a code."""
    serializer = serializer_class(data=data)
    if not serializer.is_valid():
        messages = [f"{name}: {' '.join(str(e) for e in errors)}" for name, errors in serializer.errors.items()]
        raise ApplicationError("; ".join(messages), extra={"fields": serializer.errors}, code=code)
    return serializer.validated_data


class DeliveryApi(APIView):
    """Base of the delivery endpoints: adds ``server_now`` to every JSON object answer."""

    def finalize_response(self, request: Request, response: Response, *args: Any, **kwargs: Any) -> Response:
        data = getattr(response, "data", None)
        if isinstance(data, dict) and "server_now" not in data:
            data["server_now"] = timezone.now()
        return super().finalize_response(request, response, *args, **kwargs)


class CandidateApi(DeliveryApi):
    permission_classes = [IsAuthenticated]

    def get_attempt(self, request: Request, attempt_id: int):
        return selectors.attempt_for_candidate(attempt_id=attempt_id, candidate=request.user)


_STATE = inline_serializer(
    "AttemptState",
    {
        "id": serializers.IntegerField(),
        "status": serializers.CharField(),
        "server_now": serializers.DateTimeField(),
        "started_at": serializers.DateTimeField(),
        "deadline_at": serializers.DateTimeField(),
        "seconds_left": serializers.IntegerField(),
        "grace_seconds": serializers.IntegerField(),
        "paused": serializers.BooleanField(),
        "paper": serializers.DictField(),
        "exam": serializers.DictField(),
        "items": serializers.ListField(child=serializers.DictField()),
        "responses": serializers.DictField(),
        "case_stages": serializers.DictField(child=serializers.IntegerField()),
    },
)
_STATE_AND_TOKEN = inline_serializer("AttemptStateAndToken", {"attempt": _STATE, "token": serializers.CharField()})


class ServerTimeApi(DeliveryApi):
    """The server's clock, for the exam page's and the system check's clock sync."""

    authentication_classes: list = []
    permission_classes = [AllowAny]

    @extend_schema(
        responses=inline_serializer("ServerTime", {"server_now": serializers.DateTimeField()}),
        summary="Server time",
    )
    def get(self, request: Request) -> Response:
        return Response({"server_now": timezone.now()})


class MySittingsApi(CandidateApi):
    @extend_schema(
        responses=inline_serializer("MySittings", {"results": serializers.ListField(child=serializers.DictField())}),
        summary="The candidate's registrations and papers",
    )
    def get(self, request: Request) -> Response:
        now = timezone.now()
        results = []
        for entry in selectors.candidate_sittings(candidate=request.user, now=now):
            sitting = entry.sitting
            results.append(
                {
                    "registration": entry.registration.pk,
                    "registration_status": entry.registration.status,
                    "is_past": entry.is_past,
                    "sitting": {
                        "id": sitting.pk,
                        "code": sitting.code,
                        "exam": {"code": sitting.exam.code, "title": sitting.exam.title},
                        "opens_at": sitting.opens_at,
                        "closes_at": sitting.closes_at,
                        "time_zone": sitting.time_zone,
                        "rules": sitting.exam.localized("rules"),
                        "access_code_required": bool(sitting.access_code),
                    },
                    "papers": [
                        {
                            "id": p.paper.pk,
                            "number": p.paper.number,
                            "title": p.paper.title,
                            "duration_minutes": p.paper.duration_minutes,
                            "duration_with_accommodation_minutes": p.duration_minutes,
                            "item_count": p.paper.item_count,
                            "attempt": {"id": p.attempt.pk, "status": p.attempt.status} if p.attempt else None,
                            "can_start": p.can_start,
                            "start_warning": p.start_warning,
                        }
                        for p in entry.papers
                    ],
                }
            )
        return Response({"results": results, "server_now": now})


class AttemptStartApi(CandidateApi):
    class InputSerializer(serializers.Serializer):
        registration = serializers.IntegerField()
        paper = serializers.IntegerField()
        access_code = serializers.CharField(required=False, allow_blank=True, max_length=64, default="")

    @extend_schema(request=InputSerializer, responses={200: _STATE_AND_TOKEN, 201: _STATE_AND_TOKEN})
    def post(self, request: Request) -> Response:
        data = _input(self.InputSerializer, request.data)
        registration, paper = selectors.candidate_registration(
            candidate=request.user, registration_id=data["registration"], paper_id=data["paper"]
        )
        attempt, created = attempt_start(
            registration=registration, paper=paper, access_code=data["access_code"], ip=client_ip(request)
        )
        if not created:  # the same attempt, opened in this browser: any other window stops saving
            attempt_takeover(attempt=attempt, ip=client_ip(request))
            attempt = self.get_attempt(request, attempt.pk)
        # a new attempt is answered as inserted: its form, sitting, paper and exam are already read
        body = {"attempt": selectors.attempt_state(attempt=attempt), "token": attempt_token(attempt)}
        return Response(body, status=status.HTTP_201_CREATED if created else status.HTTP_200_OK)


class AttemptDetailApi(CandidateApi):
    @extend_schema(responses=_STATE, summary="The attempt's state (finalised first when past its deadline)")
    def get(self, request: Request, attempt_id: int) -> Response:
        attempt = self.get_attempt(request, attempt_id)
        attempt_finalize_if_due(attempt, grace_seconds=attempt.form.sitting.grace_seconds)
        return Response(selectors.attempt_state(attempt=attempt))


class AttemptSessionApi(CandidateApi):
    @extend_schema(request=None, responses=_STATE_AND_TOKEN, summary="Take the attempt over in this browser")
    def post(self, request: Request, attempt_id: int) -> Response:
        attempt = self.get_attempt(request, attempt_id)
        attempt = attempt_takeover(attempt=attempt, ip=client_ip(request))
        return Response({"attempt": selectors.attempt_state(attempt=attempt), "token": attempt_token(attempt)})


class AttemptSaveAnswerApi(LeanJsonApiView, DeliveryApi):
    """Save one answer. Authenticated by the attempt token alone (no session or user query).

    The exam-day hot path (docs/performance.md): a PUT skips DRF's request cycle
    (``irexam.api.LeanJsonApiView``: the body is read and checked here, errors answered in the
    API's shape), and on gunicorn it runs a minimal middleware list (``irexam/wsgi.py``). Every
    answer, errors included, carries ``server_now``.
    """

    lean_methods = frozenset({"PUT"})
    authentication_classes: list = []
    permission_classes = [AllowAny]
    parser_classes = [JSONParser]
    throttle_classes: list = []
    versioning_class = None

    class InputSerializer(serializers.Serializer):
        """For the schema: ``put`` checks the same rules by hand."""

        answer = serializers.JSONField(allow_null=True)
        flagged = serializers.BooleanField(default=False)
        seq = serializers.IntegerField(min_value=1, max_value=2**62)

    class OutputSerializer(serializers.Serializer):
        position = serializers.IntegerField()
        accepted = serializers.BooleanField()
        seq = serializers.IntegerField()
        saved_at = serializers.DateTimeField()
        server_now = serializers.DateTimeField()

    def lean_finalize(self, request: HttpRequest, response: Response) -> Response:
        response.data["server_now"] = timezone.now()
        return response

    @extend_schema(request=InputSerializer, responses=OutputSerializer, summary="Save an answer (X-Attempt-Token)")
    def put(self, request: HttpRequest, attempt_id: int, position: int) -> Response:
        token = attempt_token_read(request.META.get("HTTP_X_ATTEMPT_TOKEN", ""))
        if token.attempt_id != attempt_id:
            raise ApplicationError(_("Not found."), code="not_found", status=404)
        # Per attempt and per web process, in memory (no round trip): 429 + Retry-After; the page
        # retries in order. See irexam/ratelimit.py for what a per-process limit holds.
        ratelimit.check_local(f"save:{attempt_id}", "ATTEMPT_SAVE_RATE", SAVE_RATE_MESSAGE)
        body = _json_object(request)
        if "answer" not in body:
            raise ApplicationError(f"answer: {_('This field is required.')}", code="bad_answer")
        flagged = body.get("flagged", False)
        if not isinstance(flagged, bool):
            raise ApplicationError(f"flagged: {_('Must be a valid boolean.')}", code="bad_answer")
        result = response_save(  # checks seq (bad_seq) before anything is written
            token=token,
            position=position,
            answer=body["answer"],
            flagged=flagged,
            seq=body.get("seq"),
            ip=client_ip(request),
        )
        return Response(
            {"position": position, "accepted": result.accepted, "seq": result.seq, "saved_at": result.saved_at}
        )


def _json_object(request: HttpRequest) -> dict[str, Any]:
    """The request's JSON body as a dict ({} for any other JSON value); 415/400 when it is not JSON."""
    if request.content_type != "application/json":
        raise ApplicationError(
            _("The body must be JSON (Content-Type: application/json)."), code="unsupported_media_type", status=415
        )
    try:
        data = json.loads(request.body)
    except ValueError:  # JSONDecodeError and UnicodeDecodeError
        raise ApplicationError(_("The body is not valid JSON."), code="parse_error") from None
    return data if isinstance(data, dict) else {}


class AttemptStageApi(CandidateApi):
    class InputSerializer(serializers.Serializer):
        position = serializers.IntegerField(min_value=1)
        stage = serializers.IntegerField(min_value=1)

    @extend_schema(
        request=InputSerializer,
        responses=inline_serializer(
            "StageMoved",
            {
                "position": serializers.IntegerField(),
                "stage": serializers.IntegerField(),
                "item": serializers.DictField(),
            },
        ),
        summary="Move a case set to its next stage (earlier answers lock)",
    )
    def post(self, request: Request, attempt_id: int) -> Response:
        data = _input(self.InputSerializer, request.data)
        attempt = self.get_attempt(request, attempt_id)
        state = attempt_advance_stage(attempt=attempt, position=data["position"], stage=data["stage"])
        attempt.refresh_from_db(fields=["case_stages"])
        item = selectors.candidate_item_at(attempt=attempt, position=data["position"])
        return Response({"position": data["position"], "stage": state["stage"], "item": item})


class AttemptEventApi(CandidateApi):
    class InputSerializer(serializers.Serializer):
        kind = serializers.CharField(max_length=16)
        data = serializers.DictField(required=False, default=dict)

    @extend_schema(request=InputSerializer, responses={204: None}, summary="Report focus lost, tab hidden, offline")
    def post(self, request: Request, attempt_id: int) -> Response:
        data = _input(self.InputSerializer, request.data, code="bad_event")
        if len(json.dumps(data["data"], default=str)) > MAX_EVENT_DATA_BYTES:
            raise ApplicationError(_("This event's details are too long."), code="bad_event")
        attempt = self.get_attempt(request, attempt_id)
        attempt_record_event(attempt=attempt, kind=data["kind"], data=data["data"], ip=client_ip(request))
        return Response(status=status.HTTP_204_NO_CONTENT)


class AttemptCommentApi(CandidateApi):
    class InputSerializer(serializers.Serializer):
        position = serializers.IntegerField(min_value=1)
        text = serializers.CharField(allow_blank=True, max_length=4000, trim_whitespace=True)

    class OutputSerializer(serializers.Serializer):
        id = serializers.IntegerField()
        position = serializers.IntegerField()
        created_at = serializers.DateTimeField()

    @extend_schema(request=InputSerializer, responses={201: OutputSerializer}, summary="Comment on an item")
    def post(self, request: Request, attempt_id: int) -> Response:
        data = _input(self.InputSerializer, request.data)
        attempt = self.get_attempt(request, attempt_id)
        comment = attempt_comment(attempt=attempt, position=data["position"], text=data["text"])
        body = {"id": comment.pk, "position": comment.position, "created_at": comment.created_at}
        return Response(body, status=status.HTTP_201_CREATED)


class AttemptSubmitApi(CandidateApi):
    class InputSerializer(serializers.Serializer):
        confirm = serializers.BooleanField(default=False)

    class OutputSerializer(serializers.Serializer):
        status = serializers.CharField()
        submitted_at = serializers.DateTimeField(allow_null=True)
        answered = serializers.IntegerField()
        total = serializers.IntegerField()
        flagged = serializers.IntegerField()

    @extend_schema(request=InputSerializer, responses=OutputSerializer, summary="Submit (the receipt, no score)")
    def post(self, request: Request, attempt_id: int) -> Response:
        data = _input(self.InputSerializer, request.data)
        if not data["confirm"]:
            raise ApplicationError(_("Confirm that you want to submit the exam."), code="confirm_required")
        attempt = self.get_attempt(request, attempt_id)
        attempt = attempt_submit(attempt=attempt, ip=client_ip(request))
        return Response(selectors.attempt_receipt(attempt=attempt).as_dict())
