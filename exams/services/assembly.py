"""Form assembly for a sitting: load the approved pool once, run the pure assembly, store forms in bulk.

``sitting_assemble`` steps:

1. Check: officer, not cancelled/released, no attempt started, every paper's blueprint complete,
   candidates registered (per-candidate mode). In per-candidate mode, once someone has started,
   assembling again only adds forms for candidates registered since (a top-up); nothing changes.
2. Load the pool once: current approved versions of the exam's pool (secure exams use only the
   secure pool, practice exams only the practice pool) in the exam's language, in the blueprint's
   areas, with objectives, calibrated p (latest item statistics) and prior exposure (sittings
   whose forms used the version) — four queries whatever the bank's size.
3. Assemble each paper with :mod:`exams.assembly`; items used by an earlier paper of the sitting
   are kept out of later papers, so a candidate never meets one item twice. Any shortfall stops
   the whole assembly with a message per short row.
4. Replace the sitting's forms: ``Form`` rows (with the candidate-safe ``layout`` computed once by
   ``exams.delivery.layout_entry``) and ``FormItem`` rows in bulk inserts; set ``assembled_at``;
   write an audit record.
"""

from __future__ import annotations

import secrets
from collections import defaultdict
from collections.abc import Hashable
from dataclasses import dataclass, field

from django.db import transaction
from django.db.models import Count
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.audit import audit_record
from accounts.models import User
from curriculum.models import Objective, TechniqueArea
from exams import assembly
from exams.delivery import layout_entry
from exams.models import BlueprintRow, Exam, Form, FormItem, Paper, Registration, Sitting
from exams.services.exams import blueprint_problems, require_officer, sitting_has_attempts
from irexam.errors import ApplicationError, ConflictError
from question_bank.models import ItemStatistic, QuestionVersion
from question_bank.selectors import approved_versions

BULK_BATCH = 500


@dataclass
class PaperAssembly:
    paper: Paper
    forms: list[Form]
    overlap: int = 0
    over_exposed: int = 0
    notes: list[str] = field(default_factory=list)


@dataclass
class SittingAssembly:
    sitting: Sitting
    papers: list[PaperAssembly]

    @property
    def form_count(self) -> int:
        return sum(len(p.forms) for p in self.papers)


# --------------------------------------------------------------------------------------------- the pool


def assembly_pool(exam: Exam, *, area_ids: list[int] | None = None, exclude_sitting: Sitting | None = None):
    """The exam's approved pool as pure records, in four queries (versions, objectives, p, exposure)."""
    versions = approved_versions(pool=exam.purpose, language=exam.language)
    if area_ids is not None:
        versions = versions.filter(question__area_id__in=area_ids)
    rows = list(
        versions.values_list(
            "pk",
            "question_id",
            "question__area_id",
            "level",
            "type",
            "has_media",
            "difficulty_estimate",
            "question__translation_group",
        )
    )
    ids = [row[0] for row in rows]
    objectives: dict[int, set[int]] = defaultdict(set)
    through = QuestionVersion.objectives.through
    for version_id, objective_id in through.objects.filter(questionversion_id__in=ids).values_list(
        "questionversion_id", "objective_id"
    ):
        objectives[version_id].add(objective_id)
    # Calibrated difficulty: the latest p of each scoring unit, averaged over the version's units.
    latest: dict[tuple[int, str], float] = {}
    stats = (
        ItemStatistic.objects.filter(version_id__in=ids, p_value__isnull=False)
        .order_by("version_id", "unit_id", "-computed_at", "-id")
        .values_list("version_id", "unit_id", "p_value")
    )
    for version_id, unit_id, p_value in stats:
        latest.setdefault((version_id, unit_id), p_value)
    calibrated: dict[int, list[float]] = defaultdict(list)
    for (version_id, _unit), p_value in latest.items():
        calibrated[version_id].append(p_value)
    exposure_qs = FormItem.objects.filter(version_id__in=ids)
    if exclude_sitting is not None:
        exposure_qs = exposure_qs.exclude(form__sitting=exclude_sitting)
    exposure = dict(
        exposure_qs.values("version_id")
        .annotate(n=Count("form__sitting", distinct=True))
        .values_list("version_id", "n")
    )
    pool = []
    for pk, question_id, area_id, level, qtype, has_media, estimate, group in rows:
        p_values = calibrated.get(pk)
        difficulty = sum(p_values) / len(p_values) if p_values else estimate
        pool.append(
            assembly.PoolItem(
                version_id=pk,
                question_id=question_id,
                area=area_id,
                level=level,
                type=qtype,
                objectives=frozenset(objectives.get(pk, ())),
                has_media=has_media,
                difficulty=difficulty,
                exposure=exposure.get(pk, 0),
                group=str(group),
            )
        )
    return pool


