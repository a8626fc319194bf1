"""Seats handed back in check-in's standby pool (issue 27; standby_handed_back.lua and
standby_release.lua) on the session's Redis: the count of the highest revision wins whatever the
order, and it joins the pool at the release, a newer count moving the pool afterwards."""

from __future__ import annotations

from services.checkin.projection import Projection
from shared import events as ev
from tests.unit.test_standby import join, port

AT = "2027-05-20T19:11:00+08:00"


def handed_back(projection: Projection, count: int, revision: int) -> None:
    data = {"activity_id": "imax-1", "handed_back": count, "revision": revision}
    envelope = {"type": ev.SEATS_HANDED_BACK, "event_id": f"hb{revision}", "activity_id": "imax-1",
                "occurred_at": AT, "version": 1, "data": data}  # fmt: skip
    projection.handle(envelope)


def test_the_highest_revision_wins_in_any_order_and_again(port):
    store = port({"r1": (1, 1)})
    for count, revision in [(3, 3), (1, 1), (2, 2), (3, 3), (1, 1)]:
        handed_back(store.projection, count, revision)
    assert store.board("imax-1")["handed_back"] == 3


def test_the_count_waits_for_the_release_then_a_newer_one_moves_the_pool(port):
    store = port({"r1": (4, 1)})  # three of r1's seats unscanned
    handed_back(store.projection, 2, 1)
    join(store, "13900000001", party=2)
    assert store.board("imax-1")["seats_free"] == 0  # not before the release
    assert store.release("imax-1", AT)["handed_back"] == 2
    assert store.board("imax-1")["seats_free"] == 5
    handed_back(store.projection, 3, 2)  # a later cancel, told after the release
    assert store.board("imax-1")["seats_free"] == 6
    handed_back(store.projection, 1, 1)  # an old one redelivered: nothing moves
    assert store.board("imax-1")["seats_free"] == 6
    assert store.release("imax-1", AT) == {
        "released": 3,
        "handed_back": 3,
        "registrations": 1,
        "replayed": True,
    }
