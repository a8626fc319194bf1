"""Issue 23, finding 2: document rules a made-up value fails (identity.py, passports.py), and the
real-name check's policy (realname.py) with an authority that answers as told."""

from __future__ import annotations

from datetime import date

import pytest

from services.registration.access import identity as ident
from services.registration.access import realname
from services.registration.vocabulary import Refusal

SECRET = b"k" * 32
ON, TODAY, POLICY = date(2026, 12, 15), date(2026, 12, 1), ident.ChildPolicy(14)


def passport(number: str, nationality: str | None, name: str = "李华") -> dict:
    return {"name": name, "id_type": "passport", "id_number": number, "nationality": nationality}


@pytest.mark.parametrize(
    ("nationality", "number"),
    [
        ("CHN", "E12345678"),
        ("CHN", "EA1234567"),
        ("CHN", "ec1234567"),
        ("CHN", "G12345678"),
        ("USA", "123456789"),
        ("USA", "A12345678"),
        ("GBR", "123456789"),
        ("JPN", "TK1234567"),
        ("KOR", "M12345678"),
        ("KOR", "M123A4567"),
        ("TWN", "123456789"),
        ("NZL", "LA123456"),  # no shape known: the generic one
    ],
)
def test_a_passport_of_its_countrys_shape_is_taken(nationality, number):
    m = ident.member(SECRET, passport(number, nationality), ON, POLICY, TODAY)
    assert m.nationality == nationality and m.id_masked.endswith(number.upper()[-2:])


@pytest.mark.parametrize(
    ("nationality", "number"),
    [
        ("CHN", "ZZ00001"),  # the finding's passport: anything with a digit passed
        ("CHN", "E1234567"),  # one digit short
        ("CHN", "X12345678"),
        ("USA", "12345678"),
        ("GBR", "AB1234567"),
        ("JPN", "123456789"),
        ("KOR", "12345678"),
    ],
)
def test_a_made_up_passport_number_fails_its_countrys_shape(nationality, number):
    with pytest.raises(ident.IdInvalid) as exc:
        ident.member(SECRET, passport(number, nationality), ON, POLICY, TODAY)
    assert exc.value.why == "format"


@pytest.mark.parametrize("nationality", [None, "", "ZZZ", "CN", "中国"])
def test_a_passport_needs_a_known_issuing_country(nationality):
    with pytest.raises(ident.IdInvalid) as exc:
        ident.member(SECRET, passport("E12345678", nationality), ON, POLICY, TODAY)
    assert exc.value.why == "nationality"


def test_the_issuing_country_is_upper_cased_and_kept_with_the_masked_number():
    m = ident.member(SECRET, passport("e12345678", " chn "), ON, POLICY, TODAY)
    assert m.public() == {
        "name_masked": "李*",
        "id_type": "passport",
        "id_masked": "E1*****78",
        "nationality": "CHN",
    }


def test_the_same_number_as_a_taiwan_permit_and_as_a_passport_is_one_person():
    permit = ident.member(
        SECRET, {"name": "林志明", "id_type": "taiwan_permit", "id_number": "12345678"}, ON, POLICY
    )
    as_passport = ident.member(SECRET, passport("12345678", "NZL", "林志明"), ON, POLICY, TODAY)
    home_return = ident.id_hash(SECRET, "hk_macau_permit", "H12345678")
    assert permit.id_hash == as_passport.id_hash
    assert home_return == ident.id_hash(SECRET, "passport", "H12345678")


def test_a_resident_ids_hash_is_what_it_was_and_differs_from_a_permanent_residents():
    import hashlib
    import hmac

    number = "11010519491231002X"
    before = hmac.new(SECRET, f"id:resident_id:{number}".encode(), hashlib.sha256).hexdigest()[:32]
    assert ident.id_hash(SECRET, "resident_id", number) == before  # stored hashes keep meaning
    assert ident.id_hash(SECRET, "foreign_permanent_id", number) != before


def test_no_member_twice_in_a_party_across_types():
    raws = [
        {"name": "林志明", "id_type": "taiwan_permit", "id_number": "12345678"},
        passport("12345678", "NZL", "林志明"),
    ]
    with pytest.raises(ident.IdInvalid) as exc:
        ident.party(SECRET, raws, ON, POLICY, TODAY)
    assert (exc.value.why, exc.value.index) == ("duplicate_in_party", 1)


# -- the real-name check's policy ---------------------------------------------------------------
class Told:
    """An authority that answers from a table (a stand-in for an outside service, like a sender)."""

    def __init__(self, answers: dict[tuple[str, str], str], down: bool = False):
        self.answers, self.down, self.asked = answers, down, []

    def verify(self, person: realname.Person) -> str:
        self.asked.append(person.id_number)
        if self.down:
            raise realname.RealNameUnavailable("down")
        return self.answers.get((person.name, person.id_number), "not_found")


class Remembered:
    def __init__(self):
        self.refs: set[str] = set()

    def known(self, refs):
        return self.refs & set(refs)

    def remember(self, refs):
        self.refs.update(refs)


REAL, MADE_UP = "210102198808085152", "210102195001075152"  # same first 4 and last 4
MEMBERS = [
    {"name": "王芳", "id_type": "resident_id", "id_number": REAL},
    {"name": "王小芳", "id_type": "none", "birth_date": date(2020, 1, 1)},
]


def test_a_made_up_number_is_refused_id_unverified_naming_the_member():
    port = realname.RealName(Told({("王芳", REAL): "match"}), SECRET)
    assert realname.check(port, {"real_name": True}, MEMBERS) == [True, True]
    with pytest.raises(Refusal) as exc:
        realname.check(port, {"real_name": True}, [dict(MEMBERS[0], id_number=MADE_UP)])
    assert exc.value.reason == "id_unverified"
    assert exc.value.details == {"rules": {"members": {"0": {"id_number": ["id_not_confirmed"]}}}}


def test_an_authority_that_does_not_answer_is_a_503_never_a_pass():
    port = realname.RealName(Told({}, down=True), SECRET)
    with pytest.raises(Refusal) as exc:
        realname.check(port, {"real_name": True}, MEMBERS)
    assert exc.value.reason == "realname_unavailable"


def test_with_unverified_allowed_the_member_books_marked_unverified():
    port = realname.RealName(Told({}, down=True), SECRET, unverified_may_book=True)
    flags = realname.check(port, {"real_name": True}, MEMBERS)
    stored = [{"id_masked": "x"}, {"id_masked": ""}]
    realname.record(stored, flags)
    assert flags == [False, True] and stored == [{"id_masked": "x", "verified": False}, {"id_masked": ""}]


def test_nothing_is_asked_for_an_activity_without_real_names():
    told = Told({("王芳", REAL): "match"})
    assert realname.check(realname.RealName(told, SECRET), {"real_name": False}, MEMBERS) is None
    assert told.asked == []


def test_a_confirmation_is_remembered_per_name_and_id_and_a_mismatch_is_not():
    told, cache = Told({("王芳", REAL): "match"}), Remembered()
    port = realname.RealName(told, SECRET, cache)
    realname.check(port, {"real_name": True}, MEMBERS)
    realname.check(port, {"real_name": True}, MEMBERS)
    assert told.asked == [REAL]
    with pytest.raises(Refusal):  # another name with the same number is asked again
        realname.check(port, {"real_name": True}, [dict(MEMBERS[0], name="黄牛")])
    assert told.asked == [REAL, REAL]
