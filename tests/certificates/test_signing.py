"""Issuer keys: encrypted storage, Multikey and JWK forms, and ES256 VC-JWTs."""

import json
from datetime import UTC, datetime
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric import ed25519
from hypothesis import given
from hypothesis import strategies as st

from certificates import signing
from certificates.signing import (
    JwtError,
    KeyDecryptionError,
    SigningKeyError,
    b64url_decode,
    b64url_encode,
)

VECTORS = Path(__file__).parent / "vectors"

# RFC 8032 §7.1 TEST 1 (also RFC 8037 Appendix A): Ed25519 secret key and its public key.
RFC8032_SECRET = bytes.fromhex("9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60")
RFC8032_PUBLIC_X = "11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo"


def test_the_w3c_vector_key_pair_round_trips_through_multikey():
    pair = json.loads((VECTORS / "eddsa_rdfc_2022_vector_keyPair.json").read_text())
    key = signing.ed25519_private_key_from_multikey(pair["privateKeyMultibase"])
    assert signing.ed25519_public_key_to_multikey(key.public_key()) == pair["publicKeyMultibase"]
    assert signing.ed25519_private_key_to_multikey(key) == pair["privateKeyMultibase"]
    parsed = signing.ed25519_public_key_from_multikey(pair["publicKeyMultibase"])
    assert signing.public_key_to_jwk(parsed) == signing.public_key_to_jwk(key.public_key())


def test_a_new_ed25519_multikey_starts_with_z6mk():
    assert signing.ed25519_public_key_to_multikey(signing.generate_ed25519_key().public_key()).startswith("z6Mk")


@pytest.mark.parametrize(
    "value",
    ["6MkrJVnaZkeFzdQyMZu1cgjg7k1pZZ6pvBQ7XJPt4swbTQ2", "z0OIl", "z3u2en7t5LR2WtQH5PfFqMqwVHBeXouLzo6haApm8XHqvjxq"],
)
def test_a_malformed_or_private_multikey_is_refused_as_a_public_key(value):
    with pytest.raises(SigningKeyError):
        signing.ed25519_public_key_from_multikey(value)


def test_the_ed25519_jwk_matches_rfc_8037():
    key = ed25519.Ed25519PrivateKey.from_private_bytes(RFC8032_SECRET)
    assert signing.public_key_to_jwk(key.public_key(), kid="k1") == {
        "kty": "OKP",
        "crv": "Ed25519",
        "x": RFC8032_PUBLIC_X,
        "kid": "k1",
    }


@pytest.mark.parametrize("make_key", [signing.generate_ed25519_key, signing.generate_es256_key])
def test_a_jwk_turns_back_into_the_same_public_key(make_key):
    public = make_key().public_key()
    jwk = signing.public_key_to_jwk(public)
    assert signing.public_key_to_jwk(signing.public_key_from_jwk(jwk)) == jwk


def test_a_jwk_holding_a_private_key_is_refused():
    jwk = signing.public_key_to_jwk(signing.generate_ed25519_key().public_key())
    with pytest.raises(SigningKeyError, match="private"):
        signing.public_key_from_jwk({**jwk, "d": b64url_encode(RFC8032_SECRET)})


def test_a_jwk_set_lists_each_key_with_its_algorithm_and_refuses_duplicate_kids():
    ed, ec = signing.generate_ed25519_key().public_key(), signing.generate_es256_key().public_key()
    jwks = signing.build_jwk_set([("ed-1", ed), ("es-1", ec)])
    assert [(k["kid"], k["kty"], k["alg"], k["use"]) for k in jwks["keys"]] == [
        ("ed-1", "OKP", "EdDSA", "sig"),
        ("es-1", "EC", "ES256", "sig"),
    ]
    with pytest.raises(SigningKeyError, match="duplicate"):
        signing.build_jwk_set([("k", ed), ("k", ec)])


@pytest.mark.parametrize("make_key", [signing.generate_ed25519_key, signing.generate_es256_key])
def test_an_encrypted_private_key_round_trips_with_its_passphrase(make_key):
    key = make_key()
    pem = signing.serialize_private_key(key, "correct horse battery staple")
    assert b"ENCRYPTED PRIVATE KEY" in pem
    loaded = signing.load_private_key(pem, "correct horse battery staple")
    assert signing.public_key_to_jwk(loaded.public_key()) == signing.public_key_to_jwk(key.public_key())


def test_a_wrong_passphrase_is_refused():
    pem = signing.serialize_private_key(signing.generate_ed25519_key(), "correct horse battery staple")
    with pytest.raises(KeyDecryptionError, match="wrong passphrase"):
        signing.load_private_key(pem, "correct horse battery stapler")


