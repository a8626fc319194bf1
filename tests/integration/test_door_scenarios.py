"""One scenario table for the door's one decision table (services/checkin/door/rules.py).

Every scenario is replayed, step by step, against the three implementations of the door's rules:

- ``use case``: ``usecases.admit`` over the real store on Redis (so through ``admit.lua``);
- ``admit.lua``: the atomic step called directly with what the scan brings (the party's size, the
  refusal the earlier rows gave, the card read), on a Redis world of its own;
- ``doorbook``: the scanner's offline judge (``doorbook.js``) in Node, the code verified by
  ``ticket.js`` with the served keys, over the scanner state the API serves at that moment, with
  the door log kept as ``scan.js`` keeps it.

Each step names the verdict all three must give (``None`` where a runtime does not judge it: a
rule judged before the atomic step, an undo, a retried nonce offline).  A change to any one of
them that alters a verdict fails here.
"""

from __future__ import annotations

import itertools
import json
import shutil
import subprocess
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from services.checkin import vocabulary as V
from services.checkin.door import admission
from services.checkin.door import rules as door_rules
from services.checkin.door.usecases import Refusal, Staff
from services.checkin.ports import AdmitStep, UndoStep
from shared import door_id
from shared.config import Settings
from tests.unit.door_world import AID, ORGANIZER, RID, STEWARD, T0, VENUE, DoorWorld, activity

STATIC = Path(__file__).resolve().parents[2] / "services" / "checkin" / "static" / "js"
OTHER = "other-venue"
OPENS = Settings.checkin_opens_before_min
FATHER, MOTHER = "110101198001010011", "110101198201010022"
RUNNER = """
import { KeySet } from "./ticket.js";
import { judge } from "./doorbook.js";
const steps = JSON.parse(await new Promise((ok) => { let s = ""; process.stdin.on("data", (d) => s += d);
                                                       process.stdin.on("end", () => ok(s)); }));
const logs = {};  // each device's door log, as scan.js's admitOffline keeps it
const out = [];
for (const s of steps) {
  const log = (logs[s.device] ||= {});
  let tk;
  try { tk = await new KeySet(s.state.keys).verify(s.code); }
  catch (err) { out.push(["refused", err.reason || "invalid", ""]); continue; }
  const e = log[tk.registration_id] || null;
  const v = judge(tk, s.state, e, s.now, s.card || "", s.ticks || null);
  if (!v.ok) { out.push(["refused", v.reason, v.side || ""]); continue; }
  const n = s.admit ? Math.min(s.admit, v.remaining) : v.remaining;
  log[tk.registration_id] = { admitted: (e ? e.admitted : 0) + n, first_at: (e && e.first_at) || "t",
                              gate: (e && e.gate) || s.gate, members: [...((e && e.members) || []),
                              ...(v.member ? [v.member] : []), ...(v.members || [])] };
  out.push(["ok", n]);
}
console.log(JSON.stringify(out));
"""

Verdict = tuple[Any, ...]


def ok(n: int) -> Verdict:
    return ("ok", n)


def no(reason: str, side: str = "") -> Verdict:
    return ("refused", reason, side)


def undone(n: int) -> Verdict:
    return ("undone", n)


@dataclass(frozen=True)
class Step:
    expect: Verdict
    admit: int = 0
    minutes: int = 0  # after T0 (the door is open from T0 - 30 to T0 + 150)
    gate: str = "1号门"
    nonce: str = ""
    card: str = ""  # an ID number read
    rid: str = RID
    undo: int | None = None  # take back the check-in of this earlier step
    release: bool = False  # before the scan: the unscanned seats go to standby
    offline: bool = True  # the scanner judges it (not a retried nonce, not after an undo)
    scanned: int | None = None  # an offline upload's own time (minutes after T0), vouched for by
    mark: int | None = None  # the device's last online moment (minutes after T0), signed
    device: str = "a"  # issue 26: the scanner that scans (each keeps its own door log)
    ticks: tuple[tuple[int, str], ...] = ()  # issue 26: members ticked (place, ID number read or "")


