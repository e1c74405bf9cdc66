"""Issuer signing keys: Ed25519 for Data Integrity proofs, ES256 (P-256) for the optional VC-JWT.

Pure module (no Django). Everything is built on ``cryptography``:

* key generation, passphrase-encrypted PKCS#8 PEM storage and loading;
* the Ed25519 public key as a Multikey (``z6Mk…``: multibase base58btc of the multicodec
  prefix ``0xed 0x01`` followed by the 32 raw key bytes) and as a JWK (``OKP``/``Ed25519``);
* the P-256 public key as a JWK (``EC``/``P-256``) and a JWK Set builder;
* VC-JWT for Open Badges 3.0 (header ``{"alg": "ES256", "kid": …, "typ": "JWT"}``; claims
  ``iss``, ``jti``, ``sub``, ``nbf``, ``exp``, ``vc``), signed and verified by hand.
"""

from __future__ import annotations

import base64
import json
from collections.abc import Callable, Iterable, Mapping
from datetime import datetime
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed25519
from cryptography.hazmat.primitives.asymmetric.utils import (
    decode_dss_signature,
    encode_dss_signature,
)

__all__ = [
    "SigningKeyError",
    "KeyDecryptionError",
    "JwtError",
    "PrivateKey",
    "PublicKey",
    "base58btc_encode",
    "base58btc_decode",
    "generate_ed25519_key",
    "generate_es256_key",
    "serialize_private_key",
    "load_private_key",
    "ed25519_public_key_to_multikey",
    "ed25519_public_key_from_multikey",
    "ed25519_private_key_to_multikey",
    "ed25519_private_key_from_multikey",
    "public_key_to_jwk",
    "public_key_from_jwk",
    "build_jwk_set",
    "vc_jwt_claims",
    "jwt_sign_es256",
    "jwt_verify_es256",
]

PrivateKey = ed25519.Ed25519PrivateKey | ec.EllipticCurvePrivateKey
PublicKey = ed25519.Ed25519PublicKey | ec.EllipticCurvePublicKey

# Multicodec varint prefixes (https://github.com/multiformats/multicodec/blob/master/table.csv).
ED25519_PUB_PREFIX = b"\xed\x01"
ED25519_PRIV_PREFIX = b"\x80\x26"

_B58_ALPHABET = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz"
_B58_INDEX = {c: i for i, c in enumerate(_B58_ALPHABET)}

MIN_PASSPHRASE_LENGTH = 8


class SigningKeyError(ValueError):
    """A key, or its serialized form, is malformed or of the wrong kind."""


class KeyDecryptionError(SigningKeyError):
    """The encrypted private key could not be decrypted (wrong passphrase or damaged data)."""


class JwtError(ValueError):
    """A JWT is malformed, uses an unexpected algorithm, or its signature does not verify."""


# --------------------------------------------------------------------------- base58 / base64url


def base58btc_encode(data: bytes) -> str:
    """Bitcoin base58 alphabet, leading zero bytes kept as leading ``1``s (no multibase prefix)."""
    n = int.from_bytes(data, "big")
    out = []
    while n:
        n, rem = divmod(n, 58)
        out.append(_B58_ALPHABET[rem])
    leading = len(data) - len(data.lstrip(b"\x00"))
    return "1" * leading + "".join(reversed(out))


