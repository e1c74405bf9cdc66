"""The import service: all or nothing, drafts only, source ids kept, images re-stored; every bad
input gives a clear error and leaves every question bank table (and the audit log) unchanged."""

from __future__ import annotations

import base64

import pytest
from django.conf import settings

from accounts.models import AuditEvent
from irexam.errors import ApplicationError
from question_bank.formats import parse
from question_bank.formats.safety import Limits
from question_bank.imports import ImportFailed, import_questions
from question_bank.models import Media, Question, QuestionVersion, VersionStatus
from tests.question_bank.bank_helpers import english, make_draft, sba  # noqa: F401 - fixture
from tests.question_bank.import_helpers import (
    AIKEN,
    CSV,
    FORMAT_FILES,
    GIFT,
    MOODLE_WITH_IMAGE,
    PNG,
    bank_counts,
    media_files,
    zip_entries,
)

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english")]


def run(officer, data: bytes, fmt: str, *, filename: str = "file", area: str = "CORE-RAD", **kwargs):
    parse_kwargs = {k: kwargs.pop(k) for k in ("encoding", "limits") if k in kwargs}
    report = parse(data, fmt, filename=filename, default_area=area, **parse_kwargs)
    return import_questions(report=report, area_code=area, by=officer, source_format=fmt, filename=filename, **kwargs)


def refused(officer, data: bytes, fmt: str, **kwargs) -> ImportFailed:
    """Run an import that must fail; check the database and the media folder did not change."""
    before = bank_counts()
    files_before = media_files(settings.MEDIA_ROOT)
    with pytest.raises(ImportFailed) as info:
        run(officer, data, fmt, **kwargs)
    assert bank_counts() == before
    assert media_files(settings.MEDIA_ROOT) == files_before
    assert info.value.problems
    return info.value


# --------------------------------------------------------------------------- good files


@pytest.mark.parametrize(
    ("fmt", "data", "expected"),
    [
        ("gift", GIFT.encode(), {"GIFT-SBA": "sba", "GIFT-TF": "tf"}),
        ("aiken", AIKEN.encode(), {"": "sba"}),
        ("csv", CSV.encode(), {"CSV-1": "sba"}),
    ],
)
def test_each_text_format_imports_drafts_with_their_source_ids(officer, fmt, data, expected):
    outcome = run(officer, data, fmt)
    versions = QuestionVersion.objects.filter(pk__in=outcome.created_version_ids)
    assert {v.source_id: v.type for v in versions} == expected
    assert {v.status for v in versions} == {VersionStatus.DRAFT}
    assert {v.source_format for v in versions} == {fmt}
    assert all(v.author == officer for v in versions)
    assert AuditEvent.objects.filter(action="question_bank.questions_imported").count() == 1


def test_a_moodle_file_with_a_category_and_an_embedded_image_stores_the_image_re_encoded(officer):
    outcome = run(officer, MOODLE_WITH_IMAGE.encode(), "moodle", filename="moodle.xml")
    version = QuestionVersion.objects.get(pk=outcome.created_version_ids[0])
    assert version.question.area.code == "TIPS"  # from the category, not the default area
    assert version.question.source_id == "MOODLE-IMG-1"
    media = Media.objects.get()
    assert f"media:{media.pk}" in version.content["stem"]
    assert media.mime == "image/png" and media.original_name == "venogram.png"
    assert "The shunt runs from a hepatic vein to the portal vein." in version.content["explanation"]


def test_a_qti_package_with_an_image_imports_its_items_and_image(officer):
    folder = FORMAT_FILES / "qti21_package"
    entries = {p.relative_to(folder).as_posix(): p.read_bytes() for p in folder.rglob("*") if p.is_file()}
    outcome = run(officer, zip_entries(entries), "qti21", filename="package.zip", area="TIPS")
    versions = QuestionVersion.objects.filter(pk__in=outcome.created_version_ids)
    assert {v.source_id for v in versions} == {"TIPS-01", "RAD-02"}
    with_image = versions.get(source_id="TIPS-01")
    assert with_image.has_media
    assert Media.objects.count() == 1


def test_a_dry_run_reports_what_would_be_created_and_changes_nothing(officer):
    before = bank_counts()
    outcome = run(officer, MOODLE_WITH_IMAGE.encode(), "moodle", dry_run=True)
    assert outcome.dry_run
    assert [(q.label, q.type, q.area) for q in outcome.questions] == [("MOODLE-IMG-1", "sba", "TIPS")]
    assert outcome.created_version_ids == []
    assert bank_counts() == before
    assert media_files(settings.MEDIA_ROOT) == []


