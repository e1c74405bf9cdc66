"""W3C Data Integrity proofs with the ``eddsa-rdfc-2022`` cryptosuite (vc-di-eddsa v1.0).

Pure module (no Django). Steps, as in the spec (§3.2 "eddsa-rdfc-2022"):

1. *Transformation*: canonicalize the unsecured document (without ``proof``) with RDF Dataset
   Canonicalization (RDFC-1.0, which is URDNA2015) into N-Quads.
2. *Proof configuration*: the proof options (``type``, ``cryptosuite``, ``created``,
   ``verificationMethod``, ``proofPurpose``) with the document's ``@context``, canonicalized the same way.
3. *Hashing*: ``SHA-256(canonical proof config) || SHA-256(canonical document)`` (64 bytes).
4. *Serialization*: Ed25519 signature over those 64 bytes, ``proofValue = "z" + base58btc(signature)``.

JSON-LD contexts are served only from the byte-exact local copies in ``certificates/contexts``;
any other URL raises :class:`ContextNotAvailableError` — canonicalization never touches the network.
Properties that the contexts do not define would be silently dropped by JSON-LD expansion and so
left unsigned; this module refuses such documents instead (like jsonld.js "safe mode").
"""

from __future__ import annotations

import copy
import hashlib
import json
import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from cachetools import LRUCache
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric import ed25519
from frozendict import frozendict
from pyld import jsonld
from pyld.context_resolver import ContextResolver

from certificates.signing import (
    SigningKeyError,
    base58btc_decode,
    base58btc_encode,
    ed25519_public_key_from_multikey,
)

__all__ = [
    "CONTEXTS_DIR",
    "LOCAL_CONTEXTS",
    "CRYPTOSUITE",
    "ContextNotAvailableError",
    "DataIntegrityError",
    "VerificationResult",
    "PublicKeyResolver",
    "document_loader",
    "clear_context_caches",
    "canonicalize",
    "hash_data",
    "sign",
    "verify",
    "did_key_resolver",
    "multikey_resolver",
    "format_datetime",
]

CONTEXTS_DIR = Path(__file__).resolve().parent / "contexts"

#: Canonical URL → local file (see ``contexts/README.md`` for provenance).
LOCAL_CONTEXTS: dict[str, str] = {
    "https://www.w3.org/ns/credentials/v2": "credentials_v2_context.json",
    "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json": "ob_v3p0_context-3.0.3.json",
    "https://www.w3.org/ns/credentials/examples/v2": "eddsa_rdfc_2022_vector_examples_v2_context.json",
}

PROOF_TYPE = "DataIntegrityProof"
CRYPTOSUITE = "eddsa-rdfc-2022"

PublicKeyResolver = Callable[[str], ed25519.Ed25519PublicKey | None]


class ContextNotAvailableError(LookupError):
    """A document referenced a JSON-LD context that is not one of the local copies."""


class DataIntegrityError(ValueError):
    """The document cannot be canonicalized or signed as given (bad input, unknown terms…)."""


@dataclass(frozen=True)
class VerificationResult:
    """``ok`` is True only when every proof verified; ``errors`` says exactly what failed."""

    ok: bool
    errors: list[str] = field(default_factory=list)


# --------------------------------------------------------------------------- document loader

_parsed_contexts: dict[str, dict[str, Any]] = {}


def _load_context(url: str) -> dict[str, Any]:
    """Parse a local context once per process; later calls return the cached parse."""
    cached = _parsed_contexts.get(url)
    if cached is None:
        filename = LOCAL_CONTEXTS.get(url)
        if filename is None:
            raise ContextNotAvailableError(
                f"JSON-LD context {url!r} is not available offline; only these are served: "
                + ", ".join(sorted(LOCAL_CONTEXTS))
            )
        cached = json.loads((CONTEXTS_DIR / filename).read_text(encoding="utf-8"))
        _parsed_contexts[url] = cached
    return cached


def document_loader(url: str, options: Mapping[str, Any] | None = None) -> dict[str, Any]:
    """pyld document loader that serves only :data:`LOCAL_CONTEXTS` (never the network)."""
    return {
        "contextUrl": None,
        "documentUrl": url,
        # pyld treats loaded documents as read-only, but a copy keeps the cache safe regardless.
        "document": copy.deepcopy(_load_context(url)),
        # "static": pyld's ContextResolver keeps a resolved remote context in the shared cache only
        # under a tag; without one every canonicalization fetched, resolved and processed the
        # contexts again (and the processed-context cache, held on the resolved context, was lost).
        "tag": "static",
    }


# pyld keeps resolved (processed) contexts in a cache keyed by URL; ours is private so no other
# loader in the process (e.g. pyld's default network loader) can ever feed it. It is bounded by
# LOCAL_CONTEXTS, since no other URL ever resolves.
_resolved_context_cache: dict[str, Any] = {}


