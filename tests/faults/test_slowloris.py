"""Slow clients cannot starve the workers (issue 23 §3): 200 sockets per web service, each sending
a header line every 5 s for 30 s, while normal clients register and ask for health.

Every normal request must get an answer within ANSWER_BOUND_S; the p99 is printed and recorded in
var/faults/slowloris-*.json (the target is under 1 s) but not asserted, since a timing in an
assertion flakes on a busy machine.  Before the fix the normal client got no answer at all.
"""

from __future__ import annotations

import itertools

from tests.faults.slowloris import ANSWER_BOUND_S, SOCKETS, NormalClient, run_drill


def registering(base: str, aid: str) -> NormalClient:
    """A person registering (a new phone each time), then looking at the activity."""
    phones = (f"1{5_600_000_000 + i:010d}" for i in itertools.count())
    turn = itertools.count()

    def ask(session):
        if next(turn) % 2:
            return session.get(f"{base}/api/v1/activities/{aid}", timeout=ANSWER_BOUND_S)
        return session.post(
            f"{base}/api/v1/activities/{aid}/registrations",
            json={"name": "演练", "phone": next(phones), "party_size": 1},
            timeout=ANSWER_BOUND_S,
        )

    return NormalClient("registration", ask)


def health(name: str, base: str) -> NormalClient:
    return NormalClient(name, lambda session: session.get(f"{base}/healthz", timeout=ANSWER_BOUND_S))


def assert_nobody_starved(figures: dict) -> None:
    for attack in figures["slow_sockets"]:
        # The drill really held its sockets open (otherwise it proves nothing).
        assert attack["most_open"] >= SOCKETS * 0.9, attack
    for name, c in figures["clients"].items():
        assert not c["starved"], f"{name}: normal requests got no answer in {ANSWER_BOUND_S}s: {c}"
        assert c["requests"] >= 10, (name, c)
        unexpected = {k: v for k, v in c["answers"].items() if k not in ("200", "201", "409")}
        assert not unexpected, (name, c)


def test_slowloris_on_every_web_service_starves_no_one(drill):
    drill.activity(capacity=150)
    ports = {c.name: int(c.url.rsplit(":", 1)[1]) for c in drill.stack.children if c.url and not c.sink}
    clients = [
        registering(drill.reg, "drill"),
        health("checkin", f"http://127.0.0.1:{ports['checkin']}"),
        health("notify", f"http://127.0.0.1:{ports['notify']}"),
    ]
    targets = [("127.0.0.1", ports[name]) for name in ("registration", "checkin", "notify")]
    assert_nobody_starved(run_drill("slowloris-stack", targets, clients))
