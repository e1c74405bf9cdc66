"""The files of a certificate: its signed Open Badges credential, its PDF, and the optional VC-JWT.

Runs in workers, a chunk of certificates per task. The rows exist before; each is claimed with a
conditional update (pending/failed → running; a running claim older than ``STALE_RENDER_AFTER``
was lost with its worker and may be taken again), so a task delivered twice renders once. The
claimed rows are then loaded in one query, and what they share (issuer key, logo, seal, scope
areas) once per chunk; each certificate is saved on its own as soon as it is rendered.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Iterable
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from django.conf import settings
from django.core.files.base import ContentFile
from django.db import transaction
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from certificates import openbadges, pdf, signing
from certificates.keys import private_key_for
from certificates.layout import Layout, parse_layout
from certificates.models import Certificate, IssuerKey, site_url
from certificates.openbadges import LocalizedText
from certificates.services.issuers import issuer_active_key
from irexam.errors import ApplicationError

logger = logging.getLogger(__name__)

STALE_RENDER_AFTER = timedelta(minutes=10)
LEVEL_NAMES = {"Q": "qualifying", "A": "advanced"}


def _tz() -> ZoneInfo:
    return ZoneInfo(settings.TIME_ZONE)


def _start_of(day) -> datetime:
    return datetime.combine(day, time.min, tzinfo=_tz())


def _read(field) -> bytes | None:
    if not field:
        return None
    with field.open("rb") as handle:
        return handle.read()


def scope_text(certificate: Certificate) -> LocalizedText:
    """What the holder is certified for: the type's technique areas, or the whole of IR."""
    areas = list(certificate.type.scope_areas.all())
    if not areas:
        return LocalizedText("认证范围：介入放射学全部技术领域。", "Scope: all areas of interventional radiology.")
    return LocalizedText(
        "认证范围：" + "、".join(a.name_zh for a in areas) + "。",
        "Scope: " + ", ".join(a.name_en or a.name_zh for a in areas) + ".",
    )


def holder_subject_id(certificate: Certificate) -> str:
    """A stable, non-personal id for the holder (the same across their certificates)."""
    return f"urn:uuid:{uuid.uuid5(uuid.NAMESPACE_URL, site_url(f'/holders/{certificate.holder_id}'))}"


def credential_input(certificate: Certificate) -> openbadges.CredentialInput:
    ctype, issuer = certificate.type, certificate.issuer
    title = LocalizedText(ctype.title_zh, ctype.title_en or ctype.title_zh)
    description = LocalizedText(ctype.description_zh or ctype.title_zh, ctype.description_en or title.en)
    criteria = LocalizedText(
        ctype.criteria_zh or f"通过{ctype.title_zh}所要求的考核。",
        ctype.criteria_en or f"Passed the assessment required for the {title.en}.",
    )
    alignments = [
        openbadges.AlignmentInput(
            target_name=area.name_en or area.name_zh,
            target_url=site_url(reverse("curriculum:area", args=[area.code])),
            target_code=area.code,
        )
        for area in ctype.scope_areas.all()
    ]
    valid_until = certificate.valid_until
    return openbadges.CredentialInput(
        id=certificate.credential_id(),
        issuer=openbadges.IssuerInput(
            id=issuer.profile_url(),
            name=LocalizedText(issuer.name_zh, issuer.name_en or issuer.name_zh),
            url=issuer.home_url(),
            image=site_url(issuer.logo.url) if issuer.logo else None,
            email=issuer.email or None,
        ),
        achievement=openbadges.AchievementInput(
            id=ctype.achievement_url(),
            name=title,
            description=description,
            criteria_narrative=criteria,
            level=LEVEL_NAMES.get(ctype.level),
            alignments=alignments,
            translations={"en": ctype.achievement_url() + "?lang=en"},
            human_code=ctype.code,
        ),
        subject=openbadges.SubjectInput(
            id=holder_subject_id(certificate),
            name=LocalizedText(certificate.holder_name_zh, certificate.holder_name_en or certificate.holder_name_zh),
        ),
        valid_from=_start_of(certificate.valid_from),
        # valid_until is the last valid day: the credential ends at the start of the next one.
        valid_until=_start_of(valid_until + timedelta(days=1)) if valid_until else None,
        status=openbadges.StatusInput(certificate.status_list.url(), certificate.status_index, "revocation"),
        awarded_date=certificate.issued_at,
    )


class _ChunkCache:
    """What every certificate of a render chunk shares, loaded once: the issuer's active signing
    key, its logo and seal files and each type's parsed layout (the type's scope areas come
    prefetched with the rows)."""

    def __init__(self) -> None:
        self._keys: dict[int, IssuerKey] = {}
        self._files: dict[tuple[int, str], bytes | None] = {}
        self._layouts: dict[int, Layout] = {}

    def layout(self, ctype) -> Layout:
        if ctype.pk not in self._layouts:
            self._layouts[ctype.pk] = parse_layout(ctype.layout)
        return self._layouts[ctype.pk]

    def signing_key(self, issuer) -> IssuerKey:
        if issuer.pk not in self._keys:
            key = issuer_active_key(issuer, IssuerKey.Algorithm.ED25519)
            key.issuer = issuer  # its verification method names the issuer: no query for it
            self._keys[issuer.pk] = key
        return self._keys[issuer.pk]

    def read(self, issuer, field) -> bytes | None:
        key = (issuer.pk, field.name or "")
        if key not in self._files:
            self._files[key] = _read(field)
        return self._files[key]


