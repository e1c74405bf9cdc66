"""Attempts: start, resume, save answers, move through case stages, submit, auto-submit.

The server is the authority on time and answers:

* ``deadline_at`` is stored on the attempt (start + duration + accommodation, moved by
  proctor extensions and pauses); saves are compared with it in the database itself.
* ``response_save`` is the hot path: the attempt-scoped token is checked in memory (no
  session or user query), then one SQL statement upserts the answer only if the attempt is
  in progress, belongs to the token's candidate and browser session, is within its deadline
  plus the stated grace, and the client sequence number is newer than the stored one.
  It is acknowledged only after the transaction commits.
* Finalising at the deadline is a conditional update (``status = in_progress`` →
  ``auto_submitted``), so the lazy path and the periodic sweep can race: exactly one wins.
"""

from __future__ import annotations

import json
import random
import secrets
import time
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import cache
from typing import Any

from django.core import signing
from django.db import IntegrityError, connection, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.audit import audit_record
from exams.delivery import AnswerError, validate_answer
from exams.models import Attempt, AttemptEvent, Form, ItemComment, Paper, Registration, Response, Sitting
from irexam.db import prepared_cursor
from irexam.errors import ApplicationError, ConflictError

TOKEN_SALT = "exams.attempt-token"  # noqa: S105 - a signing salt, not a secret
TOKEN_MAX_AGE = 60 * 60 * 24  # an attempt token outlives any paper; rotation revokes it sooner
MAX_ANSWER_BYTES = 8_000

_signer = signing.Signer(salt=TOKEN_SALT)


# --- tokens ---------------------------------------------------------------------------


@dataclass(frozen=True)
class AttemptToken:
    attempt_id: int
    candidate_id: int
    form_id: int
    nonce: str


def attempt_token(attempt: Attempt) -> str:
    """A signed, attempt-scoped credential for the save path (revoked by rotating the session nonce)."""
    return _signer.sign(f"{attempt.pk}.{attempt.candidate_id}.{attempt.form_id}.{attempt.session_nonce}")


def attempt_token_read(token: str) -> AttemptToken:
    try:
        value = _signer.unsign(token)
        attempt_id, candidate_id, form_id, nonce = value.split(".", 3)
        return AttemptToken(int(attempt_id), int(candidate_id), int(form_id), nonce)
    except (signing.BadSignature, ValueError):
        raise ApplicationError(_("This exam session is not valid. Reload the page."), code="bad_token", status=401)


# --- errors ---------------------------------------------------------------------------


class AttemptClosed(ConflictError):
    """The attempt cannot take this action any more (finished, past its deadline, paused, taken over)."""


def _closed(code: str) -> AttemptClosed:
    messages = {
        "deadline_passed": _("Time is up: answers can no longer be changed."),
        "finished": _("This exam has been submitted: answers can no longer be changed."),
        "paused": _("The proctor has paused your exam. Please wait."),
        "session_taken_over": _("This exam was opened in another window or on another computer. Continue there."),
    }
    return AttemptClosed(messages[code], code=code)


# --- form layouts (immutable once assembled; cached in-process) --------------------------

_LAYOUT_CACHE: dict[int, dict[int, dict]] = {}
_LAYOUT_CACHE_MAX = 512


def form_layout(form_id: int) -> dict[int, dict]:
    """Position → layout entry of a form. Forms never change after assembly, so caching is safe."""
    layout = _LAYOUT_CACHE.get(form_id)
    if layout is None:
        entries = Form.objects.filter(pk=form_id).values_list("layout", flat=True).first()
        if entries is None:
            raise ApplicationError(_("This exam form does not exist."), code="no_form", status=404)
        layout = {entry["position"]: entry for entry in entries}
        if len(_LAYOUT_CACHE) >= _LAYOUT_CACHE_MAX:
            _LAYOUT_CACHE.clear()
        _LAYOUT_CACHE[form_id] = layout
    return layout


_GRACE_CACHE: dict[int, tuple[float, int]] = {}
GRACE_CACHE_SECONDS = 60.0


