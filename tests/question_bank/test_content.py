"""Tests for question_bank.content: validation, fingerprints, candidate copies, media refs."""

import copy
import json

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from question_bank.content import (
    MESSAGES,
    ContentError,
    media_refs,
    normalised_fingerprint,
    replace_media_refs,
    scoring_defaults,
    strip_for_candidate,
    validate_content,
)


def sba(**overrides):
    content = {
        "type": "sba",
        "stem": "An operator doubles the distance from the X-ray source during fluoroscopy.",
        "lead_in": "By what factor does the scatter dose rate at the operator change?",
        "options": [
            {"id": "A", "text": "It halves"},
            {"id": "B", "text": "It falls to a quarter"},
            {"id": "C", "text": "It is unchanged"},
            {"id": "D", "text": "It doubles"},
        ],
        "key": ["B"],
        "explanation": "Inverse-square law.",
        "references": ["ICRP Publication 103"],
    }
    content.update(overrides)
    return content


def mrq(**overrides):
    content = {
        "type": "mrq",
        "stem": "Fluoroscopy settings.",
        "lead_in": "Which of these lower patient dose?",
        "options": [
            {"id": "A", "text": "Collimation"},
            {"id": "B", "text": "Magnification"},
            {"id": "C", "text": "Lower pulse rate"},
            {"id": "D", "text": "Larger patient–detector gap"},
        ],
        "key": ["C", "A"],
    }
    content.update(overrides)
    return content


def tf(**overrides):
    content = {
        "type": "tf",
        "stem": "TIPS",
        "lead_in": "A TIPS connects a hepatic vein to a portal vein branch.",
        "options": [{"id": "T", "text": "True"}, {"id": "F", "text": "False"}],
        "key": ["T"],
    }
    content.update(overrides)
    return content


def emq(**overrides):
    content = {
        "type": "emq",
        "stem": "Imaging guidance",
        "lead_in": "For each procedure choose the usual primary guidance modality.",
        "options": [
            {"id": "A", "text": "DSA"},
            {"id": "B", "text": "CT"},
            {"id": "C", "text": "Ultrasound"},
            {"id": "D", "text": "MRI"},
        ],
        "stems": [
            {"id": "1", "text": "Mechanical thrombectomy", "key": ["A"]},
            {"id": "2", "text": "Uterine artery embolisation", "key": ["A"]},
        ],
        "explanation": "secret emq explanation",
    }
    content.update(overrides)
    return content


def order(**overrides):
    content = {
        "type": "order",
        "stem": "Seldinger technique",
        "lead_in": "Put the steps in order.",
        "options": [
            {"id": "A", "text": "Pass the guidewire"},
            {"id": "B", "text": "Puncture the artery with the needle"},
            {"id": "C", "text": "Advance the sheath over the wire"},
        ],
        "key": ["B", "A", "C"],
    }
    content.update(overrides)
    return content


def case(**overrides):
    content = {
        "type": "case",
        "stem": "A 60-year-old man with cirrhosis is admitted.",
        "media": [{"ref": "ct-1", "alt": "Contrast CT", "caption": "Arterial phase"}],
        "stages": [
            {
                "id": "s1",
                "text": "Stage one.",
                "media": [{"ref": "dsa-2", "alt": "DSA"}],
                "questions": [dict(sba(), id="q1", explanation="secret stage explanation")],
            },
            {
                "id": "s2",
                "text": "Stage two ![angio](media:angio-3).",
                "questions": [dict(tf(), id="q2"), dict(order(), id="q3")],
            },
        ],
        "explanation": "secret case explanation",
        "references": ["secret reference"],
    }
    content.update(overrides)
    return content


def codes(excinfo):
    return [e.code for e in excinfo.value.errors]


@pytest.mark.parametrize("factory", [sba, mrq, tf, emq, order, case])
def test_it_accepts_a_valid_item_of_every_type(factory):
    result = validate_content(factory())
    assert result["type"] == factory()["type"]
    assert result["explanation"] is not None
    assert result["references"] is not None


def test_it_does_not_modify_its_input():
    content = mrq(stem="  padded \r\n stem  ")
    before = copy.deepcopy(content)
    validate_content(content)
    assert content == before


def test_it_normalises_text_keys_and_scoring():
    result = validate_content(mrq(stem="  padded\r\nstem  "))
    assert result["stem"] == "padded\nstem"
    assert result["key"] == ["A", "C"]
    assert result["scoring"] == "all_or_nothing"
    assert validate_content(order())["scoring"] == "exact"
    assert result["media"] == [] and result["explanation"] == ""


