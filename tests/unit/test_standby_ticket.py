"""A called walk-in's signed standby ticket (issue 15 §3): its own kind of the ticket family, and
the door's rules over the real store on Redis (``standby_admit.lua``)."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from services.checkin import vocabulary as V
from shared.tickets import STANDBY, InvalidTicket, KeyRing, Ticket, standby_id
from tests.unit.fakes_checkin import T0, VENUE, activity
from tests.unit.test_door_rules import ORGANIZER, World

AID = "imax-0530"
STATIC = Path(__file__).resolve().parents[2] / "services" / "checkin" / "static"


def ring() -> KeyRing:
    return KeyRing({1: Ed25519PrivateKey.generate()})


def standby_ticket(number: int, aid: str = AID, party: int = 2, venue: str = VENUE) -> Ticket:
    start = int(T0.timestamp())
    return Ticket(standby_id(number), aid, venue, party, start - 3600, start + 7200, 1, STANDBY)


def test_a_standby_ticket_is_its_own_kind_and_names_its_number():
    keys = ring()
    code = keys.sign_standby(
        number=7, activity_id=AID, venue_id=VENUE, party_size=2, valid_from=1, valid_until=2
    )
    assert code.startswith("SB1.")
    got = keys.verify(code)
    assert (got.kind, got.standby_number, got.activity_id, got.venue_id, got.party_size) == (
        STANDBY,
        7,
        AID,
        VENUE,
        2,
    )
    registration = keys.sign(
        registration_id=standby_id(7),
        activity_id=AID,
        venue_id=VENUE,
        party_size=2,
        valid_from=1,
        valid_until=2,
    )
    assert keys.verify(registration).standby_number is None  # SD1: a registration, whatever its id


def test_a_standby_ticket_cannot_pass_for_a_registration_nor_the_reverse():
    keys = ring()
    sb = keys.sign_standby(
        number=1, activity_id=AID, venue_id=VENUE, party_size=4, valid_from=1, valid_until=2
    )
    sd = keys.sign(registration_id=standby_id(1), activity_id=AID, venue_id=VENUE, party_size=4, valid_from=1,
                   valid_until=2)  # fmt: skip
    for forged in ("SD1." + sb[4:], "SB1." + sd[4:]):  # the same bytes under the other kind's prefix
        with pytest.raises(InvalidTicket, match="bad signature"):
            keys.verify(forged)
    other = ring()
    with pytest.raises(InvalidTicket):
        other.verify(sb)


@pytest.fixture
def w(store_settings, store_redis) -> World:
    return World(store_settings, store_redis)


def called(w: World, number: int = 1, party: int = 2, aid: str = AID) -> str:
    w.standby(aid, number, V.CALLED, party)
    return w.tickets.add(standby_ticket(number, aid, party))


def test_a_called_number_is_admitted_once_whole_and_counted_at_its_gate(w):
    code = called(w, 3, party=2)
    got = w.scan(code, gate="2号门")
    assert (got["status"], got["admitted"], got["remaining"]) == (V.OK, 2, 0)
    assert got["registration"]["standby_number"] == 3 and got["registration"]["name_masked"] == ""
    assert w.gates(AID) == {"2号门": 2}
    again = w.refused(code, gate="1号门")
    assert again.reason == V.ALREADY_CHECKED_IN
    assert (
        again.details["first_gate"] == "2号门"
        and again.details["first_checked_in_at"] == got["checked_in_at"]
    )
    assert w.gates(AID) == {"2号门": 2}


def test_a_number_not_called_yet_or_unknown_is_refused(w):
    w.standby(AID, 1, V.WAITING, 1)
    waiting = w.tickets.add(standby_ticket(1, party=1))
    assert w.refused(waiting).reason == V.NOT_CALLED
    assert w.refused(w.tickets.add(standby_ticket(9))).reason == V.UNKNOWN_NUMBER
    w.standby(AID, 1, V.CALLED, 1)
    assert w.scan(waiting)["admitted"] == 1  # once called, the same ticket gets in


def test_a_standby_ticket_gets_in_only_at_its_own_venue_activity_and_time(w):
    w.put_activity(activity("other", venue="sy-sci"))
    w.standby("other", 1, V.CALLED, 2)
    elsewhere = w.tickets.add(standby_ticket(1, "other", venue="sy-sci"))
    assert w.refused(elsewhere).reason == V.WRONG_VENUE  # a steward of another venue
    w.store.set_gate(VENUE, "1号门", ["imax-0531"])
    assert w.refused(called(w, 2)).reason == V.WRONG_GATE  # a gate open for another activity only
    assert w.standby_status(AID, 2) == V.CALLED
    late = called(w, 4)
    w.clock.advance(hours=3)  # 12:30: the door closed at 12:00
    refused = w.refused(late, gate="3号门", staff=ORGANIZER)
    assert (refused.reason, refused.variant) == (V.INVALID_TIME, V.TOO_LATE)
    assert w.standby_status(AID, 4) == V.CALLED  # refused before the atomic step: seat kept


RUNNER = """
import { KeySet } from "./ticket.js";
let input = "";
process.stdin.on("data", (d) => (input += d));
process.stdin.on("end", async () => {
  const { keys, codes } = JSON.parse(input);
  const set = new KeySet(keys), out = [];
  for (const code of codes) {
    try { out.push(await set.verify(code)); } catch (err) { out.push({ refused: err.message }); }
  }
  console.log(JSON.stringify(out));
});
"""


@pytest.mark.skipif(shutil.which("node") is None, reason="Node is needed to run the scanner's module")
def test_the_scanner_module_reads_a_standby_ticket_as_python_signs_it(tmp_path):
    keys = ring()
    window = {"venue_id": VENUE, "valid_from": 1, "valid_until": 2}
    sb = keys.sign_standby(number=12, activity_id=AID, party_size=3, **window)
    sd = keys.sign(registration_id=standby_id(12), activity_id=AID, party_size=3, **window)
    for name in ("ticket.js", "vocabulary.js"):
        shutil.copy(STATIC / "js" / name, tmp_path / name)
    (tmp_path / "package.json").write_text('{"type": "module"}')
    (tmp_path / "run.js").write_text(RUNNER)
    codes = [sb, sd, "SD1." + sb[4:], "SB1." + sd[4:]]
    done = subprocess.run(["node", "run.js"], cwd=tmp_path, capture_output=True, text=True, timeout=60,
                          input=json.dumps({"keys": keys.public_list(), "codes": codes}))  # fmt: skip
    assert done.returncode == 0, done.stderr
    standby, registration, forged_sd, forged_sb = json.loads(done.stdout)
    assert (
        standby["kind"],
        standby["standby_number"],
        standby["registration_id"],
        standby["party_size"],
    ) == (
        "standby",
        12,
        f"standby:{AID}:12",
        3,
    )
    assert registration["kind"] == "registration" and "standby_number" not in registration
    assert forged_sd == {"refused": "bad signature"} and forged_sb == {"refused": "bad signature"}


def test_a_retried_upload_of_a_standby_scan_gets_its_first_answer(w):
    code = called(w, 5, party=2)
    first = w.scan(code, nonce="n-1")
    again = w.scan(code, nonce="n-1")  # the same scan uploaded twice (a lost answer)
    assert (first["replayed"], again["replayed"], again["admitted"]) == (False, True, 2)
    assert w.gates(AID) == {"1号门": 2}  # counted once
    assert w.refused(code, nonce="n-2").reason == V.ALREADY_CHECKED_IN  # another scan of it
