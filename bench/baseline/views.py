"""One view per scenario, each doing only that scenario's minimum database work."""

import json
from datetime import UTC, datetime, timedelta

from django.db import connection, transaction
from django.http import HttpResponse, JsonResponse

SAVE_SQL = (
    "INSERT INTO exams_response (attempt_id, position, answer, flagged, seq, saved_at) "
    "VALUES (%s, %s, %s::jsonb, %s, %s, %s) "
    "ON CONFLICT (attempt_id, position) DO UPDATE SET answer = EXCLUDED.answer, flagged = EXCLUDED.flagged, "
    "seq = EXCLUDED.seq, saved_at = EXCLUDED.saved_at WHERE exams_response.seq < EXCLUDED.seq RETURNING seq"
)
START_SQL = (
    "INSERT INTO exams_attempt (registration_id, paper_id, form_id, candidate_id, status, started_at, deadline_at, "
    "accommodation_seconds, extension_seconds, paused_seconds, finalized_by, session_nonce, last_seen_at, "
    "option_orders, case_stages, area_scores) "
    "VALUES (%s, %s, %s, %s, 'in_progress', %s, %s, 0, 0, 0, '', md5(random()::text), %s, '{}', '{}', '{}') "
    "ON CONFLICT (registration_id, paper_id) DO NOTHING RETURNING id"
)
EVENT_SQL = "INSERT INTO exams_attemptevent (attempt_id, at, kind, data) VALUES (%s, %s, 'start', '{}')"
VERIFY_SQL = (
    "SELECT serial, status, holder_name_zh, holder_name_en, issued_at, valid_until "
    "FROM certificates_certificate WHERE verification_code = %s"
)


def healthz(request):
    return HttpResponse("ok")


def save(request, attempt_id: int, position: int):
    body = json.loads(request.body)
    now = datetime.now(UTC)
    with connection.cursor() as cursor:  # one statement in autocommit: atomic and durable
        answer = json.dumps(body.get("answer"))
        cursor.execute(SAVE_SQL, [attempt_id, position, answer, bool(body.get("flagged")), body["seq"], now])
        row = cursor.fetchone()
    return JsonResponse({"position": position, "accepted": row is not None, "seq": body["seq"], "saved_at": now})


def start(request):
    body = json.loads(request.body)
    now = datetime.now(UTC)
    deadline = now + timedelta(minutes=int(body.get("minutes", 120)))
    with transaction.atomic(), connection.cursor() as cursor:
        ids = [body["registration"], body["paper"], body["form"], body["candidate"]]
        cursor.execute(START_SQL, [*ids, now, deadline, now])
        row = cursor.fetchone()
        if row is not None:
            cursor.execute(EVENT_SQL, [row[0], now])
    return JsonResponse({"attempt": row[0] if row else None}, status=201 if row else 200)


def verify(request, code: str):
    with connection.cursor() as cursor:
        cursor.execute(VERIFY_SQL, [code])
        row = cursor.fetchone()
    if row is None:
        return JsonResponse({"detail": "not found"}, status=404)
    keys = ("serial", "status", "holder_name_zh", "holder_name_en", "issued_at", "valid_until")
    return JsonResponse(dict(zip(keys, row, strict=True)))