def form_grace_seconds(form_id: int) -> int:
    """The network grace of the sitting a form belongs to, cached in-process for a minute.

    The save path needs it on every request; a minute's staleness after an officer edits the
    grace is acceptable (graces are set before a sitting opens).
    """
    clock = time.monotonic()
    hit = _GRACE_CACHE.get(form_id)
    if hit is not None and hit[0] > clock:
        return hit[1]
    grace = Sitting.objects.filter(forms__pk=form_id).values_list("grace_seconds", flat=True).first()
    if grace is None:
        raise ApplicationError(_("This exam form does not exist."), code="no_form", status=404)
    if len(_GRACE_CACHE) >= _LAYOUT_CACHE_MAX:
        _GRACE_CACHE.clear()
    _GRACE_CACHE[form_id] = (clock + GRACE_CACHE_SECONDS, int(grace))
    return int(grace)


# --- start / resume -------------------------------------------------------------------


def _assigned_form(registration: Registration, paper: Paper) -> Form:
    sitting = registration.sitting
    if sitting.form_mode == Sitting.FormMode.PER_CANDIDATE:
        form = Form.objects.filter(sitting=sitting, paper=paper, label=f"cand-{registration.pk}").first()
    else:
        forms = list(Form.objects.filter(sitting=sitting, paper=paper).order_by("label").only("pk", "label", "layout"))
        form = forms[random.Random(f"{sitting.pk}:{registration.pk}").randrange(len(forms))] if forms else None  # noqa: S311
    if form is None or not form.layout:
        raise ApplicationError(
            _("The exam papers for this sitting have not been prepared yet. Please tell the exam office."),
            code="not_assembled",
        )
    return form


def attempt_deadline(*, started_at: datetime, registration: Registration, paper: Paper) -> tuple[datetime, int]:
    """Deadline = start + duration + accommodation, but not beyond the window's close (+ accommodation)."""
    accommodation = registration.accommodation_for(paper)
    natural = started_at + paper.duration + accommodation
    latest = registration.sitting.closes_at + accommodation
    return min(natural, latest), int(accommodation.total_seconds())


def attempt_start(
    *, registration: Registration, paper: Paper, access_code: str = "", ip: str | None = None, now=None
) -> tuple[Attempt, bool]:
    """Start (or return the existing) attempt for this registration and paper. Returns (attempt, created)."""
    now = now or timezone.now()
    sitting = registration.sitting
    if paper.exam_id != sitting.exam_id:
        raise ApplicationError(_("This paper does not belong to the sitting's exam."), code="wrong_paper")
    existing = Attempt.objects.filter(registration=registration, paper=paper).first()
    if existing is not None:
        attempt_finalize_if_due(existing, now=now)
        return existing, False
    if registration.status != Registration.Status.REGISTERED:
        raise ApplicationError(_("This registration was withdrawn."), code="withdrawn")
    if sitting.status != Sitting.Status.SCHEDULED or now < sitting.opens_at:
        raise ApplicationError(_("The exam window has not opened yet."), code="not_open")
    if now >= sitting.closes_at:
        raise ApplicationError(_("The exam window has closed."), code="closed")
    if sitting.access_code and not secrets.compare_digest(sitting.access_code.strip(), (access_code or "").strip()):
        raise ApplicationError(_("The access code is not correct. Ask the proctor."), code="access_code")
    form = _assigned_form(registration, paper)
    form.sitting = sitting  # the same row, already read (the attempt's state needs it)
    deadline, accommodation_seconds = attempt_deadline(started_at=now, registration=registration, paper=paper)
    from exams.delivery import shuffle_orders

    orders = shuffle_orders(form.layout, random.Random(secrets.randbits(64)))  # noqa: S311 - presentation only
    # No get_or_create: the existing attempt was looked up above, so insert straight away (no
    # SELECT and savepoint around the insert); a concurrent start of the same registration and
    # paper hits the unique constraint and returns the attempt that won.
    try:
        with transaction.atomic():
            attempt = Attempt.objects.create(
                registration=registration,
                paper=paper,
                form=form,
                candidate_id=registration.candidate_id,
                started_at=now,
                deadline_at=deadline,
                accommodation_seconds=accommodation_seconds,
                option_orders=orders,
                last_seen_at=now,
            )
            AttemptEvent.objects.create(
                attempt=attempt,
                at=now,
                kind=AttemptEvent.Kind.START,
                actor_id=registration.candidate_id,
                ip_address=ip,
                data={"deadline_at": deadline.isoformat(), "form": form.label},
            )
    except IntegrityError:
        existing = Attempt.objects.filter(registration=registration, paper=paper).first()
        if existing is None:
            raise
        attempt_finalize_if_due(existing, now=now)
        return existing, False
    return attempt, True


