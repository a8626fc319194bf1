"""Issue 16 "The door" (and issue 17 items 5, 6) against real Redis, through the check-in API:
scan times a steward token cannot forge, the activity's current venue, gates opened for given
activities, a cancellation told to the door directly, and verdicts naming the day and the ticket.
"""

from __future__ import annotations

import json
from datetime import datetime, timedelta

import pytest

from services.registration.bootstrap import EXTENSION
from shared import internal
from tests.conftest import activity_doc
from tests.integration.test_checkin_api import TZ, door, soon, verdict  # door: the fixture


def _put_snapshot(door, aid, **over):
    """The projection's snapshot of an activity, changed as an ActivityUpdated event would."""
    key = door.projection.act_key(aid)
    doc = json.loads(door.redis.hget(key, "doc"))
    doc.update(over)
    door.redis.hset(key, "doc", json.dumps(doc, ensure_ascii=False))


def _yesterday(door, aid="door-imax"):
    now = datetime.now(TZ)
    _put_snapshot(
        door,
        aid,
        starts_at=(now - timedelta(hours=26)).isoformat(),
        ends_at=(now - timedelta(hours=24, minutes=30)).isoformat(),  # always before today
    )
    return now - timedelta(hours=25)  # yesterday, inside that day's window


# -- scan times ----------------------------------------------------------------------------------
def test_next_weeks_time_is_refused(door):
    door.activity(activity_doc("door-later"))  # starts in 3 days
    code = door.register("door-later")["ticket"]["code"]
    door.project()
    next_week = (datetime.now(TZ) + timedelta(days=3, minutes=30)).isoformat()
    body = verdict(door.scan(code, scanned_at=next_week), 409)
    assert body["reason"] == "bad_scan_time" and body["detail"]["variant"] == "future"
    assert body["message"] == "扫码时间晚于现在"


def test_yesterdays_time_without_an_online_mark_is_judged_by_the_servers_clock(door):
    door.activity(soon())
    code = door.register()["ticket"]["code"]
    door.project()
    then = _yesterday(door)
    body = verdict(door.scan(code, scanned_at=then.isoformat()), 409)
    assert body["reason"] == "invalid_time" and body["detail"]["side"] == "too_late"
    ended = then + timedelta(minutes=30)  # _yesterday's ends_at
    day = f"{ended.month}月{ended.day}日"
    assert body["message"].startswith(f"入场已结束 · 本场已于 {day} ")  # names the day it ended


def test_an_offline_time_before_the_devices_last_online_moment_is_refused(door):
    door.activity(soon())
    code = door.register()["ticket"]["code"]
    door.project()
    mark = verdict(door.ck.get("/api/v1/scanner/state?gate=1号门", headers=door.steward), 200)["online_mark"]
    then = _yesterday(door)
    body = verdict(door.scan(code, scanned_at=then.isoformat(), online_mark=mark), 409)
    assert (body["reason"], body["detail"]["variant"]) == ("bad_scan_time", "before_online")


def test_an_offline_scan_vouched_by_a_mark_is_judged_by_its_own_time(door):
    door.activity(soon())
    code = door.register()["ticket"]["code"]
    door.project()
    mark = verdict(door.ck.get("/api/v1/scanner/state?gate=1号门", headers=door.steward), 200)["online_mark"]
    scanned = datetime.now(TZ).isoformat()
    body = verdict(door.scan(code, scanned_at=scanned, online_mark=mark), 201)
    assert body["checked_in_at"] == scanned
    other = door.bearer("steward", "李师傅", "ln-stm")  # another token cannot use this mark
    code2 = door.register(phone="13800000002")["ticket"]["code"]
    door.project()
    refused = verdict(door.scan(code2, scanned_at=scanned, online_mark=mark, headers=other), 409)
    assert (refused["reason"], refused["detail"]["variant"]) == ("bad_scan_time", "no_mark")


