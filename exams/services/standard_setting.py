"""Standard setting on the Django side: Angoff panels, ratings, Hofstee judgements and cut scores.

The arithmetic is in the pure module :mod:`exams.standard_setting`; this module keeps the panel's
data and its rules:

* an officer creates a panel for one paper of a sitting and invites instructors as judges; the
  panel rates the scoring units of the paper's reference form (the first form by label), leaving
  out units dropped in key validation;
* each judge sees and saves only their own ratings (0-100: the percentage of borderline candidates
  who would answer the unit correctly);
* an optional second round starts from each judge's own round-1 ratings and shows every unit's
  round-1 spread (lowest, mean, highest over the judges, never who rated what) and its observed p;
* Hofstee: each judge gives four percentages; the panel's are the judges' means, applied to the
  observed distribution of the paper's percent scores;
* ``cut_score_set`` records a fixed, Angoff or Hofstee cut (history kept), audits it and queues
  the rescoring.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

import numpy as np
from django.db import transaction
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.audit import audit_record
from accounts.roles import Role
from exams import standard_setting as pure
from exams.models import (
    AngoffPanel,
    AngoffRating,
    Attempt,
    CutScore,
    Exam,
    Form,
    FormItem,
    HofsteeJudgement,
    Job,
    KeyDecision,
    Paper,
    Sitting,
    SittingAnalysis,
)
from exams.scoring_rules import scoring_units
from exams.services.scoring import scoring_job_start
from irexam.errors import ApplicationError, ConflictError

MAX_ROUNDS = 2


# --------------------------------------------------------------------------------------- panels


def _require_not_released(sitting: Sitting) -> None:
    if sitting.status in (Sitting.Status.RELEASED, Sitting.Status.CANCELLED):
        raise ConflictError(_("The results of this sitting are released: the standard is fixed."), code="released")


def _check_judges(judges: Iterable) -> list:
    judges = list(judges)
    if not judges:
        raise ApplicationError(_("Invite at least one judge."), code="no_judges")
    not_instructors = [str(j) for j in judges if not j.has_role(Role.INSTRUCTOR)]
    if not_instructors:
        raise ApplicationError(
            _("Judges must be instructors: %(names)s.") % {"names": ", ".join(not_instructors)}, code="not_instructor"
        )
    return judges


def angoff_panel_create(
    *, sitting: Sitting, paper: Paper, judges: Iterable, by, request: HttpRequest | None = None
) -> AngoffPanel:
    """A new panel for ``paper`` rating the units of the paper's reference form (first by label)."""
    _require_not_released(sitting)
    if paper.exam_id != sitting.exam_id:
        raise ApplicationError(_("This paper does not belong to the sitting's exam."), code="wrong_paper")
    form = Form.objects.filter(sitting=sitting, paper=paper).order_by("label", "pk").first()
    if form is None:
        raise ApplicationError(_("Assemble the forms before setting the standard."), code="not_assembled")
    judges = _check_judges(judges)
    with transaction.atomic():
        panel = AngoffPanel.objects.create(sitting=sitting, paper=paper, form=form, created_by=by)
        panel.judges.set(judges)
        audit_record(
            action="exam.angoff_panel_create",
            actor=by,
            target=panel,
            data={"sitting": sitting.pk, "paper": paper.pk, "judges": sorted(j.pk for j in judges)},
            request=request,
        )
    return panel


def angoff_panel_invite(*, panel: AngoffPanel, judges: Iterable, by, request: HttpRequest | None = None) -> AngoffPanel:
    _require_open(panel)
    judges = _check_judges(judges)
    with transaction.atomic():
        panel.judges.add(*judges)
        audit_record(
            action="exam.angoff_panel_invite",
            actor=by,
            target=panel,
            data={"judges": sorted(j.pk for j in judges)},
            request=request,
        )
    return panel


def _require_open(panel: AngoffPanel) -> None:
    if panel.status != AngoffPanel.Status.OPEN:
        raise ConflictError(_("This panel is closed."), code="panel_closed")
    _require_not_released(panel.sitting)


