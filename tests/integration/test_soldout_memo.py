"""The sold-out memory (services/registration/seats/soldout.py) against real Redis.

Proof that an answer came from memory is Redis's own count of EVALSHA calls (INFO commandstats):
a refusal from memory sends no script.
"""

from __future__ import annotations

import pytest

from services.registration.app import create_app
from tests.conftest import wait_for
from tests.integration.test_registration_api import make_activity, org, reason, register


@pytest.fixture
def app(settings, redis):
    return create_app(
        settings.with_overrides(rate_limit_ip_per_min=0, rate_limit_phone_per_min=0, soldout_memo_ms=60_000)
    )  # long, so timing never matters


@pytest.fixture
def client(app):
    return app.test_client()


SCRIPT_CALLS = {"n": 0}


@pytest.fixture(autouse=True)
def count_scripts(monkeypatch):
    """Count the Lua scripts this process runs.  The server's own counter (commandstats) also
    counts every other process on the shared test Redis (a session stack's workers), which made
    the tests fail by one now and then."""
    from redis.commands.core import ScriptCommands

    real = ScriptCommands.evalsha

    def counted(self, *args, **kwargs):
        SCRIPT_CALLS["n"] += 1
        return real(self, *args, **kwargs)

    monkeypatch.setattr(ScriptCommands, "evalsha", counted)


def scripts_run(redis) -> int:
    return SCRIPT_CALLS["n"]


def counts(redis, settings, aid):
    return {
        k.decode(): int(v)
        for k, v in redis.hgetall(f"{settings.redis_prefix}act:{{{aid}}}").items()
        if k in (b"taken", b"turned_away")
    }


def test_after_sold_out_larger_parties_are_refused_without_a_script_and_still_counted(
    client, org, redis, settings, app
):
    make_activity(client, org, "memo-a", capacity=5, waitlist={"enabled": False, "max_length": 0})
    assert register(client, "memo-a", "13800000001", party=3).status_code == 201
    assert reason(register(client, "memo-a", "13800000002", party=4), 409) == "sold_out"  # the script says so
    before = scripts_run(redis)
    for i in range(10):  # parties of 3 and 4 cannot fit into the 2 open seats
        assert reason(register(client, "memo-a", f"1380000010{i}", party=3 + i % 2), 409) == "sold_out"
    assert scripts_run(redis) == before, "a refusal from memory must not run the seat script"
    # A party of 2 may still fit: it goes to the script and gets the last seats.
    assert register(client, "memo-a", "13800000200", party=2).status_code == 201
    assert scripts_run(redis) > before
    # The people refused from memory reach turned_away (4 by the script + 35 from memory).
    app.extensions["sciday.seats"].soldout.flush()
    assert counts(redis, settings, "memo-a") == {"taken": 5, "turned_away": 4 + 5 * 3 + 5 * 4}


def sold_out_activity(client, org, aid):
    """A one-seat activity, taken; the next attempt is refused by the script (memory now set)."""
    make_activity(client, org, aid, capacity=1, waitlist={"enabled": False, "max_length": 0})
    assert register(client, aid, "13800000001").status_code == 201
    assert reason(register(client, aid, "13800000002"), 409) == "sold_out"


def test_the_flush_thread_writes_turned_away_by_itself(client, org, redis, settings):
    sold_out_activity(client, org, "memo-f")
    for i in range(7):
        assert reason(register(client, "memo-f", f"1380000030{i}"), 409) == "sold_out"
    wait_for(
        lambda: counts(redis, settings, "memo-f")["turned_away"] == 8,
        timeout=10,
        what="the flush thread to add the 7 refused from memory",
    )


def test_a_cancellation_in_this_process_opens_the_seat_at_once(client, org, redis):
    make_activity(client, org, "memo-c", capacity=2, waitlist={"enabled": False, "max_length": 0})
    first = register(client, "memo-c", "13800000001", party=2).get_json()
    assert reason(register(client, "memo-c", "13800000002", party=1), 409) == "sold_out"
    token = first["manage_url"].split("t=")[1]
    r = client.delete(f"/api/v1/registrations/{first['registration_id']}", headers={"X-Manage-Token": token})
    assert r.status_code == 200, r.get_json()
    assert register(client, "memo-c", "13800000002", party=1).status_code == 201  # not 0.5 s later


def test_raising_capacity_in_this_process_opens_seats_at_once(client, org):
    sold_out_activity(client, org, "memo-r")
    r = client.patch("/api/v1/activities/memo-r", json={"capacity": 3}, headers=org)
    assert r.status_code == 200, r.get_json()
    assert register(client, "memo-r", "13800000002").status_code == 201


def test_an_idempotent_retry_of_a_201_gets_its_registration_not_sold_out(client, org, redis):
    make_activity(client, org, "memo-i", capacity=1, waitlist={"enabled": False, "max_length": 0})
    key = {"Idempotency-Key": "retry-after-a-lost-answer"}
    first = register(client, "memo-i", "13800000001", headers=key)
    assert first.status_code == 201
    assert reason(register(client, "memo-i", "13800000002"), 409) == "sold_out"  # memory is now set
    again = register(client, "memo-i", "13800000001", headers=key)
    assert (
        again.status_code == 201
        and again.get_json()["registration_id"] == first.get_json()["registration_id"]
    )


def test_memory_expires(settings, redis, org):
    app = create_app(
        settings.with_overrides(rate_limit_ip_per_min=0, rate_limit_phone_per_min=0, soldout_memo_ms=200)
    )
    client = app.test_client()
    now = [1000.0]
    app.extensions["sciday.seats"].soldout.clock = lambda: now[0]  # no sleeping through the memo
    sold_out_activity(client, org, "memo-e")
    now[0] += 0.15  # within the 200 ms: answered from memory
    before = scripts_run(redis)
    assert reason(register(client, "memo-e", "13800000004"), 409) == "sold_out"
    assert scripts_run(redis) == before
    now[0] += 0.1  # past it
    before = scripts_run(redis)
    assert reason(register(client, "memo-e", "13800000003"), 409) == "sold_out"
    assert scripts_run(redis) == before + 1  # asked the script again


def test_when_nothing_is_left_the_body_is_not_even_parsed(client, org, redis, settings, app):
    sold_out_activity(client, org, "memo-b")  # one seat, taken: no party of any size fits
    before = scripts_run(redis)
    assert reason(register(client, "memo-b", "not-a-phone", party=3), 409) == "sold_out"
    assert reason(register(client, "memo-b", "13800000401", party=99), 409) == "sold_out"  # counted as 1
    r = client.post(
        "/api/v1/activities/memo-b/registrations", data=b"{broken", content_type="application/json"
    )
    assert reason(r, 409) == "sold_out"  # counted as 1
    assert scripts_run(redis) == before
    app.extensions["sciday.seats"].soldout.flush()
    assert counts(redis, settings, "memo-b") == {"taken": 1, "turned_away": 1 + 3 + 1 + 1}
    # Other endpoints and unknown activities are untouched by it.
    assert reason(register(client, "no-such-activity"), 404) == "unknown_activity"
