"""W3C Bitstring Status List v1.0: the published revocation list for issued credentials.

Pure module (no Django). Each credential carries a ``BitstringStatusListEntry`` naming a list
credential URL and an index; bit ``index`` of that list is 1 when the credential is revoked.

* Bit order follows the spec: index 0 is the left-most (most significant) bit of the first byte.
* ``encodedList`` = multibase base64url (prefix ``u``, no padding) of the GZIP-compressed bitstring.
* A list holds at least 131,072 entries (16 KB), so one revocation says little about who was revoked.
"""

from __future__ import annotations

import base64
import binascii
import gzip
import io
import zlib
from collections.abc import Mapping
from datetime import datetime
from typing import Any

from certificates.data_integrity import format_datetime

__all__ = [
    "MIN_BITSTRING_LENGTH",
    "VC_V2_CONTEXT",
    "StatusListError",
    "StatusBitstring",
    "status_list_entry",
    "build_status_list_credential",
    "status_from_list_credential",
]

MIN_BITSTRING_LENGTH = 131_072  # bits, i.e. 16 KB (Bitstring Status List v1.0 §2.1)
#: A decoded list larger than this is refused (a GZIP bomb guard): 16 Mbit = 2 MB.
MAX_BITSTRING_LENGTH = 16 * 1024 * 1024
VC_V2_CONTEXT = "https://www.w3.org/ns/credentials/v2"
STATUS_PURPOSES = frozenset({"revocation", "suspension", "refresh", "message"})


class StatusListError(ValueError):
    """A status list or entry is malformed, too small, or does not match the credential."""