def row_label(row: BlueprintRow, areas: dict[int, TechniqueArea], objectives: dict[int, Objective]) -> str:
    parts = [areas[row.area_id].code if row.area_id in areas else str(row.area_id)]
    if row.objective_id:
        parts.append(objectives[row.objective_id].code if row.objective_id in objectives else str(row.objective_id))
    if row.level:
        parts.append(row.get_level_display())
    if row.item_type:
        parts.append(row.item_type)
    return " · ".join(str(p) for p in parts)


def pure_rows(rows: list[BlueprintRow], labels: dict[int, str]) -> list[assembly.Row]:
    return [
        assembly.Row(
            key=row.pk,
            area=row.area_id,
            count=row.count,
            objective=row.objective_id,
            level=row.level,
            item_type=row.item_type,
            min_image_items=row.min_image_items,
            # min_difficulty = easiest allowed (p at most), max_difficulty = hardest allowed (p at least)
            p_min=row.max_difficulty,
            p_max=row.min_difficulty,
            order=row.order,
            label=labels.get(row.pk, ""),
        )
        for row in rows
    ]


def shortfall_message(paper: Paper, label: str, short: assembly.ShortRow, pool: str) -> str:
    values = {
        "paper": paper.number,
        "row": label,
        "needed": short.needed,
        "available": short.available,
        "short": short.short,
        "pool": pool,
    }
    if short.available < short.needed:
        if short.kind == "images":
            return (
                _(
                    "Paper %(paper)d, %(row)s: needs %(needed)d items with images, only %(available)d approved "
                    "in the %(pool)s pool (short by %(short)d)."
                )
                % values
            )
        return (
            _(
                "Paper %(paper)d, %(row)s: needs %(needed)d items, only %(available)d approved in the %(pool)s pool "
                "(short by %(short)d)."
            )
            % values
        )
    return (
        _(
            "Paper %(paper)d, %(row)s: needs %(needed)d items; %(available)d are approved but other rows or papers "
            "use some of them (short by %(short)d)."
        )
        % values
    )


# --------------------------------------------------------------------------------------------- checks


def _started_error() -> ConflictError:
    return ConflictError(
        _("Candidates have already started this sitting: its forms can no longer be assembled again."),
        code="started",
    )


def _check(
    sitting: Sitting, papers: list[Paper], rows_by_paper: dict[int, list[BlueprintRow]], *, top_up: bool
) -> None:
    if sitting.status in (Sitting.Status.CANCELLED, Sitting.Status.RELEASED, Sitting.Status.KEY_VALIDATION):
        raise ConflictError(_("This sitting can no longer be assembled."), code="bad_status")
    if not top_up and sitting_has_attempts(sitting):
        raise _started_error()
    if not papers:
        raise ApplicationError(_("This exam has no papers yet."), code="blueprint_incomplete")
    problems = [problem for paper in papers for problem in blueprint_problems(paper, rows_by_paper[paper.pk])]
    if problems:
        raise ApplicationError(" ".join(problems), {"problems": problems}, code="blueprint_incomplete")


# --------------------------------------------------------------------------------------------- the service


def sitting_assemble(
    *, sitting: Sitting, by: User, seed: int | None = None, request: HttpRequest | None = None
) -> SittingAssembly:
    """Assemble (or re-assemble, before anyone starts) every paper's forms of ``sitting``. See the module doc."""
    require_officer(by)
    exam = sitting.exam
    papers = list(exam.papers.order_by("number"))
    all_rows = list(BlueprintRow.objects.filter(paper__exam=exam).order_by("paper_id", "order", "id"))
    rows_by_paper: dict[int, list[BlueprintRow]] = {paper.pk: [] for paper in papers}
    for row in all_rows:
        rows_by_paper[row.paper_id].append(row)
    per_candidate = sitting.form_mode == Sitting.FormMode.PER_CANDIDATE
    # One form per candidate: once someone has started, only candidates without a form get one (a top-up).
    top_up = per_candidate and sitting_has_attempts(sitting)
    _check(sitting, papers, rows_by_paper, top_up=top_up)
    registrations: list[int] = []
    if per_candidate:
        registrations = list(
            sitting.registrations.filter(status=Registration.Status.REGISTERED)
            .order_by("pk")
            .values_list("pk", flat=True)
        )
        if top_up:
            have = set(Form.objects.filter(sitting=sitting).values_list("label", flat=True))
            registrations = [pk for pk in registrations if f"cand-{pk}" not in have]
            if not registrations:
                raise _started_error()
        if not registrations:
            raise ApplicationError(
                _("Register the candidates first: this sitting has one form per candidate."), code="no_candidates"
            )
    seed = secrets.randbits(31) if seed is None else seed

    area_ids = sorted({row.area_id for row in all_rows})
    areas = TechniqueArea.objects.in_bulk(area_ids)
    objectives = Objective.objects.in_bulk([row.objective_id for row in all_rows if row.objective_id])
    labels = {row.pk: row_label(row, areas, objectives) for row in all_rows}
    # A top-up counts this sitting's existing forms as exposure, so new forms prefer other items.
    pool = assembly_pool(exam, area_ids=area_ids, exclude_sitting=None if top_up else sitting)
    pool_name = exam.get_purpose_display()

    used: set[Hashable] = set()
    results: list[tuple[Paper, assembly.AssemblyResult]] = []
    shortfall: list[dict] = []
    for paper in papers:
        available = [item for item in pool if item.identity not in used]
        rows = pure_rows(rows_by_paper[paper.pk], labels)
        try:
            if sitting.form_mode == Sitting.FormMode.PER_CANDIDATE:
                result = assembly.assemble_per_candidate(
                    available,
                    rows,
                    labels=[f"cand-{pk}" for pk in registrations],
                    exposure_limit=sitting.exposure_limit,
                    seed=seed + paper.number,
                )
            else:
                result = assembly.assemble_fixed(available, rows, forms=sitting.form_count, seed=seed + paper.number)
        except assembly.AssemblyError as exc:
            raise ApplicationError(str(exc), code="blueprint_invalid")
        for short in result.shortfall:
            shortfall.append(
                {
                    "paper": paper.number,
                    "row": short.row,
                    "label": labels[short.row],
                    "kind": short.kind,
                    "needed": short.needed,
                    "available": short.available,
                    "short": short.short,
                    "message": shortfall_message(paper, labels[short.row], short, pool_name),
                }
            )
        by_version = {item.version_id: item for item in available}
        used.update(by_version[v].identity for form in result.forms for v in form.positions)
        results.append((paper, result))
    if shortfall:
        raise ApplicationError(
            _("The question bank cannot fill the blueprint: %(rows)s")
            % {"rows": " ".join(s["message"] for s in shortfall)},
            {"shortfall": shortfall},
            code="shortfall",
        )
    return _store(sitting=sitting, by=by, results=results, pool=pool, seed=seed, top_up=top_up, request=request)


