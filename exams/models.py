"""Exams, blueprints, forms, sittings, registrations, attempts, responses and results.

Time is the server's: an attempt's ``deadline_at`` is computed by the services
(start + paper duration + accommodation + extensions + paused time) and stored,
so the answer-save path compares one indexed row against ``now()``.
"""

import secrets
from datetime import timedelta

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _


class Level(models.TextChoices):
    QUALIFYING = "Q", _("Qualifying (access) exam")
    ADVANCED = "A", _("Advanced qualification exam")


class Bilingual:
    """``title`` in the active language, falling back to the other one."""

    def localized(self, field: str) -> str:
        english = (get_language() or "").startswith("en")
        zh, en = getattr(self, f"{field}_zh", ""), getattr(self, f"{field}_en", "")
        return (en or zh) if english else (zh or en)

    @property
    def title(self) -> str:
        return self.localized("title")


class Exam(Bilingual, models.Model):
    class PassRule(models.TextChoices):
        CONJUNCTIVE = "conjunctive", _("Conjunctive (every paper must be passed)")
        COMPENSATORY = "compensatory", _("Compensatory (total score)")

    class Purpose(models.TextChoices):
        SECURE = "secure", _("Credentialing exam (secure items)")
        PRACTICE = "practice", _("Practice exam (practice items)")

    code = models.SlugField(_("code"), max_length=40, unique=True)
    title_zh = models.CharField(_("title (Chinese)"), max_length=200)
    title_en = models.CharField(_("title (English)"), max_length=200, blank=True)
    level = models.CharField(_("level"), max_length=1, choices=Level.choices)
    language = models.CharField(_("language"), max_length=8, default="zh-hans")
    purpose = models.CharField(_("purpose"), max_length=10, choices=Purpose.choices, default=Purpose.SECURE)
    pass_rule = models.CharField(_("pass rule"), max_length=12, choices=PassRule.choices, default=PassRule.CONJUNCTIVE)
    rules_zh = models.TextField(_("rules for candidates (Chinese)"), blank=True)
    rules_en = models.TextField(_("rules for candidates (English)"), blank=True)
    # Eligibility rules beyond the curriculum's case-volume requirements.
    requires_certificate_level = models.CharField(
        _("requires a certificate of level"), max_length=1, choices=Level.choices, blank=True
    )
    max_attempts = models.PositiveSmallIntegerField(_("attempts allowed"), default=4)
    attempts_period_days = models.PositiveIntegerField(_("within (days)"), default=3 * 365)
    retake_wait_days = models.PositiveIntegerField(_("waiting period after a fail (days)"), default=90)
    # Reporting scale: scaled scores run from scale_min to scale_max with the cut at scale_cut.
    scale_min = models.PositiveSmallIntegerField(default=100)
    scale_max = models.PositiveSmallIntegerField(default=500)
    scale_cut = models.PositiveSmallIntegerField(default=300)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["code"]
        verbose_name = _("exam")
        verbose_name_plural = _("exams")

    def __str__(self) -> str:
        return f"{self.code} {self.title}"


class Paper(Bilingual, models.Model):
    """A part of an exam (分卷) with its own duration and blueprint."""

    exam = models.ForeignKey(Exam, on_delete=models.CASCADE, related_name="papers")
    number = models.PositiveSmallIntegerField(_("number"))
    title_zh = models.CharField(_("title (Chinese)"), max_length=200)
    title_en = models.CharField(_("title (English)"), max_length=200, blank=True)
    duration_minutes = models.PositiveIntegerField(_("duration (minutes)"))
    item_count = models.PositiveIntegerField(_("number of items"))

    class Meta:
        ordering = ["exam", "number"]
        constraints = [models.UniqueConstraint(fields=["exam", "number"], name="paper_unique_number")]
        verbose_name = _("paper")
        verbose_name_plural = _("papers")

    def __str__(self) -> str:
        return f"{self.exam.code} P{self.number}"

    @property
    def duration(self) -> timedelta:
        return timedelta(minutes=self.duration_minutes)


