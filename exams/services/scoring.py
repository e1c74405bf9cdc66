"""Scoring a sitting: every final attempt, in bulk, with item and test analysis, Rasch and scaled scores.

``sitting_score(sitting=..., job=...)`` runs these phases (each reported on the Job):

1. **load** — a fixed number of queries whatever the number of candidates or items: the sitting
   with its exam, its papers, its forms, the form items with their versions' content, the final
   attempts, *all* their responses (one ``values_list``, answers as JSON text), the current key
   decisions, the current cut scores and the candidates' comment counts;
2. **score** — each distinct (version, answer text) is scored once with
   :func:`exams.scoring_rules.score_response` (a sitting has few distinct answers per item), then
   numpy arrays per form (candidates × scoring units; NaN for a dropped unit) are filled;
   case-set answers go through the same stage locks as :func:`exams.services.attempts.effective_answer`,
   from the attempts' ``case_stages`` already loaded;
3. **analyse** — :func:`exams.psychometrics.analyse` per form (p, corrected point-biserial, upper-lower D,
   options, omit rate, comments, flags; mean, SD, KR-20/alpha, SEM, histogram);
4. **calibrate** — per paper one concurrent Rasch (1PL) MML calibration over all its forms (forms
   share the scale through their common items), EAP abilities, and the cut carried from the reference
   form to every form through the test characteristic curve (see docs/psychometrics.md);
5. **save** — one transaction: the attempts' scores (PostgreSQL: ``COPY`` into a temporary table and
   one ``UPDATE ... FROM``; elsewhere one prepared ``UPDATE`` per attempt through ``executemany``), the
   candidates' overall results (``COPY`` / ``bulk_create``) and the bank's ``ItemStatistic`` rows of
   this sitting replaced, the :class:`~exams.models.SittingAnalysis` replaced.

Everything is ordered (attempts by id, forms by paper number and label, units by position), so the
same responses, decisions and cut scores always give the same numbers.
"""

from __future__ import annotations

import hashlib
import json
import time
from collections import defaultdict
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import timedelta
from operator import itemgetter
from typing import Any

import numpy as np
from django.db import connection, transaction
from django.db.models import Count, TextField
from django.db.models.functions import Cast
from django.utils import timezone
from django.utils.translation import gettext as _

from exams import psychometrics
from exams.delivery import apply_stage_locks
from exams.models import (
    Attempt,
    CandidateResult,
    CutScore,
    Exam,
    Form,
    FormItem,
    ItemComment,
    Job,
    KeyDecision,
    Paper,
    Response,
    Sitting,
    SittingAnalysis,
)
from exams.scoring_rules import KeyDecision as RuleDecision
from exams.scoring_rules import chosen_options, score_response, scoring_units
from exams.services.jobs import job_run
from irexam.errors import ApplicationError, ConflictError

#: Fewer final attempts on a paper than this: no Rasch calibration, no equating, no scaled scores.
MIN_RASCH_CANDIDATES = 30
#: Reporting scale points per logit (the cut reports as ``Exam.scale_cut``).
SCALE_POINTS_PER_LOGIT = 50.0
#: Fewest common units for linking to a previous sitting (mean/mean), and the drift that drops an anchor.
MIN_ANCHORS = 5
DRIFT_LOGITS = 0.5
#: Rows per INSERT statement when saving.
INSERT_BATCH_SIZE = 1000
#: The attempt fields scoring writes, in the order of the rows given to :func:`attempts_scores_write`.
ATTEMPT_SCORE_FIELDS = (
    "raw_score",
    "max_score",
    "percent",
    "theta",
    "theta_se",
    "scaled_score",
    "passed",
    "area_scores",
)
#: The fields of a candidate's overall result computed by scoring (see :func:`candidate_results_write`).
CANDIDATE_RESULT_FIELDS = ("raw_score", "max_score", "percent", "scaled_score", "passed")
#: Tolerance when comparing a raw score with a (float) raw cut.
CUT_TOLERANCE = 1e-9
JOB_KIND = "score_sitting"
#: A running job without a heartbeat for this long lost its worker (as in certificates' issuing).
STALE_JOB_AFTER = timedelta(minutes=10)
SCORABLE_STATUSES = (Sitting.Status.CLOSED, Sitting.Status.KEY_VALIDATION)

DecisionMap = dict[tuple[int, str], RuleDecision]


# ============================================================================ loaded data


@dataclass(frozen=True)
class Unit:
    """One scoring unit at one position of one form (a column of that form's matrix)."""

    position: int
    version_id: int
    unit_id: str
    area_code: str
    type: str

    @property
    def label(self) -> str:
        return f"{self.position}" if not self.unit_id else f"{self.position}:{self.unit_id}"


@dataclass
class FormData:
    id: int
    paper_id: int
    label: str
    layout: dict[int, dict]
    positions: list[int]
    versions: dict[int, int]  # position -> version id
    areas: dict[int, str]  # position -> area code
    units: list[Unit]


@dataclass
class ResponseTable:
    """The final attempts' responses as columns: row ``r`` is attempt ``attempt[r]``'s answer at
    ``position[r]``, its JSON text being ``texts[answer[r]]`` (each distinct text stored once)."""

    attempt: np.ndarray
    position: np.ndarray
    answer: np.ndarray
    texts: list[str]

    @classmethod
    def from_rows(cls, rows: list[tuple[int, int, str]]) -> ResponseTable:
        """Columns from ``(attempt id, position, answer text)`` rows, without a Python object per cell."""
        n = len(rows)
        attempt = np.fromiter(map(itemgetter(0), rows), dtype=np.int64, count=n)
        position = np.fromiter(map(itemgetter(1), rows), dtype=np.int64, count=n)
        text = list(map(itemgetter(2), rows))
        first_row: dict[str, int] = {}  # text -> the first row holding it
        first = np.fromiter(map(first_row.setdefault, text, range(n)), dtype=np.int64, count=n)
        distinct, answer = np.unique(first, return_inverse=True)
        return cls(attempt, position, answer.astype(np.int64), [text[i] for i in distinct])


