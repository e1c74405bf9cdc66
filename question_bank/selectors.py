"""Reads across the question bank: lists, the review queue, history, diffs, coverage, exam supply."""

from __future__ import annotations

import difflib
from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from django.db.models import Count, Exists, F, OuterRef, Prefetch, Q, QuerySet

from question_bank.models import (
    ItemStatistic,
    Pool,
    Question,
    QuestionVersion,
    Review,
    ReviewDecision,
    VersionStatus,
    VersionTransition,
)

__all__ = [
    "CoverageCell",
    "approved_versions",
    "coverage",
    "duplicates_of",
    "item_statistics",
    "objective_practice_item_counts",
    "question_detail",
    "question_list",
    "register_coverage_demand",
    "review_queue",
    "version_diff",
    "version_history",
]


# --------------------------------------------------------------------------- lists


def question_list(
    *,
    area: Any = None,
    objective: Any = None,
    level: str | None = None,
    pool: str | None = None,
    type: str | None = None,  # noqa: A002 - the filter is called type everywhere
    status: str | None = None,
    author: Any = None,
    language: str | None = None,
    search: str | None = None,
    retired: bool | None = None,
    translation_group: Any = None,
) -> QuerySet[Question]:
    """Questions filtered on their *latest* version, with everything a list shows loaded in a constant
    number of queries (area, creator, latest and current version with their authors; objectives of
    the latest version prefetched).

    ``area`` and ``objective`` accept an instance, an id or a code. ``search`` matches the code, the
    source id, and the content text and tags of the latest version (case-insensitive substring,
    Chinese included).
    """
    qs = Question.objects.select_related(
        "area", "created_by", "latest_version", "latest_version__author", "current_version"
    ).prefetch_related("latest_version__objectives")
    if area not in (None, ""):
        qs = qs.filter(**_by_code_or_id("area", area))
    if objective not in (None, ""):
        qs = qs.filter(**_by_code_or_id("latest_version__objectives", objective)).distinct()
    if level:
        qs = qs.filter(latest_version__level=level)
    if pool:
        qs = qs.filter(latest_version__pool=pool)
    if type:
        qs = qs.filter(latest_version__type=type)
    if status:
        qs = qs.filter(latest_version__status=status)
    if language:
        qs = qs.filter(latest_version__language=language)
    if author not in (None, ""):
        if isinstance(author, int) or (isinstance(author, str) and author.isdigit()):
            qs = qs.filter(Q(created_by_id=int(author)) | Q(latest_version__author_id=int(author)))
        elif isinstance(author, str):
            qs = qs.filter(Q(created_by__username=author) | Q(latest_version__author__username=author))
        else:
            qs = qs.filter(Q(created_by=author) | Q(latest_version__author=author))
    if retired is not None:
        qs = qs.filter(is_retired=retired)
    if translation_group:
        qs = qs.filter(translation_group=translation_group)
    if search:
        text = search.strip()
        qs = qs.filter(
            Q(code__iexact=text)
            | Q(source_id__icontains=text)
            | Q(latest_version__search_text__contains=text.casefold())
        )
    return qs.order_by("-id")


def _by_code_or_id(name: str, value: Any) -> dict[str, Any]:
    if hasattr(value, "pk"):
        return {name: value}
    if isinstance(value, int) or (isinstance(value, str) and value.isdigit()):
        return {f"{name}__id": int(value)}
    return {f"{name}__code": value}


def question_detail(*, pk: int) -> Question:
    """One question with every version, its reviews, transitions and objectives (raises DoesNotExist)."""
    return (
        Question.objects.select_related("area", "created_by", "latest_version", "current_version")
        .prefetch_related(
            Prefetch(
                "versions",
                queryset=QuestionVersion.objects.select_related("author")
                .prefetch_related(
                    "objectives",
                    Prefetch("reviews", queryset=Review.objects.select_related("reviewer")),
                    Prefetch("transitions", queryset=VersionTransition.objects.select_related("actor")),
                )
                .order_by("number"),
            )
        )
        .get(pk=pk)
    )