def test_it_refuses_an_sba_with_two_keys_naming_them():
    with pytest.raises(ContentError) as excinfo:
        validate_content(sba(key=["A", "C"]))
    assert excinfo.value.errors[0].message == "A single-best-answer item needs exactly one key; it has 2 (A, C)."
    assert excinfo.value.errors[0].path == "key"
    assert excinfo.value.errors[0].code == "sba_key_count"


def test_it_refuses_an_sba_with_no_key():
    with pytest.raises(ContentError) as excinfo:
        validate_content(sba(key=[]))
    assert codes(excinfo) == ["sba_key_count"]
    assert "it has 0" in excinfo.value.errors[0].message


def test_it_refuses_an_sba_without_a_key_field():
    with pytest.raises(ContentError) as excinfo:
        validate_content({k: v for k, v in sba().items() if k != "key"})
    assert codes(excinfo) == ["missing_field"]
    assert excinfo.value.errors[0].path == "key"


def test_it_refuses_a_key_that_is_not_an_option():
    with pytest.raises(ContentError) as excinfo:
        validate_content(sba(key=["E"]))
    assert "unknown_key" in codes(excinfo)
    assert "'E' is not one of the option ids (A, B, C, D)" in str(excinfo.value)


def test_it_refuses_too_few_and_too_many_sba_options():
    with pytest.raises(ContentError) as excinfo:
        validate_content(sba(options=sba()["options"][:2], key=["B"]))
    assert codes(excinfo) == ["too_few"]
    six = [{"id": chr(65 + i), "text": f"option {i}"} for i in range(6)]
    with pytest.raises(ContentError) as excinfo:
        validate_content(sba(options=six))
    assert codes(excinfo) == ["too_many"]


def test_it_refuses_option_ids_out_of_sequence_or_duplicated():
    options = copy.deepcopy(sba()["options"])
    options[2]["id"] = "A"
    with pytest.raises(ContentError) as excinfo:
        validate_content(sba(options=options))
    assert "duplicate_id" in codes(excinfo)
    assert "option_ids_sequence" in codes(excinfo)
    assert "found A, B, A, D" in str(excinfo.value)


def test_it_refuses_empty_option_text_with_its_path():
    options = copy.deepcopy(sba()["options"])
    options[1]["text"] = "   "
    with pytest.raises(ContentError) as excinfo:
        validate_content(sba(options=options))
    assert [(e.code, e.path) for e in excinfo.value.errors] == [("empty_text", "options[1].text")]


def test_it_refuses_unknown_fields_and_types():
    with pytest.raises(ContentError) as excinfo:
        validate_content(sba(answer="B"))
    assert codes(excinfo) == ["unknown_field"]
    with pytest.raises(ContentError) as excinfo:
        validate_content(sba(type="essay"))
    assert codes(excinfo) == ["unknown_type"]
    with pytest.raises(ContentError) as excinfo:
        validate_content(["not", "a", "dict"])
    assert codes(excinfo) == ["not_an_object"]


def test_it_reports_every_problem_at_once():
    with pytest.raises(ContentError) as excinfo:
        validate_content(sba(stem=7, lead_in=None, key=["A", "B"]))
    assert set(codes(excinfo)) == {"not_a_string", "missing_field", "sba_key_count"}


def test_mrq_needs_one_key_and_fewer_keys_than_options():
    with pytest.raises(ContentError) as excinfo:
        validate_content(mrq(key=[]))
    assert codes(excinfo) == ["mrq_key_count"]
    with pytest.raises(ContentError) as excinfo:
        validate_content(mrq(key=["A", "B", "C", "D"]))
    assert codes(excinfo) == ["mrq_key_count"]
    with pytest.raises(ContentError) as excinfo:
        validate_content(mrq(key=["A", "A"]))
    assert codes(excinfo) == ["duplicate_key"]


def test_mrq_and_order_scoring_rules_are_checked():
    assert validate_content(mrq(scoring="partial"))["scoring"] == "partial"
    assert validate_content(order(scoring="adjacent"))["scoring"] == "adjacent"
    with pytest.raises(ContentError) as excinfo:
        validate_content(mrq(scoring="adjacent"))
    assert codes(excinfo) == ["unknown_scoring"]
    with pytest.raises(ContentError) as excinfo:
        validate_content(sba(scoring="partial"))
    assert codes(excinfo) == ["unknown_field"]
    assert scoring_defaults() == {"mrq": "all_or_nothing", "order": "exact"}


