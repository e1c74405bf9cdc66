"""Users, organizations and the platform-wide audit log."""

import hashlib
import json

from django.conf import settings
from django.contrib.auth.models import AbstractUser
from django.db import models
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from .roles import Role


class Province(models.TextChoices):
    """China's 34 provincial-level divisions (for reports by province)."""

    BEIJING = "BJ", _("Beijing")
    TIANJIN = "TJ", _("Tianjin")
    HEBEI = "HE", _("Hebei")
    SHANXI = "SX", _("Shanxi")
    NEI_MONGOL = "NM", _("Inner Mongolia")
    LIAONING = "LN", _("Liaoning")
    JILIN = "JL", _("Jilin")
    HEILONGJIANG = "HL", _("Heilongjiang")
    SHANGHAI = "SH", _("Shanghai")
    JIANGSU = "JS", _("Jiangsu")
    ZHEJIANG = "ZJ", _("Zhejiang")
    ANHUI = "AH", _("Anhui")
    FUJIAN = "FJ", _("Fujian")
    JIANGXI = "JX", _("Jiangxi")
    SHANDONG = "SD", _("Shandong")
    HENAN = "HA", _("Henan")
    HUBEI = "HB", _("Hubei")
    HUNAN = "HN", _("Hunan")
    GUANGDONG = "GD", _("Guangdong")
    GUANGXI = "GX", _("Guangxi")
    HAINAN = "HI", _("Hainan")
    CHONGQING = "CQ", _("Chongqing")
    SICHUAN = "SC", _("Sichuan")
    GUIZHOU = "GZ", _("Guizhou")
    YUNNAN = "YN", _("Yunnan")
    XIZANG = "XZ", _("Tibet")
    SHAANXI = "SN", _("Shaanxi")
    GANSU = "GS", _("Gansu")
    QINGHAI = "QH", _("Qinghai")
    NINGXIA = "NX", _("Ningxia")
    XINJIANG = "XJ", _("Xinjiang")
    HONG_KONG = "HK", _("Hong Kong")
    MACAO = "MO", _("Macao")
    TAIWAN = "TW", _("Taiwan")


class Organization(models.Model):
    """A credentialing body (发证机构) or a training centre (培训基地)."""

    class Kind(models.TextChoices):
        CREDENTIALING_BODY = "body", _("Credentialing body")
        TRAINING_CENTRE = "centre", _("Training centre")
        HOSPITAL = "hospital", _("Hospital")

    code = models.SlugField(_("code"), max_length=40, unique=True)
    name_zh = models.CharField(_("name (Chinese)"), max_length=200)
    name_en = models.CharField(_("name (English)"), max_length=200, blank=True)
    kind = models.CharField(_("kind"), max_length=16, choices=Kind.choices)
    province = models.CharField(_("province"), max_length=2, choices=Province.choices, blank=True)
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        ordering = ["kind", "code"]
        verbose_name = _("organization")
        verbose_name_plural = _("organizations")

    def __str__(self) -> str:
        return self.name

    @property
    def name(self) -> str:
        if (get_language() or "").startswith("en") and self.name_en:
            return self.name_en
        return self.name_zh


class User(AbstractUser):
    """A person using the platform; what they may do comes from their roles (groups)."""

    class Language(models.TextChoices):
        ZH_HANS = "zh-hans", "简体中文"
        EN = "en", "English"

    display_name_zh = models.CharField(_("name (Chinese)"), max_length=100, blank=True)
    display_name_en = models.CharField(_("name (English / pinyin)"), max_length=100, blank=True)
    organization = models.ForeignKey(
        Organization,
        verbose_name=_("institution"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="members",
    )
    province = models.CharField(_("province"), max_length=2, choices=Province.choices, blank=True)
    licence_number = models.CharField(_("physician licence number"), max_length=40, blank=True)
    preferred_language = models.CharField(_("preferred language"), max_length=8, choices=Language.choices, blank=True)

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")

    def __str__(self) -> str:
        return self.display_name or self.username

    @property
    def display_name(self) -> str:
        """The name in the active language, falling back to the other script, then the username."""
        english = (get_language() or "").startswith("en")
        first, second = (
            (self.display_name_en, self.display_name_zh) if english else (self.display_name_zh, self.display_name_en)
        )
        return first or second or self.get_full_name() or self.username

    @property
    def roles(self) -> frozenset[str]:
        """The user's role names, read once per request (the groups are prefetched or cached here)."""
        cached = getattr(self, "_roles_cache", None)
        if cached is None:
            valid = set(Role.values)
            cached = frozenset(name for name in self.groups.values_list("name", flat=True) if name in valid)
            self._roles_cache = cached
        return cached

    def has_role(self, role: str) -> bool:
        return self.is_active and role in self.roles

    def ordered_roles(self) -> list[str]:
        return [role for role in Role.values if role in self.roles]


class AuditChain(models.Model):
    """The head of the audit hash chain: one row, locked while an event is appended."""

    last_hash = models.CharField(max_length=64, default="0" * 64)
    count = models.BigIntegerField(default=0)

    def __str__(self) -> str:
        return f"audit chain head ({self.count} records)"


class AuditEvent(models.Model):
    """An append-only, hash-chained record of a change that matters (who, what, when, from where).

    ``hash`` = SHA-256 of the previous record's hash and this record's canonical
    content, so editing or deleting any record breaks the chain from there on
    (``python manage.py verify_audit_chain`` names the first broken record).
    """

    created_at = models.DateTimeField(default=timezone.now, db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    actor_label = models.CharField(max_length=150, blank=True)
    action = models.CharField(max_length=80, db_index=True)
    target_type = models.CharField(max_length=80, blank=True)
    target_id = models.CharField(max_length=64, blank=True)
    summary = models.CharField(max_length=500, blank=True)
    data = models.JSONField(default=dict, blank=True)
    ip_address = models.GenericIPAddressField(null=True, blank=True)
    user_agent = models.CharField(max_length=300, blank=True)
    prev_hash = models.CharField(max_length=64)
    hash = models.CharField(max_length=64, unique=True)

    class Meta:
        ordering = ["id"]
        indexes = [models.Index(fields=["target_type", "target_id"])]
        verbose_name = _("audit record")
        verbose_name_plural = _("audit records")

    def __str__(self) -> str:
        return (
            f"{self.created_at:%Y-%m-%d %H:%M:%S} {self.actor_label} {self.action} {self.target_type}:{self.target_id}"
        )

    def save(self, *args, **kwargs):
        if self.pk is not None:
            raise ValueError("Audit records are append-only.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise ValueError("Audit records are append-only.")

    def canonical_content(self) -> str:
        return json.dumps(
            {
                "created_at": self.created_at.isoformat(),
                "actor": self.actor_id,
                "actor_label": self.actor_label,
                "action": self.action,
                "target_type": self.target_type,
                "target_id": self.target_id,
                "summary": self.summary,
                "data": self.data,
                "ip": self.ip_address,
                "ua": self.user_agent,
            },
            sort_keys=True,
            ensure_ascii=False,
            separators=(",", ":"),
            default=str,
        )

    def compute_hash(self) -> str:
        return hashlib.sha256((self.prev_hash + self.canonical_content()).encode()).hexdigest()