class BlueprintRow(models.Model):
    """Blueprint: ``count`` items from an area (optionally an objective, level, item type).

    A case set counts as one item here and brings all its stage questions.
    """

    paper = models.ForeignKey(Paper, on_delete=models.CASCADE, related_name="blueprint_rows")
    area = models.ForeignKey("curriculum.TechniqueArea", on_delete=models.PROTECT, related_name="+")
    objective = models.ForeignKey(
        "curriculum.Objective", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    level = models.CharField(_("level"), max_length=1, choices=Level.choices, blank=True)
    item_type = models.CharField(_("item type"), max_length=8, blank=True)
    count = models.PositiveIntegerField(_("items"))
    min_image_items = models.PositiveIntegerField(_("at least this many with images"), default=0)
    min_difficulty = models.FloatField(_("easiest allowed (expected proportion correct ≤)"), null=True, blank=True)
    max_difficulty = models.FloatField(_("hardest allowed (expected proportion correct ≥)"), null=True, blank=True)
    order = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["paper", "order", "id"]
        verbose_name = _("blueprint row")
        verbose_name_plural = _("blueprint rows")

    def __str__(self) -> str:
        return f"{self.paper}: {self.count} × {self.area_id}"


class Sitting(models.Model):
    """One administration of an exam (考试场次) with its window, proctors and forms."""

    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        SCHEDULED = "scheduled", _("Scheduled")
        CLOSED = "closed", _("Closed")
        KEY_VALIDATION = "key_validation", _("Key validation")
        RELEASED = "released", _("Results released")
        CANCELLED = "cancelled", _("Cancelled")

    class FormMode(models.TextChoices):
        FIXED = "fixed", _("Fixed parallel forms")
        PER_CANDIDATE = "per_candidate", _("One form per candidate")

    exam = models.ForeignKey(Exam, on_delete=models.PROTECT, related_name="sittings")
    code = models.SlugField(_("code"), max_length=60, unique=True)
    opens_at = models.DateTimeField(_("opens at"))
    closes_at = models.DateTimeField(_("closes at"))
    time_zone = models.CharField(_("time zone"), max_length=64, default="Asia/Shanghai")
    access_code = models.CharField(_("access code"), max_length=32, blank=True)
    status = models.CharField(_("status"), max_length=16, choices=Status.choices, default=Status.DRAFT)
    form_mode = models.CharField(_("form mode"), max_length=16, choices=FormMode.choices, default=FormMode.FIXED)
    form_count = models.PositiveSmallIntegerField(_("parallel forms"), default=2)
    exposure_limit = models.FloatField(
        _("exposure limit"),
        default=0.5,
        help_text=_("Largest share of forms (per-candidate mode) one item may appear in."),
    )
    grace_seconds = models.PositiveSmallIntegerField(_("network grace (seconds)"), default=30)
    proctors = models.ManyToManyField(settings.AUTH_USER_MODEL, blank=True, related_name="proctored_sittings")
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)
    assembled_at = models.DateTimeField(null=True, blank=True)
    key_validation_closed_at = models.DateTimeField(null=True, blank=True)
    released_at = models.DateTimeField(null=True, blank=True)
    released_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["-opens_at"]
        verbose_name = _("sitting")
        verbose_name_plural = _("sittings")

    def __str__(self) -> str:
        return self.code

    def is_open(self, now=None) -> bool:
        now = now or timezone.now()
        return self.status == self.Status.SCHEDULED and self.opens_at <= now < self.closes_at


