"""QTI 3.0 single items; packages are covered by the round-trip tests."""

import io
import zipfile

from question_bank.formats import export, parse
from question_bank.formats.base import ParsedQuestion

from .helpers import read


def test_it_reads_a_multiple_response_item_with_markup_and_feedback():
    q = parse(read("qti3_choice_multiple.xml"), "qti3", filename="m.xml", default_area="CORE-RAD").questions[0]
    assert q.source_id == "RAD-10" and q.language == "en" and q.area == "CORE-RAD"
    assert q.content["type"] == "mrq"
    assert q.content["scoring"] == "all_or_nothing"
    assert q.content["key"] == ["A", "B"]
    assert q.content["lead_in"] == "Which measures help? Choose *all* that apply."
    assert q.content["explanation"].startswith("Shielding and distance")


def test_it_reads_order_and_match_items():
    order = parse(read("qti3_order.xml"), "qti3", filename="o.xml").questions[0]
    assert order.content["key"] == ["B", "C", "A"]
    match = parse(read("qti3_match.xml"), "qti3", filename="m.xml").questions[0]
    assert match.content["stems"][1] == {"id": "2", "text": "Uterine artery embolisation", "key": ["A"]}


def test_unsupported_interactions_are_named():
    report = parse(read("qti3_text_entry.xml"), "qti3", filename="t.xml")
    assert report.questions == []
    assert report.problems[0].item == "TXT-13"
    assert "qti-text-entry-interaction" in report.problems[0].message


def test_a_qti21_file_given_as_qti3_is_a_clear_problem():
    report = parse(read("qti21_order.xml"), "qti3", filename="o.xml")
    assert report.questions == []
    assert "not <qti-assessment-item>" in report.problems[0].message


def test_export_uses_qti3_names_and_a_qti3_manifest():
    content = {
        "type": "order",
        "stem": "",
        "lead_in": "Order these.",
        "options": [{"id": "A", "text": "a"}, {"id": "B", "text": "b"}],
        "key": ["B", "A"],
    }
    data = export([ParsedQuestion(content=content, source_id="O-1")], "qti3")
    archive = zipfile.ZipFile(io.BytesIO(data))
    item = archive.read("items/O-1.xml").decode()
    assert "<qti-order-interaction" in item and "<qti-value>B</qti-value>" in item
    assert "imsqti_item_xmlv3p0" in archive.read("imsmanifest.xml").decode()


def test_feedback_is_written_in_a_content_body_and_keeps_its_paragraphs():
    content = {
        "type": "sba",
        "stem": "",
        "lead_in": "Which?",
        "key": ["A"],
        "explanation": "First.\n\nSecond.",
        "options": [{"id": "A", "text": "a"}, {"id": "B", "text": "b"}, {"id": "C", "text": "c"}],
    }
    data = export([ParsedQuestion(content=content, source_id="F-1")], "qti3")
    item = zipfile.ZipFile(io.BytesIO(data)).read("items/F-1.xml").decode()
    assert "<qti-modal-feedback" in item and "<qti-content-body><p>First.</p>" in item
    back = parse(data, "qti3", filename="f.zip").questions[0]
    assert back.content["explanation"] == "First.\n\nSecond."