# Processed (active) contexts, memoized across canonicalizations: see _CachingProcessor.
_processed_contexts: LRUCache = LRUCache(maxsize=512)
_processed_lock = threading.Lock()


def clear_context_caches() -> None:
    """Forget parsed and processed contexts (for benchmarks and after replacing a context file)."""
    _parsed_contexts.clear()
    _resolved_context_cache.clear()
    with _processed_lock:
        _processed_contexts.clear()


def _local_context_key(local_ctx: Any) -> tuple[Any, Any] | None:
    """A hashable key for a local context, and the object to keep alive beside it (or None)."""
    if isinstance(local_ctx, str):
        return ("url", local_ctx), None
    if isinstance(local_ctx, list) and all(isinstance(c, str) for c in local_ctx):
        return ("urls", tuple(local_ctx)), None
    if isinstance(local_ctx, (dict, frozendict, list)):
        # A scoped context: an object inside a cached context document, the same object on every
        # call. Keyed by identity; the entry keeps a reference so the id cannot be reused.
        return ("object", id(local_ctx)), local_ctx
    return None


class _CachingProcessor(jsonld.JsonLdProcessor):
    """pyld's processor with context processing memoized across calls.

    pyld caches a processed context per (resolved context, active context), but a type-scoped
    context (OB 3.0 defines one per type: AchievementCredential, Achievement, Profile, …) does not
    propagate, so pyld first clones the active context under a fresh ``_uuid`` and its cache never
    hits: every canonicalization re-processed the same scoped contexts (about 140 term
    definitions, two thirds of the signing time). Here the result of processing a local context
    on a *frozen* (immutable, already processed) active context is kept, keyed by that context's
    ``_uuid``, the local context and the flags. pyld itself freezes and reuses processed contexts
    the same way, so the output is unchanged (tests compare canonical N-Quads byte for byte).
    Only used with :func:`document_loader`, whose contexts never change within a process.
    """

    def _process_context(
        self,
        active_ctx,
        local_ctx,
        options,
        override_protected=False,
        propagate=True,
        validate_scoped=True,
        cycles=None,
    ):
        local = _local_context_key(local_ctx) if isinstance(active_ctx, frozendict) else None
        uid = active_ctx.get("_uuid") if local is not None else None
        if uid is None:
            return super()._process_context(
                active_ctx, local_ctx, options, override_protected, propagate, validate_scoped, cycles
            )
        key = (
            uid,
            local[0],
            override_protected,
            propagate,
            validate_scoped,
            options.get("base"),
            options.get("processingMode"),
        )
        with _processed_lock:
            hit = _processed_contexts.get(key)
        if hit is not None and hit[0] is local[1]:
            return hit[1]
        result = super()._process_context(
            active_ctx, local_ctx, options, override_protected, propagate, validate_scoped, cycles
        )
        if isinstance(result, frozendict):  # only immutable results may be shared
            with _processed_lock:
                _processed_contexts[key] = (local[1], result, active_ctx)
        return result


def _find_cause(exc: BaseException, kind: type[BaseException]) -> BaseException | None:
    seen: set[int] = set()
    stack: list[BaseException | None] = [exc]
    while stack:
        cur = stack.pop()
        if cur is None or id(cur) in seen:
            continue
        seen.add(id(cur))
        if isinstance(cur, kind):
            return cur
        stack.extend([cur.__cause__, cur.__context__])
        details = getattr(cur, "details", None)
        if isinstance(details, Mapping) and isinstance(details.get("cause"), BaseException):
            stack.append(details["cause"])
    return None


def canonicalize(document: Mapping[str, Any]) -> str:
    """RDFC-1.0 (URDNA2015) canonical N-Quads of a JSON-LD document, offline.

    Raises :class:`ContextNotAvailableError` for a context that is not held locally, and
    :class:`DataIntegrityError` when the document uses a property its contexts do not define
    (it would otherwise be dropped from the signed data) or is not valid JSON-LD.
    """
    if not isinstance(document, Mapping):
        raise DataIntegrityError("a JSON-LD document must be a JSON object")
    if "@context" not in document:
        raise DataIntegrityError("the document has no @context")
    dropped: list[str | None] = []
    processor = _CachingProcessor(on_property_dropped=dropped.append)
    options = {
        "algorithm": "URDNA2015",
        "format": "application/n-quads",
        "documentLoader": document_loader,
        "contextResolver": ContextResolver(_resolved_context_cache, document_loader),
    }
    try:
        nquads = processor.normalize(dict(document), options)
    except jsonld.JsonLdError as exc:
        missing = _find_cause(exc, ContextNotAvailableError)
        if missing is not None:
            raise ContextNotAvailableError(str(missing)) from exc
        detail = exc.args[0] if exc.args else exc.__class__.__name__
        cause = exc.__cause__
        while cause is not None:
            detail += f" ({cause.args[0] if cause.args else cause})"
            cause = cause.__cause__
        raise DataIntegrityError(f"JSON-LD processing failed: {detail}") from exc
    if dropped:
        names = sorted({str(d) for d in dropped})
        raise DataIntegrityError(
            "the document uses properties its @context does not define, so they would not be "
            f"signed: {', '.join(names)}"
        )
    return nquads