class Form(models.Model):
    """A fixed sequence of question versions for one paper of a sitting (试卷)."""

    sitting = models.ForeignKey(Sitting, on_delete=models.CASCADE, related_name="forms")
    paper = models.ForeignKey(Paper, on_delete=models.PROTECT, related_name="forms")
    label = models.CharField(_("label"), max_length=40)
    seed = models.BigIntegerField(default=0)
    mean_difficulty = models.FloatField(null=True, blank=True)
    # Per position: type and the option/stem/stage ids a candidate may answer with (no keys),
    # computed once at assembly so starting and saving never re-read question content.
    layout = models.JSONField(default=list, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["sitting", "paper", "label"]
        constraints = [models.UniqueConstraint(fields=["sitting", "paper", "label"], name="form_unique_label")]
        verbose_name = _("form")
        verbose_name_plural = _("forms")

    def __str__(self) -> str:
        return f"{self.sitting.code} P{self.paper.number} {self.label}"


class FormItem(models.Model):
    form = models.ForeignKey(Form, on_delete=models.CASCADE, related_name="items")
    position = models.PositiveIntegerField()
    version = models.ForeignKey("question_bank.QuestionVersion", on_delete=models.PROTECT, related_name="form_items")
    area = models.ForeignKey("curriculum.TechniqueArea", on_delete=models.PROTECT, related_name="+")

    class Meta:
        ordering = ["form", "position"]
        constraints = [models.UniqueConstraint(fields=["form", "position"], name="formitem_unique_position")]

    def __str__(self) -> str:
        return f"{self.form} #{self.position}"


class Registration(models.Model):
    """A candidate registered for a sitting (报名), with the eligibility decision and accommodations."""

    class Status(models.TextChoices):
        REGISTERED = "registered", _("Registered")
        WITHDRAWN = "withdrawn", _("Withdrawn")

    sitting = models.ForeignKey(Sitting, on_delete=models.PROTECT, related_name="registrations")
    candidate = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="registrations")
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.REGISTERED)
    eligibility = models.JSONField(_("eligibility check"), default=dict, blank=True)
    override_reason = models.TextField(_("override reason"), blank=True)
    override_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    extra_time_minutes = models.PositiveIntegerField(_("extra time (minutes)"), default=0)
    extra_time_percent = models.PositiveIntegerField(_("extra time (percent)"), default=0)
    separate_breaks = models.BooleanField(_("separate breaks"), default=False)
    accommodation_note = models.CharField(_("accommodation note"), max_length=300, blank=True)
    registered_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["sitting", "candidate"]
        constraints = [models.UniqueConstraint(fields=["sitting", "candidate"], name="registration_unique_candidate")]
        verbose_name = _("registration")
        verbose_name_plural = _("registrations")

    def __str__(self) -> str:
        return f"{self.sitting.code}: {self.candidate}"

    def accommodation_for(self, paper: Paper) -> timedelta:
        extra = self.extra_time_minutes + paper.duration_minutes * self.extra_time_percent / 100
        return timedelta(minutes=extra)


def new_session_nonce() -> str:
    return secrets.token_urlsafe(16)


class Attempt(models.Model):
    """One candidate's sitting of one paper. The server owns its clock."""

    class Status(models.TextChoices):
        IN_PROGRESS = "in_progress", _("In progress")
        PAUSED = "paused", _("Paused")
        SUBMITTED = "submitted", _("Submitted")
        AUTO_SUBMITTED = "auto_submitted", _("Auto-submitted")
        TERMINATED = "terminated", _("Terminated")

    FINAL = (Status.SUBMITTED, Status.AUTO_SUBMITTED, Status.TERMINATED)

    registration = models.ForeignKey(Registration, on_delete=models.PROTECT, related_name="attempts")
    paper = models.ForeignKey(Paper, on_delete=models.PROTECT, related_name="attempts")
    form = models.ForeignKey(Form, on_delete=models.PROTECT, related_name="attempts")
    candidate = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="attempts")
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.IN_PROGRESS, db_index=True)
    started_at = models.DateTimeField()
    deadline_at = models.DateTimeField(db_index=True)
    accommodation_seconds = models.PositiveIntegerField(default=0)
    extension_seconds = models.PositiveIntegerField(default=0)
    paused_at = models.DateTimeField(null=True, blank=True)
    paused_seconds = models.PositiveIntegerField(default=0)
    submitted_at = models.DateTimeField(null=True, blank=True)
    finalized_by = models.CharField(max_length=20, blank=True)
    # The one browser session allowed to save; a second session takes over by rotating it.
    session_nonce = models.CharField(max_length=32, default=new_session_nonce)
    last_seen_at = models.DateTimeField(null=True, blank=True)
    # Per-candidate presentation: option display order per position, furthest case-set stage per position.
    option_orders = models.JSONField(default=dict)
    case_stages = models.JSONField(default=dict)
    # Results (filled by scoring).
    raw_score = models.FloatField(null=True, blank=True)
    max_score = models.FloatField(null=True, blank=True)
    percent = models.FloatField(null=True, blank=True)
    theta = models.FloatField(null=True, blank=True)
    theta_se = models.FloatField(null=True, blank=True)
    scaled_score = models.FloatField(null=True, blank=True)
    passed = models.BooleanField(null=True, blank=True)
    area_scores = models.JSONField(default=dict, blank=True)
    scored_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-started_at"]
        constraints = [models.UniqueConstraint(fields=["registration", "paper"], name="attempt_unique_paper")]
        indexes = [models.Index(fields=["status", "deadline_at"], name="attempt_status_deadline")]
        verbose_name = _("attempt")
        verbose_name_plural = _("attempts")

    def __str__(self) -> str:
        return f"attempt {self.pk} ({self.candidate_id}, {self.paper_id})"

    @property
    def is_final(self) -> bool:
        return self.status in self.FINAL

    def is_past_deadline(self, now=None, grace_seconds: int = 0) -> bool:
        if self.status == self.Status.PAUSED:
            return False
        now = now or timezone.now()
        return now > self.deadline_at + timedelta(seconds=grace_seconds)

    def seconds_left(self, now=None) -> int:
        if self.is_final:
            return 0
        now = self.paused_at if self.status == self.Status.PAUSED else (now or timezone.now())
        return max(0, int((self.deadline_at - now).total_seconds()))


