"""How many Redis round trips a registration answer costs (issue 18 §4), against real Redis.

A round trip is one write of commands to a Redis socket (a pipeline of any length is one), counted
in this process.  Before the seat script a registration makes at most two (checks.py): the
session, the address's limit and the body phone's no-show marks; then the verified phone's and
the IDs' limits and the other holders' marks.  A count, never a timing.
"""

from __future__ import annotations

import time

import pytest
from redis.connection import Connection

from services.registration.access.identity import id_hash
from services.registration.app import create_app
from services.registration.noshow import record as noshow
from services.registration.seats.store import SeatStore
from tests.fair_support import bearer, member, seed_session
from tests.integration.test_fair_registration import make, org, refused, register

TRIPS = {"n": 0}


@pytest.fixture(autouse=True)
def count_trips(monkeypatch):
    # On the class redis-py connects with (TCP), not its base: another module may already have
    # wrapped it there (bench.door_roundtrips does, for good), which would hide a wrapper on the base.
    real = Connection.send_packed_command

    def counted(self, command, check_health=True):
        TRIPS["n"] += 1
        return real(self, command, check_health)

    monkeypatch.setattr(Connection, "send_packed_command", counted)
    # The activity document is cached for a second per process; a slow machine must not make
    # the counted request the one that reads it again.
    monkeypatch.setattr(SeatStore.activity_doc, "__defaults__", (3600.0,))


def fair_app(settings, redis, **over):
    limits = {"rate_limit_ip_per_min": 0, "rate_limit_phone_per_min": 0, **over}
    return create_app(settings.with_overrides(require_verified_phone=1, **limits), redis_client=redis)


@pytest.fixture
def client(settings, redis):
    return fair_app(settings, redis).test_client()


@pytest.fixture
def session(redis, settings):
    return lambda phone: bearer(seed_session(redis, settings.redis_prefix, phone))


def trips_of(send) -> tuple[int, object]:
    before = TRIPS["n"]
    resp = send()
    return TRIPS["n"] - before, resp


def test_a_201_with_the_phone_in_the_body_costs_two_round_trips(client, org, session):
    make(client, org, aid="rt-open", real_name=False)
    assert register(client, session("13800000001"), "rt-open", [], phone="13800000001").status_code == 201
    headers = session("13800000002")
    trips, resp = trips_of(lambda: register(client, headers, "rt-open", [], phone="13800000002"))
    assert resp.status_code == 201, resp.get_json()
    assert trips == 2  # the session with the phone's marks; the seat script


def test_a_201_without_a_body_phone_reads_the_marks_in_a_second_round_trip(client, org, session):
    make(client, org, aid="rt-page", real_name=False)
    assert register(client, session("13800000001"), "rt-page", []).status_code == 201
    headers = session("13800000002")
    trips, resp = trips_of(lambda: register(client, headers, "rt-page", []))
    assert resp.status_code == 201, resp.get_json()
    assert trips == 3


def test_a_real_name_party_of_four_costs_five_round_trips_then_four(client, org, session):
    make(client, org, aid="rt-real")
    make(client, org, aid="rt-real-2")
    assert register(client, session("13800000001"), "rt-real", [member(1)]).status_code == 201
    party = [member(i) for i in range(10, 14)]
    headers = session("13800000002")
    trips, resp = trips_of(lambda: register(client, headers, "rt-real", party, phone="13800000002"))
    assert resp.status_code == 201, resp.get_json()
    # session + marks; the four IDs' limits and marks; the real-name cache read (issue 23); the
    # four confirmations remembered; the seat script
    assert trips == 5
    assert register(client, session("13800000003"), "rt-real-2", [member(2)]).status_code == 201
    trips, resp = trips_of(lambda: register(client, headers, "rt-real-2", party, phone="13800000002"))
    assert resp.status_code == 201, resp.get_json()
    assert trips == 4  # the four are remembered: no call to the authority, nothing to write


def test_with_every_limit_on_a_201_still_costs_three(settings, redis, org, session):
    client = fair_app(settings, redis, rate_limit_ip_per_min=6, rate_limit_phone_per_min=6).test_client()
    make(client, org, aid="rt-limits", real_name=False)
    assert register(client, session("13800000001"), "rt-limits", [], phone="13800000001").status_code == 201
    headers = session("13800000002")
    trips, resp = trips_of(lambda: register(client, headers, "rt-limits", [], phone="13800000002"))
    assert resp.status_code == 201, resp.get_json()
    assert trips == 3  # session + address + marks; the phone's limit; the seat script


def test_a_locked_member_is_refused_from_the_second_round(client, org, session, settings, redis):
    """A member's ID is known only after the first round: its marks come with the IDs' limits."""
    make(client, org, aid="rt-locked")
    app = client.application
    holder = "id:" + id_hash(app.extensions["sciday.hmac"], "resident_id", member(21)["id_number"])
    policy = noshow.Policy.from_settings(settings)
    at = time.time() - 3600
    marks = [noshow.Mark(f"r{i}:0", holder, f"r{i}", "other", "not_admitted", at + i) for i in range(3)]
    noshow.record_marks(app.extensions["sciday.noshow"], marks[: policy.marks_to_lock], policy)
    resp = register(client, session("13800000003"), "rt-locked", [member(20), member(21)])
    assert refused(resp, 409) == "noshow_locked"
    assert redis.hlen(f"{settings.redis_prefix}act:{{rt-locked}}:regs") == 0


def test_a_redis_that_forgot_its_scripts_still_counts_the_limits(settings, redis, org, session):
    client = fair_app(settings, redis, rate_limit_ip_per_min=6).test_client()
    make(client, org, aid="rt-flush", real_name=False)
    assert register(client, session("13800000001"), "rt-flush", [], phone="13800000001").status_code == 201
    redis.script_flush()  # as after a restart: the pipelined EVALSHA meets NOSCRIPT
    resp = register(client, session("13800000002"), "rt-flush", [], phone="13800000002")
    assert resp.status_code == 201, resp.get_json()
    counted = [k for k in redis.scan_iter(f"{settings.redis_prefix}rl:ip:*")]
    assert len(counted) == 1 and redis.zcard(counted[0]) == 2
