"""What a family is told ahead of a no-show mark and a lock (issue 26): whether a cancellation
counts, the marks toward the next lock, the warning at the mark before a lock (on the page and in
the NoShowMarked event notify reads), and what one more mark does. Rules of noshow/record.py on
the real Redis adapter; the numbers are a Policy, as the settings make it."""

from __future__ import annotations

import pytest

from services.registration.noshow import record as ns
from services.registration.noshow.store import NoShowStore
from shared.envelope import decode

POLICY = ns.Policy(grace_min=60, late_cancel_hours=24, marks_to_lock=3, window_days=90, lock_days=60)
DAY, T0 = 86400.0, 1_800_000_000.0


def mark(i, at, holder="phone:p1", forgiven=False):
    return ns.Mark(f"r{i}:0", holder, f"r{i}", "imax-1", "late_cancellation", at, forgiven)


@pytest.fixture
def record(store_settings, store_redis) -> NoShowStore:
    return NoShowStore(store_redis, store_settings)


@pytest.mark.parametrize(
    ("status", "hours_before", "counts"),
    [
        ("confirmed", 23.9, True),
        ("confirmed", 24, True),
        ("confirmed", 24.1, False),
        ("waitlisted", 1, False),
    ],
)
def test_a_cancellation_counts_when_confirmed_and_within_the_late_hours(status, hours_before, counts):
    start = T0 + 10 * DAY
    got = ns.cancel_counts(status, cancelled_at=start - hours_before * 3600, starts_at=start, policy=POLICY)
    assert got is counts


def test_marks_toward_the_lock_leave_out_forgiven_old_and_spent_ones():
    marks = [mark(i, T0 + i * DAY) for i in range(3)]  # these lock, and are spent
    marks += [mark(3, T0 + 10 * DAY), mark(4, T0 + 11 * DAY, forgiven=True)]
    assert ns.toward_lock(marks, now=T0 + 12 * DAY, policy=POLICY) == 1
    assert ns.toward_lock(marks, now=T0 + 10 * DAY + 91 * DAY, policy=POLICY) == 0  # out of the window


@pytest.mark.parametrize(("toward", "warned"), [(0, False), (1, False), (2, True), (3, False)])
def test_the_warning_is_at_the_mark_before_a_lock(toward, warned):
    assert ns.warns(toward, POLICY) is warned
    assert ns.warns(0, ns.Policy(marks_to_lock=1)) is False  # no mark before a one-mark lock


def test_the_marked_event_says_toward_the_lock_and_warns_at_the_second_mark(record):
    ns.record_marks(record, [mark(0, T0), mark(1, T0 + DAY), mark(2, T0 + 2 * DAY)], POLICY)
    told = [decode(f[b"envelope"])["data"] for _id, f in record.redis.xrange(record.outbox)]
    assert [(d["toward_lock"], d["warning"]) for d in told] == [(1, False), (2, True), (0, False)]
    assert {(d["marks_to_lock"], d["lock_days"]) for d in told} == {(3, 60)}
    assert told[2]["locked_until"] is not None
    assert told[1]["holder"] == "phone:p1" and told[1]["activity_id"] == "imax-1"


def test_before_a_late_cancel_the_record_and_what_one_more_does(record):
    ns.record_marks(record, [mark(0, T0), mark(1, T0 + DAY)], POLICY)
    now, start = T0 + 2 * DAY, T0 + 2 * DAY + 3600
    got = ns.late_cancel_preview(
        record, ["phone:p1"], status="confirmed", starts_at=start, now=now, policy=POLICY
    )
    assert (got["counts"], got["toward_lock"], got["after"], got["locks"]) == (True, 2, 3, True)
    assert got["lock_ends"] == now + 60 * DAY and got["warning"] is True
    early = ns.late_cancel_preview(
        record, ["phone:p1"], status="confirmed", starts_at=now + 3 * DAY, now=now, policy=POLICY
    )
    assert (early["counts"], early["locks"], early["lock_ends"]) == (False, False, None)
    fresh = ns.late_cancel_preview(
        record, ["phone:p9"], status="confirmed", starts_at=start, now=now, policy=POLICY
    )
    assert (fresh["toward_lock"], fresh["after"], fresh["locks"], fresh["warning"]) == (0, 1, False, False)
