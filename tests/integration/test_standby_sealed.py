"""The standby phone sealed (issue 16): a walk-in joins through registration with a verified
phone, the number is called, StandbyCalled flows through check-in's relay to notify, which sends
the SMS.  Then every topic of the test is read from the beginning and every Redis key of the test
is dumped, and none holds the walk-in's phone in clear (nor its common transforms): check-in keeps
a keyed hash, the masked form and the phone sealed for notify; the event carries the sealed form."""

from __future__ import annotations

import json

from services.checkin.app import create_app as checkin_app
from services.checkin.standby import usecases as sb
from services.checkin.standby.scheduler import tick
from services.checkin.standby.store import StandbyStore
from services.registration.app import create_app
from shared.auth import create_token
from shared.outbox import start_relay
from tests.conftest import wait_for
from tests.integration.notify_support import gateway, mailbox, notify_settings
from tests.integration.test_checkin_api import soon
from tests.integration.test_personal_data import flowing, redis_dump, topic_dump, transforms, verified
from tests.integration.test_standby_wiring import InProcess

WALK_IN, HOLDER = "13912345678", "13787654321"
AID = "sb-sealed"


def test_no_standby_phone_in_clear_on_topics_or_in_redis_after_a_join_and_a_call(flowing, redis, gateway):
    settings = flowing
    reg = create_app(settings, redis_client=redis)
    client = reg.test_client()
    reg.extensions["sciday.standby_join"].session = InProcess(
        checkin_app(settings, redis_client=redis).test_client()
    )
    org = {"Authorization": "Bearer " + create_token(redis, settings.redis_prefix, "organizer", "t")}
    assert client.post("/api/v1/activities", json=soon(AID), headers=org).status_code == 201
    body = {"name": "李四光", "organization": "科学院", "party_size": 2}
    r = client.post(f"/api/v1/activities/{AID}/registrations", json=body, headers=verified(reg, HOLDER))
    assert r.status_code == 201, r.get_json()  # a party that will not come: 2 seats to release
    store = StandbyStore(redis, settings)
    wait_for(lambda: redis.hlen(store.projection.regs_key(AID)) == 1, what="the party at the door")

    r = client.post(f"/api/v1/me/standby/{AID}", json={"party_size": 2}, headers=verified(reg, WALK_IN))
    assert r.status_code == 201, r.get_json()
    assert r.get_json()["number"] == 1
    entry = json.loads(redis.hget(store.k("sbq", AID), "1"))
    assert entry["phone_masked"] == "139****5678" and entry["phone_sealed"].startswith("SX1.notify.")

    policy = sb.Policy.from_settings(settings)
    due = sb.release_due_at(store.activity(AID), policy)
    assert tick(store, policy, auto_call=True, now=due) == {AID: {"released": 2, "called": [1]}}
    relay = start_relay(settings, redis, "ck:outbox")
    try:
        sms = wait_for(
            lambda: [m for m in gateway.messages if m["phone"] == WALK_IN], what="the walk-in's SMS"
        )
        assert "现场候补1号" in sms[0]["text"]  # notify opened the sealed phone to send
    finally:
        relay.close()

    on_topics, records = topic_dump(settings)
    at_rest, keys = redis_dump(redis, settings.redis_prefix)
    assert '"type": "StandbyCalled"' in on_topics or '"type":"StandbyCalled"' in on_topics, (
        "the call was read"
    )
    assert records >= 3 and keys >= 10, (records, keys)  # the dumps did read what was written
    found = {
        "topics": [t for t in transforms(WALK_IN) if t in on_topics],
        "redis": [t for t in transforms(WALK_IN) if t in at_rest],
    }
    assert found == {"topics": [], "redis": []}, "the standby phone in clear"
    assert "139****5678" in at_rest and "SX1.notify." in on_topics  # masked and sealed, not dropped
