"""On-site standby on real Redis: release once at start + grace, the door refusing released seats,
calling in order with no seat given twice (several callers at once), and admitting a number."""

from __future__ import annotations

import json
import threading
from datetime import datetime

from services.checkin.standby import usecases as sb
from services.checkin.standby.store import StandbyStore
from shared import internal, sealed
from shared.envelope import decode
from shared.events import validate_data
from shared.outbox import stream_key
from tests.integration.test_checkin_api import door, soon, verdict

POLICY = sb.Policy(opens_before_min=60, release_grace_min=10, max_party_size=4)


def due(activity: dict) -> float:
    return sb.release_due_at(activity, POLICY)


def events(redis, settings, kind):
    out = [decode(f[b"envelope"]) for _id, f in redis.xrange(stream_key(settings, "ck:outbox"))]
    for e in out:
        validate_data(e["type"], e["version"], e["data"])
    return [e for e in out if e["type"] == kind]


def join_all(store, aid, sizes, now):
    return [
        sb.join(store, aid, phone_hash=f"h{i}", phone_masked="139****0000", phone_sealed=f"SX1.notify.1.p{i}", party_size=s, locale="zh-CN", now=now,
                policy=POLICY)["number"]
        for i, s in enumerate(sizes)
    ]  # fmt: skip


def test_unscanned_seats_are_released_once_and_refused_at_the_door(door, settings, redis):
    doc = soon("sb-imax")
    door.activity(doc)
    full, part, absent = (
        door.register("sb-imax", f"1380000000{i}", party=p) for i, p in enumerate([4, 2, 3])
    )
    door.project()
    verdict(door.scan(full["ticket"]["code"]), 201)
    verdict(door.scan(part["ticket"]["code"], admit=1), 201)
    store = StandbyStore(redis, settings)
    activity = store.activity("sb-imax")
    first = sb.release(store, "sb-imax", now=due(activity), occurred_at=doc["starts_at"], policy=POLICY)
    assert (first["released"], first["registrations"]) == (1 + 3, 2)
    again = sb.release(store, "sb-imax", now=due(activity) + 60, occurred_at=doc["starts_at"], policy=POLICY)
    assert (again["released"], again["replayed"]) == (4, True)
    assert verdict(door.scan(absent["ticket"]["code"]), 409)["reason"] == "seat_released"
    assert verdict(door.scan(part["ticket"]["code"]), 409)["reason"] == "seat_released"
    released = events(redis, settings, "StandbySeatsReleased")
    assert len(released) == 1
    assert sorted(released[0]["data"]["registrations"]) == sorted(
        [part["registration_id"], absent["registration_id"]]
    )


def test_standby_is_called_in_order_and_a_called_number_is_admitted(door, settings, redis):
    door.activity(soon("sb-call"))
    door.register("sb-call", "13800000001", party=4)
    door.project()
    store = StandbyStore(redis, settings)
    activity = store.activity("sb-call")
    numbers = join_all(store, "sb-call", [2, 3, 1, 1], now=due(activity) - 1200)
    assert numbers == [1, 2, 3, 4]
    sb.release(store, "sb-call", now=due(activity), occurred_at="2027-01-01T00:00:00+08:00", policy=POLICY)
    called = sb.call(store, "sb-call", occurred_at="2027-01-01T00:10:00+08:00")
    assert [c["number"] for c in called] == [1, 3, 4]  # number 2 (3 people) no longer fits
    assert store.board("sb-call")["called"] == [4, 3, 1]
    assert store.board("sb-call")["waiting"] == 1
    assert sb.admit(store, "sb-call", 1, gate="1号门", at="t")["party_size"] == 2
    assert (
        door.ck.get("/api/v1/activities/sb-call/attendance", headers=door.steward).get_json()["checked_in"]
        == 2
    )
    assert [e["data"]["number"] for e in events(redis, settings, "StandbyCalled")] == [1, 3, 4]


