"""Revocation and suspension, the published status lists, and the verification cache.

A status change updates the certificate row and its status-list bits in one transaction (the list
row is locked, so concurrent changes never lose a bit) and, on commit, drops the cached
verification answer, so the public page and JSON show the change on the very next request.
"""

from __future__ import annotations

from typing import Any

from django.core.cache import cache
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.audit import audit_record
from certificates import data_integrity
from certificates.keys import private_key_for
from certificates.models import Certificate, Issuer, IssuerKey, StatusList
from certificates.status_list import StatusBitstring, build_status_list_credential
from irexam.errors import ApplicationError, ConflictError

#: Verifiers may cache a status list this long (milliseconds; the ``ttl`` of the list credential).
STATUS_LIST_TTL_MS = 60_000


def verification_cache_key(value: str) -> str:
    return f"certificates:verify:{value}"


def verification_cache_invalidate(certificate: Certificate) -> None:
    cache.delete_many(
        [verification_cache_key(certificate.verification_code), verification_cache_key(certificate.serial)]
    )


def _set_bit(status_list_id: int, index: int, value: bool) -> None:
    locked = StatusList.objects.select_for_update().get(pk=status_list_id)
    bits = StatusBitstring(locked.size, data=bytes(locked.bits))
    if bits.get(index) == value:
        return
    bits.set(index, value)
    StatusList.objects.filter(pk=locked.pk).update(
        bits=bits.to_bytes(), version=locked.version + 1, updated_at=timezone.now()
    )


def set_status_bits(certificate: Certificate, *, revoked: bool, suspended: bool) -> None:
    """Write the certificate's bits in its revocation list and the paired suspension list (in a transaction)."""
    revocation = certificate.status_list
    suspension = StatusList.objects.get(
        issuer_id=revocation.issuer_id, purpose=StatusList.Purpose.SUSPENSION, sequence=revocation.sequence
    )
    _set_bit(revocation.pk, certificate.status_index, revoked)
    _set_bit(suspension.pk, certificate.status_index, suspended)


def _change(
    *, certificate: Certificate, allowed_from: tuple[str, ...], to: str, reason: str, by, action: str, request
) -> Certificate:
    if not reason or not reason.strip():
        raise ApplicationError(_("A reason is required."), code="reason_required")
    with transaction.atomic():
        locked = Certificate.objects.select_for_update().select_related("status_list").get(pk=certificate.pk)
        if locked.status not in allowed_from:
            raise ConflictError(
                _("This is not possible for a certificate that is %(status)s.")
                % {"status": locked.get_status_display()},
                code="bad_status",
            )
        previous = locked.status
        locked.status = to
        locked.status_changed_at = timezone.now()
        locked.status_reason = reason.strip()
        locked.save(update_fields=["status", "status_changed_at", "status_reason"])
        set_status_bits(
            locked,
            revoked=to in (Certificate.Status.REVOKED, Certificate.Status.SUPERSEDED),
            suspended=to == Certificate.Status.SUSPENDED,
        )
        audit_record(
            action=action,
            actor=by,
            target=locked,
            summary=locked.serial,
            data={"from": previous, "to": to, "reason": reason.strip()},
            request=request,
        )
        transaction.on_commit(lambda: verification_cache_invalidate(locked))
    verification_cache_invalidate(locked)
    return locked


def certificate_revoke(*, certificate: Certificate, reason: str, by, request=None) -> Certificate:
    """Revoke for good (with a reason): the revocation bit is set at once."""
    return _change(
        certificate=certificate,
        allowed_from=(Certificate.Status.VALID, Certificate.Status.SUSPENDED),
        to=Certificate.Status.REVOKED,
        reason=reason,
        by=by,
        action="certificates.revoke",
        request=request,
    )


def certificate_suspend(*, certificate: Certificate, reason: str, by, request=None) -> Certificate:
    """Suspend (e.g. during an inquiry): the suspension bit is set at once; it can be lifted."""
    return _change(
        certificate=certificate,
        allowed_from=(Certificate.Status.VALID,),
        to=Certificate.Status.SUSPENDED,
        reason=reason,
        by=by,
        action="certificates.suspend",
        request=request,
    )


def certificate_unsuspend(*, certificate: Certificate, reason: str, by, request=None) -> Certificate:
    return _change(
        certificate=certificate,
        allowed_from=(Certificate.Status.SUSPENDED,),
        to=Certificate.Status.VALID,
        reason=reason,
        by=by,
        action="certificates.unsuspend",
        request=request,
    )


# --------------------------------------------------------------------------- published lists


def _signed_list_cache_key(status_list: StatusList, key: IssuerKey) -> str:
    return f"certificates:status-list:{status_list.pk}:{status_list.version}:{key.pk}"


def status_cache_bump(issuer: Issuer) -> None:
    """After a key rotation: re-sign the issuer's lists with the new key on the next request."""
    StatusList.objects.filter(issuer=issuer).update(version=F("version") + 1)


def status_list_credential(status_list: StatusList) -> dict[str, Any]:
    """The signed ``BitstringStatusListCredential`` for a list, as published (cached per list version)."""
    from certificates.services.issuers import issuer_active_key

    issuer = status_list.issuer
    key = issuer_active_key(issuer)
    cache_key = _signed_list_cache_key(status_list, key)
    cached = cache.get(cache_key)
    if cached is not None:
        return cached
    unsigned = build_status_list_credential(
        list_url=status_list.url(),
        issuer=issuer.profile_url(),
        bitstring=StatusBitstring(status_list.size, data=bytes(status_list.bits)),
        valid_from=status_list.updated_at,
        purpose=status_list.purpose,
        ttl_ms=STATUS_LIST_TTL_MS,
    )
    signed = data_integrity.sign(unsigned, private_key_for(key), key.verification_method(), status_list.updated_at)
    cache.set(cache_key, signed, 3600)
    return signed


def holds_valid_certificate(candidate, level: str) -> bool:
    """exams.registry checker: does ``candidate`` hold a valid, unexpired certificate of ``level``?"""
    from django.db.models import Q

    today = timezone.localdate()
    return (
        Certificate.objects.filter(holder=candidate, type__level=level, status=Certificate.Status.VALID)
        .filter(Q(valid_until__isnull=True) | Q(valid_until__gte=today))
        .exists()
    )
