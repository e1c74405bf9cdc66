"""Every write to the question bank: authoring, the review workflow, retiring, bulk actions, media.

Services are keyword-only, check first and raise :class:`irexam.errors.ApplicationError` with a
translated message, then write inside ``transaction.atomic``. Every status change of a version is
recorded as a :class:`VersionTransition`; approvals and retirements also go to the audit log.

Workflow (docs: issue 4):

    draft ──submit──► submitted ──approvals reach the pool's number──► approved
      ▲                   │                                               │
      │ (new version)     └──request changes──► changes_requested          └──retire──► retired
      └─────────── version_new_draft copies the latest version ◄───────────┘

A version's content and metadata are frozen once it leaves draft; "editing" makes a new draft
version (at most one draft per question). Approval needs distinct reviewers who are neither the
version's author nor the question's creator: ``settings.QUESTION_BANK_APPROVALS_REQUIRED``
(default ``{"practice": 1, "secure": 2}``).
"""

from __future__ import annotations

import hashlib
import re
import uuid
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any, TypeVar

from django.conf import settings
from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction
from django.db.models import F, Max
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts.audit import audit_record
from accounts.roles import Role
from irexam.errors import ApplicationError, ConflictError
from question_bank.content import ContentError, ContentIssue, media_refs, validate_content
from question_bank.images import DEFAULT_MAX_BYTES, ImageRejected, sanitize_image
from question_bank.models import (
    CognitiveLevel,
    Language,
    Level,
    Media,
    Pool,
    Question,
    QuestionVersion,
    Review,
    ReviewDecision,
    VersionStatus,
    VersionTransition,
)

__all__ = [
    "BulkResult",
    "approvals_required",
    "bulk_move",
    "bulk_retire",
    "bulk_submit",
    "content_error_to_application_error",
    "media_upload",
    "question_create",
    "question_retire",
    "translation_link",
    "validated_content",
    "version_new_draft",
    "version_review",
    "version_submit",
    "version_update_draft",
]

DEFAULT_APPROVALS_REQUIRED: dict[str, int] = {Pool.PRACTICE: 1, Pool.SECURE: 2}
MAX_TAGS = 20
MAX_TAG_LENGTH = 40

# --------------------------------------------------------------------------- messages

#: Translated templates for content.py issue codes (same ``str.format`` parameters as content.MESSAGES).
CONTENT_MESSAGES: dict[str, Any] = {
    "not_an_object": gettext_lazy("{field} must be a JSON object."),
    "unknown_type": gettext_lazy("Unknown question type {value!r}; expected one of {allowed}."),
    "type_not_allowed_in_case": gettext_lazy(
        "A question inside a case stage must be sba, mrq, tf or order; it is {value!r}."
    ),
    "missing_field": gettext_lazy("{field} is required."),
    "unknown_field": gettext_lazy("{field} is not a field of a {type_name} item."),
    "not_a_string": gettext_lazy("{field} must be text."),
    "empty_text": gettext_lazy("{field} must not be empty."),
    "text_too_long": gettext_lazy("{field} is too long ({length} characters; the limit is {limit})."),
    "not_a_list": gettext_lazy("{field} must be a list."),
    "too_few": gettext_lazy("{field}: a {type_name} item needs at least {minimum}; it has {count}."),
    "too_many": gettext_lazy("{field}: a {type_name} item allows at most {maximum}; it has {count}."),
    "option_ids_sequence": gettext_lazy(
        "Option ids of a {type_name} item must be {expected} in that order; found {found}."
    ),
    "duplicate_id": gettext_lazy("{field}: the id {value!r} is used more than once."),
    "bad_id": gettext_lazy("{field}: {value!r} is not a valid id (letters, digits, - and _, at most 32)."),
    "unknown_key": gettext_lazy("{field}: {value!r} is not one of the option ids ({allowed})."),
    "sba_key_count": gettext_lazy("A single-best-answer item needs exactly one key; it has {count}{listing}."),
    "tf_key_count": gettext_lazy("A true/false item needs exactly one key, T or F; it has {count}{listing}."),
    "mrq_key_count": gettext_lazy(
        "A multiple-response item needs at least one key and fewer keys than options; "
        "it has {count} of {options} options keyed."
    ),
    "emq_key_count": gettext_lazy("Extended-matching stem {stem!r} needs exactly one key; it has {count}{listing}."),
    "order_key_permutation": gettext_lazy(
        "The key of an ordering item must list every option id exactly once; {detail}."
    ),
    "duplicate_key": gettext_lazy("{field}: the key {value!r} is listed more than once."),
    "unknown_scoring": gettext_lazy(
        "{field}: unknown scoring rule {value!r} for a {type_name} item; expected {allowed}."
    ),
    "bad_media_ref": gettext_lazy("{field}: {value!r} is not a valid media reference."),
    "duplicate_media": gettext_lazy("{field}: the media {value!r} is attached more than once."),
    "bad_media_kind": gettext_lazy("{field}: unknown media kind {value!r}; expected image or dicom."),
    "dicom_only_field": gettext_lazy("{field} applies only to a DICOM series (kind dicom)."),
    "bad_window": gettext_lazy("{field}: unknown window preset {value!r}; expected one of {allowed}."),
    "bad_frame": gettext_lazy("{field} must be a whole number from 0."),
    "bad_roi": gettext_lazy(
        "{field} must be an object with frame, x, y, width and height (pixels, width and height above 0)."
    ),
}

