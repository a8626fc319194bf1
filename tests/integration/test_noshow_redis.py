"""The no-show record on real Redis: marks once under redelivery, events that pass their schemas,
forgiveness with its audit entry, and the lock registration enforces."""

from __future__ import annotations

import pytest

from services.registration.noshow import record as ns
from services.registration.noshow.flow import Admissions, NoShowFlow
from services.registration.noshow.store import NoShowStore
from shared.envelope import decode
from shared.events import validate_data
from shared.outbox import stream_key

POLICY = ns.Policy(grace_min=60, late_cancel_hours=24, marks_to_lock=3, window_days=90, lock_days=60)
T0, DAY = 1_800_000_000.0, 86400.0


@pytest.fixture
def record(settings, redis):
    return NoShowStore(redis, settings)


@pytest.fixture
def flow(record, settings, redis):
    return NoShowFlow(record, Admissions(redis, settings.redis_prefix), lambda aid: T0, POLICY, "pepper")


def events(redis, settings, kind):
    out = [decode(f[b"envelope"]) for _id, f in redis.xrange(stream_key(settings))]
    for e in out:
        validate_data(e["type"], e["version"], e["data"])
    return [e for e in out if e["type"] == kind]


def regs(aid, n):
    return [
        {"registration_id": f"{aid}-r{i}", "status": "confirmed", "party_size": 2, "phone": "13800000001"}
        for i in range(n)
    ]


def test_marks_are_made_once_when_events_are_redelivered(flow, redis, settings):
    for _ in range(2):  # the same check-in event, delivered twice
        flow.handle(
            {
                "type": "CheckinRecorded",
                "activity_id": "a1",
                "data": {"registration_id": "a1-r0", "checkin_id": "c1", "admitted": 2},
            }
        )
    end = T0 + 3600
    assert len(flow.sweep("a1", regs("a1", 3), ends_at=end, now=end + 3600)) == 2
    assert flow.sweep("a1", regs("a1", 3), ends_at=end, now=end + 3600) == []
    marked = events(redis, settings, "NoShowMarked")
    assert sorted(e["data"]["mark_id"] for e in marked) == ["a1-r1:0", "a1-r2:0"]


def test_the_third_mark_locks_and_registration_is_refused(flow, record, redis, settings):
    for i, aid in enumerate(["a1", "a2", "a3"]):
        end = T0 + i * 10 * DAY
        flow.sweep(aid, regs(aid, 1), ends_at=end, now=end + 3600)
    holder = flow.registration(regs("a1", 1)[0], "a1", "confirmed")["phone_hash"]
    with pytest.raises(ns.Refusal) as exc:
        ns.ensure_may_register(record, [f"phone:{holder}"], now=T0 + 21 * DAY, policy=POLICY)
    assert exc.value.reason == "noshow_locked"
    assert exc.value.details["locked_until"] == T0 + 20 * DAY + 3600 + 60 * DAY
    third = events(redis, settings, "NoShowMarked")[-1]
    assert third["data"]["locked_until"] is not None


def test_forgiving_lifts_the_lock_and_is_audited_once(flow, record, redis, settings):
    for i, aid in enumerate(["a1", "a2", "a3"]):
        end = T0 + i * DAY
        flow.sweep(aid, regs(aid, 1), ends_at=end, now=end + 3600)
    holder = record.holder_of("a2-r0:0")
    ns.forgive(record, "a2-r0:0", by="主办方", note="暴雨，地铁停运", now=T0 + 3 * DAY)
    ns.forgive(record, "a2-r0:0", by="主办方", note="again", now=T0 + 3 * DAY)
    ns.ensure_may_register(record, [holder], now=T0 + 3 * DAY, policy=POLICY)
    audit = record.audit_log()
    assert [(a["mark_id"], a["by"], a["note"]) for a in audit] == [("a2-r0:0", "主办方", "暴雨，地铁停运")]
    assert len(events(redis, settings, "NoShowForgiven")) == 1