@dataclass(frozen=True)
class Scenario:
    steps: tuple[Step, ...]
    party: int = 1
    status: str = V.CONFIRMED  # the registration's (cancelled: revoked at the door)
    reduced: int = 0  # the party after dropping a member
    act: dict = field(default_factory=dict)  # the activity as the projection knows it now
    staff: Staff = STEWARD
    signed_venue: str = VENUE
    plan: tuple[str, list[str]] | None = None  # a gate open for these activities only
    forged: bool = False
    members: tuple[str, ...] = ()  # a real-name party: each member's ID number ("" for a child)
    unseen: bool = False  # the projection has not seen the registration


def one(expect: Verdict, **kw: Any) -> tuple[Step, ...]:
    return (Step(expect, **kw),)


SCENARIOS: dict[str, Scenario] = {
    # -- the rows, one by one, in the table's order ------------------------------------------------
    "forged": Scenario(one(no(V.INVALID)), forged=True),
    "wrong venue": Scenario(one(no(V.WRONG_VENUE)), staff=Staff("s", OTHER)),
    "organizers scan at any venue": Scenario(one(ok(1)), staff=ORGANIZER, act={"venue": {"id": OTHER}}),
    "moved to another venue": Scenario(one(no(V.WRONG_VENUE)), act={"venue": {"id": OTHER, "name": "馆"}}),
    "moved here": Scenario(one(ok(1)), signed_venue=OTHER),
    "gate not allowed": Scenario(
        one(no(V.GATE_NOT_ALLOWED), offline=False), staff=Staff("s", VENUE, gates=frozenset({"2号门"}))
    ),
    "wrong gate": Scenario(one(no(V.WRONG_GATE), gate="9号门"), plan=("9号门", ["another"])),
    "gate open for it": Scenario(one(ok(2), gate="8号门"), party=2, plan=("8号门", [AID])),
    "activity cancelled": Scenario(one(no(V.ACTIVITY_CANCELLED)), act={"status": V.CANCELLED}),
    "too early": Scenario(one(no(V.INVALID_TIME, V.TOO_EARLY), minutes=-31)),
    "just open": Scenario(one(ok(1), minutes=-29)),
    "just before the end": Scenario(one(ok(1), minutes=150)),
    "too late": Scenario(one(no(V.INVALID_TIME, V.TOO_LATE), minutes=151)),
    "moved later": Scenario(
        one(no(V.INVALID_TIME, V.TOO_EARLY)),
        act={
            "starts_at": (T0 + timedelta(hours=4)).isoformat(),
            "ends_at": (T0 + timedelta(hours=6)).isoformat(),
        },
    ),
    "an upload dated in the future": Scenario(one(no(V.BAD_SCAN_TIME), scanned=5, mark=-10, offline=False)),
    "an upload judged by its own time": Scenario(
        one(ok(1), minutes=400, scanned=100, mark=90, offline=False)
    ),
    "an upload before its mark": Scenario(
        one(no(V.BAD_SCAN_TIME), minutes=60, scanned=10, mark=50, offline=False)
    ),
    "registration cancelled": Scenario(one(no(V.REVOKED)), status=V.CANCELLED),
    "seats released to standby": Scenario(one(no(V.SEAT_RELEASED), release=True), party=3),
    "released after some came in": Scenario(
        (Step(ok(1), admit=1), Step(no(V.SEAT_RELEASED), release=True)), party=3
    ),
    "released after all came in": Scenario(
        (Step(ok(2)), Step(no(V.ALREADY_CHECKED_IN), release=True, minutes=3)), party=2
    ),
    "party reduced": Scenario((Step(ok(2)), Step(no(V.ALREADY_CHECKED_IN), minutes=2)), party=3, reduced=2),
    "already inside": Scenario(
        (Step(ok(2)), Step(no(V.ALREADY_CHECKED_IN), gate="2号门", minutes=2)), party=2
    ),
    "party stepping": Scenario(
        (
            Step(ok(1), admit=1),
            Step(ok(2), admit=2, gate="2号门"),
            Step(ok(1), admit=3, gate="2号门"),
            Step(no(V.ALREADY_CHECKED_IN), admit=1),
        ),
        party=4,
    ),
    "nonce replay": Scenario(
        (
            Step(ok(1), admit=1, nonce="n1"),
            Step(ok(1), admit=1, nonce="n1", offline=False),  # the first answer again, nobody more
            Step(ok(1), admit=1, nonce="n2"),
            Step(ok(1), admit=1, nonce="n3"),
            Step(no(V.ALREADY_CHECKED_IN), nonce="n4"),
        ),
        party=3,
    ),
    "undo": Scenario(
        (
            Step(ok(2), admit=2),
            Step(ok(1)),
            Step(undone(2), undo=0, offline=False),
            Step(no(V.ALREADY_REVERTED), undo=0, offline=False),
            Step(ok(2), gate="3号门", offline=False),
            Step(no(V.ALREADY_CHECKED_IN), gate="3号门", offline=False),
        ),
        party=3,
    ),
    "undo of an unknown check-in": Scenario(one(no(V.UNKNOWN_CHECKIN), undo=-1, offline=False)),
    "a ticket the projection has not seen": Scenario(one(ok(2)), party=2, unseen=True),
    # -- orders between rows ------------------------------------------------------------------------
    "venue before cancelled": Scenario(
        one(no(V.WRONG_VENUE)), staff=Staff("s", OTHER), act={"status": V.CANCELLED}
    ),
    "gate before cancelled": Scenario(
        one(no(V.WRONG_GATE), gate="9号门"), plan=("9号门", ["another"]), act={"status": V.CANCELLED}
    ),
    "a refusal keeps no nonce": Scenario(
        (Step(no(V.WRONG_GATE), gate="9号门", nonce="n1"), Step(ok(2), nonce="n1", offline=False)),
        party=2,
        plan=("9号门", ["another"]),
    ),
    "cancelled before the window": Scenario(
        one(no(V.ACTIVITY_CANCELLED), minutes=200), act={"status": V.CANCELLED}
    ),
    "the window before revoked": Scenario(
        one(no(V.INVALID_TIME, V.TOO_LATE), minutes=200), status=V.CANCELLED
    ),
    "a cancelled party is revoked after the release": Scenario(
        one(no(V.REVOKED), release=True), status=V.CANCELLED, party=2
    ),
    # -- real-name parties: each member on their own card (issue 23) -----------------------------------
    "cards": Scenario(
        (
            Step(no(V.ID_MISMATCH), card="110101199001010099"),
            Step(ok(1)),  # the child, booked without a document
            Step(no(V.ID_REQUIRED)),
            Step(ok(1), card=FATHER),
            Step(no(V.ALREADY_CHECKED_IN), card=FATHER),
        ),
        party=2,
        members=(FATHER, ""),
    ),
    "a member's card twice": Scenario(
        (
            Step(ok(1), card=FATHER),
            Step(no(V.ALREADY_CHECKED_IN), card=FATHER),
            Step(no(V.ID_REQUIRED)),  # the father is in; the mother has a document: her card
            Step(ok(1), card=MOTHER),
        ),
        party=2,
        members=(FATHER, MOTHER),
    ),
    # -- issue 26: what other scanners did reaches this one's state -----------------------------------
    "partly in at another gate": Scenario(
        (Step(ok(1), admit=1, gate="2号门", device="b"), Step(ok(2), minutes=1)), party=3
    ),
    "all in at another gate": Scenario(
        (Step(ok(2), gate="2号门", device="b"), Step(no(V.ALREADY_CHECKED_IN), minutes=1)), party=2
    ),
    "partly in at another gate, then released": Scenario(
        (Step(ok(1), admit=1, gate="2号门", device="b"), Step(no(V.SEAT_RELEASED), release=True)), party=3
    ),
    "a member in on their card at another gate": Scenario(
        (Step(ok(1), card=FATHER, gate="2号门", device="b"), Step(no(V.ALREADY_CHECKED_IN), card=FATHER)),
        party=2,
        members=(FATHER, MOTHER),
    ),
    "a card of a released party": Scenario(
        one(no(V.SEAT_RELEASED), card=FATHER, release=True), party=2, members=(FATHER, "")
    ),
    # -- real-name parties: the members ticked, admitted together (issue 26) -------------------------
    "ticks": Scenario(
        (
            Step(no(V.ID_MISMATCH), ticks=((2, FATHER),)),  # the father's card is not the mother's
            Step(no(V.ID_REQUIRED), ticks=((1, ""),)),  # a member with a document shows it
            Step(no(V.ID_MISMATCH), ticks=((4, ""),)),  # no such member
            Step(ok(2), ticks=((1, FATHER), (3, ""))),  # the father and the child, one tap
            Step(no(V.ALREADY_CHECKED_IN), ticks=((3, ""), (2, MOTHER))),  # the child is in: nobody
            Step(ok(1), ticks=((2, MOTHER),)),
            Step(no(V.ALREADY_CHECKED_IN)),
        ),
        party=3,
        members=(FATHER, MOTHER, ""),
    ),
    "ticks of a released party": Scenario(
        one(no(V.SEAT_RELEASED), ticks=((1, FATHER),), release=True), party=2, members=(FATHER, "")
    ),
}