def _require_judge(panel: AngoffPanel, judge) -> None:
    if not panel.judges.filter(pk=judge.pk).exists():
        raise ApplicationError(_("Not found."), code="not_found", status=404)


def panel_units(panel: AngoffPanel) -> list[dict[str, Any]]:
    """The units the panel rates, in form order: position, version, unit id, label, area, item type.

    Units dropped in key validation are left out (they count for nobody). Two queries.
    """
    dropped = set(
        KeyDecision.objects.filter(sitting_id=panel.sitting_id, is_current=True, action="drop").values_list(
            "version_id", "unit_id"
        )
    )
    rows = (
        FormItem.objects.filter(form_id=panel.form_id)
        .order_by("position")
        .values_list("position", "version_id", "area__code", "version__content")
    )
    units = []
    for position, version_id, area_code, content in rows:
        for unit_id in scoring_units(content):
            if (version_id, unit_id) in dropped:
                continue
            units.append(
                {
                    "position": position,
                    "version_id": version_id,
                    "unit_id": unit_id,
                    "label": f"{position}" if not unit_id else f"{position}:{unit_id}",
                    "area": area_code,
                    "type": content["type"],
                }
            )
    return units


def angoff_ratings_save(*, panel: AngoffPanel, judge, ratings: Mapping[str, float]) -> int:
    """Save a judge's ratings for the current round, keyed by unit label ("3", "4:2"). Returns how many."""
    _require_open(panel)
    _require_judge(panel, judge)
    units = {unit["label"]: unit for unit in panel_units(panel)}
    clean: dict[str, float] = {}
    for label, value in ratings.items():
        if label not in units:
            raise ApplicationError(_("Unit %(label)s is not rated by this panel.") % {"label": label}, code="bad_unit")
        try:
            number = float(value)
        except (TypeError, ValueError):
            number = float("nan")
        if not 0 <= number <= 100:
            raise ApplicationError(
                _("Ratings are percentages from 0 to 100 (unit %(label)s).") % {"label": label}, code="bad_rating"
            )
        clean[label] = number
    now = timezone.now()
    with transaction.atomic():
        for label, value in clean.items():
            unit = units[label]
            AngoffRating.objects.update_or_create(
                panel=panel,
                judge=judge,
                round=panel.round,
                version_id=unit["version_id"],
                unit_id=unit["unit_id"],
                defaults={"value": value, "rated_at": now},
            )
    return len(clean)


def angoff_judge_sheet(*, panel: AngoffPanel, judge) -> dict[str, Any]:
    """What a judge sees: the units with *their own* ratings; in round 2 also round-1 spread and observed p."""
    _require_judge(panel, judge)
    units = panel_units(panel)
    own = {
        (v, u): value
        for v, u, value in AngoffRating.objects.filter(panel=panel, judge=judge, round=panel.round).values_list(
            "version_id", "unit_id", "value"
        )
    }
    spread: dict[tuple[int, str], dict[str, float]] = {}
    p_values: dict[str, float | None] = {}
    if panel.round > 1:
        values: dict[tuple[int, str], list[float]] = {}
        for v, u, value in AngoffRating.objects.filter(panel=panel, round=1).values_list(
            "version_id", "unit_id", "value"
        ):
            values.setdefault((v, u), []).append(value)
        spread = {
            key: {"min": min(vals), "mean": float(np.mean(vals)), "max": max(vals), "n": len(vals)}
            for key, vals in values.items()
        }
        p_values = _observed_p(panel)
    rows = []
    for unit in units:
        key = (unit["version_id"], unit["unit_id"])
        row = {**unit, "rating": own.get(key)}
        if panel.round > 1:
            row["round_one"] = spread.get(key)
            row["p"] = p_values.get(unit["label"])
        rows.append(row)
    return {"panel": panel.pk, "round": panel.round, "status": panel.status, "units": rows}


def _observed_p(panel: AngoffPanel) -> dict[str, float | None]:
    analysis = SittingAnalysis.objects.filter(sitting_id=panel.sitting_id).values_list("data", flat=True).first()
    for form in (analysis or {}).get("forms", []):
        if form["id"] == panel.form_id:
            return {item["label"]: item.get("p") for item in form["items"]}
    return {}


