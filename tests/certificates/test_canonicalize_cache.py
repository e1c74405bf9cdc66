"""The memoized context processing of ``data_integrity.canonicalize`` changes nothing but speed.

Canonical N-Quads are compared byte for byte with pyld's own processor (fresh caches, no
memoization) over varied credentials: Chinese and Latin names, with and without optional parts,
the W3C vector and proof configurations, in different orders.
"""

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from pyld import jsonld
from pyld.context_resolver import ContextResolver

from certificates import data_integrity as di
from certificates import openbadges as ob
from certificates.openbadges import LocalizedText as L

VECTORS = Path(__file__).parent / "vectors"
ISSUED = datetime(2026, 11, 26, 9, 30, tzinfo=UTC)


def _reference(document: dict) -> str:
    """pyld's plain processor with a fresh resolver cache and an untagged loader: nothing shared."""

    def loader(url, options=None):
        return {"contextUrl": None, "documentUrl": url, "document": json.loads(json.dumps(di._load_context(url)))}

    return jsonld.JsonLdProcessor().normalize(
        json.loads(json.dumps(document)),
        {
            "algorithm": "URDNA2015",
            "format": "application/n-quads",
            "documentLoader": loader,
            "contextResolver": ContextResolver({}, loader),
        },
    )


def _credential(i: int, *, holder: L, areas: int, until: bool, status: bool, awarded: bool, salt: bool) -> dict:
    return ob.build_credential(
        ob.CredentialInput(
            id=f"urn:uuid:00000000-0000-4000-8000-{i:012d}",
            issuer=ob.IssuerInput(
                id="https://cert.example.org/issuers/1",
                name=L("介入放射学培训考核委员会", "Interventional Radiology Training and Credentialing Board"),
                url="https://cert.example.org/",
                image="https://cert.example.org/media/logo.png" if i % 2 else None,
                email="board@example.org" if i % 3 == 0 else None,
            ),
            achievement=ob.AchievementInput(
                id=f"https://cert.example.org/achievements/type-{i}",
                name=L("经动脉化疗栓塞术准入资格", "TACE qualifying certificate"),
                description=L("通过准入资格考试。", "Passed the qualifying examination."),
                criteria_narrative=L("笔试成绩达到合格分数线。", "A written exam score at or above the cut score."),
                level="qualifying" if i % 2 else "advanced",
                alignments=[
                    ob.AlignmentInput(f"Area {a}", f"https://cert.example.org/curriculum/areas/a{a}", f"A{a}")
                    for a in range(areas)
                ],
                translations={"en": f"https://cert.example.org/achievements/type-{i}?lang=en"},
                human_code=f"T{i}" if i % 2 else None,
            ),
            subject=ob.SubjectInput(
                id=f"urn:uuid:10000000-0000-4000-8000-{i:012d}",
                name=holder,
                identity_salt="pepper" if salt else None,
            ),
            valid_from=ISSUED,
            valid_until=ISSUED + timedelta(days=1826) if until else None,
            status=ob.StatusInput("https://cert.example.org/status/1", i) if status else None,
            awarded_date=ISSUED if awarded else None,
        )
    )


HOLDERS = [L("张伟", "ZHANG Wei"), L("欧阳娜娜", "OUYANG Nana"), L("Émile Zoë", "Émile Zoë"), L("李 明", "LI Ming")]


def _documents() -> list[dict]:
    docs = [
        _credential(
            i,
            holder=HOLDERS[i % len(HOLDERS)],
            areas=i % 4,
            until=i % 2 == 0,
            status=i % 3 != 0,
            awarded=i % 2 == 1,
            salt=i % 5 == 0,
        )
        for i in range(12)
    ]
    proof = {
        "type": "DataIntegrityProof",
        "cryptosuite": "eddsa-rdfc-2022",
        "created": "2026-11-26T09:30:00Z",
        "verificationMethod": "https://cert.example.org/issuers/1#key-1",
        "proofPurpose": "assertionMethod",
    }
    docs += [di._proof_config(proof, d["@context"]) for d in docs[:2]]
    docs.append(json.loads((VECTORS / "eddsa_rdfc_2022_vector_unsigned.json").read_text()))
    return docs


def test_canonical_n_quads_are_byte_identical_to_plain_pyld_in_any_order():
    documents = _documents()
    expected = [_reference(d) for d in documents]
    di.clear_context_caches()
    for order in (documents, list(reversed(documents)), documents):
        got = {id(d): di.canonicalize(d) for d in order}
        assert [got[id(d)] for d in documents] == expected
    assert "张伟" in "".join(expected)  # Chinese names are in the signed data


def test_a_warm_canonicalization_processes_no_context_again(monkeypatch):
    document = _documents()[3]
    di.canonicalize(document)
    calls = []
    original = jsonld.JsonLdProcessor._create_term_definition

    def counting(self, *args, **kwargs):
        calls.append(args[2] if len(args) > 2 else None)
        return original(self, *args, **kwargs)

    monkeypatch.setattr(jsonld.JsonLdProcessor, "_create_term_definition", counting)
    di.canonicalize(document)
    assert calls == []  # before the memo, ~70 term definitions per canonicalization


def test_undefined_properties_are_still_refused_with_warm_caches():
    document = _documents()[1]
    di.canonicalize(document)
    document["credentialSubject"]["favouriteColour"] = "red"
    with pytest.raises(di.DataIntegrityError, match="favouriteColour"):
        di.canonicalize(document)
