"""Pure delivery rules: answers are checked against the form layout, never silently blanked."""

import pytest

from exams.delivery import AnswerError, layout_entry, validate_answer

SBA = {"type": "sba", "stem": "s", "lead_in": "q", "options": [{"id": i, "text": i} for i in "ABCD"], "key": ["B"]}
MRQ = {**SBA, "type": "mrq", "key": ["A", "B"]}


def test_a_choice_among_the_options_is_kept():
    assert validate_answer(layout_entry(1, SBA), {"choice": "C"}) == {"choice": "C"}


def test_an_empty_answer_is_an_omit():
    assert validate_answer(layout_entry(1, SBA), {}) == {}
    assert validate_answer(layout_entry(1, SBA), None) == {}


def test_an_unknown_option_is_refused():
    with pytest.raises(AnswerError, match="not one of the options"):
        validate_answer(layout_entry(1, SBA), {"choice": "Z"})


def test_a_wrongly_shaped_answer_is_refused_not_stored_blank():
    with pytest.raises(AnswerError, match="unexpected field"):
        validate_answer(layout_entry(1, SBA), {"choices": ["A"]})
    with pytest.raises(AnswerError, match="unexpected field"):
        validate_answer(layout_entry(1, MRQ), {"choice": "A"})


def test_multiple_response_choices_are_normalised_and_duplicates_refused():
    assert validate_answer(layout_entry(1, MRQ), {"choices": ["C", "A"]}) == {"choices": ["A", "C"]}
    with pytest.raises(AnswerError, match="twice"):
        validate_answer(layout_entry(1, MRQ), {"choices": ["A", "A"]})
