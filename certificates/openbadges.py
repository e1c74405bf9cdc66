"""Open Badges 3.0 ``OpenBadgeCredential`` documents (VC Data Model 2.0): build, sign, validate, verify.

Pure module (no Django). The certificates app turns a certificate row into the plain inputs
below, calls :func:`build_credential` and :func:`sign_credential`, and serves the result; the
public verification page calls :func:`verify_credential`.

Bilingual text. The OB 3.0 JSON Schema requires ``name`` and ``description`` to be plain strings
(a JSON-LD language map or ``{"@value", "@language"}`` object fails it), so:

* the ``Achievement`` carries its name in the primary language with ``inLanguage``, and lists the
  same achievement in the other language(s) under ``related`` (``Related`` objects with ``id`` and
  ``inLanguage``) — the mechanism OB 3.0 defines for translations;
* ``Profile`` (the issuer) and the credential itself have no ``inLanguage``/``related`` in OB 3.0,
  so their names carry both languages in one string, ``"<zh> / <en>"``;
* descriptions and the criteria narrative (Markdown) hold both languages as two paragraphs;
* the holder's names go in ``credentialSubject.identifier`` as ``IdentityObject`` entries with
  ``identityType: "name"`` — plaintext, or salted SHA-256 (``sha256$<hex>``) when a salt is given.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from functools import lru_cache
from typing import Any
from urllib.parse import urlsplit

from cryptography.hazmat.primitives.asymmetric import ed25519
from jsonschema import Draft201909Validator

from certificates import data_integrity
from certificates.data_integrity import CONTEXTS_DIR, PublicKeyResolver, format_datetime
from certificates.status_list import StatusListError, status_from_list_credential, status_list_entry

__all__ = [
    "VC_V2_CONTEXT",
    "OB_V3_CONTEXT",
    "CredentialInputError",
    "LocalizedText",
    "IssuerInput",
    "AlignmentInput",
    "AchievementInput",
    "SubjectInput",
    "StatusInput",
    "CredentialInput",
    "CheckResult",
    "VerificationReport",
    "StatusLookup",
    "build_credential",
    "sign_credential",
    "validate_schema",
    "verify_credential",
    "status_lookup_from_lists",
]

VC_V2_CONTEXT = "https://www.w3.org/ns/credentials/v2"
OB_V3_CONTEXT = "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json"
SCHEMA_FILE = CONTEXTS_DIR / "ob_v3p0_achievementcredential_schema.json"

# Achievement.achievementType values from the OB 3.0 vocabulary (plus "ext:…" extensions).
ACHIEVEMENT_TYPES = frozenset(
    [
        "Achievement",
        "ApprenticeshipCertificate",
        "Assessment",
        "Assignment",
        "AssociateDegree",
        "Award",
        "Badge",
        "BachelorDegree",
        "Certificate",
        "CertificateOfCompletion",
        "Certification",
        "CommunityService",
        "Competency",
        "Course",
        "CoCurricular",
        "Degree",
        "Diploma",
        "DoctoralDegree",
        "Fieldwork",
        "GeneralEducationDevelopment",
        "JourneymanCertificate",
        "LearningProgram",
        "License",
        "Membership",
        "ProfessionalDoctorate",
        "QualityAssuranceCredential",
        "MasterCertificate",
        "MasterDegree",
        "MicroCredential",
        "ResearchDoctorate",
        "SecondarySchoolDiploma",
    ]
)


class CredentialInputError(ValueError):
    """The inputs cannot make a valid credential; the message names the field."""


@dataclass(frozen=True)
class LocalizedText:
    """The same text in Simplified Chinese and English."""

    zh: str
    en: str

    def joined(self, sep: str = " / ") -> str:
        return f"{self.zh}{sep}{self.en}" if self.en and self.en != self.zh else self.zh


@dataclass(frozen=True)
class IssuerInput:
    id: str  # URL of the issuer's Profile document (also the JSON-LD id)
    name: LocalizedText
    url: str  # the issuer's home page
    image: str | None = None  # URL or data: URI of the logo
    email: str | None = None


@dataclass(frozen=True)
class AlignmentInput:
    """A link from the achievement to a curriculum item (e.g. a technique area page)."""

    target_name: str
    target_url: str
    target_code: str | None = None
    target_framework: str | None = None
    target_description: str | None = None


@dataclass(frozen=True)
class AchievementInput:
    id: str  # URL of the achievement (certificate type) in the primary language
    name: LocalizedText
    description: LocalizedText
    criteria_narrative: LocalizedText
    level: str | None = None  # e.g. "qualifying" / "advanced"; published as a tag "level:<level>"
    alignments: Sequence[AlignmentInput] = ()
    # language tag -> URL of this achievement in that language (served by the certificates app)
    translations: Mapping[str, str] = field(default_factory=dict)
    achievement_type: str = "Certification"
    field_of_study: str | None = None
    human_code: str | None = None
    image: str | None = None


@dataclass(frozen=True)
class SubjectInput:
    id: str  # urn:uuid:… or the certificate's verification URL
    name: LocalizedText
    identity_salt: str | None = None  # when set, names are published as salted SHA-256 hashes


@dataclass(frozen=True)
class StatusInput:
    list_url: str
    index: int
    purpose: str = "revocation"


@dataclass(frozen=True)
class CredentialInput:
    id: str  # urn:uuid:… or an https URL; stable for the certificate
    issuer: IssuerInput
    achievement: AchievementInput
    subject: SubjectInput
    valid_from: datetime
    valid_until: datetime | None = None
    status: StatusInput | None = None
    awarded_date: datetime | None = None
    primary_language: str = "zh-CN"
    name: LocalizedText | None = None  # credential display name; defaults to the achievement name


# --------------------------------------------------------------------------- build


def _require_uri(value: Any, what: str, *, schemes: tuple[str, ...] = ("https", "http", "urn", "did")) -> str:
    if not isinstance(value, str) or not value.strip():
        raise CredentialInputError(f"{what} is required")
    scheme = urlsplit(value).scheme
    if scheme not in schemes:
        raise CredentialInputError(f"{what} must be a URI with scheme {', '.join(schemes)} (got {value!r})")
    return value


def _require_text(value: Any, what: str) -> str:
    if not isinstance(value, str) or not value.strip():
        raise CredentialInputError(f"{what} must be a non-empty string")
    return value.strip()


def _localized(value: Any, what: str) -> LocalizedText:
    if not isinstance(value, LocalizedText):
        raise CredentialInputError(f"{what} must be a LocalizedText")
    return LocalizedText(_require_text(value.zh, f"{what} (zh)"), _require_text(value.en, f"{what} (en)"))


def _image(value: str, what: str) -> dict[str, str]:
    _require_uri(value, what, schemes=("https", "http", "data"))
    return {"id": value, "type": "Image"}


def _two_paragraphs(text: LocalizedText, primary_is_zh: bool) -> str:
    first, second = (text.zh, text.en) if primary_is_zh else (text.en, text.zh)
    return first if first == second else f"{first}\n\n{second}"


def _identity(name: str, salt: str | None) -> dict[str, Any]:
    if salt is None:
        return {"type": "IdentityObject", "identityType": "name", "hashed": False, "identityHash": name}
    digest = hashlib.sha256((name + salt).encode("utf-8")).hexdigest()
    return {
        "type": "IdentityObject",
        "identityType": "name",
        "hashed": True,
        "identityHash": f"sha256${digest}",
        "salt": salt,
    }


def build_credential(data: CredentialInput) -> dict[str, Any]:
    """An unsigned ``OpenBadgeCredential`` as a dict (see the module docstring for the layout).

    Raises :class:`CredentialInputError` naming the first bad field.
    """
    primary = data.primary_language
    if primary.split("-")[0] not in ("zh", "en"):
        raise CredentialInputError(f"primary_language must be a zh or en tag (got {primary!r})")
    primary_is_zh = primary.startswith("zh")
    issuer_in, ach_in, subj_in = data.issuer, data.achievement, data.subject

    issuer_name = _localized(issuer_in.name, "issuer name")
    issuer: dict[str, Any] = {
        "id": _require_uri(issuer_in.id, "issuer id", schemes=("https", "http", "did")),
        "type": ["Profile"],
        # Profile has no inLanguage/related in OB 3.0 and its name must be a plain string.
        "name": issuer_name.joined() if primary_is_zh else f"{issuer_name.en} / {issuer_name.zh}",
        "url": _require_uri(issuer_in.url, "issuer url", schemes=("https", "http")),
    }
    if issuer_in.image:
        issuer["image"] = _image(issuer_in.image, "issuer image")
    if issuer_in.email:
        issuer["email"] = _require_text(issuer_in.email, "issuer email")

    ach_name = _localized(ach_in.name, "achievement name")
    ach_desc = _localized(ach_in.description, "achievement description")
    criteria = _localized(ach_in.criteria_narrative, "criteria narrative")
    if ach_in.achievement_type not in ACHIEVEMENT_TYPES and not ach_in.achievement_type.startswith("ext:"):
        raise CredentialInputError(f"achievement_type {ach_in.achievement_type!r} is not an OB 3.0 type")
    achievement: dict[str, Any] = {
        "id": _require_uri(ach_in.id, "achievement id"),
        "type": ["Achievement"],
        "achievementType": ach_in.achievement_type,
        "name": ach_name.zh if primary_is_zh else ach_name.en,
        "description": _two_paragraphs(ach_desc, primary_is_zh),
        "criteria": {"narrative": _two_paragraphs(criteria, primary_is_zh)},
        "inLanguage": primary,
    }
    if ach_in.image:
        achievement["image"] = _image(ach_in.image, "achievement image")
    if ach_in.field_of_study:
        achievement["fieldOfStudy"] = _require_text(ach_in.field_of_study, "field_of_study")
    if ach_in.human_code:
        achievement["humanCode"] = _require_text(ach_in.human_code, "human_code")
    if ach_in.level:
        achievement["tag"] = [f"level:{_require_text(ach_in.level, 'level')}"]
    alignments = []
    for i, al in enumerate(ach_in.alignments):
        entry: dict[str, Any] = {
            "type": ["Alignment"],
            "targetName": _require_text(al.target_name, f"alignment {i} target_name"),
            "targetUrl": _require_uri(al.target_url, f"alignment {i} target_url", schemes=("https", "http")),
        }
        if al.target_code:
            entry["targetCode"] = al.target_code
        if al.target_framework:
            entry["targetFramework"] = al.target_framework
        if al.target_description:
            entry["targetDescription"] = al.target_description
        alignments.append(entry)
    if alignments:
        achievement["alignment"] = alignments
    related = []
    for lang, url in sorted(ach_in.translations.items()):
        if lang == primary:
            raise CredentialInputError(f"translation language {lang!r} is the primary language")
        related.append({"id": _require_uri(url, f"translation {lang} url"), "type": ["Related"], "inLanguage": lang})
    if related:
        achievement["related"] = related

    holder = _localized(subj_in.name, "holder name")
    names = [holder.zh] if holder.zh == holder.en else [holder.zh, holder.en]
    subject: dict[str, Any] = {
        "id": _require_uri(subj_in.id, "subject id", schemes=("urn", "https", "http", "did")),
        "type": ["AchievementSubject"],
        "achievement": achievement,
        "identifier": [_identity(n, subj_in.identity_salt) for n in names],
    }

    if not isinstance(data.valid_from, datetime):
        raise CredentialInputError("valid_from must be a datetime")
    try:
        valid_from = format_datetime(data.valid_from)
        valid_until = format_datetime(data.valid_until) if data.valid_until is not None else None
        awarded = format_datetime(data.awarded_date) if data.awarded_date is not None else None
    except ValueError as exc:
        raise CredentialInputError(f"dates must be timezone-aware: {exc}") from exc
    if data.valid_until is not None and data.valid_until <= data.valid_from:
        raise CredentialInputError("valid_until must be after valid_from")

    title = _localized(data.name, "credential name") if data.name else ach_name
    credential: dict[str, Any] = {
        "@context": [VC_V2_CONTEXT, OB_V3_CONTEXT],
        "id": _require_uri(data.id, "credential id", schemes=("urn", "https", "http")),
        "type": ["VerifiableCredential", "OpenBadgeCredential"],
        "name": title.joined() if primary_is_zh else f"{title.en} / {title.zh}",
        "issuer": issuer,
        "validFrom": valid_from,
        "credentialSubject": subject,
    }
    if valid_until:
        credential["validUntil"] = valid_until
    if awarded:
        credential["awardedDate"] = awarded
    if data.status is not None:
        try:
            credential["credentialStatus"] = status_list_entry(
                data.status.list_url, data.status.index, data.status.purpose
            )
        except StatusListError as exc:
            raise CredentialInputError(f"credentialStatus: {exc}") from exc
    return credential


def sign_credential(
    credential: Mapping[str, Any],
    private_key: ed25519.Ed25519PrivateKey,
    verification_method: str,
    created: datetime,
) -> dict[str, Any]:
    """Add an ``eddsa-rdfc-2022`` proof; ``proof`` is a list, as the OB 3.0 schema requires."""
    return data_integrity.sign(
        credential, private_key, verification_method, created, "assertionMethod", proof_as_array=True
    )


# --------------------------------------------------------------------------- schema


@lru_cache(maxsize=1)
def _schema_validator() -> Draft201909Validator:
    schema = json.loads(SCHEMA_FILE.read_text(encoding="utf-8"))
    Draft201909Validator.check_schema(schema)
    return Draft201909Validator(schema, format_checker=Draft201909Validator.FORMAT_CHECKER)


def validate_schema(credential: Mapping[str, Any]) -> list[str]:
    """Messages for every violation of the OB 3.0 AchievementCredential JSON Schema (offline).

    Each message starts with the JSON path of the offending value; an empty list means valid.
    """
    errors = sorted(_schema_validator().iter_errors(credential), key=lambda e: (e.json_path, e.message))
    return [f"{e.json_path}: {e.message}" for e in errors]


# --------------------------------------------------------------------------- verify


@dataclass(frozen=True)
class CheckResult:
    name: str  # "proof" | "schema" | "dates" | "status"
    ok: bool
    messages: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class VerificationReport:
    checks: list[CheckResult]

    @property
    def ok(self) -> bool:
        return all(c.ok for c in self.checks)

    @property
    def errors(self) -> list[str]:
        return [f"{c.name}: {m}" for c in self.checks if not c.ok for m in c.messages]

    def check(self, name: str) -> CheckResult:
        return next(c for c in self.checks if c.name == name)


#: ``status_lookup(credentialStatus entry)`` → True when the status bit is set (revoked),
#: False when clear, None when the list cannot be obtained. May raise StatusListError.
StatusLookup = Callable[[Mapping[str, Any]], bool | None]


def _parse_dt(value: Any) -> datetime | None:
    if not isinstance(value, str):
        return None
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    return parsed if parsed.tzinfo is not None else None


def _origin(url: str) -> tuple[str, str] | None:
    parts = urlsplit(url)
    return (parts.scheme, parts.netloc) if parts.scheme in ("http", "https") else None


def _check_proof(credential: Mapping[str, Any], key_resolver: PublicKeyResolver) -> CheckResult:
    result = data_integrity.verify(credential, key_resolver)
    messages = list(result.errors)
    issuer = credential.get("issuer")
    issuer_id = issuer.get("id") if isinstance(issuer, Mapping) else issuer
    proofs = credential.get("proof")
    for proof in proofs if isinstance(proofs, list) else [proofs]:
        method = proof.get("verificationMethod") if isinstance(proof, Mapping) else None
        if isinstance(method, str) and isinstance(issuer_id, str):
            vm_origin, issuer_origin = _origin(method), _origin(issuer_id)
            if vm_origin and issuer_origin and vm_origin != issuer_origin:
                messages.append(f"the signing key {method!r} is not published by the issuer {issuer_id!r}")
    if not messages:
        return CheckResult("proof", True, ["the signature verifies with the issuer's key"])
    return CheckResult("proof", False, messages)


def _check_dates(credential: Mapping[str, Any], now: datetime) -> CheckResult:
    messages: list[str] = []
    valid_from = _parse_dt(credential.get("validFrom"))
    if valid_from is None:
        messages.append(f"validFrom {credential.get('validFrom')!r} is missing or not a date-time with a time zone")
    elif now < valid_from:
        messages.append(f"not yet valid: validFrom is {credential['validFrom']}")
    if "validUntil" in credential:
        valid_until = _parse_dt(credential["validUntil"])
        if valid_until is None:
            messages.append(f"validUntil {credential['validUntil']!r} is not a date-time with a time zone")
        elif now >= valid_until:
            messages.append(f"expired: validUntil was {credential['validUntil']}")
    if messages:
        return CheckResult("dates", False, messages)
    return CheckResult("dates", True, ["within its validity period"])


def _check_status(credential: Mapping[str, Any], status_lookup: StatusLookup | None) -> CheckResult:
    entries = credential.get("credentialStatus")
    if entries is None:
        return CheckResult("status", True, ["the credential has no status entry (it cannot be revoked)"])
    if status_lookup is None:
        return CheckResult("status", False, ["the credential has a status entry but no status lookup was given"])
    messages: list[str] = []
    for entry in entries if isinstance(entries, list) else [entries]:
        if not isinstance(entry, Mapping):
            messages.append("credentialStatus entries must be JSON objects")
            continue
        purpose = entry.get("statusPurpose")
        try:
            flagged = status_lookup(entry)
        except StatusListError as exc:
            messages.append(f"status list {entry.get('statusListCredential')!r}: {exc}")
            continue
        if flagged is None:
            messages.append(f"status list {entry.get('statusListCredential')!r} could not be obtained")
        elif flagged:
            messages.append("revoked" if purpose == "revocation" else f"status {purpose!r} is set")
    if messages:
        return CheckResult("status", False, messages)
    return CheckResult("status", True, ["not revoked"])


def verify_credential(
    credential: Mapping[str, Any],
    key_resolver: PublicKeyResolver,
    status_lookup: StatusLookup | None,
    now: datetime,
) -> VerificationReport:
    """Check proof, schema, dates and status; each check carries clear messages.

    ``key_resolver`` maps a verification method id to the issuer's Ed25519 public key (or None).
    ``now`` must be timezone-aware. Never raises for a bad credential.
    """
    if now.tzinfo is None:
        raise ValueError("now must be timezone-aware")
    if not isinstance(credential, Mapping):
        return VerificationReport([CheckResult("schema", False, ["the credential must be a JSON object"])])
    schema_errors = validate_schema(credential)
    return VerificationReport(
        [
            _check_proof(credential, key_resolver),
            CheckResult("schema", not schema_errors, schema_errors or ["matches the OB 3.0 schema"]),
            _check_dates(credential, now),
            _check_status(credential, status_lookup),
        ]
    )


def status_lookup_from_lists(
    lists: Mapping[str, Mapping[str, Any]],
    key_resolver: PublicKeyResolver | None = None,
) -> StatusLookup:
    """A :data:`StatusLookup` over already-fetched status list credentials keyed by URL.

    With ``key_resolver`` each list credential's own proof is verified before it is trusted;
    a list that fails raises :class:`StatusListError` (reported by the status check).
    """

    def lookup(entry: Mapping[str, Any]) -> bool | None:
        list_credential = lists.get(entry.get("statusListCredential"))  # type: ignore[arg-type]
        if list_credential is None:
            return None
        if key_resolver is not None:
            result = data_integrity.verify(list_credential, key_resolver)
            if not result.ok:
                raise StatusListError("the status list's proof does not verify: " + "; ".join(result.errors))
        return status_from_list_credential(entry, list_credential)

    return lookup