class Response(models.Model):
    """The latest answer to one form position; ``seq`` orders the candidate's saves."""

    attempt = models.ForeignKey(Attempt, on_delete=models.CASCADE, related_name="responses")
    position = models.PositiveIntegerField()
    answer = models.JSONField(default=dict)
    flagged = models.BooleanField(default=False)
    seq = models.BigIntegerField(default=0)
    saved_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["attempt", "position"], name="response_unique_position")]

    def __str__(self) -> str:
        return f"{self.attempt_id}#{self.position} seq {self.seq}"


class AttemptEvent(models.Model):
    """Append-only attempt log (考试记录): start, saves, submit, focus lost, proctor actions…"""

    class Kind(models.TextChoices):
        START = "start", _("Started")
        RESUME = "resume", _("Resumed")
        TAKEOVER = "takeover", _("Session taken over")
        SAVE = "save", _("Answer saved")
        LATE_SAVE = "late_save", _("Save refused after the deadline")
        STAGE = "stage", _("Moved to the next case stage")
        SUBMIT = "submit", _("Submitted")
        AUTO_SUBMIT = "auto_submit", _("Auto-submitted at the deadline")
        FOCUS_LOST = "focus_lost", _("Left the exam window")
        HIDDEN = "hidden", _("Exam tab hidden")
        OFFLINE = "offline", _("Connection lost")
        PAUSE = "pause", _("Paused by proctor")
        UNPAUSE = "unpause", _("Resumed by proctor")
        EXTEND = "extend", _("Time extended")
        TERMINATE = "terminate", _("Terminated by proctor")
        COMMENT = "comment", _("Item comment")

    # No index of its own: the (attempt, kind) index below serves every lookup by attempt, and each
    # answer save inserts an event, so one index less is less work on the exam-day hot path.
    attempt = models.ForeignKey(Attempt, on_delete=models.CASCADE, related_name="events", db_index=False)
    at = models.DateTimeField(default=timezone.now)
    kind = models.CharField(max_length=16, choices=Kind.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    position = models.PositiveIntegerField(null=True, blank=True)
    seq = models.BigIntegerField(null=True, blank=True)
    data = models.JSONField(default=dict, blank=True)
    ip_address = models.GenericIPAddressField(null=True, blank=True)

    class Meta:
        ordering = ["attempt", "at", "id"]
        indexes = [models.Index(fields=["attempt", "kind"], name="attemptevent_attempt_kind")]

    def __str__(self) -> str:
        return f"{self.attempt_id} {self.kind} {self.at:%H:%M:%S}"

    def save(self, *args, **kwargs):
        if self.pk is not None:
            raise ValueError("Attempt events are append-only.")
        super().save(*args, **kwargs)


class ItemComment(models.Model):
    """A candidate's remark on an item ("this item seems wrong"), for the officer's key review."""

    attempt = models.ForeignKey(Attempt, on_delete=models.CASCADE, related_name="comments")
    position = models.PositiveIntegerField()
    version = models.ForeignKey("question_bank.QuestionVersion", on_delete=models.PROTECT, related_name="+")
    text = models.TextField(max_length=2000)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["created_at"]

    def __str__(self) -> str:
        return f"comment on {self.version_id} by attempt {self.attempt_id}"


class KeyDecision(models.Model):
    """A key-validation decision for one scoring unit of one version in one sitting (history kept)."""

    class Action(models.TextChoices):
        KEEP = "keep", _("Keep")
        DROP = "drop", _("Drop item")
        ACCEPT = "accept", _("Accept additional key")
        REKEY = "rekey", _("Re-key")

    sitting = models.ForeignKey(Sitting, on_delete=models.PROTECT, related_name="key_decisions")
    version = models.ForeignKey("question_bank.QuestionVersion", on_delete=models.PROTECT, related_name="+")
    unit_id = models.CharField(max_length=40, blank=True)
    action = models.CharField(max_length=8, choices=Action.choices)
    key = models.JSONField(default=list, blank=True)
    reason = models.TextField()
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    decided_at = models.DateTimeField(default=timezone.now)
    is_current = models.BooleanField(default=True)

    class Meta:
        ordering = ["sitting", "version", "unit_id", "-decided_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["sitting", "version", "unit_id"],
                condition=models.Q(is_current=True),
                name="keydecision_one_current",
            )
        ]

    def __str__(self) -> str:
        return f"{self.sitting_id} v{self.version_id}/{self.unit_id or '-'}: {self.action}"