def test_an_import_never_approves_even_items_marked_for_the_secure_pool(officer):
    outcome = run(officer, CSV.replace(",practice,", ",secure,").encode(), "csv")
    version = QuestionVersion.objects.get(pk=outcome.created_version_ids[0])
    assert (version.status, version.pool, version.question.current_version) == (VersionStatus.DRAFT, "secure", None)


def test_the_pool_option_overrides_the_files_pool(officer):
    outcome = run(officer, CSV.encode(), "csv", pool="secure")
    assert QuestionVersion.objects.get(pk=outcome.created_version_ids[0]).pool == "secure"


def test_a_gbk_aiken_file_is_detected_or_read_with_the_chosen_encoding(officer):
    data = "TIPS 分流道连接门静脉与哪条静脉？\nA. 肝静脉\nB. 脾静脉\nC. 肾静脉\nANSWER: A\n".encode("gb18030")
    outcome = run(officer, data, "aiken", encoding="gb18030", area="TIPS")
    version = QuestionVersion.objects.get(pk=outcome.created_version_ids[0])
    assert version.content["lead_in"].startswith("TIPS 分流道")
    assert version.language == "zh-hans"


def test_a_duplicate_of_a_bank_question_is_refused_unless_acknowledged(officer, instructor):
    make_draft(instructor, sba(stem="", lead_in="Which law describes the fall of scatter dose with distance?",
                               options=[{"id": "A", "text": "Inverse-square law"}, {"id": "B", "text": "Ohm's law"},
                                        {"id": "C", "text": "Boyle's law"}, {"id": "D", "text": "Hooke's law"}],
                               key=["A"]))  # fmt: skip
    existing = Question.objects.get()
    failure = refused(officer, CSV.encode(), "csv")
    assert failure.problems[0].item == "CSV-1"
    assert f"Duplicate of {existing.code} already in the bank" in failure.problems[0].message

    outcome = run(officer, CSV.encode(), "csv", allow_duplicates=True)
    assert len(outcome.created_version_ids) == 1
    assert any(existing.code in w.message for w in outcome.warnings)


# --------------------------------------------------------------------------- bad input: clear error, DB unchanged

BILLION_LAUGHS = b"""<?xml version="1.0"?>
<!DOCTYPE lolz [
 <!ENTITY lol "lol">
 <!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
 <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
]>
<quiz>&lol3;</quiz>"""

EXTERNAL_ENTITY = b"""<?xml version="1.0"?>
<!DOCTYPE quiz [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>
<quiz><question type="truefalse"><name><text>&xxe;</text></name></question></quiz>"""


def test_malformed_xml_is_refused_naming_the_line(officer):
    failure = refused(officer, b"<quiz>\n<question type='truefalse'>\n</quiz>", "moodle", filename="bad.xml")
    assert failure.problems[0].location == "bad.xml line 3, column 3"


@pytest.mark.parametrize("fmt", ["moodle", "qti21", "qti3"])
def test_a_billion_laughs_bomb_is_refused(officer, fmt):
    failure = refused(officer, BILLION_LAUGHS, fmt, filename="bomb.xml")
    assert "refused" in failure.problems[0].message


def test_an_external_entity_to_a_local_file_is_refused_without_reading_it(officer):
    failure = refused(officer, EXTERNAL_ENTITY, "moodle", filename="xxe.xml")
    assert "refused" in failure.problems[0].message
    assert "root:" not in str(failure.message)


def test_a_zip_bomb_is_refused(officer):
    bomb = zip_entries({"imsmanifest.xml": b"<manifest/>", "items/a.xml": b" " * (3 * 1024 * 1024)})
    failure = refused(officer, bomb, "qti21", filename="bomb.zip")
    assert failure.problems[0].item == "bomb.zip" and "zip bomb" in failure.problems[0].message


def test_a_zip_slip_entry_is_refused(officer):
    slip = zip_entries({"imsmanifest.xml": b"<manifest/>", "../../etc/evil.xml": b"<x/>"})
    failure = refused(officer, slip, "qti21", filename="slip.zip")
    assert "zip slip" in failure.problems[0].message


def test_too_many_items_are_refused(officer):
    failure = refused(officer, GIFT.encode(), "gift", limits=Limits(max_items=1))
    assert "more than 1 items" in failure.problems[0].message


def test_an_sba_with_no_key_is_refused(officer):
    failure = refused(officer, (FORMAT_FILES / "qti21_sba_no_key.xml").read_bytes(), "qti21", filename="nokey.xml")
    assert "key" in str(failure.problems[0]).lower()