class StatusBitstring:
    """A fixed-length bitstring; ``get``/``set`` by index, ``encode``/``decode`` for ``encodedList``."""

    __slots__ = ("_bits", "length")

    def __init__(self, length: int = MIN_BITSTRING_LENGTH, *, data: bytes | None = None) -> None:
        if not isinstance(length, int) or length < MIN_BITSTRING_LENGTH or length % 8:
            raise StatusListError(
                f"a status list holds a multiple of 8 bits and at least {MIN_BITSTRING_LENGTH} (got {length!r})"
            )
        if length > MAX_BITSTRING_LENGTH:
            raise StatusListError(f"a status list holds at most {MAX_BITSTRING_LENGTH} bits")
        if data is not None and len(data) * 8 != length:
            raise StatusListError("data length does not match the bitstring length")
        self.length = length
        self._bits = bytearray(data) if data is not None else bytearray(length // 8)

    def _check(self, index: int) -> None:
        if isinstance(index, bool) or not isinstance(index, int):
            raise StatusListError(f"a status list index is an integer (got {index!r})")
        if not 0 <= index < self.length:
            raise StatusListError(f"status list index {index} is outside 0…{self.length - 1}")

    def get(self, index: int) -> bool:
        """True when bit ``index`` is set (for ``revocation``: the credential is revoked)."""
        self._check(index)
        return bool(self._bits[index // 8] & (0x80 >> (index % 8)))

    def set(self, index: int, value: bool = True) -> None:
        """Set (or with ``value=False`` clear) bit ``index``."""
        self._check(index)
        mask = 0x80 >> (index % 8)
        if value:
            self._bits[index // 8] |= mask
        else:
            self._bits[index // 8] &= ~mask & 0xFF

    def count(self) -> int:
        """Number of set bits."""
        return sum(bin(b).count("1") for b in self._bits if b)

    def to_bytes(self) -> bytes:
        return bytes(self._bits)

    def encode(self) -> str:
        """``encodedList``: ``"u" + base64url(gzip(bits))`` without padding; deterministic (mtime 0)."""
        compressed = gzip.compress(bytes(self._bits), compresslevel=9, mtime=0)
        return "u" + base64.urlsafe_b64encode(compressed).rstrip(b"=").decode("ascii")

    @classmethod
    def decode(cls, encoded: str) -> StatusBitstring:
        """Parse an ``encodedList``; raises :class:`StatusListError` saying what is wrong."""
        if not isinstance(encoded, str) or not encoded.startswith("u"):
            raise StatusListError("encodedList must be multibase base64url (a string starting with 'u')")
        body = encoded[1:]
        try:
            compressed = base64.urlsafe_b64decode(body + "=" * (-len(body) % 4))
        except (binascii.Error, ValueError) as exc:
            raise StatusListError(f"encodedList is not valid base64url: {exc}") from exc
        try:
            with gzip.GzipFile(fileobj=io.BytesIO(compressed)) as stream:
                raw = stream.read(MAX_BITSTRING_LENGTH // 8 + 1)
        except (OSError, EOFError, zlib.error) as exc:
            raise StatusListError(f"encodedList is not GZIP data: {exc}") from exc
        if len(raw) * 8 > MAX_BITSTRING_LENGTH:
            raise StatusListError(f"the decoded status list exceeds {MAX_BITSTRING_LENGTH} bits")
        if len(raw) * 8 < MIN_BITSTRING_LENGTH:
            raise StatusListError(
                f"the decoded status list has {len(raw) * 8} bits, fewer than the minimum {MIN_BITSTRING_LENGTH}"
            )
        return cls(len(raw) * 8, data=raw)


def _check_purpose(purpose: str) -> None:
    if purpose not in STATUS_PURPOSES:
        raise StatusListError(f"statusPurpose must be one of {sorted(STATUS_PURPOSES)} (got {purpose!r})")


def status_list_entry(list_url: str, index: int, purpose: str = "revocation") -> dict[str, str]:
    """A ``BitstringStatusListEntry`` for a credential's ``credentialStatus``.

    ``statusListIndex`` is a string of decimal digits, as the spec requires; the entry id is
    ``<list url>#<index>``.
    """
    if not isinstance(list_url, str) or not list_url.startswith(("https://", "http://")):
        raise StatusListError(f"the status list credential URL must be an http(s) URL (got {list_url!r})")
    if isinstance(index, bool) or not isinstance(index, int) or index < 0:
        raise StatusListError(f"the status list index must be a non-negative integer (got {index!r})")
    _check_purpose(purpose)
    return {
        "id": f"{list_url}#{index}",
        "type": "BitstringStatusListEntry",
        "statusPurpose": purpose,
        "statusListIndex": str(index),
        "statusListCredential": list_url,
    }


def build_status_list_credential(
    *,
    list_url: str,
    issuer: str | Mapping[str, Any],
    bitstring: StatusBitstring,
    valid_from: datetime,
    purpose: str = "revocation",
    valid_until: datetime | None = None,
    ttl_ms: int | None = None,
) -> dict[str, Any]:
    """The unsigned ``BitstringStatusListCredential`` published at ``list_url``.

    Sign it with :func:`certificates.data_integrity.sign` before publishing. ``ttl_ms`` tells
    verifiers how long (milliseconds) they may cache it.
    """
    _check_purpose(purpose)
    subject: dict[str, Any] = {
        "id": f"{list_url}#list",
        "type": "BitstringStatusList",
        "statusPurpose": purpose,
        "encodedList": bitstring.encode(),
    }
    if ttl_ms is not None:
        if isinstance(ttl_ms, bool) or not isinstance(ttl_ms, int) or ttl_ms <= 0:
            raise StatusListError("ttl_ms must be a positive integer")
        subject["ttl"] = ttl_ms
    credential: dict[str, Any] = {
        "@context": [VC_V2_CONTEXT],
        "id": list_url,
        "type": ["VerifiableCredential", "BitstringStatusListCredential"],
        "issuer": dict(issuer) if isinstance(issuer, Mapping) else issuer,
        "validFrom": format_datetime(valid_from),
        "credentialSubject": subject,
    }
    if valid_until is not None:
        credential["validUntil"] = format_datetime(valid_until)
    return credential


def status_from_list_credential(entry: Mapping[str, Any], list_credential: Mapping[str, Any]) -> bool:
    """The status bit for ``entry`` in a fetched list credential (True = revoked/suspended…).

    Checks that the list is the one the entry names and has the same purpose; the caller is
    responsible for verifying the list credential's own proof and dates first.
    """
    if entry.get("type") != "BitstringStatusListEntry":
        raise StatusListError(f"credentialStatus type {entry.get('type')!r} is not BitstringStatusListEntry")
    if list_credential.get("id") != entry.get("statusListCredential"):
        raise StatusListError("the status list credential is not the one named by statusListCredential")
    types = list_credential.get("type") or []
    if "BitstringStatusListCredential" not in types:
        raise StatusListError("the list credential is not a BitstringStatusListCredential")
    subject = list_credential.get("credentialSubject")
    if not isinstance(subject, Mapping):
        raise StatusListError("the status list credential has no credentialSubject")
    if subject.get("statusPurpose") != entry.get("statusPurpose"):
        raise StatusListError(
            f"statusPurpose mismatch: entry says {entry.get('statusPurpose')!r}, "
            f"list says {subject.get('statusPurpose')!r}"
        )
    raw_index = entry.get("statusListIndex")
    if not isinstance(raw_index, str) or not raw_index.isdigit() or not raw_index.isascii():
        raise StatusListError(f"statusListIndex must be a string of decimal digits (got {raw_index!r})")
    return StatusBitstring.decode(subject.get("encodedList")).get(int(raw_index))
