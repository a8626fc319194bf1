"""A lottery group tells each party once per round (issue 27): one outcome event per party and
round in the outbox (version 4: ``round``, ``rounds``, ``group_id``), and the notify worker, fed
every event twice, sends one SMS per party per round, the not-drawn one of round 1 saying that
round 2 is to come."""

from __future__ import annotations

from collections import Counter

from services.registration.app import create_app
from services.registration.bootstrap import EXTENSION
from services.registration.lottery import rounds_settle
from services.registration.lottery.group_rounds_store import GroupRoundsStore
from shared import events as ev
from shared.auth import create_token
from shared.envelope import decode
from shared.outbox import stream_key
from tests.conftest import activity_doc, wait_for
from tests.group_support import Party, lottery_sessions, write_group
from tests.integration.notify_support import (
    activity_event,
    gateway,
    mailbox,
    notify_settings,
    snapshot,
    start_worker,
    topics,
)
from tests.integration.test_group_rounds import T
from tests.integration.test_lottery_wired import produce

__all__ = ["gateway", "mailbox", "notify_settings", "topics"]  # fixtures, used by name
GID = "told-week"
SESSIONS = {"told-a": 2, "told-b": 2}
PARTIES = [Party(["told-a", "told-b"], 2), Party(["told-a"], 2), Party(["told-b", "told-a"], 1)] + [
    Party(["told-a", "told-b"], 1) for _ in range(4)
]


def outcome_events(redis, settings) -> list[dict]:
    envs = [decode(f[b"envelope"]) for _id, f in redis.xrange(stream_key(settings))]
    return [e for e in envs if e["type"] in (ev.LOTTERY_ENTRY_WON, ev.LOTTERY_ENTRY_WAITLISTED)]


def test_each_party_is_told_once_per_round_even_when_every_event_is_delivered_twice(
    notify_settings, redis, settings, topics, gateway, mailbox
):
    app = lottery_sessions(settings, redis, SESSIONS)
    ports, store = app.extensions[EXTENSION], GroupRoundsStore(redis, settings)
    write_group(redis, settings, GID, PARTIES, draw_at=T, round2_at=T + 300)
    rounds_settle.step(ports, store, GID, now=T)
    rounds_settle.step(ports, store, GID, now=T)  # a second pass tells nobody again
    rounds_settle.step(ports, store, GID, now=T + 300)
    drawn = store.rounds(GID)
    told = outcome_events(redis, settings)
    for e in told:
        ev.validate_data(e["type"], e["version"], e["data"])
    per_round = Counter((e["data"]["entry_id"], e["data"]["round"]) for e in told)
    assert per_round == Counter({(eid, r.round_no): 1 for r in drawn for eid in r.order})
    assert {e["version"] for e in told} == {4} and {e["data"]["group_id"] for e in told} == {GID}

    everything = [activity_event("ActivityPublished", snapshot(aid)) for aid in SESSIONS]
    everything += [decode(f[b"envelope"]) for _id, f in redis.xrange(stream_key(settings))]
    produce(notify_settings, everything)
    produce(notify_settings, everything)  # every event twice
    worker = start_worker(notify_settings, redis)
    try:
        wait_for(lambda: len(gateway.messages) >= len(told), timeout=40, what="one SMS per party and round")
        produce(notify_settings, told)  # redelivered once more after they were sent
        deliveries = worker.deliveries
        wait_for(lambda: deliveries.queued("sms") == 0, what="queue drained")
    finally:
        worker.shutdown()
    phones = Counter(m["phone"] for m in gateway.messages)
    rounds_taken = Counter(e["data"]["entry_id"] for e in told)
    assert phones == Counter({f"139{int(eid[1:], 16):08d}": n for eid, n in rounds_taken.items()})
    lost_first = [
        m for m in gateway.messages if "第2轮" in m.get("text", "") or "round 2" in m.get("text", "")
    ]
    assert len(lost_first) == len(drawn[0].order) - len(drawn[0].wins)
