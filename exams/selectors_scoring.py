"""Reads for scoring, key validation, standard setting and release (officers; judges for their own sheet).

Every function runs a fixed number of queries, whatever the number of candidates or items: the
item analysis comes from the stored :class:`~exams.models.SittingAnalysis` (one row) plus the current
key decisions (one query).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.db.models import QuerySet
from django.http import Http404
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from exams.delivery import candidate_item_base
from exams.models import (
    AngoffPanel,
    CandidateResult,
    CutScore,
    FormItem,
    ItemComment,
    Job,
    KeyDecision,
    Sitting,
    SittingAnalysis,
)
from exams.selectors import media_url
from exams.services.scoring import JOB_KIND, current_inputs_digest
from question_bank.content import strip_for_candidate
from question_bank.models import QuestionVersion

#: The sittings scoring deals with (scheduled and draft sittings have nothing to score yet).
SCORING_STATUSES = (Sitting.Status.CLOSED, Sitting.Status.KEY_VALIDATION, Sitting.Status.RELEASED)


def scoring_sittings() -> QuerySet[Sitting]:
    return Sitting.objects.filter(status__in=SCORING_STATUSES).select_related("exam").order_by("-closes_at", "pk")


def sitting_get(sitting_id: int) -> Sitting:
    return get_object_or_404(Sitting.objects.select_related("exam"), pk=sitting_id)


def latest_job(sitting: Sitting) -> Job | None:
    return Job.objects.filter(sitting=sitting, kind=JOB_KIND).order_by("-created_at", "-pk").first()


def job_dict(job: Job | None) -> dict[str, Any] | None:
    if job is None:
        return None
    return {
        "id": job.pk,
        "status": job.status,
        "progress": job.progress,
        "phase": job.phase,
        "error": job.error,
        "result": job.result,
        "created_at": job.created_at,
        "finished_at": job.finished_at,
    }


def scoring_status(sitting: Sitting) -> dict[str, Any]:
    """Where a sitting stands: status, latest job, whether the stored scoring is current, pass counts, cuts."""
    from exams.services.results import results_release_problems

    analysis = SittingAnalysis.objects.filter(sitting=sitting).only("computed_at", "inputs_digest", "data").first()
    current = analysis is not None and analysis.inputs_digest == current_inputs_digest(sitting)
    cuts = [
        {
            "id": cut.pk,
            "paper_id": cut.paper_id,
            "method": cut.method,
            "percent": cut.percent,
            "decided_at": cut.decided_at,
        }
        for cut in CutScore.objects.filter(sitting=sitting, is_current=True).order_by("paper_id", "pk")
    ]
    data = analysis.data if analysis is not None else {}
    return {
        "sitting": {"id": sitting.pk, "code": sitting.code, "status": sitting.status, "exam": sitting.exam.code},
        "pass_rule": sitting.exam.pass_rule,
        "scored_at": analysis.computed_at if analysis else None,
        "scoring_current": current,
        "job": job_dict(latest_job(sitting)),
        "n_candidates": data.get("n_candidates"),
        "pass_count": data.get("pass_count"),
        "cuts": cuts,
        "key_validation_closed_at": sitting.key_validation_closed_at,
        "released_at": sitting.released_at,
        "release_problems": [str(p) for p in results_release_problems(sitting)],
    }


#: Short names of the item-analysis flags (``exams.psychometrics.item_flags`` codes).
FLAG_LABELS = {
    "too_hard": gettext_lazy("Too hard"),
    "too_easy": gettext_lazy("Too easy"),
    "low_discrimination": gettext_lazy("Low discrimination"),
    "negative_discrimination": gettext_lazy("Negative discrimination"),
    "possible_miskey": gettext_lazy("Possible miskey"),
    "many_comments": gettext_lazy("Many comments"),
}


def _flag_reason(code: str, params: Mapping[str, Any]) -> str | None:
    """The reason of a flag in the active language, from its code and numbers (``None`` if unknown)."""
    try:
        if code == "too_hard":
            return _("p = %(p).2f is below %(threshold).2f: few candidates answer this unit correctly.") % params
        if code == "too_easy":
            return _("p = %(p).2f is above %(threshold).2f: nearly every candidate answers this unit correctly.") % (
                params
            )
        if code == "negative_discrimination":
            return (
                _("The corrected point-biserial %(rpb).2f is negative: stronger candidates do worse on this unit.")
                % params
            )
        if code == "low_discrimination":
            return _("The corrected point-biserial %(rpb).2f is below %(threshold).2f.") % params
        if code == "possible_miskey":
            return (
                _(
                    "Option %(option)s (point-biserial %(option_rpb).2f) discriminates better than the key "
                    "(point-biserial %(key_rpb).2f): check the key."
                )
                % params
            )
        if code == "many_comments":
            return ngettext("%(n)d candidate comment.", "%(n)d candidate comments.", params["n"]) % params
    except (KeyError, TypeError, ValueError):
        return None
    return None


def flag_display(flag: Mapping[str, Any] | str) -> dict[str, Any]:
    """A stored flag (``{"code", "reason", "params"}``) for people: code, translated label and reason.

    Flags stored before their numbers were kept (no ``params``) keep their English reason.
    """
    if not isinstance(flag, Mapping):
        flag = {"code": str(flag), "reason": ""}
    code = str(flag.get("code", ""))
    reason = _flag_reason(code, flag.get("params") or {}) if flag.get("params") else None
    return {
        "code": code,
        "label": str(FLAG_LABELS.get(code, code)),
        "reason": reason if reason is not None else str(flag.get("reason") or ""),
    }


def _decisions_by_unit(sitting: Sitting) -> dict[tuple[int, str], KeyDecision]:
    return {
        (d.version_id, d.unit_id): d
        for d in KeyDecision.objects.filter(sitting=sitting, is_current=True).order_by("pk")
    }


def item_analysis(sitting: Sitting, *, flagged_only: bool = False, with_previews: bool = False) -> dict[str, Any]:
    """Per form: the test statistics and one row per scoring unit with its statistics, flags and decision.

    Two queries. Raises 404 when the sitting has not been scored. ``with_previews`` (the officers' page)
    adds each item's rendered version with keys and option counts (:func:`_attach_previews`, one query
    more) and ``has_dicom``.
    """
    analysis = SittingAnalysis.objects.filter(sitting=sitting).values_list("data", "computed_at").first()
    if analysis is None:
        raise Http404(_("This sitting has not been scored yet."))
    data, computed_at = analysis
    decisions = _decisions_by_unit(sitting)
    forms = []
    for form in data.get("forms", []):
        rows = []
        for item in form["items"]:
            if flagged_only and not item.get("flags"):
                continue
            decision = decisions.get((item["version_id"], item["unit_id"]))
            rows.append(
                {
                    **{k: v for k, v in item.items() if k != "options"},
                    "flags": [flag_display(flag) for flag in item.get("flags") or []],
                    "decision": (
                        {"action": decision.action, "key": decision.key, "reason": decision.reason}
                        if decision is not None
                        else None
                    ),
                }
            )
        forms.append({k: v for k, v in form.items() if k != "items"} | {"items": rows})
    result: dict[str, Any] = {"computed_at": computed_at, "forms": forms, "papers": data.get("papers", {})}
    if with_previews:
        result["has_dicom"] = _attach_previews(forms, data.get("forms", []))
    return result


# --- the item as candidates saw it, beside its statistics (officers only: it shows keys) ----------


def _option_rows(
    options: list[dict[str, Any]], key: list[str] | None, unit: Mapping[str, Any] | None
) -> list[dict[str, Any]]:
    """The rendered options of one scoring unit with the key marked and each option's response count.

    The mark is the key the unit was scored against (a confirmed re-key or accept included): the
    analysis lists every key option and every option somebody chose, so an option it leaves out was
    chosen by nobody and is no key. Without option statistics (an ordering unit, no takers) the
    version's own key is marked and the counts are ``None``.
    """
    stats = {o["option"]: o for o in (unit or {}).get("options") or []}
    n = int((unit or {}).get("n") or 0)
    rows = []
    for option in options:
        stat = stats.get(option["id"])
        if stats and stat is None:
            stat = {"option": option["id"], "is_key": False, "proportion": 0.0, "rpb": None}
        proportion = float(stat["proportion"]) if stat else None
        rows.append(
            {
                "id": option["id"],
                "html": option["html"],
                "is_key": bool(stat["is_key"]) if stat else option["id"] in (key or []),
                "count": round(proportion * n) if proportion is not None else None,
                "percent": proportion * 100 if proportion is not None else None,
                "rpb": stat.get("rpb") if stat else None,
            }
        )
    return rows


def _media(items: list[Mapping[str, Any]] | None) -> list[dict[str, Any]]:
    """Media entries as ``question_bank/_candidate_media.html`` shows them: each with its ``url``
    (images; a DICOM series' viewer URLs hang off it)."""
    return [{**m, "url": media_url(str(m.get("ref", "")))} for m in items or [] if isinstance(m, Mapping)]


def item_preview(position: int, content: Mapping[str, Any], units: Mapping[str, Mapping[str, Any]]) -> dict[str, Any]:
    """One question version rendered as the exam page renders it (``candidate_item_base``: sanitised
    Markdown, media URLs, DICOM viewer URLs), with every scoring unit's options carrying the key mark
    and the distractor analysis (``units``: the analysis rows of this item by unit id).

    Shape: ``type``, ``stem_html``, ``media`` (as ``question_bank/_candidate_media.html`` shows it),
    ``lead_in_html`` and ``stages`` — one per case stage,
    a single untitled one otherwise — each with ``text_html``, ``media`` and ``blocks`` (one per scoring
    unit: ``unit_id``, ``text_html``, ``lead_in_html``, ``options``). No query.
    """
    base = candidate_item_base(position, content, media_url=media_url)
    safe = strip_for_candidate(content)
    preview: dict[str, Any] = {
        "type": base["type"],
        "stem_html": base["stem_html"],
        "media": _media(safe.get("media")),
        "lead_in_html": base.get("lead_in_html", ""),
    }
    if base["type"] == "case":
        raw_questions = {
            q.get("id"): q
            for stage in content.get("stages", [])
            for q in stage.get("questions", [])
            if isinstance(q, dict)
        }
        preview["stages"] = [
            {
                "text_html": stage["text_html"],
                "media": _media(raw_stage.get("media")),
                "blocks": [
                    {
                        "unit_id": q["id"],
                        "text_html": "",
                        "lead_in_html": q["lead_in_html"],
                        "options": _option_rows(
                            q["options"], raw_questions.get(q["id"], {}).get("key"), units.get(q["id"])
                        ),
                    }
                    for q in stage["questions"]
                ],
            }
            for stage, raw_stage in zip(base["stages"], safe.get("stages", []), strict=True)
        ]
    elif base["type"] == "emq":
        raw_stems = {s.get("id"): s for s in content.get("stems", []) if isinstance(s, dict)}
        blocks = [
            {
                "unit_id": stem["id"],
                "text_html": stem["html"],
                "lead_in_html": "",
                "options": _option_rows(
                    base["options"], raw_stems.get(stem["id"], {}).get("key"), units.get(stem["id"])
                ),
            }
            for stem in base["stems"]
        ]
        preview["stages"] = [{"text_html": "", "media": [], "blocks": blocks}]
    else:
        block = {
            "unit_id": "",
            "text_html": "",
            "lead_in_html": "",
            "options": _option_rows(base["options"], content.get("key"), units.get("")),
        }
        preview["stages"] = [{"text_html": "", "media": [], "blocks": [block]}]
    all_media = [*preview["media"], *(m for stage in preview["stages"] for m in stage["media"])]
    preview["has_dicom"] = any(m.get("kind") == "dicom" for m in all_media)
    return preview


def _attach_previews(forms: list[dict[str, Any]], raw_forms: list[Mapping[str, Any]]) -> bool:
    """Give the last row of each item (form, position) in ``forms`` a ``preview`` (:func:`item_preview`)
    of the very version the candidates saw — the ``version_id`` the statistics are attached to — with
    the distractor analysis of all its units from ``raw_forms`` (the stored analysis, unfiltered).

    One query for all the versions, however many items. Returns whether any item shows a DICOM series.
    """
    version_ids = {row["version_id"] for form in forms for row in form["items"]}
    contents = dict(QuestionVersion.objects.filter(pk__in=version_ids).values_list("pk", "content"))
    units_of: dict[tuple[int, int], dict[str, Mapping[str, Any]]] = {}
    for raw in raw_forms:
        for unit in raw["items"]:
            units_of.setdefault((raw["id"], unit["position"]), {})[unit["unit_id"]] = unit
    has_dicom = False
    for form in forms:
        rows = form["items"]
        for index, row in enumerate(rows):
            if index + 1 < len(rows) and rows[index + 1]["position"] == row["position"]:
                continue
            content = contents.get(row["version_id"])
            if content is None:
                continue
            row["preview"] = item_preview(row["position"], content, units_of.get((form["id"], row["position"]), {}))
            has_dicom = has_dicom or row["preview"]["has_dicom"]
    return has_dicom


def item_detail(sitting: Sitting, *, form_id: int, position: int, with_preview: bool = False) -> dict[str, Any]:
    """One item of one form: content (with keys: officers only), unit statistics with options, comments, decisions.

    ``with_preview`` (the officers' page) adds ``preview``: the version rendered with keys and option
    counts (:func:`item_preview`, no query more).
    """
    form_item = get_object_or_404(
        FormItem.objects.select_related("version", "form", "area"),
        form_id=form_id,
        form__sitting=sitting,
        position=position,
    )
    analysis = SittingAnalysis.objects.filter(sitting=sitting).values_list("data", flat=True).first() or {}
    units = []
    for form in analysis.get("forms", []):
        if form["id"] == form_id:
            units = [
                item | {"flags": [flag_display(flag) for flag in item.get("flags") or []]}
                for item in form["items"]
                if item["position"] == position
            ]
    comments = [
        {"text": text, "created_at": created_at}
        for text, created_at in ItemComment.objects.filter(attempt__form__sitting=sitting, version=form_item.version)
        .order_by("created_at", "pk")
        .values_list("text", "created_at")
    ]
    history = [
        {
            "id": d.pk,
            "unit_id": d.unit_id,
            "action": d.action,
            "key": d.key,
            "reason": d.reason,
            "decided_by": str(d.decided_by),
            "decided_at": d.decided_at,
            "is_current": d.is_current,
        }
        for d in KeyDecision.objects.filter(sitting=sitting, version=form_item.version)
        .select_related("decided_by")
        .order_by("-decided_at", "-pk")
    ]
    detail: dict[str, Any] = {
        "form_id": form_id,
        "form_label": form_item.form.label,
        "position": position,
        "version_id": form_item.version_id,
        "area": form_item.area.code,
        "content": form_item.version.content,
        "units": units,
        "comments": comments,
        "decisions": history,
    }
    if with_preview:
        detail["preview"] = item_preview(position, form_item.version.content, {u["unit_id"]: u for u in units})
    return detail


def decision_history(sitting: Sitting) -> list[dict[str, Any]]:
    return [
        {
            "id": d.pk,
            "version_id": d.version_id,
            "unit_id": d.unit_id,
            "action": d.action,
            "key": d.key,
            "reason": d.reason,
            "decided_by": str(d.decided_by),
            "decided_at": d.decided_at,
            "is_current": d.is_current,
        }
        for d in KeyDecision.objects.filter(sitting=sitting).select_related("decided_by").order_by("-decided_at", "-pk")
    ]


def cut_history(sitting: Sitting) -> list[dict[str, Any]]:
    return [
        {
            "id": c.pk,
            "paper_id": c.paper_id,
            "method": c.method,
            "percent": c.percent,
            "details": c.details,
            "reason": c.reason,
            "decided_by": str(c.decided_by),
            "decided_at": c.decided_at,
            "is_current": c.is_current,
        }
        for c in CutScore.objects.filter(sitting=sitting).select_related("decided_by").order_by("-decided_at", "-pk")
    ]


def panels_of(sitting: Sitting) -> list[AngoffPanel]:
    return list(AngoffPanel.objects.filter(sitting=sitting).select_related("paper").prefetch_related("judges"))


def panel_get(panel_id: int) -> AngoffPanel:
    return get_object_or_404(AngoffPanel.objects.select_related("sitting", "paper", "form"), pk=panel_id)


def panel_for_judge(panel_id: int, judge) -> AngoffPanel:
    """The panel if ``judge`` sits on it, else 404 (never reveal other panels)."""
    panel = AngoffPanel.objects.select_related("sitting", "paper").filter(pk=panel_id, judges=judge).first()
    if panel is None:
        raise Http404
    return panel


def judge_panels(judge) -> QuerySet[AngoffPanel]:
    return AngoffPanel.objects.filter(judges=judge).select_related("sitting", "paper").order_by("-created_at")


def panel_progress(panel: AngoffPanel) -> list[dict[str, Any]]:
    """Per judge: how many units they rated in the current round (no values), and whether they gave Hofstee values."""
    counts: dict[int, int] = {}
    for judge_id in panel.ratings.filter(round=panel.round).values_list("judge_id", flat=True):
        counts[judge_id] = counts.get(judge_id, 0) + 1
    hofstee = set(panel.hofstee_judgements.values_list("judge_id", flat=True))
    return [
        {"judge_id": j.pk, "judge": str(j), "rated": counts.get(j.pk, 0), "hofstee": j.pk in hofstee}
        for j in panel.judges.order_by("pk")
    ]


def results_of(sitting: Sitting) -> QuerySet[CandidateResult]:
    return CandidateResult.objects.filter(sitting=sitting).select_related("registration__candidate")
