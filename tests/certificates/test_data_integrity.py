"""eddsa-rdfc-2022 Data Integrity proofs against the published W3C test vector."""

import copy
import hashlib
import json
import re
import socket
from pathlib import Path

import pytest

from certificates import data_integrity as di
from certificates.signing import ed25519_private_key_from_multikey, generate_ed25519_key

VECTORS = Path(__file__).parent / "vectors"


def _load(name):
    return json.loads((VECTORS / f"eddsa_rdfc_2022_vector_{name}.json").read_text())


@pytest.fixture(autouse=True)
def no_network(monkeypatch):
    """Canonicalization must never open a socket: the loader serves local copies only."""

    def refuse(*args, **kwargs):
        raise AssertionError("network access attempted")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket, "create_connection", refuse)


@pytest.fixture
def vector_key():
    return ed25519_private_key_from_multikey(_load("keyPair")["privateKeyMultibase"])


def test_resigning_the_unsigned_vector_reproduces_the_published_proof_value(vector_key):
    config, signed = _load("proofConfig"), _load("signed")
    result = di.sign(_load("unsigned"), vector_key, config["verificationMethod"], config["created"])
    assert result["proof"] == signed["proof"]
    assert result == signed


def test_the_published_signed_vector_verifies():
    assert di.verify(_load("signed"), di.did_key_resolver) == di.VerificationResult(True, [])


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("alumniOf", "The School of Examplez"),
        ("alumniOf", "the School of Examples"),
        ("id", "did:example:abcdefgi"),
    ],
)
def test_changing_one_character_of_the_subject_fails_verification(field, value):
    signed = _load("signed")
    assert len(value) == len(signed["credentialSubject"][field])
    signed["credentialSubject"][field] = value
    result = di.verify(signed, di.did_key_resolver)
    assert not result.ok
    assert result.errors == [
        "proof: the signature does not match: the credential or its proof options were changed after signing, "
        "or it was signed with another key"
    ]


def test_changing_the_proof_options_fails_verification():
    signed = _load("signed")
    signed["proof"]["created"] = "2023-02-24T23:36:39Z"
    assert not di.verify(signed, di.did_key_resolver).ok


def test_a_key_other_than_the_issuers_fails():
    other = generate_ed25519_key().public_key()
    result = di.verify(_load("signed"), lambda vm: other)
    assert not result.ok and "signature does not match" in result.errors[0]


def test_an_unknown_verification_method_is_named_in_the_error():
    result = di.verify(_load("signed"), lambda vm: None)
    assert not result.ok
    assert "is not a known issuer key" in result.errors[0]
    assert "did:key:z6MkrJVnaZkeFzdQyMZu1cgjg7k1pZZ6pvBQ7XJPt4swbTQ2" in result.errors[0]


def test_every_malformed_proof_field_is_reported():
    signed = _load("signed")
    signed["proof"].update(cryptosuite="ecdsa-rdfc-2019", proofPurpose="authentication", proofValue="abc")
    errors = di.verify(signed, di.did_key_resolver).errors
    assert any("cryptosuite" in e for e in errors)
    assert any("proofPurpose" in e for e in errors)
    assert any("proofValue" in e for e in errors)


def test_a_document_without_proof_is_reported():
    assert di.verify(_load("unsigned"), di.did_key_resolver).errors == ["the document has no proof"]


def test_a_proof_set_keeps_the_first_proof_and_verifies_both(vector_key):
    config = _load("proofConfig")
    second_key = generate_ed25519_key()
    first = di.sign(_load("unsigned"), vector_key, config["verificationMethod"], config["created"])
    both = di.sign(first, second_key, "https://vc.example/issuers/5678#key-2", config["created"])
    assert isinstance(both["proof"], list) and both["proof"][0] == first["proof"]
    keys = {"https://vc.example/issuers/5678#key-2": second_key.public_key()}
    assert di.verify(both, lambda vm: keys.get(vm) or di.did_key_resolver(vm)).ok
    assert not di.verify(both, di.did_key_resolver).ok


def test_a_context_that_is_not_held_locally_is_refused_without_touching_the_network(vector_key):
    doc = _load("unsigned")
    doc["@context"] = ["https://www.w3.org/ns/credentials/v2", "https://evil.example/context.jsonld"]
    with pytest.raises(di.ContextNotAvailableError, match="evil.example"):
        di.canonicalize(doc)
    with pytest.raises(di.ContextNotAvailableError):
        di.sign(doc, vector_key, "did:key:z6Mk#z6Mk", "2024-01-01T00:00:00Z")


def test_properties_the_context_does_not_define_are_refused_rather_than_left_unsigned(vector_key):
    doc = _load("unsigned")
    doc["@context"] = ["https://www.w3.org/ns/credentials/v2"]  # drops the examples @vocab
    with pytest.raises(di.DataIntegrityError, match="alumniOf"):
        di.sign(doc, vector_key, "did:key:z6Mk#z6Mk", "2024-01-01T00:00:00Z")


def test_canonical_form_is_n_quads_with_canonical_blank_node_labels():
    nquads = di.canonicalize(_load("unsigned"))
    lines = nquads.strip().split("\n")
    assert lines == sorted(lines)
    assert all(line.endswith(" .") for line in lines)
    assert "<did:example:abcdefgh> <https://www.w3.org/ns/credentials/examples#alumniOf> " in nquads
    assert set(re.findall(r"_:\w+", nquads)) <= {f"_:c14n{i}" for i in range(10)}


def test_hash_data_is_the_concatenation_of_two_sha256_digests():
    assert di.hash_data("a", "b") == hashlib.sha256(b"a").digest() + hashlib.sha256(b"b").digest()


def test_sign_refuses_a_naive_created_datetime(vector_key):
    from datetime import datetime

    with pytest.raises(ValueError, match="timezone-aware"):
        di.sign(_load("unsigned"), vector_key, "did:key:z6Mk#z6Mk", datetime(2024, 1, 1))  # noqa: DTZ001


def test_signing_does_not_modify_its_input(vector_key):
    doc = _load("unsigned")
    before = copy.deepcopy(doc)
    di.sign(doc, vector_key, "did:key:z6Mk#z6Mk", "2024-01-01T00:00:00Z")
    assert doc == before


def test_the_local_contexts_are_the_byte_exact_copies_listed_in_the_readme():
    readme = (di.CONTEXTS_DIR / "README.md").read_text()
    listed = dict(re.findall(r"^\| `([^`]+)` \|.*\| ([0-9a-f]{64}) \|$", readme, flags=re.M))
    assert set(listed) >= set(di.LOCAL_CONTEXTS.values())
    for filename, digest in listed.items():
        assert hashlib.sha256((di.CONTEXTS_DIR / filename).read_bytes()).hexdigest() == digest, filename
