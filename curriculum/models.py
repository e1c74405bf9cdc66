"""The curriculum: technique areas, learning objectives, case-volume requirements and logbooks.

Bilingual text is stored in ``*_zh`` / ``*_en`` pairs; ``localized(obj, "name")`` (and the
``name``/``text``/``label`` properties) return the active language's text, falling back to Chinese.
"""

from __future__ import annotations

import datetime

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _


def localized(obj: object, field: str) -> str:
    """``obj.<field>_en`` when English is active and it is filled in, else ``obj.<field>_zh``."""
    if (get_language() or "").startswith("en"):
        english = getattr(obj, f"{field}_en", "")
        if english:
            return english
    return getattr(obj, f"{field}_zh", "") or getattr(obj, f"{field}_en", "")


class Level(models.TextChoices):
    """Exam / objective level."""

    QUALIFYING = "Q", _("Qualifying level")
    ADVANCED = "A", _("Advanced level")


class AreaGroup(models.Model):
    """A heading grouping technique areas on the curriculum page (core skills, oncology, ...)."""

    code = models.SlugField(_("code"), max_length=30, unique=True)
    name_zh = models.CharField(_("name (Chinese)"), max_length=100)
    name_en = models.CharField(_("name (English)"), max_length=100)
    order = models.PositiveIntegerField(_("order"), default=0)

    class Meta:
        ordering = ["order", "code"]
        verbose_name = _("area group")
        verbose_name_plural = _("area groups")

    def __str__(self) -> str:
        return self.name

    @property
    def name(self) -> str:
        return localized(self, "name")


class TechniqueArea(models.Model):
    """A technique area (技术领域) such as TACE or TIPS; questions and logbook entries point at it."""

    code = models.CharField(
        _("code"),
        max_length=20,
        unique=True,
        help_text=_("Stable upper-case code, e.g. TACE or CORE-RAD."),
    )
    group = models.ForeignKey(AreaGroup, verbose_name=_("group"), on_delete=models.PROTECT, related_name="areas")
    name_zh = models.CharField(_("name (Chinese)"), max_length=200)
    name_en = models.CharField(_("name (English)"), max_length=200)
    description_zh = models.TextField(_("description (Chinese)"), blank=True)
    description_en = models.TextField(_("description (English)"), blank=True)
    order = models.PositiveIntegerField(_("order"), default=0)
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        ordering = ["order", "code"]
        verbose_name = _("technique area")
        verbose_name_plural = _("technique areas")

    def __str__(self) -> str:
        return f"{self.code} {self.name}"

    @property
    def name(self) -> str:
        return localized(self, "name")

    @property
    def description(self) -> str:
        return localized(self, "description")


class Objective(models.Model):
    """A learning objective (学习目标) of one area at one level, with a stable code like ``TACE-Q-03``."""

    code = models.CharField(_("code"), max_length=30, unique=True)
    area = models.ForeignKey(
        TechniqueArea, verbose_name=_("technique area"), on_delete=models.PROTECT, related_name="objectives"
    )
    level = models.CharField(_("level"), max_length=1, choices=Level.choices)
    text_zh = models.TextField(_("text (Chinese)"))
    text_en = models.TextField(_("text (English)"))
    order = models.PositiveIntegerField(_("order"), default=0)
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        ordering = ["area__order", "level", "order", "code"]
        verbose_name = _("learning objective")
        verbose_name_plural = _("learning objectives")
        indexes = [models.Index(fields=["area", "level"])]

    def __str__(self) -> str:
        return self.code

    @property
    def text(self) -> str:
        return localized(self, "text")


class OperatorRole(models.TextChoices):
    """The trainee's role in a logged procedure."""

    FIRST_OPERATOR = "first_operator", _("First operator")
    ASSISTANT = "assistant", _("Assistant")


class RequirementRole(models.TextChoices):
    """Which logbook roles a requirement counts."""

    FIRST_OPERATOR = "first_operator", _("As first operator")
    ANY = "any", _("As first operator or assistant")


class CaseRequirement(models.Model):
    """A case-volume minimum for one exam level.

    Counts VERIFIED logbook entries matching every filter: ``areas`` (none = any area), ``role``
    (``first_operator`` counts only first-operator entries, ``any`` counts both roles) and
    ``min_grade`` (procedure level 手术分级 at least this, or no filter).
    """

    code = models.CharField(_("code"), max_length=30, unique=True, help_text=_("e.g. Q-TACE"))
    level = models.CharField(_("level"), max_length=1, choices=Level.choices)
    label_zh = models.CharField(_("label (Chinese)"), max_length=200)
    label_en = models.CharField(_("label (English)"), max_length=200)
    areas = models.ManyToManyField(
        TechniqueArea,
        verbose_name=_("technique areas"),
        blank=True,
        related_name="requirements",
        help_text=_("Leave empty to count procedures of any area."),
    )
    role = models.CharField(_("role"), max_length=20, choices=RequirementRole.choices)
    min_grade = models.PositiveSmallIntegerField(
        _("minimum procedure level"),
        null=True,
        blank=True,
        validators=[MinValueValidator(1), MaxValueValidator(4)],
        help_text=_("Count only procedures of this level (手术分级) or higher; empty for any level."),
    )
    min_count = models.PositiveIntegerField(_("minimum number"), validators=[MinValueValidator(1)])
    source = models.CharField(_("source"), max_length=100, blank=True)
    order = models.PositiveIntegerField(_("order"), default=0)
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        ordering = ["level", "order", "code"]
        verbose_name = _("case-volume requirement")
        verbose_name_plural = _("case-volume requirements")

    def __str__(self) -> str:
        return self.code

    @property
    def label(self) -> str:
        return localized(self, "label")