def _given(sc: Scenario, step: Step) -> Verdict:
    """The refusal the use case's later rows hand to the atomic step, from the scenario's facts."""
    doc = activity(**sc.act)
    if doc["status"] == V.CANCELLED:
        return no(V.ACTIVITY_CANCELLED)
    if step.scanned is not None and (step.scanned > step.minutes or (step.mark or 0) > step.scanned):
        return no(V.BAD_SCAN_TIME)  # in the future, or before the device was last online
    opens, closes = admission.window(doc, None, OPENS)
    at = (T0 + timedelta(minutes=step.minutes if step.scanned is None else step.scanned)).timestamp()
    return (
        no(V.INVALID_TIME, V.TOO_EARLY)
        if at < opens
        else no(V.INVALID_TIME, V.TOO_LATE)
        if at > closes
        else ()
    )


def _world(settings: Any, redis: Any, sc: Scenario, tag: str) -> DoorWorld:
    w = DoorWorld(settings.with_overrides(redis_prefix=settings.redis_prefix + tag), redis)
    w.put_activity(activity(**sc.act))
    w.put_activity(activity("another", venue=VENUE))
    if sc.plan:
        w.store.set_gate(VENUE, *sc.plan)
    members = [({"door_hash": w.cards.read(AID, n)} if n else {}) for n in sc.members]
    if not sc.unseen:
        w.put_registration(RID, sc.status, sc.party, members=members)
    if sc.reduced:
        w.drop_member(RID, sc.reduced)
    return w


