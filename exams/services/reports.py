"""Score reports: the candidate's own report after release, and the officer's reports of a sitting.

Reads only (nothing here writes). Every function runs a fixed number of queries whatever the
number of candidates: the cohort's area scores are read in one query from the stored
``Attempt.area_scores`` and summarised with numpy; the summary is cached under the sitting's
scoring time (``SittingAnalysis.computed_at``), so a rescoring never serves stale figures.

Cohort comparison (docs/score-reports.md): per technique area, each scored candidate's percent is
the sum of their raw points in that area over all papers divided by the sum of the area's maximum;
the cohort mean is the mean of those percents; a candidate's percentile rank is the share of the
cohort below them plus half the share tied with them (mid-rank), so the median candidate is at 50.
"""

from __future__ import annotations

import csv
import io
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import asdict, dataclass, field
from datetime import datetime
from typing import Any

import numpy as np
from django.core.cache import cache
from django.http import Http404
from django.utils.translation import gettext as _

from curriculum.models import TechniqueArea
from exams import scoring_rules
from exams.delivery import apply_stage_locks
from exams.models import Attempt, CandidateResult, Exam, FormItem, Registration, Response, Sitting, SittingAnalysis
from exams.selectors_scoring import flag_display
from exams.services.scoring import current_decisions

CACHE_SECONDS = 24 * 3600

#: Values starting with one of these are formulas to a spreadsheet (OWASP "CSV injection").
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")


# ============================================================================== cohort


def analysis_computed_at(sitting: Sitting) -> datetime | None:
    return SittingAnalysis.objects.filter(sitting=sitting).values_list("computed_at", flat=True).first()


def percentile_rank(sorted_values: Sequence[float] | np.ndarray, value: float) -> float:
    """Mid-rank percentile of ``value`` in a sorted cohort: % below + half the % tied."""
    values = np.asarray(sorted_values, dtype=float)
    if values.size == 0:
        return 0.0
    below = np.searchsorted(values, value - 1e-9, side="left")
    upto = np.searchsorted(values, value + 1e-9, side="right")
    return float(100.0 * (below + 0.5 * (upto - below)) / values.size)


def _summary(values: np.ndarray) -> dict[str, Any]:
    return {
        "n": int(values.size),
        "mean": float(values.mean()),
        "p25": float(np.percentile(values, 25)),
        "median": float(np.median(values)),
        "p75": float(np.percentile(values, 75)),
        "values": [float(v) for v in np.sort(values)],
    }


def cohort_stats(sitting: Sitting, computed_at: datetime | None = None) -> dict[str, Any]:
    """Per area and overall: every scored candidate's percent (sorted), mean and quartiles.

    Two queries (attempts' area scores, results' percents), cached per scoring of the sitting.
    """
    computed_at = computed_at or analysis_computed_at(sitting)
    key = f"exams:reports:cohort:{sitting.pk}:{computed_at.isoformat() if computed_at else '-'}"
    cached = cache.get(key)
    if cached is not None:
        return cached
    raw: dict[str, dict[int, float]] = defaultdict(lambda: defaultdict(float))
    top: dict[str, dict[int, float]] = defaultdict(lambda: defaultdict(float))
    rows = Attempt.objects.filter(form__sitting=sitting, scored_at__isnull=False).values_list(
        "registration_id", "area_scores"
    )
    for registration_id, area_scores in rows:
        for code, score in (area_scores or {}).items():
            raw[code][registration_id] += float(score["raw"])
            top[code][registration_id] += float(score["max"])
    areas = {}
    for code in sorted(raw):
        regs = list(raw[code])
        points = np.array([raw[code][r] for r in regs])
        maxima = np.array([top[code][r] for r in regs])
        percents = np.divide(100.0 * points, maxima, out=np.zeros_like(points), where=maxima > 0)
        areas[code] = _summary(percents)
    overall = np.array(CandidateResult.objects.filter(sitting=sitting).values_list("percent", flat=True), dtype=float)
    stats = {"areas": areas, "overall": _summary(overall) if overall.size else None}
    cache.set(key, stats, CACHE_SECONDS)
    return stats


def area_names(codes: Iterable[str]) -> dict[str, str]:
    """Area code → name in the active language (one query)."""
    return {area.code: area.name for area in TechniqueArea.objects.filter(code__in=list(codes))}


# ============================================================================== the candidate's report