TYPE_LABELS: dict[str, Any] = {
    "single-best-answer": gettext_lazy("single-best-answer"),
    "multiple-response": gettext_lazy("multiple-response"),
    "true/false": gettext_lazy("true/false"),
    "extended-matching": gettext_lazy("extended-matching"),
    "ordering": gettext_lazy("ordering"),
    "case-set": gettext_lazy("case-set"),
    "case stage": gettext_lazy("case stage"),
}

_COUNTED = re.compile(r"^(\d+) (options|stems|stages|questions?)$")
_COUNTED_LABELS: dict[str, Any] = {
    "options": gettext_lazy("{n} options"),
    "stems": gettext_lazy("{n} stems"),
    "stages": gettext_lazy("{n} stages"),
    "question": gettext_lazy("{n} question"),
    "questions": gettext_lazy("{n} questions"),
}

IMAGE_MESSAGES: dict[str, Any] = {
    "empty": gettext_lazy("The file is empty."),
    "too_large": gettext_lazy("The file is too large ({size} bytes; the limit is {limit} bytes)."),
    "not_an_image": gettext_lazy(
        "The file is not an image (its content is not a PNG, JPEG, GIF, WebP, BMP or TIFF picture)."
    ),
    "format_not_allowed": gettext_lazy("Images in {format} format are not accepted; use PNG or JPEG."),
    "too_many_pixels": gettext_lazy(
        "The image is too large ({width}×{height} pixels; the limit is {limit} pixels per side "
        "and {max_pixels} pixels in all)."
    ),
    "corrupt": gettext_lazy("The image is damaged or incomplete and cannot be read."),
    "polyglot_trailing": gettext_lazy(
        "The file holds data after the end of the picture (for example an archive or a web page appended to it). "
        "Save the picture again as a plain PNG or JPEG and upload that."
    ),
    "polyglot_zip": gettext_lazy(
        "The file is also a ZIP archive. Save the picture again as a plain PNG or JPEG and upload that."
    ),
    "polyglot_markup": gettext_lazy(
        "The file contains web page or script code. Save the picture again as a plain PNG or JPEG and upload that."
    ),
}


def _localise_param(value: Any) -> Any:
    if isinstance(value, str):
        if value in TYPE_LABELS:
            return str(TYPE_LABELS[value])
        m = _COUNTED.match(value)
        if m:
            return str(_COUNTED_LABELS[m.group(2)]).format(n=m.group(1))
    return value


def content_issue_message(issue: ContentIssue) -> str:
    """The issue's message in the active language (falls back to content.py's English)."""
    template = CONTENT_MESSAGES.get(issue.code)
    if template is None:
        return issue.message
    params = {k: _localise_param(v) for k, v in issue.params.items()}
    try:
        return str(template).format(**params)
    except (KeyError, IndexError, ValueError):
        return issue.message


def content_error_to_application_error(error: ContentError) -> ApplicationError:
    """One ApplicationError naming every problem: the first in the message, all of them in ``extra``."""
    issues = [
        {"code": i.code, "path": i.path, "message": content_issue_message(i), "params": _jsonable(i.params)}
        for i in error.errors
    ]
    first = issues[0]["message"] if issues else _("The question content is not valid.")
    if len(issues) > 1:
        message = _("The question content has %(count)d problems; the first: %(first)s") % {
            "count": len(issues),
            "first": first,
        }
    else:
        message = first
    return ApplicationError(message, {"errors": issues}, code="invalid_content")