def _upload(w: DoorWorld, step: Step) -> dict:
    """The scan's fields: the count, the nonce, and an offline upload's own time with its mark."""
    out: dict[str, Any] = {"admit": step.admit, "nonce": step.nonce}
    if step.scanned is not None:
        out["scanned_at"] = T0 + timedelta(minutes=step.scanned)
        out["online_mark"] = w.marks.issue(STEWARD.holder, T0 + timedelta(minutes=step.mark or 0))
    return out


def use_case(settings: Any, redis: Any, sc: Scenario, first: bool = False) -> tuple[list, list, str]:
    """The use case's verdicts, the scanner state served before each step (for the doorbook), and
    the code scanned; ``first``: each scan judged before it admits, as the scanner does online."""
    w = _world(settings, redis, sc, "j:" if first else "u:")
    code = "SD1.forged" if sc.forged else w.sign(RID, sc.party, venue=sc.signed_venue)
    verdicts: list[Verdict] = []
    states, checkins = [], []
    for step in sc.steps:
        w.clock.set(T0 + timedelta(minutes=step.minutes))
        if step.release:
            w.release()
        states.append(w.scanner_state(step.gate, sc.staff.venue))
        try:
            if step.undo is not None:
                cid = checkins[step.undo] if step.undo >= 0 else "c-unknown"
                verdicts.append(undone(w.undo(cid)["reverted"]))
                checkins.append("")
                continue
            got = _scan_step(w, code, sc, step, first)
            verdicts.append(ok(got["admitted"]))
            checkins.append(got["checkin_id"])
        except Refusal as r:
            verdicts.append(no(r.reason, r.variant if r.reason == V.INVALID_TIME else ""))
            checkins.append("")
    _recorded_once(w, sc, verdicts)
    return verdicts, states, code