def translations_of(question: Question) -> QuerySet[Question]:
    """The other questions of ``question``'s translation group."""
    return (
        Question.objects.filter(translation_group=question.translation_group)
        .exclude(pk=question.pk)
        .select_related("latest_version")
        .order_by("id")
    )


def duplicates_of(version: QuestionVersion) -> QuerySet[QuestionVersion]:
    """Latest versions of *other* questions with the same wording fingerprint."""
    return (
        QuestionVersion.objects.filter(fingerprint=version.fingerprint, question__latest_version_id=F("pk"))
        .exclude(question_id=version.question_id)
        .select_related("question")
        .order_by("question_id")
    )


def review_queue(reviewer: Any) -> QuerySet[QuestionVersion]:
    """Submitted versions ``reviewer`` may still decide on: not written by them, not of a question they
    created, and not already approved or sent back by them. Oldest submission first."""
    decided = Review.objects.filter(
        version=OuterRef("pk"),
        reviewer=reviewer,
        decision__in=[ReviewDecision.APPROVE, ReviewDecision.REQUEST_CHANGES],
    )
    return (
        QuestionVersion.objects.filter(status=VersionStatus.SUBMITTED, question__is_retired=False)
        .exclude(author=reviewer)
        .exclude(question__created_by=reviewer)
        .exclude(Exists(decided))
        .select_related("question", "question__area", "author")
        .annotate(approvals=Count("reviews", filter=Q(reviews__decision=ReviewDecision.APPROVE), distinct=True))
        .order_by("submitted_at", "id")
    )


def version_history(question: Question) -> list[QuestionVersion]:
    """Every version of ``question`` (oldest first) with author, reviews and transitions loaded."""
    return list(
        QuestionVersion.objects.filter(question=question)
        .select_related("author")
        .prefetch_related(
            "objectives",
            Prefetch("reviews", queryset=Review.objects.select_related("reviewer")),
            Prefetch("transitions", queryset=VersionTransition.objects.select_related("actor")),
        )
        .order_by("number")
    )


# --------------------------------------------------------------------------- diff

_METADATA_FIELDS: tuple[str, ...] = (
    "status",
    "type",
    "language",
    "level",
    "pool",
    "difficulty_estimate",
    "cognitive_level",
    "tags",
)


def _text_diff(before: str, after: str, name: str) -> list[str]:
    return list(
        difflib.unified_diff(
            (before or "").splitlines(), (after or "").splitlines(), f"{name} (before)", f"{name} (after)", lineterm=""
        )
    )


def _flatten_texts(content: Mapping[str, Any], prefix: str = "") -> dict[str, str]:
    """Every human-readable text of a content object by a readable path (stem, lead_in, option A, …)."""
    out: dict[str, str] = {}

    def put(path: str, value: Any) -> None:
        if isinstance(value, str):
            out[path] = value

    put(f"{prefix}stem", content.get("stem"))
    put(f"{prefix}lead_in", content.get("lead_in"))
    for option in content.get("options") or []:
        put(f"{prefix}option {option.get('id')}", option.get("text"))
    for stem in content.get("stems") or []:
        put(f"{prefix}stem {stem.get('id')}", stem.get("text"))
    for stage in content.get("stages") or []:
        put(f"{prefix}stage {stage.get('id')}", stage.get("text"))
        for question in stage.get("questions") or []:
            out.update(_flatten_texts(question, f"{prefix}stage {stage.get('id')} question {question.get('id')} "))
    put(f"{prefix}explanation", content.get("explanation"))
    refs = content.get("references")
    if isinstance(refs, list):
        out[f"{prefix}references"] = "\n".join(str(r) for r in refs)
    media = content.get("media")
    if isinstance(media, list) and media:
        out[f"{prefix}media"] = "\n".join(
            f"{m.get('ref')} | {m.get('alt', '')} | {m.get('caption', '')}" for m in media if isinstance(m, dict)
        )
    return out