def _jsonable(params: dict[str, Any]) -> dict[str, Any]:
    return {k: (v if isinstance(v, str | int | float | bool) or v is None else str(v)) for k, v in params.items()}


# --------------------------------------------------------------------------- helpers


def approvals_required(pool: str) -> int:
    """How many distinct approvals a version in ``pool`` needs (``settings.QUESTION_BANK_APPROVALS_REQUIRED``)."""
    configured = getattr(settings, "QUESTION_BANK_APPROVALS_REQUIRED", None) or {}
    value = configured.get(pool, DEFAULT_APPROVALS_REQUIRED.get(pool, 1))
    return max(1, int(value))


def _is_officer(user: Any) -> bool:
    return bool(user is not None and user.has_role(Role.OFFICER))


def _require_role(user: Any, *roles: str) -> None:
    if user is None or not any(user.has_role(role) for role in roles):
        raise ApplicationError(
            _("You do not have permission to do this in the question bank."), code="forbidden", status=403
        )


def _record(version: QuestionVersion, from_status: str, to_status: str, actor: Any, comment: str = "") -> None:
    VersionTransition.objects.create(
        version=version, from_status=from_status, to_status=to_status, actor=actor, comment=comment or ""
    )


def _choice(value: Any, choices: type, label: str) -> str:
    if value not in choices.values:
        raise ApplicationError(
            _("%(label)s: %(value)r is not one of %(allowed)s.")
            % {"label": label, "value": value, "allowed": ", ".join(choices.values)},
            code="invalid_field",
        )
    return str(value)


def _clean_tags(tags: Iterable[Any] | None) -> list[str]:
    out: list[str] = []
    for tag in tags or []:
        if not isinstance(tag, str):
            raise ApplicationError(_("Tags must be text."), code="invalid_field")
        text = " ".join(tag.split())
        if not text:
            continue
        if len(text) > MAX_TAG_LENGTH:
            raise ApplicationError(
                _("The tag %(tag)r is too long (at most %(limit)d characters).")
                % {"tag": text, "limit": MAX_TAG_LENGTH},
                code="invalid_field",
            )
        if text.casefold() not in {t.casefold() for t in out}:
            out.append(text)
    if len(out) > MAX_TAGS:
        raise ApplicationError(_("At most %(limit)d tags are allowed.") % {"limit": MAX_TAGS}, code="invalid_field")
    return out


def _clean_difficulty(value: Any) -> float | None:
    if value is None or value == "":
        return None
    try:
        number = float(value)
    except (TypeError, ValueError):
        number = -1.0
    if not 0.0 <= number <= 1.0:
        raise ApplicationError(
            _("The difficulty estimate is the expected proportion answering correctly, between 0 and 1."),
            code="invalid_field",
        )
    return number


def validated_content(content: Any) -> dict[str, Any]:
    """Validate content (ApplicationError naming every problem) and check its media exist in the bank."""
    try:
        cleaned = validate_content(content)
    except ContentError as error:
        raise content_error_to_application_error(error)
    refs = media_refs(cleaned)
    if refs:
        kinds = dict(Media.objects.filter(pk__in=[r for r in refs if _is_uuid(r)]).values_list("pk", "kind").iterator())
        known = {str(pk): kind for pk, kind in kinds.items()}
        unknown = [r for r in refs if r not in known]
        if unknown:
            raise ApplicationError(
                _("The content refers to media that is not in the bank: %(refs)s. Upload the images first.")
                % {"refs": ", ".join(unknown)},
                {"unknown_media": unknown},
                code="unknown_media",
            )
        from question_bank.services_dicom import dicom_check_media_entries

        dicom_check_media_entries(content=cleaned, kinds=known)
    return cleaned


def _is_uuid(value: str) -> bool:
    try:
        uuid.UUID(value)
    except ValueError:
        return False
    return True


