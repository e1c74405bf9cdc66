"""Importing parsed exchange files into the bank, and turning bank versions back into exchange items.

The parsers in :mod:`question_bank.formats` are pure; this module is the app side of issue 5:

* :func:`import_questions` takes an :class:`~question_bank.formats.ImportReport` and creates one
  draft per parsed question — all or nothing, inside ONE ``transaction.atomic``. A problem in any
  item (unknown area or objective, an image refused by the same checks as uploads, a duplicate,
  a clashing source identifier…) raises :class:`ImportFailed` listing every problem found, and
  the database is left exactly as it was. A dry run does the same work and then rolls back.
* :func:`version_to_parsed` / :func:`export_versions` write bank versions in an exchange format.

Duplicates: two items of one file with the same normalised wording are always a problem; an item
matching a question already in the bank is a problem unless ``allow_duplicates`` (then it is a
warning the importer has acknowledged).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from django.core.files.storage import default_storage
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.audit import audit_record
from accounts.roles import Role
from irexam.errors import ApplicationError
from question_bank.content import normalised_fingerprint, replace_media_refs
from question_bank.formats import FORMATS, ImportReport, MediaFile, ParsedQuestion, Problem
from question_bank.models import CognitiveLevel, Language, Level, Media, Pool, Question, QuestionVersion
from question_bank.services import media_upload, question_create

__all__ = [
    "ImportFailed",
    "ImportOutcome",
    "PlannedQuestion",
    "export_versions",
    "import_questions",
    "parsed_from_version",
    "versions_for_export",
]

SOURCE_ID_MAX = 120

_LEVELS = {"q": Level.QUALIFYING, "qualifying": Level.QUALIFYING, "a": Level.ADVANCED, "advanced": Level.ADVANCED}
_LEVEL_NAMES = {Level.QUALIFYING: "qualifying", Level.ADVANCED: "advanced"}
_LANGUAGES = {
    "zh-hans": Language.ZH_HANS,
    "zh": Language.ZH_HANS,
    "zh-cn": Language.ZH_HANS,
    "zh_hans": Language.ZH_HANS,
    "en": Language.EN,
    "en-us": Language.EN,
    "en-gb": Language.EN,
}
_LANGUAGE_TAGS = {Language.ZH_HANS: "zh-Hans", Language.EN: "en"}
_CJK = re.compile(r"[\u3400-\u9fff]")


class ImportFailed(ApplicationError):
    """The import was refused; ``problems`` names every item and place. Nothing was written."""

    def __init__(self, problems: list[Problem]) -> None:
        self.problems = problems
        lines = "\n".join(str(p) for p in problems)
        super().__init__(
            _("The import was refused; nothing was imported:\n%(problems)s") % {"problems": lines},
            {"problems": [{"item": p.item, "location": p.location, "message": p.message} for p in problems]},
            code="import_refused",
        )


@dataclass(frozen=True)
class PlannedQuestion:
    """What one parsed item becomes (or became) in the bank."""

    label: str
    type: str
    area: str
    pool: str
    level: str
    language: str
    source_id: str
    version_id: int | None = None
    code: str = ""


@dataclass
class ImportOutcome:
    questions: list[PlannedQuestion] = field(default_factory=list)
    warnings: list[Problem] = field(default_factory=list)
    dry_run: bool = False

    @property
    def created_version_ids(self) -> list[int]:
        return [q.version_id for q in self.questions if q.version_id is not None]


class _DryRunRollback(Exception):
    """Raised at the end of a dry run to roll back everything it wrote."""


# --------------------------------------------------------------------------- resolving metadata


def _resolve_area(value: str, areas: dict[str, Any]) -> Any | None:
    key = value.strip().casefold()
    return areas.get(key)


def _area_index() -> dict[str, Any]:
    from curriculum.models import TechniqueArea

    index: dict[str, Any] = {}
    for area in TechniqueArea.objects.all():
        for name in (area.name_zh, area.name_en, area.code):
            if name:
                index[name.strip().casefold()] = area
    return index


def _level(value: str | None) -> str | None:
    if not value:
        return Level.QUALIFYING
    return _LEVELS.get(value.strip().casefold())


def _language(value: str | None, content: dict[str, Any]) -> str | None:
    if not value:
        text = " ".join(str(content.get(name, "")) for name in ("stem", "lead_in"))
        return Language.ZH_HANS if _CJK.search(text) else Language.EN
    return _LANGUAGES.get(value.strip().casefold())


def _cognitive(value: str | None) -> str | None:
    if not value:
        return CognitiveLevel.RECALL
    value = value.strip().casefold()
    return value if value in CognitiveLevel.values else None


def _difficulty(value: str | None) -> float | None | str:
    """The estimate as a float, None when absent, or the text "bad" when it is not a proportion."""
    if value is None or not str(value).strip():
        return None
    try:
        number = float(str(value).strip())
    except ValueError:
        return "bad"
    return number if 0.0 <= number <= 1.0 else "bad"


# --------------------------------------------------------------------------- import


def import_questions(
    *,
    report: ImportReport,
    area_code: str,
    by: Any,
    pool: str | None = None,
    dry_run: bool = False,
    allow_duplicates: bool = False,
    source_format: str = "",
    filename: str = "",
) -> ImportOutcome:
    """Create a draft for every question of ``report``, or nothing at all.

    ``area_code`` is the technique area of items that do not name one (an item's own area — a
    code or an area name, e.g. from a Moodle category — is used when it names a known area;
    an unknown one is a problem). ``pool`` overrides every item's pool when given. Raises
    :class:`ImportFailed` (database unchanged) when the report has problems or any item cannot be
    created; otherwise returns what was created (or, with ``dry_run``, what would be).
    """
    if by is None or not (by.has_role(Role.INSTRUCTOR) or by.has_role(Role.OFFICER)):
        raise ApplicationError(
            _("Only instructors and exam officers may import questions."), code="forbidden", status=403
        )
    if report.problems:
        raise ImportFailed(list(report.problems))
    if not report.questions:
        raise ImportFailed([Problem(filename or "(file)", filename or "(file)", _("The file has no questions."))])
    if pool is not None and pool not in Pool.values:
        raise ApplicationError(
            _("Pool %(pool)r is not one of %(allowed)s.") % {"pool": pool, "allowed": ", ".join(Pool.values)},
            code="invalid_field",
        )
    areas = _area_index()
    default_area = _resolve_area(area_code, areas) if area_code else None
    if area_code and default_area is None:
        raise ApplicationError(
            _("Unknown technique area %(code)r.") % {"code": area_code}, code="unknown_area", status=400
        )

    started = timezone.now()
    new_files: list[str] = []
    outcome = ImportOutcome(warnings=list(report.warnings), dry_run=dry_run)
    try:
        with transaction.atomic():
            _import_all(
                report, default_area, areas, by, pool, allow_duplicates, source_format, outcome, started, new_files
            )
            audit_record(
                action="question_bank.questions_imported",
                actor=by,
                summary=f"{len(outcome.questions)} question(s) imported from {filename or source_format}",
                data={
                    "file": filename,
                    "format": source_format,
                    "created": len(outcome.questions),
                    "warnings": len(outcome.warnings),
                    "versions": outcome.created_version_ids,
                },
            )
            if dry_run:
                raise _DryRunRollback
    except _DryRunRollback:
        _remove_files(new_files)
        outcome.questions = [
            PlannedQuestion(**{**q.__dict__, "version_id": None, "code": ""}) for q in outcome.questions
        ]
        return outcome
    except BaseException:
        _remove_files(new_files)
        raise
    return outcome


def _import_all(
    report: ImportReport,
    default_area: Any,
    areas: dict[str, Any],
    by: Any,
    pool: str | None,
    allow_duplicates: bool,
    source_format: str,
    outcome: ImportOutcome,
    started: Any,
    new_files: list[str],
) -> None:
    problems: list[Problem] = []
    plans: list[tuple[ParsedQuestion, dict[str, Any]]] = []
    seen_fingerprints: dict[str, str] = {}
    for index, pq in enumerate(report.questions, 1):
        item = pq.source_id or pq.title or f"question {index}"
        where = f"question {index}"

        def problem(message: str, item: str = item, where: str = where) -> None:
            problems.append(Problem(item, where, message))

        area = default_area
        if pq.area:
            area = _resolve_area(pq.area, areas)
            if area is None:
                problem(_("Unknown technique area %(area)r.") % {"area": pq.area})
                continue
        if area is None:
            problem(_("The item names no technique area; choose one for the import."))
            continue
        level = _level(pq.level)
        if level is None:
            problem(_("Unknown level %(value)r; expected qualifying or advanced.") % {"value": pq.level})
        language = _language(pq.language, pq.content)
        if language is None:
            problem(_("Unknown language %(value)r; expected zh-Hans or en.") % {"value": pq.language})
        cognitive = _cognitive(pq.cognitive)
        if cognitive is None:
            problem(
                _("Unknown cognitive level %(value)r; expected %(allowed)s.")
                % {"value": pq.cognitive, "allowed": ", ".join(CognitiveLevel.values)}
            )
        item_pool = pool or (pq.pool or Pool.PRACTICE).strip().casefold()
        if item_pool not in Pool.values:
            problem(_("Unknown pool %(value)r; expected practice or secure.") % {"value": pq.pool})
        difficulty = _difficulty(pq.difficulty)
        if difficulty == "bad":
            outcome.warnings.append(
                Problem(
                    item,
                    where,
                    _(
                        "The difficulty %(value)r is not a proportion between 0 and 1 (the expected share "
                        "answering correctly); it was not kept."
                    )
                    % {"value": pq.difficulty},
                )
            )
            difficulty = None
        source_id = (pq.source_id or "").strip()
        if len(source_id) > SOURCE_ID_MAX:
            problem(_("The identifier is longer than %(limit)d characters.") % {"limit": SOURCE_ID_MAX})
        fingerprint = normalised_fingerprint(pq.content)
        if fingerprint in seen_fingerprints:
            problem(
                _("Duplicate of %(other)s earlier in the file (same stem and options).")
                % {"other": seen_fingerprints[fingerprint]}
            )
        seen_fingerprints.setdefault(fingerprint, item)
        plans.append(
            (
                pq,
                {
                    "item": item,
                    "where": where,
                    "area": area,
                    "level": level,
                    "language": language,
                    "cognitive": cognitive,
                    "pool": item_pool,
                    "difficulty": difficulty,
                    "source_id": source_id,
                    "fingerprint": fingerprint,
                },
            )
        )

    # Duplicates of questions already in the bank (one query).
    existing: dict[str, str] = {}
    for fp, code in (
        QuestionVersion.objects.filter(fingerprint__in=[p["fingerprint"] for _pq, p in plans])
        .values_list("fingerprint", "question__code")
        .order_by("question_id")
    ):
        existing.setdefault(fp, code)
    wanted_sources = [p["source_id"] for _pq, p in plans if p["source_id"]]
    taken_sources = set(Question.objects.filter(source_id__in=wanted_sources).values_list("source_id", flat=True))
    for _pq, p in plans:
        code = existing.get(p["fingerprint"])
        if code:
            message = _("Duplicate of %(code)s already in the bank (same stem and options).") % {"code": code}
            if allow_duplicates:
                outcome.warnings.append(Problem(p["item"], p["where"], message))
            else:
                problems.append(
                    Problem(p["item"], p["where"], message + " " + _("Acknowledge duplicates to import it anyway."))
                )
        if p["source_id"] and p["source_id"] in taken_sources:
            problems.append(
                Problem(
                    p["item"],
                    p["where"],
                    _("A question with the source identifier %(source)s is already in the bank.")
                    % {"source": p["source_id"]},
                )
            )
    if problems:
        raise ImportFailed(problems)

    for pq, p in plans:
        try:
            content = _store_media(pq, by, started, new_files)
            version = question_create(
                author=by,
                area=p["area"],
                content=content,
                level=p["level"],
                pool=p["pool"],
                language=p["language"],
                objectives=list(pq.objectives),
                difficulty_estimate=p["difficulty"],
                cognitive_level=p["cognitive"],
                tags=pq.tags,
                source_id=p["source_id"],
                source_format=source_format,
            )
        except _MediaRefused as refused:
            problems.append(Problem(p["item"], f"{p['where']}, image {refused.filename}", refused.message))
            continue
        except ApplicationError as error:
            problems.append(Problem(p["item"], p["where"], str(error.message)))
            continue
        outcome.questions.append(
            PlannedQuestion(
                label=p["item"],
                type=version.type,
                area=p["area"].code,
                pool=version.pool,
                level=version.level,
                language=version.language,
                source_id=p["source_id"],
                version_id=version.pk,
                code=version.question.code or "",
            )
        )
    if problems:
        raise ImportFailed(problems)


class _MediaRefused(Exception):
    def __init__(self, filename: str, message: str) -> None:
        self.filename = filename
        self.message = message
        super().__init__(message)


def _store_media(pq: ParsedQuestion, by: Any, started: Any, new_files: list[str]) -> dict[str, Any]:
    """Store the item's images through the bank's upload checks; the content with bank media ids."""
    mapping: dict[str, str] = {}
    for ref, media in pq.media.items():
        try:
            stored = media_upload(file=media.data, by=by, filename=media.filename)
        except ApplicationError as error:
            raise _MediaRefused(media.filename, str(error.message)) from error
        if stored.created_at >= started:
            new_files.append(stored.file.name)
        mapping[ref] = str(stored.pk)
    return replace_media_refs(pq.content, mapping) if mapping else pq.content


def _remove_files(paths: list[str]) -> None:
    """Delete image files written by a rolled-back import (their rows are gone; the files are not).

    A file still referenced by a committed Media row (the same picture uploaded before) is kept.
    """
    for path in paths:
        if not Media.objects.filter(file=path).exists() and default_storage.exists(path):
            default_storage.delete(path)


# --------------------------------------------------------------------------- export


def parsed_from_version(version: QuestionVersion) -> ParsedQuestion:
    """A bank version as an exchange item: content with media refs named by file, metadata, images."""
    media_by_id = {str(m.pk): m for m in Media.objects.filter(pk__in=_media_ids(version.content))}
    mapping: dict[str, str] = {}
    files: dict[str, MediaFile] = {}
    for ref, media in media_by_id.items():
        name = (media.original_name or media.file.name.rsplit("/", 1)[-1] or ref).rsplit("/", 1)[-1]
        new_ref = _safe_ref(name, files)
        with media.file.open("rb") as handle:
            files[new_ref] = MediaFile(filename=name, data=handle.read(), mime=media.mime)
        mapping[ref] = new_ref
    content = replace_media_refs(version.content, mapping) if mapping else version.content
    question = version.question
    return ParsedQuestion(
        content=content,
        title=question.code or "",
        area=question.area.code,
        objectives=[o.code for o in version.objectives.all()],
        level=_LEVEL_NAMES.get(version.level, version.level),
        pool=version.pool,
        tags=list(version.tags or []),
        difficulty=None if version.difficulty_estimate is None else repr(float(version.difficulty_estimate)),
        cognitive=version.cognitive_level,
        language=_LANGUAGE_TAGS.get(version.language, version.language),
        source_id=question.source_id or question.code or None,
        media=files,
    )


def _media_ids(content: dict[str, Any]) -> list[str]:
    from question_bank.content import media_refs

    from .services import _is_uuid

    return [r for r in media_refs(content) if _is_uuid(r)]


def _safe_ref(filename: str, taken: dict[str, Any]) -> str:
    from question_bank.formats.base import safe_media_ref

    return safe_media_ref(filename, taken)


def export_versions(versions: Iterable[QuestionVersion], fmt: str) -> tuple[bytes, list[Problem], list[Problem]]:
    """Write ``versions`` in ``fmt``: ``(data, problems, warnings)``.

    When any item cannot be written, ``data`` is empty and ``problems`` says which and why (nothing
    is silently dropped); ``warnings`` lists what changes in the written file.
    """
    from question_bank.formats import check_export, export

    if fmt not in FORMATS:
        raise ApplicationError(
            _("Unknown format %(fmt)r; expected one of %(allowed)s.") % {"fmt": fmt, "allowed": ", ".join(FORMATS)},
            code="unknown_format",
        )
    items = [parsed_from_version(v) for v in versions]
    check = check_export(items, fmt)
    if check.problems:
        return b"", check.problems, check.warnings
    return export(items, fmt), [], check.warnings


def versions_for_export(*, area: str | None = None, status: str | None = None, **filters: Any) -> list[QuestionVersion]:
    """The versions an export writes, using the bank list's filters (:func:`selectors.question_list`).

    With ``status="approved"`` each question's current approved version (even when a newer draft
    exists); otherwise each question's latest version. Retired questions only when asked for.
    """
    from curriculum.models import TechniqueArea
    from question_bank.models import VersionStatus
    from question_bank.selectors import question_list

    if area and not TechniqueArea.objects.filter(code=area).exists() and not str(area).isdigit():
        raise ApplicationError(_("Unknown technique area %(code)r.") % {"code": area}, code="unknown_area")
    if status == VersionStatus.APPROVED:
        questions = question_list(area=area or None, retired=False, **filters).filter(current_version__isnull=False)
        ids = [q.current_version_id for q in questions]
    else:
        retired = None if status == VersionStatus.RETIRED else False
        questions = question_list(area=area or None, status=status or None, retired=retired, **filters)
        ids = [q.latest_version_id for q in questions if q.latest_version_id]
    versions = (
        QuestionVersion.objects.filter(pk__in=ids)
        .select_related("question", "question__area")
        .prefetch_related("objectives")
        .order_by("question_id")
    )
    return list(versions)


# --------------------------------------------------------------------------- web imports (ImportJob)

#: Files above either limit are read and imported by a Celery task (with a progress bar).
ASYNC_BYTES = 2 * 1024 * 1024
ASYNC_ITEMS = 200


def _problem_dicts(problems: Iterable[Problem]) -> list[dict[str, str]]:
    return [{"item": p.item, "location": p.location, "message": p.message} for p in problems]


def _read_job(job: Any) -> ImportReport:
    from question_bank.formats import parse

    with job.file.open("rb") as handle:
        data = handle.read()
    return parse(
        data, job.format, filename=job.original_name, encoding=job.encoding or None, default_area=job.area.code
    )


def import_job_create(*, upload: Any, fmt: str, area: Any, by: Any, pool: str = "", encoding: str = "") -> Any:
    """Store an uploaded file as an :class:`ImportJob`; read it now when small, else in a Celery task."""
    from django.core.files.base import ContentFile

    from question_bank.formats.safety import DEFAULT_LIMITS
    from question_bank.models import ImportJob

    if by is None or not (by.has_role(Role.INSTRUCTOR) or by.has_role(Role.OFFICER)):
        raise ApplicationError(
            _("Only instructors and exam officers may import questions."), code="forbidden", status=403
        )
    if fmt not in FORMATS:
        raise ApplicationError(_("Unknown format %(fmt)r.") % {"fmt": fmt}, code="unknown_format")
    size = getattr(upload, "size", None) or 0
    if size > DEFAULT_LIMITS.max_file_bytes:
        raise ApplicationError(
            _("The file is too large (%(size)d bytes; the limit is %(limit)d bytes).")
            % {"size": size, "limit": DEFAULT_LIMITS.max_file_bytes},
            code="file_too_large",
        )
    name = (getattr(upload, "name", "") or "upload").replace("\\", "/").rsplit("/", 1)[-1][:200]
    job = ImportJob(original_name=name, format=fmt, encoding=encoding or "", area=area, pool=pool or "", created_by=by)
    job.file.save(name, ContentFile(upload.read()), save=False)
    job.save()
    if size > ASYNC_BYTES:
        from question_bank.tasks import parse_import_job

        transaction.on_commit(lambda: parse_import_job.delay(job.pk))
    else:
        import_job_parse(job=job)
    return job


def import_job_parse(*, job: Any) -> Any:
    """Read the job's file and store the preview: every question rendered, every problem and warning."""
    from question_bank.models import ImportJobStatus
    from question_bank.rendering import render_for_candidate, render_full

    job.progress = 10
    job.save(update_fields=["progress"])
    report = _read_job(job)
    preview = []
    total = max(len(report.questions), 1)
    for index, q in enumerate(report.questions, 1):
        preview.append(
            {
                "label": q.source_id or q.title or f"question {index}",
                "type": q.content.get("type", ""),
                "area": q.area or job.area.code,
                "images": sorted(m.filename for m in q.media.values()),
                "candidate": render_for_candidate(q.content),
                "full": render_full(q.content),
            }
        )
        if index % 50 == 0:
            job.progress = 10 + int(80 * index / total)
            job.save(update_fields=["progress"])
    problems, warnings = list(report.problems), list(report.warnings)
    if not problems and report.questions:
        # A dry run finds what only the bank knows (areas, objectives, images, duplicates, source ids).
        try:
            dry = import_questions(
                report=report,
                area_code=job.area.code,
                by=job.created_by,
                pool=job.pool or None,
                dry_run=True,
                allow_duplicates=True,
                source_format=job.format,
                filename=job.original_name,
            )
        except ImportFailed as failed:
            problems = failed.problems
        except ApplicationError as error:
            problems = [Problem(job.original_name, job.original_name, str(error.message))]
        else:
            warnings = dry.warnings
    job.report = {
        "questions": preview,
        "problems": _problem_dicts(problems),
        "warnings": _problem_dicts(warnings),
        "categories": list(report.categories),
    }
    job.status = ImportJobStatus.PARSED
    job.progress = 100
    job.save(update_fields=["report", "status", "progress"])
    return job