@transaction.atomic
def _store(
    *,
    sitting: Sitting,
    by: User,
    results: list[tuple[Paper, assembly.AssemblyResult]],
    pool: list[assembly.PoolItem],
    seed: int,
    top_up: bool,
    request: HttpRequest | None,
) -> SittingAssembly:
    sitting = Sitting.objects.select_for_update().get(pk=sitting.pk)
    if not top_up:
        if sitting_has_attempts(sitting):  # checked again under the lock
            raise _started_error()
        FormItem.objects.filter(form__sitting=sitting).delete()
        Form.objects.filter(sitting=sitting).delete()
    chosen = {v for _paper, result in results for form in result.forms for v in form.positions}
    contents = dict(QuestionVersion.objects.filter(pk__in=chosen).values_list("pk", "content"))
    area_of = {item.version_id: item.area for item in pool}
    now = timezone.now()
    forms: list[Form] = []
    pending_items: list[list[tuple[int, int]]] = []
    papers: list[PaperAssembly] = []
    for paper, result in results:
        paper_forms = []
        for assembled in result.forms:
            positions = list(enumerate(assembled.positions, start=1))
            form = Form(
                sitting=sitting,
                paper=paper,
                label=assembled.label,
                seed=seed + paper.number,
                mean_difficulty=assembled.mean_difficulty,
                layout=[layout_entry(position, contents[version]) for position, version in positions],
                created_at=now,
            )
            forms.append(form)
            paper_forms.append(form)
            pending_items.append(positions)
        papers.append(
            PaperAssembly(
                paper=paper,
                forms=paper_forms,
                overlap=result.overlap,
                over_exposed=result.over_exposed,
                notes=list(result.notes),
            )
        )
    Form.objects.bulk_create(forms, batch_size=BULK_BATCH)
    if any(form.pk is None for form in forms):  # backends without RETURNING ids
        by_key = {(f.paper_id, f.label): f.pk for f in Form.objects.filter(sitting=sitting)}
        for form in forms:
            form.pk = by_key[(form.paper_id, form.label)]
    items = [
        FormItem(form_id=form.pk, position=position, version_id=version, area_id=area_of[version])
        for form, positions in zip(forms, pending_items, strict=True)
        for position, version in positions
    ]
    FormItem.objects.bulk_create(items, batch_size=BULK_BATCH)
    sitting.assembled_at = now
    sitting.save(update_fields=["assembled_at"])
    audit_record(
        action="exam.sitting.assemble",
        actor=by,
        target=sitting,
        summary=f"assembled {len(forms)} forms for {sitting.code}",
        data={
            "seed": seed,
            "mode": sitting.form_mode,
            "papers": [
                {
                    "paper": p.paper.number,
                    "forms": [f.label for f in p.forms][:50],
                    "form_count": len(p.forms),
                    "overlap": p.overlap,
                    "over_exposed": p.over_exposed,
                }
                for p in papers
            ],
        },
        request=request,
    )
    return SittingAssembly(sitting=sitting, papers=papers)