def base58btc_decode(text: str) -> bytes:
    """Inverse of :func:`base58btc_encode`; raises ``ValueError`` on a character outside the alphabet."""
    n = 0
    for ch in text:
        try:
            n = n * 58 + _B58_INDEX[ch]
        except KeyError:
            raise ValueError(f"invalid base58btc character {ch!r}") from None
    leading = len(text) - len(text.lstrip("1"))
    body = n.to_bytes((n.bit_length() + 7) // 8, "big") if n else b""
    return b"\x00" * leading + body


def b64url_encode(data: bytes) -> str:
    """base64url without padding (RFC 7515 §2)."""
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def b64url_decode(text: str) -> bytes:
    """Decode unpadded base64url; raises ``ValueError`` on anything else."""
    if not isinstance(text, str) or any(c not in _B64URL_CHARS for c in text):
        raise ValueError("not base64url text")
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


_B64URL_CHARS = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_")


# --------------------------------------------------------------------------- generation and storage


def generate_ed25519_key() -> ed25519.Ed25519PrivateKey:
    """A fresh Ed25519 key for ``eddsa-rdfc-2022`` Data Integrity proofs."""
    return ed25519.Ed25519PrivateKey.generate()


def generate_es256_key() -> ec.EllipticCurvePrivateKey:
    """A fresh P-256 key for ES256 VC-JWTs."""
    return ec.generate_private_key(ec.SECP256R1())


def _passphrase_bytes(passphrase: str | bytes) -> bytes:
    if isinstance(passphrase, str):
        passphrase = passphrase.encode("utf-8")
    if not isinstance(passphrase, bytes):
        raise TypeError("passphrase must be str or bytes")
    return passphrase


def serialize_private_key(key: PrivateKey, passphrase: str | bytes) -> bytes:
    """PEM-encoded PKCS#8, encrypted with ``passphrase`` (the best scheme ``cryptography`` offers).

    Raises :class:`SigningKeyError` for a passphrase shorter than ``MIN_PASSPHRASE_LENGTH`` bytes:
    issuer keys are never stored in the clear.
    """
    secret = _passphrase_bytes(passphrase)
    if len(secret) < MIN_PASSPHRASE_LENGTH:
        raise SigningKeyError(f"the passphrase must be at least {MIN_PASSPHRASE_LENGTH} bytes long")
    if not isinstance(key, (ed25519.Ed25519PrivateKey, ec.EllipticCurvePrivateKey)):
        raise SigningKeyError(f"unsupported private key type {type(key).__name__}")
    return key.private_bytes(
        encoding=serialization.Encoding.PEM,
        format=serialization.PrivateFormat.PKCS8,
        encryption_algorithm=serialization.BestAvailableEncryption(secret),
    )


def load_private_key(pem: bytes | str, passphrase: str | bytes) -> PrivateKey:
    """Decrypt a PEM from :func:`serialize_private_key`.

    Raises :class:`KeyDecryptionError` for a wrong passphrase or an unencrypted PEM, and
    :class:`SigningKeyError` for a key that is neither Ed25519 nor P-256.
    """
    data = pem.encode("ascii") if isinstance(pem, str) else pem
    try:
        key = serialization.load_pem_private_key(data, password=_passphrase_bytes(passphrase))
    except TypeError as exc:  # raised by cryptography when the PEM is not encrypted
        raise KeyDecryptionError(f"the private key is not encrypted: {exc}") from exc
    except ValueError as exc:
        raise KeyDecryptionError("could not decrypt the private key: wrong passphrase or damaged key data") from exc
    if isinstance(key, ed25519.Ed25519PrivateKey):
        return key
    if isinstance(key, ec.EllipticCurvePrivateKey) and isinstance(key.curve, ec.SECP256R1):
        return key
    raise SigningKeyError(f"unsupported private key type {type(key).__name__}")


# --------------------------------------------------------------------------- Multikey


def _raw_public(key: ed25519.Ed25519PublicKey) -> bytes:
    return key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)


def ed25519_public_key_to_multikey(key: ed25519.Ed25519PublicKey) -> str:
    """``publicKeyMultibase`` of a Multikey: ``"z" + base58btc(0xed01 || key)`` — starts ``z6Mk``."""
    if not isinstance(key, ed25519.Ed25519PublicKey):
        raise SigningKeyError("a Multikey here is an Ed25519 public key")
    return "z" + base58btc_encode(ED25519_PUB_PREFIX + _raw_public(key))