def _resolve_objectives(objectives: Iterable[Any] | None, area: Any) -> list[Any]:
    """Objectives given as instances, ids or codes; each must belong to ``area``."""
    from curriculum.models import Objective

    items = list(objectives or [])
    if not items:
        return []
    codes = [o for o in items if isinstance(o, str)]
    ids = [o for o in items if isinstance(o, int)]
    instances = [o for o in items if isinstance(o, Objective)]
    found = list(Objective.objects.filter(code__in=codes)) + list(Objective.objects.filter(pk__in=ids))
    missing = sorted(set(codes) - {o.code for o in found}) + sorted(str(i) for i in set(ids) - {o.pk for o in found})
    if missing:
        raise ApplicationError(
            _("Unknown learning objective(s): %(codes)s.") % {"codes": ", ".join(missing)}, code="unknown_objective"
        )
    resolved = {o.pk: o for o in [*found, *instances]}
    wrong = sorted(o.code for o in resolved.values() if o.area_id != area.pk)
    if wrong:
        raise ApplicationError(
            _("The objective(s) %(codes)s do not belong to the technique area %(area)s.")
            % {"codes": ", ".join(wrong), "area": area.code},
            code="objective_area",
        )
    return list(resolved.values())


def _check_can_edit(version: QuestionVersion, by: Any) -> None:
    if not version.is_editable:
        raise ConflictError(
            _("%(version)s is %(status)s and can no longer be edited; create a new draft version instead.")
            % {"version": version.label, "status": version.get_status_display()},
            code="version_immutable",
        )
    if version.author_id != getattr(by, "pk", None) and not _is_officer(by):
        raise ApplicationError(
            _("Only the author of a draft (or an exam officer) may change it."), code="not_author", status=403
        )


def _check_not_retired(question: Question) -> None:
    if question.is_retired:
        raise ConflictError(
            _("%(question)s is retired; it can no longer change.") % {"question": question}, code="question_retired"
        )


# --------------------------------------------------------------------------- authoring


@transaction.atomic
def question_create(
    *,
    author: Any,
    area: Any,
    content: dict[str, Any],
    level: str,
    pool: str,
    language: str = Language.ZH_HANS,
    objectives: Iterable[Any] | None = None,
    difficulty_estimate: float | None = None,
    cognitive_level: str = CognitiveLevel.RECALL,
    tags: Iterable[str] | None = None,
    source_id: str = "",
    source_format: str = "",
    translation_of: Question | None = None,
) -> QuestionVersion:
    """Create a question and its version 1 as a draft authored by ``author``.

    ``objectives`` may be Objective instances, ids or codes (all of ``area``). ``translation_of``
    links the new question to that question's translation group (checked like
    :func:`translation_link`). ``source_id`` (an import id, or ``demo:<id>:<lang>``) is unique.
    """
    _require_role(author, Role.INSTRUCTOR, Role.OFFICER)
    level = _choice(level, Level, _("Level"))
    pool = _choice(pool, Pool, _("Pool"))
    language = _choice(language, Language, _("Language"))
    cognitive_level = _choice(cognitive_level, CognitiveLevel, _("Cognitive level"))
    cleaned = validated_content(content)
    objective_list = _resolve_objectives(objectives, area)
    tag_list = _clean_tags(tags)
    difficulty = _clean_difficulty(difficulty_estimate)
    source_id = (source_id or "").strip()
    if source_id and Question.objects.filter(source_id=source_id).exists():
        raise ConflictError(
            _("A question with the source identifier %(source)s already exists.") % {"source": source_id},
            code="duplicate_source",
        )
    if translation_of is not None:
        _check_translation_slot(translation_of.translation_group, language, exclude=None)

    question = Question.objects.create(
        area=area,
        created_by=author,
        source_id=source_id,
        **({"translation_group": translation_of.translation_group} if translation_of is not None else {}),
    )
    question.code = Question.code_for(question.pk)
    version = QuestionVersion(
        question=question,
        number=1,
        content=cleaned,
        language=language,
        level=level,
        pool=pool,
        difficulty_estimate=difficulty,
        cognitive_level=cognitive_level,
        tags=tag_list,
        source_id=source_id,
        source_format=source_format or "",
        author=author,
    )
    version.save()
    if objective_list:
        version.objectives.set(objective_list)
    question.latest_version = version
    question.save(update_fields=["code", "latest_version"])
    _record(version, "", VersionStatus.DRAFT, author)
    return version


EDITABLE_FIELDS = (
    "content",
    "level",
    "pool",
    "language",
    "objectives",
    "difficulty_estimate",
    "cognitive_level",
    "tags",
    "area",
)


