"""A lottery entry's personal fields sealed like a registration's (issue 16 for issue 15 §1):
at rest (services/registration/personal.entry_at_rest) and in the outcome events (version 2),
which notify hands on sealed, to be opened only by the sender."""

from __future__ import annotations

import json

from services.notify.delivery.usecases import Notices
from services.registration.privacy import personal
from shared import events as ev
from shared.clock import FakeClock
from shared.sealed import NOTIFY, REGISTRATION, Sealer
from tests.unit.test_notify_usecases import World, event

MINE, THEIRS = Sealer(REGISTRATION, {1: bytes(range(32))}), Sealer(NOTIFY, {1: bytes(range(1, 33))})
ENTRY = {
    "party_size": 2,
    "locale": "zh-CN",
    "name": "张三丰",
    "phone": "13912345678",
    "email": "z@example.cn",
    "organization": "中国科学院",
    "manage_url": "http://x/me",
    "token": "confirm-token-123",
    "fair": {"ids": ["h1"]},
    "owner_ref": "o1",
}


def test_an_entry_rests_sealed_with_its_masked_forms_and_opens_whole():
    rec = personal.entry_at_rest(ENTRY, MINE, THEIRS)
    text = json.dumps(rec, ensure_ascii=False)
    for clear in ("张三丰", "13912345678", "12345678", "z@example.cn", "confirm-token-123", "http://x/me"):
        assert clear not in text, clear
    assert (rec["name_masked"], rec["phone_masked"], rec["party_size"]) == ("张**", "139****5678", 2)
    assert personal.entry_in_clear(rec, MINE) == dict(ENTRY, name_masked="张**", phone_masked="139****5678")
    assert THEIRS.open(rec["for_notify"]) == {k: ENTRY[k] for k in personal.ENTRY_FOR_NOTIFY}
    assert "token" not in THEIRS.open(rec["for_notify"])  # notify never gets the confirmation token


def test_an_entry_written_before_issue_16_is_read_as_it_is():
    assert personal.entry_in_clear(dict(ENTRY), MINE) == ENTRY


class Recorded:
    """Catches what the use case hands the deliveries (the real ones: tests/unit/test_notify_usecases.py)."""

    def __init__(self):
        self.regs = []

    def record(self, *, reg, **_kwargs):
        self.regs.append(reg)
        return 1


def outcome(version_data):
    base = {"entry_id": "e1", "activity_id": "a1", "position": 1, "party_size": 2, "locale": "zh-CN"}
    return event(ev.LOTTERY_ENTRY_WON, 1, **base, **version_data)


def test_notify_hands_a_v2_outcome_on_sealed_and_a_v1_outcome_with_its_contacts(store_settings, store_redis):
    recorded, world = Recorded(), World(store_settings, store_redis)
    notices = Notices(world.projection, recorded, world.reminders, clock=FakeClock.at_seconds(0.0))
    sealed = personal.entry_at_rest(ENTRY, MINE, THEIRS)
    v2 = {"name_masked": "张*丰", "phone_masked": "139****5678", "sealed": sealed["for_notify"]}
    ev.validate_data(ev.LOTTERY_ENTRY_WON, 2, outcome(v2)["data"])  # the schema of version 2
    assert notices.handle(outcome(v2)) == 1
    assert recorded.regs[-1] == {**v2, "locale": "zh-CN", "party_size": 2, "registration_id": "e1"}
    v1 = {k: ENTRY[k] for k in ("name", "phone", "email", "manage_url")}
    notices.handle(
        outcome(v1)
    )  # the deliveries seal these on recording (services/notify/delivery/intents.py)
    assert {k: recorded.regs[-1][k] for k in v1} == v1 and "sealed" not in recorded.regs[-1]
