"""The signed standby ticket on real Redis (issue 15 §3): the join page shows it once the number is
called, the scanner's API admits it like any other ticket, once, whole party, and racing scans (and
a steward admitting the same number by hand) give the seat once."""

from __future__ import annotations

import re
import threading

from services.checkin.standby import usecases as sb
from services.checkin.standby.scheduler import tick
from services.checkin.standby.store import StandbyStore
from tests.integration.test_checkin_api import door, soon, verdict
from tests.integration.test_standby_wiring import as_walk_in, events, take_number, wired

POLICY = sb.Policy(opens_before_min=60, release_grace_min=10, max_party_size=4)


def ticket_on(html: str) -> str | None:
    found = re.search(r'data-ticket="(SB1\.[A-Za-z0-9_-]+)"', html)
    return found.group(1) if found else None


def called_walk_in(door, aid: str, phone: str = "13900000077", party: int = 2) -> str:
    """A no-show party of ``party`` frees the seats; the walk-in joins, is called, gets its ticket."""
    door.activity(soon(aid))
    door.register(aid, "13800000001", party=party)
    door.project()
    as_walk_in(door, phone)
    assert take_number(door, aid, party).status_code == 201
    waiting = door.reg.get(f"/standby/{aid}")
    assert 'data-number="1"' in waiting.text and ticket_on(waiting.text) is None  # not called yet
    store = StandbyStore(door.redis, door.settings)
    due = sb.release_due_at(store.activity(aid), POLICY)
    assert tick(store, POLICY, auto_call=True, now=due) == {aid: {"released": party, "called": [1]}}
    page = door.reg.get(f"/standby/{aid}?lang=en")
    code = ticket_on(page.text)
    assert page.status_code == 200 and code, page.text
    assert "<svg" in page.text and "Your number has been called" in page.text
    return code


def test_the_called_walk_in_gets_a_ticket_the_scanner_admits_once(wired, settings, redis):
    code = called_walk_in(wired, "sb-tk")
    got = verdict(wired.scan(code, gate="2号门"), 201)
    assert got["admitted"] == 2 and got["registration"]["standby_number"] == 1
    again = verdict(wired.scan(code, gate="1号门"), 409)
    assert again["reason"] == "already_checked_in" and again["detail"]["first_gate"] == "2号门"
    by_hand = wired.ck.post("/api/v1/activities/sb-tk/standby/admissions", json={"number": 1, "gate": "1号门"},
                            headers=wired.steward)  # fmt: skip
    assert verdict(by_hand, 409)["reason"] == "already_checked_in"  # the same step: no seat twice
    board = verdict(wired.ck.get("/api/v1/activities/sb-tk/standby", headers=wired.steward), 200)
    assert board["admitted"] == 2
    [call] = events(redis, settings, "StandbyCalled")
    assert call["version"] == 2 and call["data"]["ticket_url"].endswith("/standby/sb-tk")
    assert "phone" not in call["data"] and call["data"]["phone_masked"] == "139****0077"


def test_racing_scans_and_a_steward_admit_a_called_ticket_once(wired, settings, redis):
    code = called_walk_in(wired, "sb-race", party=3)
    barrier, answers = threading.Barrier(9), []

    def scan():
        barrier.wait()
        answers.append(wired.scan(code, gate="1号门").status_code)

    def by_hand():
        barrier.wait()
        resp = wired.ck.post("/api/v1/activities/sb-race/standby/admissions", json={"number": 1, "gate": "2号门"},
                             headers=wired.steward)  # fmt: skip
        answers.append(resp.status_code)

    threads = [threading.Thread(target=scan) for _ in range(8)] + [threading.Thread(target=by_hand)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    assert sorted(answers) == [201] + [409] * 8, answers
    gates = {
        k.decode(): int(v)
        for k, v in redis.hgetall(StandbyStore(redis, settings).k("gates", "sb-race")).items()
    }
    assert sum(gates.values()) == 3, gates  # the party of 3 counted once, at one gate


def test_a_ticket_of_a_number_not_called_or_another_activity_is_refused(wired, settings, redis):
    code = called_walk_in(wired, "sb-one")
    wired.activity(soon("sb-two"))
    keys = wired.reg.application.extensions["sciday.keys"]
    t = keys.verify(code)
    elsewhere = keys.sign_standby(number=1, activity_id="sb-two", venue_id=t.venue_id, party_size=2,
                                  valid_from=t.valid_from, valid_until=t.valid_until)  # fmt: skip
    assert verdict(wired.scan(elsewhere), 404)["reason"] == "unknown_number"  # sb-two has no number 1
    as_walk_in(wired, "13900000088")
    assert take_number(wired, "sb-one", 1).status_code == 201  # number 2, waiting: no seats left
    early = keys.sign_standby(number=2, activity_id="sb-one", venue_id=t.venue_id, party_size=1,
                              valid_from=t.valid_from, valid_until=t.valid_until)  # fmt: skip
    assert verdict(wired.scan(early), 409)["reason"] == "not_called"
    assert ticket_on(wired.reg.get("/standby/sb-one").text) is None  # its page shows no ticket either


def test_a_retried_upload_of_a_scanned_standby_ticket_is_replayed_not_counted_again(wired, settings, redis):
    code = called_walk_in(wired, "sb-nonce")
    first = verdict(wired.scan(code, nonce="scan-1"), 201)
    again = verdict(wired.scan(code, nonce="scan-1"), 201)
    assert (first["replayed"], again["replayed"], again["admitted"]) == (False, True, 2)
    assert verdict(wired.scan(code, nonce="scan-2"), 409)["reason"] == "already_checked_in"
    gates = redis.hgetall(StandbyStore(redis, settings).k("gates", "sb-nonce"))
    assert sum(int(v) for v in gates.values()) == 2