@dataclass
class AreaRow:
    code: str
    name: str
    raw: float
    max: float
    percent: float
    cohort_mean: float
    cohort_p25: float
    cohort_p75: float
    percentile: float


@dataclass
class PaperRow:
    number: int
    title: str
    raw: float | None
    max: float | None
    percent: float | None
    scaled_score: float | None
    passed: bool | None
    taken: bool


@dataclass
class MissedUnit:
    question: str
    key: list[str]
    your_answer: list[str]


@dataclass
class MissedItem:
    paper: int
    position: int
    stem: str
    lead_in: str
    units: list[MissedUnit]
    explanation: str


@dataclass
class CandidateReport:
    registration_id: int
    candidate_name: str
    exam_code: str
    exam_title: str
    sitting_code: str
    released_at: datetime | None
    practice: bool
    passed: bool | None
    scaled_score: float | None
    scale_min: int
    scale_max: int
    scale_cut: int
    raw_score: float
    max_score: float
    percent: float
    cohort_n: int
    cohort_mean: float | None
    percentile: float | None
    papers: list[PaperRow] = field(default_factory=list)
    areas: list[AreaRow] = field(default_factory=list)
    missed_items: list[MissedItem] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def released_registration_get(*, candidate, registration_id: int) -> Registration:
    """The candidate's own registration in a released sitting with a result; 404 otherwise (nothing leaks)."""
    registration = (
        Registration.objects.select_related("sitting__exam", "candidate", "result")
        .filter(
            pk=registration_id,
            candidate=candidate,
            sitting__status=Sitting.Status.RELEASED,
            result__isnull=False,
        )
        .first()
    )
    if registration is None:
        raise Http404(_("No released result."))
    return registration


def released_results_of(*, candidate) -> list[Registration]:
    """The candidate's registrations with released results, newest first (one query)."""
    return list(
        Registration.objects.select_related("sitting__exam", "result")
        .filter(candidate=candidate, sitting__status=Sitting.Status.RELEASED, result__isnull=False)
        .order_by("-sitting__released_at", "-pk")
    )


def candidate_report(*, registration: Registration) -> CandidateReport:
    """The report of a released registration (fetch it with :func:`released_registration_get`).

    Queries: attempts with papers, the exam's papers, the scoring time, the cohort (cached), area
    names, and for practice exams the form items, responses and key decisions.
    """
    sitting, exam, result = registration.sitting, registration.sitting.exam, registration.result
    attempts = list(
        Attempt.objects.filter(registration=registration, scored_at__isnull=False).select_related("paper", "form")
    )
    by_paper = {a.paper_id: a for a in attempts}
    papers = []
    for paper in exam.papers.order_by("number"):
        attempt = by_paper.get(paper.pk)
        papers.append(
            PaperRow(
                number=paper.number,
                title=paper.title,
                raw=attempt.raw_score if attempt else None,
                max=attempt.max_score if attempt else None,
                percent=attempt.percent if attempt else None,
                scaled_score=attempt.scaled_score if attempt else None,
                passed=attempt.passed if attempt else None,
                taken=attempt is not None,
            )
        )
    cohort = cohort_stats(sitting)
    own_raw: dict[str, float] = defaultdict(float)
    own_max: dict[str, float] = defaultdict(float)
    for attempt in attempts:
        for code, score in (attempt.area_scores or {}).items():
            own_raw[code] += float(score["raw"])
            own_max[code] += float(score["max"])
    names = area_names(own_raw)
    areas = []
    for code in sorted(own_raw, key=lambda c: names.get(c, c)):
        percent = 100.0 * own_raw[code] / own_max[code] if own_max[code] else 0.0
        stats = cohort["areas"].get(code)
        areas.append(
            AreaRow(
                code=code,
                name=names.get(code, code),
                raw=own_raw[code],
                max=own_max[code],
                percent=percent,
                cohort_mean=stats["mean"] if stats else percent,
                cohort_p25=stats["p25"] if stats else percent,
                cohort_p75=stats["p75"] if stats else percent,
                percentile=percentile_rank(stats["values"], percent) if stats else 50.0,
            )
        )
    overall = cohort["overall"]
    practice = exam.purpose == Exam.Purpose.PRACTICE
    return CandidateReport(
        registration_id=registration.pk,
        candidate_name=registration.candidate.display_name,
        exam_code=exam.code,
        exam_title=exam.title,
        sitting_code=sitting.code,
        released_at=sitting.released_at,
        practice=practice,
        passed=result.passed,
        scaled_score=result.scaled_score,
        scale_min=exam.scale_min,
        scale_max=exam.scale_max,
        scale_cut=exam.scale_cut,
        raw_score=result.raw_score,
        max_score=result.max_score,
        percent=result.percent,
        cohort_n=overall["n"] if overall else 0,
        cohort_mean=overall["mean"] if overall else None,
        percentile=percentile_rank(overall["values"], result.percent) if overall else None,
        papers=papers,
        areas=areas,
        missed_items=_missed_items(sitting, attempts) if practice else [],
    )


