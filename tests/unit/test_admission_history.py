"""Issue 26: a supervisor finds a past admission made on another device and undoes it with a
reason (services/checkin/door/history.py, usecases.undo, undo.lua) on the session's Redis: the
counts drop, the reason is recorded, counted and audited in the same step."""

from __future__ import annotations

from datetime import timedelta

import pytest

from services.checkin import vocabulary as V
from services.checkin.door import history, usecases
from services.checkin.door.history_store import HistoryReads
from services.checkin.door.usecases import Refusal, Staff
from shared.envelope import decode
from tests.unit.fakes_checkin import T0, VENUE
from tests.unit.test_door_rules import World

SUPERVISOR = Staff("值班主管", VENUE, "token-hash-s")
ELSEWHERE = Staff("外馆主管", "other-venue", "token-hash-o")
EAST = Staff("东门机", VENUE, "token-hash-e")  # the device that admitted


@pytest.fixture
def w(store_settings, store_redis) -> World:
    return World(store_settings, store_redis)


def found(w, staff=SUPERVISOR, **query) -> list[dict]:
    return history.search(
        history.Search(**query), staff, past=HistoryReads(w.store), tickets=w.tickets, clock=w.clock
    )


def two_admissions(w) -> tuple[str, str]:
    """Two parties admitted by the east gate's device at T0 and T0 + 5 min."""
    w.put_registration("r1", party=3, aid="imax-0530", name="陈科", phone_masked="137****0031")
    w.put_registration("r2", party=2, aid="imax-0530", name="林慧", phone_masked="137****0042")
    first = w.scan(w.tickets.add(_ticket("r1", 3)), gate="东门", staff=EAST)["checkin_id"]
    w.clock.advance(minutes=5)
    second = w.scan(w.tickets.add(_ticket("r2", 2)), gate="西门", staff=EAST)["checkin_id"]
    return first, second


def undo_with(w, cid: str, staff: Staff, reason: str, note: str = "") -> dict:
    return usecases.undo(cid, staff, door=w.store, clock=w.clock, reason=reason, note=note)


def _ticket(rid: str, party: int):
    from tests.unit.fakes_checkin import ticket

    return ticket(rid, party=party)


def test_a_supervisor_finds_another_devices_admission_and_undoes_it_with_a_reason(w):
    first, _ = two_admissions(w)
    hits = found(w, last4="0031", name="陈科")
    assert [h["checkin_id"] for h in hits] == [first]
    assert (hits[0]["staff"], hits[0]["gate"], hits[0]["admitted"], hits[0]["name_masked"]) == (
        "东门机",
        "东门",
        3,
        "陈*",
    )
    before = w.store.attendance("imax-0530")
    out = undo_with(w, first, SUPERVISOR, V.UNDO_REASONS[1])  # wrong_count
    assert (out["reverted"], out["reason"], out["checked_in"]) == (3, "wrong_count", before["checked_in"] - 3)
    after = w.store.attendance("imax-0530")
    assert after["checked_in"] == before["checked_in"] - 3
    assert after["undone"] == 3 and after["gates"].get("东门", 0) == 0
    shown = found(w, ticket=first)[0]  # a check-in id (or its start) finds it too
    assert (shown["reverted"], shown["reverted_by"], shown["undo_reason"]) == (
        True,
        "值班主管",
        "wrong_count",
    )
    audit = w.redis.xrange(w.store.k("undos", "imax-0530"))
    assert [(f[b"checkin_id"].decode(), f[b"by"].decode(), f[b"reason"].decode()) for _i, f in audit] == [
        (first, "值班主管", "wrong_count")
    ]
    reverted = [decode(f[b"envelope"]) for _i, f in w.redis.xrange(w.store.outbox)][-1]
    assert (reverted["type"], reverted["data"]["reason"]) == (V.CHECKIN_REVERTED, "wrong_count")


def test_other_needs_a_note_and_changes_nothing_without_one(w):
    first, _ = two_admissions(w)
    with pytest.raises(Refusal) as err:
        undo_with(w, first, SUPERVISOR, V.UNDO_OTHER, note="  ")
    assert err.value.reason == V.UNDO_NOTE_REQUIRED
    assert w.store.attendance("imax-0530")["checked_in"] == 5
    out = undo_with(w, first, SUPERVISOR, V.UNDO_OTHER, note="家长带错孩子")
    assert out["reverted"] == 3
    assert found(w, gate="东门")[0]["undo_note"] == "家长带错孩子"


def test_another_venues_supervisor_finds_nothing_and_may_not_undo(w):
    first, _ = two_admissions(w)
    assert found(w, staff=ELSEWHERE) == []
    with pytest.raises(Refusal) as err:
        undo_with(w, first, ELSEWHERE, V.UNDO_REASONS[0])
    assert (err.value.reason, err.value.variant) == (V.FORBIDDEN, V.OTHER_VENUE)
    assert w.store.attendance("imax-0530")["checked_in"] == 5


