"""Open Badges 3.0 credentials: build, schema, sign and verify."""

import copy
import hashlib
from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest

from certificates import openbadges as ob
from certificates.data_integrity import did_key_resolver, sign
from certificates.signing import ed25519_public_key_to_multikey, generate_ed25519_key
from certificates.status_list import StatusBitstring, build_status_list_credential

L = ob.LocalizedText
ISSUED = datetime(2026, 11, 26, 9, 30, tzinfo=UTC)
VM = "https://cert.example.org/issuers/1#key-1"
LIST_URL = "https://cert.example.org/status/1"


@pytest.fixture
def data():
    return ob.CredentialInput(
        id="urn:uuid:0b0e3f6c-8c1a-4a56-9d2e-5d7a0f1f2b11",
        issuer=ob.IssuerInput(
            id="https://cert.example.org/issuers/1",
            name=L("介入放射学培训考核委员会", "Interventional Radiology Training Board"),
            url="https://cert.example.org/",
            image="https://cert.example.org/static/logo.png",
        ),
        achievement=ob.AchievementInput(
            id="https://cert.example.org/achievements/tace-qualifying",
            name=L("经动脉化疗栓塞术准入资格", "TACE qualifying certificate"),
            description=L("通过经动脉化疗栓塞术准入资格考试。", "Passed the TACE qualifying examination."),
            criteria_narrative=L("笔试成绩达到合格分数线。", "A written exam score at or above the cut score."),
            level="qualifying",
            alignments=[
                ob.AlignmentInput(
                    target_name="TACE",
                    target_url="https://cert.example.org/curriculum/areas/tace",
                    target_code="TACE",
                    target_framework="IR curriculum",
                )
            ],
            translations={"en": "https://cert.example.org/achievements/tace-qualifying?lang=en"},
        ),
        subject=ob.SubjectInput(id="urn:uuid:6f1b7c7e-2a7b-4f0c-9c61-3c4f7f2b9d01", name=L("张伟", "ZHANG Wei")),
        valid_from=ISSUED,
        valid_until=ISSUED + timedelta(days=5 * 365),
        status=ob.StatusInput(LIST_URL, 42),
        awarded_date=ISSUED,
    )


@pytest.fixture
def key():
    return generate_ed25519_key()


def _resolver(key):
    return {VM: key.public_key()}.get


def _status_list(key, revoked=()):
    bits = StatusBitstring()
    for i in revoked:
        bits.set(i)
    unsigned = build_status_list_credential(
        list_url=LIST_URL, issuer="https://cert.example.org/issuers/1", bitstring=bits, valid_from=ISSUED
    )
    return {LIST_URL: sign(unsigned, key, VM, ISSUED)}


def test_a_built_credential_validates_against_the_ob3_schema(data):
    credential = ob.build_credential(data)
    assert ob.validate_schema(credential) == []
    assert credential["@context"] == [ob.VC_V2_CONTEXT, ob.OB_V3_CONTEXT]
    assert credential["type"] == ["VerifiableCredential", "OpenBadgeCredential"]
    assert credential["validFrom"] == "2026-11-26T09:30:00Z"


def test_a_signed_credential_still_validates_and_carries_its_proof_in_a_list(data, key):
    signed = ob.sign_credential(ob.build_credential(data), key, VM, ISSUED)
    assert ob.validate_schema(signed) == []
    assert isinstance(signed["proof"], list) and signed["proof"][0]["cryptosuite"] == "eddsa-rdfc-2022"


def test_the_achievement_links_its_translation_with_related_and_in_language(data):
    achievement = ob.build_credential(data)["credentialSubject"]["achievement"]
    assert achievement["name"] == "经动脉化疗栓塞术准入资格"
    assert achievement["inLanguage"] == "zh-CN"
    assert achievement["related"] == [
        {
            "id": "https://cert.example.org/achievements/tace-qualifying?lang=en",
            "type": ["Related"],
            "inLanguage": "en",
        }
    ]
    assert "Passed the TACE qualifying examination." in achievement["description"]


def test_technique_areas_become_alignments_to_curriculum_urls(data):
    achievement = ob.build_credential(data)["credentialSubject"]["achievement"]
    assert achievement["alignment"] == [
        {
            "type": ["Alignment"],
            "targetName": "TACE",
            "targetUrl": "https://cert.example.org/curriculum/areas/tace",
            "targetCode": "TACE",
            "targetFramework": "IR curriculum",
        }
    ]
    assert achievement["tag"] == ["level:qualifying"]


def test_holder_names_are_identity_objects_hashed_when_a_salt_is_given(data):
    plain = ob.build_credential(data)["credentialSubject"]["identifier"]
    assert [(i["identityType"], i["hashed"], i["identityHash"]) for i in plain] == [
        ("name", False, "张伟"),
        ("name", False, "ZHANG Wei"),
    ]
    salted = replace(data, subject=replace(data.subject, identity_salt="s4lt"))
    hashed = ob.build_credential(salted)["credentialSubject"]["identifier"][0]
    assert hashed["hashed"] is True
    assert hashed["identityHash"] == "sha256$" + hashlib.sha256("张伟s4lt".encode()).hexdigest()
    assert ob.validate_schema(ob.build_credential(salted)) == []


def test_the_status_entry_is_a_bitstring_status_list_entry(data):
    assert ob.build_credential(data)["credentialStatus"] == {
        "id": f"{LIST_URL}#42",
        "type": "BitstringStatusListEntry",
        "statusPurpose": "revocation",
        "statusListIndex": "42",
        "statusListCredential": LIST_URL,
    }


