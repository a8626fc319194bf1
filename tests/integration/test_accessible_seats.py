"""Issue 29 item 6 on real Redis and the real Lua (quota.lua's quota_take_accessible): wheelchair
places come from the wheelchair quota only, companion seats only with them, the rest of the party
from open seats, all or nothing; a cancel or a dropped member gives them back; and a set time before
the start (quota_accessible_release_before_h, no scheduler) unbooked ones open to everyone."""

from __future__ import annotations

from datetime import timedelta

import pytest

from services.registration import vocabulary as v
from services.registration.seats import publishing, usecases
from tests.integration.test_quota_core import counts
from tests.unit.registration_ports import redis_ports
from tests.unit.registration_scenarios import activity_doc

FORM = {"name": "张三", "email": None, "organization": "沈阳分院"}
QUOTAS = {"wheelchair": {"seats": 2}, "companion": {"seats": 2}}


@pytest.fixture
def ports(store_settings, store_redis):
    return redis_ports(store_settings, store_redis)


def book(ports, aid: str, n: int, party: int = 1, wheelchairs: int = 0, companions: int = 0) -> dict:
    form = dict(FORM, phone=f"1390001{n:04d}", party_size=party)
    if wheelchairs or companions:
        form["accessible"] = {"wheelchairs": wheelchairs, "companions": companions}
    return usecases.register(ports, aid, form)


def refused(ports, aid: str, n: int, **kw) -> str:
    with pytest.raises(v.Refusal) as err:
        book(ports, aid, n, **kw)
    return err.value.reason


def publish(ports, aid: str, **over) -> None:
    over.setdefault("waitlist", {"enabled": False})
    over.setdefault("quotas", QUOTAS)
    publishing.publish_activity(ports, activity_doc(ports, aid, **over))


def test_a_companion_seat_without_a_wheelchair_place_is_refused(ports):
    publish(ports, "w1", capacity=6)
    assert refused(ports, "w1", 1, party=2, companions=1) == v.COMPANION_NEEDS_WHEELCHAIR
    assert refused(ports, "w1", 2, party=3, wheelchairs=1, companions=2) == v.COMPANION_NEEDS_WHEELCHAIR
    got = counts(ports, "w1")
    assert (got["taken"], got["quota:wheelchair"], got["quota:companion"]) == ("0", "2", "2")


def test_wheelchair_places_come_from_their_quota_only_and_the_rest_from_open_seats(ports):
    publish(ports, "w2", capacity=6)
    reg = book(ports, "w2", 1, party=3, wheelchairs=1, companions=1)  # and one in a general seat
    assert reg["status"] == v.CONFIRMED
    assert (reg["channel"], reg["wheelchairs"], reg["companions"]) == (v.CH_WHEELCHAIR, 1, 1)
    got = counts(ports, "w2")
    assert (got["taken"], got["quota:wheelchair"], got["quota:companion"]) == ("3", "1", "1")
    assert (got["quota_taken:wheelchair"], got["quota_taken:companion"]) == ("1", "1")
    # two wheelchair users when one place is left: refused, and nothing was taken (all or nothing)
    assert refused(ports, "w2", 2, party=2, wheelchairs=2) == v.NO_WHEELCHAIR_PLACE
    assert counts(ports, "w2")["taken"] == "3"


def test_a_wheelchair_user_never_gets_a_general_seat_as_a_wheelchair_place(ports):
    publish(ports, "w3", capacity=10, quotas={"wheelchair": {"seats": 1}})
    assert book(ports, "w3", 1, wheelchairs=1)["status"] == v.CONFIRMED
    assert refused(ports, "w3", 2, wheelchairs=1) == v.NO_WHEELCHAIR_PLACE  # 9 general seats are free
    assert refused(ports, "w3", 3, party=2, wheelchairs=1, companions=1) == v.NO_WHEELCHAIR_PLACE
    assert book(ports, "w3", 4)["status"] == v.CONFIRMED  # the general seats are still open


def test_the_rest_of_the_party_needs_open_seats_or_nothing_is_taken(ports):
    publish(ports, "w4", capacity=5)  # 4 kept (2 + 2), 1 open
    assert book(ports, "w4", 1)["status"] == v.CONFIRMED
    assert refused(ports, "w4", 2, party=2, wheelchairs=1) == v.SOLD_OUT  # the other one has no seat
    got = counts(ports, "w4")
    assert (got["taken"], got["quota:wheelchair"]) == ("1", "2")
    assert book(ports, "w4", 3, party=2, wheelchairs=1, companions=1)["status"] == v.CONFIRMED


def test_online_cannot_take_accessible_places_until_their_release(ports):
    start = ports.clock.now() + timedelta(days=3)
    publish(ports, "w5", capacity=5, starts_at=start, ends_at=start + timedelta(hours=2),
            registration_closes_at=start - timedelta(hours=1))  # fmt: skip
    assert book(ports, "w5", 1)["status"] == v.CONFIRMED
    ports.clock.set(start - timedelta(hours=24, minutes=1))  # the release is 24 h before the start
    assert refused(ports, "w5", 2) == v.SOLD_OUT  # 4 free seats, all kept
    ports.clock.set(start - timedelta(hours=24))
    assert book(ports, "w5", 3, party=4)["status"] == v.CONFIRMED  # from now on they are anyone's
    assert counts(ports, "w5")["taken"] == "5"


def test_after_the_release_a_wheelchair_place_is_no_longer_kept(ports):
    start = ports.clock.now() + timedelta(days=3)
    publish(ports, "w6", capacity=5, starts_at=start, ends_at=start + timedelta(hours=2),
            registration_closes_at=start - timedelta(hours=1))  # fmt: skip
    ports.clock.set(start - timedelta(hours=23))
    assert refused(ports, "w6", 1, wheelchairs=1) == v.NO_WHEELCHAIR_PLACE  # strict, documented


def test_a_cancel_gives_the_places_back_to_their_quotas(ports):
    publish(ports, "w7", capacity=6)
    reg = book(ports, "w7", 1, party=4, wheelchairs=2, companions=1)
    got = counts(ports, "w7")
    assert (got["taken"], got["quota:wheelchair"], got["quota:companion"]) == ("4", "0", "1")
    usecases.cancel(ports, reg["registration_id"], reg["manage_token"])
    got = counts(ports, "w7")
    assert (got["taken"], got["quota:wheelchair"], got["quota:companion"]) == ("0", "2", "2")
    assert (got["quota_taken:wheelchair"], got["quota_taken:companion"]) == ("0", "0")


def test_a_dropped_member_leaves_a_general_seat_first_then_a_companion_seat(ports):
    publish(ports, "w8", capacity=6)
    reg = book(ports, "w8", 1, party=3, wheelchairs=1, companions=1)
    rid, token = reg["registration_id"], reg["manage_token"]
    usecases.drop_member(ports, rid, token)
    got = counts(ports, "w8")
    assert (got["taken"], got["quota:wheelchair"], got["quota:companion"]) == ("2", "1", "1")
    usecases.drop_member(ports, rid, token)
    got = counts(ports, "w8")
    assert (got["taken"], got["quota:wheelchair"], got["quota:companion"]) == ("1", "1", "2")
    kept = ports.seats.get_registration(rid)
    assert (kept["party_size"], kept["wheelchairs"], kept["companions"]) == (1, 1, 0)