def test_the_gate_the_time_range_and_the_ticket_narrow_the_search(w):
    first, second = two_admissions(w)
    assert [h["checkin_id"] for h in found(w)] == [second, first]  # newest first
    assert [h["checkin_id"] for h in found(w, gate=" 西门 ")] == [second]
    assert [h["checkin_id"] for h in found(w, until=T0 + timedelta(minutes=1))] == [first]
    assert found(w, since=T0 + timedelta(minutes=6)) == []
    assert [h["checkin_id"] for h in found(w, ticket="SD1.r2")] == [second]
    assert [h["checkin_id"] for h in found(w, name="林慧")] == [second]
    with pytest.raises(Refusal) as err:
        found(w, ticket="SD1.forged")
    assert err.value.reason == V.INVALID


def test_a_bare_undo_is_the_scanners_and_keeps_its_answer(w):
    first, _ = two_admissions(w)
    out = w.undo(first)
    assert (out["status"], out["reverted"], out["reason"]) == (V.OK, 3, V.UNDO_AT_SCANNER)
    with pytest.raises(Refusal) as err:
        undo_with(w, first, SUPERVISOR, V.UNDO_REASONS[0])
    assert err.value.reason == V.ALREADY_REVERTED
    assert w.store.attendance("imax-0530")["undone"] == 3  # counted once


# -- over HTTP: GET /api/v1/admissions and the undo's body ------------------------------------------
@pytest.fixture
def http(w):
    from services.checkin.app import create_app
    from shared.auth import create_token

    client = create_app(w.settings, redis_client=w.redis).test_client()

    def as_role(role: str, venue: str | None = VENUE) -> dict:
        token = create_token(w.redis, w.settings.redis_prefix, role, f"e2e {role}", venue)
        return {"Authorization": f"Bearer {token}", "Accept-Language": "en"}

    return client, as_role


def test_the_api_is_for_supervisors_and_says_why_it_refuses(w, http):
    client, as_role = http
    first, _ = two_admissions(w)
    since = (T0 - timedelta(hours=1)).isoformat()
    assert client.get("/api/v1/admissions", headers=as_role("steward")).status_code == 403
    got = client.get("/api/v1/admissions", query_string={"since": since, "last4": "0031"},
                     headers=as_role("supervisor"))  # fmt: skip
    assert got.status_code == 200 and [a["checkin_id"] for a in got.get_json()["admissions"]] == [first]
    bad = client.get("/api/v1/admissions", query_string={"last4": "12"}, headers=as_role("supervisor"))
    assert (bad.status_code, bad.get_json()["reason"]) == (422, V.VALIDATION_FAILED)
    undo = f"/api/v1/checkins/{first}/undo"
    odd = client.post(undo, json={"reason": "because"}, headers=as_role("supervisor"))
    assert (odd.status_code, odd.get_json()["reason"]) == (422, V.VALIDATION_FAILED)
    bare = client.post(undo, json={"reason": V.UNDO_OTHER}, headers=as_role("supervisor"))
    assert (bare.status_code, bare.get_json()["reason"]) == (422, V.UNDO_NOTE_REQUIRED)
    assert bare.get_json()["message"] == "Say in a note why this check-in is undone"
    done = client.post(undo, json={"reason": "not_entered"}, headers=as_role("supervisor"))
    assert (done.status_code, done.get_json()["reason"], done.get_json()["checked_in"]) == (
        200,
        "not_entered",
        2,
    )


def test_the_scanners_bare_undo_still_works(w, http):
    client, as_role = http
    _, second = two_admissions(w)
    done = client.post(f"/api/v1/checkins/{second}/undo", headers=as_role("supervisor"))
    assert (done.status_code, done.get_json()["reason"], done.get_json()["reverted"]) == (
        200,
        "at_scanner",
        2,
    )


def test_a_rebuild_from_the_events_keeps_why_an_admission_was_undone(w):
    """``sciday rebuild checkin`` (readmit.lua) counts the undo and keeps its reason, as undo.lua did."""
    from services.checkin.door.readmit import Admissions

    first, _ = two_admissions(w)
    undo_with(w, first, SUPERVISOR, V.UNDO_REASONS[2])  # not_entered
    events = [decode(f[b"envelope"]) for _i, f in w.redis.xrange(w.store.outbox)]
    w.redis.delete(
        *[w.store.k(n, "imax-0530") for n in ("adm", "first", "gates", "arrivals", "checkins", "stats")]
    )
    assert Admissions(w.redis, w.settings).replay(events) == len(events) - 3  # two recorded, one reverted
    assert w.store.attendance("imax-0530")["undone"] == 3
    assert found(w, ticket=first)[0]["undo_reason"] == "not_entered"