def test_schema_errors_name_the_offending_path(data):
    credential = ob.build_credential(data)
    del credential["credentialSubject"]["achievement"]["criteria"]
    credential["issuer"]["image"]["type"] = "Picture"
    errors = ob.validate_schema(credential)
    assert any(e.startswith("$.credentialSubject.achievement:") and "'criteria'" in e for e in errors)
    assert any(e.startswith("$.issuer") for e in errors)


def test_a_valid_credential_passes_every_check(data, key):
    signed = ob.sign_credential(ob.build_credential(data), key, VM, ISSUED)
    report = ob.verify_credential(
        signed, _resolver(key), ob.status_lookup_from_lists(_status_list(key), _resolver(key)), ISSUED + timedelta(1)
    )
    assert report.ok, report.errors
    assert [c.name for c in report.checks] == ["proof", "schema", "dates", "status"]


def test_a_tampered_credential_fails_the_proof_check_only(data, key):
    signed = ob.sign_credential(ob.build_credential(data), key, VM, ISSUED)
    forged = copy.deepcopy(signed)
    forged["credentialSubject"]["identifier"][0]["identityHash"] = "张玮"  # one character changed
    report = ob.verify_credential(forged, _resolver(key), ob.status_lookup_from_lists(_status_list(key)), ISSUED)
    assert not report.ok
    assert not report.check("proof").ok and "signature does not match" in report.check("proof").messages[0]
    assert report.check("schema").ok and report.check("dates").ok and report.check("status").ok


def test_a_revoked_credential_is_reported_as_revoked(data, key):
    signed = ob.sign_credential(ob.build_credential(data), key, VM, ISSUED)
    lookup = ob.status_lookup_from_lists(_status_list(key, revoked=[42]), _resolver(key))
    report = ob.verify_credential(signed, _resolver(key), lookup, ISSUED)
    assert report.errors == ["status: revoked"]


def test_a_status_list_that_cannot_be_obtained_or_trusted_is_reported(data, key):
    signed = ob.sign_credential(ob.build_credential(data), key, VM, ISSUED)
    missing = ob.verify_credential(signed, _resolver(key), ob.status_lookup_from_lists({}), ISSUED)
    assert missing.errors == [f"status: status list '{LIST_URL}' could not be obtained"]
    other_key = generate_ed25519_key()
    untrusted = ob.status_lookup_from_lists(_status_list(other_key), _resolver(key))
    report = ob.verify_credential(signed, _resolver(key), untrusted, ISSUED)
    assert not report.check("status").ok and "proof does not verify" in report.check("status").messages[0]


def test_dates_outside_the_validity_period_are_reported(data, key):
    signed = ob.sign_credential(ob.build_credential(data), key, VM, ISSUED)
    lookup = ob.status_lookup_from_lists(_status_list(key))
    early = ob.verify_credential(signed, _resolver(key), lookup, ISSUED - timedelta(seconds=1))
    assert early.errors == ["dates: not yet valid: validFrom is 2026-11-26T09:30:00Z"]
    late = ob.verify_credential(signed, _resolver(key), lookup, ISSUED + timedelta(days=5 * 365))
    assert late.errors == ["dates: expired: validUntil was 2031-11-25T09:30:00Z"]


def test_a_key_published_by_another_origin_is_refused(data, key):
    foreign_vm = "https://elsewhere.example/keys#k"
    signed = ob.sign_credential(ob.build_credential(data), key, foreign_vm, ISSUED)
    report = ob.verify_credential(signed, {foreign_vm: key.public_key()}.get, ob.status_lookup_from_lists({}), ISSUED)
    assert any("not published by the issuer" in m for m in report.check("proof").messages)


def test_a_did_key_issuer_verifies_offline(data, key):
    did = "did:key:" + ed25519_public_key_to_multikey(key.public_key())
    credential = ob.build_credential(replace(data, issuer=replace(data.issuer, id=did), status=None))
    signed = ob.sign_credential(credential, key, f"{did}#{did[8:]}", ISSUED)
    report = ob.verify_credential(signed, did_key_resolver, None, ISSUED)
    assert report.ok, report.errors
    assert report.check("status").messages == ["the credential has no status entry (it cannot be revoked)"]


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda d: replace(d, valid_from=datetime(2026, 1, 1)), "timezone-aware"),  # noqa: DTZ001
        (lambda d: replace(d, valid_until=ISSUED - timedelta(days=1)), "after valid_from"),
        (lambda d: replace(d, issuer=replace(d.issuer, id="cert.example.org")), "issuer id"),
        (lambda d: replace(d, subject=replace(d.subject, name=L("张伟", ""))), "holder name"),
        (lambda d: replace(d, achievement=replace(d.achievement, achievement_type="Trophy")), "achievement_type"),
        (lambda d: replace(d, status=ob.StatusInput(LIST_URL, -1)), "credentialStatus"),
    ],
)
def test_bad_inputs_are_refused_with_the_field_named(data, change, message):
    with pytest.raises(ob.CredentialInputError, match=message):
        ob.build_credential(change(data))


def test_every_optional_field_is_defined_by_the_contexts_and_so_signed(data, key):
    full = replace(
        data,
        issuer=replace(data.issuer, email="office@cert.example.org", image="data:image/png;base64,iVBORw0KGgo="),
        achievement=replace(
            data.achievement,
            field_of_study="Interventional Radiology",
            human_code="IR-Q-TACE",
            image="https://cert.example.org/static/tace.png",
        ),
        subject=replace(data.subject, identity_salt="s4lt"),
    )
    credential = ob.build_credential(full)
    assert ob.validate_schema(credential) == []
    # canonicalize() refuses any property the contexts do not define, so signing proves coverage
    signed = ob.sign_credential(credential, key, VM, ISSUED)
    assert ob.verify_credential(signed, _resolver(key), ob.status_lookup_from_lists(_status_list(key)), ISSUED).ok