@dataclass
class SittingData:
    """Everything scoring reads, loaded once (see :func:`sitting_data_load`)."""

    sitting: Sitting
    exam: Exam
    papers: list[Paper]
    forms: list[FormData]
    contents: dict[int, dict]
    attempt_ids: list[int]
    attempt_form: dict[int, int]
    attempt_registration: dict[int, int]
    attempt_stages: dict[int, dict]
    responses: ResponseTable
    decisions: DecisionMap
    cuts: dict[int | None, float]  # paper id (None = total) -> percent
    comment_counts: dict[int, int]  # version id -> comments
    #: The latest released sitting of the same exam with a stored analysis: (sitting id, analysis data).
    reference: tuple[int, dict] | None = None

    def forms_of(self, paper_id: int) -> list[FormData]:
        return [form for form in self.forms if form.paper_id == paper_id]


def _decision_map(rows) -> DecisionMap:
    decisions: DecisionMap = {}
    for version_id, unit_id, action, key in rows:
        decisions[(version_id, unit_id)] = RuleDecision(action, tuple(key or ()))
    return decisions


def current_decisions(sitting: Sitting) -> DecisionMap:
    rows = (
        KeyDecision.objects.filter(sitting=sitting, is_current=True)
        .order_by("version_id", "unit_id")
        .values_list("version_id", "unit_id", "action", "key")
    )
    return _decision_map(rows)


def current_cuts(sitting: Sitting) -> dict[int | None, float]:
    cuts: dict[int | None, float] = {}
    rows = CutScore.objects.filter(sitting=sitting, is_current=True).order_by("decided_at", "pk")
    for paper_id, percent in rows.values_list("paper_id", "percent"):
        cuts[paper_id] = float(percent)  # the latest current one wins
    return cuts


def sitting_data_load(sitting: Sitting) -> SittingData:
    """Load what scoring needs in ten queries, whatever the sitting's size."""
    sitting = Sitting.objects.select_related("exam").get(pk=sitting.pk)
    papers = list(Paper.objects.filter(exam_id=sitting.exam_id).order_by("number"))
    paper_number = {paper.pk: paper.number for paper in papers}
    form_rows = list(Form.objects.filter(sitting=sitting).values_list("pk", "paper_id", "label", "layout"))
    form_rows.sort(key=lambda row: (paper_number.get(row[1], 0), row[2], row[0]))
    item_rows = FormItem.objects.filter(form__sitting=sitting).values_list(
        "form_id", "position", "version_id", "area__code", "version__content"
    )
    contents: dict[int, dict] = {}
    items_by_form: dict[int, list[tuple[int, int, str]]] = defaultdict(list)
    for form_id, position, version_id, area_code, content in item_rows:
        contents[version_id] = content
        items_by_form[form_id].append((position, version_id, area_code))
    forms = []
    for form_id, paper_id, label, layout in form_rows:
        items = sorted(items_by_form.get(form_id, []))
        units = []
        for position, version_id, area_code in items:
            content = contents[version_id]
            for unit_id in scoring_units(content):
                units.append(Unit(position, version_id, unit_id, area_code, _unit_type(content, unit_id)))
        forms.append(
            FormData(
                id=form_id,
                paper_id=paper_id,
                label=label,
                layout={entry["position"]: entry for entry in (layout or [])},
                positions=[position for position, _v, _a in items],
                versions={position: version_id for position, version_id, _a in items},
                areas={position: area_code for position, _v, area_code in items},
                units=units,
            )
        )
    attempts = list(
        Attempt.objects.filter(form__sitting=sitting, status__in=Attempt.FINAL)
        .order_by("pk")
        .values_list("pk", "form_id", "registration_id", "case_stages")
    )
    answer_rows = (
        Response.objects.filter(attempt__form__sitting=sitting, attempt__status__in=Attempt.FINAL)
        .annotate(answer_text=Cast("answer", output_field=TextField()))
        .values_list("attempt_id", "position", "answer_text")
    )
    responses = ResponseTable.from_rows(list(answer_rows))
    comments = (
        ItemComment.objects.filter(attempt__form__sitting=sitting)
        .values_list("version_id")
        .annotate(n=Count("pk"))
        .order_by()
    )
    return SittingData(
        sitting=sitting,
        exam=sitting.exam,
        papers=papers,
        forms=forms,
        contents=contents,
        attempt_ids=[row[0] for row in attempts],
        attempt_form={row[0]: row[1] for row in attempts},
        attempt_registration={row[0]: row[2] for row in attempts},
        attempt_stages={row[0]: row[3] for row in attempts if row[3]},
        responses=responses,
        decisions=current_decisions(sitting),
        cuts=current_cuts(sitting),
        comment_counts=dict(comments),
        reference=_reference_analysis(sitting),
    )


def _reference_analysis(sitting: Sitting) -> tuple[int, dict] | None:
    """The analysis of the latest released sitting of the same exam: the base scale and its cuts."""
    row = (
        SittingAnalysis.objects.filter(sitting__exam_id=sitting.exam_id, sitting__status=Sitting.Status.RELEASED)
        .exclude(sitting_id=sitting.pk)
        .order_by("-sitting__released_at", "-sitting_id")
        .values_list("sitting_id", "data")
        .first()
    )
    return (row[0], row[1]) if row else None


def _unit_type(content: Mapping[str, Any], unit_id: str) -> str:
    if content["type"] != "case":
        return str(content["type"])
    for stage in content["stages"]:
        for question in stage["questions"]:
            if question["id"] == unit_id:
                return str(question["type"])
    return "case"


def inputs_digest(
    *,
    attempt_ids: list[int],
    decisions: DecisionMap,
    cuts: Mapping[int | None, float],
    exam: Exam,
    reference_sitting: int | None = None,
) -> str:
    """Fingerprint of what a scoring depends on (besides the immutable responses of final attempts)."""
    payload = {
        "attempts": sorted(attempt_ids),
        "decisions": sorted([v, u, d.action, list(d.key)] for (v, u), d in decisions.items()),
        "cuts": sorted([-1 if p is None else p, c] for p, c in cuts.items()),
        "rule": exam.pass_rule,
        "scale": [exam.scale_min, exam.scale_cut, exam.scale_max],
        "reference": reference_sitting,
    }
    return hashlib.sha256(json.dumps(payload, sort_keys=True).encode()).hexdigest()


