"""Issue 18, the door: how many Redis round trips one verdict makes, counted (never timed) on
real Redis with the real check-in app: the token, the rate limit and the projection's reads, then
one atomic step. ``python -m bench.door_roundtrips`` prints the same counts with CPU."""

from __future__ import annotations

import pytest

from bench.door_roundtrips import AID, CASES, door_world, measure
from shared.tickets import peek

# token + projection (one pipeline), the token's rate limit, admit.lua (gate plan inside);
# a bad signature: token, rate limit, the recorded denial; a standby ticket also reads the plan.
EXPECTED = {
    "first admission": 3,
    "repeat (already_checked_in)": 3,
    "bad signature": 3,
    "wrong gate": 3,
    "standby SB1.": 4,
    "unseen ticket": 3,  # noted in admit.lua (was a read and a write after it)
}


@pytest.fixture
def world(settings, redis):
    w = door_world(settings, redis)
    for case in CASES:  # a new app loads its scripts on first use (NOSCRIPT, then SCRIPT LOAD)
        measure(w, case, 1)
    return w


@pytest.mark.parametrize("case", CASES)
def test_a_verdict_makes_a_known_number_of_round_trips(world, case):
    got = measure(world, case, 3)  # also asserts each scan's HTTP status
    assert got["round_trips"] == [EXPECTED[case]], got


def test_an_unseen_ticket_is_noted_in_the_same_step(world, settings, redis):
    code = world.ticket(projected=False)
    assert world.scan(code).status_code == 201
    rid = peek(code).registration_id
    assert redis.sismember(f"{settings.redis_prefix}ck:unseen:{{{AID}}}", rid)


def test_the_token_is_still_checked_first(world):
    """The read-ahead never lets a scan past a wrong token (401), whatever the code says."""
    code = world.ticket()
    resp = world.client.post(
        "/api/v1/checkins",
        json={"code": code, "gate": "1号门"},
        headers={"Authorization": "Bearer sd_forged"},
    )
    assert resp.status_code == 401 and resp.get_json()["reason"] == "unauthorized"
    assert world.scan(code).status_code == 201  # not admitted by the refused request
