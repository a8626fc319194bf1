"""Slow clients cannot starve the workers (issue 23 §3): 200 sockets per web service, each sending
a header line every 5 s for 30 s, while normal clients register and ask for health.

Every normal request must get an answer within ANSWER_BOUND_S; the p99 is printed and recorded in
var/faults/slowloris-*.json (the target is under 1 s) but not asserted, since a timing in an
assertion flakes on a busy machine.  Before the fix the normal client got no answer at all.
"""

from __future__ import annotations

from tests.faults.slowloris import assert_nobody_starved, health, registering, run_drill


def test_slowloris_on_every_web_service_starves_no_one(drill):
    drill.activity(capacity=150)
    ports = {c.name: int(c.url.rsplit(":", 1)[1]) for c in drill.stack.children if c.url and not c.sink}
    clients = [
        registering(drill.reg, "drill"),
        health("checkin", f"http://127.0.0.1:{ports['checkin']}"),
        health("notify", f"http://127.0.0.1:{ports['notify']}"),
    ]
    targets = [("127.0.0.1", ports[name]) for name in ("registration", "checkin", "notify")]
    figures = run_drill("slowloris-stack", targets, clients)
    assert_nobody_starved(figures)
    for attack in figures["slow_sockets"]:  # cut off at SCIDAY_WEB_HEADER_TIMEOUT_S, then back
        assert attack["closed_by_server"] >= 100, attack
