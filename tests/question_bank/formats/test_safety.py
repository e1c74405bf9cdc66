"""Hostile input: unsafe XML, zip bombs, zip slip, wrong encodings, oversized files."""

import io
import zipfile

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from question_bank.formats import parse
from question_bank.formats.base import FormatError
from question_bank.formats.safety import Limits, decode_text, parse_xml, read_zip, sniff_image
from question_bank.formats.tabular import template_xlsx

from .helpers import PNG, read, zip_entries, zip_folder

BILLION_LAUGHS = b"""<?xml version="1.0"?>
<!DOCTYPE lolz [
 <!ENTITY lol "lol">
 <!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
 <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
 <!ENTITY lol4 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">
]>
<quiz>&lol4;</quiz>"""

EXTERNAL_ENTITY = b"""<?xml version="1.0"?>
<!DOCTYPE quiz [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>
<quiz><question type="truefalse"><name><text>&xxe;</text></name></question></quiz>"""


@pytest.mark.parametrize("fmt", ["moodle", "qti21", "qti3"])
def test_a_billion_laughs_bomb_is_refused_clearly(fmt):
    r = parse(BILLION_LAUGHS, fmt, filename="bomb.xml")
    assert r.questions == []
    assert "DTD" in r.problems[0].message and "refused" in r.problems[0].message
    assert r.problems[0].item == "bomb.xml"


def test_an_external_entity_is_refused_and_nothing_is_read():
    r = parse(EXTERNAL_ENTITY, "moodle", filename="xxe.xml")
    assert r.questions == []
    assert "refused" in r.problems[0].message
    assert "root:" not in str(r.problems)


def test_entities_are_refused_even_without_the_dtd_check():
    with pytest.raises(FormatError, match="refused"):
        parse_xml(EXTERNAL_ENTITY, filename="x.xml")


def test_malformed_xml_names_the_line():
    r = parse(b"<quiz>\n<question type='truefalse'>\n</quiz>", "moodle", filename="bad.xml")
    assert r.problems[0].location == "bad.xml line 3, column 3"
    assert "not well-formed" in r.problems[0].message


def test_a_gbk_file_declared_as_utf8_gives_a_clear_error():
    data = read("moodle_bank.xml").decode("utf-8").encode("gb18030")
    r = parse(data, "moodle", filename="gbk.xml")
    assert r.questions == []
    message = r.problems[0].message
    assert "declares UTF-8 but is not valid UTF-8" in message and "GB18030" in message


def test_the_same_gbk_file_imports_when_the_encoding_is_chosen():
    data = read("moodle_bank.xml").decode("utf-8").encode("gb18030")
    r = parse(data, "moodle", filename="gbk.xml", encoding="gb18030")
    assert r.questions[0].title == "TIPS 分流道"


def test_text_formats_detect_gbk_and_accept_a_utf8_bom():
    text = "TIPS 的分流道连接哪两条血管？肝静脉与门静脉。经颈静脉肝内门体分流术。"
    assert decode_text(text.encode("gbk")) == (text, "gb18030")
    assert decode_text(b"\xef\xbb\xbf" + text.encode("utf-8")) == (text, "utf-8")
    with pytest.raises(FormatError, match="not valid utf-8"):
        decode_text(text.encode("gbk"), "utf-8")


def test_a_zip_bomb_is_refused_before_extraction():
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("imsmanifest.xml", b"<manifest/>")
        archive.writestr("items/huge.xml", b"\0" * (20 * 1024 * 1024))
    r = parse(buffer.getvalue(), "qti21", filename="bomb.zip")
    assert "zip bomb" in r.problems[0].message


def test_total_uncompressed_size_and_entry_count_are_limited():
    data = zip_entries({f"f{i}.txt": b"x" * 100 for i in range(5)})
    with pytest.raises(FormatError, match="entries"):
        read_zip(data, limits=Limits(max_zip_entries=4))
    with pytest.raises(FormatError, match="would expand"):
        read_zip(data, limits=Limits(max_total_uncompressed=300))
    with pytest.raises(FormatError, match="too large"):
        read_zip(data, limits=Limits(max_file_bytes=10))


@pytest.mark.parametrize("name", ["../evil.xml", "/etc/passwd", "items/../../evil.xml", "C:/evil.xml", "..\\evil.xml"])
def test_zip_slip_paths_are_refused(name):
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("imsmanifest.xml", b"<manifest/>")
        archive.writestr(zipfile.ZipInfo(name), b"x")
    r = parse(buffer.getvalue(), "qti21", filename="slip.zip")
    assert "zip slip" in r.problems[0].message


def test_an_image_link_leaving_the_package_is_refused():
    item = read("qti21_package/items/tips_01.xml").replace(b"../images/angio.png", b"../../etc/passwd")
    data = zip_entries(
        {
            "imsmanifest.xml": read("qti21_package/imsmanifest.xml"),
            "items/tips_01.xml": item,
            "items/rad_02.xml": read("qti21_package/items/rad_02.xml"),
        }
    )
    r = parse(data, "qti21", filename="p.zip")
    assert any("outside the package" in p.message for p in r.problems)


def test_item_count_is_limited():
    r = parse(read("aiken_bank.txt"), "aiken", filename="a.txt", limits=Limits(max_items=1))
    assert len(r.questions) == 1
    assert [p.message for p in r.problems].count("The file has more than 1 items; the rest were not read.") == 1


def test_a_package_without_a_manifest_is_a_clear_error():
    r = parse(zip_entries({"item.xml": read("qti21_order.xml")}), "qti21", filename="p.zip")
    assert "no imsmanifest.xml" in r.problems[0].message


def test_image_sniffing_accepts_images_only():
    assert sniff_image(PNG) == "image/png"
    assert sniff_image(b"\xff\xd8\xff\xe0rest") == "image/jpeg"
    assert sniff_image(b"GIF89a...") == "image/gif"
    assert sniff_image(b"RIFF\0\0\0\0WEBPVP8 ") == "image/webp"
    assert sniff_image(b"<svg xmlns='http://www.w3.org/2000/svg'/>") is None
    assert sniff_image(b"MZ\x90\x00") is None


def test_unknown_formats_and_non_bytes_are_programming_errors():
    with pytest.raises(ValueError, match="Unknown format 'docx'"):
        parse(b"", "docx", filename="x")
    with pytest.raises(TypeError):
        parse("text", "gift", filename="x")  # type: ignore[arg-type]


# Built once: a workbook written twice differs (timestamps), which would make the draws inconsistent.
DAMAGE_BASES = [
    ("qti21", zip_folder("qti21_package")),
    ("xlsx", template_xlsx()),
    ("moodle", read("moodle_bank.xml")),
    ("gift", read("gift_bank.gift")),
    ("qti3", read("qti3_match.xml")),
    ("csv", read("bank.csv")),
]


@settings(max_examples=60, deadline=None, derandomize=True, suppress_health_check=list(HealthCheck))
@given(st.data())
def test_damaged_files_give_a_report_never_an_exception(data):
    fmt, base = data.draw(st.sampled_from(DAMAGE_BASES))
    damaged = bytearray(base)
    for _ in range(data.draw(st.integers(1, 6))):
        damaged[data.draw(st.integers(0, len(damaged) - 1))] = data.draw(st.integers(0, 255))
    report = parse(bytes(damaged), fmt, filename="damaged")
    assert isinstance(report.questions, list)
    for problem in report.problems:
        assert problem.item and problem.message
