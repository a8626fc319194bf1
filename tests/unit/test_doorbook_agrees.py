"""The scanner judges tickets offline with ``doorbook.js``'s ``judge()``; the server with
``usecases.admit``.  Both must give the same verdict, in the same rule order, on every combination
of venue, activity status, check-in window, revocation and people already in.

Runs the real JS module in Node (no browser, no server) next to the Python use case over fakes.
"""

from __future__ import annotations

import itertools
import json
import shutil
import subprocess
from datetime import timedelta
from pathlib import Path

import pytest

from services.checkin import admission, usecases
from services.checkin import vocabulary as V
from services.checkin.usecases import Refusal, Scan, Staff
from shared.config import Settings
from tests.unit.fakes_checkin import (
    T0,
    VENUE,
    Clock,
    FakeActivities,
    FakeDoor,
    FakeTickets,
    activity,
    sequential_ids,
    ticket,
)

STATIC = Path(__file__).resolve().parents[2] / "services" / "checkin" / "static"
PARTY = 3
MINUTES = {"too early": -45, "inside": 0, "too late": 160}  # T0 is 09:30; the door is open 09:00-12:00
# Issue 16: the activity may have moved away from the venue signed into the ticket, and the gate
# may be opened for given activities only.
PLANS = {"any gate": None, "this activity": ["imax-0530"], "others only": ["lab-0530"]}
CASES = list(
    itertools.product(
        (VENUE, "other-venue"),  # the venue of the steward's token
        ("scheduled", V.CANCELLED),
        tuple(MINUTES),
        (False, True),  # revoked
        (0, 1, PARTY),  # people already in
        (VENUE, "other-venue"),  # the activity's current venue (the ticket is signed for VENUE)
        tuple(PLANS),
    )
)

RUNNER = """
import { judge } from "./doorbook.js";
const cases = JSON.parse(await new Promise((ok) => { let s = ""; process.stdin.on("data", (d) => s += d);
                                                       process.stdin.on("end", () => ok(s)); }));
const out = cases.map((c) => {
  const v = judge(c.ticket, c.state, c.entry, c.now);
  return v.ok ? ["ok", v.remaining] : ["refused", v.reason, v.side || ""];
});
console.log(JSON.stringify(out));
"""


def python_verdict(staff_venue, status, when, revoked, already, act_venue, plan) -> list:
    acts, tickets, clock = FakeActivities(), FakeTickets(), Clock()
    door = FakeDoor(acts)
    acts.put_activity(activity(status="scheduled", venue=act_venue))
    if PLANS[plan] is not None:
        door.set_gate(staff_venue, "2号门", PLANS[plan])
    acts.put_registration("imax-0530", "r1")
    code = tickets.add(ticket("r1", party=PARTY))
    ids, staff = sequential_ids(), Staff("s", staff_venue)
    if already:
        usecases.admit(Scan(code, "1号门", admit=already), Staff("s", None), tickets=tickets, activities=acts,
                       door=door, clock=clock, ids=ids)  # fmt: skip
    if revoked:
        acts.revoked.add(("imax-0530", "r1"))
    acts.put_activity(activity(status=status, venue=act_venue))
    clock.advance(minutes=MINUTES[when])
    try:
        got = usecases.admit(Scan(code, "2号门"), staff, tickets=tickets, activities=acts, door=door, clock=clock,
                             ids=ids)  # fmt: skip
    except Refusal as r:
        return ["refused", r.reason, r.details.get("side", "")]
    return ["ok", got["admitted"]]


def js_case(staff_venue, status, when, revoked, already, act_venue, plan) -> dict:
    t = ticket("r1", party=PARTY)
    opens, closes = admission.window(activity(), None, Settings.checkin_opens_before_min)
    act = {"id": t.activity_id, "title": {"zh": "巨幕专场"}, "venue_id": act_venue, "venue_name": "馆"}
    return {
        "ticket": {
            "registration_id": t.registration_id,
            "activity_id": t.activity_id,
            "venue_id": t.venue_id,
            "party_size": t.party_size,
            "valid_from": t.valid_from,
            "valid_until": t.valid_until,
        },
        "state": {
            "venue": staff_venue,
            # The scanner state lists this venue's activities in full, other venues' by name.
            "activities": [
                {
                    **act,
                    "status": status,
                    "opens_at": opens,
                    "closes_at": closes,
                    "revoked": ["r1"] if revoked else [],
                }  # fmt: skip
            ]
            if act_venue == staff_venue
            else [],
            "elsewhere": [] if act_venue == staff_venue else [act],
            "gate_activities": PLANS[plan],
        },
        "entry": {"admitted": already, "first_at": T0.isoformat(), "gate": "1号门", "server": True}
        if already
        else None,
        "now": int((T0 + timedelta(minutes=MINUTES[when])).timestamp()),
    }


@pytest.mark.skipif(shutil.which("node") is None, reason="Node is needed to run the scanner's module")
def test_the_offline_judge_and_the_server_agree(tmp_path):
    for name in ("doorbook.js", "vocabulary.js"):
        shutil.copy(STATIC / "js" / name, tmp_path / name)
    (tmp_path / "package.json").write_text('{"type": "module"}')
    (tmp_path / "run.js").write_text(RUNNER)
    cases = [js_case(*c) for c in CASES]
    done = subprocess.run(
        ["node", "run.js"], cwd=tmp_path, input=json.dumps(cases), capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 0, done.stderr
    js = json.loads(done.stdout)
    py = [python_verdict(*c) for c in CASES]
    disagreements = [(c, j, p) for c, j, p in zip(CASES, js, py) if j != p]
    assert disagreements == []
    # Every rule was exercised, so agreement means something.
    assert {v[1] for v in py if v[0] == "refused"} == {
        V.WRONG_VENUE, V.WRONG_GATE, V.ACTIVITY_CANCELLED, V.INVALID_TIME, V.REVOKED, V.ALREADY_CHECKED_IN
    }  # fmt: skip
    assert any(v[0] == "ok" for v in py)
