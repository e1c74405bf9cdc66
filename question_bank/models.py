"""Questions, their immutable versions, reviews, transitions, media and item statistics.

The shape (see docs/question-content.md for the content JSON):

* :class:`Question` is the stable identity of an item: a public code (``Q-000123``), the technique
  area, who created it, and the ``translation_group`` it shares with its translations. It points at
  its newest version (``latest_version``) and at its newest *approved* version (``current_version``,
  the one new exams use).
* :class:`QuestionVersion` holds the content and the item metadata. A version is editable only while
  it is a draft; once submitted its content and metadata are frozen (``save()`` refuses a change and
  a signal refuses changes to its objectives). Editing an approved item makes a new draft version.
* :class:`Review` (per version), :class:`VersionTransition` (every status change),
  :class:`Media` (re-encoded images), :class:`ItemStatistic` (item analysis history per version).
"""

from __future__ import annotations

import uuid
from typing import Any

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models.signals import m2m_changed
from django.dispatch import receiver
from django.utils.translation import gettext_lazy as _

from question_bank.content import iter_text_fields, media_refs, normalised_fingerprint, validate_content


class QuestionType(models.TextChoices):
    SBA = "sba", _("Single best answer")
    MRQ = "mrq", _("Multiple response")
    TF = "tf", _("True/false")
    EMQ = "emq", _("Extended matching")
    ORDER = "order", _("Ordering")
    CASE = "case", _("Case set")


class Level(models.TextChoices):
    QUALIFYING = "Q", _("Qualifying")
    ADVANCED = "A", _("Advanced")


class Pool(models.TextChoices):
    SECURE = "secure", _("Secure exam")
    PRACTICE = "practice", _("Practice")


class CognitiveLevel(models.TextChoices):
    RECALL = "recall", _("Recall")
    APPLICATION = "application", _("Application")
    ANALYSIS = "analysis", _("Analysis")


class Language(models.TextChoices):
    ZH_HANS = "zh-hans", "简体中文"
    EN = "en", "English"


class VersionStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    SUBMITTED = "submitted", _("Submitted")
    APPROVED = "approved", _("Approved")
    CHANGES_REQUESTED = "changes_requested", _("Changes requested")
    RETIRED = "retired", _("Retired")


class ReviewDecision(models.TextChoices):
    APPROVE = "approve", _("Approve")
    REQUEST_CHANGES = "request_changes", _("Request changes")
    COMMENT = "comment", _("Comment")


class MediaKind(models.TextChoices):
    IMAGE = "image", _("Image")
    DICOM = "dicom", _("DICOM")


class ImmutableVersionError(ValueError):
    """A write tried to change the content or metadata of a version that is no longer a draft."""


def unit_ids(content: dict[str, Any]) -> list[str]:
    """The scoring unit ids of a (validated) content object, per docs/question-content.md."""
    qtype = content.get("type")
    if qtype == "emq":
        return [str(s.get("id", "")) for s in content.get("stems") or []]
    if qtype == "case":
        return [str(q.get("id", "")) for stage in content.get("stages") or [] for q in stage.get("questions") or []]
    return [""]


def search_text_for(content: dict[str, Any], tags: Any = ()) -> str:
    """Every text of the content and the tags, case-folded, one per line (for substring search).

    Kept as plain text because a JSON column is stored with ``\\u`` escapes on SQLite, where a
    search for Chinese words inside it would never match.
    """
    parts = [text for _path, text in iter_text_fields(content) if text]
    parts.extend(str(tag) for tag in tags or [] if tag)
    return "\n".join(parts).casefold()