def _keys(content: Mapping[str, Any], prefix: str = "") -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    if "key" in content:
        out[f"{prefix}key"] = list(content.get("key") or [])
    if content.get("scoring"):
        out[f"{prefix}scoring"] = [str(content["scoring"])]
    for stem in content.get("stems") or []:
        out[f"{prefix}stem {stem.get('id')} key"] = list(stem.get("key") or [])
    for stage in content.get("stages") or []:
        for question in stage.get("questions") or []:
            out.update(_keys(question, f"{prefix}stage {stage.get('id')} question {question.get('id')} "))
    return out


def version_diff(a: QuestionVersion, b: QuestionVersion) -> dict[str, Any]:
    """A readable diff from version ``a`` to version ``b``.

    Returns ``{"from", "to", "fields": [{"field", "before", "after"}], "texts": [{"field", "diff"}],
    "keys": [{"field", "before", "after"}], "objectives": {"before", "after"}}``; only what changed
    is listed. Text diffs are unified diffs (difflib) line by line.
    """
    fields = []
    for name in _METADATA_FIELDS:
        before, after = getattr(a, name), getattr(b, name)
        if before != after:
            fields.append({"field": name, "before": before, "after": after})
    texts_a, texts_b = _flatten_texts(a.content), _flatten_texts(b.content)
    texts = []
    for name in list(dict.fromkeys([*texts_a, *texts_b])):
        before, after = texts_a.get(name, ""), texts_b.get(name, "")
        if before != after:
            texts.append({"field": name, "before": before, "after": after, "diff": _text_diff(before, after, name)})
    keys_a, keys_b = _keys(a.content), _keys(b.content)
    keys = [
        {"field": name, "before": keys_a.get(name, []), "after": keys_b.get(name, [])}
        for name in dict.fromkeys([*keys_a, *keys_b])
        if keys_a.get(name, []) != keys_b.get(name, [])
    ]
    objectives_a = sorted(o.code for o in a.objectives.all())
    objectives_b = sorted(o.code for o in b.objectives.all())
    return {
        "from": a.number,
        "to": b.number,
        "fields": fields,
        "texts": texts,
        "keys": keys,
        "objectives": {"before": objectives_a, "after": objectives_b} if objectives_a != objectives_b else None,
    }


# --------------------------------------------------------------------------- exams and coverage


def approved_versions(
    *,
    area: Any = None,
    areas: Iterable[Any] | None = None,
    level: str | None = None,
    pool: str | None = None,
    type: str | None = None,  # noqa: A002
    types: Iterable[str] | None = None,
    objectives: Iterable[Any] | None = None,
    language: str | None = None,
) -> QuerySet[QuestionVersion]:
    """The versions exams may use: each non-retired question's current (newest approved) version.

    Filters by area (instance/id/code, or several with ``areas``), level, pool, type(s), objectives
    (any of them) and language. The exam keeps the id of the version it used, so a later approval
    does not change an assembled form.
    """
    qs = QuestionVersion.objects.filter(
        status=VersionStatus.APPROVED,
        question__is_retired=False,
        question__current_version_id=F("pk"),
    ).select_related("question", "question__area")
    if area not in (None, ""):
        qs = qs.filter(**_by_code_or_id("question__area", area))
    if areas is not None:
        values = list(areas)
        codes = [v for v in values if isinstance(v, str) and not v.isdigit()]
        ids = [v.pk if hasattr(v, "pk") else int(v) for v in values if not (isinstance(v, str) and not v.isdigit())]
        qs = qs.filter(Q(question__area__code__in=codes) | Q(question__area_id__in=ids))
    if level:
        qs = qs.filter(level=level)
    if pool:
        qs = qs.filter(pool=pool)
    if type:
        qs = qs.filter(type=type)
    if types is not None:
        qs = qs.filter(type__in=list(types))
    if language:
        qs = qs.filter(language=language)
    if objectives is not None:
        values = list(objectives)
        codes = [v for v in values if isinstance(v, str) and not v.isdigit()]
        ids = [v.pk if hasattr(v, "pk") else int(v) for v in values if not (isinstance(v, str) and not v.isdigit())]
        qs = qs.filter(Q(objectives__code__in=codes) | Q(objectives__id__in=ids)).distinct()
    return qs.order_by("question_id")