def _scan_step(w: DoorWorld, code: str, sc: Scenario, step: Step, first: bool) -> dict:
    """One scan; ``first`` (issue 26): judged only (``peek``) before it, which refuses as the scan
    would (recorded once: the scanner shows it and sends nothing more), or writes nothing and
    admits the people the scan then admits."""
    ticks = tuple((m, w.cards.read(AID, n)) for m, n in step.ticks)  # issue 26: member by member
    kw = {**_upload(w, step), "id_number": step.card, "members": ticks}
    if first:
        before = (w.admitted(), w.gates(), len(w.events()), w.redis.hgetall(w.store.k("nonce", AID)))
        said = w.scan(code, step.gate, sc.staff, **kw, peek=True)
        assert (w.admitted(), w.gates(), len(w.events()), w.redis.hgetall(w.store.k("nonce", AID))) == before
        got = w.scan(code, step.gate, sc.staff, **kw)
        if not got["replayed"]:  # a repeated nonce: its first answer, to both
            assert (said["admitted"], said["admitted_total"] + said["admitted"]) == (
                got["admitted"],
                got["registration"]["admitted_total"],
            ), (said, got)
        return got
    return w.scan(code, step.gate, sc.staff, **kw)


def _recorded_once(w: DoorWorld, sc: Scenario, verdicts: list) -> None:
    """Every refusal of a scan is recorded and published once (CheckinDenied, in order); the
    people counted per gate, per registration and in the figures are those admitted, less those
    taken back (a replayed answer counts nobody more)."""
    refusals = [v[1] for s, v in zip(sc.steps, verdicts, strict=True) if v[0] == "refused" and s.undo is None]
    assert w.denials() == refusals
    nonces: set[str] = set()
    people = 0
    for s, v in zip(sc.steps, verdicts, strict=True):
        if v[0] == "ok" and not (s.nonce and s.nonce in nonces):
            people += v[1]
        people -= v[1] if v[0] == "undone" else 0
        nonces |= {s.nonce} if v[0] == "ok" else set()
    checked_in = int(w.redis.hget(w.store.k("stats", AID), "checked_in") or 0)
    assert sum(w.gates().values()) == sum(w.admitted().values()) == checked_in == people


def lua(settings: Any, redis: Any, sc: Scenario) -> list:
    """admit.lua and undo.lua called directly: None for the rows judged before the atomic step."""
    w = _world(settings, redis, sc, "l:")
    before = sc.forged or not sc.staff.may_access(activity(**sc.act)["venue"]["id"])
    party = min(sc.party, sc.reduced or sc.party)
    verdicts: list[Verdict | None] = []
    checkins = []
    for i, step in enumerate(sc.steps):
        at = T0 + timedelta(minutes=step.minutes)
        w.clock.set(at)
        if step.release:
            w.release()
        if step.undo is not None:
            cid = checkins[step.undo] if step.undo >= 0 else "c-unknown"
            got = w.store.undo(UndoStep(AID, cid, "org", at.isoformat()))
            verdicts.append(undone(got["reverted"]) if got["status"] == V.OK else no(got["reason"]))
            checkins.append("")
            continue
        if before or not sc.staff.may_use_gate(step.gate):
            verdicts.append(None)
            checkins.append("")
            continue
        given = _given(sc, step)
        got = w.store.admit(
            AdmitStep(
                checkin_id=f"c{i}",
                activity_id=AID,
                registration_id=RID,
                venue_id=VENUE,
                party_size=party,
                admit=step.admit,
                gate=step.gate,
                at_iso=at.isoformat(),
                bucket=admission.bucket(at),
                nonce=step.nonce,
                staff="s",
                occurred_at=at.isoformat(),
                refusal=given[1] if given else "",
                card=w.cards.read(AID, step.card),
                card_required=w.cards.required,
                ticks=json.dumps([{"member": m, "id_hash": w.cards.read(AID, n)} for m, n in step.ticks])
                if step.ticks
                else "",
            )
        )
        checkins.append(got.get("checkin_id", ""))
        if got["status"] == V.OK:
            verdicts.append(ok(got["admitted"]))
        elif given and got["reason"] == given[1]:  # the use case's refusal, recorded in this step
            verdicts.append(given)
        else:
            verdicts.append(no(got["reason"]))
    return verdicts