def current_inputs_digest(sitting: Sitting) -> str:
    """The digest the sitting's scoring would have if it were run now (five queries)."""
    sitting = Sitting.objects.select_related("exam").get(pk=sitting.pk)
    ids = list(Attempt.objects.filter(form__sitting=sitting, status__in=Attempt.FINAL).values_list("pk", flat=True))
    reference = (
        SittingAnalysis.objects.filter(sitting__exam_id=sitting.exam_id, sitting__status=Sitting.Status.RELEASED)
        .exclude(sitting_id=sitting.pk)
        .order_by("-sitting__released_at", "-sitting_id")
        .values_list("sitting_id", flat=True)
        .first()
    )
    return inputs_digest(
        attempt_ids=ids,
        decisions=current_decisions(sitting),
        cuts=current_cuts(sitting),
        exam=sitting.exam,
        reference_sitting=reference,
    )


# ============================================================================== computing


@dataclass
class FormOutcome:
    form: FormData
    attempt_ids: list[int]
    scores: np.ndarray  # candidates x units, NaN for dropped units
    choices: np.ndarray
    omitted: np.ndarray
    keys: list[str]
    dropped: list[bool]
    report: psychometrics.AnalysisReport | None = None

    @property
    def max_score(self) -> float:
        return float(len(self.dropped) - sum(self.dropped))

    @property
    def raw(self) -> np.ndarray:
        return np.nansum(self.scores, axis=1)


@dataclass
class AttemptOutcome:
    raw_score: float
    max_score: float
    percent: float
    area_scores: dict[str, dict[str, float]]
    theta: float | None = None
    theta_se: float | None = None
    scaled_score: float | None = None
    passed: bool | None = None


@dataclass
class Outcome:
    """What a scoring computes, before anything is written."""

    forms: list[FormOutcome]
    attempts: dict[int, AttemptOutcome]
    results: dict[int, dict[str, Any]]  # registration id -> overall result
    papers: dict[int, dict[str, Any]]  # paper id -> calibration, cut, equating, pass counts
    digest: str
    timings: dict[str, float] = field(default_factory=dict)

    def pass_count(self) -> int:
        return sum(1 for result in self.results.values() if result["passed"] is True)

    def paper_pass_counts(self) -> dict[int, int]:
        return {paper_id: paper["pass_count"] for paper_id, paper in self.papers.items()}


def _key_text(content: Mapping[str, Any], unit: Unit, decision: RuleDecision | None) -> str:
    """The effective key of a unit as concatenated option ids ("" for order units: no distractors)."""
    if unit.type == "order":
        return ""
    if content["type"] == "emq":
        key = next(stem["key"] for stem in content["stems"] if stem["id"] == unit.unit_id)
    elif content["type"] == "case":
        key = next(q["key"] for s in content["stages"] for q in s["questions"] if q["id"] == unit.unit_id)
    else:
        key = content["key"]
    if decision is not None and decision.action == "rekey":
        key = list(decision.key)
    elif decision is not None and decision.action == "accept":
        key = list(key) + [k for k in decision.key if k not in key]
    return "".join(key)


class _AnswerScorer:
    """Scores each distinct (version, answer) once; decisions fixed for its lifetime."""

    def __init__(self, contents: Mapping[int, dict], decisions: DecisionMap):
        self.contents = contents
        self.by_version: dict[int, dict[str, RuleDecision]] = defaultdict(dict)
        for (version_id, unit_id), decision in decisions.items():
            self.by_version[version_id][unit_id] = decision
        self.cache: dict[tuple[int, str], tuple[dict[str, float | None], dict[str, str]]] = {}

    def __call__(self, version_id: int, answer_text: str, answer: Any = None):
        hit = self.cache.get((version_id, answer_text))
        if hit is None:
            if answer is None:
                answer = json.loads(answer_text) if answer_text else {}
            content = self.contents[version_id]
            decisions = self.by_version.get(version_id) or None
            scores = score_response(content, answer, decisions)
            chosen = {unit_id: "".join(ids) for unit_id, ids in chosen_options(content, answer).items()}
            hit = (scores, chosen)
            self.cache[(version_id, answer_text)] = hit
        return hit


def _split_by_form(data: SittingData) -> dict[int, tuple[list[int], np.ndarray]]:
    """Per form: its attempt ids (ascending) and the indices of their rows in ``data.responses``.

    Computed once for all forms (a sitting may have one form per candidate).
    """
    attempts_of: dict[int, list[int]] = defaultdict(list)
    for attempt_id in data.attempt_ids:
        attempts_of[data.attempt_form[attempt_id]].append(attempt_id)
    table = data.responses
    ids = np.array(data.attempt_ids, dtype=np.int64)
    order = np.argsort(ids, kind="stable")
    ids, forms = ids[order], np.array([data.attempt_form[a] for a in data.attempt_ids], dtype=np.int64)[order]
    where = np.clip(np.searchsorted(ids, table.attempt), 0, max(ids.size - 1, 0))
    known = ids[where] == table.attempt if ids.size else np.zeros(table.attempt.size, dtype=bool)
    rows = np.flatnonzero(known)
    row_form = forms[where[rows]] if ids.size else np.zeros(0, dtype=np.int64)
    by_form = np.argsort(row_form, kind="stable")
    rows, row_form = rows[by_form], row_form[by_form]
    distinct, starts = np.unique(row_form, return_index=True)
    bounds = np.append(starts, rows.size)
    row_groups = {int(f): rows[bounds[i] : bounds[i + 1]] for i, f in enumerate(distinct)}
    empty = np.zeros(0, dtype=np.intp)
    return {form_id: (ids_of_form, row_groups.get(form_id, empty)) for form_id, ids_of_form in attempts_of.items()}