def test_duplicate_identifiers_in_one_file_are_refused(officer):
    data = (GIFT + "\n// [id:GIFT-SBA]\n::Again::Is a haematoma a complication of femoral access?{T}\n").encode()
    failure = refused(officer, data, "gift")
    assert any("GIFT-SBA" in p.message and "earlier item" in p.message for p in failure.problems)


def test_the_same_wording_twice_in_one_file_is_refused(officer):
    second = GIFT.split("\n\n")[0].replace("GIFT-SBA", "GIFT-SBA-COPY")
    failure = refused(officer, (GIFT + "\n\n" + second + "\n").encode(), "gift")
    assert [(p.item, "Duplicate of GIFT-SBA earlier in the file" in p.message) for p in failure.problems] == [
        ("GIFT-SBA-COPY", True)
    ]


def test_a_gbk_file_declared_as_utf8_is_refused_clearly(officer):
    data = MOODLE_WITH_IMAGE.replace("Portal venogram", "门静脉造影").encode("gb18030")
    failure = refused(officer, data, "moodle", filename="gbk.xml")
    assert "declares UTF-8 but is not valid UTF-8" in failure.problems[0].message


def test_an_undecodable_text_file_is_refused(officer):
    failure = refused(officer, b"\xff\xfe\x00\xd8\x81\x81garbage\x00\x00\xff" * 5, "gift", filename="junk.gift")
    assert "encoding could not be recognised" in failure.problems[0].message


def test_an_unknown_area_in_the_file_is_refused_naming_the_item(officer):
    failure = refused(officer, CSV.replace("CORE-RAD", "NO-SUCH").encode(), "csv")
    assert (failure.problems[0].item, "NO-SUCH" in failure.problems[0].message) == ("CSV-1", True)


def test_an_unknown_objective_is_refused_naming_the_item(officer):
    data = CSV.replace("source_id,type,area,", "source_id,type,area,objectives,").replace(
        "CSV-1,sba,CORE-RAD,", "CSV-1,sba,CORE-RAD,NOPE-Q-99,"
    )
    failure = refused(officer, data.encode(), "csv")
    assert failure.problems[0].item == "CSV-1" and "NOPE-Q-99" in failure.problems[0].message


def test_a_polyglot_image_in_a_package_aborts_everything_and_leaves_no_file(officer):
    polyglot = PNG[:8] + b"\x00\x00\x00\x0dIHDR" + b"<script>alert(1)</script>" * 10
    data = MOODLE_WITH_IMAGE.replace(base64.b64encode(PNG).decode(), base64.b64encode(polyglot).decode())
    # a second, valid item first: it must be rolled back too
    data = data.replace("<quiz>", "<quiz>" + GOOD_TF, 1)
    failure = refused(officer, data.encode(), "moodle")
    assert [(p.item, p.location) for p in failure.problems] == [("MOODLE-IMG-1", "question 2, image venogram.png")]
    assert "not an image" in failure.problems[0].message


GOOD_TF = """
  <question type="truefalse">
    <name><text>Endoleak</text></name><idnumber>TF-OK</idnumber>
    <questiontext format="html"><text>A type II endoleak fills the sac through a branch vessel.</text></questiontext>
    <answer fraction="100"><text>true</text></answer><answer fraction="0"><text>false</text></answer>
  </question>"""


def test_a_source_identifier_already_in_the_bank_is_refused(officer):
    run(officer, CSV.encode(), "csv")
    data = CSV.replace("Inverse-square law,Ohm", "Inverse square law (1/d²),Ohm")
    failure = refused(officer, data.encode(), "csv")
    assert "CSV-1" in failure.problems[0].message and "already in the bank" in failure.problems[0].message


def test_one_bad_item_among_good_ones_imports_nothing(officer):
    data = GIFT + "\n::Bad::Which is correct?{\n~one\n~two\n~three\n}\n"
    failure = refused(officer, data.encode(), "gift")
    assert [p.item for p in failure.problems] == ["Bad"]


def test_a_trainee_cannot_import(trainee):
    before = bank_counts()
    report = parse(GIFT.encode(), "gift", filename="f", default_area="CORE-RAD")
    with pytest.raises(ApplicationError) as info:
        import_questions(report=report, area_code="CORE-RAD", by=trainee)
    assert info.value.status_code == 403
    assert bank_counts() == before


def test_an_unknown_default_area_is_a_clear_error(officer):
    report = parse(AIKEN.encode(), "aiken", filename="f")
    with pytest.raises(ApplicationError, match="Unknown technique area 'NOPE'"):
        import_questions(report=report, area_code="NOPE", by=officer)
