"""Scoring rules of docs/question-content.md, unit by unit, with key decisions."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from exams.scoring_rules import KeyDecision, chosen_options, score_response, scoring_units, validate_decisions


def options(ids: str) -> list[dict[str, str]]:
    return [{"id": i, "text": f"option {i}"} for i in ids]


SBA = {"type": "sba", "stem": "s", "lead_in": "l", "options": options("ABCDE"), "key": ["B"]}
TF = {"type": "tf", "stem": "s", "lead_in": "l", "options": options("TF"), "key": ["F"]}
MRQ = {"type": "mrq", "stem": "s", "lead_in": "l", "options": options("ABCDE"), "key": ["A", "C", "D"]}
MRQ_PARTIAL = {**MRQ, "scoring": "partial"}
ORDER = {"type": "order", "stem": "s", "lead_in": "l", "options": options("ABCD"), "key": ["A", "B", "C", "D"]}
ORDER_ADJACENT = {**ORDER, "scoring": "adjacent"}
EMQ = {
    "type": "emq",
    "stem": "theme",
    "lead_in": "l",
    "options": options("ABCDEF"),
    "stems": [{"id": "1", "text": "a", "key": ["C"]}, {"id": "2", "text": "b", "key": ["F"]}],
}
CASE = {
    "type": "case",
    "stem": "intro",
    "stages": [
        {"id": "s1", "text": "t", "media": [], "questions": [{**SBA, "id": "q1"}]},
        {"id": "s2", "text": "t", "media": [], "questions": [{**MRQ_PARTIAL, "id": "q2"}, {**TF, "id": "q3"}]},
    ],
}
ALL_CONTENT = [SBA, TF, MRQ, MRQ_PARTIAL, ORDER, ORDER_ADJACENT, EMQ, CASE]


def test_units_are_one_blank_unit_per_simple_question_and_one_per_stem_or_case_question():
    assert scoring_units(SBA) == [""]
    assert scoring_units(ORDER) == [""]
    assert scoring_units(EMQ) == ["1", "2"]
    assert scoring_units(CASE) == ["q1", "q2", "q3"]


def test_a_single_best_answer_scores_one_only_for_the_key():
    assert score_response(SBA, {"choice": "B"}) == {"": 1.0}
    assert score_response(SBA, {"choice": "C"}) == {"": 0.0}
    assert score_response(TF, {"choice": "F"}) == {"": 1.0}
    assert score_response(TF, {"choice": "T"}) == {"": 0.0}


def test_an_omit_scores_zero_on_every_unit():
    assert score_response(SBA, {}) == {"": 0.0}
    assert score_response(SBA, None) == {"": 0.0}
    assert score_response(CASE, {}) == {"q1": 0.0, "q2": 0.0, "q3": 0.0}


def test_all_or_nothing_mrq_needs_the_exact_key_set():
    assert score_response(MRQ, {"choices": ["D", "A", "C"]}) == {"": 1.0}
    assert score_response(MRQ, {"choices": ["A", "C"]}) == {"": 0.0}
    assert score_response(MRQ, {"choices": ["A", "C", "D", "E"]}) == {"": 0.0}


def test_partial_mrq_is_correct_minus_wrong_over_the_number_of_keys_floored_at_zero():
    # key {A, C, D}: 3 keys
    assert score_response(MRQ_PARTIAL, {"choices": ["A", "C"]}) == {"": pytest.approx(2 / 3)}  # (2 - 0) / 3
    assert score_response(MRQ_PARTIAL, {"choices": ["A", "C", "E"]}) == {"": pytest.approx(1 / 3)}  # (2 - 1) / 3
    assert score_response(MRQ_PARTIAL, {"choices": ["B", "E", "A"]}) == {"": 0.0}  # max(0, (1 - 2) / 3)
    assert score_response(MRQ_PARTIAL, {"choices": ["A", "C", "D"]}) == {"": 1.0}


def test_exact_order_needs_the_whole_sequence():
    assert score_response(ORDER, {"order": ["A", "B", "C", "D"]}) == {"": 1.0}
    assert score_response(ORDER, {"order": ["A", "B", "D", "C"]}) == {"": 0.0}


def test_adjacent_order_counts_correctly_ordered_neighbouring_pairs():
    # key A<B<C<D; response B,A,C,D: pairs (B,A) wrong, (A,C) right, (C,D) right -> 2 / 3
    assert score_response(ORDER_ADJACENT, {"order": ["B", "A", "C", "D"]}) == {"": pytest.approx(2 / 3)}
    # reversed: D,C,B,A -> every pair wrong -> 0 / 3
    assert score_response(ORDER_ADJACENT, {"order": ["D", "C", "B", "A"]}) == {"": 0.0}
    assert score_response(ORDER_ADJACENT, {"order": ["A", "B", "C", "D"]}) == {"": 1.0}


def test_an_order_that_is_not_a_permutation_of_the_options_scores_zero():
    assert score_response(ORDER_ADJACENT, {"order": ["A", "B", "C"]}) == {"": 0.0}
    assert score_response(ORDER_ADJACENT, {"order": ["A", "A", "B", "C"]}) == {"": 0.0}
    assert score_response(ORDER, {"order": ["A", "B", "C", "X"]}) == {"": 0.0}


def test_emq_scores_each_stem_against_its_own_key():
    assert score_response(EMQ, {"answers": {"1": "C", "2": "A"}}) == {"1": 1.0, "2": 0.0}
    assert score_response(EMQ, {"answers": {"2": "F"}}) == {"1": 0.0, "2": 1.0}


def test_a_case_scores_each_stage_question_by_its_own_type():
    response = {"stage": 1, "answers": {"q1": {"choice": "B"}, "q2": {"choices": ["A", "D"]}, "q3": {"choice": "T"}}}
    # q1 key B -> 1; q2 partial key {A,C,D}: (2 - 0) / 3; q3 key F -> 0
    assert score_response(CASE, response) == {"q1": 1.0, "q2": pytest.approx(2 / 3), "q3": 0.0}


@pytest.mark.parametrize(
    "response",
    [
        {"choice": "Z"},
        {"choice": 3},
        {"choice": ["B"]},
        {"choices": "B"},
        {"choices": [1, 2]},
        {"order": "ABCD"},
        {"answers": ["C"]},
        {"answers": {"1": 3, "2": None}},
        {"stage": "x", "answers": {"q1": "B", "q2": {"choices": None}}},
        "B",
        42,
        [],
    ],
)
def test_malformed_responses_score_zero_and_never_crash(response):
    for content in ALL_CONTENT:
        scores = score_response(content, response)
        assert set(scores) == set(scoring_units(content))
        assert all(value == 0.0 for value in scores.values())


def test_dropping_a_unit_scores_it_none_for_everybody():
    drop = {"": KeyDecision("drop")}
    assert score_response(SBA, {"choice": "B"}, drop) == {"": None}
    assert score_response(SBA, {}, drop) == {"": None}
    assert score_response(EMQ, {"answers": {"1": "C"}}, {"2": KeyDecision("drop")}) == {"1": 1.0, "2": None}


def test_accepting_an_alternative_credits_everyone_who_chose_it():
    accept = {"": KeyDecision("accept", ("D",))}
    assert score_response(SBA, {"choice": "D"}, accept) == {"": 1.0}
    assert score_response(SBA, {"choice": "B"}, accept) == {"": 1.0}
    assert score_response(SBA, {"choice": "A"}, accept) == {"": 0.0}
    assert score_response(EMQ, {"answers": {"1": "B"}}, {"1": KeyDecision("accept", ("B",))})["1"] == 1.0


def test_rekeying_replaces_the_key():
    rekey = {"": KeyDecision("rekey", ("C",))}
    assert score_response(SBA, {"choice": "C"}, rekey) == {"": 1.0}
    assert score_response(SBA, {"choice": "B"}, rekey) == {"": 0.0}
    mrq = {"": KeyDecision("rekey", ("A", "C"))}
    assert score_response(MRQ, {"choices": ["A", "C"]}, mrq) == {"": 1.0}
    order = {"": KeyDecision("rekey", ("B", "A", "C", "D"))}
    assert score_response(ORDER, {"order": ["B", "A", "C", "D"]}, order) == {"": 1.0}
    case = {"q3": KeyDecision("rekey", ("T",))}
    assert score_response(CASE, {"answers": {"q3": {"choice": "T"}}}, case)["q3"] == 1.0


@pytest.mark.parametrize(
    ("content", "decisions", "message"),
    [
        (SBA, {"": KeyDecision("accept", ("X",))}, "unknown option"),
        (SBA, {"q9": KeyDecision("drop")}, "unknown scoring unit"),
        (MRQ, {"": KeyDecision("accept", ("B",))}, "use 'rekey'"),
        (ORDER, {"": KeyDecision("rekey", ("A", "B"))}, "every option id once"),
        (MRQ, {"": KeyDecision("rekey", tuple("ABCDE"))}, "fewer ids"),
    ],
)
def test_decisions_that_do_not_fit_the_content_are_refused_clearly(content, decisions, message):
    with pytest.raises(ValueError, match=message):
        validate_decisions(content, decisions)
    with pytest.raises(ValueError, match=message):
        score_response(content, {}, decisions)


def test_a_key_decision_checks_its_own_shape():
    with pytest.raises(ValueError, match="Unknown key decision"):
        KeyDecision("delete")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="needs at least one"):
        KeyDecision("accept")
    with pytest.raises(ValueError, match="takes no option ids"):
        KeyDecision("drop", ("A",))


def test_content_that_cannot_be_scored_raises_a_clear_error():
    with pytest.raises(ValueError, match="Unknown question type"):
        scoring_units({"type": "essay"})
    with pytest.raises(ValueError, match="unknown option ids"):
        scoring_units({**SBA, "key": ["Q"]})
    with pytest.raises(ValueError, match="every option id once"):
        scoring_units({**ORDER, "key": ["A", "B"]})


def test_chosen_options_keep_known_ids_in_the_candidates_order():
    assert chosen_options(SBA, {"choice": "C"}) == {"": ("C",)}
    assert chosen_options(SBA, {"choice": "Z"}) == {"": ()}
    assert chosen_options(MRQ, {"choices": ["D", "A", "Q", "D"]}) == {"": ("D", "A")}
    assert chosen_options(EMQ, {"answers": {"2": "B"}}) == {"1": (), "2": ("B",)}
    assert chosen_options(ORDER, {"order": ["B", "A", "C", "D"]}) == {"": ("B", "A", "C", "D")}
    assert chosen_options(CASE, {"answers": {"q2": {"choices": ["E"]}}}) == {"q1": (), "q2": ("E",), "q3": ()}
    assert chosen_options(SBA, None) == {"": ()}


# ---------------------------------------------------------------- properties

letters = st.sampled_from(list("ABCDEFGXZ"))
any_json = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=3) | letters,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=3), inner, max_size=4),
    max_leaves=10,
)
plausible_response = st.one_of(
    st.fixed_dictionaries({"choice": letters}),
    st.fixed_dictionaries({"choices": st.lists(letters, max_size=6)}),
    st.fixed_dictionaries({"order": st.permutations(list("ABCD"))}),
    st.fixed_dictionaries({"order": st.lists(letters, max_size=5)}),
    st.fixed_dictionaries({"answers": st.dictionaries(st.sampled_from(["1", "2", "3"]), letters)}),
    st.fixed_dictionaries(
        {
            "answers": st.fixed_dictionaries(
                {
                    "q1": st.fixed_dictionaries({"choice": letters}),
                    "q2": st.fixed_dictionaries({"choices": st.lists(letters, max_size=5)}),
                }
            )
        }
    ),
    any_json,
)


@given(content=st.sampled_from(ALL_CONTENT), response=plausible_response)
def test_every_unit_scores_within_zero_and_one(content, response):
    scores = score_response(content, response)
    assert list(scores) == scoring_units(content)
    assert all(value is not None and 0.0 <= value <= 1.0 for value in scores.values())


@given(content=st.sampled_from(ALL_CONTENT), response=plausible_response, data=st.data())
def test_dropping_a_unit_removes_it_and_leaves_the_others_alone(content, response, data):
    units = scoring_units(content)
    dropped = data.draw(st.sampled_from(units))
    before = score_response(content, response)
    after = score_response(content, response, {dropped: KeyDecision("drop")})
    assert after[dropped] is None
    assert {u: s for u, s in after.items() if u != dropped} == {u: s for u, s in before.items() if u != dropped}
