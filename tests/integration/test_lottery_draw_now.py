"""Issue 25: the organizer's "draw now" (POST …/lottery/draw) runs the scheduler's sequence
(lottery_run.draw_now -> lottery.draw_one), not its own: the drawn lottery is registered, told and
taken off the due list, so the scheduler does not take it up again."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from services.registration.lottery import entry as lottery_entry
from tests.integration.test_lottery_wired import AID, TZ, app, enter, opened, org, outbox

# issue 27: these check the v1 lottery itself; new lotteries are v2 groups of one by default
pytestmark = pytest.mark.usefixtures("v1_lottery")


def test_drawing_by_hand_settles_tells_and_takes_the_lottery_off_the_due_list(app, org, redis, settings):
    client, _draw_at = opened(app, org, capacity=4)
    for i in range(3):
        assert enter(client, redis, settings, i, party=2).status_code == 201
    now = datetime.now(TZ).replace(microsecond=0)
    past = {
        "opens_at": (now - timedelta(hours=2)).isoformat(),
        "closes_at": (now - timedelta(hours=1)).isoformat(),
        "draw_at": (now - timedelta(minutes=1)).isoformat(),
        "confirm_hours": 0,
    }
    assert client.post(f"/api/v1/activities/{AID}/lottery", json=past, headers=org).status_code == 201
    store = app.extensions["sciday.lotteries"]
    assert AID in store.due(now.timestamp())

    drawn = client.post(f"/api/v1/activities/{AID}/lottery/draw", headers=org)

    assert drawn.status_code == 200 and drawn.get_json()["state"] == "drawn"
    assert AID not in store.due(now.timestamp() + 3600)  # the scheduler has nothing left to do
    told = [e["data"]["entry_id"] for e in outbox(redis, settings) if e["type"].startswith("LotteryEntry")]
    assert sorted(told) == sorted(drawn.get_json()["order"])
    made = {
        e["data"]["registration_id"] for e in outbox(redis, settings) if e["type"].startswith("Registration")
    }
    assert made == {lottery_entry.registration_id(AID, e) for e in drawn.get_json()["order"]}
