"""Issue 23's lottery findings on real Redis: what a refused entry tells another phone (finding 10)
and the per-ID day and festival caps at entry and at settlement (finding 4)."""

from __future__ import annotations

import json

import pytest

from services.registration.bootstrap import EXTENSION
from services.registration.lottery import draw as lot
from services.registration.lottery import entry as lottery_entry
from shared.envelope import decode
from shared.outbox import stream_key
from tests.conftest import activity_doc
from tests.fair_support import bearer, member, seed_session
from tests.integration.test_lottery_wired import AID, app, enter, opened, org, phone


def test_already_entered_tells_another_phone_nothing_of_the_other_entry(app, org, redis, settings):
    client, _draw_at = opened(app, org)
    first = enter(client, redis, settings, 1)
    assert first.status_code == 201, first.get_json()
    entry_id = first.get_json()["entry_id"]
    other = client.post(  # another phone, one member shared with the first entry
        f"/api/v1/activities/{AID}/lottery/entries",
        json={"name": "李四", "organization": "中国科学院", "party_size": 1, "members": [member(100)]},
        headers=bearer(seed_session(redis, settings.redis_prefix, phone(77))),
    )
    assert (other.status_code, other.get_json()["reason"]) == (409, "already_entered")
    text = json.dumps(other.get_json(), ensure_ascii=False)
    assert entry_id not in text and "entry_id" not in text
    assert phone(1) not in text and phone(1)[-4:] not in text


def book(client, redis, settings, aid: str, ids: list[int], who: int) -> None:
    """A first-come registration for the members ``ids`` (another phone, so only the IDs count)."""
    body = {
        "name": "王五",
        "organization": "中国科学院",
        "party_size": len(ids),
        "members": [member(i) for i in ids],
    }
    headers = bearer(seed_session(redis, settings.redis_prefix, phone(who)))
    r = client.post(f"/api/v1/activities/{aid}/registrations", json=body, headers=headers)
    assert r.status_code == 201, r.get_json()


def two_more_activities(client, org, redis, settings, ids: list[int], who: int) -> None:
    """Puts ``ids`` at the per-day cap (2, the default) on the lottery's festival day."""
    for n in (1, 2):
        aid = f"fcfs-{n}"
        made = client.post("/api/v1/activities", json=activity_doc(aid, real_name=True), headers=org)
        assert made.status_code == 201, made.get_json()
        book(client, redis, settings, aid, ids, who + n)


def test_an_id_at_its_day_cap_cannot_enter_a_lottery_that_day(app, org, redis, settings):
    client, _draw_at = opened(app, org)
    two_more_activities(client, org, redis, settings, [100], who=60)
    refused = enter(client, redis, settings, 1)  # members 100 and 101
    assert (refused.status_code, refused.get_json()["reason"]) == (409, "id_limit_reached")
    assert redis.hlen(f"{settings.redis_prefix}lot:entries:{{{AID}}}") == 0
    assert enter(client, redis, settings, 2).status_code == 201  # IDs below the cap still enter


@pytest.mark.usefixtures("v1_lottery")  # issue 27: v1's own draw and settlement
def test_a_winner_whose_id_reached_the_cap_since_entering_is_skipped_for_the_next_drawn(
    app,
    org,
    redis,
    settings,
):
    client, draw_at = opened(app, org, capacity=2)  # seats for one party of two
    entries = {enter(client, redis, settings, i).get_json()["entry_id"]: i for i in (1, 2)}
    store, ports = app.extensions["sciday.lotteries"], app.extensions[EXTENSION]
    d = lot.draw(store, AID, now=draw_at)
    (winner,), (next_drawn,) = d.seated, d.waiting
    two_more_activities(client, org, redis, settings, [100 * entries[winner]], who=60)  # at 2 now

    counts = lottery_entry.register_outcomes(ports, store, AID)
    assert counts == {"skipped": 1, "confirmed": 1}
    seats = ports.seats
    assert seats.get_registration(lottery_entry.registration_id(AID, winner)) is None
    taken = seats.get_registration(lottery_entry.registration_id(AID, next_drawn))
    assert taken["status"] == "confirmed" and taken["party_size"] == 2
    assert lottery_entry.register_outcomes(ports, store, AID) == {"replay": 1, "skipped": 1}  # stays so
    lot.publish(store, d)
    told = {(e["type"], e["data"]["entry_id"]) for e in lottery_events(redis, settings)}
    assert told == {("LotteryEntryWon", next_drawn)}  # the skipped party is not told it won
    for entry_id, outcome in ((winner, "skipped"), (next_drawn, "won")):  # as 我的报名 shows them
        mine = client.get(
            "/api/v1/me/registrations",
            headers=bearer(seed_session(redis, settings.redis_prefix, phone(entries[entry_id]))),
        ).get_json()
        assert [e["outcome"] for e in mine["lottery_entries"]] == [outcome]


def lottery_events(redis, settings) -> list[dict]:
    out = [decode(f[b"envelope"]) for _id, f in redis.xrange(stream_key(settings))]
    return [e for e in out if e["type"].startswith("LotteryEntry")]


def test_a_group_of_one_never_seats_a_party_whose_id_reached_the_cap_since_entering(
    app, org, redis, settings
):
    """Issue 27: the per-ID cap holds at a v2 group of one's settlement: party 1's ID reaches its
    day cap after entering; whichever party the beacon draws first, party 1 is never seated and
    party 2 takes the seats (as the winner, or from the waitlist at the next hand-back pass)."""
    from services.registration.lottery import group_edge, groups, rounds_settle
    from services.registration.lottery.group_rounds_store import GroupRoundsStore

    client, draw_at = opened(app, org, capacity=2)  # seats for one party of two
    entries = {i: enter(client, redis, settings, i).get_json()["entry_id"] for i in (1, 2)}
    two_more_activities(client, org, redis, settings, [100], who=60)  # party 1's first ID at 2 now
    with app.test_request_context():
        assert groups.freeze(group_edge.engine(), AID, draw_at - 3600 + 1)
    rounds = GroupRoundsStore(redis, settings)
    rounds_settle.step(app.extensions[EXTENSION], rounds, AID, now=draw_at + 1)
    assert rounds.round(AID, 1) is not None
    # a skipped winner's seats go to the waitlist at the next hand-back pass
    rounds_settle.step(
        app.extensions[EXTENSION], rounds, AID, now=draw_at + settings.lottery_handback_poll_s + 2
    )
    seats = app.extensions[EXTENSION].seats
    assert seats.get_registration(lottery_entry.registration_id(AID, entries[1])) is None
    taken = seats.get_registration(lottery_entry.registration_id(AID, entries[2]))
    assert taken is not None and taken["status"] == "confirmed" and taken["party_size"] == 2