def _decode_multibase_key(value: str, prefix: bytes, what: str) -> bytes:
    if not isinstance(value, str) or not value.startswith("z"):
        raise SigningKeyError(f"{what} must be multibase base58btc (a string starting with 'z')")
    try:
        raw = base58btc_decode(value[1:])
    except ValueError as exc:
        raise SigningKeyError(f"{what} is not valid base58btc: {exc}") from exc
    if len(raw) != len(prefix) + 32 or not raw.startswith(prefix):
        raise SigningKeyError(f"{what} must be the multicodec prefix 0x{prefix.hex()} followed by 32 bytes")
    return raw[len(prefix) :]


def ed25519_public_key_from_multikey(value: str) -> ed25519.Ed25519PublicKey:
    """Parse a ``z6Mk…`` Multikey value back into a public key."""
    raw = _decode_multibase_key(value, ED25519_PUB_PREFIX, "an Ed25519 Multikey public key")
    return ed25519.Ed25519PublicKey.from_public_bytes(raw)


def ed25519_private_key_to_multikey(key: ed25519.Ed25519PrivateKey) -> str:
    """``secretKeyMultibase`` form (``z3u2…``; multicodec ``ed25519-priv`` 0x1300). Handle with care."""
    raw = key.private_bytes(serialization.Encoding.Raw, serialization.PrivateFormat.Raw, serialization.NoEncryption())
    return "z" + base58btc_encode(ED25519_PRIV_PREFIX + raw)


def ed25519_private_key_from_multikey(value: str) -> ed25519.Ed25519PrivateKey:
    """Parse a ``z3u2…`` secret key (as in the W3C test vectors) into a private key."""
    raw = _decode_multibase_key(value, ED25519_PRIV_PREFIX, "an Ed25519 Multikey secret key")
    return ed25519.Ed25519PrivateKey.from_private_bytes(raw)


# --------------------------------------------------------------------------- JWK


def _int_bytes(value: int, length: int) -> bytes:
    return value.to_bytes(length, "big")


def public_key_to_jwk(key: PublicKey, kid: str | None = None) -> dict[str, str]:
    """RFC 8037 ``OKP``/``Ed25519`` or RFC 7518 ``EC``/``P-256`` public JWK, with ``kid`` if given."""
    jwk: dict[str, str]
    if isinstance(key, ed25519.Ed25519PublicKey):
        jwk = {"kty": "OKP", "crv": "Ed25519", "x": b64url_encode(_raw_public(key))}
    elif isinstance(key, ec.EllipticCurvePublicKey) and isinstance(key.curve, ec.SECP256R1):
        numbers = key.public_numbers()
        jwk = {
            "kty": "EC",
            "crv": "P-256",
            "x": b64url_encode(_int_bytes(numbers.x, 32)),
            "y": b64url_encode(_int_bytes(numbers.y, 32)),
        }
    else:
        raise SigningKeyError(f"unsupported public key type {type(key).__name__}")
    if kid is not None:
        jwk["kid"] = kid
    return jwk


def public_key_from_jwk(jwk: Mapping[str, Any]) -> PublicKey:
    """Inverse of :func:`public_key_to_jwk`. Refuses JWKs that carry private material (``d``)."""
    if not isinstance(jwk, Mapping):
        raise SigningKeyError("a JWK must be a JSON object")
    if "d" in jwk:
        raise SigningKeyError("refusing a JWK that contains a private key ('d')")
    kty, crv = jwk.get("kty"), jwk.get("crv")
    try:
        if kty == "OKP" and crv == "Ed25519":
            raw = b64url_decode(jwk["x"])
            if len(raw) != 32:
                raise SigningKeyError("an Ed25519 JWK 'x' must be 32 bytes")
            return ed25519.Ed25519PublicKey.from_public_bytes(raw)
        if kty == "EC" and crv == "P-256":
            x, y = b64url_decode(jwk["x"]), b64url_decode(jwk["y"])
            if len(x) != 32 or len(y) != 32:
                raise SigningKeyError("a P-256 JWK 'x' and 'y' must be 32 bytes each")
            numbers = ec.EllipticCurvePublicNumbers(int.from_bytes(x, "big"), int.from_bytes(y, "big"), ec.SECP256R1())
            return numbers.public_key()
    except KeyError as exc:
        raise SigningKeyError(f"the JWK lacks member {exc.args[0]!r}") from exc
    except ValueError as exc:
        if isinstance(exc, SigningKeyError):
            raise
        raise SigningKeyError(f"invalid JWK: {exc}") from exc
    raise SigningKeyError(f"unsupported JWK kty={kty!r} crv={crv!r} (expected OKP/Ed25519 or EC/P-256)")