def attempt_takeover(*, attempt: Attempt, ip: str | None = None, now=None) -> Attempt:
    """Open the attempt in this browser: rotate the session nonce so any other window stops saving."""
    now = now or timezone.now()
    attempt_finalize_if_due(attempt, now=now)
    if attempt.is_final:
        return attempt
    with transaction.atomic():
        attempt.session_nonce = secrets.token_urlsafe(16)
        attempt.last_seen_at = now
        attempt.save(update_fields=["session_nonce", "last_seen_at"])
        AttemptEvent.objects.create(
            attempt=attempt, at=now, kind=AttemptEvent.Kind.TAKEOVER, actor_id=attempt.candidate_id, ip_address=ip
        )
    return attempt


# --- the hot path: saving an answer ---------------------------------------------------


@dataclass(frozen=True)
class SaveResult:
    accepted: bool  # False when a newer answer was already stored (the client may drop this one)
    seq: int  # the sequence number now stored for this position
    saved_at: datetime


@cache
def _save_sql(vendor: str) -> str:
    # Only our own table names are interpolated; every value is a query parameter.
    attempt_t, response_t, event_t = Attempt._meta.db_table, Response._meta.db_table, AttemptEvent._meta.db_table
    guard = (
        f"SELECT id FROM {attempt_t} WHERE id = %s AND candidate_id = %s AND session_nonce = %s "  # noqa: S608
        f"AND status = 'in_progress' AND deadline_at >= %s"
    )
    if vendor == "postgresql":
        return (
            f"WITH a AS ({guard}), "  # noqa: S608
            f"up AS (INSERT INTO {response_t} (attempt_id, position, answer, flagged, seq, saved_at) "
            f"SELECT a.id, %s::integer, %s::jsonb, %s::boolean, %s::bigint, %s::timestamptz FROM a "
            f"ON CONFLICT (attempt_id, position) DO UPDATE SET answer = EXCLUDED.answer, flagged = EXCLUDED.flagged, "
            f"seq = EXCLUDED.seq, saved_at = EXCLUDED.saved_at WHERE {response_t}.seq < EXCLUDED.seq "
            f"RETURNING attempt_id, seq), "
            f"ev AS (INSERT INTO {event_t} (attempt_id, at, kind, position, seq, data, actor_id, ip_address) "
            f"SELECT attempt_id, %s::timestamptz, 'save', %s::integer, seq, %s::jsonb, %s::bigint, %s::inet FROM up) "
            f"SELECT seq FROM up"
        )
    return (
        f"WITH a AS ({guard}) "  # noqa: S608
        f"INSERT INTO {response_t} (attempt_id, position, answer, flagged, seq, saved_at) "
        f"SELECT a.id, %s, %s, %s, %s, %s FROM a WHERE 1 "
        f"ON CONFLICT (attempt_id, position) DO UPDATE SET answer = excluded.answer, flagged = excluded.flagged, "
        f"seq = excluded.seq, saved_at = excluded.saved_at WHERE {response_t}.seq < excluded.seq "
        f"RETURNING seq"
    )