def angoff_round_two(*, panel: AngoffPanel, by, request: HttpRequest | None = None) -> AngoffPanel:
    """Start round 2: every judge starts from their own round-1 ratings; round-1 spread and p are shown."""
    _require_open(panel)
    if panel.round >= MAX_ROUNDS:
        raise ConflictError(_("The panel is already in its last round."), code="last_round")
    angoff_compute(panel=panel)  # round 1 must be complete
    with transaction.atomic():
        AngoffRating.objects.bulk_create(
            [
                AngoffRating(
                    panel=panel, judge_id=r.judge_id, round=2, version_id=r.version_id, unit_id=r.unit_id, value=r.value
                )
                for r in AngoffRating.objects.filter(panel=panel, round=1).order_by("pk")
            ]
        )
        panel.round = 2
        panel.save(update_fields=["round"])
        audit_record(action="exam.angoff_round_two", actor=by, target=panel, request=request)
    return panel


def angoff_panel_close(*, panel: AngoffPanel, by, request: HttpRequest | None = None) -> AngoffPanel:
    _require_open(panel)
    with transaction.atomic():
        panel.status = AngoffPanel.Status.CLOSED
        panel.closed_at = timezone.now()
        panel.save(update_fields=["status", "closed_at"])
        audit_record(action="exam.angoff_panel_close", actor=by, target=panel, request=request)
    return panel


def angoff_compute(*, panel: AngoffPanel) -> pure.AngoffResult:
    """The panel's Angoff cut from the current round; every judge must have rated every unit."""
    units = panel_units(panel)
    if not units:
        raise ApplicationError(_("The panel's form has no units to rate."), code="no_units")
    judges = list(panel.judges.order_by("pk"))
    table = {
        (j, v, u): value
        for j, v, u, value in AngoffRating.objects.filter(panel=panel, round=panel.round).values_list(
            "judge_id", "version_id", "unit_id", "value"
        )
    }
    missing = []
    matrix = np.full((len(judges), len(units)), np.nan)
    for i, judge in enumerate(judges):
        for j, unit in enumerate(units):
            value = table.get((judge.pk, unit["version_id"], unit["unit_id"]))
            if value is None:
                missing.append(judge)
                break
            matrix[i, j] = value
    if missing:
        names = ", ".join(sorted({str(j) for j in missing}))
        raise ApplicationError(
            _("Not every judge has rated every unit yet: %(names)s.") % {"names": names},
            {"missing_judges": sorted({j.pk for j in missing})},
            code="ratings_incomplete",
        )
    try:
        return pure.angoff(matrix)
    except pure.StandardSettingError as exc:
        raise ApplicationError(str(exc), code="standard_setting")


# -------------------------------------------------------------------------------------- Hofstee


def hofstee_judgement_save(
    *, panel: AngoffPanel, judge, min_cut: float, max_cut: float, min_fail: float, max_fail: float
) -> HofsteeJudgement:
    _require_open(panel)
    _require_judge(panel, judge)
    values = [min_cut, max_cut, min_fail, max_fail]
    if not all(isinstance(v, int | float) and 0 <= v <= 100 for v in values):
        raise ApplicationError(_("The four Hofstee values are percentages from 0 to 100."), code="bad_hofstee")
    if not min_cut < max_cut:
        raise ApplicationError(_("The lowest acceptable cut must be below the highest."), code="bad_hofstee")
    if not min_fail < max_fail:
        raise ApplicationError(_("The lowest acceptable fail rate must be below the highest."), code="bad_hofstee")
    judgement, _created = HofsteeJudgement.objects.update_or_create(
        panel=panel,
        judge=judge,
        defaults={
            "min_cut": min_cut,
            "max_cut": max_cut,
            "min_fail": min_fail,
            "max_fail": max_fail,
            "judged_at": timezone.now(),
        },
    )
    return judgement