def _option_text(options: Sequence[Mapping[str, Any]], ids: Iterable[str]) -> list[str]:
    texts = {str(o.get("id")): str(o.get("text", "")) for o in options}
    return [f"{i}. {texts[i]}" if i in texts else str(i) for i in ids]


def _units_of(content: Mapping[str, Any]) -> list[tuple[str, str, list[Mapping[str, Any]], list[str]]]:
    """(unit id, question text, options, stored key) per scoring unit, in scoring order."""
    qtype = content.get("type")
    if qtype == "emq":
        options = content.get("options") or []
        return [(s["id"], s.get("text", ""), options, list(s.get("key") or [])) for s in content.get("stems") or []]
    if qtype == "case":
        return [
            (q["id"], q.get("lead_in") or q.get("stem", ""), q.get("options") or [], list(q.get("key") or []))
            for stage in content.get("stages") or []
            for q in stage.get("questions") or []
        ]
    return [("", "", content.get("options") or [], list(content.get("key") or []))]


def _unit_answer(content: Mapping[str, Any], unit_id: str, answer: Mapping[str, Any]) -> list[str]:
    chosen = scoring_rules.chosen_options(content, answer).get(unit_id, ())
    return list(chosen)


def _missed_items(sitting: Sitting, attempts: list[Attempt]) -> list[MissedItem]:
    """Practice exams only: every practice item the candidate did not get fully right, with key and explanation.

    Items of the secure pool are never included, even if one was put on a practice exam.
    """
    from question_bank.models import Pool

    if not attempts:
        return []
    form_ids = [a.form_id for a in attempts]
    items = list(
        FormItem.objects.filter(form_id__in=form_ids, version__pool=Pool.PRACTICE)
        .select_related("version")
        .order_by("form_id", "position")
    )
    answers = {
        (attempt_id, position): answer
        for attempt_id, position, answer in Response.objects.filter(attempt__in=attempts).values_list(
            "attempt_id", "position", "answer"
        )
    }
    decisions: dict[int, dict[str, scoring_rules.KeyDecision]] = defaultdict(dict)
    for (version_id, unit_id), decision in current_decisions(sitting).items():
        decisions[version_id][unit_id] = decision
    attempt_of_form = {a.form_id: a for a in attempts}
    layouts = {a.form_id: {e["position"]: e for e in a.form.layout} for a in attempts}
    missed = []
    for item in items:
        attempt = attempt_of_form[item.form_id]
        content = item.version.content
        answer = answers.get((attempt.pk, item.position)) or {}
        locked = (attempt.case_stages or {}).get(str(item.position), {}).get("locked")
        if locked:
            answer = apply_stage_locks(layouts[item.form_id].get(item.position) or {"type": "case"}, answer, locked)
        version_decisions = decisions.get(item.version_id) or None
        scores = scoring_rules.score_response(content, answer, version_decisions)
        units = []
        for unit_id, question, options, key in _units_of(content):
            score = scores.get(unit_id)
            if score is None or score >= 1.0 - 1e-9:
                continue
            decision = (version_decisions or {}).get(unit_id)
            if decision is not None and decision.action == "rekey":
                key = list(decision.key)
            elif decision is not None and decision.action == "accept":
                key = key + [k for k in decision.key if k not in key]
            units.append(
                MissedUnit(
                    question=question,
                    key=_option_text(options, key),
                    your_answer=_option_text(options, _unit_answer(content, unit_id, answer)),
                )
            )
        if units:
            missed.append(
                MissedItem(
                    paper=attempt.paper.number,
                    position=item.position,
                    stem=str(content.get("stem", "")),
                    lead_in=str(content.get("lead_in", "")),
                    units=units,
                    explanation=str(content.get("explanation", "")),
                )
            )
    return missed


# ============================================================================== officer reports


