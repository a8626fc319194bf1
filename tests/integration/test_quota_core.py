"""Issue 29's quota core on real Redis and the real Lua (seats/quota.lua, included by every seat
script): seats kept for a channel are not open to online booking nor to the waitlist, a booking
through the channel takes them, a cancel gives them back, and once the channel's time has come
they are ordinary free seats.  The channels' own pages and routes have tests of their own."""

from __future__ import annotations

import pytest

from services.registration import vocabulary as v
from services.registration.seats import publishing, usecases
from tests.unit.registration_ports import redis_ports
from tests.unit.registration_scenarios import activity_doc

FORM = {"name": "张三", "email": None, "organization": "沈阳分院"}


@pytest.fixture
def ports(store_settings, store_redis):
    return redis_ports(store_settings, store_redis)


def book(ports, aid: str, n: int, party: int = 1, channel: str | None = None) -> dict:
    """A booking; with ``channel`` the record carries it to reserve.lua, as the channel's use case
    sets it (never the client)."""
    if channel is None:
        return usecases.register(ports, aid, dict(FORM, phone=f"1390000{n:04d}", party_size=party))
    real = ports.seats.reserve

    def reserve(reg, *args, **kwargs):
        reg["channel"] = channel
        return real(reg, *args, **kwargs)

    ports.seats.reserve = reserve
    try:
        ports.seats.soldout.forget(aid)  # the public route's sold-out memory is not the channel's
        return usecases.register(ports, aid, dict(FORM, phone=f"1390000{n:04d}", party_size=party))
    finally:
        del ports.seats.reserve


def refused(ports, aid: str, n: int, **kw) -> str:
    with pytest.raises(v.Refusal) as err:
        book(ports, aid, n, **kw)
    return err.value.reason


def counts(ports, aid: str) -> dict:
    raw = ports.seats.redis.hgetall(ports.seats.keys.activity(aid))
    return {k.decode(): val.decode() for k, val in raw.items()}


def publish(ports, aid: str, **over) -> None:
    publishing.publish_activity(ports, activity_doc(ports, aid, **over))


def test_online_booking_cannot_take_the_window_quota_and_the_window_can(ports):
    publish(ports, "q1", capacity=5, waitlist={"enabled": False}, quotas={"window": {"seats": 2}})
    assert [book(ports, "q1", n)["status"] for n in (1, 2, 3)] == [v.CONFIRMED] * 3
    assert refused(ports, "q1", 4) == v.SOLD_OUT  # two seats are free, both kept for the window
    assert book(ports, "q1", 5, party=2, channel=v.CH_WINDOW)["status"] == v.CONFIRMED
    got = counts(ports, "q1")
    assert (got["taken"], got["quota:window"], got["quota_taken:window"]) == ("5", "0", "2")
    assert refused(ports, "q1", 6, channel=v.CH_WINDOW) == v.SOLD_OUT  # nothing left anywhere


def test_a_share_is_of_the_capacity_and_the_window_falls_back_to_open_seats(ports):
    publish(ports, "q2", capacity=10, waitlist={"enabled": False}, quotas={"window": {"share": 0.25}})
    assert counts(ports, "q2")["quota:window"] == "2"  # 25 % of 10, rounded down
    assert book(ports, "q2", 1, party=3, channel=v.CH_WINDOW)["status"] == v.CONFIRMED  # 3 > 2 kept
    got = counts(ports, "q2")
    assert (got["taken"], got["quota:window"]) == ("3", "2")  # from open seats, the quota untouched


def test_the_waitlist_never_takes_kept_seats(ports):
    publish(ports, "q3", capacity=3, quotas={"window": {"seats": 1}})
    assert [book(ports, "q3", n)["status"] for n in (1, 2, 3)] == [v.CONFIRMED, v.CONFIRMED, v.WAITLISTED]
    first = book(ports, "q3", 4)
    assert first["status"] == v.WAITLISTED
    holder = book(ports, "q3", 5, channel=v.CH_WINDOW)
    assert holder["status"] == v.CONFIRMED
    usecases.cancel(ports, holder["registration_id"], holder["manage_token"])
    got = counts(ports, "q3")
    assert (got["taken"], got["quota:window"], got["quota_taken:window"]) == ("2", "1", "0")
    waiting = ports.seats.get_registration(first["registration_id"])
    assert waiting["status"] == v.WAITLISTED  # the seat is kept again for the window, not promoted


def test_once_the_channels_time_has_come_its_seats_are_open_to_everyone(ports):
    long_ago = 24 * 30  # kept until 30 days before a start 3 days away: not kept any more
    publish(ports, "q4", capacity=2, waitlist={"enabled": False},
            quotas={"window": {"seats": 1, "release_before_h": long_ago}})  # fmt: skip
    assert [book(ports, "q4", n)["status"] for n in (1, 2)] == [v.CONFIRMED, v.CONFIRMED]
    assert counts(ports, "q4")["quota:window"] == "1"  # still set, no longer kept


def test_an_organizer_who_adds_a_quota_keeps_what_the_channel_booked(ports):
    publish(ports, "q5", capacity=6, waitlist={"enabled": False}, quotas={"window": {"seats": 3}})
    book(ports, "q5", 1, party=2, channel=v.CH_WINDOW)
    publishing.change_activity(ports, "q5", {"quotas": {"window": {"seats": 4}}})
    after = counts(ports, "q5")
    assert (after["quota_set:window"], after["quota:window"], after["quota_taken:window"]) == ("4", "2", "2")
