"""Reads of the certificates app: public verification, holders' and officers' lists, keys."""

from __future__ import annotations

from datetime import date
from typing import Any
from urllib.parse import urlsplit

from cryptography.hazmat.primitives.asymmetric import ed25519
from django.conf import settings
from django.core.cache import cache
from django.db.models import Q, QuerySet
from django.http import Http404
from django.utils import timezone

from accounts.roles import Role
from certificates import openbadges, signing
from certificates.models import Certificate, Issuer, IssuerKey, StatusList
from certificates.services.status import verification_cache_key
from certificates.status_list import StatusBitstring, StatusListError, status_from_list_credential


def verification_cache_seconds() -> int:
    """How long a verification answer is cached (setting ``CERTIFICATE_VERIFY_CACHE_SECONDS``, 30).

    Every status change drops the cached answer at once; the cache must be shared by all web
    nodes for that to hold across nodes (``REDIS_URL``).
    """
    return int(getattr(settings, "CERTIFICATE_VERIFY_CACHE_SECONDS", 30))


def _public_record(certificate: Certificate) -> dict[str, Any]:
    """Everything public verification shows — and nothing more personal than the holder's name."""
    ctype, issuer = certificate.type, certificate.issuer
    areas = [{"code": a.code, "name_zh": a.name_zh, "name_en": a.name_en} for a in ctype.scope_areas.all()]
    successor = getattr(certificate, "superseded_by", None)
    return {
        "serial": certificate.serial,
        "verification_code": certificate.verification_code,
        "holder_name_zh": certificate.holder_name_zh,
        "holder_name_en": certificate.holder_name_en,
        "title_zh": ctype.title_zh,
        "title_en": ctype.title_en,
        "level": ctype.level,
        "scope": areas,  # empty: all of interventional radiology
        "issued_at": certificate.issued_at.isoformat(),
        "valid_from": certificate.valid_from.isoformat(),
        "valid_until": certificate.valid_until.isoformat() if certificate.valid_until else None,
        "stored_status": certificate.status,
        "status_changed_at": certificate.status_changed_at.isoformat() if certificate.status_changed_at else None,
        "superseded_by_code": successor.verification_code if successor is not None else None,
        "issuer": {
            "code": issuer.code,
            "name_zh": issuer.name_zh,
            "name_en": issuer.name_en,
            "url": issuer.profile_url(),
        },
        "verification_url": certificate.verification_url(),
    }


def public_status(record: dict[str, Any], today: date | None = None) -> str:
    """valid / suspended / revoked / superseded / expired — expiry computed now, not when cached."""
    today = today or timezone.localdate()
    status = record["stored_status"]
    if (
        status == Certificate.Status.VALID
        and record["valid_until"]
        and date.fromisoformat(record["valid_until"]) < today
    ):
        return Certificate.EXPIRED
    return status


NOT_READ = object()


def verification_key(value: str) -> str | None:
    """The cache key of the verification answer for ``value`` (None: not a possible code or serial)."""
    value = (value or "").strip()
    if not value or len(value) > 60:
        return None
    return verification_cache_key(value)


def verification_lookup(value: str, cached: Any = NOT_READ) -> dict[str, Any] | None:
    """The public record of the certificate with this verification code or serial (None if unknown).

    One indexed read (code or serial, both unique) plus the scope areas; cached briefly, and the
    cache entry is dropped by every status change. ``status`` is computed on every call.
    ``cached``: the cache's value under ``verification_key(value)`` when the caller has read it
    already (the API reads it in the rate limiter's round trip).
    """
    key = verification_key(value)
    if key is None:
        return None
    record = cache.get(key) if cached is NOT_READ else cached
    if record is None:
        value = value.strip()
        certificate = (
            Certificate.objects.select_related("type", "issuer", "superseded_by")
            .prefetch_related("type__scope_areas")
            .filter(Q(verification_code=value) | Q(serial=value.upper()))
            .first()
        )
        if certificate is None:
            return None
        record = _public_record(certificate)
        cache.set(key, record, verification_cache_seconds())
    return {**record, "status": public_status(record)}


def certificates_of_holder(user) -> QuerySet[Certificate]:
    return Certificate.objects.filter(holder=user).select_related("type", "issuer").order_by("-issued_at", "-id")


def certificates_search(
    *, query: str = "", status: str = "", type_code: str = "", issuer_code: str = ""
) -> QuerySet[Certificate]:
    """Officers' list: by serial, code, holder name or username; by status, type or issuer."""
    qs = Certificate.objects.select_related("type", "issuer", "holder").order_by("-issued_at", "-id")
    query = query.strip()
    if query:
        qs = qs.filter(
            Q(serial__icontains=query)
            | Q(verification_code=query)
            | Q(holder_name_zh__icontains=query)
            | Q(holder_name_en__icontains=query)
            | Q(holder__username__iexact=query)
        )
    today = timezone.localdate()
    if status == Certificate.EXPIRED:
        qs = qs.filter(status=Certificate.Status.VALID, valid_until__lt=today)
    elif status == Certificate.Status.VALID:
        qs = qs.filter(status=status).filter(Q(valid_until__isnull=True) | Q(valid_until__gte=today))
    elif status:
        qs = qs.filter(status=status)
    if type_code:
        qs = qs.filter(type__code=type_code)
    if issuer_code:
        qs = qs.filter(issuer__code=issuer_code)
    return qs


