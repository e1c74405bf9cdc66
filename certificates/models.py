"""Issuers and their keys, certificate types, certificates, status lists and CME credits.

Invariants kept by the database, not only by the services:

* one certificate per passing attempt (``Certificate.attempt`` is unique), so issuing twice,
  or from two workers at once, can never create a second one;
* serials are unique and allocated from a locked per-(type, year) counter in the same
  transaction as the certificate row, so a rolled-back issue leaves no gap;
* one status-list index per certificate per list (unique together);
* one active (not retired) key per issuer and algorithm.
"""

from __future__ import annotations

import secrets
import uuid
from datetime import date

from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import models
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from exams.models import Level


def _localized(obj: object, field: str) -> str:
    english = (get_language() or "").startswith("en")
    zh, en = getattr(obj, f"{field}_zh", ""), getattr(obj, f"{field}_en", "")
    return (en or zh) if english else (zh or en)


def site_url(path: str) -> str:
    """An absolute URL on this site (``SITE_URL`` + path): what QR codes and credentials point at."""
    return settings.SITE_URL.rstrip("/") + path


def new_verification_code() -> str:
    """22 URL-safe characters = 128 random bits: unguessable, safe in a URL and a QR code."""
    return secrets.token_urlsafe(16)


class Issuer(models.Model):
    """A credentialing body (发证机构) that signs certificates with its own keys."""

    code = models.SlugField(_("code"), max_length=40, unique=True)
    name_zh = models.CharField(_("name (Chinese)"), max_length=200)
    name_en = models.CharField(_("name (English)"), max_length=200)
    url = models.URLField(_("home page"), blank=True)
    email = models.EmailField(_("contact e-mail"), blank=True)
    description_zh = models.TextField(_("description (Chinese)"), blank=True)
    description_en = models.TextField(_("description (English)"), blank=True)
    logo = models.ImageField(_("logo"), upload_to="certificates/issuers/", blank=True)
    seal = models.ImageField(_("seal"), upload_to="certificates/issuers/", blank=True)
    # [{"name_zh", "name_en", "title_zh", "title_en"}], at most three (what fits on the page).
    signatories = models.JSONField(_("signatories"), default=list, blank=True)
    organization = models.ForeignKey(
        "accounts.Organization",
        verbose_name=_("organization"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="issuers",
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["code"]
        verbose_name = _("issuer")
        verbose_name_plural = _("issuers")

    def __str__(self) -> str:
        return self.name

    @property
    def name(self) -> str:
        return _localized(self, "name")

    @property
    def description(self) -> str:
        return _localized(self, "description")

    def profile_url(self) -> str:
        """The issuer's id in credentials: its public profile (HTML for people, JSON for machines)."""
        return site_url(reverse("certificates:issuer_profile", args=[self.code]))

    def home_url(self) -> str:
        return self.url or site_url("/")


class IssuerKey(models.Model):
    """A signing key of an issuer. Retired keys stay published so old credentials still verify."""

    class Algorithm(models.TextChoices):
        ED25519 = "Ed25519", "Ed25519 (eddsa-rdfc-2022)"
        ES256 = "ES256", "ES256 (P-256, VC-JWT)"

    issuer = models.ForeignKey(Issuer, on_delete=models.PROTECT, related_name="keys")
    kid = models.CharField(_("key id"), max_length=60)
    algorithm = models.CharField(_("algorithm"), max_length=8, choices=Algorithm.choices)
    public_key_multibase = models.CharField(max_length=100, blank=True)  # Ed25519 only
    public_jwk = models.JSONField(default=dict)
    private_key_pem = models.TextField(help_text="PKCS#8 PEM encrypted with the certificate key passphrase")
    created_at = models.DateTimeField(default=timezone.now)
    retired_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["issuer", "algorithm", "-created_at"]
        constraints = [
            models.UniqueConstraint(fields=["issuer", "kid"], name="issuerkey_unique_kid"),
            models.UniqueConstraint(
                fields=["issuer", "algorithm"],
                condition=models.Q(retired_at__isnull=True),
                name="issuerkey_one_active_per_algorithm",
            ),
        ]
        verbose_name = _("issuer key")
        verbose_name_plural = _("issuer keys")

    def __str__(self) -> str:
        return f"{self.issuer_id}:{self.kid}"

    def verification_method(self) -> str:
        """``<issuer profile URL>#<kid>``: the id a Data Integrity proof names."""
        return f"{self.issuer.profile_url()}#{self.kid}"


class CertificateType(models.Model):
    """What a certificate certifies: level, scope, validity and how it is renewed."""

    class RenewalRule(models.TextChoices):
        EXAM = "exam", _("Pass a recertification exam")
        CME = "cme", _("Verified continuing-education credits")

    code = models.SlugField(_("code"), max_length=40, unique=True)
    issuer = models.ForeignKey(Issuer, verbose_name=_("issuer"), on_delete=models.PROTECT, related_name="types")
    level = models.CharField(_("level"), max_length=1, choices=Level.choices)
    title_zh = models.CharField(_("title (Chinese)"), max_length=200)
    title_en = models.CharField(_("title (English)"), max_length=200)
    description_zh = models.TextField(_("description (Chinese)"), blank=True)
    description_en = models.TextField(_("description (English)"), blank=True)
    criteria_zh = models.TextField(_("criteria (Chinese)"), blank=True)
    criteria_en = models.TextField(_("criteria (English)"), blank=True)
    scope_areas = models.ManyToManyField(
        "curriculum.TechniqueArea",
        verbose_name=_("scope (technique areas)"),
        blank=True,
        related_name="+",
        help_text=_("Empty: the whole of interventional radiology."),
    )
    exams = models.ManyToManyField(
        "exams.Exam",
        verbose_name=_("issued for passing"),
        blank=True,
        related_name="certificate_types",
    )
    validity_months = models.PositiveSmallIntegerField(
        _("validity (months)"), null=True, blank=True, help_text=_("Empty: no expiry.")
    )
    renewal_rule = models.CharField(
        _("renewal rule"), max_length=4, choices=RenewalRule.choices, default=RenewalRule.CME
    )
    cme_credits_required = models.PositiveSmallIntegerField(_("CME credits required"), default=0)
    recert_exam = models.ForeignKey(
        "exams.Exam",
        verbose_name=_("recertification exam"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    serial_prefix = models.CharField(
        _("serial prefix"),
        max_length=16,
        help_text=_("e.g. IR-Q; serials read IR-Q-2026-000123."),
    )
    layout = models.JSONField(_("layout options"), default=dict, blank=True)
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        ordering = ["code"]
        verbose_name = _("certificate type")
        verbose_name_plural = _("certificate types")

    def __str__(self) -> str:
        return f"{self.code} {self.title}"

    @property
    def title(self) -> str:
        return _localized(self, "title")

    def achievement_url(self) -> str:
        return site_url(reverse("certificates:achievement", args=[self.code]))


class StatusList(models.Model):
    """One W3C Bitstring Status List of an issuer. ``bits`` is the raw bitstring, updated in place.

    A certificate takes one index, the same in the issuer's revocation and suspension lists.
    """

    class Purpose(models.TextChoices):
        REVOCATION = "revocation", _("Revocation")
        SUSPENSION = "suspension", _("Suspension")

    issuer = models.ForeignKey(Issuer, on_delete=models.PROTECT, related_name="status_lists")
    purpose = models.CharField(max_length=12, choices=Purpose.choices)
    sequence = models.PositiveIntegerField(default=1)  # the revocation and suspension lists of a pair share it
    size = models.PositiveIntegerField(default=131_072)
    next_index = models.PositiveIntegerField(default=0)
    bits = models.BinaryField()
    version = models.PositiveIntegerField(default=0)  # bumped on every change (cache key)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["issuer", "purpose", "sequence"]
        constraints = [
            models.UniqueConstraint(fields=["issuer", "purpose", "sequence"], name="statuslist_unique_sequence")
        ]
        verbose_name = _("status list")
        verbose_name_plural = _("status lists")

    def __str__(self) -> str:
        return f"{self.issuer_id} {self.purpose} #{self.pk}"

    def url(self) -> str:
        return site_url(reverse("certificates:status_list", args=[self.pk]))


class SerialCounter(models.Model):
    """The last serial number used for a certificate type in a year; locked while a serial is taken."""

    type = models.ForeignKey(CertificateType, on_delete=models.CASCADE, related_name="+")
    year = models.PositiveSmallIntegerField()
    last = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["type", "year"], name="serialcounter_unique_type_year")]

    def __str__(self) -> str:
        return f"{self.type_id}/{self.year}: {self.last}"


class Certificate(models.Model):
    """An issued certificate. The row exists at once; its PDF and signed credential follow from a worker."""

    class Status(models.TextChoices):
        VALID = "valid", _("Valid")
        SUSPENDED = "suspended", _("Suspended")
        REVOKED = "revoked", _("Revoked")
        SUPERSEDED = "superseded", _("Superseded")

    class Render(models.TextChoices):
        PENDING = "pending", _("Waiting")
        RUNNING = "running", _("Rendering")
        DONE = "done", _("Ready")
        FAILED = "failed", _("Failed")

    #: What public verification shows: the stored status, or "expired" computed from the dates.
    EXPIRED = "expired"

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    type = models.ForeignKey(CertificateType, on_delete=models.PROTECT, related_name="certificates")
    issuer = models.ForeignKey(Issuer, on_delete=models.PROTECT, related_name="certificates")
    holder = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="certificates")
    holder_name_zh = models.CharField(_("holder name (Chinese)"), max_length=100)
    holder_name_en = models.CharField(_("holder name (English)"), max_length=100)
    attempt = models.OneToOneField(
        "exams.Attempt", on_delete=models.PROTECT, null=True, blank=True, related_name="certificate"
    )
    serial = models.CharField(_("serial number"), max_length=40, unique=True)
    verification_code = models.CharField(max_length=40, unique=True, default=new_verification_code)
    status = models.CharField(_("status"), max_length=12, choices=Status.choices, default=Status.VALID)
    issued_at = models.DateTimeField(_("issued at"), default=timezone.now)
    issued_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    reason = models.TextField(_("reason (manual issue)"), blank=True)
    valid_from = models.DateField(_("valid from"))
    valid_until = models.DateField(_("valid until"), null=True, blank=True)
    supersedes = models.OneToOneField(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="superseded_by"
    )
    status_changed_at = models.DateTimeField(null=True, blank=True)
    status_reason = models.TextField(_("reason for the status"), blank=True)
    status_list = models.ForeignKey(StatusList, on_delete=models.PROTECT, related_name="certificates")
    status_index = models.PositiveIntegerField()
    credential = models.JSONField(null=True, blank=True)
    pdf = models.FileField(upload_to="certificates/pdf/%Y/", blank=True)
    render_status = models.CharField(max_length=8, choices=Render.choices, default=Render.PENDING, db_index=True)
    render_claimed_at = models.DateTimeField(null=True, blank=True)
    render_error = models.TextField(blank=True)
    notified_at = models.DateTimeField(null=True, blank=True)
    reminder_sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-issued_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["status_list", "status_index"], name="certificate_unique_status_index"),
        ]
        indexes = [models.Index(fields=["status", "valid_until"], name="certificate_status_until")]
        verbose_name = _("certificate")
        verbose_name_plural = _("certificates")

    def __str__(self) -> str:
        return self.serial

    @property
    def holder_name(self) -> str:
        return _localized(self, "holder_name")

    def public_status(self, today: date | None = None) -> str:
        """valid / suspended / revoked / superseded / expired — expiry computed from the date at read time."""
        today = today or timezone.localdate()
        if self.status == self.Status.VALID and self.valid_until is not None and self.valid_until < today:
            return self.EXPIRED
        return self.status

    def verification_url(self) -> str:
        return site_url(reverse("certificates:verify_code", args=[self.verification_code]))

    def credential_id(self) -> str:
        return f"urn:uuid:{self.uuid}"

    def pdf_filename(self) -> str:
        return f"certificate-{self.serial}.pdf"


class CmeCredit(models.Model):
    """Continuing-education credits (继续医学教育学分) claimed by a holder, verified by an officer."""

    holder = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="cme_credits")
    credits = models.DecimalField(_("credits"), max_digits=5, decimal_places=1, validators=[MinValueValidator(0)])
    activity = models.CharField(_("activity"), max_length=300)
    date = models.DateField(_("date"))
    verified_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    verified_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-date", "-id"]
        verbose_name = _("CME credit")
        verbose_name_plural = _("CME credits")

    def __str__(self) -> str:
        return f"{self.holder_id} {self.credits} ({self.date})"
