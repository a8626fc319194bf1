"""The no-show record's rules, and its use cases on the Redis store and its Lua (noshow_*.lua)."""

from __future__ import annotations

import pytest

from services.registration.noshow import record as ns
from services.registration.noshow.flow import Admissions, NoShowFlow, identity_hash
from services.registration.noshow.store import NoShowStore, iso
from tests.unit.registration_ports import stream_events

POLICY = ns.Policy(grace_min=60, late_cancel_hours=24, marks_to_lock=3, window_days=90, lock_days=60)
DAY, T0 = 86400.0, 1_800_000_000.0
END = T0 + 7200


def reg(rid="r1", status="confirmed", party=3, ids=None, aid="imax-1"):
    return {
        "registration_id": rid,
        "activity_id": aid,
        "status": status,
        "party_size": party,
        "phone_hash": "p1",
        "member_id_hashes": ids or [],
    }


def mark(i, at, holder="phone:p1", forgiven=False):
    return ns.Mark(f"r{i}:0", holder, f"r{i}", "imax-1", "not_admitted", at, forgiven)


# -- marks ------------------------------------------------------------------------------------
def test_no_mark_before_the_end_plus_grace():
    assert ns.due_marks(reg(), admitted=0, ends_at=END, now=END + 59 * 60, policy=POLICY) == []


def test_a_party_without_ids_that_did_not_come_earns_one_mark_on_the_phone():
    marks = ns.due_marks(reg(), admitted=0, ends_at=END, now=END + 3600, policy=POLICY)
    assert [(m.mark_id, m.holder, m.cause) for m in marks] == [("r1:0", "phone:p1", "not_admitted")]


def test_a_party_that_came_earns_no_mark():
    assert ns.due_marks(reg(), admitted=1, ends_at=END, now=END + 3600, policy=POLICY) == []


def test_real_name_marks_each_member_id():
    marks = ns.due_marks(reg(ids=["a", "b", "c"]), admitted=0, ends_at=END, now=END + 3600, policy=POLICY)
    assert [(m.mark_id, m.holder) for m in marks] == [("r1:0", "id:a"), ("r1:1", "id:b"), ("r1:2", "id:c")]


@pytest.mark.parametrize("status", ["waitlisted", "cancelled"])
def test_only_confirmed_registrations_are_marked(status):
    assert ns.due_marks(reg(status=status), admitted=0, ends_at=END, now=END + 3600, policy=POLICY) == []


@pytest.mark.parametrize(("hours_before", "marked"), [(23, True), (25, False)])
def test_a_late_cancellation_counts(hours_before, marked):
    marks = ns.late_cancel_marks(
        reg(), previous_status="confirmed", cancelled_at=T0 - hours_before * 3600, starts_at=T0, policy=POLICY
    )
    assert [m.cause for m in marks] == (["late_cancellation"] if marked else [])


def test_cancelling_a_waitlisted_registration_is_never_a_no_show():
    marks = ns.late_cancel_marks(
        reg(), previous_status="waitlisted", cancelled_at=T0, starts_at=T0, policy=POLICY
    )
    assert marks == []


# -- locks ------------------------------------------------------------------------------------
def test_three_marks_within_the_window_lock_for_the_set_days():
    marks = [mark(1, T0), mark(2, T0 + 30 * DAY), mark(3, T0 + 80 * DAY)]
    assert ns.locked_until(marks, POLICY) == T0 + 80 * DAY + 60 * DAY


def test_marks_spread_wider_than_the_window_do_not_lock():
    assert ns.locked_until([mark(1, T0), mark(2, T0 + 50 * DAY), mark(3, T0 + 91 * DAY)], POLICY) is None


def test_a_forgiven_mark_does_not_count():
    marks = [mark(1, T0), mark(2, T0 + DAY, forgiven=True), mark(3, T0 + 2 * DAY)]
    assert ns.locked_until(marks, POLICY) is None


def test_marks_that_caused_a_lock_are_spent():
    three = [mark(i, T0 + i * DAY) for i in range(3)]
    assert ns.locked_until([*three, mark(9, T0 + 70 * DAY)], POLICY) == T0 + 2 * DAY + 60 * DAY
    six = three + [mark(i, T0 + (70 + i) * DAY) for i in range(3, 6)]
    assert ns.locked_until(six, POLICY) == T0 + 75 * DAY + 60 * DAY


def test_the_policy_is_made_of_settings():
    from shared.config import load

    s = load({"noshow_marks_to_lock": 2, "noshow_lock_days": 30})
    policy = ns.Policy.from_settings(s)
    assert ns.locked_until([mark(1, T0), mark(2, T0 + DAY)], policy) == T0 + DAY + 30 * DAY