class LevelRule(models.Model):
    """Per-level rules besides case volumes: minimum months of supervised training, prerequisite certificate.

    The certificate prerequisite is stored here but checked by the exams app (certificates sit above
    the curriculum).
    """

    level = models.CharField(_("level"), max_length=1, choices=Level.choices, unique=True)
    min_months = models.PositiveIntegerField(_("minimum months of supervised training"), default=0)
    requires_certificate_level = models.CharField(
        _("requires a certificate of level"), max_length=1, choices=Level.choices, blank=True
    )
    source = models.CharField(_("source"), max_length=100, blank=True)

    class Meta:
        ordering = ["level"]
        verbose_name = _("level rule")
        verbose_name_plural = _("level rules")

    def __str__(self) -> str:
        return f"{self.get_level_display()}"


class Supervision(models.Model):
    """An explicit instructor ↔ trainee assignment (in addition to sharing a training centre)."""

    instructor = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("instructor"), on_delete=models.CASCADE, related_name="+"
    )
    trainee = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("trainee"), on_delete=models.CASCADE, related_name="supervisions"
    )
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        constraints = [models.UniqueConstraint(fields=["instructor", "trainee"], name="supervision_unique_pair")]
        verbose_name = _("supervision")
        verbose_name_plural = _("supervisions")

    def __str__(self) -> str:
        return f"{self.instructor} → {self.trainee}"


class TrainingPeriod(models.Model):
    """A period of supervised IR training at a centre; only verified periods count towards months."""

    trainee = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("trainee"), on_delete=models.CASCADE, related_name="training_periods"
    )
    organization = models.ForeignKey(
        "accounts.Organization", verbose_name=_("training centre"), on_delete=models.PROTECT, related_name="+"
    )
    start = models.DateField(_("start"))
    end = models.DateField(_("end"), null=True, blank=True, help_text=_("Empty while the training is ongoing."))
    verified_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("verified by"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    verified_at = models.DateTimeField(_("verified at"), null=True, blank=True)

    class Meta:
        ordering = ["trainee", "start"]
        verbose_name = _("training period")
        verbose_name_plural = _("training periods")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(end__isnull=True) | models.Q(end__gte=models.F("start")),
                name="training_period_end_after_start",
            )
        ]

    def __str__(self) -> str:
        return f"{self.trainee} {self.start}–{self.end or '…'}"

    @property
    def is_verified(self) -> bool:
        return self.verified_at is not None


class Complication(models.TextChoices):
    """Complication grade (并发症分级): none, the SIR 2017 classification or the CIRSE grade 1–6."""

    NONE = "none", _("None")
    SIR_MILD = "sir_mild", _("SIR: mild")
    SIR_MODERATE = "sir_moderate", _("SIR: moderate")
    SIR_SEVERE = "sir_severe", _("SIR: severe")
    SIR_LIFE_THREATENING = "sir_life_threatening", _("SIR: life-threatening")
    SIR_DEATH = "sir_death", _("SIR: death")
    CIRSE_1 = "cirse_1", _("CIRSE grade 1")
    CIRSE_2 = "cirse_2", _("CIRSE grade 2")
    CIRSE_3 = "cirse_3", _("CIRSE grade 3")
    CIRSE_4 = "cirse_4", _("CIRSE grade 4")
    CIRSE_5 = "cirse_5", _("CIRSE grade 5")
    CIRSE_6 = "cirse_6", _("CIRSE grade 6")


class LogbookEntry(models.Model):
    """One procedure in a trainee's logbook (病例登记). Holds no patient identifiers by design."""

    class Status(models.TextChoices):
        PENDING = "pending", _("Pending verification")
        VERIFIED = "verified", _("Verified")
        REJECTED = "rejected", _("Rejected")

    trainee = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("trainee"), on_delete=models.CASCADE, related_name="logbook_entries"
    )
    performed_on = models.DateField(_("date of procedure"))
    area = models.ForeignKey(
        TechniqueArea, verbose_name=_("technique area"), on_delete=models.PROTECT, related_name="logbook_entries"
    )
    grade = models.PositiveSmallIntegerField(
        _("procedure level"), validators=[MinValueValidator(1), MaxValueValidator(4)]
    )
    role = models.CharField(_("role"), max_length=20, choices=OperatorRole.choices)
    supervisor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("supervising instructor"),
        on_delete=models.PROTECT,
        related_name="supervised_logbook_entries",
    )
    complication = models.CharField(
        _("complication grade"), max_length=24, choices=Complication.choices, default=Complication.NONE
    )
    note = models.TextField(_("note"), blank=True, max_length=1000)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.PENDING)
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("reviewed by"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    reviewed_at = models.DateTimeField(_("reviewed at"), null=True, blank=True)
    rejection_reason = models.CharField(_("reason for rejection"), max_length=500, blank=True)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)

    class Meta:
        ordering = ["-performed_on", "-id"]
        verbose_name = _("logbook entry")
        verbose_name_plural = _("logbook entries")
        permissions = [("verify_logbookentry", _("Can verify or reject logbook entries"))]
        indexes = [
            models.Index(fields=["trainee", "status"]),
            models.Index(fields=["supervisor", "status"]),
        ]
        constraints = [
            models.CheckConstraint(condition=models.Q(grade__gte=1, grade__lte=4), name="logbook_grade_1_to_4"),
        ]

    def __str__(self) -> str:
        return f"{self.performed_on} {self.area_id} {self.get_role_display()}"

    @property
    def is_editable(self) -> bool:
        """A trainee may change or delete an entry until it is verified."""
        return self.status != self.Status.VERIFIED

    def is_in_future(self, today: datetime.date | None = None) -> bool:
        return self.performed_on > (today or timezone.localdate())
