"""The no-show record wired end to end, on real Redis and the real broker: the worker's consumer
counts who came (each check-in once, however often it is delivered), two sweepers racing make each
mark once, registration refuses the locked phone, 我的报名 shows the record, and a late
cancellation of a real-name party marks the members' IDs."""

from __future__ import annotations

import threading
from datetime import UTC, datetime

import pytest

from services.registration.noshow.flow import ts
from services.registration.noshow.worker import GROUP, TOPICS, Sweeps, build_flow, sweep_due
from shared.consumer import ConsumerLoop
from shared.envelope import decode, encode, new_event
from shared.kafka import make_producer
from shared.outbox import stream_key
from shared.topics import ensure_topics
from tests.conftest import activity_doc, wait_for
from tests.fair_support import member, seed_session
from tests.integration.test_checkin_api import door, soon, verdict

P, Q = "13800000001", "13800000002"


@pytest.fixture
def topics(settings):
    ensure_topics(settings.kafka_bootstrap_servers, settings.topic_prefix)


def outbox(redis, settings, kind):
    envs = (decode(f[b"envelope"]) for _id, f in redis.xrange(stream_key(settings)))
    return [e for e in envs if e["type"] == kind]


def came(aid, rid, checkin_id):
    data = {
        "registration_id": rid,
        "gate": "1号门",
        "checkin_id": checkin_id,
        "admitted": 1,
        "admitted_total": 1,
        "party_size": 1,
        "checked_in_at": datetime.now(UTC).isoformat(),
    }
    return new_event("CheckinRecorded", aid, data, source="checkin")


def test_marks_are_made_once_under_redelivery_and_two_sweepers_and_the_lock_is_enforced(
    door, settings, redis, topics
):
    seats = door.reg.application.extensions["sciday.seats"]
    flow = build_flow(door.settings, redis, seats)
    aids, present = ["ns-a1", "ns-a2", "ns-a3"], {}
    for aid in aids:
        door.activity(activity_doc(aid))
        door.register(aid, P, party=2)  # P never comes
        present[aid] = door.register(aid, Q, party=1)["registration_id"]  # Q comes to each
    producer = make_producer(settings)
    for aid in aids:
        env = came(aid, present[aid], f"c-{aid}")
        for copy in (env, env, dict(env, event_id=f"{env['event_id']}-resent")):  # redelivered, re-sent
            producer.send(settings.topic_prefix + "checkin-events", key=aid.encode(), value=encode(copy))
    producer.flush(timeout=10)
    producer.close()
    loop = ConsumerLoop(settings, GROUP, TOPICS, flow.handle, redis)
    thread = threading.Thread(target=loop.run, daemon=True)
    thread.start()
    try:
        wait_for(
            lambda: all(flow.admissions.admitted(a) == {present[a]: 1} for a in aids),
            what="each check-in counted once",
        )
    finally:
        loop.stopping = True
        thread.join(15)
    after = max(ts(seats.activity_doc(a)["ends_at"]) for a in aids) + flow.policy.grace_min * 60
    before = after - flow.policy.grace_min * 60 - 1
    assert sweep_due(flow, seats, Sweeps(redis, settings.redis_prefix, 300), now=before) == {}
    swept, barrier = [], threading.Barrier(2)

    def sweeper():
        barrier.wait()
        swept.append(sweep_due(flow, seats, Sweeps(redis, settings.redis_prefix, 300), now=after))

    workers = [threading.Thread(target=sweeper) for _ in range(2)]
    for w in workers:
        w.start()
    for w in workers:
        w.join(30)
    merged = {aid: n for got in swept for aid, n in got.items()}
    assert merged == dict.fromkeys(aids, 1), swept  # P's one mark per activity, none for Q
    assert sweep_due(flow, seats, Sweeps(redis, settings.redis_prefix, 300), now=after + 60) == {}
    marked = outbox(redis, settings, "NoShowMarked")
    assert len(marked) == 3 and len({e["data"]["mark_id"] for e in marked}) == 3
    # The third mark locks P: registration refuses, with the lock's end.
    door.activity(activity_doc("ns-a4"))
    r = door.reg.post(
        "/api/v1/activities/ns-a4/registrations",
        json={"name": "张三丰", "phone": P, "organization": "科学院", "party_size": 1},
    )
    body = verdict(r, 409)
    assert body["reason"] == "noshow_locked" and body["detail"]["locked_until"] > after
    door.register("ns-a4", Q, party=1)  # Q came every time: not locked
    # 我的报名 shows P the record and the lock's end date.
    token = seed_session(redis, door.settings.redis_prefix, P)
    mine = door.reg.get("/api/v1/me/registrations", headers={"Authorization": f"Bearer {token}"}).get_json()
    record = mine["noshow"]
    assert len(record["marks"]) == 3 and record["counting"] == 3 and record["locked_until"] > after
    door.reg.set_cookie("sciday_session", token)
    page = door.reg.get("/me").text
    assert "因多次爽约，报名已暂停至" in page and "未到场" in page
    en = door.reg.get("/me?lang=en").text
    assert "you cannot register until" in en and "did not come" in en