def _score_form(
    data: SittingData,
    form: FormData,
    scorer: _AnswerScorer,
    decisions: DecisionMap,
    attempt_ids: list[int],
    response_rows: np.ndarray,
) -> FormOutcome:
    """The form's matrices: each distinct (position, answer) is scored once and written to all its rows at once.

    ``attempt_ids`` are the form's final attempts (ascending) and ``response_rows`` their rows in
    ``data.responses`` (see :func:`_split_by_form`).
    """
    n, k = len(attempt_ids), len(form.units)
    dropped = [(d := decisions.get((u.version_id, u.unit_id))) is not None and d.action == "drop" for u in form.units]
    scores = np.zeros((n, k))
    scores[:, np.array(dropped, dtype=bool)] = np.nan
    omitted = np.ones((n, k), dtype=bool)
    picks: list[tuple[np.ndarray, int, str]] = []  # the choices matrix is sized once the widest pick is known
    columns: dict[int, list[tuple[int, Unit]]] = defaultdict(list)
    for j, unit in enumerate(form.units):
        columns[unit.position].append((j, unit))
    keys = [_key_text(data.contents[u.version_id], u, decisions.get((u.version_id, u.unit_id))) for u in form.units]

    def fill(rows: np.ndarray, unit_scores: Mapping[str, float | None], chosen: Mapping[str, str], cols) -> None:
        for j, unit in cols:
            value = unit_scores[unit.unit_id]
            if value is not None:
                scores[rows, j] = value
            picked = chosen[unit.unit_id]
            if picked:
                omitted[rows, j] = False
                if unit.type != "order":
                    picks.append((rows, j, picked))

    table = data.responses
    ids = np.array(attempt_ids, dtype=np.int64)  # ascending, as data.attempt_ids
    mine = response_rows
    row_of = np.searchsorted(ids, table.attempt[mine])
    positions = table.position[mine]
    answers = table.answer[mine]
    # case sets with locked stages: the answer as scored differs per attempt, so those go one by one
    stride = int(positions.max()) + 1 if positions.size else 1
    locked_cells = [
        i * stride + int(position)
        for i, attempt_id in enumerate(attempt_ids)
        for position, state in data.attempt_stages.get(attempt_id, {}).items()
        if state and state.get("locked")
    ]
    locked = np.isin(row_of * stride + positions, locked_cells)
    for r in np.flatnonzero(locked):
        position = int(positions[r])
        cols = columns.get(position)
        if not cols:
            continue
        text = table.texts[answers[r]]
        state = data.attempt_stages[attempt_ids[row_of[r]]][str(position)]
        entry = form.layout.get(position) or {"type": "case"}
        answer = apply_stage_locks(entry, json.loads(text) if text else {}, state["locked"])
        text = json.dumps(answer, sort_keys=True, separators=(",", ":"))
        fill(row_of[r : r + 1], *scorer(form.versions[position], "locked:" + text, answer), cols)
    keep = ~locked
    row_of, positions, answers = row_of[keep], positions[keep], answers[keep]
    pair = positions * max(len(table.texts), 1) + answers
    order = np.argsort(pair, kind="stable")
    distinct, starts = np.unique(pair[order], return_index=True)
    bounds = np.append(starts, order.size)
    for g in range(distinct.size):
        first = order[bounds[g]]
        position = int(positions[first])
        cols = columns.get(position)
        if not cols:
            continue
        rows = row_of[order[bounds[g] : bounds[g + 1]]]
        fill(rows, *scorer(form.versions[position], table.texts[answers[first]]), cols)
    choices = np.full((n, k), "", dtype=f"<U{max((len(p) for _r, _j, p in picks), default=1)}")
    for rows, j, picked in picks:
        choices[rows, j] = picked
    return FormOutcome(form, attempt_ids, scores, choices, omitted, keys, dropped)


def _dichotomous(scores: np.ndarray) -> np.ndarray:
    """Full credit is 1, anything less 0 (NaN kept): the Rasch model's view of partial-credit units."""
    out = np.where(scores >= 1.0 - 1e-12, 1.0, 0.0)
    out[np.isnan(scores)] = np.nan
    return out


def _reference_cut(data: SittingData, paper_id: int) -> float | None:
    """The cut percent that applies to a paper under the exam's pass rule."""
    if data.exam.pass_rule == Exam.PassRule.COMPENSATORY:
        return data.cuts.get(None)
    return data.cuts.get(paper_id)


