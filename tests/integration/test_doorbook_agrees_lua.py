"""The offline judge (``doorbook.js``) against the real atomic step (``admit.lua`` on Redis), over
the scanner state the API really serves: a party whose unscanned seats went to standby is
``seat_released`` online, and must be refused the same way offline (issue 23, finding 6).

Runs the scanner's module in Node beside the check-in API on real Redis; no Python fake.
"""

from __future__ import annotations

import json
import shutil
import subprocess
from datetime import UTC, datetime
from pathlib import Path

import pytest

from services.checkin.standby_store import StandbyStore
from shared import door_id
from tests.integration.test_checkin_api import door, soon, verdict
from tests.integration.test_door_cards import CHILD_REAL, FATHER, family

__all__ = ["door", "family"]

STATIC = Path(__file__).resolve().parents[2] / "services" / "checkin" / "static" / "js"
PARTY = 3
RUNNER = """
import { judge } from "./doorbook.js";
const cases = JSON.parse(await new Promise((ok) => { let s = ""; process.stdin.on("data", (d) => s += d);
                                                       process.stdin.on("end", () => ok(s)); }));
console.log(JSON.stringify(cases.map((c) => {
  const v = judge(c.ticket, c.state, c.entry, c.now, c.card || "");
  return v.ok ? ["ok"] : ["refused", v.reason];
})));
"""

pytestmark = pytest.mark.skipif(shutil.which("node") is None, reason="Node runs the scanner's module")


def _js(tmp_path: Path, cases: list[dict]) -> list[list[str]]:
    for name in ("doorbook.js", "vocabulary.js"):
        shutil.copy(STATIC / name, tmp_path / name)
    (tmp_path / "package.json").write_text('{"type": "module"}')
    (tmp_path / "run.js").write_text(RUNNER)
    done = subprocess.run(
        ["node", "run.js"], cwd=tmp_path, input=json.dumps(cases), capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


def _ticket(keyring, code: str) -> dict:
    """The signed ticket as the scanner's ticket.js reads it."""
    t = keyring.verify(code)
    fields = ("registration_id", "activity_id", "venue_id", "party_size", "valid_from", "valid_until")
    return {k: getattr(t, k) for k in fields}


def test_the_offline_book_refuses_released_seats_as_admit_lua_does(door, tmp_path):
    keyring = door.ck.application.extensions["sciday.keyring"]
    parties = []  # (activity, people already in, code)
    for aid in ("door-released", "door-kept"):
        door.activity(soon(aid))
        for i, already in enumerate((0, 1, PARTY)):
            code = door.register(aid, phone=f"1380000010{i}", party=PARTY)["ticket"]["code"]
            parties.append((aid, already, code))
    door.project()
    for _aid, already, code in parties:
        if already:
            verdict(door.scan(code, admit=already), 201)
    # The start plus the grace period: the unscanned seats of one activity go to standby.
    StandbyStore(door.redis, door.settings).release("door-released", datetime.now(UTC).isoformat())
    state = verdict(door.ck.get("/api/v1/scanner/state?gate=1号门", headers=door.steward), 200)
    cases = []
    for _aid, already, code in parties:
        ticket = _ticket(keyring, code)
        entry = {"admitted": already, "first_at": state["server_time"], "gate": "1号门", "server": True}
        now = datetime.fromisoformat(state["server_time"]).timestamp()
        cases.append({"ticket": ticket, "state": state, "entry": entry if already else None, "now": now})
    offline = _js(tmp_path, cases)
    online = []
    for _aid, _already, code in parties:
        body = door.scan(code).get_json()
        online.append(["ok"] if body["status"] == "ok" else ["refused", body["reason"]])
    assert offline == online
    assert online.count(["refused", "seat_released"]) == 2  # the released activity's unscanned parties
    assert online.count(["ok"]) == 2 and online.count(["refused", "already_checked_in"]) == 2


def test_the_offline_book_matches_cards_as_admit_lua_does(family, tmp_path):
    """Issue 23: the same card verdicts offline (doorbook.js over the served state, the card hashed
    with the state's door key) and online (admit.lua), in the same order."""
    door, code, rid = family
    ticket = _ticket(door.ck.application.extensions["sciday.keyring"], code)
    state = verdict(door.ck.get("/api/v1/scanner/state?gate=1号门", headers=door.steward), 200)
    act = next(a for a in state["activities"] if a["id"] == "door-imax")
    key = bytes.fromhex(act["door_key"])
    now = datetime.fromisoformat(state["server_time"]).timestamp()
    father_in = {
        "admitted": 1,
        "members": [1],
        "first_at": state["server_time"],
        "gate": "1号门",
        "server": True,
    }
    reads = [(CHILD_REAL, None), ("", None), (FATHER, None), (FATHER, father_in), ("", father_in)]
    cases = [
        {"ticket": ticket, "state": state, "entry": entry, "now": now, "card": door_id.door_hash(key, number)}
        for number, entry in reads
    ]
    offline = _js(tmp_path, cases)
    online = []
    for number, _entry in reads:
        body = door.scan(code, **({"id_number": number} if number else {})).get_json()
        online.append(["ok"] if body["status"] == "ok" else ["refused", body["reason"]])
    assert (
        offline
        == online
        == [
            ["refused", "id_mismatch"],
            ["refused", "id_required"],
            ["ok"],
            ["refused", "already_checked_in"],
            ["refused", "id_required"],
        ]
    )