def certificate_for_user(user, pk: int) -> Certificate:
    """A certificate its holder or an officer may see; anyone else gets a 404 (not a 403: no probing)."""
    qs = Certificate.objects.select_related("type", "issuer", "holder", "status_list")
    if not (user.is_authenticated and user.has_role(Role.OFFICER)):
        qs = qs.filter(holder_id=getattr(user, "pk", None))
    try:
        return qs.get(pk=pk)
    except Certificate.DoesNotExist:
        raise Http404 from None


# --------------------------------------------------------------------------- keys


def issuer_keys(issuer: Issuer) -> list[IssuerKey]:
    """Every key of the issuer, active and retired (old credentials verify with retired keys)."""
    return list(IssuerKey.objects.filter(issuer=issuer).order_by("algorithm", "created_at"))


def issuer_jwks(issuer: Issuer) -> dict[str, list[dict[str, str]]]:
    keys = [(k.kid, signing.public_key_from_jwk(k.public_jwk)) for k in issuer_keys(issuer)]
    return signing.build_jwk_set(keys)


def issuer_profile_document(issuer: Issuer) -> dict[str, Any]:
    """The issuer's OB 3.0 Profile as JSON, with its Multikey verification methods (active and retired)."""
    url = issuer.profile_url()
    methods = [
        {
            "id": key.verification_method(),
            "type": "Multikey",
            "controller": url,
            "publicKeyMultibase": key.public_key_multibase,
            **({"expires": key.retired_at.isoformat()} if key.retired_at else {}),
        }
        for key in issuer_keys(issuer)
        if key.algorithm == IssuerKey.Algorithm.ED25519
    ]
    document: dict[str, Any] = {
        "@context": [openbadges.VC_V2_CONTEXT, openbadges.OB_V3_CONTEXT, "https://w3id.org/security/multikey/v1"],
        "id": url,
        "type": ["Profile"],
        "name": f"{issuer.name_zh} / {issuer.name_en}",
        "url": issuer.home_url(),
        "verificationMethod": methods,
        "assertionMethod": [m["id"] for m in methods],
        "jwks_uri": url + "jwks.json",
    }
    if issuer.email:
        document["email"] = issuer.email
    if issuer.description_zh or issuer.description_en:
        document["description"] = "\n\n".join(d for d in (issuer.description_zh, issuer.description_en) if d)
    return document


def key_resolver(verification_method: str) -> ed25519.Ed25519PublicKey | None:
    """Ed25519 public key published under ``<issuer profile URL>#<kid>`` (retired keys included)."""
    base, _sep, kid = verification_method.partition("#")
    if not kid:
        return None
    for key in IssuerKey.objects.filter(kid=kid, algorithm=IssuerKey.Algorithm.ED25519).select_related("issuer"):
        if key.verification_method() == verification_method:
            return signing.ed25519_public_key_from_multikey(key.public_key_multibase)
    return None


def _local_status_list(url: str) -> StatusList | None:
    site = urlsplit(settings.SITE_URL)
    parts = urlsplit(url)
    if (parts.scheme, parts.netloc) != (site.scheme, site.netloc):
        return None
    tail = parts.path.rstrip("/").rsplit("/", 1)[-1]
    if not tail.isdigit():
        return None
    return StatusList.objects.filter(pk=int(tail)).select_related("issuer").first()


def status_lookup(entry: dict[str, Any]) -> bool | None:
    """The status bit for a credential's status entry, read from our own lists (None: not ours)."""
    url = entry.get("statusListCredential")
    status_list = _local_status_list(url) if isinstance(url, str) else None
    if status_list is None or status_list.url() != url:
        return None
    list_credential = {
        "id": url,
        "type": ["VerifiableCredential", "BitstringStatusListCredential"],
        "credentialSubject": {
            "statusPurpose": status_list.purpose,
            "encodedList": StatusBitstring(status_list.size, data=bytes(status_list.bits)).encode(),
        },
    }
    return status_from_list_credential(entry, list_credential)


def verify_uploaded_credential(credential: Any) -> dict[str, Any]:
    """Check an uploaded credential: proof, schema, dates, status; plus what our records say of it.

    Returns ``{"ok", "checks": [{"name", "ok", "messages"}], "record"}`` where ``record`` is the
    public record of the matching certificate (by credential id) or None.
    """
    try:
        report = openbadges.verify_credential(credential, key_resolver, status_lookup, timezone.now())
    except StatusListError as exc:  # pragma: no cover - verify_credential reports these itself
        return {"ok": False, "checks": [{"name": "status", "ok": False, "messages": [str(exc)]}], "record": None}
    checks = [{"name": c.name, "ok": c.ok, "messages": list(c.messages)} for c in report.checks]
    record = None
    credential_id = credential.get("id") if isinstance(credential, dict) else None
    if isinstance(credential_id, str) and credential_id.startswith("urn:uuid:"):
        certificate = Certificate.objects.filter(uuid=_uuid_or_none(credential_id[9:])).first()
        if certificate is not None:
            record = verification_lookup(certificate.verification_code)
            if record and record["status"] in (Certificate.Status.SUSPENDED, Certificate.Status.SUPERSEDED):
                checks.append(
                    {"name": "record", "ok": False, "messages": [f"the issuer's records say: {record['status']}"]}
                )
    return {"ok": all(c["ok"] for c in checks), "checks": checks, "record": record}


def _uuid_or_none(text: str):
    import uuid

    try:
        return uuid.UUID(text)
    except ValueError:
        return None
