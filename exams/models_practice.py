"""Practice mode (issue 9): sessions, their items and answers, bookmarks and problem reports.

Practice items come only from the practice pool (``exams.selectors_practice.practice_versions`` is
the one place that decides which versions qualify). A ``PracticeItem`` keeps the exact version it
showed, the answer as saved (ordered by the client's sequence number, like an exam response) and
its score, so mastery is a few aggregate queries over these rows.
"""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class PracticeSession(models.Model):
    class Mode(models.TextChoices):
        TUTOR = "tutor", _("Tutor (feedback after each answer)")
        SIMULATION = "simulation", _("Exam simulation (timed, feedback at the end)")
        ADAPTIVE = "adaptive", _("Adaptive (questions near your level)")

    class Source(models.TextChoices):
        SELECTION = "selection", _("Chosen areas and objectives")
        MISSED = "missed", _("Questions I missed")
        BOOKMARKS = "bookmarks", _("My bookmarks")

    class Status(models.TextChoices):
        IN_PROGRESS = "in_progress", _("In progress")
        FINISHED = "finished", _("Finished")

    trainee = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="practice_sessions")
    mode = models.CharField(_("mode"), max_length=12, choices=Mode.choices)
    source = models.CharField(_("questions from"), max_length=12, choices=Source.choices, default=Source.SELECTION)
    level = models.CharField(_("level"), max_length=1, blank=True)
    area_ids = models.JSONField(_("technique areas"), default=list, blank=True)
    objective_ids = models.JSONField(_("learning objectives"), default=list, blank=True)
    target_count = models.PositiveSmallIntegerField(_("number of questions"))
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.IN_PROGRESS, db_index=True)
    started_at = models.DateTimeField(default=timezone.now)
    deadline_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    option_orders = models.JSONField(default=dict, blank=True)
    # Adaptive mode: the current ability estimate (logits) and why the session stopped.
    theta = models.FloatField(null=True, blank=True)
    theta_se = models.FloatField(null=True, blank=True)
    stop_reason = models.CharField(max_length=20, blank=True)

    class Meta:
        ordering = ["-started_at", "-id"]
        indexes = [models.Index(fields=["trainee", "-started_at"], name="practice_session_trainee")]
        verbose_name = _("practice session")
        verbose_name_plural = _("practice sessions")

    def __str__(self) -> str:
        return f"practice {self.pk} ({self.trainee_id}, {self.mode})"

    @property
    def is_finished(self) -> bool:
        return self.status == self.Status.FINISHED

    def is_past_deadline(self, now=None, grace_seconds: int = 0) -> bool:
        if self.deadline_at is None:
            return False
        return (now or timezone.now()) > self.deadline_at + timedelta(seconds=grace_seconds)

    def seconds_left(self, now=None) -> int | None:
        if self.deadline_at is None:
            return None
        if self.is_finished:
            return 0
        return max(0, int((self.deadline_at - (now or timezone.now())).total_seconds()))


class PracticeItem(models.Model):
    """One question of a session: the version shown, the latest answer (``seq`` orders saves), its score."""

    session = models.ForeignKey(PracticeSession, on_delete=models.CASCADE, related_name="items")
    position = models.PositiveIntegerField()
    version = models.ForeignKey("question_bank.QuestionVersion", on_delete=models.PROTECT, related_name="+")
    area = models.ForeignKey("curriculum.TechniqueArea", on_delete=models.PROTECT, related_name="+")
    difficulty = models.FloatField(null=True, blank=True, help_text="Rasch difficulty (logits) used to select it.")
    answer = models.JSONField(default=dict, blank=True)
    seq = models.BigIntegerField(default=0)
    saved_at = models.DateTimeField(null=True, blank=True)
    score = models.FloatField(null=True, blank=True)
    max_score = models.FloatField(default=1.0)
    correct = models.BooleanField(null=True, blank=True)

    class Meta:
        ordering = ["session", "position"]
        constraints = [models.UniqueConstraint(fields=["session", "position"], name="practiceitem_unique_position")]
        indexes = [models.Index(fields=["version", "correct"], name="practiceitem_version_correct")]
        verbose_name = _("practice item")
        verbose_name_plural = _("practice items")

    def __str__(self) -> str:
        return f"{self.session_id}#{self.position} seq {self.seq}"

    @property
    def is_answered(self) -> bool:
        return self.correct is not None


class PracticeBookmark(models.Model):
    trainee = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    question = models.ForeignKey("question_bank.Question", on_delete=models.CASCADE, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-created_at"]
        constraints = [models.UniqueConstraint(fields=["trainee", "question"], name="practicebookmark_unique")]
        verbose_name = _("bookmark")
        verbose_name_plural = _("bookmarks")

    def __str__(self) -> str:
        return f"{self.trainee_id} ★ {self.question_id}"


class ItemProblemReport(models.Model):
    """A trainee's report of a problem with a practice item; its author reads and resolves it."""

    class Status(models.TextChoices):
        OPEN = "open", _("Open")
        RESOLVED = "resolved", _("Resolved")

    version = models.ForeignKey("question_bank.QuestionVersion", on_delete=models.PROTECT, related_name="+")
    item = models.ForeignKey(PracticeItem, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    reporter = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    text = models.TextField(_("problem"), max_length=2000)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.OPEN)
    created_at = models.DateTimeField(default=timezone.now)
    resolved_at = models.DateTimeField(null=True, blank=True)
    resolved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    resolution = models.TextField(_("reply"), blank=True, max_length=2000)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("item problem report")
        verbose_name_plural = _("item problem reports")

    def __str__(self) -> str:
        return f"problem with {self.version_id} ({self.status})"