def test_a_short_passphrase_is_refused():
    with pytest.raises(SigningKeyError, match="at least"):
        signing.serialize_private_key(signing.generate_ed25519_key(), "short")


@given(st.binary(max_size=80))
def test_base58btc_round_trips_any_bytes_including_leading_zeros(data):
    assert signing.base58btc_decode(signing.base58btc_encode(data)) == data


def _credential():
    return {
        "@context": [
            "https://www.w3.org/ns/credentials/v2",
            "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json",
        ],
        "id": "urn:uuid:3f1b8f0e-3a47-4c6f-9d0b-1d2e3f4a5b6c",
        "type": ["VerifiableCredential", "OpenBadgeCredential"],
        "issuer": {"id": "https://cert.example.org/issuers/1", "type": ["Profile"], "name": "Board"},
        "validFrom": "2026-01-01T00:00:00Z",
        "validUntil": "2031-01-01T00:00:00Z",
        "credentialSubject": {"id": "urn:uuid:0c7f1c9e-1111-4222-8333-944455556666", "type": ["AchievementSubject"]},
        "proof": [{"type": "DataIntegrityProof"}],
    }


def test_an_es256_vc_jwt_verifies_and_carries_the_open_badges_claims():
    key = signing.generate_es256_key()
    token = signing.jwt_sign_es256(signing.vc_jwt_claims(_credential()), key, kid="https://cert.example.org/keys/es-1")
    header = json.loads(b64url_decode(token.split(".")[0]))
    assert header == {"alg": "ES256", "kid": "https://cert.example.org/keys/es-1", "typ": "JWT"}
    claims = signing.jwt_verify_es256(
        token, {"https://cert.example.org/keys/es-1": key.public_key()}.get, now=datetime(2027, 1, 1, tzinfo=UTC)
    )
    assert claims["iss"] == "https://cert.example.org/issuers/1"
    assert claims["jti"] == "urn:uuid:3f1b8f0e-3a47-4c6f-9d0b-1d2e3f4a5b6c"
    assert claims["sub"] == "urn:uuid:0c7f1c9e-1111-4222-8333-944455556666"
    assert claims["nbf"] == int(datetime(2026, 1, 1, tzinfo=UTC).timestamp())
    assert claims["exp"] == int(datetime(2031, 1, 1, tzinfo=UTC).timestamp())
    assert "proof" not in claims["vc"] and claims["vc"]["id"] == claims["jti"]


def test_a_tampered_jwt_payload_fails():
    key = signing.generate_es256_key()
    token = signing.jwt_sign_es256(signing.vc_jwt_claims(_credential()), key, kid="k")
    head, payload, sig = token.split(".")
    claims = json.loads(b64url_decode(payload))
    claims["sub"] = "urn:uuid:00000000-0000-4000-8000-000000000000"
    forged = f"{head}.{b64url_encode(json.dumps(claims).encode())}.{sig}"
    with pytest.raises(JwtError, match="signature does not verify"):
        signing.jwt_verify_es256(forged, {"k": key.public_key()}.get)


def test_a_jwt_is_refused_when_signed_by_another_key_or_with_alg_none():
    key, other = signing.generate_es256_key(), signing.generate_es256_key()
    token = signing.jwt_sign_es256({"iss": "x"}, key, kid="k")
    with pytest.raises(JwtError, match="signature does not verify"):
        signing.jwt_verify_es256(token, {"k": other.public_key()}.get)
    unsigned = b64url_encode(b'{"alg":"none","kid":"k","typ":"JWT"}') + "." + token.split(".")[1] + "."
    with pytest.raises(JwtError):
        signing.jwt_verify_es256(unsigned, {"k": key.public_key()}.get)
    with pytest.raises(JwtError, match="no public key"):
        signing.jwt_verify_es256(token, {}.get)


def test_an_expired_jwt_is_refused_when_now_is_given():
    key = signing.generate_es256_key()
    token = signing.jwt_sign_es256(signing.vc_jwt_claims(_credential()), key, kid="k")
    with pytest.raises(JwtError, match="expired"):
        signing.jwt_verify_es256(token, {"k": key.public_key()}.get, now=datetime(2031, 6, 1, tzinfo=UTC))
    with pytest.raises(JwtError, match="not yet valid"):
        signing.jwt_verify_es256(token, {"k": key.public_key()}.get, now=datetime(2025, 6, 1, tzinfo=UTC))