def build_jwk_set(keys: Iterable[tuple[str, PublicKey]]) -> dict[str, list[dict[str, str]]]:
    """A JWK Set (RFC 7517 §5) from ``(kid, public key)`` pairs; kids must be unique and non-empty.

    Each entry gets ``use: "sig"`` and its ``alg`` (``EdDSA`` or ``ES256``).
    """
    out: list[dict[str, str]] = []
    seen: set[str] = set()
    for kid, key in keys:
        if not kid:
            raise SigningKeyError("every key in a JWK Set needs a non-empty kid")
        if kid in seen:
            raise SigningKeyError(f"duplicate kid {kid!r} in JWK Set")
        seen.add(kid)
        jwk = public_key_to_jwk(key, kid=kid)
        jwk["use"] = "sig"
        jwk["alg"] = "EdDSA" if jwk["kty"] == "OKP" else "ES256"
        out.append(jwk)
    return {"keys": out}


# --------------------------------------------------------------------------- VC-JWT (ES256)


def _numeric_date(value: str, field: str) -> int:
    """XML Schema dateTime with a zone (``…Z`` or ``…+08:00``) → seconds since the epoch."""
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except (AttributeError, ValueError) as exc:
        raise JwtError(f"credential {field} {value!r} is not an ISO 8601 date-time") from exc
    if parsed.tzinfo is None:
        raise JwtError(f"credential {field} {value!r} has no time zone")
    return int(parsed.timestamp())


def vc_jwt_claims(credential: Mapping[str, Any]) -> dict[str, Any]:
    """JWT claims for an Open Badges 3.0 credential (OB 3.0 §8.2 "JSON Web Token Proof Format").

    ``iss`` = issuer id, ``jti`` = credential id, ``sub`` = credentialSubject id (when present),
    ``nbf`` = validFrom, ``exp`` = validUntil (when present), ``vc`` = the credential without
    any embedded ``proof``.
    """
    issuer = credential.get("issuer")
    issuer_id = issuer.get("id") if isinstance(issuer, Mapping) else issuer
    if not isinstance(issuer_id, str) or not issuer_id:
        raise JwtError("the credential has no issuer id")
    if not isinstance(credential.get("id"), str):
        raise JwtError("the credential has no id")
    if "validFrom" not in credential:
        raise JwtError("the credential has no validFrom")
    vc = {k: v for k, v in credential.items() if k != "proof"}
    claims: dict[str, Any] = {
        "iss": issuer_id,
        "jti": credential["id"],
        "nbf": _numeric_date(credential["validFrom"], "validFrom"),
    }
    subject = credential.get("credentialSubject")
    if isinstance(subject, Mapping) and isinstance(subject.get("id"), str):
        claims["sub"] = subject["id"]
    if "validUntil" in credential:
        claims["exp"] = _numeric_date(credential["validUntil"], "validUntil")
    claims["vc"] = vc
    return claims


def _json_segment(value: Mapping[str, Any]) -> str:
    return b64url_encode(json.dumps(value, separators=(",", ":"), ensure_ascii=False, sort_keys=True).encode("utf-8"))