def response_save(
    *,
    token: AttemptToken,
    position: int,
    answer: Any,
    flagged: bool = False,
    seq: int,
    grace_seconds: int | None = None,
    ip: str | None = None,
    now: datetime | None = None,
) -> SaveResult:
    """Store one answer durably, or refuse it with a clear reason. See the module docstring.

    ``grace_seconds`` defaults to the sitting's (``form_grace_seconds``, cached in-process).
    """
    now = now or timezone.now()
    if grace_seconds is None:
        grace_seconds = form_grace_seconds(token.form_id)
    if not isinstance(seq, int) or isinstance(seq, bool) or seq < 1 or seq > 2**62:
        raise ApplicationError(_("The save's sequence number is not valid."), code="bad_seq")
    entry = form_layout(token.form_id).get(position)
    if entry is None:
        raise ApplicationError(_("There is no item at this position."), code="bad_position", status=404)
    try:
        clean = validate_answer(entry, answer)
    except AnswerError as exc:
        raise ApplicationError(_("This answer does not fit the item: %(reason)s") % {"reason": exc}, code="bad_answer")
    answer_json = json.dumps(clean, ensure_ascii=False, separators=(",", ":"))
    if len(answer_json) > MAX_ANSWER_BYTES:
        raise ApplicationError(_("This answer is too long."), code="bad_answer")
    ops = connection.ops
    db_now = ops.adapt_datetimefield_value(now)
    earliest_deadline = ops.adapt_datetimefield_value(now - timedelta(seconds=grace_seconds))
    params: list[Any] = [token.attempt_id, token.candidate_id, token.nonce, earliest_deadline]
    params += [position, answer_json, bool(flagged), seq, db_now]
    vendor = connection.vendor
    if vendor == "postgresql":
        params += [db_now, position, "{}", token.candidate_id, ip]
        # One statement (guard, upsert and audit event in CTEs) is atomic on its own and durable
        # when it returns: no BEGIN/COMMIT round trips around it. Prepared once per connection,
        # and no health check round trip first: the page retries a save that failed (a dead
        # connection answers 503 once and is replaced at the next request).
        with prepared_cursor(connection, health_check=False) as cursor:
            cursor.execute(_save_sql(vendor), params)
            row = cursor.fetchone()
    else:
        with transaction.atomic():
            with connection.cursor() as cursor:
                cursor.execute(_save_sql(vendor), params)
                row = cursor.fetchone()
            if row is not None:
                AttemptEvent.objects.create(
                    attempt_id=token.attempt_id,
                    at=now,
                    kind=AttemptEvent.Kind.SAVE,
                    position=position,
                    seq=seq,
                    actor_id=token.candidate_id,
                    ip_address=ip,
                )
    if row is not None:
        return SaveResult(True, int(row[0]), now)
    return _explain_refused_save(token=token, position=position, seq=seq, grace_seconds=grace_seconds, ip=ip, now=now)


def _explain_refused_save(
    *, token: AttemptToken, position: int, seq: int, grace_seconds: int, ip: str | None, now: datetime
) -> SaveResult:
    attempt = Attempt.objects.filter(pk=token.attempt_id, candidate_id=token.candidate_id).first()
    if attempt is None:
        raise ApplicationError(_("Not found."), code="not_found", status=404)
    if attempt.session_nonce != token.nonce:
        raise _closed("session_taken_over")
    if attempt.status == Attempt.Status.PAUSED:
        raise _closed("paused")
    if attempt.is_final:
        raise _closed("finished")
    if attempt.is_past_deadline(now, grace_seconds):
        AttemptEvent.objects.create(
            attempt=attempt,
            at=now,
            kind=AttemptEvent.Kind.LATE_SAVE,
            position=position,
            seq=seq,
            actor_id=token.candidate_id,
            ip_address=ip,
        )
        attempt_finalize_if_due(attempt, now=now, grace_seconds=grace_seconds)
        raise _closed("deadline_passed")
    stored = Response.objects.filter(attempt=attempt, position=position).values_list("seq", "saved_at").first()
    if stored is not None and stored[0] >= seq:
        return SaveResult(False, int(stored[0]), stored[1])
    raise ApplicationError(_("The answer could not be saved. Please try again."), code="retry", status=503)


# --- case stages, comments, events ------------------------------------------------------