def test_tf_needs_options_t_and_f_and_one_key():
    with pytest.raises(ContentError) as excinfo:
        validate_content(tf(key=["T", "F"]))
    assert codes(excinfo) == ["tf_key_count"]
    with pytest.raises(ContentError) as excinfo:
        validate_content(tf(key=["A"]))
    assert codes(excinfo) == ["unknown_key"]
    with pytest.raises(ContentError) as excinfo:
        validate_content(
            tf(
                options=[{"id": "A", "text": "True"}, {"id": "B", "text": "False"}],
                key=["A"],
            )
        )
    assert codes(excinfo) == ["option_ids_sequence"]
    assert "must be T, F" in str(excinfo.value)


def test_emq_stems_need_exactly_one_known_key_and_unique_ids():
    stems = [
        {"id": "1", "text": "Stroke", "key": ["A", "B"]},
        {"id": "1", "text": "Fibroids", "key": ["Z"]},
    ]
    with pytest.raises(ContentError) as excinfo:
        validate_content(emq(stems=stems))
    assert set(codes(excinfo)) == {"emq_key_count", "duplicate_id", "unknown_key"}
    assert "stem '1' needs exactly one key; it has 2 (A, B)" in str(excinfo.value)


def test_emq_needs_two_stems_and_four_options():
    with pytest.raises(ContentError) as excinfo:
        validate_content(emq(stems=emq()["stems"][:1]))
    assert codes(excinfo) == ["too_few"]
    with pytest.raises(ContentError) as excinfo:
        validate_content(emq(options=emq()["options"][:3]))
    assert codes(excinfo) == ["too_few"]


def test_order_key_must_be_a_permutation_of_the_options():
    with pytest.raises(ContentError) as excinfo:
        validate_content(order(key=["B", "A", "A"]))
    assert codes(excinfo) == ["order_key_permutation"]
    assert "missing C; repeated A" in str(excinfo.value)
    with pytest.raises(ContentError) as excinfo:
        validate_content(order(key=["B", "A"]))
    assert codes(excinfo) == ["order_key_permutation"]


def test_case_stages_are_validated_with_paths():
    bad = case()
    bad["stages"][1]["questions"][0]["key"] = ["T", "F"]
    bad["stages"][1]["questions"][1]["id"] = "q1"
    with pytest.raises(ContentError) as excinfo:
        validate_content(bad)
    paths = {(e.code, e.path) for e in excinfo.value.errors}
    assert ("tf_key_count", "stages[1].questions[0].key") in paths
    assert ("duplicate_id", "stages[1].questions[1].id") in paths


def test_case_refuses_nested_cases_emq_and_a_single_stage():
    bad = case()
    bad["stages"][0]["questions"] = [dict(emq(), id="q9")]
    with pytest.raises(ContentError) as excinfo:
        validate_content(bad)
    assert codes(excinfo) == ["type_not_allowed_in_case"]
    with pytest.raises(ContentError) as excinfo:
        validate_content(case(stages=case()["stages"][:1]))
    assert codes(excinfo) == ["too_few"]
    with pytest.raises(ContentError) as excinfo:
        validate_content(case(lead_in="not for a case"))
    assert codes(excinfo) == ["unknown_field"]


def test_sba_may_have_an_empty_stem_but_emq_and_case_may_not():
    assert validate_content(sba(stem=""))["stem"] == ""
    with pytest.raises(ContentError) as excinfo:
        validate_content(emq(stem=""))
    assert [(e.code, e.path) for e in excinfo.value.errors] == [("empty_text", "stem")]
    with pytest.raises(ContentError) as excinfo:
        validate_content(case(stem="  "))
    assert [(e.code, e.path) for e in excinfo.value.errors] == [("empty_text", "stem")]


def test_replace_media_refs_renames_lists_and_markdown_images():
    content = validate_content(case())
    renamed = replace_media_refs(content, {"ct-1": "101", "angio-3": "103"})
    assert media_refs(renamed) == ["101", "dsa-2", "103"]
    assert renamed["stages"][1]["text"] == "Stage two ![angio](media:103)."
    assert content["media"][0]["ref"] == "ct-1"


def test_stage_questions_need_an_id_but_may_have_no_stem():
    good = case()
    good["stages"][0]["questions"][0]["stem"] = ""
    assert validate_content(good)["stages"][0]["questions"][0]["stem"] == ""
    bad = case()
    del bad["stages"][0]["questions"][0]["id"]
    with pytest.raises(ContentError) as excinfo:
        validate_content(bad)
    assert [(e.code, e.path) for e in excinfo.value.errors] == [("missing_field", "stages[0].questions[0].id")]


