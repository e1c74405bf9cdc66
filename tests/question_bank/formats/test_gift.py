"""GIFT: escapes, comments, titles, categories, formats, feedback, weights, true/false, matching."""

from question_bank.formats import parse
from question_bank.formats.gift import escape_gift, unescape_gift

from .helpers import read


def report():
    return parse(read("gift_bank.gift"), "gift", filename="bank.gift")


def test_it_reads_title_id_tags_category_and_markdown():
    q = report().questions[0]
    assert q.title == "Inverse square" and q.source_id == "RAD-01"
    assert q.level == "qualifying" and q.objectives == ["CORE-RAD-Q1"] and q.area == "CORE-RAD"
    assert q.content["stem"] == "An operator doubles the distance from the X\\-ray source."
    assert q.content["lead_in"] == "By what factor does the **scatter dose rate** change?"
    assert q.content["key"] == ["B"]
    assert q.content["explanation"].startswith("Inverse\\-square law: dose ∝ 1/d².")
    assert "**A**: No: dose falls with the square of distance." in q.content["explanation"]


def test_escaped_special_characters_are_literal():
    q = report().questions[1]
    assert q.title == "Escapes: all of them"
    assert q.content["options"][0]["text"] == "a \\~ b = c \\# d { e } f : g"


def test_weights_make_a_partial_multiple_response_item_and_html_is_converted():
    q = report().questions[2]
    assert q.content["type"] == "mrq" and q.content["scoring"] == "partial" and q.content["key"] == ["A", "C"]
    assert q.content["lead_in"] == "Which settings lower the patient's *skin dose*?"


def test_true_false_and_matching_with_categories():
    r = report()
    tf, emq = r.questions[3], r.questions[4]
    assert tf.content["key"] == ["T"]
    assert tf.content["explanation"].startswith("Inverse-square law.")
    assert emq.area == "IMG"
    assert [o["text"] for o in emq.content["options"]] == ["DSA", "CT", "Ultrasound", "MRI"]
    assert r.categories == ["$course$/top/CORE-RAD", "$course$/top/IMG"]


def test_unsupported_and_broken_questions_are_problems_with_lines():
    problems = {p.item: p for p in report().problems}
    assert "short-answer" in problems["Short answer"].message
    assert problems["Unclosed"].location == "line 39"
    assert "not closed" in problems["Unclosed"].message


def test_escape_and_unescape_are_inverse():
    text = "a ~ b = c # d { e } f : g \\ h\nline"
    assert escape_gift(text) == "a \\~ b \\= c \\# d \\{ e \\} f \\: g \\\\ h\\nline"
    assert unescape_gift(escape_gift(text)) == text