def attempt_advance_stage(*, attempt: Attempt, position: int, stage: int, now=None) -> dict:
    """Move a case set to ``stage``; the answers of the stages left behind lock (a snapshot is kept)."""
    now = now or timezone.now()
    with transaction.atomic():
        attempt = Attempt.objects.select_for_update().get(pk=attempt.pk)
        _require_open(attempt, now)
        entry = form_layout(attempt.form_id).get(position)
        if entry is None or entry["type"] != "case":
            raise ApplicationError(_("This item is not a case set."), code="not_case")
        state = dict(attempt.case_stages.get(str(position), {"stage": 0, "locked": {}}))
        current = state["stage"]
        if stage != current + 1 or stage >= len(entry["stages"]):
            raise ApplicationError(_("You can only move on to the next stage of the case."), code="bad_stage")
        stored = Response.objects.filter(attempt=attempt, position=position).values_list("answer", flat=True).first()
        answers = (stored or {}).get("answers", {})
        locked = dict(state.get("locked", {}))
        for q in entry["stages"][current]["questions"]:
            locked[q["id"]] = answers.get(q["id"], {})
        state = {"stage": stage, "locked": locked}
        attempt.case_stages = {**attempt.case_stages, str(position): state}
        attempt.save(update_fields=["case_stages"])
        AttemptEvent.objects.create(
            attempt=attempt,
            at=now,
            kind=AttemptEvent.Kind.STAGE,
            position=position,
            actor_id=attempt.candidate_id,
            data={"stage": stage},
        )
    return state


def effective_answer(attempt: Attempt, position: int, answer: dict) -> dict:
    """The answer as scored: locked case stages override later changes."""
    state = attempt.case_stages.get(str(position))
    if not state:
        return answer
    entry = form_layout(attempt.form_id)[position]
    from exams.delivery import apply_stage_locks

    return apply_stage_locks(entry, answer, state.get("locked", {}))


def attempt_record_event(*, attempt: Attempt, kind: str, data: dict | None = None, ip: str | None = None) -> None:
    allowed = {AttemptEvent.Kind.FOCUS_LOST, AttemptEvent.Kind.HIDDEN, AttemptEvent.Kind.OFFLINE}
    if kind not in allowed:
        raise ApplicationError(_("Unknown event."), code="bad_event")
    AttemptEvent.objects.create(
        attempt=attempt, kind=kind, actor_id=attempt.candidate_id, data=(data or {}), ip_address=ip
    )
    Attempt.objects.filter(pk=attempt.pk).update(last_seen_at=timezone.now())


def attempt_comment(*, attempt: Attempt, position: int, text: str) -> ItemComment:
    text = (text or "").strip()
    if not text:
        raise ApplicationError(_("Write a comment first."), code="empty")
    if len(text) > 2000:
        raise ApplicationError(_("A comment can be at most 2,000 characters."), code="too_long")
    item = attempt.form.items.filter(position=position).only("version_id").first()
    if item is None:
        raise ApplicationError(_("There is no item at this position."), code="bad_position", status=404)
    with transaction.atomic():
        comment = ItemComment.objects.create(attempt=attempt, position=position, version_id=item.version_id, text=text)
        AttemptEvent.objects.create(
            attempt=attempt, kind=AttemptEvent.Kind.COMMENT, position=position, actor_id=attempt.candidate_id
        )
    return comment


def _require_open(attempt: Attempt, now) -> None:
    if attempt.status == Attempt.Status.PAUSED:
        raise _closed("paused")
    if attempt.is_final:
        raise _closed("finished")
    if attempt.is_past_deadline(now, form_grace_seconds(attempt.form_id)):
        attempt_finalize_if_due(attempt, now=now)
        raise _closed("deadline_passed")


# --- submit and auto-submit -----------------------------------------------------------


