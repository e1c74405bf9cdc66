"""W3C Bitstring Status List: bits, encodedList, entries and the list credential."""

import base64
import gzip
from datetime import UTC, datetime

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from certificates import data_integrity as di
from certificates.signing import generate_ed25519_key
from certificates.status_list import (
    MIN_BITSTRING_LENGTH,
    StatusBitstring,
    StatusListError,
    build_status_list_credential,
    status_from_list_credential,
    status_list_entry,
)

LIST_URL = "https://cert.example.org/status/1"


def _raw(encoded):
    assert encoded.startswith("u")
    body = encoded[1:]
    assert "=" not in body
    return gzip.decompress(base64.urlsafe_b64decode(body + "=" * (-len(body) % 4)))


def test_a_new_list_holds_at_least_131072_clear_bits():
    bits = StatusBitstring()
    assert bits.length == MIN_BITSTRING_LENGTH == 131_072
    assert _raw(bits.encode()) == bytes(16 * 1024)
    assert bits.count() == 0


def test_a_list_smaller_than_16kb_is_refused():
    with pytest.raises(StatusListError, match="at least"):
        StatusBitstring(8 * 1024)
    short = "u" + base64.urlsafe_b64encode(gzip.compress(bytes(1000))).rstrip(b"=").decode()
    with pytest.raises(StatusListError, match="fewer than the minimum"):
        StatusBitstring.decode(short)


def test_index_zero_is_the_leftmost_bit_of_the_first_byte():
    bits = StatusBitstring()
    bits.set(0)
    bits.set(15)
    raw = _raw(bits.encode())
    assert raw[0] == 0b1000_0000 and raw[1] == 0b0000_0001


@settings(max_examples=25, deadline=None)
@given(st.sets(st.integers(min_value=0, max_value=MIN_BITSTRING_LENGTH - 1), max_size=50))
def test_set_bits_survive_encoding_and_decoding(indices):
    bits = StatusBitstring()
    for i in indices:
        bits.set(i)
    decoded = StatusBitstring.decode(bits.encode())
    assert {i for i in indices if decoded.get(i)} == indices
    assert decoded.count() == len(indices)


def test_a_bit_can_be_cleared_again():
    bits = StatusBitstring()
    bits.set(94567)
    bits.set(94567, False)
    assert not bits.get(94567) and bits.count() == 0


@pytest.mark.parametrize("index", [-1, MIN_BITSTRING_LENGTH, "3", True])
def test_an_index_outside_the_list_is_refused(index):
    with pytest.raises(StatusListError):
        StatusBitstring().get(index)


@pytest.mark.parametrize("encoded", ["zH4sI", "u!!!", "u" + base64.urlsafe_b64encode(b"not gzip").decode()])
def test_a_malformed_encoded_list_is_refused(encoded):
    with pytest.raises(StatusListError):
        StatusBitstring.decode(encoded)


def test_the_entry_follows_the_spec():
    assert status_list_entry(LIST_URL, 94567) == {
        "id": f"{LIST_URL}#94567",
        "type": "BitstringStatusListEntry",
        "statusPurpose": "revocation",
        "statusListIndex": "94567",
        "statusListCredential": LIST_URL,
    }
    with pytest.raises(StatusListError):
        status_list_entry(LIST_URL, 1, purpose="deleted")


def test_a_signed_list_credential_verifies_and_reports_the_revoked_entry():
    key = generate_ed25519_key()
    bits = StatusBitstring()
    bits.set(42)
    credential = build_status_list_credential(
        list_url=LIST_URL,
        issuer="https://cert.example.org/issuers/1",
        bitstring=bits,
        valid_from=datetime(2026, 1, 1, tzinfo=UTC),
        ttl_ms=300_000,
    )
    assert credential["type"] == ["VerifiableCredential", "BitstringStatusListCredential"]
    assert credential["credentialSubject"]["type"] == "BitstringStatusList"
    signed = di.sign(credential, key, "https://cert.example.org/issuers/1#key-1", datetime(2026, 1, 1, tzinfo=UTC))
    assert di.verify(signed, {"https://cert.example.org/issuers/1#key-1": key.public_key()}.get).ok
    assert status_from_list_credential(status_list_entry(LIST_URL, 42), signed) is True
    assert status_from_list_credential(status_list_entry(LIST_URL, 43), signed) is False


def test_an_entry_for_another_list_or_purpose_is_refused():
    credential = build_status_list_credential(
        list_url=LIST_URL,
        issuer="https://cert.example.org/issuers/1",
        bitstring=StatusBitstring(),
        valid_from=datetime(2026, 1, 1, tzinfo=UTC),
    )
    with pytest.raises(StatusListError, match="not the one named"):
        status_from_list_credential(status_list_entry("https://cert.example.org/status/2", 1), credential)
    with pytest.raises(StatusListError, match="statusPurpose mismatch"):
        status_from_list_credential(status_list_entry(LIST_URL, 1, purpose="suspension"), credential)
