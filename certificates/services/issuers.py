"""Issuers, their signing keys and their status lists."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.core.files.base import ContentFile
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.audit import audit_record
from certificates import signing
from certificates.keys import key_passphrase
from certificates.models import Issuer, IssuerKey, StatusList
from certificates.status_list import MIN_BITSTRING_LENGTH
from irexam.errors import ApplicationError
from question_bank.images import ImageRejected, sanitize_image
from question_bank.services import IMAGE_MESSAGES

SIGNATORY_FIELDS = ("name_zh", "name_en", "title_zh", "title_en")
MAX_SIGNATORIES = 3
MAX_IMAGE_BYTES = 2 * 1024 * 1024


def _check_signatories(signatories: Any) -> list[dict[str, str]]:
    if not isinstance(signatories, (list, tuple)):
        raise ApplicationError(_("Signatories must be a list."), code="bad_signatories")
    if len(signatories) > MAX_SIGNATORIES:
        raise ApplicationError(_("At most three signatories fit on a certificate."), code="bad_signatories")
    clean = []
    for i, entry in enumerate(signatories, start=1):
        if not isinstance(entry, dict):
            raise ApplicationError(_("Signatory %(n)s must be an object.") % {"n": i}, code="bad_signatories")
        row = {}
        for field in SIGNATORY_FIELDS:
            value = entry.get(field)
            if not isinstance(value, str) or not value.strip():
                raise ApplicationError(
                    _("Signatory %(n)s needs %(field)s.") % {"n": i, "field": field}, code="bad_signatories"
                )
            row[field] = value.strip()
        clean.append(row)
    return clean


def _clean_image(upload: UploadedFile | None, what: str) -> ContentFile | None:
    """The upload re-encoded from its pixels alone (no metadata), or a refusal.

    The logo and seal are published (credentials link to the logo), so they go through the same
    checks as question images: sniffed by content, size-limited before decoding, polyglots
    refused (question_bank.images).
    """
    if upload is None:
        return None
    if upload.size and upload.size > MAX_IMAGE_BYTES:
        raise ApplicationError(_("The %(what)s is larger than 2 MB.") % {"what": what}, code="bad_image")
    upload.seek(0)
    data = upload.read(MAX_IMAGE_BYTES + 1)
    upload.seek(0)
    try:
        image = sanitize_image(data, max_bytes=MAX_IMAGE_BYTES)
    except ImageRejected as rejected:
        if rejected.code in ("too_large", "empty", "not_an_image", "corrupt", "format_not_allowed"):
            message = _("The %(what)s is not a readable image.") % {"what": what}
        else:
            message = f"{what}: {IMAGE_MESSAGES[rejected.code]}".format(**rejected.params)
        raise ApplicationError(message, {"reason": rejected.code}, code="bad_image")
    stem = (getattr(upload, "name", "") or what).rsplit("/", 1)[-1].rsplit(".", 1)[0][:80] or "image"
    return ContentFile(image.data, name=f"{stem}{image.extension}")


def _next_kid(issuer: Issuer, algorithm: str) -> str:
    count = IssuerKey.objects.filter(issuer=issuer, algorithm=algorithm).count()
    return f"{algorithm.lower()}-{count + 1}"


def _key_create(issuer: Issuer, algorithm: str) -> IssuerKey:
    private: signing.PrivateKey
    if algorithm == IssuerKey.Algorithm.ED25519:
        private = signing.generate_ed25519_key()
        multibase = signing.ed25519_public_key_to_multikey(private.public_key())
    else:
        private = signing.generate_es256_key()
        multibase = ""
    kid = _next_kid(issuer, algorithm)
    return IssuerKey.objects.create(
        issuer=issuer,
        kid=kid,
        algorithm=algorithm,
        public_key_multibase=multibase,
        public_jwk=signing.public_key_to_jwk(private.public_key(), kid=kid),
        private_key_pem=signing.serialize_private_key(private, key_passphrase()).decode("ascii"),
    )


def status_lists_ensure(issuer: Issuer, sequence: int = 1) -> tuple[StatusList, StatusList]:
    """The revocation and suspension lists of ``sequence`` for ``issuer``, created if missing."""
    empty = bytes(MIN_BITSTRING_LENGTH // 8)
    lists = []
    for purpose in (StatusList.Purpose.REVOCATION, StatusList.Purpose.SUSPENSION):
        status_list, _created = StatusList.objects.get_or_create(
            issuer=issuer,
            purpose=purpose,
            sequence=sequence,
            defaults={"size": MIN_BITSTRING_LENGTH, "bits": empty},
        )
        lists.append(status_list)
    return lists[0], lists[1]


@transaction.atomic
def issuer_create(
    *,
    code: str,
    name_zh: str,
    name_en: str,
    url: str = "",
    email: str = "",
    description_zh: str = "",
    description_en: str = "",
    signatories: Sequence[dict[str, str]] = (),
    organization=None,
    logo: UploadedFile | None = None,
    seal: UploadedFile | None = None,
    by=None,
    request=None,
) -> Issuer:
    """Create an issuer with a fresh Ed25519 key (credentials), a P-256 key (VC-JWT) and its status lists."""
    if not code or not name_zh.strip() or not name_en.strip():
        raise ApplicationError(_("An issuer needs a code and a name in Chinese and English."), code="bad_issuer")
    if Issuer.objects.filter(code=code).exists():
        raise ApplicationError(_("An issuer with this code already exists."), code="duplicate")
    clean_signatories = _check_signatories(list(signatories))
    logo = _clean_image(logo, _("logo"))
    seal = _clean_image(seal, _("seal"))
    issuer = Issuer(
        code=code,
        name_zh=name_zh.strip(),
        name_en=name_en.strip(),
        url=url,
        email=email,
        description_zh=description_zh,
        description_en=description_en,
        signatories=clean_signatories,
        organization=organization,
    )
    if logo is not None:
        issuer.logo = logo
    if seal is not None:
        issuer.seal = seal
    issuer.full_clean()
    issuer.save()
    _key_create(issuer, IssuerKey.Algorithm.ED25519)
    _key_create(issuer, IssuerKey.Algorithm.ES256)
    status_lists_ensure(issuer)
    audit_record(action="certificates.issuer_create", actor=by, target=issuer, summary=issuer.code, request=request)
    return issuer


@transaction.atomic
def issuer_update(
    *,
    issuer: Issuer,
    by=None,
    request=None,
    logo: UploadedFile | None = None,
    seal: UploadedFile | None = None,
    **fields: Any,
) -> Issuer:
    """Change an issuer's names, description, links or signatories (its code and keys stay)."""
    allowed = {"name_zh", "name_en", "url", "email", "description_zh", "description_en", "signatories"}
    unknown = set(fields) - allowed
    if unknown:
        raise ApplicationError(_("These fields cannot be changed: %(f)s") % {"f": ", ".join(sorted(unknown))})
    if "signatories" in fields:
        fields["signatories"] = _check_signatories(fields["signatories"])
    logo = _clean_image(logo, _("logo"))
    seal = _clean_image(seal, _("seal"))
    for name, value in fields.items():
        setattr(issuer, name, value)
    if logo is not None:
        issuer.logo = logo
    if seal is not None:
        issuer.seal = seal
    issuer.full_clean()
    issuer.save()
    audit_record(
        action="certificates.issuer_update",
        actor=by,
        target=issuer,
        data={"fields": sorted(fields) + (["logo"] if logo else []) + (["seal"] if seal else [])},
        request=request,
    )
    return issuer


