"""The retention sweep on real Redis (issue 16): registrations of an activity that ended more than
SCIDAY_RETENTION_DAYS ago lose their personal fields; the counts stay; a swept activity is not read
again; an activity still within the retention is left alone."""

from __future__ import annotations

import json
from datetime import timedelta

from services.registration.bootstrap import bootstrap
from services.registration.lottery.store import LotteryStore
from services.registration.privacy import retention
from services.registration.seats import publishing, usecases
from shared import events
from shared.clock import FakeClock
from shared.tickets import KeyRing
from tests.unit.registration_scenarios import activity_doc

FORM = {
    "name": "张三丰",
    "phone": "13912345678",
    "party_size": 2,
    "email": "z@example.cn",
    "organization": "x",
}


def test_the_sweep_erases_past_the_retention_and_keeps_the_counts(settings, redis):
    settings = settings.with_overrides(retention_days=30)
    ports = bootstrap(settings, redis, KeyRing.load_or_create(settings.keys_dir))
    ports.clock = FakeClock()
    publishing.publish_activity(ports, activity_doc(ports, "old"))
    later = ports.clock.now() + timedelta(days=20)
    publishing.publish_activity(
        ports, activity_doc(ports, "later", starts_at=later, ends_at=later + timedelta(hours=2))
    )
    regs = [usecases.register(ports, "old", dict(FORM, phone=f"1391234567{i}")) for i in range(2)]
    usecases.register(ports, "later", FORM)
    store = ports.seats
    # Lottery entries (sealed contact fields, holders' keyed hashes) go with the activity's data.
    lots = LotteryStore(redis, settings)
    for aid in ("old", "later"):
        entry = {"party_size": 1, "name": "王五", "phone": "13700000001", "token": "t"}
        redis.hset(lots.k("entries", aid), "e1", json.dumps(lots.entry_at_rest(entry)))
        redis.hset(lots.k("holders", aid), "phone:h", "e1")

    ports.clock.advance(days=3 + 31)  # "old" ended 31 days ago; "later" 14 days ago
    assert retention.sweep(ports, redis, settings) == 2
    for r in regs:
        raw = json.loads(redis.hget(store.keys.regs("old"), r["registration_id"]))
        assert raw["status"] == "confirmed" and raw["party_size"] == 2 and raw["erased_at"]
        assert not {"personal", "for_notify", "phone_ref", "name_masked", "phone_masked"} & set(raw)
    assert store.get_activity("old")[1]["taken"] == b"4"  # the seats taken stay counted
    assert redis.hlen(store.keys.phones("old")) == 0
    assert [e["cause"] for e in store.erasures()] == [events.ERASED_BY_RETENTION] * 2
    assert not redis.exists(lots.k("entries", "old"), lots.k("holders", "old"))
    assert lots.entry("later", "e1")["phone"] == "13700000001"  # within its retention
    assert store.registrations("later")[0]["phone"] == FORM["phone"]  # within its retention
    assert retention.sweep(ports, redis, settings) == 0  # "old" is done, "later" not due
    assert redis.sismember(f"{settings.redis_prefix}retention:done", "old")

    ports.clock.advance(days=17)
    assert retention.sweep(ports, redis, settings) == 1
    assert "phone" not in json.loads(redis.hvals(store.keys.regs("later"))[0])