def doorbook(tmp_path: Path, sc: Scenario, states: list[dict], code: str) -> list:
    """doorbook.js's verdicts for the steps the scanner judges offline (None for the others)."""
    for name in ("doorbook.js", "door_rules.js", "vocabulary.js", "ticket.js"):
        shutil.copy(STATIC / name, tmp_path / name)
    (tmp_path / "package.json").write_text('{"type": "module"}')
    (tmp_path / "run.js").write_text(RUNNER)
    steps = []
    for step, state in zip(sc.steps, states, strict=True):
        if not step.offline:
            continue
        act = next((a for a in state["activities"] if a["id"] == AID), None)
        card = door_id.door_hash(bytes.fromhex(act["door_key"]), step.card) if step.card and act else ""
        now = (T0 + timedelta(minutes=step.minutes)).timestamp()
        ticks = [{"member": m, "id_hash": door_id.door_hash(bytes.fromhex(act["door_key"]), n) if n else ""}
                 for m, n in step.ticks] if act else []  # fmt: skip
        steps.append(
            {"code": code, "state": state, "now": now, "admit": step.admit, "gate": step.gate, "card": card,
             "ticks": ticks or None}
            | {"device": step.device}
        )  # fmt: skip
    done = subprocess.run(
        ["node", "run.js"], cwd=tmp_path, input=json.dumps(steps), capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 0, done.stderr
    judged = iter(json.loads(done.stdout))
    return [tuple(next(judged)) if step.offline else None for step in sc.steps]


@pytest.mark.skipif(shutil.which("node") is None, reason="Node runs the scanner's module")
@pytest.mark.parametrize("name", list(SCENARIOS))
def test_every_door_agrees_with_the_scenario(store_settings, store_redis, tmp_path, name):
    sc = SCENARIOS[name]
    expected = [s.expect for s in sc.steps]
    online, states, code = use_case(store_settings, store_redis, sc)
    judged, _, _ = use_case(store_settings, store_redis, sc, first=True)  # issue 26
    offline = doorbook(tmp_path, sc, states, code)
    atomic = lua(store_settings, store_redis, sc)
    assert {"use case": online, "judged first": judged, "admit.lua": atomic, "doorbook": offline} == {
        "use case": expected,
        "judged first": expected,
        "admit.lua": [None if a is None else e for a, e in zip(atomic, expected, strict=True)],
        "doorbook": [e if s.offline else None for s, e in zip(sc.steps, expected, strict=True)],
    }


def test_the_scenarios_cover_every_row_of_the_table():
    """Each refusing row of the door's table (and of undo) is some scenario's verdict."""
    reasons = {s.expect[1] for sc in SCENARIOS.values() for s in sc.steps if s.expect[0] == "refused"}
    rows = {r.reason for r in door_rules.RULES if r.reason} | set(door_rules.UNDO)
    assert rows - reasons == set()
    assert {V.ID_REQUIRED, V.ALREADY_CHECKED_IN} <= reasons


# -- every combination of the rows that order each other (was tests/unit/test_doorbook_agrees.py) --
MINUTES = {"too early": -45, "inside": 0, "too late": 160}  # the door is open from -30 to +150
PLANS = {"any gate": None, "this activity": [AID], "others only": ["another"]}
COMBINATIONS = list(
    itertools.product(
        (VENUE, OTHER),  # the venue of the steward's token
        ("scheduled", V.CANCELLED),
        tuple(MINUTES),
        (False, True),  # revoked
        (0, 1, 3),  # people already in (of 3)
        (VENUE, OTHER),  # the activity's current venue (the ticket is signed for VENUE)
        tuple(PLANS),
    )
)
COMBINED = """
import { judge } from "./doorbook.js";
const cases = JSON.parse(await new Promise((ok) => { let s = ""; process.stdin.on("data", (d) => s += d);
                                                       process.stdin.on("end", () => ok(s)); }));
console.log(JSON.stringify(cases.map((c) => {
  const v = judge(c.ticket, c.state, c.entry, c.now);
  return v.ok ? ["ok", v.remaining] : ["refused", v.reason, v.side || ""];
})));
"""


def _combined_use_case(w: DoorWorld, staff_venue, status, when, revoked, already, act_venue, plan) -> list:
    w.put_activity(activity(venue=act_venue))
    if PLANS[plan] is not None:
        w.store.set_gate(staff_venue, "2号门", PLANS[plan])
    w.put_registration(RID, party=3)
    code = w.sign(RID, 3)
    if already:
        w.scan(code, "1号门", ORGANIZER, admit=already)
    if revoked:
        w.projection.revoke(AID, RID)
    w.put_activity(activity(status=status, venue=act_venue))
    w.clock.set(T0 + timedelta(minutes=MINUTES[when]))
    try:
        got = w.scan(code, "2号门", Staff("s", staff_venue))
    except Refusal as r:
        return ["refused", r.reason, r.details.get("side", "")]
    return ["ok", got["admitted"]]


def _combined_state(staff_venue, status, when, revoked, already, act_venue, plan) -> dict:
    opens, closes = admission.window(activity(), None, OPENS)
    act = {"id": AID, "title": {"zh": "巨幕专场"}, "venue_id": act_venue, "venue_name": "馆"}
    listed = {
        **act,
        "status": status,
        "opens_at": opens,
        "closes_at": closes,
        "revoked": [RID] if revoked else [],
    }
    start = int((T0 + timedelta(minutes=30)).timestamp())
    return {
        "ticket": {"registration_id": RID, "activity_id": AID, "venue_id": VENUE, "party_size": 3}
        | {"valid_from": start - 3600, "valid_until": start + 7200},
        # The scanner state lists this venue's activities in full, other venues' by name.
        "state": {
            "venue": staff_venue,
            "activities": [listed] if act_venue == staff_venue else [],
            "elsewhere": [] if act_venue == staff_venue else [act],
            "gate_activities": PLANS[plan],
        },
        "entry": {"admitted": already, "first_at": T0.isoformat(), "gate": "1号门", "server": True}
        if already
        else None,
        "now": int((T0 + timedelta(minutes=MINUTES[when])).timestamp()),
    }


@pytest.mark.skipif(shutil.which("node") is None, reason="Node runs the scanner's module")
def test_every_combination_of_the_ordering_rows_agrees(store_settings, store_redis, tmp_path):
    """Venue, gate plan, cancelled activity, window, revocation and people already in, in every
    combination: the use case (over admit.lua) and doorbook.js give the same verdict."""
    for name in ("doorbook.js", "door_rules.js", "vocabulary.js"):
        shutil.copy(STATIC / name, tmp_path / name)
    (tmp_path / "package.json").write_text('{"type": "module"}')
    (tmp_path / "run.js").write_text(COMBINED)
    done = subprocess.run(
        ["node", "run.js"],
        cwd=tmp_path,
        input=json.dumps([_combined_state(*c) for c in COMBINATIONS]),
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr
    offline = json.loads(done.stdout)
    online = []
    for i, c in enumerate(COMBINATIONS):
        w = DoorWorld(
            store_settings.with_overrides(redis_prefix=f"{store_settings.redis_prefix}{i}:"), store_redis
        )
        online.append(_combined_use_case(w, *c))
    assert [(c, j) for c, j, p in zip(COMBINATIONS, offline, online, strict=True) if j != p] == []
    # Every ordering row was reached, so agreement means something.
    assert {v[1] for v in online if v[0] == "refused"} == {
        V.WRONG_VENUE, V.WRONG_GATE, V.ACTIVITY_CANCELLED, V.INVALID_TIME, V.REVOKED, V.ALREADY_CHECKED_IN
    }  # fmt: skip
    assert any(v[0] == "ok" for v in online)