@transaction.atomic
def issuer_key_rotate(
    *, issuer: Issuer, algorithm: str = IssuerKey.Algorithm.ED25519, by=None, request=None
) -> IssuerKey:
    """Retire the active key of ``algorithm`` and create a new one.

    The retired key stays published (profile and JWK set), so credentials it signed still verify;
    new credentials and status lists are signed with the new key.
    """
    if algorithm not in IssuerKey.Algorithm.values:
        raise ApplicationError(_("Unknown key algorithm."), code="bad_algorithm")
    now = timezone.now()
    list(IssuerKey.objects.select_for_update().filter(issuer=issuer, algorithm=algorithm, retired_at__isnull=True))
    IssuerKey.objects.filter(issuer=issuer, algorithm=algorithm, retired_at__isnull=True).update(retired_at=now)
    key = _key_create(issuer, algorithm)
    audit_record(
        action="certificates.key_rotate",
        actor=by,
        target=issuer,
        summary=key.kid,
        data={"algorithm": algorithm, "kid": key.kid},
        request=request,
    )
    from certificates.services.status import status_cache_bump

    status_cache_bump(issuer)
    return key


def issuer_active_key(issuer: Issuer, algorithm: str = IssuerKey.Algorithm.ED25519) -> IssuerKey:
    key = IssuerKey.objects.filter(issuer=issuer, algorithm=algorithm, retired_at__isnull=True).first()
    if key is None:
        raise ApplicationError(
            _("The issuer %(issuer)s has no active %(alg)s key; rotate to create one.")
            % {"issuer": issuer.code, "alg": algorithm},
            code="no_key",
        )
    return key