def officer_report(sitting: Sitting) -> dict[str, Any]:
    """What the officer's report page and API show: distribution, cut, items, areas, centres, provinces.

    Raises 404 when the sitting has not been scored. Five queries whatever the cohort size.
    """
    analysis = SittingAnalysis.objects.filter(sitting=sitting).values_list("data", "computed_at").first()
    if analysis is None:
        raise Http404(_("This sitting has not been scored yet."))
    data, computed_at = analysis
    exam = sitting.exam
    results = list(result_rows(sitting))
    scaled = [r["scaled_score"] for r in results if r["scaled_score"] is not None]
    cohort = cohort_stats(sitting, computed_at)
    names = area_names(cohort["areas"])
    areas = [
        {"code": code, "name": names.get(code, code)} | {k: v for k, v in stats.items() if k != "values"}
        for code, stats in sorted(cohort["areas"].items())
    ]
    return {
        "sitting": {"id": sitting.pk, "code": sitting.code, "status": sitting.status, "exam": exam.code},
        "computed_at": computed_at,
        "scale": {"min": exam.scale_min, "max": exam.scale_max, "cut": exam.scale_cut},
        "n_candidates": len(results),
        "pass_count": sum(1 for r in results if r["passed"] is True),
        "scores": {
            "scaled": sorted(scaled),
            "percent": sorted(r["percent"] for r in results),
            "cut_percent": overall_cut_percent(data),
        },
        "items": item_rows(data),
        "areas": areas,
        "centres": pass_rates(results, "centre"),
        "provinces": pass_rates(results, "province"),
    }


def overall_cut_percent(data: Mapping[str, Any]) -> float | None:
    """The cut on the percent scale for the whole exam: the total cut, or the papers' cuts weighted by length."""
    cuts = data.get("cuts") or {}
    if cuts.get("total") is not None:
        return float(cuts["total"])
    papers = (data.get("papers") or {}).values()
    pairs = []
    for paper in papers:
        forms = list((paper.get("forms") or {}).values())
        if paper.get("cut_percent") is None or not forms:
            return None
        pairs.append((float(paper["cut_percent"]), float(forms[0]["max_score"])))
    total = sum(weight for _, weight in pairs)
    return sum(cut * weight for cut, weight in pairs) / total if total else None


def item_rows(data: Mapping[str, Any]) -> list[dict[str, Any]]:
    """One row per scoring unit per form from the stored analysis (no query).

    ``flag_reasons`` are in the active language (``selectors_scoring.flag_display``, from each
    flag's code and numbers; the stored English reason only for flags stored without numbers).
    """
    rows = []
    for form in data.get("forms", []):
        for item in form["items"]:
            flags = [flag_display(flag) for flag in item.get("flags") or []]
            rows.append(
                {
                    "form": form["label"],
                    "paper_id": form["paper_id"],
                    "position": item["position"],
                    "unit": item["unit_id"],
                    "label": item["label"],
                    "version_id": item["version_id"],
                    "area": item["area"],
                    "type": item["type"],
                    "key": item["key"],
                    "dropped": item["dropped"],
                    "n": item.get("n"),
                    "p": item.get("p"),
                    "rpb": item.get("rpb"),
                    "d": item.get("d"),
                    "omit_rate": item.get("omit_rate"),
                    "b": item.get("b"),
                    "b_se": item.get("b_se"),
                    "flags": [flag["code"] for flag in flags],
                    "flag_reasons": [flag["reason"] or flag["label"] for flag in flags],
                    "comments": item.get("comments", 0),
                }
            )
    return rows


def result_rows(sitting: Sitting) -> Iterable[dict[str, Any]]:
    """One row per scored candidate with centre and province (one query)."""
    rows = (
        CandidateResult.objects.filter(sitting=sitting)
        .order_by("registration__candidate__username", "pk")
        .values_list(
            "registration_id",
            "registration__candidate__username",
            "registration__candidate__display_name_zh",
            "registration__candidate__display_name_en",
            "registration__candidate__province",
            "registration__candidate__organization__code",
            "registration__candidate__organization__name_zh",
            "registration__candidate__organization__name_en",
            "registration__candidate__organization__province",
            "raw_score",
            "max_score",
            "percent",
            "scaled_score",
            "passed",
        )
    )
    for reg, username, name_zh, name_en, province, org_code, org_zh, org_en, org_province, *scores in rows:
        raw, top, percent, scaled, passed = scores
        yield {
            "registration_id": reg,
            "username": username,
            "name_zh": name_zh,
            "name_en": name_en,
            "centre_code": org_code or "",
            "centre": org_zh or org_en or "",
            "province": province or org_province or "",
            "raw_score": raw,
            "max_score": top,
            "percent": percent,
            "scaled_score": scaled,
            "passed": passed,
        }