def test_an_organizer_looks_a_phone_up_and_forgives_a_mark_with_a_note(door, settings, redis):
    seats = door.reg.application.extensions["sciday.seats"]
    flow = build_flow(door.settings, redis, seats)
    for aid in ("ns-f1", "ns-f2", "ns-f3"):
        door.activity(activity_doc(aid))
        door.register(aid, P, party=1)
    after = max(ts(seats.activity_doc(a)["ends_at"]) for a in ("ns-f1", "ns-f2", "ns-f3")) + 3 * 3600
    assert len(sweep_due(flow, seats, Sweeps(redis, settings.redis_prefix, 300), now=after)) == 3
    lookup = door.reg.post("/api/v1/noshow/lookups", json={"phone": "138 0000 0001"}, headers=door.org)
    standing = verdict(lookup, 200)
    assert len(standing["marks"]) == 3 and standing["locked_until"]
    assert (
        verdict(door.reg.post("/api/v1/noshow/lookups", json={"phone": "12"}, headers=door.org), 422)[
            "reason"
        ]
        == "phone_invalid"
    )
    assert door.reg.post("/api/v1/noshow/lookups", json={"phone": P}).status_code == 401
    mark = standing["marks"][0]["mark_id"]
    url = f"/api/v1/noshow/marks/{mark}/forgiveness"
    assert verdict(door.reg.post(url, json={"note": " "}, headers=door.org), 422)["reason"] == "note_required"
    after_forgiving = verdict(door.reg.post(url, json={"note": "暴雨停运"}, headers=door.org), 201)
    assert after_forgiving["locked_until"] is None
    door.activity(activity_doc("ns-f4"))
    door.register("ns-f4", P, party=1)  # registering works again
    audit = flow.record.audit_log()
    assert [(a["mark_id"], a["note"]) for a in audit] == [(mark, "暴雨停运")]


def test_a_late_cancellation_of_a_real_name_party_marks_each_member_id(door, settings, redis):
    seats = door.reg.application.extensions["sciday.seats"]
    flow = build_flow(door.settings, redis, seats)
    door.activity(soon("ns-late", real_name=True))
    r = door.reg.post(
        "/api/v1/activities/ns-late/registrations",
        json={"name": "张三", "phone": P, "organization": "科学院", "party_size": 2,
              "members": [member(11), member(12, "李四")]},
    )  # fmt: skip
    reg = verdict(r, 201)
    token = reg["manage_url"].rsplit("t=", 1)[1]
    cancelled = door.reg.delete(f"/api/v1/registrations/{reg['registration_id']}?t={token}")
    verdict(cancelled, 200)
    env = outbox(redis, settings, "RegistrationCancelled")[-1]
    assert len(flow.handle(env)) == 2
    assert flow.handle(env) == []  # a redelivery marks nobody again
    ids = seats.get_registration(reg["registration_id"])["id_hashes"]
    assert len(ids) == 2
    for h in ids:
        [mark] = flow.record.marks(f"id:{h}")
        assert mark.cause == "late_cancellation" and mark.registration_id == reg["registration_id"]