@dataclass(frozen=True)
class CoverageCell:
    area_code: str
    area_name: str
    level: str
    pool: str
    approved: int
    with_media: int
    needed: int | None

    @property
    def short(self) -> int | None:
        """How many items are missing against demand (None when no exam declares a demand)."""
        if self.needed is None:
            return None
        return max(0, self.needed - self.approved)


#: A demand provider returns {(area_code, level, pool): items needed}; the exams app registers one.
CoverageDemand = Callable[[], Mapping[tuple[str, str, str], int]]
_DEMANDS: list[CoverageDemand] = []


def register_coverage_demand(fn: CoverageDemand) -> None:
    """Add a provider of "items needed by configured exams" per (area code, level, pool)."""
    if fn not in _DEMANDS:
        _DEMANDS.append(fn)


def unregister_coverage_demand(fn: CoverageDemand) -> None:
    if fn in _DEMANDS:
        _DEMANDS.remove(fn)


def coverage(*, language: str | None = None) -> list[CoverageCell]:
    """Approved items per technique area × level × pool (current versions of non-retired questions),
    with how many carry images and what registered exams need. Every active area appears, with zeros.

    ``language`` counts only items in that language (translations are separate questions, so
    without it a bilingual item counts once per language).
    """
    from curriculum.models import TechniqueArea

    qs = approved_versions(language=language)
    counts: dict[tuple[str, str, str], tuple[int, int]] = {}
    for row in qs.values("question__area__code", "level", "pool").annotate(
        n=Count("id"), m=Count("id", filter=Q(has_media=True))
    ):
        counts[(row["question__area__code"], row["level"], row["pool"])] = (row["n"], row["m"])
    demand: dict[tuple[str, str, str], int] = defaultdict(int)
    for provider in _DEMANDS:
        for cell_key, needed in provider().items():
            demand[cell_key] += int(needed)
    cells = []
    areas = TechniqueArea.objects.filter(is_active=True).order_by("order", "code")
    for area_obj in areas:
        for level in ("Q", "A"):
            for pool in (Pool.SECURE, Pool.PRACTICE):
                cell_key = (area_obj.code, level, str(pool))
                approved, with_media = counts.get(cell_key, (0, 0))
                cells.append(
                    CoverageCell(
                        area_code=area_obj.code,
                        area_name=area_obj.name,
                        level=level,
                        pool=str(pool),
                        approved=approved,
                        with_media=with_media,
                        needed=demand.get(cell_key, 0) if _DEMANDS else None,
                    )
                )
    return cells


def objective_practice_item_counts(objective_ids: list[int]) -> dict[int, int]:
    """Approved practice items per objective (the curriculum registry's counter)."""
    rows = (
        approved_versions(pool=Pool.PRACTICE)
        .filter(objectives__id__in=objective_ids)
        .values("objectives__id")
        .annotate(n=Count("id", distinct=True))
    )
    return {row["objectives__id"]: row["n"] for row in rows}


def item_statistics(*, version: QuestionVersion | None = None, question: Question | None = None) -> QuerySet:
    """Item statistics of one version, or of every version of a question, newest first."""
    qs = ItemStatistic.objects.select_related("version")
    if version is not None:
        qs = qs.filter(version=version)
    if question is not None:
        qs = qs.filter(version__question=question)
    return qs.order_by("-computed_at", "version__number", "unit_id")