def pass_rates(results: Sequence[Mapping[str, Any]], by: str) -> list[dict[str, Any]]:
    """Candidates, passes and pass rate per training centre (``by="centre"``) or province, largest first."""
    from accounts.models import Province

    counts: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    labels: dict[str, str] = {}
    for row in results:
        key = row["centre_code"] if by == "centre" else row["province"]
        counts[key][0] += 1
        counts[key][1] += int(row["passed"] is True)
        labels[key] = row["centre"] if by == "centre" else (Province(key).label if key in Province.values else key)
    out = [
        {
            "code": key,
            "name": str(labels[key]) if key else _("(none recorded)"),
            "n": n,
            "passed": passed,
            "pass_rate": 100.0 * passed / n if n else 0.0,
        }
        for key, (n, passed) in counts.items()
    ]
    return sorted(out, key=lambda r: (-r["n"], r["name"]))


# ============================================================================== exports


def safe_cell(value: Any) -> Any:
    """A spreadsheet cell that cannot run as a formula: text starting with = + - @ (or tab/CR) gets a ``'``."""
    if isinstance(value, str) and value.startswith(FORMULA_PREFIXES):
        return "'" + value
    return value


RESULT_COLUMNS = (
    "registration_id",
    "username",
    "name_zh",
    "name_en",
    "centre_code",
    "centre",
    "province",
    "raw_score",
    "max_score",
    "percent",
    "scaled_score",
    "passed",
)
ITEM_COLUMNS = (
    "form",
    "position",
    "unit",
    "version_id",
    "area",
    "type",
    "key",
    "dropped",
    "n",
    "p",
    "rpb",
    "d",
    "omit_rate",
    "b",
    "b_se",
    "flags",
    "comments",
)


def export_table(sitting: Sitting, what: str) -> tuple[tuple[str, ...], list[list[Any]]]:
    """Header and rows of the ``results`` or ``items`` export, cells already formula-safe."""
    if what == "results":
        columns, rows = RESULT_COLUMNS, list(result_rows(sitting))
    elif what == "items":
        data = SittingAnalysis.objects.filter(sitting=sitting).values_list("data", flat=True).first()
        if data is None:
            raise Http404(_("This sitting has not been scored yet."))
        columns, rows = ITEM_COLUMNS, item_rows(data)
    else:
        raise Http404
    table = []
    for row in rows:
        cells = []
        for column in columns:
            value = row[column]
            if isinstance(value, list):
                value = " ".join(value)
            elif isinstance(value, float):
                value = round(value, 4)
            cells.append(safe_cell(value))
        table.append(cells)
    return columns, table