def test_media_refs_must_be_safe_and_unique():
    with pytest.raises(ContentError) as excinfo:
        validate_content(sba(media=[{"ref": "../etc/passwd"}]))
    assert codes(excinfo) == ["bad_media_ref"]
    with pytest.raises(ContentError) as excinfo:
        validate_content(sba(media=[{"ref": "a1"}, {"ref": "a1"}]))
    assert codes(excinfo) == ["duplicate_media"]


def test_every_message_code_formats_with_its_params():
    with pytest.raises(ContentError) as excinfo:
        validate_content(case(stages="nope", explanation=3, references=[1]))
    for issue in excinfo.value.errors:
        assert MESSAGES[issue.code].format(**issue.params) == issue.message
        assert issue.as_dict()["path"] == issue.path


@pytest.mark.parametrize("factory", [sba, mrq, tf, emq, order, case])
def test_strip_for_candidate_removes_every_key_and_explanation(factory):
    content = validate_content(factory())
    stripped = strip_for_candidate(content)
    dumped = json.dumps(stripped)
    for secret in ('"key"', '"explanation"', '"references"', "secret"):
        assert secret not in dumped
    assert stripped["stem"] == content["stem"]
    assert stripped["type"] == content["type"]


def test_strip_for_candidate_keeps_what_the_candidate_needs():
    stripped = strip_for_candidate(validate_content(case()))
    question = stripped["stages"][0]["questions"][0]
    assert question["id"] == "q1"
    assert [o["id"] for o in question["options"]] == ["A", "B", "C", "D"]
    assert stripped["stages"][0]["media"] == [{"ref": "dsa-2", "alt": "DSA", "caption": ""}]
    emq_stripped = strip_for_candidate(validate_content(emq()))
    assert emq_stripped["stems"] == [
        {"id": "1", "text": "Mechanical thrombectomy"},
        {"id": "2", "text": "Uterine artery embolisation"},
    ]


def test_strip_for_candidate_drops_unknown_fields_from_unvalidated_content():
    leaked = dict(sba(), answer_hint="B is right")
    assert "answer_hint" not in json.dumps(strip_for_candidate(leaked))


def test_media_refs_lists_every_reference_once_in_order():
    content = validate_content(case())
    content["stages"][0]["questions"][0]["stem"] = "See ![x](media:ct-1) and ![y](media:extra_4.png)"
    assert media_refs(content) == ["ct-1", "dsa-2", "extra_4.png", "angio-3"]


def test_fingerprint_ignores_case_width_whitespace_and_option_order():
    a = sba()
    b = sba(
        stem="  AN OPERATOR doubles the   distance from the X-ray source\nduring fluoroscopy. ",
        options=list(reversed(sba()["options"])),
        key=["C"],
        explanation="different",
    )
    assert normalised_fingerprint(a) == normalised_fingerprint(b)
    # NFKC: full-width letters and digits match their ASCII forms.
    assert normalised_fingerprint(sba(lead_in="ＡＢＣ１")) == normalised_fingerprint(sba(lead_in="abc1"))


def test_fingerprint_changes_when_the_wording_changes():
    assert normalised_fingerprint(sba()) != normalised_fingerprint(sba(lead_in="Something else?"))
    assert normalised_fingerprint(case()) != normalised_fingerprint(case(stem="Another case"))
    assert len(normalised_fingerprint(tf())) == 64


@settings(max_examples=300, deadline=None, derandomize=True, suppress_health_check=list(HealthCheck))
@given(
    st.recursive(
        st.none() | st.booleans() | st.integers() | st.text(max_size=4) | st.sampled_from(["sba", "emq", "case", "A"]),
        lambda children: (
            st.lists(children, max_size=4)
            | st.dictionaries(
                st.sampled_from(
                    ["type", "stem", "lead_in", "options", "key", "stems", "stages", "id", "text", "questions"]
                ),
                children,
                max_size=6,
            )
        ),
        max_leaves=30,
    )
)
def test_arbitrary_json_gives_content_errors_never_crashes(value):
    try:
        validate_content(value)
    except ContentError as exc:
        assert exc.errors
    if isinstance(value, dict):
        assert "key" not in json.dumps(strip_for_candidate(value))
        media_refs(value)
        normalised_fingerprint(value)
