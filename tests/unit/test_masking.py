"""Issue 25: a name, a phone and an ID number are masked one way (shared/masking.py), so the
registration record, a real-name member, the door and both exports show the same ``张*`` form
that docs/privacy.md names (the first character only), not 欧**娜 in one place and 欧*** in another."""

from __future__ import annotations

from datetime import date

from services.registration.access import identity
from services.registration.privacy import personal
from shared.masking import mask_id, mask_name, mask_phone
from shared.sealed import NOTIFY, REGISTRATION, Sealer

MINE, THEIRS = Sealer(REGISTRATION, {1: bytes(range(32))}), Sealer(NOTIFY, {1: bytes(range(1, 33))})


def test_a_name_shows_its_first_character_only():
    assert [mask_name(n) for n in ("张三", "欧阳娜娜", "张", " 张三丰 ", "", None)] == [
        "张*",
        "欧***",
        "张*",
        "张**",
        "",
        "",
    ]


def test_a_phone_shows_its_first_three_and_last_four():
    assert [mask_phone(p) for p in ("13812345678", "", None, "12345")] == ["138****5678", "", "", "***"]
    assert mask_phone("13800138000\n") == "***"  # was test_phone.test_masked_form


def test_an_id_number_shows_its_ends():
    assert mask_id("21010219900101123X") == "2101**********123X"


def test_the_registration_record_and_a_member_are_masked_as_the_door_masks():
    rec = personal.entry_at_rest({"name": "欧阳娜娜", "phone": "13912345678", "party_size": 1}, MINE, THEIRS)
    raw = {"name": "欧阳娜娜", "id_type": "resident_id", "id_number": "11010519491231002X"}
    member = identity.member(b"k" * 32, raw, date(2026, 12, 1), identity.ChildPolicy(14), date(2026, 11, 29))
    assert (rec["name_masked"], member.name_masked, rec["phone_masked"]) == ("欧***", "欧***", "139****5678")