def export_csv(columns: Sequence[str], rows: Sequence[Sequence[Any]]) -> bytes:
    """UTF-8 with a byte-order mark, so spreadsheet programs read the Chinese names correctly."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(columns)
    writer.writerows(["" if v is None else v for v in row] for row in rows)
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")


def export_xlsx(columns: Sequence[str], rows: Sequence[Sequence[Any]], *, title: str) -> bytes:
    from openpyxl import Workbook

    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(title=title[:31])
    sheet.append(list(columns))
    for row in rows:
        sheet.append(list(row))
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


# ============================================================================== PDF and charts


def candidate_report_pdf(report: CandidateReport) -> bytes:
    """The report as a PDF in the active language (labels translated here, drawn by ``exams.reports_pdf``)."""
    from django.conf import settings
    from django.utils.formats import date_format

    from exams.reports_pdf import ReportLabels, ReportPdfData, render_score_report

    if report.percentile is not None:
        cohort = _("Overall percentile rank %(rank).0f among %(n)d candidates (cohort mean %(mean).1f%%).") % {
            "rank": report.percentile,
            "n": report.cohort_n,
            "mean": report.cohort_mean,
        }
    else:
        cohort = ""
    labels = ReportLabels(
        title=_("Score report"),
        candidate=_("Candidate"),
        exam=_("Exam"),
        sitting=_("Sitting"),
        released=_("Results released"),
        result=_("Result"),
        passed=_("Pass"),
        failed=_("Fail"),
        pending=_("No decision"),
        scaled_score=_("Scaled score"),
        scale_note=_("pass mark %(cut)d on a scale of %(min)d–%(max)d")
        % {"cut": report.scale_cut, "min": report.scale_min, "max": report.scale_max},
        total=_("Total raw score"),
        cohort=cohort,
        papers=_("Papers"),
        paper=_("Paper"),
        score=_("Score"),
        percent=_("Percent"),
        areas=_("Performance by technique area"),
        area=_("Technique area"),
        yours=_("You"),
        cohort_mean=_("Cohort mean"),
        cohort_band=_("Middle half of the cohort"),
        percentile=_("Percentile rank"),
        area_note=_(
            "Area scores rest on few items and are less reliable than the total score; use them to guide study, "
            "not as separate results."
        ),
        missed=_("Items you missed"),
        question=_("Item"),
        key=_("Correct answer"),
        your_answer=_("Your answer"),
        explanation=_("Explanation"),
        no_answer=_("(no answer)"),
        footer=_("Score report %(sitting)s") % {"sitting": report.sitting_code},
    )
    data = ReportPdfData(
        labels=labels,
        candidate_name=report.candidate_name,
        exam_title=report.exam_title,
        sitting_code=report.sitting_code,
        released_on=date_format(report.released_at, "DATE_FORMAT") if report.released_at else "—",
        passed=report.passed,
        scaled_score=report.scaled_score,
        raw_score=report.raw_score,
        max_score=report.max_score,
        percent=report.percent,
        papers=[asdict(p) for p in report.papers],
        areas=[asdict(a) for a in report.areas],
        missed_items=[asdict(m) for m in report.missed_items],
        font_path=getattr(settings, "CERTIFICATE_CJK_FONT", None),
    )
    pdf, _embedded = render_score_report(data)
    return pdf


CHART_KINDS = ("scores", "items", "areas")


def chart_svg(sitting: Sitting, kind: str) -> tuple[str, str]:
    """(SVG text, cache tag) of one officer chart, cached per scoring of the sitting and language.

    ``scores``: scaled-score histogram with the cut (percent when there are no scaled scores);
    ``items``: p-value against corrected point-biserial, flagged units in red; ``areas``: cohort mean
    per area with the interquartile band.
    """
    from django.utils.translation import get_language

    from exams import charts

    if kind not in CHART_KINDS:
        raise Http404
    computed_at = analysis_computed_at(sitting)
    if computed_at is None:
        raise Http404(_("This sitting has not been scored yet."))
    tag = f"{sitting.pk}-{kind}-{computed_at.timestamp():.6f}-{get_language()}"
    key = f"exams:reports:chart:{tag}"
    svg = cache.get(key)
    if svg is not None:
        return svg, tag
    report = officer_report(sitting)
    if kind == "scores":
        scaled = report["scores"]["scaled"]
        if scaled:
            scale = report["scale"]
            svg = charts.score_histogram(
                scaled,
                cut=float(scale["cut"]),
                lo=float(scale["min"]),
                hi=float(scale["max"]),
                x_label=_("Scaled score"),
                y_label=_("Candidates"),
                cut_label=_("Pass mark"),
            )
        else:
            svg = charts.score_histogram(
                report["scores"]["percent"],
                cut=report["scores"]["cut_percent"],
                lo=0.0,
                hi=100.0,
                x_label=_("Percent correct"),
                y_label=_("Candidates"),
                cut_label=_("Pass mark"),
            )
    elif kind == "items":
        rows = [r for r in report["items"] if not r["dropped"]]
        svg = charts.item_scatter(
            [r["p"] for r in rows],
            [r["rpb"] for r in rows],
            [bool(r["flags"]) for r in rows],
            x_label=_("p-value (proportion correct)"),
            y_label=_("Corrected point-biserial"),
            flagged_label=_("Flagged"),
            other_label=_("Not flagged"),
        )
    else:
        areas = report["areas"]
        svg = charts.area_bars(
            [a["name"] for a in areas],
            [a["mean"] for a in areas],
            [a["p25"] for a in areas],
            [a["p75"] for a in areas],
            x_label=_("Percent correct"),
            band_label=_("Middle half of the cohort"),
            mean_label=_("Cohort mean"),
        )
    cache.set(key, svg, CACHE_SECONDS)
    return svg, tag
