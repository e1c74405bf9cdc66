"""CSV/XLSX logbook import: all or nothing, with row-level errors."""

import datetime
import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone, translation
from openpyxl import Workbook

from curriculum.logbook_file import LogbookFileError, read_logbook_file, template_csv
from curriculum.models import LogbookEntry
from curriculum.services import logbook_import
from irexam.errors import ApplicationError

pytestmark = pytest.mark.django_db

DAY = (timezone.localdate() - datetime.timedelta(days=3)).isoformat()
HEADER = "performed_on,area,grade,role,supervisor,complication,note\r\n"


def csv_file(*rows: str) -> bytes:
    return (HEADER + "".join(row + "\r\n" for row in rows)).encode("utf-8")


def test_a_valid_csv_imports_every_row_as_pending(trainee, instructor):
    data = csv_file(
        f"{DAY},TACE,3,first_operator,instructor,none,",
        f"{DAY},PAD,2,assistant,instructor,sir_mild,术后穿刺点小血肿",
        f"{DAY},BIL,2,术者,instructor,,",
    )
    entries = logbook_import(trainee=trainee, filename="log.csv", data=data)
    assert len(entries) == 3
    assert set(LogbookEntry.objects.values_list("status", flat=True)) == {"pending"}
    assert LogbookEntry.objects.get(area__code="BIL").role == "first_operator"


def test_one_bad_row_imports_nothing_and_each_error_names_its_row(trainee, instructor):
    future = (timezone.localdate() + datetime.timedelta(days=2)).isoformat()
    data = csv_file(
        f"{DAY},TACE,3,first_operator,instructor,none,",  # row 2: fine
        f"{DAY},TACE,3,first_operator,instructor,none,",  # row 3: fine
        f"{future},PAD,2,assistant,instructor,none,",  # row 4: future
        f"{DAY},TACE,5,first_operator,instructor,none,",  # row 5: grade
        f"{DAY},TACE,3,first_operator,instructor,none,电话13812345678",  # row 6: phone
        f"{DAY},TACE,3,first_operator,wangq,none,",  # row 7: supervisor
    )
    with translation.override("en"), pytest.raises(ApplicationError) as caught:
        logbook_import(trainee=trainee, filename="log.csv", data=data)
    assert not LogbookEntry.objects.exists()
    errors = caught.value.extra["errors"]
    assert [(e["row"], e["field"]) for e in errors] == [
        (4, "performed_on"),
        (5, "grade"),
        (6, "note"),
        (7, "supervisor"),
    ]
    assert errors[-1]["message"] == "row 7, supervisor: no instructor with username 'wangq'"
    assert "4 of 6 rows" in str(caught.value.message)


def test_an_xlsx_file_with_chinese_headings_and_date_cells_imports(trainee, instructor):
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(["日期", "技术领域", "手术分级", "角色", "带教老师", "并发症分级", "备注"])
    sheet.append([timezone.localdate() - datetime.timedelta(days=5), "ABL", 3, "助手", "instructor", "cirse_2", ""])
    buffer = io.BytesIO()
    workbook.save(buffer)
    entries = logbook_import(trainee=trainee, filename="log.xlsx", data=buffer.getvalue())
    assert [(e.area.code, e.role, e.complication) for e in entries] == [("ABL", "assistant", "cirse_2")]


def test_a_gb18030_csv_from_excel_is_read(trainee, instructor):
    data = ("日期,技术领域,手术分级,角色,带教老师\r\n" + f"{DAY},DRN,2,助手,instructor\r\n").encode("gb18030")
    assert len(logbook_import(trainee=trainee, filename="log.csv", data=data)) == 1


def test_missing_columns_refuse_the_whole_file():
    with pytest.raises(LogbookFileError) as caught:
        read_logbook_file("log.csv", b"performed_on,area\r\n2024-01-01,TACE\r\n")
    assert caught.value.code == "missing_columns"


def test_other_file_types_are_refused():
    with pytest.raises(LogbookFileError) as caught:
        read_logbook_file("log.pdf", b"%PDF")
    assert caught.value.code == "unknown_format"


def test_the_template_is_the_header_row_the_importer_expects():
    rows = read_logbook_file("t.csv", template_csv() + f"{DAY},TACE,1,assistant,x,,\r\n".encode())
    assert rows[0][0] == 2
    assert rows[0][1]["area"] == "TACE"


def test_the_import_api_answers_400_with_the_row_errors(api_as, trainee, instructor):
    upload = SimpleUploadedFile("log.csv", csv_file(f"{DAY},XYZ,3,first_operator,instructor,none,"), "text/csv")
    response = api_as(trainee).post(reverse("api:logbook-import"), {"file": upload}, format="multipart")
    assert response.status_code == 400
    assert response.json()["extra"]["errors"][0]["row"] == 2


def test_the_import_page_lists_row_errors_and_imports_nothing(client_as, trainee, instructor):
    upload = SimpleUploadedFile("log.csv", csv_file(f"{DAY},TACE,3,first_operator,wangq,none,"), "text/csv")
    response = client_as(trainee).post(reverse("curriculum:logbook_import"), {"file": upload})
    assert response.status_code == 200
    assert "wangq" in response.content.decode()
    assert not LogbookEntry.objects.exists()