def _calibrate_paper(
    data: SittingData, paper: Paper, outcomes: list[FormOutcome], attempts: dict[int, AttemptOutcome]
) -> dict[str, Any]:
    """Concurrent Rasch calibration of a paper's forms, EAP abilities, equated cuts, scaled scores, pass/fail."""
    summary: dict[str, Any] = {"paper_id": paper.pk, "number": paper.number, "rasch": None, "equated": False}
    cut_percent = _reference_cut(data, paper.pk)
    summary["cut_percent"] = cut_percent
    n_attempts = sum(len(o.attempt_ids) for o in outcomes)
    columns: dict[tuple[int, str], int] = {}
    for outcome in outcomes:
        for unit, dropped in zip(outcome.form.units, outcome.dropped, strict=True):
            if not dropped:
                columns.setdefault((unit.version_id, unit.unit_id), len(columns))
    difficulties: dict[tuple[int, str], float] = {}
    if not outcomes or not columns:
        summary["rasch_note"] = _("No scored units.")
    elif n_attempts < MIN_RASCH_CANDIDATES:
        summary["rasch_note"] = _("Too few candidates for a Rasch calibration (%(n)d, at least %(min)d needed).") % {
            "n": n_attempts,
            "min": MIN_RASCH_CANDIDATES,
        }
    else:
        matrix = np.full((n_attempts, len(columns)), np.nan)
        row = 0
        for outcome in outcomes:
            for j, unit in enumerate(outcome.form.units):
                col = columns.get((unit.version_id, unit.unit_id))
                if col is not None and not outcome.dropped[j]:
                    matrix[row : row + len(outcome.attempt_ids), col] = _dichotomous(outcome.scores[:, j])
            row += len(outcome.attempt_ids)
        ids = [f"{v}:{u}" for (v, u) in columns]
        try:
            calibration = psychometrics.rasch_mml(matrix, item_ids=ids)
        except ValueError as exc:
            summary["rasch_note"] = str(exc)
        else:
            b = np.array([np.nan if item.b is None else item.b for item in calibration.items])
            abilities = psychometrics.eap_abilities(matrix, b)
            row = 0
            for outcome in outcomes:
                for i, attempt_id in enumerate(outcome.attempt_ids):
                    attempts[attempt_id].theta = float(abilities.theta[row + i])
                    attempts[attempt_id].theta_se = float(abilities.sd[row + i])
                row += len(outcome.attempt_ids)
            for key, item in zip(columns, calibration.items, strict=True):
                if item.b is not None:
                    difficulties[key] = item.b
            summary["rasch"] = {
                "log_likelihood": calibration.log_likelihood,
                "iterations": calibration.iterations,
                "converged": calibration.converged,
                "n_candidates": calibration.n_candidates,
                "items": {
                    item.id: {"b": item.b, "se": item.se, "excluded": item.excluded_reason}
                    for item in calibration.items
                },
            }
            for outcome in outcomes:  # put the difficulties into the form reports too
                if outcome.report is None:
                    continue
                for unit, stats in zip(outcome.form.units, outcome.report.items, strict=True):
                    rasch_item = summary["rasch"]["items"].get(f"{unit.version_id}:{unit.unit_id}")
                    if rasch_item is not None:
                        stats.b, stats.b_se = rasch_item["b"], rasch_item["se"]
                        stats.rasch_note = rasch_item["excluded"]

    forms_summary: dict[str, Any] = {}
    reference = outcomes[0] if outcomes else None
    theta_cut: float | None = None
    linking = _link_to_reference(data, paper, difficulties) if difficulties else None
    summary["linking"] = linking
    intercept = linking["intercept"] if linking else 0.0
    summary["cut_source"] = "standard" if cut_percent is not None else None
    tcc_ok = bool(difficulties) and reference is not None
    if tcc_ok and cut_percent is not None:
        b_ref, constant_ref = _form_difficulties(reference, difficulties)
        cut_raw_ref = cut_percent / 100.0 * reference.max_score
        if b_ref.size >= 2 and 0.0 < cut_raw_ref - constant_ref < b_ref.size:
            theta_cut = float(psychometrics.raw_to_theta(cut_raw_ref - constant_ref, b_ref))
        else:
            tcc_ok = False
            summary["equating_note"] = _("The cut lies outside the calibrated range of the reference form.")
    elif tcc_ok and linking is not None and linking.get("reference_theta_cut_base") is not None:
        # No standard set for this sitting: carry the reference sitting's cut over on the common scale.
        theta_cut = float(linking["reference_theta_cut_base"]) - intercept
        summary["cut_source"] = "equated"
    summary["theta_cut"] = theta_cut
    summary["theta_cut_base"] = None if theta_cut is None else theta_cut + intercept
    summary["reference_form"] = reference.form.label if reference else None
    pass_count = 0
    for outcome in outcomes:
        max_score = outcome.max_score
        raw = outcome.raw
        cut_raw: float | None = None
        if cut_percent is not None:
            cut_raw = cut_percent / 100.0 * max_score
        b_form, constant = _form_difficulties(outcome, difficulties) if difficulties else (np.array([]), 0.0)
        scaled: np.ndarray | None = None
        if tcc_ok and theta_cut is not None and b_form.size >= 2:
            if outcome is not reference or summary["cut_source"] == "equated":
                cut_raw = float(psychometrics.test_characteristic_curve(theta_cut, b_form)) + constant
            adjusted = np.clip(raw - constant, 0.0, float(b_form.size))
            theta_tcc = psychometrics.raw_to_theta(adjusted, b_form)
            scaled = psychometrics.scale_scores(
                theta_tcc,
                theta_cut,
                cut_point=float(data.exam.scale_cut),
                slope=SCALE_POINTS_PER_LOGIT,
                lo=float(data.exam.scale_min),
                hi=float(data.exam.scale_max),
            )
            summary["equated"] = True
        for i, attempt_id in enumerate(outcome.attempt_ids):
            result = attempts[attempt_id]
            if scaled is not None:
                result.scaled_score = round(float(scaled[i]), 6)
            if cut_raw is not None and data.exam.pass_rule == Exam.PassRule.CONJUNCTIVE:
                result.passed = bool(raw[i] >= cut_raw - CUT_TOLERANCE)
                pass_count += int(result.passed)
        forms_summary[str(outcome.form.id)] = {
            "label": outcome.form.label,
            "max_score": max_score,
            "cut_raw": cut_raw,
            "n": len(outcome.attempt_ids),
        }
    summary["forms"] = forms_summary
    summary["pass_count"] = pass_count
    summary["n"] = n_attempts
    return summary


def _link_to_reference(
    data: SittingData, paper: Paper, difficulties: Mapping[tuple[int, str], float]
) -> dict[str, Any] | None:
    """Mean/mean linking of this calibration to the reference sitting's base scale through common units.

    Anchors whose linked difficulty moved more than ``DRIFT_LOGITS`` are dropped once and the link is
    recomputed without them; fewer than ``MIN_ANCHORS`` anchors left means no link.
    """
    if data.reference is None:
        return None
    reference_id, reference_data = data.reference
    reference_paper = next(
        (p for p in reference_data.get("papers", {}).values() if p.get("number") == paper.number), None
    )
    if not reference_paper or not reference_paper.get("rasch"):
        return None
    base_shift = float((reference_paper.get("linking") or {}).get("intercept", 0.0))
    base = {
        key: item["b"] + base_shift for key, item in reference_paper["rasch"]["items"].items() if item["b"] is not None
    }
    new = {f"{v}:{u}": b for (v, u), b in difficulties.items()}
    anchors = sorted(set(base) & set(new))
    if len(anchors) < MIN_ANCHORS:
        return None
    link = psychometrics.link_rasch({a: base[a] for a in anchors}, {a: new[a] for a in anchors})
    drifted = sorted(a for a, d in link.displacement.items() if abs(d) > DRIFT_LOGITS)
    kept = [a for a in anchors if a not in drifted]
    if drifted:
        if len(kept) < MIN_ANCHORS:
            return None
        link = psychometrics.link_rasch({a: base[a] for a in kept}, {a: new[a] for a in kept})
    return {
        "reference_sitting": reference_id,
        "method": link.method,
        "intercept": link.intercept,
        "n_anchors": link.n_anchors,
        "dropped_anchors": drifted,
        "displacement": link.displacement,
        "reference_theta_cut_base": reference_paper.get("theta_cut_base"),
    }