def test_several_callers_at_once_never_give_a_seat_twice(settings, redis):
    store = StandbyStore(redis, settings)
    aid = "sb-race"
    now = datetime.now().astimezone()
    act = {"id": aid, "starts_at": now.isoformat(), "ends_at": now.isoformat(), "status": "scheduled"}
    redis.hset(store.projection.act_key(aid), "doc", json.dumps(act))
    for i in range(10):  # 10 confirmed parties of 3, nobody came: 30 seats
        rec = {"registration_id": f"r{i}", "party_size": 3, "status": "confirmed"}
        redis.hset(store.projection.regs_key(aid), f"r{i}", json.dumps(rec))
    sizes = [(i % 4) + 1 for i in range(40)]
    for i, s in enumerate(sizes):
        store.join(aid, f"h{i}", {"party_size": s, "phone_sealed": f"SX1.notify.1.p{i}", "locale": "en"})
    store.release(aid, now.isoformat())
    got, barrier = [], threading.Barrier(8)

    def steward():
        barrier.wait()
        for _ in range(10):
            got.extend(store.call(aid, 1, now.isoformat()))

    threads = [threading.Thread(target=steward) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    numbers = [c["number"] for c in got]
    assert len(numbers) == len(set(numbers))
    assert sum(c["party_size"] for c in got) <= 30
    # The same greedy rule, applied once in order, gives the same set of numbers.
    free, expected = 30, []
    for n, s in enumerate(sizes, 1):
        if s <= free:
            expected.append(n)
            free -= s
    assert sorted(numbers) == expected
    assert store.board(aid)["seats_free"] == free


def test_the_http_edge_answers_refusals_in_the_error_shape(door):
    door.activity(soon("sb-http"))
    door.register("sb-http", "13800000001", party=2)
    door.project()
    base = "/api/v1/activities/sb-http/standby"
    early = door.ck.post(f"{base}/release", headers=door.org)
    body = verdict(early, 409)
    assert (body["status"], body["reason"]) == ("error", "release_not_due")
    assert body["message"].startswith("尚未到释放座位的时间")
    other = door.bearer("steward", "别馆", "other-venue")
    assert verdict(door.ck.post(f"{base}/calls", json={}, headers=other), 403)["reason"] == "forbidden"
    assert verdict(door.ck.post(f"{base}/calls", json={}, headers=door.steward), 201) == []
    bad = door.ck.post(f"{base}/admissions", json={"number": 9, "gate": "1号门"}, headers=door.steward)
    assert verdict(bad, 404)["reason"] == "unknown_number"
    assert verdict(
        door.ck.post(f"{base}/admissions", json={"number": 0, "gate": "g"}, headers=door.steward), 422
    )
    assert verdict(door.ck.get(base), 200)["called"] == []
    assert verdict(door.ck.get("/api/v1/activities/nope/standby"), 404)["reason"] == "unknown_activity"
    assert door.ck.get("/standby/nope/screen").status_code == 404
    # Joining takes a phone verified by registration (a signed call); the phone as given is refused.
    assert door.ck.post(f"{base}/entries", json={"phone": "13900000001", "party_size": 2}).status_code == 404

    def join(phone, party):
        sealed_phone = sealed.sealer(door.settings, sealed.NOTIFY).seal({"phone": phone})
        body = json.dumps({"phone": phone, "phone_sealed": sealed_phone, "party_size": party}).encode()
        url = "/internal/v1/activities/sb-http/standby/entries"
        headers = internal.headers(internal.key_of(door.settings), "POST", url, body)
        return door.ck.post(url, data=body, headers=headers)

    assert verdict(join("13900000001", 2), 201) == {"number": 1, "replayed": False}
    assert verdict(join("13900000001", 2), 201) == {"number": 1, "replayed": True}
    assert verdict(join("13900000002", 9), 422)["reason"] == "party_too_large"


def test_a_release_with_every_seat_scanned_publishes_an_empty_list(door, settings, redis):
    """Lua's cjson turns `[]` into `{}`; the event's schema wants a list, so a release with nothing
    to release must still publish `"registrations": []` (else consumers park it as poison)."""
    doc = soon("sb-full")
    door.activity(doc)
    came = door.register("sb-full", "13800000001", party=2)
    door.project()
    verdict(door.scan(came["ticket"]["code"]), 201)
    store = StandbyStore(redis, settings)
    done = sb.release(
        store, "sb-full", now=due(store.activity("sb-full")), occurred_at=doc["starts_at"], policy=POLICY
    )
    assert (done["released"], done["registrations"]) == (0, 0)
    (released,) = events(redis, settings, "StandbySeatsReleased")  # events() validates each schema
    assert released["data"]["registrations"] == []
