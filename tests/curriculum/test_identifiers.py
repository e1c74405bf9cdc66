"""Patient-identifier screening of free text (pure module)."""

import pytest

from curriculum.identifiers import find_identifiers, is_resident_id, resident_id_check_digit


def kinds(text: str) -> list[str]:
    return [finding.kind for finding in find_identifiers(text)]


def test_the_check_digit_follows_iso_7064_mod_11_2():
    # The worked example of GB 11643-1999.
    assert resident_id_check_digit("11010519491231002") == "X"
    assert is_resident_id("11010519491231002X")
    assert is_resident_id("11010519491231002x")


def test_an_18_digit_number_with_a_wrong_check_digit_is_not_a_resident_id():
    assert not is_resident_id("110105194912310021")


def test_an_18_digit_number_with_an_impossible_birth_date_is_not_a_resident_id():
    first17 = "11010519491331002"  # month 13
    assert not is_resident_id(first17 + resident_id_check_digit(first17))


def test_a_resident_id_in_a_note_is_found_with_its_position():
    findings = find_identifiers("患者身份证11010519491231002X术后好转")
    assert [(f.kind, f.position) for f in findings] == [("resident_id", 6)]


def test_a_legacy_15_digit_resident_id_is_found():
    assert kinds("证件 110105491231002") == ["resident_id"]


@pytest.mark.parametrize(
    "text",
    [
        "电话13812345678",
        "138-1234-5678",
        "138 1234 5678",
        "+86 139 1234 5678",
        "0086-13912345678",
        "１３８１２３４５６７８",
    ],
)
def test_mobile_numbers_are_found_with_or_without_separators_and_prefix(text):
    assert kinds(text) == ["mobile"]


@pytest.mark.parametrize("text", ["010-12345678", "(021)12345678", "0755 1234 5678", "座机（０２１）１２３４５６７８"])
def test_landline_numbers_with_an_area_code_are_found(text):
    assert kinds(text) == ["landline"]


@pytest.mark.parametrize("text", ["住院号：A123456", "病案号 889", "门诊号12345", "MRN 4421", "ID: 77812", "id#3321"])
def test_record_numbers_after_a_keyword_are_found(text):
    assert kinds(text) == ["record_number"]


def test_any_run_of_six_digits_counts_as_a_record_number():
    assert kinds("编号 884213 术后") == ["record_number"]


@pytest.mark.parametrize(
    "text",
    [
        "",
        "右肝 S8 病灶 3.5 cm，超选择插管，碘油 8 mL",
        "Valid approach, 5F sheath, 2 mm microcatheter, 12 min fluoroscopy",
        "ProGlide x2 pre-close; ACT 250 s",
        "Child-Pugh A6, BCLC B",
    ],
)
def test_ordinary_clinical_notes_pass(text):
    assert find_identifiers(text) == []


def test_several_identifiers_are_each_reported_once_in_order():
    findings = find_identifiers("手机13812345678，住院号 556677")
    assert [f.kind for f in findings] == ["mobile", "record_number"]
    assert findings[0].start < findings[1].start