def jwt_sign_es256(claims: Mapping[str, Any], private_key: ec.EllipticCurvePrivateKey, kid: str) -> str:
    """Compact JWS: header ``{"alg": "ES256", "kid": kid, "typ": "JWT"}``; signature is raw ``r||s``."""
    if not isinstance(private_key, ec.EllipticCurvePrivateKey) or not isinstance(private_key.curve, ec.SECP256R1):
        raise JwtError("ES256 needs a P-256 private key")
    if not kid:
        raise JwtError("a kid is required so verifiers can find the issuer's key")
    signing_input = f"{_json_segment({'alg': 'ES256', 'kid': kid, 'typ': 'JWT'})}.{_json_segment(claims)}"
    der = private_key.sign(signing_input.encode("ascii"), ec.ECDSA(hashes.SHA256()))
    r, s = decode_dss_signature(der)
    return f"{signing_input}.{b64url_encode(_int_bytes(r, 32) + _int_bytes(s, 32))}"


def jwt_verify_es256(
    token: str,
    key_resolver: Callable[[str], ec.EllipticCurvePublicKey | None],
    *,
    now: datetime | None = None,
    leeway_seconds: int = 0,
) -> dict[str, Any]:
    """Verify an ES256 JWT and return its claims; raise :class:`JwtError` saying what failed.

    ``key_resolver(kid)`` returns the issuer's P-256 public key or ``None``. When ``now`` is
    given (timezone-aware), ``nbf`` and ``exp`` are enforced with ``leeway_seconds``.
    Any ``alg`` other than ES256 (``none``, ``HS256``…) is refused before any key is used.
    """
    if not isinstance(token, str):
        raise JwtError("the token must be a string")
    parts = token.split(".")
    if len(parts) != 3:
        raise JwtError("a compact JWS has exactly three dot-separated parts")
    try:
        header = json.loads(b64url_decode(parts[0]))
        claims = json.loads(b64url_decode(parts[1]))
        signature = b64url_decode(parts[2])
    except ValueError as exc:
        raise JwtError(f"the token is not well-formed base64url JSON: {exc}") from exc
    if not isinstance(header, dict) or not isinstance(claims, dict):
        raise JwtError("the JWT header and payload must be JSON objects")
    if header.get("alg") != "ES256":
        raise JwtError(f"unexpected alg {header.get('alg')!r}; only ES256 is accepted")
    if header.get("typ", "JWT") != "JWT":
        raise JwtError(f"unexpected typ {header.get('typ')!r}")
    kid = header.get("kid")
    if not isinstance(kid, str) or not kid:
        raise JwtError("the JWT header has no kid")
    key = key_resolver(kid)
    if key is None:
        raise JwtError(f"no public key is known for kid {kid!r}")
    if not isinstance(key, ec.EllipticCurvePublicKey) or not isinstance(key.curve, ec.SECP256R1):
        raise JwtError(f"the key for kid {kid!r} is not a P-256 public key")
    if len(signature) != 64:
        raise JwtError("an ES256 signature is 64 bytes (r || s)")
    der = encode_dss_signature(int.from_bytes(signature[:32], "big"), int.from_bytes(signature[32:], "big"))
    try:
        key.verify(der, f"{parts[0]}.{parts[1]}".encode("ascii"), ec.ECDSA(hashes.SHA256()))
    except InvalidSignature:
        raise JwtError("the JWT signature does not verify with the issuer's key") from None
    if now is not None:
        if now.tzinfo is None:
            raise ValueError("now must be timezone-aware")
        ts = now.timestamp()
        if isinstance(claims.get("nbf"), (int, float)) and ts + leeway_seconds < claims["nbf"]:
            raise JwtError("the JWT is not yet valid (nbf is in the future)")
        if isinstance(claims.get("exp"), (int, float)) and ts - leeway_seconds >= claims["exp"]:
            raise JwtError("the JWT has expired (exp has passed)")
    return claims