class CutScore(models.Model):
    """The pass standard of a paper (or of the whole exam, paper empty) in a sitting; history kept."""

    class Method(models.TextChoices):
        FIXED = "fixed", _("Fixed percentage")
        ANGOFF = "angoff", _("Modified Angoff")
        HOFSTEE = "hofstee", _("Hofstee")

    sitting = models.ForeignKey(Sitting, on_delete=models.PROTECT, related_name="cut_scores")
    paper = models.ForeignKey(Paper, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    method = models.CharField(max_length=8, choices=Method.choices)
    percent = models.FloatField(_("cut score (percent)"))
    details = models.JSONField(default=dict, blank=True)
    reason = models.TextField(blank=True)
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    decided_at = models.DateTimeField(default=timezone.now)
    is_current = models.BooleanField(default=True)

    class Meta:
        ordering = ["sitting", "paper", "-decided_at"]

    def __str__(self) -> str:
        return f"{self.sitting_id}/{self.paper_id or 'total'}: {self.percent:.1f}% ({self.method})"


class Job(models.Model):
    """Progress of a long background job (scoring, rescoring, assembly, issuing, import).

    Workers claim a job with a conditional update (PENDING → RUNNING), so a job
    delivered twice runs once; ``progress`` and ``phase`` are what officers see.
    """

    class Status(models.TextChoices):
        PENDING = "pending", _("Waiting")
        RUNNING = "running", _("Running")
        DONE = "done", _("Done")
        FAILED = "failed", _("Failed")

    kind = models.CharField(max_length=40)
    sitting = models.ForeignKey(Sitting, on_delete=models.CASCADE, null=True, blank=True, related_name="jobs")
    status = models.CharField(max_length=8, choices=Status.choices, default=Status.PENDING, db_index=True)
    progress = models.FloatField(default=0.0)
    phase = models.CharField(max_length=80, blank=True)
    params = models.JSONField(default=dict, blank=True)
    result = models.JSONField(default=dict, blank=True)
    error = models.TextField(blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    heartbeat_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.kind} {self.status} {self.progress:.0%}"


# --- scoring, standard setting and results (issue 7) -----------------------------------------


class SittingAnalysis(models.Model):
    """The latest scoring of a sitting: per-form item and test analysis, Rasch calibration, pass counts.

    ``inputs_digest`` fingerprints what the scoring used (final attempts, current key decisions,
    current cut scores), so release can tell whether the scoring is still current.
    """

    sitting = models.OneToOneField(Sitting, on_delete=models.CASCADE, related_name="analysis")
    computed_at = models.DateTimeField()
    inputs_digest = models.CharField(max_length=64)
    data = models.JSONField(default=dict)
    job = models.ForeignKey(Job, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")

    def __str__(self) -> str:
        return f"analysis of {self.sitting_id} at {self.computed_at:%Y-%m-%d %H:%M}"


class CandidateResult(models.Model):
    """A candidate's overall result in a sitting (all papers), filled by scoring."""

    sitting = models.ForeignKey(Sitting, on_delete=models.CASCADE, related_name="results")
    registration = models.OneToOneField(Registration, on_delete=models.CASCADE, related_name="result")
    raw_score = models.FloatField()
    max_score = models.FloatField()
    percent = models.FloatField()
    scaled_score = models.FloatField(null=True, blank=True)
    passed = models.BooleanField(null=True, blank=True)
    computed_at = models.DateTimeField()

    class Meta:
        ordering = ["sitting", "registration"]

    def __str__(self) -> str:
        return f"result of {self.registration_id}: {self.percent:.1f}%"


class AngoffPanel(models.Model):
    """A modified-Angoff panel: invited judges rate the scoring units of one form of a paper."""

    class Status(models.TextChoices):
        OPEN = "open", _("Open for ratings")
        CLOSED = "closed", _("Closed")

    sitting = models.ForeignKey(Sitting, on_delete=models.CASCADE, related_name="angoff_panels")
    paper = models.ForeignKey(Paper, on_delete=models.PROTECT, related_name="+")
    form = models.ForeignKey(Form, on_delete=models.PROTECT, related_name="+")
    round = models.PositiveSmallIntegerField(default=1)
    status = models.CharField(max_length=8, choices=Status.choices, default=Status.OPEN)
    judges = models.ManyToManyField(settings.AUTH_USER_MODEL, related_name="angoff_panels", blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)
    closed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["sitting", "paper", "-created_at"]

    def __str__(self) -> str:
        return f"Angoff panel {self.pk} ({self.sitting_id}/P{self.paper_id}, round {self.round})"


class AngoffRating(models.Model):
    """One judge's rating (0-100: % of borderline candidates answering correctly) of one unit in one round."""

    panel = models.ForeignKey(AngoffPanel, on_delete=models.CASCADE, related_name="ratings")
    judge = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    round = models.PositiveSmallIntegerField()
    version = models.ForeignKey("question_bank.QuestionVersion", on_delete=models.PROTECT, related_name="+")
    unit_id = models.CharField(max_length=40, blank=True)
    value = models.FloatField()
    rated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["panel", "judge", "round", "version", "unit_id"], name="angoffrating_unique_unit"
            )
        ]

    def __str__(self) -> str:
        return f"{self.panel_id} r{self.round} {self.judge_id} v{self.version_id}/{self.unit_id}: {self.value}"


class HofsteeJudgement(models.Model):
    """One judge's four Hofstee values (percentages) for a panel."""

    panel = models.ForeignKey(AngoffPanel, on_delete=models.CASCADE, related_name="hofstee_judgements")
    judge = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    min_cut = models.FloatField(_("lowest acceptable cut score (%)"))
    max_cut = models.FloatField(_("highest acceptable cut score (%)"))
    min_fail = models.FloatField(_("lowest acceptable fail rate (%)"))
    max_fail = models.FloatField(_("highest acceptable fail rate (%)"))
    judged_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["panel", "judge"], name="hofstee_one_per_judge")]

    def __str__(self) -> str:
        return f"Hofstee {self.panel_id} {self.judge_id}"


from exams.models_practice import ItemProblemReport, PracticeBookmark, PracticeItem, PracticeSession  # noqa: E402, F401