@transaction.atomic
def version_update_draft(*, version: QuestionVersion, by: Any, **fields: Any) -> QuestionVersion:
    """Change a draft's content and/or metadata (only its author, or an officer).

    Accepted fields: ``content``, ``level``, ``pool``, ``language``, ``objectives``,
    ``difficulty_estimate``, ``cognitive_level``, ``tags`` and ``area`` (the question's area).
    """
    unknown = sorted(set(fields) - set(EDITABLE_FIELDS))
    if unknown:
        raise ApplicationError(
            _("These fields cannot be changed here: %(fields)s.") % {"fields": ", ".join(unknown)},
            code="invalid_field",
        )
    version = QuestionVersion.objects.select_for_update().select_related("question").get(pk=version.pk)
    _check_not_retired(version.question)
    _check_can_edit(version, by)
    question = version.question
    area = fields.get("area", question.area)
    if "content" in fields:
        version.content = validated_content(fields["content"])
    if "level" in fields:
        version.level = _choice(fields["level"], Level, _("Level"))
    if "pool" in fields:
        version.pool = _choice(fields["pool"], Pool, _("Pool"))
    if "language" in fields:
        version.language = _choice(fields["language"], Language, _("Language"))
        _check_translation_slot(question.translation_group, version.language, exclude=question.pk)
    if "cognitive_level" in fields:
        version.cognitive_level = _choice(fields["cognitive_level"], CognitiveLevel, _("Cognitive level"))
    if "difficulty_estimate" in fields:
        version.difficulty_estimate = _clean_difficulty(fields["difficulty_estimate"])
    if "tags" in fields:
        version.tags = _clean_tags(fields["tags"])
    objectives = None
    if "objectives" in fields:
        objectives = _resolve_objectives(fields["objectives"], area)
    elif "area" in fields and area.pk != question.area_id:
        current = list(version.objectives.all())
        _resolve_objectives(current, area)
    version.save()
    if objectives is not None:
        version.objectives.set(objectives)
    if "area" in fields and area.pk != question.area_id:
        question.area = area
        question.save(update_fields=["area"])
    return version


@transaction.atomic
def version_new_draft(*, question: Question, by: Any, from_version: QuestionVersion | None = None) -> QuestionVersion:
    """A new draft version copying ``from_version`` (default: the latest version); ``by`` becomes its author.

    Refused while the question already has a draft (at most one at a time) or is retired.
    """
    _require_role(by, Role.INSTRUCTOR, Role.OFFICER)
    question = Question.objects.select_for_update().get(pk=question.pk)
    _check_not_retired(question)
    existing = question.versions.filter(status=VersionStatus.DRAFT).first()
    if existing is not None:
        raise ConflictError(
            _("%(question)s already has a draft (version %(number)d); edit that one.")
            % {"question": question, "number": existing.number},
            {"draft_version": existing.pk},
            code="draft_exists",
        )
    source = from_version or question.versions.order_by("-number").first()
    if source is None or source.question_id != question.pk:
        raise ApplicationError(_("That version does not belong to this question."), code="invalid_version")
    number = (question.versions.aggregate(n=Max("number"))["n"] or 0) + 1
    draft = QuestionVersion(
        question=question,
        number=number,
        content=source.content,
        language=source.language,
        level=source.level,
        pool=source.pool,
        difficulty_estimate=source.difficulty_estimate,
        cognitive_level=source.cognitive_level,
        tags=list(source.tags),
        source_id=source.source_id,
        source_format=source.source_format,
        author=by,
    )
    draft.save()
    draft.objectives.set(source.objectives.all())
    question.latest_version = draft
    question.save(update_fields=["latest_version"])
    _record(draft, "", VersionStatus.DRAFT, by, _("New version from version %(number)d.") % {"number": source.number})
    return draft


# --------------------------------------------------------------------------- workflow


@transaction.atomic
def version_submit(*, version: QuestionVersion, by: Any, comment: str = "") -> QuestionVersion:
    """Submit a draft for review: its content and metadata are frozen from now on."""
    version = QuestionVersion.objects.select_for_update().select_related("question").get(pk=version.pk)
    _check_not_retired(version.question)
    if version.status != VersionStatus.DRAFT:
        raise ConflictError(
            _("Only a draft can be submitted; %(version)s is %(status)s.")
            % {"version": version.label, "status": version.get_status_display()},
            code="not_draft",
        )
    if version.author_id != getattr(by, "pk", None) and not _is_officer(by):
        raise ApplicationError(
            _("Only the author of a draft (or an exam officer) may submit it."), code="not_author", status=403
        )
    validated_content(version.content)
    version.status = VersionStatus.SUBMITTED
    version.submitted_at = timezone.now()
    version.save(update_fields=["status", "submitted_at"])
    _record(version, VersionStatus.DRAFT, VersionStatus.SUBMITTED, by, comment)
    return version


