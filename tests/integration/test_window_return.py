"""Issue 29 on real Redis and the real broker: the window's unbooked kept seats go to on-site
standby at the start.  quota_return.lua (run by the registration scheduler from the start on)
tells check-in through the existing SeatsHandedBack (the count with a revision), via the outbox,
the relay and Kafka, and the standby pool takes them at the release with the unscanned seats."""

from __future__ import annotations

from datetime import datetime, timedelta

from services.registration.seats.quota_store import QuotaReturns
from tests.integration.test_checkin_api import door, soon, verdict
from tests.integration.test_standby_handback import desk, flowing, handed_back_shown, release


def test_the_window_unbooked_seats_reach_the_standby_pool_at_the_start(flowing):
    door, aid = flowing, "win-sb"
    door.activity(soon(aid, capacity=4, waitlist={"enabled": False}, quotas={"window": {"seats": 3}}))
    online = door.register(aid, phone="13800000001", party=1)
    body = {"name": "李大爷", "organization": "退休", "party_size": 1}
    booked = verdict(
        door.reg.post(f"/api/v1/activities/{aid}/window-registrations", json=body, headers=door.steward), 201
    )
    assert booked["channel"] == "window"
    refused = door.reg.post(
        f"/api/v1/activities/{aid}/registrations",
        json={"name": "王五", "phone": "13800000002", "organization": "科学院", "party_size": 1},
    )
    assert verdict(refused, 409)["reason"] == "sold_out"  # the two kept seats are not online's
    verdict(door.scan(online["ticket"]["code"]), 201)
    starts = datetime.fromisoformat(door.reg.get(f"/api/v1/activities/{aid}").get_json()["starts_at"])
    returns = QuotaReturns(door.redis, door.settings)
    assert returns.give_back(aid, starts - timedelta(seconds=1)) == ("too_early", 0)
    assert returns.give_back(aid, starts + timedelta(seconds=1)) == ("ok", 2)
    assert returns.give_back(aid, starts + timedelta(seconds=2)) == ("already", 2)
    handed_back_shown(door, aid, 2)  # through the outbox, the relay, Kafka and the projection
    got = release(door, aid)
    assert (got["released"], got["handed_back"]) == (1, 2)  # the window's unscanned walk-in + 2 returned
    assert desk(door, aid)["seats_free"] == 3