# -- use cases --------------------------------------------------------------------------------
@pytest.fixture
def record(store_settings, store_redis) -> NoShowStore:
    return NoShowStore(store_redis, store_settings)


def test_marks_are_made_once_under_redelivery(record):
    marks = ns.due_marks(reg(ids=["a", "b"]), admitted=0, ends_at=END, now=END + 3600, policy=POLICY)
    assert len(ns.record_marks(record, marks, POLICY)) == 2
    assert ns.record_marks(record, marks, POLICY) == []
    assert [kind for kind, _a, _d in stream_events(record.redis, record.outbox)] == ["NoShowMarked"] * 2


def test_registering_while_locked_is_refused_with_the_end_date_then_allowed_after(record):
    ns.record_marks(record, [mark(i, T0 + i * DAY) for i in range(3)], POLICY)
    until = T0 + 2 * DAY + 60 * DAY
    with pytest.raises(ns.Refusal) as exc:
        ns.ensure_may_register(record, ["phone:p1"], now=T0 + 10 * DAY, policy=POLICY)
    assert exc.value.reason == "noshow_locked" and exc.value.details["locked_until"] == until
    ns.ensure_may_register(record, ["phone:p1"], now=until + 1, policy=POLICY)
    ns.ensure_may_register(record, ["phone:someone-else"], now=T0 + 10 * DAY, policy=POLICY)


def test_standing_shows_the_record_and_the_lock_end(record):
    ns.record_marks(record, [mark(i, T0 + i * DAY) for i in range(3)], POLICY)
    s = ns.standing(record, "phone:p1", now=T0 + 3 * DAY, policy=POLICY)
    assert (len(s["marks"]), s["counting"], s["locked_until"]) == (3, 3, T0 + 2 * DAY + 60 * DAY)


def test_forgiving_needs_a_note_lifts_the_lock_and_is_audited(record):
    ns.record_marks(record, [mark(i, T0 + i * DAY) for i in range(3)], POLICY)
    with pytest.raises(ns.Refusal) as exc:
        ns.forgive(record, "r1:0", by="org", note="  ", now=T0 + 3 * DAY)
    assert exc.value.reason == "note_required"
    with pytest.raises(ns.Refusal) as exc:
        ns.forgive(record, "nope:0", by="org", note="x", now=T0 + 3 * DAY)
    assert exc.value.reason == "unknown_mark"
    ns.forgive(record, "r1:0", by="org", note="暴雨停运", now=T0 + 3 * DAY)
    ns.ensure_may_register(record, ["phone:p1"], now=T0 + 3 * DAY, policy=POLICY)
    assert record.audit_log() == [
        {
            "action": "forgive",
            "mark_id": "r1:0",
            "holder": "phone:p1",
            "by": "org",
            "note": "暴雨停运",
            "at": iso(T0 + 3 * DAY),
        }
    ]


# -- the flow ---------------------------------------------------------------------------------
@pytest.fixture
def flow(record, store_settings, store_redis):
    """``flow()``: the no-show flow over the test's record and admission counts on Redis."""
    return lambda: NoShowFlow(
        record, Admissions(store_redis, store_settings.redis_prefix), lambda aid: T0, POLICY, "pepper"
    )


def checkin(cid, rid, n, kind="CheckinRecorded"):
    data = {"registration_id": rid, "checkin_id": cid, "gate": "1号门"}
    data.update({"admitted": n} if kind == "CheckinRecorded" else {"reverted": n})
    return {"type": kind, "activity_id": "imax-1", "occurred_at": "2027-01-15T10:00:00+08:00", "data": data}


def test_a_redelivered_admission_is_counted_once_and_an_undo_counts(flow):
    f = flow()
    f.handle(checkin("c1", "r1", 2))
    f.handle(checkin("c1", "r1", 2))
    f.handle(checkin("c2", "r2", 1))
    f.handle(checkin("c2", "r2", 1, kind="CheckinReverted"))
    assert f.admissions.admitted("imax-1") == {"r1": 2, "r2": 0}
    regs = [
        {"registration_id": r, "status": "confirmed", "party_size": 2, "phone": f"1380000000{i}"}
        for i, r in enumerate(["r1", "r2"])
    ]
    marks = f.sweep("imax-1", regs, ends_at=END, now=END + 3600)
    assert [(m.registration_id, m.holder) for m in marks] == [
        ("r2", "phone:" + identity_hash("pepper", "13800000001"))
    ]
    assert f.sweep("imax-1", regs, ends_at=END, now=END + 7200) == []


def cancelled(aid="imax-1", party=2):
    return {
        "type": "RegistrationCancelled",
        "activity_id": aid,
        "occurred_at": "2027-01-15T10:00:00+00:00",
        "data": {
            "registration_id": "r9",
            "previous_status": "confirmed",
            "phone": "13800000009",
            "party_size": party,
        },
    }