def attempt_submit(*, attempt: Attempt, ip: str | None = None, now=None) -> Attempt:
    """The candidate submits. Past the deadline (+ grace) it becomes the auto-submission instead."""
    now = now or timezone.now()
    if attempt_finalize_if_due(attempt, now=now):
        return attempt
    if attempt.status == Attempt.Status.PAUSED:
        raise _closed("paused")
    with transaction.atomic():
        changed = Attempt.objects.filter(pk=attempt.pk, status=Attempt.Status.IN_PROGRESS).update(
            status=Attempt.Status.SUBMITTED, submitted_at=now, finalized_by="candidate"
        )
        if changed:
            AttemptEvent.objects.create(
                attempt_id=attempt.pk,
                at=now,
                kind=AttemptEvent.Kind.SUBMIT,
                actor_id=attempt.candidate_id,
                ip_address=ip,
            )
    attempt.refresh_from_db()
    return attempt


def attempt_finalize_if_due(attempt: Attempt, *, now=None, grace_seconds: int | None = None, by: str = "lazy") -> bool:
    """Auto-submit an attempt whose deadline (+ grace) has passed. Exactly once, however many callers race.

    Returns True if the attempt is (now) final.
    """
    if attempt.is_final:
        return True
    now = now or timezone.now()
    if grace_seconds is None:
        grace_seconds = form_grace_seconds(attempt.form_id)
    if not attempt.is_past_deadline(now, grace_seconds):
        # Deadlines only ever move later, so a deadline not yet passed in memory has not passed
        # in the database either: no query on the common path (reading the state mid-exam).
        return False
    _finalize_due(attempt.pk, now=now, grace_seconds=grace_seconds, by=by)
    attempt.refresh_from_db()
    return attempt.is_final


def _finalize_due(attempt_id: int, *, now: datetime, grace_seconds: int, by: str) -> bool:
    """The conditional update behind auto-submission. True only for the one caller that finalised it."""
    cutoff = now - timedelta(seconds=grace_seconds)
    with transaction.atomic():
        changed = Attempt.objects.filter(
            pk=attempt_id, status=Attempt.Status.IN_PROGRESS, deadline_at__lt=cutoff
        ).update(status=Attempt.Status.AUTO_SUBMITTED, submitted_at=F("deadline_at"), finalized_by=by)
        if changed:
            AttemptEvent.objects.create(
                attempt_id=attempt_id, at=now, kind=AttemptEvent.Kind.AUTO_SUBMIT, data={"by": by}
            )
    return bool(changed)


def attempts_finalize_expired(*, now=None, batch_size: int = 500) -> int:
    """The periodic sweep: auto-submit every expired attempt, in bounded batches. Returns how many it finalised."""
    now = now or timezone.now()
    done = 0
    candidates = (
        Attempt.objects.filter(status=Attempt.Status.IN_PROGRESS, deadline_at__lt=now)
        .select_related("form__sitting")
        .order_by("deadline_at")[:batch_size]
    )
    for attempt in candidates:
        # Count only what this sweep finalised: a racing lazy finalisation is not ours.
        if _finalize_due(attempt.pk, now=now, grace_seconds=attempt.form.sitting.grace_seconds, by="sweep"):
            done += 1
    return done


# --- proctor actions ------------------------------------------------------------------


def _proctor_event(attempt: Attempt, kind: str, by, reason: str, data: dict, ip: str | None, now) -> None:
    AttemptEvent.objects.create(
        attempt=attempt, at=now, kind=kind, actor=by, data={"reason": reason, **data}, ip_address=ip
    )
    audit_record(action=f"attempt.{kind}", actor=by, target=attempt, summary=reason[:500], data=data, request=None)


def attempt_pause(*, attempt: Attempt, by, reason: str = "", ip: str | None = None, now=None) -> Attempt:
    now = now or timezone.now()
    with transaction.atomic():
        attempt = Attempt.objects.select_for_update().get(pk=attempt.pk)
        if attempt.status != Attempt.Status.IN_PROGRESS:
            raise ApplicationError(_("Only an attempt in progress can be paused."), code="not_in_progress")
        if attempt.is_past_deadline(now):
            raise ApplicationError(_("This attempt's time is already up."), code="deadline_passed")
        attempt.status = Attempt.Status.PAUSED
        attempt.paused_at = now
        attempt.save(update_fields=["status", "paused_at"])
        _proctor_event(attempt, AttemptEvent.Kind.PAUSE, by, reason, {}, ip, now)
    return attempt