def approval_count(version: QuestionVersion) -> int:
    return version.reviews.filter(decision=ReviewDecision.APPROVE).values("reviewer").distinct().count()


@transaction.atomic
def version_review(*, version: QuestionVersion, reviewer: Any, decision: str, comment: str = "") -> Review:
    """Record a reviewer's decision on a version.

    * ``comment``: any reviewer or officer, or the version's author (a reply), on any version.
    * ``approve`` / ``request_changes``: reviewers only, on a submitted version, never on a version
      they wrote or of a question they created; one approval per reviewer. A request for changes
      moves the version to changes_requested (the author then makes a new draft). When distinct
      approvals reach :func:`approvals_required` for the pool, the version becomes approved and,
      if it is the newest approved one, the question's current version.
    """
    decision = _choice(decision, ReviewDecision, _("Decision"))
    comment = (comment or "").strip()
    version = QuestionVersion.objects.select_for_update().select_related("question").get(pk=version.pk)
    question = version.question
    if decision == ReviewDecision.COMMENT:
        if not comment:
            raise ApplicationError(_("A comment needs some text."), code="empty_comment")
        if version.author_id != getattr(reviewer, "pk", None):
            _require_role(reviewer, Role.REVIEWER, Role.OFFICER)
        return Review.objects.create(version=version, reviewer=reviewer, decision=decision, comment=comment)

    _require_role(reviewer, Role.REVIEWER)
    _check_not_retired(question)
    if version.status != VersionStatus.SUBMITTED:
        raise ConflictError(
            _("Only a submitted version can be reviewed; %(version)s is %(status)s.")
            % {"version": version.label, "status": version.get_status_display()},
            code="not_submitted",
        )
    if reviewer.pk in (version.author_id, question.created_by_id):
        raise ApplicationError(
            _("You cannot review a question you wrote; another reviewer must do it."), code="own_question", status=403
        )
    if decision == ReviewDecision.REQUEST_CHANGES:
        if not comment:
            raise ApplicationError(
                _("Say what should change: a request for changes needs a comment."), code="empty_comment"
            )
        review = Review.objects.create(version=version, reviewer=reviewer, decision=decision, comment=comment)
        version.status = VersionStatus.CHANGES_REQUESTED
        version.save(update_fields=["status"])
        _record(version, VersionStatus.SUBMITTED, VersionStatus.CHANGES_REQUESTED, reviewer, comment)
        return review

    if version.reviews.filter(decision=ReviewDecision.APPROVE, reviewer=reviewer).exists():
        raise ConflictError(_("You have already approved this version."), code="already_approved")
    try:
        with transaction.atomic():
            review = Review.objects.create(version=version, reviewer=reviewer, decision=decision, comment=comment)
    except IntegrityError:
        raise ConflictError(_("You have already approved this version."), code="already_approved")
    needed = approvals_required(version.pool)
    if approval_count(version) >= needed:
        _approve(version, reviewer, comment)
    return review


def _approve(version: QuestionVersion, actor: Any, comment: str) -> None:
    version.status = VersionStatus.APPROVED
    version.approved_at = timezone.now()
    version.save(update_fields=["status", "approved_at"])
    _record(version, VersionStatus.SUBMITTED, VersionStatus.APPROVED, actor, comment)
    question = Question.objects.select_for_update().get(pk=version.question_id)
    current = question.current_version
    if current is None or current.number < version.number:
        question.current_version = version
        question.save(update_fields=["current_version"])
    audit_record(
        action="question_bank.version_approved",
        actor=actor,
        target=version,
        summary=f"{version.label} approved ({version.pool})",
        data={"question": question.code, "version": version.number, "pool": version.pool},
    )