def import_job_confirm(*, job: Any, by: Any, allow_duplicates: bool = False) -> Any:
    """Start the import of a previewed job (a Celery task when large; otherwise now)."""
    from question_bank.models import ImportJobStatus

    if job.status != ImportJobStatus.PARSED:
        raise ApplicationError(_("This import cannot be started in its current state."), code="import_state")
    if job.report.get("problems"):
        raise ApplicationError(
            _("The file has problems; correct them and upload it again. Nothing was imported."),
            code="import_refused",
        )
    job.allow_duplicates = allow_duplicates
    job.status = ImportJobStatus.RUNNING
    job.progress = 0
    job.save(update_fields=["allow_duplicates", "status", "progress"])
    if len(job.report.get("questions", [])) > ASYNC_ITEMS or job.file.size > ASYNC_BYTES:
        from question_bank.tasks import run_import_job

        transaction.on_commit(lambda: run_import_job.delay(job.pk))
    else:
        import_job_run(job=job)
    return job


def import_job_run(*, job: Any) -> Any:
    """Import the job's file (all or nothing) and record the outcome on the job."""
    from question_bank.models import ImportJobStatus

    report = _read_job(job)
    job.progress = 30
    job.save(update_fields=["progress"])
    try:
        outcome = import_questions(
            report=report,
            area_code=job.area.code,
            by=job.created_by,
            pool=job.pool or None,
            allow_duplicates=job.allow_duplicates,
            source_format=job.format,
            filename=job.original_name,
        )
    except ImportFailed as failed:
        job.result = {"problems": _problem_dicts(failed.problems), "versions": []}
        job.status = ImportJobStatus.FAILED
    except ApplicationError as error:
        job.result = {"problems": [{"item": job.original_name, "location": "", "message": str(error.message)}]}
        job.status = ImportJobStatus.FAILED
    else:
        job.result = {"versions": outcome.created_version_ids, "warnings": _problem_dicts(outcome.warnings)}
        job.status = ImportJobStatus.DONE
    job.progress = 100
    job.save(update_fields=["result", "status", "progress"])
    return job