def attempt_unpause(*, attempt: Attempt, by, reason: str = "", ip: str | None = None, now=None) -> Attempt:
    """Resume after a pause: the paused time is added to the deadline (time stopped)."""
    now = now or timezone.now()
    with transaction.atomic():
        attempt = Attempt.objects.select_for_update().get(pk=attempt.pk)
        if attempt.status != Attempt.Status.PAUSED:
            raise ApplicationError(_("This attempt is not paused."), code="not_paused")
        paused = now - attempt.paused_at
        attempt.paused_seconds += int(paused.total_seconds())
        attempt.deadline_at += paused
        attempt.paused_at = None
        attempt.status = Attempt.Status.IN_PROGRESS
        attempt.save(update_fields=["paused_seconds", "deadline_at", "paused_at", "status"])
        _proctor_event(
            attempt, AttemptEvent.Kind.UNPAUSE, by, reason, {"paused_seconds": int(paused.total_seconds())}, ip, now
        )
    return attempt


def attempt_extend(*, attempt: Attempt, by, minutes: int, reason: str, ip: str | None = None, now=None) -> Attempt:
    now = now or timezone.now()
    if not reason.strip():
        raise ApplicationError(_("Give a reason for the extension."), code="reason_required")
    if not 1 <= minutes <= 240:
        raise ApplicationError(_("An extension is between 1 and 240 minutes."), code="bad_minutes")
    with transaction.atomic():
        attempt = Attempt.objects.select_for_update().get(pk=attempt.pk)
        if attempt.is_final:
            raise ApplicationError(_("This attempt is already finished."), code="finished")
        attempt.extension_seconds += minutes * 60
        attempt.deadline_at += timedelta(minutes=minutes)
        attempt.save(update_fields=["extension_seconds", "deadline_at"])
        _proctor_event(attempt, AttemptEvent.Kind.EXTEND, by, reason, {"minutes": minutes}, ip, now)
    return attempt


def attempt_terminate(*, attempt: Attempt, by, reason: str, ip: str | None = None, now=None) -> Attempt:
    now = now or timezone.now()
    if not reason.strip():
        raise ApplicationError(_("Give a reason for ending this exam."), code="reason_required")
    with transaction.atomic():
        attempt = Attempt.objects.select_for_update().get(pk=attempt.pk)
        if attempt.is_final:
            raise ApplicationError(_("This attempt is already finished."), code="finished")
        attempt.status = Attempt.Status.TERMINATED
        attempt.submitted_at = now
        attempt.finalized_by = "proctor"
        attempt.save(update_fields=["status", "submitted_at", "finalized_by"])
        _proctor_event(attempt, AttemptEvent.Kind.TERMINATE, by, reason, {}, ip, now)
    return attempt


def attempts_pause_all(*, sitting: Sitting, by, reason: str, ip: str | None = None, now=None) -> dict[str, int]:
    """Pause every attempt in progress in a sitting (each recorded); those whose time is up are skipped."""
    now = now or timezone.now()
    changed = skipped = 0
    for attempt in Attempt.objects.filter(form__sitting=sitting, status=Attempt.Status.IN_PROGRESS).order_by("pk"):
        try:
            attempt_pause(attempt=attempt, by=by, reason=reason, ip=ip, now=now)
            changed += 1
        except ApplicationError:
            skipped += 1
    return {"changed": changed, "skipped": skipped}


def attempts_unpause_all(*, sitting: Sitting, by, reason: str, ip: str | None = None, now=None) -> dict[str, int]:
    """Resume every paused attempt in a sitting (each recorded, each deadline moved by its own pause)."""
    now = now or timezone.now()
    changed = skipped = 0
    for attempt in Attempt.objects.filter(form__sitting=sitting, status=Attempt.Status.PAUSED).order_by("pk"):
        try:
            attempt_unpause(attempt=attempt, by=by, reason=reason, ip=ip, now=now)
            changed += 1
        except ApplicationError:
            skipped += 1
    return {"changed": changed, "skipped": skipped}
