"""Aiken import."""

import pytest

from question_bank.formats import ExportError, export, parse

from .helpers import read


def test_it_reads_questions_with_chinese_text_and_both_option_styles():
    r = parse(read("aiken_bank.txt"), "aiken", filename="a.txt", default_area="TIPS")
    first, second = r.questions
    assert first.content["lead_in"] == "TIPS 的分流道连接哪两条血管？" and first.content["key"] == ["B"]
    assert first.area == "TIPS"
    assert second.content["stem"] == "A 60-year-old man presents for transjugular access."
    assert second.content["lead_in"] == "Which vein is usually punctured?"
    assert second.content["options"][0]["text"] == "Right internal jugular vein"


def test_an_answer_that_is_not_an_option_is_a_problem_with_its_line():
    [problem] = parse(read("aiken_bank.txt"), "aiken", filename="a.txt").problems
    assert problem.item == "question 3" and problem.location == "line 19"
    assert "ANSWER: E is not one of the options" in problem.message


def test_a_question_without_an_answer_line_is_reported():
    r = parse(b"Question?\nA. x\nB. y\nC. z\n", "aiken", filename="a.txt")
    assert r.questions == [] and "no 'ANSWER:' line" in r.problems[0].message


def test_aiken_is_import_only():
    with pytest.raises(ExportError, match="import-only"):
        export([], "aiken")