class Question(models.Model):
    """The stable identity of an item across its versions."""

    code = models.CharField(_("code"), max_length=20, unique=True, null=True, blank=True, editable=False)
    source_id = models.CharField(
        _("source identifier"),
        max_length=120,
        blank=True,
        help_text=_("Where the item came from (an import file's id, or demo:<id>:<language>)."),
    )
    area = models.ForeignKey(
        "curriculum.TechniqueArea",
        verbose_name=_("technique area"),
        on_delete=models.PROTECT,
        related_name="questions",
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("created by"),
        on_delete=models.PROTECT,
        related_name="questions_created",
    )
    translation_group = models.UUIDField(_("translation group"), default=uuid.uuid4, db_index=True)
    latest_version = models.ForeignKey(
        "QuestionVersion",
        verbose_name=_("latest version"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    current_version = models.ForeignKey(
        "QuestionVersion",
        verbose_name=_("current approved version"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    is_retired = models.BooleanField(_("retired"), default=False)
    retired_at = models.DateTimeField(_("retired at"), null=True, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        ordering = ["-id"]
        verbose_name = _("question")
        verbose_name_plural = _("questions")
        constraints = [
            models.UniqueConstraint(
                fields=["source_id"],
                condition=~models.Q(source_id=""),
                name="question_source_id_unique",
            ),
        ]

    def __str__(self) -> str:
        return self.code or f"Q-{self.pk or 0:06d}"

    @staticmethod
    def code_for(pk: int) -> str:
        return f"Q-{pk:06d}"


class QuestionVersion(models.Model):
    """One immutable state of a question: content plus metadata.

    While ``status`` is draft everything may change; after that only the status and its
    timestamps do. ``save()`` validates the content on every write and derives ``type``,
    ``fingerprint``, ``unit_count`` and ``has_media`` from it.
    """

    #: Fields frozen once the version has left the draft status.
    FROZEN_FIELDS: tuple[str, ...] = (
        "question_id",
        "number",
        "content",
        "type",
        "language",
        "level",
        "pool",
        "difficulty_estimate",
        "cognitive_level",
        "tags",
        "fingerprint",
        "unit_count",
        "has_media",
        "search_text",
        "source_id",
        "source_format",
        "author_id",
    )

    question = models.ForeignKey(
        Question, verbose_name=_("question"), on_delete=models.CASCADE, related_name="versions"
    )
    number = models.PositiveIntegerField(_("version number"))
    status = models.CharField(
        _("status"), max_length=20, choices=VersionStatus.choices, default=VersionStatus.DRAFT, db_index=True
    )
    content = models.JSONField(_("content"))
    type = models.CharField(_("type"), max_length=8, choices=QuestionType.choices, db_index=True)
    language = models.CharField(_("language"), max_length=8, choices=Language.choices, default=Language.ZH_HANS)
    level = models.CharField(_("level"), max_length=1, choices=Level.choices)
    pool = models.CharField(_("pool"), max_length=10, choices=Pool.choices)
    objectives = models.ManyToManyField(
        "curriculum.Objective", verbose_name=_("learning objectives"), blank=True, related_name="question_versions"
    )
    difficulty_estimate = models.FloatField(
        _("author's difficulty estimate"),
        null=True,
        blank=True,
        validators=[MinValueValidator(0.0), MaxValueValidator(1.0)],
        help_text=_("Expected proportion of borderline candidates answering correctly (0–1)."),
    )
    cognitive_level = models.CharField(
        _("cognitive level"), max_length=12, choices=CognitiveLevel.choices, default=CognitiveLevel.RECALL
    )
    tags = models.JSONField(_("tags"), default=list, blank=True)
    fingerprint = models.CharField(_("fingerprint"), max_length=64, db_index=True, editable=False)
    unit_count = models.PositiveIntegerField(_("scoring units"), default=1, editable=False)
    has_media = models.BooleanField(_("has media"), default=False, editable=False)
    search_text = models.TextField(_("search text"), blank=True, editable=False)
    source_id = models.CharField(_("source identifier"), max_length=120, blank=True)
    source_format = models.CharField(_("source format"), max_length=20, blank=True)
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("author"),
        on_delete=models.PROTECT,
        related_name="question_versions_authored",
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    submitted_at = models.DateTimeField(_("submitted at"), null=True, blank=True)
    approved_at = models.DateTimeField(_("approved at"), null=True, blank=True)
    retired_at = models.DateTimeField(_("retired at"), null=True, blank=True)

    class Meta:
        ordering = ["question_id", "number"]
        verbose_name = _("question version")
        verbose_name_plural = _("question versions")
        constraints = [
            models.UniqueConstraint(fields=["question", "number"], name="question_version_number_unique"),
            models.UniqueConstraint(
                fields=["question"],
                condition=models.Q(status="draft"),
                name="question_version_one_draft",
            ),
        ]
        indexes = [models.Index(fields=["status", "pool", "level"], name="qv_status_pool_level")]

    def __str__(self) -> str:
        return f"{self.question} v{self.number}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        """Validate and derive while a draft; once the stored row has left draft, refuse any change to
        the frozen fields (the stored row is read, so a stale in-memory copy cannot slip through)."""
        if self.pk is not None:
            stored = type(self).objects.filter(pk=self.pk).values("status", *self.FROZEN_FIELDS).first()
            if stored is not None and stored["status"] != VersionStatus.DRAFT:
                changed = [name for name in self.FROZEN_FIELDS if getattr(self, name) != stored[name]]
                if changed:
                    raise ImmutableVersionError(
                        f"{self.label} is {stored['status']}; its {', '.join(changed)} can no longer change."
                    )
                super().save(*args, **kwargs)
                return
        self.derive_from_content()
        super().save(*args, **kwargs)

    @property
    def is_editable(self) -> bool:
        return self.status == VersionStatus.DRAFT

    @property
    def label(self) -> str:
        return f"{self.question} v{self.number}"

    def unit_ids(self) -> list[str]:
        return unit_ids(self.content)

    def derive_from_content(self) -> None:
        """Validate ``content`` (raising ContentError) and refresh the fields derived from it."""
        content = validate_content(self.content)
        self.content = content
        self.type = content["type"]
        self.fingerprint = normalised_fingerprint(content)
        self.unit_count = len(unit_ids(content))
        self.has_media = bool(media_refs(content))
        self.search_text = search_text_for(content, self.tags)


@receiver(m2m_changed, sender=QuestionVersion.objectives.through)
def _objectives_frozen(sender, instance, action, reverse, **kwargs) -> None:
    """Refuse objective changes on versions that are no longer drafts."""
    if action not in ("pre_add", "pre_remove", "pre_clear"):
        return
    if reverse:
        if action == "pre_clear":
            frozen = instance.question_versions.exclude(status=VersionStatus.DRAFT)
        else:
            frozen = QuestionVersion.objects.filter(pk__in=kwargs.get("pk_set") or set())
            frozen = frozen.exclude(status=VersionStatus.DRAFT)
        if frozen.exists():
            raise ImmutableVersionError("Objectives of submitted versions can no longer change.")
        return
    if instance.pk is not None:
        stored = QuestionVersion.objects.filter(pk=instance.pk).values_list("status", flat=True).first()
        if stored not in (None, VersionStatus.DRAFT):
            raise ImmutableVersionError(f"{instance.label} is {stored}; its objectives can no longer change.")


class Review(models.Model):
    """A reviewer's decision or comment on one version."""

    version = models.ForeignKey(
        QuestionVersion, verbose_name=_("version"), on_delete=models.CASCADE, related_name="reviews"
    )
    reviewer = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("reviewer"), on_delete=models.PROTECT, related_name="question_reviews"
    )
    decision = models.CharField(_("decision"), max_length=16, choices=ReviewDecision.choices)
    comment = models.TextField(_("comment"), blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        ordering = ["created_at", "id"]
        verbose_name = _("review")
        verbose_name_plural = _("reviews")
        constraints = [
            models.UniqueConstraint(
                fields=["version", "reviewer"],
                condition=models.Q(decision="approve"),
                name="review_one_approval_per_reviewer",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.version} — {self.get_decision_display()} ({self.reviewer})"


class VersionTransition(models.Model):
    """One status change of a version: who, when, from what to what, and why."""

    version = models.ForeignKey(
        QuestionVersion, verbose_name=_("version"), on_delete=models.CASCADE, related_name="transitions"
    )
    from_status = models.CharField(_("from"), max_length=20, choices=VersionStatus.choices, blank=True)
    to_status = models.CharField(_("to"), max_length=20, choices=VersionStatus.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("actor"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    comment = models.TextField(_("comment"), blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        ordering = ["created_at", "id"]
        verbose_name = _("version transition")
        verbose_name_plural = _("version transitions")

    def __str__(self) -> str:
        return f"{self.version}: {self.from_status or '∅'} → {self.to_status}"


def media_upload_to(instance: Media, filename: str) -> str:
    return f"question_media/{instance.sha256[:2]}/{instance.sha256}{_EXTENSIONS.get(instance.mime, '.bin')}"


_EXTENSIONS = {"image/png": ".png", "image/jpeg": ".jpg"}


class Media(models.Model):
    """An uploaded image, re-encoded from its pixels (no metadata survives) and stored once per content."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    kind = models.CharField(_("kind"), max_length=8, choices=MediaKind.choices, default=MediaKind.IMAGE)
    sha256 = models.CharField(_("SHA-256"), max_length=64, unique=True)
    file = models.FileField(_("file"), upload_to=media_upload_to, max_length=200)
    mime = models.CharField(_("MIME type"), max_length=40)
    width = models.PositiveIntegerField(_("width"))
    height = models.PositiveIntegerField(_("height"))
    size = models.PositiveIntegerField(_("size in bytes"))
    original_name = models.CharField(_("original file name"), max_length=200, blank=True)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("uploaded by"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("media")
        verbose_name_plural = _("media")

    def __str__(self) -> str:
        return f"{self.id} ({self.mime}, {self.width}×{self.height})"


def dicom_original_upload_to(instance: DicomSeries, filename: str) -> str:
    """Kept originals (de-identified DICOM files, zipped) live apart from the served blobs, never served
    to candidates."""
    return f"dicom_originals/{uuid.uuid4().hex}.zip"


class DicomSeries(models.Model):
    """A DICOM series converted once for the browser viewer; its :class:`Media` row holds the pixel blob.

    ``manifest`` is display data only (geometry, data type, windows, frame rate: see
    ``question_bank.dicom.convert``) and is what candidates receive. ``deidentification`` is the
    de-identification report, shown to instructors and officers only. ``original`` is a zip of the
    de-identified DICOM files, kept only when the officer's :class:`DicomPolicy` allows it; the
    identified upload itself is never stored.
    """

    media = models.OneToOneField(
        Media, verbose_name=_("media"), primary_key=True, on_delete=models.CASCADE, related_name="dicom"
    )
    modality = models.CharField(_("modality"), max_length=16, blank=True)
    frame_count = models.PositiveIntegerField(_("frames"))
    manifest = models.JSONField(_("viewer manifest"))
    manifest_sha256 = models.CharField(_("manifest SHA-256"), max_length=64)
    deidentification = models.JSONField(_("de-identification report"), default=dict)
    burned_in_confirmed_absent = models.BooleanField(_("no burned-in text confirmed"), default=False)
    original = models.FileField(_("kept original"), upload_to=dicom_original_upload_to, max_length=200, blank=True)
    original_size = models.PositiveBigIntegerField(_("kept original size"), null=True, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("DICOM series")
        verbose_name_plural = _("DICOM series")

    def __str__(self) -> str:
        return f"{self.modality or 'DICOM'} {self.frame_count} × {self.media.width}×{self.media.height} ({self.pk})"

    @property
    def keeps_original(self) -> bool:
        return bool(self.original)


class DicomPolicy(models.Model):
    """The officer's DICOM storage policy (one row): whether uploads keep their de-identified originals."""

    keep_originals = models.BooleanField(
        _("keep originals"),
        default=False,
        help_text=_("Keep a zip of the de-identified DICOM files next to the converted series."),
    )
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("updated by"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("DICOM policy")
        verbose_name_plural = _("DICOM policy")

    def __str__(self) -> str:
        return f"keep_originals={self.keep_originals}"

    @classmethod
    def current(cls) -> DicomPolicy:
        """The policy row (defaults until an officer saves one)."""
        return cls.objects.filter(pk=1).first() or cls(pk=1)


class ItemStatistic(models.Model):
    """Item analysis of one scoring unit of one version from one source (a sitting, or practice)."""

    version = models.ForeignKey(
        QuestionVersion, verbose_name=_("version"), on_delete=models.CASCADE, related_name="statistics"
    )
    unit_id = models.CharField(_("unit"), max_length=32, blank=True)
    source = models.CharField(_("source"), max_length=64, help_text=_("For example sitting:<id> or practice."))
    computed_at = models.DateTimeField(_("computed at"))
    n = models.PositiveIntegerField(_("responses"))
    p_value = models.FloatField(_("difficulty (p)"), null=True, blank=True)
    rpb = models.FloatField(_("point-biserial"), null=True, blank=True)
    d_index = models.FloatField(_("discrimination index"), null=True, blank=True)
    b = models.FloatField(_("Rasch difficulty"), null=True, blank=True)
    b_se = models.FloatField(_("Rasch difficulty SE"), null=True, blank=True)
    omit_rate = models.FloatField(_("omit rate"), null=True, blank=True)
    flags = models.JSONField(_("flags"), default=list, blank=True)

    class Meta:
        ordering = ["-computed_at", "id"]
        verbose_name = _("item statistic")
        verbose_name_plural = _("item statistics")
        indexes = [models.Index(fields=["version", "unit_id"], name="itemstat_version_unit")]

    def __str__(self) -> str:
        return f"{self.version} [{self.unit_id or '-'}] {self.source}"


class ImportJobStatus(models.TextChoices):
    PENDING = "pending", _("Waiting to be read")
    PARSED = "parsed", _("Read; waiting for confirmation")
    RUNNING = "running", _("Importing")
    DONE = "done", _("Imported")
    FAILED = "failed", _("Failed")


def import_upload_to(instance: ImportJob, filename: str) -> str:
    """Uploaded import files live under MEDIA_ROOT/imports/ with a random name (never served)."""
    suffix = filename.rsplit(".", 1)[-1][:8] if "." in filename else "bin"
    return f"imports/{uuid.uuid4().hex}.{suffix}"


class ImportJob(models.Model):
    """One web import: the uploaded file, the parse preview and, once confirmed, its outcome.

    ``report`` holds the preview (questions rendered for the page, problems and warnings);
    ``result`` the created versions or the refusal. Parsing and importing large files run as
    Celery tasks that update ``progress`` (0–100).
    """

    file = models.FileField(_("file"), upload_to=import_upload_to, max_length=200)
    original_name = models.CharField(_("original file name"), max_length=200)
    format = models.CharField(_("format"), max_length=10)
    encoding = models.CharField(_("encoding"), max_length=20, blank=True)
    area = models.ForeignKey(
        "curriculum.TechniqueArea", verbose_name=_("technique area"), on_delete=models.PROTECT, related_name="+"
    )
    pool = models.CharField(_("pool"), max_length=10, choices=Pool.choices, blank=True)
    allow_duplicates = models.BooleanField(_("duplicates acknowledged"), default=False)
    status = models.CharField(
        _("status"), max_length=10, choices=ImportJobStatus.choices, default=ImportJobStatus.PENDING
    )
    progress = models.PositiveSmallIntegerField(_("progress"), default=0)
    report = models.JSONField(_("preview"), default=dict, blank=True)
    result = models.JSONField(_("result"), default=dict, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("created by"), on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        ordering = ["-id"]
        verbose_name = _("import")
        verbose_name_plural = _("imports")

    def __str__(self) -> str:
        return f"{self.original_name} ({self.get_status_display()})"
