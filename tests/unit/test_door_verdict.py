"""Issue 26: the scanner judges before it prompts. ``POST /api/v1/checkins/verdict`` (the use case with
``Scan.peek``, ``admit.lua`` judging only) answers the verdict a scan would get and admits nobody,
and the scanner state carries who is in at every gate, so the offline judge agrees.

On the session's Redis (the real store and its Lua); the signer and the clock are the only
stand-ins.  The verdicts of every row, judged first, are in tests/integration/test_door_scenarios.py.
"""

from __future__ import annotations

from datetime import timedelta

import pytest

from services.checkin import vocabulary as V
from services.checkin.door.usecases import Refusal
from shared.auth import create_token
from tests.unit.door_world import AID, RID, T0, VENUE, DoorWorld, activity


@pytest.fixture
def w(store_settings, store_redis) -> DoorWorld:
    world = DoorWorld(store_settings, store_redis)
    world.put_activity(activity())
    return world


def _door(w: DoorWorld) -> tuple:
    """Everything an admission writes: counts per registration and gate, nonces, events."""
    nonces = w.redis.hgetall(w.store.k("nonce", AID))
    return w.admitted(), w.gates(), nonces, len(w.events())


def test_judging_a_party_partly_in_offers_only_the_rest_and_writes_nothing(w):
    w.put_registration(RID, party=3)
    code = w.sign(RID, 3)
    w.scan(code, "2号门", admit=1)
    before = _door(w)
    said = w.scan(code, "1号门", nonce="n-judge", peek=True)
    assert (said["admitted"], said["remaining"], said["admitted_total"], said["party_size"]) == (2, 2, 1, 3)
    assert _door(w) == before
    # The count the steward then confirms is admitted with the same nonce, once.
    got = w.scan(code, "1号门", nonce="n-judge", admit=2)
    assert (got["admitted"], got["remaining"]) == (2, 0)


def test_judging_a_released_party_refuses_at_once_and_records_it_once(w):
    w.put_registration(RID, party=2)
    w.release()
    with pytest.raises(Refusal) as err:
        w.scan(w.sign(RID, 2), peek=True)
    assert err.value.reason == V.SEAT_RELEASED
    assert w.denials() == [V.SEAT_RELEASED]  # the scanner shows it and sends nothing more
    assert w.admitted() == {}


def test_judging_a_party_in_at_another_gate_says_where_and_when(w):
    w.put_registration(RID, party=2)
    code = w.sign(RID, 2)
    w.scan(code, "2号门")
    w.clock.advance(minutes=4)
    with pytest.raises(Refusal) as err:
        w.scan(code, "1号门", peek=True)
    assert err.value.reason == V.ALREADY_CHECKED_IN
    assert (err.value.details["first_gate"], err.value.details["first_checked_in_at"]) == (
        "2号门",
        T0.isoformat(),
    )


def test_judging_a_reduced_party_counts_it_at_its_size_now(w):
    w.put_registration(RID, party=3)
    w.drop_member(RID, 2)
    said = w.scan(w.sign(RID, 3), peek=True)
    assert (said["party_size"], said["remaining"]) == (2, 2)


def test_the_scanner_state_names_who_is_in_at_every_gate(w):
    w.put_registration(RID, party=3)
    w.put_registration("other-party-xxxx", party=1)
    w.scan(w.sign(RID, 3), "2号门", admit=2)
    act = next(a for a in w.scanner_state("1号门")["activities"] if a["id"] == AID)
    assert act["admitted"] == {RID: {"n": 2, "at": T0.isoformat(), "gate": "2号门", "members": []}}


def _client(w: DoorWorld):
    w.scanner_state()  # builds the service once
    token = create_token(w.redis, w.settings.redis_prefix, "steward", "scanner", VENUE)
    return w._app, {"Authorization": f"Bearer {token}"}


def test_the_verdict_api_answers_without_admitting(w):
    w.put_registration(RID, party=3)
    code = w.sign(RID, 3)
    app, auth = _client(w)
    r = app.post("/api/v1/checkins/verdict", json={"code": code, "gate": "1号门"}, headers=auth)
    assert r.status_code == 200, r.get_json()
    body = r.get_json()
    assert (body["status"], body["admitted"], body["remaining"], body["party_size"]) == (V.OK, 3, 3, 3)
    assert "checkin_id" not in body
    assert w.admitted() == {}


def test_the_verdict_api_refuses_a_released_ticket_in_the_request_language(w):
    w.put_registration(RID, party=2)
    w.clock.set(T0 + timedelta(minutes=1))
    w.release()
    app, auth = _client(w)
    r = app.post(
        "/api/v1/checkins/verdict?lang=en", json={"code": w.sign(RID, 2), "gate": "1号门"}, headers=auth
    )
    assert r.status_code == 409
    assert (r.get_json()["reason"], r.get_json()["message"]) == (V.SEAT_RELEASED, "Seat released to standby")
    r = app.post("/api/v1/checkins/verdict", json={"code": w.sign(RID, 2), "gate": "1号门"}, headers=auth)
    assert r.get_json()["message"] == "座位已释放给现场候补"


def test_a_party_found_by_hand_is_judged_before_the_count_too(w):
    w.put_registration(RID, party=3)
    w.scan(w.sign(RID, 3), "2号门", admit=2)
    app, auth = _client(w)
    body = {"activity_id": AID, "registration_id": RID, "gate": "1号门"}
    r = app.post("/api/v1/checkins/found/verdict", json=body, headers=auth)
    assert r.status_code == 200, r.get_json()
    assert (r.get_json()["remaining"], r.get_json()["admitted_total"]) == (1, 2)
    assert w.admitted() == {RID: 2}
    w.release()
    r = app.post("/api/v1/checkins/found/verdict", json=body, headers=auth)
    assert (r.status_code, r.get_json()["reason"]) == (409, V.SEAT_RELEASED)


def test_the_verdict_api_refuses_unknown_fields(w):
    app, auth = _client(w)
    r = app.post(
        "/api/v1/checkins/verdict", json={"code": "SD1.x", "gate": "1号门", "admit_all": 1}, headers=auth
    )
    assert (r.status_code, r.get_json()["reason"]) == (422, V.VALIDATION_FAILED)