def _form_difficulties(outcome: FormOutcome, difficulties: Mapping[tuple[int, str], float]) -> tuple[np.ndarray, float]:
    """A form's calibrated difficulties, and the points every taker gets from units with p = 1 (no estimate)."""
    b = []
    constant = 0.0
    for j, unit in enumerate(outcome.form.units):
        if outcome.dropped[j]:
            continue
        value = difficulties.get((unit.version_id, unit.unit_id))
        if value is not None:
            b.append(value)
        elif outcome.scores.shape[0] and np.all(outcome.scores[:, j] >= 1.0):
            constant += 1.0
    return np.array(b, dtype=np.float64), constant


def sitting_compute(
    data: SittingData,
    *,
    decisions: DecisionMap | None = None,
    cuts: Mapping[int | None, float] | None = None,
    progress: Callable[[str, float], None] | None = None,
) -> Outcome:
    """Score and analyse loaded data in memory (nothing is written). ``decisions``/``cuts`` override the stored ones."""
    decisions = dict(data.decisions if decisions is None else decisions)
    if cuts is not None:
        data = _replace_cuts(data, cuts)
    report = progress or (lambda phase, value: None)
    timings: dict[str, float] = {}
    clock = time.perf_counter()
    scorer = _AnswerScorer(data.contents, decisions)
    try:
        groups = _split_by_form(data)
        nothing: tuple[list[int], np.ndarray] = ([], np.zeros(0, dtype=np.intp))
        outcomes = [_score_form(data, form, scorer, decisions, *groups.get(form.id, nothing)) for form in data.forms]
    except ValueError as exc:
        raise ApplicationError(_("This sitting cannot be scored: %(reason)s") % {"reason": exc}, code="unscorable")
    attempts: dict[int, AttemptOutcome] = {}
    for outcome in outcomes:
        raw = outcome.raw
        max_score = outcome.max_score
        areas: dict[str, list[int]] = defaultdict(list)
        for j, unit in enumerate(outcome.form.units):
            if not outcome.dropped[j]:
                areas[unit.area_code].append(j)
        area_raw = {code: np.nansum(outcome.scores[:, cols], axis=1) for code, cols in sorted(areas.items())}
        for i, attempt_id in enumerate(outcome.attempt_ids):
            area_scores = {
                code: {
                    "raw": float(values[i]),
                    "max": float(len(areas[code])),
                    "percent": float(100.0 * values[i] / len(areas[code])),
                }
                for code, values in area_raw.items()
            }
            attempts[attempt_id] = AttemptOutcome(
                raw_score=float(raw[i]),
                max_score=max_score,
                percent=float(100.0 * raw[i] / max_score) if max_score else 0.0,
                area_scores=area_scores,
            )
    timings["score"] = time.perf_counter() - clock
    report("analyse", 0.45)
    clock = time.perf_counter()
    for outcome in outcomes:
        if not outcome.attempt_ids:
            continue
        comment_counts = [data.comment_counts.get(unit.version_id, 0) for unit in outcome.form.units]
        outcome.report = psychometrics.analyse(
            outcome.scores,
            item_ids=[unit.label for unit in outcome.form.units],
            choices=outcome.choices,
            keys=outcome.keys,
            omitted=outcome.omitted,
            comment_counts=comment_counts,
        )
    timings["analyse"] = time.perf_counter() - clock
    report("calibrate", 0.6)
    clock = time.perf_counter()
    papers = {
        paper.pk: _calibrate_paper(
            data, paper, [o for o in outcomes if o.form.paper_id == paper.pk and o.attempt_ids], attempts
        )
        for paper in data.papers
    }
    timings["calibrate"] = time.perf_counter() - clock
    results = _candidate_results(data, outcomes, attempts, papers)
    digest = inputs_digest(
        attempt_ids=data.attempt_ids,
        decisions=decisions,
        cuts=data.cuts,
        exam=data.exam,
        reference_sitting=data.reference[0] if data.reference else None,
    )
    return Outcome(outcomes, attempts, results, papers, digest, timings)


def _replace_cuts(data: SittingData, cuts: Mapping[int | None, float]) -> SittingData:
    copy = SittingData(**{f: getattr(data, f) for f in data.__dataclass_fields__})
    copy.cuts = dict(cuts)
    return copy


def _candidate_results(
    data: SittingData,
    outcomes: list[FormOutcome],
    attempts: dict[int, AttemptOutcome],
    papers: dict[int, dict[str, Any]],
) -> dict[int, dict[str, Any]]:
    """Each registration's overall result under the exam's pass rule (conjunctive or compensatory)."""
    paper_of_form = {form.id: form.paper_id for form in data.forms}
    cut_raw_of_form = {
        int(form_id): form["cut_raw"] for paper in papers.values() for form_id, form in paper["forms"].items()
    }
    reference_cut_raw = {}
    for paper_id, paper in papers.items():
        forms = list(paper["forms"].values())
        reference_cut_raw[paper_id] = forms[0]["cut_raw"] if forms else None
    by_registration: dict[int, list[int]] = defaultdict(list)
    for attempt_id in data.attempt_ids:
        by_registration[data.attempt_registration[attempt_id]].append(attempt_id)
    all_papers = [paper.pk for paper in data.papers]
    compensatory = data.exam.pass_rule == Exam.PassRule.COMPENSATORY
    results = {}
    for registration_id, attempt_ids in sorted(by_registration.items()):
        raw = sum(attempts[a].raw_score for a in attempt_ids)
        max_score = sum(attempts[a].max_score for a in attempt_ids)
        sat = {paper_of_form[data.attempt_form[a]]: a for a in attempt_ids}
        missing = [p for p in all_papers if p not in sat]
        passed: bool | None
        if compensatory:
            cuts = [cut_raw_of_form.get(data.attempt_form[a]) for a in attempt_ids]
            cuts += [reference_cut_raw.get(p) for p in missing]
            passed = None if any(c is None for c in cuts) else bool(raw >= sum(cuts) - CUT_TOLERANCE)
        else:
            flags = [attempts[a].passed for a in attempt_ids]
            if any(flag is None for flag in flags):
                passed = None
            else:
                passed = all(flags) and not missing
        scaled = [attempts[a].scaled_score for a in attempt_ids]
        results[registration_id] = {
            "raw_score": float(raw),
            "max_score": float(max_score),
            "percent": float(100.0 * raw / max_score) if max_score else 0.0,
            "scaled_score": (
                round(sum(scaled) / len(scaled), 6) if scaled and not missing and None not in scaled else None
            ),
            "passed": passed,
        }
    return results