@transaction.atomic
def question_retire(*, question: Question, by: Any, comment: str = "") -> Question:
    """Retire a question: no new exam or draft will use it; its versions, reviews and statistics stay.

    Every non-retired version becomes retired (an exam that used one keeps pointing at it).
    """
    _require_role(by, Role.INSTRUCTOR, Role.OFFICER)
    question = Question.objects.select_for_update().get(pk=question.pk)
    if question.is_retired:
        raise ConflictError(_("%(question)s is already retired.") % {"question": question}, code="question_retired")
    if question.created_by_id != getattr(by, "pk", None) and not _is_officer(by):
        raise ApplicationError(
            _("Only the question's creator or an exam officer may retire it."), code="not_author", status=403
        )
    now = timezone.now()
    for version in question.versions.exclude(status=VersionStatus.RETIRED).order_by("number"):
        previous = version.status
        version.status = VersionStatus.RETIRED
        version.retired_at = now
        version.save(update_fields=["status", "retired_at"])
        _record(version, previous, VersionStatus.RETIRED, by, comment)
    question.is_retired = True
    question.retired_at = now
    question.save(update_fields=["is_retired", "retired_at"])
    audit_record(
        action="question_bank.question_retired",
        actor=by,
        target=question,
        summary=f"{question.code} retired",
        data={"question": question.code, "comment": comment or ""},
    )
    return question


# --------------------------------------------------------------------------- translations


def _check_translation_slot(group: Any, language: str, *, exclude: int | None) -> None:
    clash = QuestionVersion.objects.filter(
        question__translation_group=group, question__latest_version_id=F("pk"), language=language
    )
    if exclude is not None:
        clash = clash.exclude(question_id=exclude)
    if clash.exists():
        raise ConflictError(
            _("This translation group already has a question in %(language)s.")
            % {"language": dict(Language.choices)[language]},
            code="translation_clash",
        )


@transaction.atomic
def translation_link(*, a: Question, b: Question, by: Any) -> None:
    """Link ``b`` (and the questions already linked to it) as translations of ``a``.

    Refused when the merged group would hold two questions in the same language.
    """
    _require_role(by, Role.INSTRUCTOR, Role.OFFICER)
    if a.pk == b.pk:
        raise ApplicationError(_("A question cannot be its own translation."), code="translation_self")
    a = Question.objects.select_related("latest_version").get(pk=a.pk)
    b = Question.objects.select_related("latest_version").get(pk=b.pk)
    if a.translation_group == b.translation_group:
        return
    members = list(
        Question.objects.filter(translation_group__in=[a.translation_group, b.translation_group]).select_related(
            "latest_version"
        )
    )
    seen: dict[str, str] = {}
    for member in members:
        language = member.latest_version.language if member.latest_version else ""
        if language in seen:
            raise ConflictError(
                _("%(a)s and %(b)s are both in %(language)s; translations must be in different languages.")
                % {"a": seen[language], "b": member, "language": dict(Language.choices).get(language, language)},
                code="translation_clash",
            )
        seen[language] = str(member)
    Question.objects.filter(translation_group=b.translation_group).update(translation_group=a.translation_group)


# --------------------------------------------------------------------------- bulk actions


@dataclass
class BulkResult:
    """Outcome of a bulk action: every item done, or (on error) nothing done and ``errors`` per item."""

    done: list[Any] = field(default_factory=list)
    errors: dict[str, str] = field(default_factory=dict)


T = TypeVar("T")

NOTHING_SUBMITTED = gettext_lazy("Nothing was submitted: %(count)d of %(total)d questions were refused.")
NOTHING_RETIRED = gettext_lazy("Nothing was retired: %(count)d of %(total)d questions were refused.")
NOTHING_MOVED = gettext_lazy("Nothing was moved: %(count)d of %(total)d questions were refused.")


def _bulk(items: Sequence[T], label: Callable[[T], str], action: Callable[[T], Any], refused: Any) -> BulkResult:
    """Run ``action`` on each item in one transaction; on any refusal undo everything and report per item."""
    if not items:
        raise ApplicationError(_("Select at least one question."), code="empty_selection")
    result = BulkResult()
    with transaction.atomic():
        for item in items:
            try:
                with transaction.atomic():
                    result.done.append(action(item))
            except ApplicationError as error:
                result.errors[label(item)] = str(error.message)
        if result.errors:
            transaction.set_rollback(True)
    if result.errors:
        raise ApplicationError(
            str(refused) % {"count": len(result.errors), "total": len(items)},
            {"errors": result.errors},
            code="bulk_refused",
        )
    return result


def bulk_submit(*, questions: Sequence[Question], by: Any) -> BulkResult:
    """Submit the draft of every question; all or nothing."""

    def submit(question: Question) -> QuestionVersion:
        draft = question.versions.filter(status=VersionStatus.DRAFT).first()
        if draft is None:
            raise ConflictError(_("It has no draft to submit."), code="no_draft")
        return version_submit(version=draft, by=by)

    return _bulk(list(questions), str, submit, NOTHING_SUBMITTED)


