"""Real-name IDs (services/registration/access/identity.py): formats, the GB 11643 check digit, hashes,
masked forms and children without an ID."""

from __future__ import annotations

from datetime import date

import pytest

from services.registration.access import identity as ident

SECRET = b"k" * 32
TODAY = date(2026, 11, 29)
ON = date(2026, 12, 5)
POLICY = ident.ChildPolicy(max_age_without_id=14)


@pytest.mark.parametrize(
    ("first17", "check"),
    [
        ("11010519491231002", "X"),  # the example of GB 11643-1999
        ("44052418800101001", "4"),  # the standard's second example
    ],
)
def test_check_digit_of_the_standards_examples(first17, check):
    assert ident.check_digit(first17) == check


@pytest.mark.parametrize(
    ("id_type", "typed", "number"),
    [
        ("resident_id", "11010519491231002X", "11010519491231002X"),
        ("resident_id", "110105 19491231 002x", "11010519491231002X"),  # spaces, small x
        ("resident_id", "810000199001011230", None),  # 港澳台居民居住证 region, computed below
        ("hk_macau_permit", "H12345678", "H12345678"),
        ("hk_macau_permit", "m1234567890", "M1234567890"),
        ("taiwan_permit", "12345678", "12345678"),
        ("taiwan_permit", "1234567890", "1234567890"),
        ("passport", "E12345678", "E12345678"),
        ("passport", "ea1234567", "EA1234567"),
        ("passport", "X1234567", "X1234567"),
        ("foreign_permanent_id", "USA110065100113", "USA110065100113"),  # 2004 card
        ("foreign_permanent_id", "911156198503150019", "911156198503150019"),  # 2023 card
    ],
)
def test_valid_documents(id_type, typed, number):
    if number is None:  # make the check digit right for the chosen first 17
        typed = typed[:17] + ident.check_digit(typed[:17])
        number = typed
    assert ident.validate(id_type, typed, TODAY) == number


@pytest.mark.parametrize(
    ("id_type", "typed", "why"),
    [
        ("resident_id", "110105194912310021", "check_digit"),
        ("resident_id", "11010519491331002X", "format"),  # check is computed over a bad date...
        ("resident_id", "11010519490230002" + ident.check_digit("11010519490230002"), "birth_date"),
        ("resident_id", "11010520301231002" + ident.check_digit("11010520301231002"), "birth_date"),
        ("resident_id", "01010519491231002X", "format"),
        ("resident_id", "11010519491231002", "format"),
        ("resident_id", "１１０１０５１９４９１２３１００２X", "characters"),  # full-width digits
        ("resident_id", "11010519491231002X\n", "characters"),
        ("hk_macau_permit", "A12345678", "format"),
        ("taiwan_permit", "1234567", "format"),
        ("passport", "ABCDEFG", "format"),  # no digit
        ("passport", "E1234567890", "format"),  # too long
        ("foreign_permanent_id", "911156198503150010", "check_digit"),
        ("foreign_permanent_id", "US110065100113", "format"),
        ("driving_licence", "123", "unknown_type"),
        ("passport", "", "empty"),
    ],
)
def test_invalid_documents_say_why(id_type, typed, why):
    if why == "format" and typed == "11010519491331002X":
        # month 13: the check digit is right for these 17 digits, the date is not
        typed = typed[:17] + ident.check_digit(typed[:17])
        why = "birth_date"
    with pytest.raises(ident.IdInvalid) as exc:
        ident.validate(id_type, typed, TODAY)
    assert exc.value.why == why


def test_mask_keeps_only_the_ends():
    assert ident.mask_id("210102199001011237") == "2101**********1237"
    assert ident.mask_id("21010219900101123X") == "2101**********123X"
    assert ident.mask_id("H12345678") == "H1*****78"
    assert ident.mask_name("张三") == "张*"
    assert ident.mask_name("欧阳娜娜") == "欧***"
    assert ident.mask_name("John Smith") == "J*********"


def test_the_hash_is_keyed_and_stable():
    a = ident.id_hash(SECRET, "resident_id", "11010519491231002X")
    assert a == ident.id_hash(SECRET, "resident_id", "11010519491231002X")
    assert a != ident.id_hash(b"o" * 32, "resident_id", "11010519491231002X")
    assert a != ident.id_hash(SECRET, "passport", "11010519491231002X")
    assert "11010519491231002X" not in a


def test_a_party_with_a_child_without_id():
    members = ident.party(
        SECRET,
        [
            {"name": "张三", "id_type": "resident_id", "id_number": "11010519491231002X"},
            {"name": "张小宝", "id_type": "none", "birth_date": date(2018, 6, 1)},
        ],
        ON,
        POLICY,
        TODAY,
    )
    assert [m.id_type for m in members] == ["resident_id", "none"]
    assert members[0].public() == {
        "name_masked": "张*",
        "id_type": "resident_id",
        "id_masked": "1101**********002X",
    }
    assert members[1].id_hash == "" and members[1].id_masked == ""


@pytest.mark.parametrize(
    ("raws", "why", "index"),
    [
        ([{"name": "大宝", "id_type": "none", "birth_date": date(2018, 6, 1)}], "guardian_missing", 0),
        (
            [
                {"name": "张三", "id_type": "resident_id", "id_number": "11010519491231002X"},
                {"name": "张大宝", "id_type": "none", "birth_date": date(2012, 12, 5)},  # 14 that day
            ],
            "child_too_old",
            1,
        ),
        (
            [
                {"name": "张三", "id_type": "resident_id", "id_number": "11010519491231002X"},
                {"name": "李四", "id_type": "resident_id", "id_number": "11010519491231002x"},
            ],
            "duplicate_in_party",
            1,
        ),
        (
            [
                {"name": "张三", "id_type": "resident_id", "id_number": "11010519491231002X"},
                {"name": "李四", "id_type": "passport", "id_number": "E1"},
            ],
            "format",
            1,
        ),
    ],
)
def test_party_refusals_name_the_member(raws, why, index):
    with pytest.raises(ident.IdInvalid) as exc:
        ident.party(SECRET, raws, ON, POLICY, TODAY)
    assert (exc.value.why, exc.value.index) == (why, index)