# -- the activity's current venue ----------------------------------------------------------------
def test_a_moved_activity_is_admitted_at_its_new_venue_and_refused_at_the_old(door):
    door.activity(soon())
    code = door.register(party=1)["ticket"]["code"]  # signed for ln-stm
    code2 = door.register(phone="13800000002", party=1)["ticket"]["code"]
    door.project()
    _put_snapshot(door, "door-imax", venue={"id": "sy-kxg", "name": "沈阳科学宫"})
    old = verdict(door.scan(code), 409)  # the old venue's steward
    assert old["reason"] == "wrong_venue"
    assert old["message"] == "非本场馆 · 此票属于沈阳科学宫「巨幕科技工作者专场」"
    new = door.bearer("steward", "赵师傅", "sy-kxg")
    assert verdict(door.scan(code2, headers=new), 201)["admitted"] == 1
    state = verdict(door.ck.get("/api/v1/scanner/state", headers=door.steward), 200)
    assert state["activities"] == [] and state["elsewhere"][0]["venue_name"] == "沈阳科学宫"


# -- gates ---------------------------------------------------------------------------------------
def test_a_gate_opened_for_another_activity_refuses_with_its_own_reason(door):
    door.activity(soon())
    door.activity(soon("door-lab", title={"zh": "科学实验秀", "en": "Science show"}))
    code = door.register()["ticket"]["code"]
    door.project()
    supervisor = door.bearer("supervisor", "主管", "ln-stm")
    plan = door.ck.put("/api/v1/gates/东门", json={"activities": ["door-lab"]}, headers=supervisor)
    assert verdict(plan, 200) == {"venue": "ln-stm", "gate": "东门", "activities": ["door-lab"]}
    body = verdict(door.scan(code, gate="东门"), 409)
    assert body["reason"] == "wrong_gate"
    assert body["message"] == "此入口不接待该活动 · 此票属于「巨幕科技工作者专场」"
    state = verdict(door.ck.get("/api/v1/scanner/state?gate=东门", headers=door.steward), 200)
    assert state["gate_activities"] == ["door-lab"]
    assert verdict(door.ck.put("/api/v1/gates/东门", json={"activities": ["x"]}, headers=door.steward), 403)
    verdict(door.ck.delete("/api/v1/gates/东门", headers=supervisor), 200)
    assert verdict(door.scan(code, gate="东门"), 201)["admitted"] == 4


# -- a cancellation reaches the door without the event stream ------------------------------------
class InProcessDoor:
    """The registration service's door adapter, aimed at the in-process check-in app."""

    def __init__(self, checkin, key):
        self.checkin, self.key, self.answers = checkin, key, []

    def revoke(self, activity_id, registration_id):
        body = json.dumps({"activity_id": activity_id, "registration_id": registration_id}).encode()
        r = self.checkin.post(
            "/internal/v1/revocations",
            data=body,
            headers=internal.headers(self.key, "POST", "/internal/v1/revocations", body),
        )
        self.answers.append(r.status_code)


def test_a_cancelled_ticket_is_refused_before_its_event_arrives(door):
    door.activity(soon())
    created = door.register()
    door.project()  # the door knows the registration as confirmed
    told = InProcessDoor(door.ck, internal.key_of(door.settings))
    door.reg.application.extensions[EXTENSION].door = told
    token = created["manage_url"].split("t=")[1]
    assert (
        door.reg.delete(f"/api/v1/registrations/{created['registration_id']}?token={token}").status_code
        == 200
    )
    assert told.answers == [200]
    # No door.project(): the RegistrationCancelled event has not reached the door.
    assert verdict(door.scan(created["ticket"]["code"]), 409)["reason"] == "revoked"


def test_a_revocation_must_be_signed(door):
    body = b'{"activity_id": "door-imax", "registration_id": "r1"}'
    r = door.ck.post("/internal/v1/revocations", data=body, headers={"Content-Type": "application/json"})
    assert verdict(r, 401)["reason"] == "unauthorized"
    forged = internal.headers(b"not the key", "POST", "/internal/v1/revocations", body)
    assert verdict(door.ck.post("/internal/v1/revocations", data=body, headers=forged), 401)