def bulk_retire(*, questions: Sequence[Question], by: Any, comment: str = "") -> BulkResult:
    """Retire every question; all or nothing."""
    return _bulk(list(questions), str, lambda q: question_retire(question=q, by=by, comment=comment), NOTHING_RETIRED)


def bulk_move(*, questions: Sequence[Question], by: Any, area: Any = None, pool: str | None = None) -> BulkResult:
    """Move questions to another technique area and/or pool; all or nothing.

    The area belongs to the question and changes in place (its versions' objectives must fit the
    new area, so objectives are cleared from a draft and a question with objectives on frozen
    versions is refused). The pool belongs to the version, which is immutable once submitted: a
    draft changes in place; otherwise a new draft version in the new pool is made from the latest
    version, to go through review under the new pool's rule (the approved version stays usable
    until then).
    """
    if area is None and pool is None:
        raise ApplicationError(_("Choose a technique area or a pool to move to."), code="empty_move")
    if pool is not None:
        pool = _choice(pool, Pool, _("Pool"))
    _require_role(by, Role.INSTRUCTOR, Role.OFFICER)

    def move(question: Question) -> Question:
        question = Question.objects.select_for_update().get(pk=question.pk)
        _check_not_retired(question)
        if question.created_by_id != getattr(by, "pk", None) and not _is_officer(by):
            raise ApplicationError(
                _("Only the question's creator or an exam officer may move it."), code="not_author", status=403
            )
        if area is not None and area.pk != question.area_id:
            frozen = question.versions.exclude(status=VersionStatus.DRAFT).filter(objectives__isnull=False)
            if frozen.exists():
                raise ConflictError(
                    _(
                        "Its submitted versions have learning objectives of the current area; make a new version "
                        "with objectives of the new area instead."
                    ),
                    code="objective_area",
                )
            for draft in question.versions.filter(status=VersionStatus.DRAFT):
                draft.objectives.clear()
            question.area = area
            question.save(update_fields=["area"])
        if pool is not None:
            latest = question.versions.order_by("-number").first()
            if latest is not None and latest.pool != pool:
                if latest.status == VersionStatus.DRAFT:
                    version_update_draft(version=latest, by=by, pool=pool)
                else:
                    draft = version_new_draft(question=question, by=by)
                    version_update_draft(version=draft, by=by, pool=pool)
        return question

    return _bulk(list(questions), str, move, NOTHING_MOVED)


# --------------------------------------------------------------------------- media


def media_upload(*, file: Any, by: Any, filename: str = "") -> Media:
    """Store an uploaded image after checking it by content and re-encoding it without metadata.

    ``file`` is an uploaded file (or any object with ``read``) or bytes. The same picture uploaded
    twice is stored once (matched on the SHA-256 of the re-encoded bytes).
    """
    _require_role(by, Role.INSTRUCTOR, Role.OFFICER, Role.REVIEWER)
    max_bytes = int(getattr(settings, "QUESTION_BANK_MAX_IMAGE_BYTES", DEFAULT_MAX_BYTES))
    if isinstance(file, bytes | bytearray):
        data = bytes(file)
    else:
        size = getattr(file, "size", None)
        if size is not None and size > max_bytes:
            raise _image_error(ImageRejected("too_large", size=size, limit=max_bytes))
        data = file.read(max_bytes + 1)
        filename = filename or getattr(file, "name", "") or ""
    try:
        image = sanitize_image(data, max_bytes=max_bytes)
    except ImageRejected as rejected:
        raise _image_error(rejected)
    digest = hashlib.sha256(image.data).hexdigest()
    existing = Media.objects.filter(sha256=digest).first()
    if existing is not None:
        return existing
    media = Media(
        sha256=digest,
        mime=image.mime,
        width=image.width,
        height=image.height,
        size=len(image.data),
        original_name=(filename or "")[-200:].rsplit("/", 1)[-1],
        uploaded_by=by,
    )
    try:
        with transaction.atomic():
            media.file.save(f"{digest}{image.extension}", ContentFile(image.data), save=False)
            media.save()
    except IntegrityError:
        return Media.objects.get(sha256=digest)
    return media


def _image_error(rejected: ImageRejected) -> ApplicationError:
    template = IMAGE_MESSAGES.get(rejected.code)
    message = str(template).format(**rejected.params) if template is not None else str(rejected)
    return ApplicationError(message, {"reason": rejected.code}, code=f"image_{rejected.code}")
