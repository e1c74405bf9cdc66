"""``import_questions`` and ``export_questions``: output, exit codes, dry run, nothing half-imported."""

from __future__ import annotations

import io
import zipfile

import pytest
from django.core.management import CommandError, call_command

from question_bank.models import QuestionVersion, VersionStatus
from tests.question_bank.bank_helpers import emq, make_approved, make_draft, mrq, sba
from tests.question_bank.import_helpers import CSV, GIFT, MOODLE_WITH_IMAGE, bank_counts

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _english():
    """These tests read the commands' English output."""
    from django.utils import translation

    with translation.override("en"):
        yield


def call(*args: str) -> tuple[str, str]:
    out, err = io.StringIO(), io.StringIO()
    call_command(*args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def test_import_prints_what_it_created(officer, tmp_path):
    path = tmp_path / "bank.gift"
    path.write_text(GIFT, encoding="utf-8")
    out, _err = call("import_questions", str(path), "--format", "gift", "--area", "CORE-RAD")
    assert "Created 2 draft question(s) from bank.gift (GIFT)." in out
    assert "draft sba [CORE-RAD, practice, Q, en] from GIFT-SBA" in out
    assert set(QuestionVersion.objects.values_list("source_id", "status")) == {
        ("GIFT-SBA", VersionStatus.DRAFT),
        ("GIFT-TF", VersionStatus.DRAFT),
    }
    assert set(QuestionVersion.objects.values_list("author__username", flat=True)) == {officer.username}


def test_a_dry_run_prints_what_would_be_created_and_saves_nothing(officer, tmp_path):
    path = tmp_path / "bank.xml"
    path.write_text(MOODLE_WITH_IMAGE, encoding="utf-8")
    before = bank_counts()
    out, _err = call("import_questions", str(path), "--format", "moodle", "--area", "CORE-RAD", "--dry-run")
    assert "Would create draft sba [TIPS, practice, Q, en] from MOODLE-IMG-1" in out
    assert "Dry run: nothing was saved." in out
    assert bank_counts() == before


def test_a_bad_item_exits_non_zero_naming_the_item_and_line_and_imports_nothing(officer, tmp_path):
    path = tmp_path / "bank.gift"
    path.write_text(GIFT + "\n::Bad::Which is correct?{\n~one\n~two\n~three\n}\n", encoding="utf-8")
    before = bank_counts()
    err = io.StringIO()
    with pytest.raises(CommandError, match="1 problem\\(s\\) found; nothing was imported"):
        call_command("import_questions", str(path), "--format", "gift", "--area", "CORE-RAD", stderr=err)
    assert "problem: Bad (line 12, key): A single-best-answer item needs exactly one key" in err.getvalue()
    assert bank_counts() == before


def test_the_pool_encoding_and_author_options(officer, instructor, tmp_path):
    path = tmp_path / "bank.txt"
    text = "TIPS 分流道连接门静脉与哪条静脉？\nA. 肝静脉\nB. 脾静脉\nC. 肾静脉\nANSWER: A\n"
    path.write_bytes(text.encode("gb18030"))
    out, _err = call(
        "import_questions", str(path), "--format", "aiken", "--area", "TIPS",
        "--pool", "secure", "--encoding", "gb18030", "--author", instructor.username,
    )  # fmt: skip
    version = QuestionVersion.objects.get()
    assert (version.pool, version.author, version.language, version.question.area.code) == (
        "secure",
        instructor,
        "zh-hans",
        "TIPS",
    )
    assert "Created 1 draft" in out


def test_an_author_without_a_bank_role_or_no_officer_at_all_is_a_clear_error(trainee, tmp_path):
    path = tmp_path / "bank.gift"
    path.write_text(GIFT, encoding="utf-8")
    with pytest.raises(CommandError, match="neither an instructor nor an exam officer"):
        call("import_questions", str(path), "--format", "gift", "--area", "CORE-RAD", "--author", trainee.username)
    with pytest.raises(CommandError, match="No exam officer exists"):
        call("import_questions", str(path), "--format", "gift", "--area", "CORE-RAD")


def test_a_missing_file_and_an_unknown_area_are_clear_errors(officer, tmp_path):
    with pytest.raises(CommandError, match="no such file"):
        call("import_questions", str(tmp_path / "nope.gift"), "--format", "gift", "--area", "CORE-RAD")
    path = tmp_path / "bank.csv"
    path.write_text(CSV, encoding="utf-8")
    with pytest.raises(CommandError, match="Unknown technique area 'NOPE'"):
        call("import_questions", str(path), "--format", "csv", "--area", "NOPE")


def test_duplicates_of_bank_questions_need_allow_duplicates(officer, tmp_path):
    path = tmp_path / "bank.gift"
    path.write_text(GIFT, encoding="utf-8")
    call("import_questions", str(path), "--format", "gift", "--area", "CORE-RAD")
    renamed = GIFT.replace("GIFT-SBA", "GIFT-SBA-2").replace("GIFT-TF", "GIFT-TF-2")
    path.write_text(renamed, encoding="utf-8")
    err = io.StringIO()
    with pytest.raises(CommandError):
        call_command("import_questions", str(path), "--format", "gift", "--area", "CORE-RAD", stderr=err)
    assert "already in the bank" in err.getvalue()
    out, _err = call("import_questions", str(path), "--format", "gift", "--area", "CORE-RAD", "--allow-duplicates")
    assert "warning: GIFT-SBA-2" in out and "Created 2 draft" in out


def test_export_writes_the_filtered_questions_and_they_import_back(officer, instructor, reviewer, tmp_path):
    make_approved(instructor, [reviewer], sba())
    make_draft(instructor, mrq())
    output = tmp_path / "approved.xml"
    out, _err = call("export_questions", "--format", "moodle", "--status", "approved", "--output", str(output))
    assert "Wrote 1 question(s) as Moodle XML" in out
    assert output.read_bytes().count(b'<question type="multichoice">') == 1

    all_out = tmp_path / "all.zip"
    call("export_questions", "--format", "qti3", "--area", "CORE-RAD", "--output", str(all_out))
    assert len([n for n in zipfile.ZipFile(all_out).namelist() if n.startswith("items/")]) == 2


def test_export_refuses_items_the_format_cannot_hold_and_prints_them(officer, instructor, tmp_path):
    make_draft(instructor, emq())
    output = tmp_path / "bank.csv"
    err = io.StringIO()
    with pytest.raises(CommandError, match="cannot be written as CSV"):
        call_command("export_questions", "--format", "csv", "--output", str(output), stderr=err)
    assert "problem:" in err.getvalue()
    assert not output.exists()


def test_export_with_nothing_matching_is_an_error(officer, tmp_path):
    with pytest.raises(CommandError, match="No questions match"):
        call("export_questions", "--format", "gift", "--area", "TACE", "--output", str(tmp_path / "x.gift"))
