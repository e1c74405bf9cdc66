"""The ``load_demo`` step of the question bank: bilingual, reviewed demo items through the real services.

Reads ``question_bank/demo/items/*.json`` (format: one list of items per technique area, each with a
``zh`` and an ``en`` content object sharing option ids and keys). For every item and language:

1. draw the item's schematic images with the ``DRAWERS`` of ``images_core`` / ``images_clinical``
   and store them with :func:`services.media_upload` (re-encoded, deduplicated by content);
2. rewrite the content's media refs to the stored media ids (:func:`replace_media_refs`);
3. create the question as ``instructor`` (source id ``demo:<id>:<zh|en>``), the English one linked to
   the Chinese one as its translation;
4. submit it, and approve it as ``reviewer`` (and ``reviewer2`` for the secure pool, which needs two).

Idempotent: an item whose questions already exist (matched on the source id) is left as it is, so
running ``load_demo`` again changes nothing.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from django.db import transaction

from question_bank.content import media_refs, replace_media_refs

ITEMS_DIR = Path(__file__).resolve().parent / "items"
LANGUAGES: tuple[tuple[str, str], ...] = (("zh", "zh-hans"), ("en", "en"))
AUTHOR = "instructor"
REVIEWERS = ("reviewer", "reviewer2")

Drawer = Callable[[], bytes]


class DemoBankError(ValueError):
    """The demo files are inconsistent (unknown area, objective, media drawer, or invalid content)."""


@dataclass
class LoadReport:
    created: int = 0
    existing: int = 0
    linked: int = 0
    media: int = 0
    items: int = 0
    errors: list[str] = field(default_factory=list)


def default_drawers() -> dict[str, Drawer]:
    """Every image drawer of the demo bank (both modules)."""
    drawers: dict[str, Drawer] = {}
    for module_name in ("images_core", "images_clinical"):
        try:
            module = __import__(f"question_bank.demo.{module_name}", fromlist=["DRAWERS"])
        except ImportError:
            continue
        drawers.update(getattr(module, "DRAWERS", {}))
    return drawers


def read_items(items_dir: Path = ITEMS_DIR) -> list[dict[str, Any]]:
    """All demo items of every ``<AREA>.json`` file, in file then list order; ids must be unique."""
    items: list[dict[str, Any]] = []
    seen: set[str] = set()
    for path in sorted(items_dir.glob("*.json")):
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except json.JSONDecodeError as error:
            raise DemoBankError(f"{path.name}: not valid JSON ({error}).")
        if not isinstance(data, list):
            raise DemoBankError(f"{path.name}: expected a list of items.")
        for item in data:
            item_id = item.get("id") if isinstance(item, dict) else None
            if not item_id:
                raise DemoBankError(f"{path.name}: an item has no id.")
            if item_id in seen:
                raise DemoBankError(f"{path.name}: the id {item_id} is used twice.")
            seen.add(item_id)
            items.append(item)
    return items


def load_items(
    items: Iterable[Mapping[str, Any]],
    *,
    drawers: Mapping[str, Drawer],
    author: Any,
    reviewers: list[Any],
    say: Callable[[str], None] = lambda message: None,
) -> LoadReport:
    """Load ``items`` (see the module docstring); each item in its own transaction."""
    from curriculum.models import TechniqueArea
    from irexam.errors import ApplicationError
    from question_bank import services
    from question_bank.models import Question

    report = LoadReport()
    areas = {a.code: a for a in TechniqueArea.objects.all()}
    media_ids: dict[str, str] = {}

    for item in items:
        report.items += 1
        item_id = item["id"]
        sources = {lang: f"demo:{item_id}:{lang}" for lang, _code in LANGUAGES}
        existing = {q.source_id: q for q in Question.objects.filter(source_id__in=sources.values())}
        if len(existing) == len(sources):
            report.existing += len(existing)
            questions = [existing[s] for s in sources.values()]
            if len({q.translation_group for q in questions}) > 1:
                services.translation_link(a=questions[0], b=questions[1], by=author)
                report.linked += 1
            continue
        area = areas.get(item.get("area", ""))
        if area is None:
            raise DemoBankError(f"{item_id}: unknown technique area {item.get('area')!r}.")
        try:
            with transaction.atomic():
                first: Any = None
                for lang, language in LANGUAGES:
                    source_id = sources[lang]
                    if source_id in existing:
                        first = first or existing[source_id]
                        report.existing += 1
                        continue
                    content = item[lang]
                    mapping = _store_media(content, drawers, author, media_ids, item_id, report)
                    version = services.question_create(
                        author=author,
                        area=area,
                        content=replace_media_refs(content, mapping),
                        level=item["level"],
                        pool=item["pool"],
                        language=language,
                        objectives=item.get("objectives") or [],
                        difficulty_estimate=item.get("difficulty"),
                        cognitive_level=item.get("cognitive") or "recall",
                        tags=item.get("tags") or [],
                        source_id=source_id,
                        source_format="demo",
                        translation_of=first,
                    )
                    services.version_submit(version=version, by=author)
                    needed = services.approvals_required(version.pool)
                    if needed > len(reviewers):
                        raise DemoBankError(f"{item_id}: {needed} approvals needed, {len(reviewers)} reviewers given.")
                    for reviewer in reviewers[:needed]:
                        services.version_review(version=version, reviewer=reviewer, decision="approve")
                    first = first or version.question
                    report.created += 1
        except ApplicationError as error:
            raise DemoBankError(f"{item_id}: {error.message} {error.extra or ''}".strip())
    say(
        f"question bank: {report.created} questions created, {report.existing} already there "
        f"({report.items} bilingual items, {report.media} images)"
    )
    return report


def _store_media(
    content: Mapping[str, Any],
    drawers: Mapping[str, Drawer],
    author: Any,
    media_ids: dict[str, str],
    item_id: str,
    report: LoadReport,
) -> dict[str, str]:
    from question_bank import services

    mapping: dict[str, str] = {}
    for ref in media_refs(content):
        if ref not in media_ids:
            drawer = drawers.get(ref)
            if drawer is None:
                raise DemoBankError(f"{item_id}: no image drawer for the media ref {ref!r}.")
            media = services.media_upload(file=drawer(), by=author, filename=f"{ref}.png")
            media_ids[ref] = str(media.pk)
            report.media += 1
        mapping[ref] = media_ids[ref]
    return mapping


def load_question_bank_demo(say: Callable[[str], None]) -> None:
    """The registered ``load_demo`` step (order 30): every demo item, authored and reviewed by the demo users."""
    from accounts.models import User

    users = {u.username: u for u in User.objects.filter(username__in=[AUTHOR, *REVIEWERS])}
    missing = [name for name in [AUTHOR, *REVIEWERS] if name not in users]
    if missing:
        raise DemoBankError(f"The demo users {', '.join(missing)} do not exist; run the accounts step first.")
    load_items(
        read_items(),
        drawers=default_drawers(),
        author=users[AUTHOR],
        reviewers=[users[name] for name in REVIEWERS],
        say=say,
    )
