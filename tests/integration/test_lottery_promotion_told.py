"""The promoted entrant's message on real Redis (lottery_promoted.lua): after a forfeit the
scheduler's step emits one LotteryEntryWon for the promoted entry, with its own event id (not the
draw's), sealed contact fields as the outcomes have, passing its schema; a rerun emits nothing."""

from __future__ import annotations

from services.registration.lottery import draw as lot
from services.registration.lottery.store import LotteryStore
from shared.events import validate_data
from tests.integration.test_lottery_redis import AID, T0, enter_many, lottery, outbox


def test_a_forfeit_tells_the_promoted_entrant_once_with_a_new_event(settings, redis):
    store = LotteryStore(redis, settings)
    lot.open_lottery(store, lottery(capacity=2, confirm_hours=2))
    enter_many(store, 3, sizes=(2,))
    lot.draw_due(store, now=T0 + 7200, settle=lambda aid: False)
    d = store.get_draw(AID)
    (winner,), (first, second) = d.winners, d.waitlist
    late = T0 + 7200 + 3 * 3600  # the winner did not confirm within 2 hours
    lot.draw_due(store, now=late, settle=lambda aid: False)
    lot.draw_due(store, now=late + 60, settle=lambda aid: False)  # a rerun tells nobody twice
    events = [e for e in outbox(redis, settings) if e["type"].startswith("LotteryEntry")]
    assert [(e["type"], e["data"]["entry_id"]) for e in events] == [
        ("LotteryEntryWon", winner),
        ("LotteryEntryWaitlisted", first),
        ("LotteryEntryWaitlisted", second),
        ("LotteryEntryWon", first),
    ]
    promoted = events[-1]
    assert promoted["event_id"] not in {e["event_id"] for e in events[:-1]}
    assert promoted["data"]["position"] == 2 and promoted["data"]["confirm_hours"] == 2
    for e in events:
        validate_data(e["type"], e["version"], e["data"])
    assert store.promotions_told(AID) == 1
