"""CSV and XLSX with the documented template."""

import csv
import io

import openpyxl

from question_bank.formats import export, parse
from question_bank.formats.base import ParsedQuestion
from question_bank.formats.tabular import COLUMNS, template_csv, template_xlsx

from .helpers import by_id, read, zip_entries


def test_the_csv_template_is_the_documented_header_with_a_bom():
    data = template_csv()
    assert data.startswith(b"\xef\xbb\xbf")
    assert next(csv.reader(io.StringIO(data.decode("utf-8-sig")))) == COLUMNS


def test_the_xlsx_template_has_the_header_and_instructions():
    workbook = openpyxl.load_workbook(io.BytesIO(template_xlsx()))
    assert [c.value for c in workbook["questions"][1]] == COLUMNS
    assert workbook["instructions"].max_row == len(COLUMNS) + 1


def test_it_reads_every_row_type_and_metadata():
    r = parse(read("bank.csv"), "csv", filename="bank.csv")
    q = by_id(r)
    assert q["TIPS-01"].content["key"] == ["B"] and q["TIPS-01"].language == "zh-Hans"
    assert q["TIPS-01"].difficulty == "medium" and q["TIPS-01"].cognitive == "recall" and q["TIPS-01"].pool == "secure"
    assert q["RAD-02"].objectives == ["CORE-RAD-Q3", "CORE-RAD-Q1"]
    assert q["RAD-02"].tags == ["dose", "fluoroscopy"]
    assert q["RAD-02"].content["scoring"] == "partial"
    assert q["RAD-02"].content["references"] == ["Stecker MS, et al. JVIR 2009;20:S263"]
    assert q["RAD-03"].content["options"] == [{"id": "T", "text": "True"}, {"id": "F", "text": "False"}]
    assert q["ACC-04"].content["key"] == ["B", "A", "C"]


def test_bad_rows_are_problems_naming_the_row():
    problems = parse(read("bank.csv"), "csv", filename="bank.csv").problems
    assert [(p.item, p.location) for p in problems] == [("BAD-05", "row 6, key"), ("BAD-06", "row 7, type")]


def test_a_missing_required_column_is_a_clear_error():
    r = parse(b"source_id,type,stem\nX,sba,hello\n", "csv", filename="x.csv")
    assert r.problems[0].message.startswith("Missing column(s): key, lead_in.")


def test_semicolon_separated_gbk_csv_from_a_chinese_excel_is_read():
    rows = list(csv.reader(io.StringIO(read("bank.csv").decode("utf-8"))))
    buffer = io.StringIO()
    csv.writer(buffer, delimiter=";").writerows(rows)
    r = parse(buffer.getvalue().encode("gbk"), "csv", filename="gbk.csv")
    assert by_id(r)["TIPS-01"].content["lead_in"] == "TIPS 的分流道连接哪两条血管？"


def test_export_round_trips_through_csv_and_xlsx_and_blocks_formulas():
    content = {
        "type": "sba",
        "stem": '=HYPERLINK("http://evil")',
        "lead_in": "+1 or -1?",
        "options": [{"id": "A", "text": "@SUM(A1)"}, {"id": "B", "text": "b"}, {"id": "C", "text": "c"}],
        "key": ["A"],
        "references": ["Ref one", "Ref two"],
    }
    q = ParsedQuestion(content=content, source_id="F-1", area="TIPS", objectives=["TIPS-Q1"], tags=["a", "b"])
    for fmt in ("csv", "xlsx"):
        data = export([q], fmt)
        back = parse(data, fmt, filename=f"x.{fmt}")
        assert back.problems == []
        got = back.questions[0]
        assert got.content["stem"] == content["stem"] and got.content["options"][0]["text"] == "@SUM(A1)"
        assert got.content["references"] == ["Ref one", "Ref two"] and got.tags == ["a", "b"]
    sheet = openpyxl.load_workbook(io.BytesIO(export([q], "xlsx")))["questions"]
    assert sheet["H2"].data_type == "s"  # text, not a formula
    assert b"'=HYPERLINK" in export([q], "csv")


def test_emq_and_case_items_cannot_be_exported_to_a_spreadsheet():
    from question_bank.formats import check_export

    emq = {"type": "emq", "stem": "t", "lead_in": "l", "options": [], "stems": []}
    check = check_export([ParsedQuestion(content=emq, source_id="E-1")], "csv")
    assert not check.ok and check.problems[0].item == "E-1"


def test_a_file_that_is_not_a_workbook_is_a_clear_error():
    r = parse(b"PK\x03\x04 not really a zip", "xlsx", filename="x.xlsx")
    assert r.problems[0].item == "x.xlsx" and "not a valid zip" in r.problems[0].message
    r = parse(zip_entries({"hello.txt": b"hi"}), "xlsx", filename="y.xlsx")
    assert "not a readable XLSX workbook" in r.problems[0].message