# ============================================================================== persisting


def _analysis_data(data: SittingData, outcome: Outcome) -> dict[str, Any]:
    forms = []
    for form_outcome in outcome.forms:
        form = form_outcome.form
        entry: dict[str, Any] = {
            "id": form.id,
            "label": form.label,
            "paper_id": form.paper_id,
            "n": len(form_outcome.attempt_ids),
            "max_score": form_outcome.max_score,
            "test": None,
            "items": [],
        }
        report = form_outcome.report
        if report is not None:
            entry["test"] = psychometrics.to_jsonable(report.test)
        for j, unit in enumerate(form.units):
            stats = report.items[j] if report is not None else None
            entry["items"].append(
                {
                    "position": unit.position,
                    "version_id": unit.version_id,
                    "unit_id": unit.unit_id,
                    "label": unit.label,
                    "type": unit.type,
                    "area": unit.area_code,
                    "key": form_outcome.keys[j],
                    "dropped": form_outcome.dropped[j],
                    "comments": data.comment_counts.get(unit.version_id, 0),
                    **(
                        psychometrics.to_jsonable(
                            {
                                "n": stats.n_takers,
                                "p": stats.p,
                                "rpb": stats.rpb_corrected,
                                "d": stats.d_upper_lower,
                                "omit_rate": stats.omit_rate,
                                "b": stats.b,
                                "b_se": stats.b_se,
                                "rasch_note": stats.rasch_note,
                                "options": stats.options,
                                "flags": stats.flags,
                            }
                        )
                        if stats is not None
                        else {"n": 0, "flags": [], "options": []}
                    ),
                }
            )
        forms.append(entry)
    return psychometrics.to_jsonable(
        {
            "n_candidates": len(outcome.results),
            "n_attempts": len(outcome.attempts),
            "pass_count": outcome.pass_count(),
            "pass_rule": data.exam.pass_rule,
            "cuts": {("total" if p is None else str(p)): c for p, c in sorted(data.cuts.items(), key=_cut_order)},
            "papers": {str(k): v for k, v in outcome.papers.items()},
            "forms": forms,
        }
    )


def _cut_order(item: tuple[int | None, float]) -> int:
    return -1 if item[0] is None else int(item[0])


def _report(job: Job | None, phase: str, progress: float) -> None:
    if job is None:
        return
    now = timezone.now()
    Job.objects.filter(pk=job.pk).update(phase=phase, progress=progress, heartbeat_at=now)
    job.phase, job.progress = phase, progress


@dataclass
class ScoringSummary:
    attempts: int
    candidates: int
    pass_count: int | None
    digest: str
    timings: dict[str, float]

    def as_dict(self) -> dict[str, Any]:
        return {
            "attempts": self.attempts,
            "candidates": self.candidates,
            "pass_count": self.pass_count,
            "digest": self.digest,
            "timings": {k: round(v, 4) for k, v in self.timings.items()},
        }


def sitting_score(*, sitting: Sitting, job: Job | None = None) -> ScoringSummary:
    """Score, analyse and calibrate a sitting and store everything. See the module docstring for the phases."""
    from question_bank.models import ItemStatistic

    timings: dict[str, float] = {}
    _report(job, "load", 0.05)
    clock = time.perf_counter()
    data = sitting_data_load(sitting)
    timings["load"] = time.perf_counter() - clock
    _report(job, "score", 0.2)
    outcome = sitting_compute(data, progress=lambda phase, value: _report(job, phase, value))
    timings.update(outcome.timings)
    _report(job, "save", 0.8)
    clock = time.perf_counter()
    now = timezone.now()
    source_prefix = f"sitting:{data.sitting.pk}:"
    with transaction.atomic():
        attempts_scores_write(
            [
                (
                    attempt_id,
                    result.raw_score,
                    result.max_score,
                    result.percent,
                    result.theta,
                    result.theta_se,
                    result.scaled_score,
                    result.passed,
                    result.area_scores,
                )
                for attempt_id, result in ((a, outcome.attempts[a]) for a in data.attempt_ids)
            ],
            scored_at=now,
        )
        candidate_results_write(sitting=data.sitting, results=outcome.results, computed_at=now)
        ItemStatistic.objects.filter(source__startswith=source_prefix).delete()
        statistics = []
        for form_outcome in outcome.forms:
            if form_outcome.report is None:
                continue
            for unit, stats in zip(form_outcome.form.units, form_outcome.report.items, strict=True):
                statistics.append(
                    ItemStatistic(
                        version_id=unit.version_id,
                        unit_id=unit.unit_id[:32],
                        source=f"{source_prefix}{form_outcome.form.id}",
                        computed_at=now,
                        n=stats.n_takers,
                        p_value=stats.p,
                        rpb=stats.rpb_corrected,
                        d_index=stats.d_upper_lower,
                        b=stats.b,
                        b_se=stats.b_se,
                        omit_rate=stats.omit_rate,
                        flags=[flag.code for flag in stats.flags],
                    )
                )
        ItemStatistic.objects.bulk_create(statistics, batch_size=INSERT_BATCH_SIZE)
        SittingAnalysis.objects.update_or_create(
            sitting=data.sitting,
            defaults={
                "computed_at": now,
                "inputs_digest": outcome.digest,
                "data": _analysis_data(data, outcome),
                "job": job,
            },
        )
    timings["save"] = time.perf_counter() - clock
    _report(job, "done", 1.0)
    return ScoringSummary(
        attempts=len(outcome.attempts),
        candidates=len(outcome.results),
        pass_count=outcome.pass_count() if any(r["passed"] is not None for r in outcome.results.values()) else None,
        digest=outcome.digest,
        timings=timings,
    )