def test_a_late_cancellation_event_marks_once(flow):
    f = flow()
    ev = cancelled()
    f.starts_at_of = lambda aid: ns_ts("2027-01-15T12:00:00+00:00")
    assert len(f.handle(ev)) == 1
    assert f.handle(ev) == []


def ns_ts(iso):
    from datetime import datetime

    return datetime.fromisoformat(iso).timestamp()


# -- wiring (issue 15 §2): the stored record, and what 我的报名 shows -----------------------------
def test_a_late_cancellation_of_a_real_name_party_marks_each_stored_member_id(flow):
    f = flow()
    f.lookup = lambda rid: {"id_hashes": ["h1", "h2"]} if rid == "r9" else None
    f.starts_at_of = lambda aid: ns_ts("2027-01-15T12:00:00+00:00")
    ev = cancelled()
    assert sorted(m.holder for m in f.handle(ev)) == ["id:h1", "id:h2"]
    assert f.handle(ev) == []


def test_a_cancellation_for_an_activity_registration_no_longer_knows_marks_nobody(flow):
    f = flow()
    f.starts_at_of = lambda aid: None
    ev = cancelled("gone", party=1)
    assert f.handle(ev) == []


def test_my_record_joins_the_phone_and_the_ids_and_gives_the_latest_lock(record):
    marks = [mark(i, T0 + i * DAY, holder="phone:p1") for i in range(3)]
    marks.append(ns.Mark("r9:1", "id:h2", "r9", "imax-1", "late_cancellation", T0 + 4 * DAY))
    ns.record_marks(record, marks, POLICY)
    got = ns.record_of(record, ["phone:p1", "id:h2", "id:h2", "id:none"], now=T0 + 5 * DAY, policy=POLICY)
    assert [m["mark_id"] for m in got["marks"]] == ["r0:0", "r1:0", "r2:0", "r9:1"]
    assert got["counting"] == 3
    assert got["locked_until"] == T0 + 2 * DAY + 60 * DAY
    assert ns.record_of(record, ["id:none"], now=T0, policy=POLICY) == {
        "marks": [],
        "counting": 0,
        "locked_until": None,
    }


# -- issue 26: the door names the members it admits; the sweep marks exactly the others ---------------
FAMILY = {
    "registration_id": "r3",
    "status": "confirmed",
    "party_size": 3,
    "phone": "13800000003",
    "members": [{"name_masked": n, "id_type": "resident_id", "id_masked": "1101**********000" + str(i)}
                for i, n in enumerate(["张*", "李*", "张**"])],
    "id_hashes": ["h1", "h2", "h3"],
}  # fmt: skip


def named(cid, rid, places, kind="CheckinRecorded"):
    env = checkin(cid, rid, len(places), kind)
    env["data"]["members"] = places
    return env


def test_a_family_of_three_admitted_as_two_named_members_marks_only_the_third(flow):
    f = flow()
    f.handle(named("c1", "r3", [1, 2]))
    f.handle(named("c1", "r3", [1, 2]))  # redelivered: once
    assert f.admissions.members("imax-1") == {"r3": [1, 2]}
    marks = f.sweep("imax-1", [FAMILY], ends_at=END, now=END + 3600)
    assert [(m.mark_id, m.holder) for m in marks] == [("r3:2", "id:h3")]


def test_an_undone_member_is_marked_and_one_card_at_a_time_counts_the_same(flow):
    f = flow()
    f.handle(named("c1", "r3", [3]))
    f.handle(named("c2", "r3", [1]))
    f.handle(named("c2", "r3", [1], kind="CheckinReverted"))
    marks = f.sweep("imax-1", [FAMILY], ends_at=END, now=END + 3600)
    assert sorted(m.holder for m in marks) == ["id:h1", "id:h2"]


def test_a_head_count_beside_named_members_still_marks_nobody(flow):
    f = flow()
    f.handle(named("c1", "r3", [1]))
    f.handle(checkin("c2", "r3", 1))  # one more person, not named: could be anyone
    assert f.sweep("imax-1", [FAMILY], ends_at=END, now=END + 3600) == []


def test_a_child_without_an_id_is_placed_so_the_right_member_is_marked(flow):
    f = flow()
    child = {"name_masked": "张*", "id_type": "none", "id_masked": ""}
    family = {
        **FAMILY,
        "members": [FAMILY["members"][0], child, FAMILY["members"][1]],
        "id_hashes": ["h1", "h2"],
    }
    f.handle(named("c1", "r3", [1, 2]))  # the father and the child
    marks = f.sweep("imax-1", [family], ends_at=END, now=END + 3600)
    assert [(m.mark_id, m.holder) for m in marks] == [("r3:1", "id:h2")]