def build_signed_credential(certificate: Certificate, cache: _ChunkCache | None = None) -> dict:
    key = (cache or _ChunkCache()).signing_key(certificate.issuer)
    unsigned = openbadges.build_credential(credential_input(certificate))
    return openbadges.sign_credential(unsigned, private_key_for(key), key.verification_method(), timezone.now())


def render_data(certificate: Certificate, cache: _ChunkCache | None = None) -> pdf.CertificateRenderData:
    cache = cache or _ChunkCache()
    ctype, issuer = certificate.type, certificate.issuer
    layout = cache.layout(ctype)
    signatories = [
        pdf.Signatory(LocalizedText(s["name_zh"], s["name_en"]), LocalizedText(s["title_zh"], s["title_en"]))
        for s in (layout.signatories if layout.signatories is not None else issuer.signatories)
    ]
    footer = LocalizedText(layout.footer_note_zh, layout.footer_note_en)
    return pdf.CertificateRenderData(
        holder_name=LocalizedText(certificate.holder_name_zh, certificate.holder_name_en or certificate.holder_name_zh),
        title=LocalizedText(ctype.title_zh, ctype.title_en or ctype.title_zh),
        scope=scope_text(certificate),
        issued_on=certificate.valid_from,
        valid_until=certificate.valid_until,
        serial=certificate.serial,
        verification_code=certificate.verification_code,
        verification_url=certificate.verification_url(),
        issuer_name=LocalizedText(issuer.name_zh, issuer.name_en or issuer.name_zh),
        signatories=signatories,
        logo=cache.read(issuer, issuer.logo),
        seal=cache.read(issuer, issuer.seal),
        cjk_font_path=getattr(settings, "CERTIFICATE_CJK_FONT", None),
        show_scope=layout.show_scope,
        accent_color=layout.accent_color,
        footer_note=footer if footer.zh or footer.en else None,
    )


def _claim(certificate_id: int) -> bool:
    now = timezone.now()
    claimable = Q(render_status__in=[Certificate.Render.PENDING, Certificate.Render.FAILED]) | Q(
        render_status=Certificate.Render.RUNNING, render_claimed_at__lt=now - STALE_RENDER_AFTER
    )
    return bool(
        Certificate.objects.filter(claimable, pk=certificate_id).update(
            render_status=Certificate.Render.RUNNING, render_claimed_at=now
        )
    )


def certificate_render(*, certificate_id: int) -> str:
    """Sign the credential and render the PDF of one certificate; returns done / skipped / failed."""
    (outcome,) = _render_many([certificate_id])
    return outcome


def certificates_render(ids: Iterable[int]) -> dict[str, int]:
    """Render a chunk: its rows claimed in one short transaction (``_claim_many``), then the
    claimed rows loaded in one query with everything they share (type, scope areas, issuer,
    status list, holder; key, images and layout once per chunk)."""
    counts: dict[str, int] = {}
    for outcome in _render_many(list(ids)):
        counts[outcome] = counts.get(outcome, 0) + 1
    return counts


def _claim_many(ids: list[int]) -> set[int]:
    """Claim the chunk's rows in one short transaction (one commit, not one per row), in id order
    so that two workers handed overlapping chunks lock in the same order and never deadlock."""
    with transaction.atomic():
        return {pk for pk in sorted(set(ids)) if _claim(pk)}


def _render_many(ids: list[int]) -> list[str]:
    claimed = _claim_many(ids)
    rows = (
        Certificate.objects.select_related("type", "issuer", "status_list", "holder")
        .prefetch_related("type__scope_areas")
        .in_bulk(claimed)
    )
    cache = _ChunkCache()
    return [_render_claimed(rows[pk], cache) if pk in rows else "skipped" for pk in ids]


def _render_claimed(certificate: Certificate, cache: _ChunkCache) -> str:
    try:
        credential = build_signed_credential(certificate, cache)
        result = pdf.render_certificate(render_data(certificate, cache))
    except Exception as exc:
        logger.exception("rendering certificate %s failed", certificate.serial)
        Certificate.objects.filter(pk=certificate.pk).update(
            render_status=Certificate.Render.FAILED, render_error=str(exc)[:2000]
        )
        return "failed"
    old_name = certificate.pdf.name if certificate.pdf else ""
    certificate.pdf.save(certificate.pdf_filename(), ContentFile(result.pdf_bytes), save=False)
    certificate.credential = credential
    certificate.render_status = Certificate.Render.DONE
    certificate.render_error = "; ".join(result.warnings)[:2000]
    from certificates.services.notifications import certificate_notify_issue

    with transaction.atomic():  # the row and the e-mail claim: one commit (the e-mail is queued after it)
        certificate.save(update_fields=["pdf", "credential", "render_status", "render_error"])
        certificate_notify_issue(certificate=certificate)
    if old_name and old_name != certificate.pdf.name:
        certificate.pdf.storage.delete(old_name)
    return "done"


def certificate_jwt(certificate: Certificate) -> str:
    """The credential as a VC-JWT signed with the issuer's active ES256 key (OB 3.0 §8.2)."""
    if not certificate.credential:
        raise ApplicationError(_("The credential is still being prepared."), code="not_ready")
    key = issuer_active_key(certificate.issuer, IssuerKey.Algorithm.ES256)
    claims = signing.vc_jwt_claims(certificate.credential)
    return signing.jwt_sign_es256(claims, private_key_for(key), key.kid)