def attempts_scores_write(rows: list[tuple], *, scored_at, use_copy: bool | None = None) -> None:
    """Store the scores of many attempts: each row is ``(attempt id, *ATTEMPT_SCORE_FIELDS values)``.

    On PostgreSQL the rows go through ``COPY`` into a temporary table and one ``UPDATE ... FROM``;
    elsewhere one prepared ``UPDATE ... WHERE id = %s`` runs for every row (``executemany``, values
    prepared by the model fields as ``save()`` prepares them). ``bulk_update``'s ``CASE`` per column
    and row costs far more on both (SQLite evaluates each ``CASE`` linearly). ``use_copy`` forces one
    path (``True`` only on PostgreSQL).
    """
    if use_copy is None:
        use_copy = connection.vendor == "postgresql"
    meta = Attempt._meta
    quote = connection.ops.quote_name
    if not use_copy:
        fields = [meta.get_field(name) for name in (*ATTEMPT_SCORE_FIELDS, "scored_at")]
        assignments = ", ".join(f"{quote(f.column)} = %s" for f in fields)
        # table and column names come from the model; every value is a parameter
        sql = f"UPDATE {quote(meta.db_table)} SET {assignments} WHERE {quote(meta.pk.column)} = %s"  # noqa: S608
        params = [
            [f.get_db_prep_save(value, connection) for f, value in zip(fields, (*row[1:], scored_at), strict=True)]
            + [row[0]]
            for row in rows
        ]
        with connection.cursor() as cursor:
            cursor.executemany(sql, params)
        return
    fields = [meta.pk, *(meta.get_field(name) for name in ATTEMPT_SCORE_FIELDS)]
    table = "scoring_attempt_scores"
    columns = ", ".join(f"{quote(f.column)} {f.db_type(connection)}" for f in fields)
    assignments = ", ".join(f"{quote(f.column)} = s.{quote(f.column)}" for f in fields[1:])
    json_index = ATTEMPT_SCORE_FIELDS.index("area_scores") + 1
    with connection.cursor() as cursor:
        cursor.execute(f"DROP TABLE IF EXISTS pg_temp.{table}")
        cursor.execute(f"CREATE TEMPORARY TABLE {table} ({columns}) ON COMMIT DROP")
        with cursor.copy(f"COPY {table} FROM STDIN") as copy:
            for row in rows:
                values = list(row)
                values[json_index] = json.dumps(values[json_index])
                copy.write_row(values)
        pk, scored_at_column = quote(meta.pk.column), quote(meta.get_field("scored_at").column)
        # table and column names come from the model; the one value is a parameter
        update = f"UPDATE {quote(meta.db_table)} AS t SET {assignments}, {scored_at_column} = %s"  # noqa: S608
        cursor.execute(f"{update} FROM {table} AS s WHERE t.{pk} = s.{pk}", [scored_at])
        cursor.execute(f"DROP TABLE {table}")


def candidate_results_write(
    *, sitting: Sitting, results: Mapping[int, Mapping[str, Any]], computed_at, use_copy: bool | None = None
) -> None:
    """Replace the sitting's candidate results (registration id -> ``CANDIDATE_RESULT_FIELDS`` values).

    ``COPY`` on PostgreSQL, ``bulk_create`` in batches of ``INSERT_BATCH_SIZE`` elsewhere.
    """
    if use_copy is None:
        use_copy = connection.vendor == "postgresql"
    CandidateResult.objects.filter(sitting=sitting).delete()
    if not use_copy:
        CandidateResult.objects.bulk_create(
            [
                CandidateResult(sitting=sitting, registration_id=registration_id, computed_at=computed_at, **result)
                for registration_id, result in results.items()
            ],
            batch_size=INSERT_BATCH_SIZE,
        )
        return
    meta = CandidateResult._meta
    names = ("sitting", "registration", *CANDIDATE_RESULT_FIELDS, "computed_at")
    columns = ", ".join(connection.ops.quote_name(meta.get_field(name).column) for name in names)
    with connection.cursor() as cursor, cursor.copy(f"COPY {meta.db_table} ({columns}) FROM STDIN") as copy:
        for registration_id, result in results.items():
            copy.write_row(
                (sitting.pk, registration_id, *(result[name] for name in CANDIDATE_RESULT_FIELDS), computed_at)
            )


# ============================================================================ jobs


def scoring_job_start(*, sitting: Sitting, by=None, reason: str = "") -> Job:
    """Queue a (re)scoring of the sitting; an already waiting one is reused. Enqueued after commit.

    Scoring a closed sitting opens key validation.
    """
    sitting = Sitting.objects.get(pk=sitting.pk)
    if sitting.status not in SCORABLE_STATUSES:
        raise ConflictError(
            _("A sitting can be scored once it is closed and until its results are released."), code="not_scorable"
        )
    with transaction.atomic():
        # A job whose worker was killed stays "running" (a redelivered task cannot claim it) and
        # would block the release for ever: fail it, as issuing does, and score again.
        now = timezone.now()
        Job.objects.filter(
            sitting=sitting, kind=JOB_KIND, status=Job.Status.RUNNING, heartbeat_at__lt=now - STALE_JOB_AFTER
        ).update(status=Job.Status.FAILED, error="worker lost", finished_at=now)
        job = Job.objects.filter(sitting=sitting, kind=JOB_KIND, status=Job.Status.PENDING).order_by("pk").first()
        if job is None:
            job = Job.objects.create(
                kind=JOB_KIND, sitting=sitting, params={"reason": reason}, created_by=by if by else None
            )
        # A waiting job's message may be lost (broker restart, a retry given up): send it again, as
        # issuing does; the conditional claim runs it once however many messages arrive.
        transaction.on_commit(lambda: _enqueue(job.pk))
        if sitting.status == Sitting.Status.CLOSED:
            Sitting.objects.filter(pk=sitting.pk, status=Sitting.Status.CLOSED).update(
                status=Sitting.Status.KEY_VALIDATION
            )
    return job


def _enqueue(job_id: int) -> None:
    from exams.tasks_scoring import score_sitting

    score_sitting.delay(job_id)


def scoring_job_run(job_id: int) -> str:
    """Run a queued scoring job exactly once (:func:`exams.services.jobs.job_run`): claim, score, record.

    A lost database puts the job back to pending for the task's retry; any other unexpected
    exception fails it (and is re-raised), so "score" can start afresh.
    """
    return job_run(job_id, lambda job: sitting_score(sitting=job.sitting, job=job).as_dict())


def scoring_is_current(sitting: Sitting) -> bool:
    """True when the stored analysis used the current attempts, decisions and cut scores."""
    analysis = SittingAnalysis.objects.filter(sitting=sitting).only("inputs_digest").first()
    return analysis is not None and analysis.inputs_digest == current_inputs_digest(sitting)
