"""Moodle XML: categories, every supported type, embedded images, fractions, feedback."""

import base64

from question_bank.formats import parse
from question_bank.formats.base import MediaFile, ParsedQuestion
from question_bank.formats.moodle import write_moodle

from .helpers import PNG, by_id, read


def report():
    return parse(read("moodle_bank.xml"), "moodle", filename="bank.xml", default_area="CORE-IMG")


def test_it_reports_categories_and_uses_them_as_areas():
    r = report()
    assert r.categories == ["$course$/top/TIPS", "$course$/top/CORE-RAD"]
    areas = [q.area for q in r.questions]
    assert areas == ["TIPS", "CORE-RAD", "CORE-RAD", "CORE-RAD", "CORE-RAD"]


def test_it_reads_an_embedded_image_and_tags():
    tips = by_id(report())["TIPS-01"]
    assert tips.title == "TIPS 分流道"
    assert tips.level == "qualifying" and tips.objectives == ["TIPS-Q1"] and tips.tags == ["portal hypertension"]
    assert "![门静脉造影](media:portal_venogram.png)" in tips.content["stem"]
    assert tips.media["portal_venogram.png"].data == PNG
    assert tips.media["portal_venogram.png"].filename == "portal venogram.png"
    assert tips.content["lead_in"] == "TIPS 的分流道连接哪两条血管？"
    assert tips.content["key"] == ["B"]


def test_fractions_make_keys_and_partial_scoring():
    dose = by_id(report())["RAD-02"]
    assert dose.content["type"] == "mrq"
    assert dose.content["key"] == ["A", "C"]
    assert dose.content["scoring"] == "partial"
    assert "**A**: Yes: less tissue irradiated." in dose.content["explanation"]


def test_truefalse_matching_and_ordering():
    tf, emq, order = report().questions[2:]
    assert tf.content["key"] == ["T"] and tf.content["explanation"] == "Inverse-square law."
    assert emq.content["type"] == "emq"
    assert [o["text"] for o in emq.content["options"]] == ["DSA", "CT", "Ultrasound", "MRI"]
    assert [s["key"] for s in emq.content["stems"]] == [["A"], ["A"]]
    assert order.content["key"] == ["C", "A", "B"]


def test_unsupported_types_and_bad_keys_are_problems_naming_the_item():
    problems = {p.item: p for p in report().problems}
    assert "'essay' cannot be imported" in problems["Essay"].message
    assert problems["Essay"].location == "question[8]/@type"
    assert problems["Two keys"].message == "A single-best-answer item needs exactly one key; it has 2 (A, B)."


def test_a_non_image_embedded_file_is_refused():
    data = read("moodle_bank.xml").replace(base64.b64encode(PNG), base64.b64encode(b"MZ\x90\x00 this is an executable"))
    r = parse(data, "moodle", filename="bank.xml")
    assert "TIPS-01" not in by_id(r)
    assert any("not a PNG, JPEG, GIF or WebP image" in p.message for p in r.problems)


def test_export_embeds_images_as_base64_with_pluginfile_links():
    content = {
        "type": "sba",
        "stem": "![a](media:x.png)",
        "lead_in": "Q?",
        "explanation": "E ]]> end",
        "options": [{"id": "A", "text": "1"}, {"id": "B", "text": "2"}, {"id": "C", "text": "3"}],
        "key": ["A"],
    }
    q = ParsedQuestion(content=content, area="TIPS", media={"x.png": MediaFile("x.png", PNG, "image/png")})
    xml = write_moodle([q]).decode()
    assert "@@PLUGINFILE@@/x.png" in xml
    assert base64.b64encode(PNG).decode() in xml
    assert "<![CDATA[" in xml and "$course$/top/TIPS" in xml
    back = parse(xml.encode(), "moodle", filename="x.xml").questions[0]
    assert back.content["explanation"] == "E ]]> end"
    assert back.media["x.png"].data == PNG


def test_markdown_text_links_embedded_images_even_when_the_name_is_url_encoded():
    png = base64.b64encode(PNG).decode()
    xml = f"""<quiz><question type="truefalse"><name><text>m</text></name>
    <questiontext format="markdown"><text>See ![CT](@@PLUGINFILE@@/ct%20scan.png)

    Is this an arterial phase?</text><file name="ct scan.png" path="/" encoding="base64">{png}</file></questiontext>
    <answer fraction="100"><text>true</text></answer><answer fraction="0"><text>false</text></answer>
    </question></quiz>"""
    q = parse(xml.encode(), "moodle", filename="m.xml").questions[0]
    assert q.content["stem"] == "See ![CT](media:ct_scan.png)"
    assert q.media["ct_scan.png"].filename == "ct scan.png"