def hash_data(canonical_proof_config: str, canonical_document: str) -> bytes:
    """vc-di-eddsa §3.2.4 hashing: SHA-256(proof config) followed by SHA-256(document)."""
    return (
        hashlib.sha256(canonical_proof_config.encode("utf-8")).digest()
        + hashlib.sha256(canonical_document.encode("utf-8")).digest()
    )


def format_datetime(value: datetime) -> str:
    """XML Schema ``dateTimeStamp`` in UTC with second precision, e.g. ``2023-02-24T23:36:38Z``."""
    if not isinstance(value, datetime):
        raise TypeError("expected a datetime")
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValueError("the datetime must be timezone-aware")
    return value.astimezone(UTC).replace(microsecond=0).strftime("%Y-%m-%dT%H:%M:%SZ")


def _parse_datetime(value: Any) -> datetime | None:
    if not isinstance(value, str):
        return None
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    return parsed if parsed.tzinfo is not None else None


def _unsecured(document: Mapping[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in document.items() if k != "proof"}


def _proof_config(options: Mapping[str, Any], context: Any) -> dict[str, Any]:
    config = {k: v for k, v in options.items() if k not in ("proofValue", "@context")}
    config["@context"] = context
    return config


def _existing_proofs(document: Mapping[str, Any]) -> list[Any]:
    proof = document.get("proof")
    if proof is None:
        return []
    return list(proof) if isinstance(proof, list) else [proof]


# --------------------------------------------------------------------------- sign / verify


def sign(
    document: Mapping[str, Any],
    private_key: ed25519.Ed25519PrivateKey,
    verification_method: str,
    created: datetime | str,
    proof_purpose: str = "assertionMethod",
    *,
    proof_as_array: bool = False,
) -> dict[str, Any]:
    """Return a copy of ``document`` with an ``eddsa-rdfc-2022`` ``DataIntegrityProof`` added.

    ``created`` is an aware datetime (formatted as ``YYYY-MM-DDTHH:MM:SSZ``) or an XML Schema
    dateTime string used as is. Any existing proofs are kept and the new one appended as a proof
    set (each proof signs the document without the others). ``proof_as_array`` puts a single
    proof in a list, as the Open Badges 3.0 JSON Schema requires.
    """
    if not isinstance(private_key, ed25519.Ed25519PrivateKey):
        raise DataIntegrityError("eddsa-rdfc-2022 needs an Ed25519 private key")
    if not isinstance(verification_method, str) or ":" not in verification_method:
        raise DataIntegrityError("verification_method must be a URL (e.g. https://…#key-1 or did:key:…)")
    if not proof_purpose:
        raise DataIntegrityError("proof_purpose must not be empty")
    created_text = format_datetime(created) if isinstance(created, datetime) else created
    if _parse_datetime(created_text) is None:
        raise DataIntegrityError(f"created {created_text!r} is not a date-time with a time zone")
    unsecured = _unsecured(document)
    options = {
        "type": PROOF_TYPE,
        "cryptosuite": CRYPTOSUITE,
        "created": created_text,
        "verificationMethod": verification_method,
        "proofPurpose": proof_purpose,
    }
    digest = hash_data(
        canonicalize(_proof_config(options, unsecured.get("@context"))),
        canonicalize(unsecured),
    )
    proof = {**options, "proofValue": "z" + base58btc_encode(private_key.sign(digest))}
    proofs = _existing_proofs(document) + [proof]
    signed = copy.deepcopy(dict(unsecured))
    signed["proof"] = proofs if (len(proofs) > 1 or proof_as_array) else proof
    return signed


def _verify_one(
    proof: Any,
    unsecured: dict[str, Any],
    canonical_document: str,
    resolver: PublicKeyResolver,
    expected_purpose: str | None,
    label: str,
) -> list[str]:
    errors: list[str] = []
    if not isinstance(proof, Mapping):
        return [f"{label}: the proof must be a JSON object"]
    if proof.get("type") != PROOF_TYPE:
        errors.append(f"{label}: type is {proof.get('type')!r}, expected {PROOF_TYPE!r}")
    if proof.get("cryptosuite") != CRYPTOSUITE:
        errors.append(f"{label}: cryptosuite is {proof.get('cryptosuite')!r}, expected {CRYPTOSUITE!r}")
    if expected_purpose is not None and proof.get("proofPurpose") != expected_purpose:
        errors.append(f"{label}: proofPurpose is {proof.get('proofPurpose')!r}, expected {expected_purpose!r}")
    if "created" in proof and _parse_datetime(proof["created"]) is None:
        errors.append(f"{label}: created {proof['created']!r} is not a date-time with a time zone")
    if "@context" in proof:
        doc_ctx = unsecured.get("@context")
        doc_list = doc_ctx if isinstance(doc_ctx, list) else [doc_ctx]
        proof_ctx = proof["@context"] if isinstance(proof["@context"], list) else [proof["@context"]]
        if doc_list[: len(proof_ctx)] != proof_ctx:
            errors.append(f"{label}: its @context does not match the start of the document's @context")
    proof_value = proof.get("proofValue")
    signature = b""
    if not isinstance(proof_value, str) or not proof_value.startswith("z"):
        errors.append(f"{label}: proofValue must be a multibase base58btc string starting with 'z'")
    else:
        try:
            signature = base58btc_decode(proof_value[1:])
        except ValueError as exc:
            errors.append(f"{label}: proofValue is not valid base58btc ({exc})")
        else:
            if len(signature) != 64:
                errors.append(f"{label}: proofValue decodes to {len(signature)} bytes, expected 64")
    method = proof.get("verificationMethod")
    key: ed25519.Ed25519PublicKey | None = None
    if not isinstance(method, str) or not method:
        errors.append(f"{label}: verificationMethod is missing")
    else:
        try:
            key = resolver(method)
        except (SigningKeyError, ValueError) as exc:
            errors.append(f"{label}: verification method {method!r} could not be resolved: {exc}")
        else:
            if key is None:
                errors.append(f"{label}: verification method {method!r} is not a known issuer key")
            elif not isinstance(key, ed25519.Ed25519PublicKey):
                errors.append(f"{label}: verification method {method!r} is not an Ed25519 key")
                key = None
    if errors:
        return errors
    try:
        canonical_config = canonicalize(_proof_config(proof, unsecured.get("@context")))
    except (DataIntegrityError, ContextNotAvailableError) as exc:
        return [f"{label}: the proof options cannot be canonicalized: {exc}"]
    assert key is not None  # guarded above
    try:
        key.verify(signature, hash_data(canonical_config, canonical_document))
    except InvalidSignature:
        errors.append(
            f"{label}: the signature does not match: the credential or its proof options were "
            "changed after signing, or it was signed with another key"
        )
    return errors


def verify(
    document: Mapping[str, Any],
    public_key_resolver: PublicKeyResolver,
    *,
    expected_proof_purpose: str | None = "assertionMethod",
) -> VerificationResult:
    """Verify every ``eddsa-rdfc-2022`` proof on ``document``.

    ``public_key_resolver(verification_method)`` returns the Ed25519 public key the issuer
    publishes under that id, or ``None`` if it does not know it. Never raises for a bad
    document: each problem becomes one message in ``errors``.
    """
    if not isinstance(document, Mapping):
        return VerificationResult(False, ["the document must be a JSON object"])
    proofs = _existing_proofs(document)
    if not proofs:
        return VerificationResult(False, ["the document has no proof"])
    unsecured = _unsecured(document)
    try:
        canonical_document = canonicalize(unsecured)
    except (DataIntegrityError, ContextNotAvailableError) as exc:
        return VerificationResult(False, [f"the document cannot be canonicalized: {exc}"])
    errors: list[str] = []
    for i, proof in enumerate(proofs):
        label = "proof" if len(proofs) == 1 else f"proof #{i + 1}"
        errors.extend(
            _verify_one(proof, unsecured, canonical_document, public_key_resolver, expected_proof_purpose, label)
        )
    return VerificationResult(not errors, errors)


# --------------------------------------------------------------------------- key resolvers


def did_key_resolver(verification_method: str) -> ed25519.Ed25519PublicKey | None:
    """Resolve ``did:key:z6Mk…#z6Mk…`` offline (the key is in the identifier itself).

    Returns ``None`` for anything that is not an Ed25519 ``did:key``. Note that a did:key proves
    only key possession: callers must still check the key belongs to the claimed issuer.
    """
    if not verification_method.startswith("did:key:"):
        return None
    did, _, fragment = verification_method.partition("#")
    multikey = did[len("did:key:") :]
    if fragment and fragment != multikey:
        raise ValueError("a did:key verification method fragment must repeat the key")
    return ed25519_public_key_from_multikey(multikey)


def multikey_resolver(keys: Mapping[str, str]) -> PublicKeyResolver:
    """Resolver over ``{verification method id: publicKeyMultibase}`` (e.g. the issuer's published keys)."""
    parsed = {vm: ed25519_public_key_from_multikey(mk) for vm, mk in keys.items()}
    return parsed.get
