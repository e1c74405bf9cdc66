"""QTI 2.1: single item files and a content package with an image."""

import io
import zipfile

from question_bank.formats import parse
from question_bank.formats.base import MediaFile, ParsedQuestion
from question_bank.formats.qti21 import write_qti21

from .helpers import PNG, read, zip_folder


def test_it_reads_a_package_with_an_image_and_feedback():
    report = parse(zip_folder("qti21_package"), "qti21", filename="tips.zip", default_area="TIPS")
    assert report.problems == []
    tips, dose = report.questions
    assert tips.source_id == "TIPS-01" and tips.title == "TIPS 分流道" and tips.language == "zh-Hans"
    assert tips.area == "TIPS"
    assert tips.content["type"] == "sba"
    assert tips.content["lead_in"] == "经颈静脉肝内门体分流术（TIPS）的分流道连接哪两条血管？"
    assert tips.content["stem"].startswith("患者，男，58岁，乙肝肝硬化，反复**食管胃底静脉曲张破裂出血**。")
    assert [o["text"] for o in tips.content["options"]][1] == "肝静脉与门静脉"
    assert tips.content["key"] == ["B"]
    assert tips.content["explanation"] == "TIPS 在肝静脉与门静脉分支之间建立分流道。"
    assert "![门静脉造影](media:angio.png)" in tips.content["stem"]
    assert tips.media["angio.png"].data == PNG and tips.media["angio.png"].mime == "image/png"


def test_a_mapping_makes_a_multiple_response_item_partial():
    report = parse(zip_folder("qti21_package"), "qti21", filename="tips.zip")
    dose = report.questions[1]
    assert dose.content["type"] == "mrq"
    assert dose.content["key"] == ["A", "C"]
    assert dose.content["scoring"] == "partial"
    assert dose.content["stem"] == ""


def test_it_reads_order_match_and_true_false_items():
    order = parse(read("qti21_order.xml"), "qti21", filename="qti21_order.xml").questions[0]
    assert order.content["key"] == ["C", "A", "B"]
    assert order.content["options"][2]["text"] == "Puncture the artery with the needle"
    match = parse(read("qti21_match.xml"), "qti21", filename="qti21_match.xml").questions[0]
    assert match.content["type"] == "emq"
    assert [s["key"] for s in match.content["stems"]] == [["A"], ["A"]]
    assert [o["text"] for o in match.content["options"]] == ["DSA", "CT", "Ultrasound", "MRI"]
    tf = parse(read("qti21_truefalse.xml"), "qti21", filename="qti21_truefalse.xml").questions[0]
    assert tf.content["type"] == "tf"
    assert tf.content["key"] == ["T"]
    assert tf.content["options"] == [{"id": "T", "text": "True"}, {"id": "F", "text": "False"}]


def test_an_sba_without_a_correct_response_is_a_clear_problem():
    report = parse(read("qti21_sba_no_key.xml"), "qti21", filename="nokey.xml")
    assert report.questions == []
    [problem] = report.problems
    assert problem.item == "NOKEY-06"
    assert "nokey.xml" in problem.location
    assert problem.message == "A single-best-answer item needs exactly one key; it has 0."


def test_an_image_in_a_single_xml_file_is_reported():
    data = read("qti21_package/items/tips_01.xml")
    report = parse(data, "qti21", filename="tips_01.xml")
    assert report.questions == []
    assert any("import the content package" in p.message for p in report.problems)


def test_duplicate_identifiers_in_a_package_are_refused():
    item = read("qti21_order.xml")
    manifest = (
        read("qti21_package/imsmanifest.xml")
        .replace(b"items/tips_01.xml", b"a.xml")
        .replace(b"items/rad_02.xml", b"b.xml")
    )
    from .helpers import zip_entries

    report = parse(zip_entries({"imsmanifest.xml": manifest, "a.xml": item, "b.xml": item}), "qti21", filename="d.zip")
    assert len(report.questions) == 1
    assert report.problems[0].item == "ACC-03"
    assert "used by an earlier item" in report.problems[0].message


def test_a_non_image_file_in_a_package_is_refused():
    from .helpers import zip_entries

    item = read("qti21_package/items/tips_01.xml")
    manifest = read("qti21_package/imsmanifest.xml")
    data = zip_entries(
        {
            "imsmanifest.xml": manifest,
            "items/tips_01.xml": item,
            "items/rad_02.xml": read("qti21_package/items/rad_02.xml"),
            "images/angio.png": b"<svg onload='alert(1)'></svg>",
        }
    )
    report = parse(data, "qti21", filename="svg.zip")
    assert [q.source_id for q in report.questions] == ["RAD-02"]
    assert "not a PNG, JPEG, GIF or WebP image" in report.problems[0].message


def test_export_writes_a_package_with_manifest_and_images():
    content = {
        "type": "sba",
        "stem": "See ![angio](media:angio.png)",
        "lead_in": "Which vessel?",
        "options": [{"id": "A", "text": "One"}, {"id": "B", "text": "Two"}, {"id": "C", "text": "Three"}],
        "key": ["C"],
    }
    q = ParsedQuestion(
        content=content,
        title="t",
        source_id="X-1",
        area="TIPS",
        media={"angio.png": MediaFile("angio.png", PNG, "image/png")},
    )
    data = write_qti21([q])
    names = zipfile.ZipFile(io.BytesIO(data)).namelist()
    assert {"imsmanifest.xml", "items/X-1.xml", "images/angio.png"} <= set(names)
    manifest = zipfile.ZipFile(io.BytesIO(data)).read("imsmanifest.xml").decode()
    assert 'type="imsqti_item_xmlv2p1"' in manifest and 'href="images/angio.png"' in manifest
    back = parse(data, "qti21", filename="x.zip").questions[0]
    assert back.content["key"] == ["C"] and back.area == "TIPS"
    assert back.media["angio.png"].data == PNG


def test_an_associate_interaction_becomes_extended_matching_with_a_warning():
    r = parse(read("qti21_associate.xml"), "qti21", filename="a.xml")
    q = r.questions[0]
    assert q.content["type"] == "emq"
    assert [s["text"] for s in q.content["stems"]] == ["Mechanical thrombectomy", "Uterine artery embolisation"]
    assert [o["text"] for o in q.content["options"]] == ["DSA", "CT", "Ultrasound", "MRI"]
    assert [s["key"] for s in q.content["stems"]] == [["A"], ["A"]]
    assert "first identifier of each correct pair" in r.warnings[0].message


def test_an_associate_interaction_with_ambiguous_sides_is_refused():
    data = read("qti21_associate.xml").replace(b"<value>fibroid dsa</value>", b"<value>dsa fibroid</value>")
    r = parse(data, "qti21", filename="a.xml")
    assert r.questions == [] and "both sides" in r.problems[0].message