def hofstee_compute(*, panel: AngoffPanel) -> pure.HofsteeResult:
    """Hofstee cut: the judges' mean four values against the paper's observed percent scores."""
    judgements = list(panel.hofstee_judgements.values_list("min_cut", "max_cut", "min_fail", "max_fail"))
    if not judgements:
        raise ApplicationError(_("No judge has given Hofstee values yet."), code="no_hofstee")
    means = np.mean(np.array(judgements, dtype=np.float64), axis=0)
    scores = list(
        Attempt.objects.filter(form__sitting_id=panel.sitting_id, paper_id=panel.paper_id, percent__isnull=False)
        .order_by("pk")
        .values_list("percent", flat=True)
    )
    if not scores:
        raise ApplicationError(_("Score the sitting first: Hofstee needs the observed scores."), code="not_scored")
    try:
        return pure.hofstee(
            scores,
            min_cut_percent=float(means[0]),
            max_cut_percent=float(means[1]),
            min_fail_percent=float(means[2]),
            max_fail_percent=float(means[3]),
        )
    except pure.StandardSettingError as exc:
        raise ApplicationError(str(exc), code="standard_setting")


# ------------------------------------------------------------------------------------ cut scores


def cut_score_set(
    *,
    sitting: Sitting,
    paper: Paper | None,
    method: str,
    reason: str,
    by,
    percent: float | None = None,
    panel: AngoffPanel | None = None,
    request: HttpRequest | None = None,
) -> tuple[CutScore, Job | None]:
    """Set the cut of a paper (conjunctive exams) or of the total (compensatory), then rescore.

    ``fixed`` takes ``percent``; ``angoff`` and ``hofstee`` compute it from ``panel``. The previous
    current cut stays as history. Returns the cut and the rescoring job (``None`` before scoring).
    """
    sitting = Sitting.objects.select_related("exam").get(pk=sitting.pk)
    _require_not_released(sitting)
    reason = (reason or "").strip()
    if not reason:
        raise ApplicationError(_("Give a reason for the cut score."), code="reason_required")
    compensatory = sitting.exam.pass_rule == Exam.PassRule.COMPENSATORY
    if compensatory and paper is not None:
        raise ApplicationError(
            _("This exam is compensatory: set one cut for the total score."), code="total_cut_expected"
        )
    if not compensatory and paper is None:
        raise ApplicationError(_("This exam is conjunctive: set a cut for each paper."), code="paper_cut_expected")
    if paper is not None and paper.exam_id != sitting.exam_id:
        raise ApplicationError(_("This paper does not belong to the sitting's exam."), code="wrong_paper")
    details: dict[str, Any]
    if method == CutScore.Method.FIXED:
        if percent is None or not 0 <= float(percent) <= 100:
            raise ApplicationError(_("A fixed cut is a percentage from 0 to 100."), code="bad_percent")
        percent = float(percent)
        details = {"method": "fixed_percentage", "cut_percent": percent}
    elif method in (CutScore.Method.ANGOFF, CutScore.Method.HOFSTEE):
        if panel is None or panel.sitting_id != sitting.pk:
            raise ApplicationError(_("Choose a panel of this sitting."), code="panel_required")
        if paper is not None and panel.paper_id != paper.pk:
            raise ApplicationError(_("The panel rated another paper."), code="wrong_panel")
        result = angoff_compute(panel=panel) if method == CutScore.Method.ANGOFF else hofstee_compute(panel=panel)
        percent = float(result.cut_percent)
        details = {**result.to_dict(), "panel": panel.pk, "round": panel.round}
    else:
        raise ApplicationError(_("Unknown standard-setting method %(method)s.") % {"method": method}, code="bad_method")
    with transaction.atomic():
        CutScore.objects.filter(sitting=sitting, paper=paper, is_current=True).update(is_current=False)
        cut = CutScore.objects.create(
            sitting=sitting,
            paper=paper,
            method=method,
            percent=percent,
            details=details,
            reason=reason,
            decided_by=by,
        )
        audit_record(
            action="exam.cut_score_set",
            actor=by,
            target=cut,
            summary=reason[:500],
            data={"sitting": sitting.pk, "paper": paper.pk if paper else None, "method": method, "percent": percent},
            request=request,
        )
        job = None
        if sitting.status == Sitting.Status.KEY_VALIDATION:  # already scored: rescore with the new cut
            job = scoring_job_start(sitting=sitting, by=by, reason=f"cut score {cut.pk}")
    return cut, job
