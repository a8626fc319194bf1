"""Erasure that reaches Kafka (issue 23): what a registration or a lottery entry puts on a topic is
sealed under a data key of its own, kept in ``{p}shred:{aid}``; erasing deletes the key, so every
copy already relayed (the outbox stream holds exactly what the relay sends) becomes unreadable,
and notify handles such a message as erased: nothing sent, nothing raised (committed, not retried,
not dead-lettered).  Real Redis, the real seat scripts, notify's real handler."""

from __future__ import annotations

import pytest

from services.notify import consumer as notify_consumer
from services.notify.delivery.batches import BatchHandler
from services.registration.bootstrap import EXTENSION
from services.registration.lottery import draw as lot
from services.registration.lottery import entry as lottery_entry
from shared import events as ev
from shared import sealed, shredding
from shared.envelope import decode
from shared.outbox import stream_key
from tests.conftest import activity_doc
from tests.fair_support import bearer, member, seed_session
from tests.integration.test_lottery_wired import AID, app, enter, opened, org, phone

PLAIN = "plain-shred"


def outbox(redis, settings, type_: str) -> list[dict]:
    out = [decode(f[b"envelope"]) for _id, f in redis.xrange(stream_key(settings))]
    return [e for e in out if e["type"] == type_]


def ring(settings, redis) -> shredding.Opener:
    """What notify opens with: its ring, and the data keys in Redis."""
    return shredding.Opener(sealed.sealer(settings, sealed.NOTIFY), redis, settings.redis_prefix)


def test_an_erasure_makes_every_copy_on_the_topics_unreadable(app, org, redis, settings):
    client = app.test_client()
    made = client.post("/api/v1/activities", json=activity_doc(PLAIN, real_name=True), headers=org)
    assert made.status_code == 201, made.get_json()
    me = bearer(seed_session(redis, settings.redis_prefix, phone(3)))
    body = {"name": "张三", "organization": "中国科学院", "party_size": 1, "members": [member(7)]}
    r = client.post(
        f"/api/v1/activities/{PLAIN}/registrations", json={**body, "email": "z@example.cn"}, headers=me
    )
    assert r.status_code == 201, r.get_json()
    rid = r.get_json()["registration_id"]
    (confirmed,) = outbox(redis, settings, ev.REGISTRATION_CONFIRMED)
    assert confirmed["version"] == ev.SHREDDED_VERSION
    copy = confirmed["data"]["sealed"]
    assert ring(settings, redis).open(copy)["phone"] == phone(3)  # notify reads it while it lives
    with pytest.raises(sealed.SealError):  # notify's ring alone opens nothing: the key is in Redis
        sealed.sealer(settings, sealed.NOTIFY).open(copy)

    worker = notify_consumer.bootstrap(settings, redis)
    assert worker.notices.handle(confirmed) == 2  # an SMS and an email, queued but not sent yet

    erased = client.post(f"/api/v1/me/registrations/{rid}/erasure", headers=me)
    assert erased.status_code == 200, erased.get_json()
    assert redis.hget(shredding.key_name(settings.redis_prefix, PLAIN), rid) is None
    for kind in (ev.REGISTRATION_CONFIRMED, ev.REGISTRATION_CANCELLED):  # each copy, from the topic
        for event in outbox(redis, settings, kind):
            with pytest.raises(shredding.Shredded):
                ring(settings, redis).open(event["data"]["sealed"])

    # notify meets the cancellation after the erasure (before RegistrationErased): handled as
    # erased, nothing recorded and nothing raised, so the loop commits it; the queued SMS is
    # never sent and ends skipped
    (cancelled,) = outbox(redis, settings, ev.REGISTRATION_CANCELLED)
    assert worker.notices.handle(cancelled) == 0
    BatchHandler(worker.notices, worker.handle)([confirmed, cancelled])  # the loop's path: no raise
    queued = redis.lrange(f"{settings.redis_prefix}nt:log:{rid}", 0, -1)
    assert len(queued) == 2  # the confirmation's two, recorded before the erasure; nothing more
    assert worker.senders["sms"].step()
    log = worker.deliveries.entries(rid)
    assert {(e["channel"], e["status"]) for e in log if e["channel"] == "sms"} == {("sms", "skipped")}
    assert all("recipient" not in e for e in log)


@pytest.mark.usefixtures("v1_lottery")  # issue 27: a v1 lottery opened before the upgrade
def test_a_lottery_entry_is_erased_with_its_registration(app, org, redis, settings):
    client, draw_at = opened(app, org, capacity=6)
    first = enter(client, redis, settings, 1)
    assert first.status_code == 201, first.get_json()
    entry_id = first.get_json()["entry_id"]
    store, ports = app.extensions["sciday.lotteries"], app.extensions[EXTENSION]
    keys = shredding.key_name(settings.redis_prefix, AID)
    assert redis.hexists(keys, shredding.entry_subject(entry_id))
    d = lot.draw(store, AID, now=draw_at)
    lottery_entry.register_outcomes(ports, store, AID)
    lot.publish(store, d)
    (won,) = outbox(redis, settings, ev.LOTTERY_ENTRY_WON)
    assert won["version"] == ev.SHREDDED_VERSION
    assert ring(settings, redis).open(won["data"]["sealed"])["phone"] == phone(1)

    rid = lottery_entry.registration_id(AID, entry_id)
    me = bearer(seed_session(redis, settings.redis_prefix, phone(1)))
    assert client.post(f"/api/v1/me/registrations/{rid}/erasure", headers=me).status_code == 200
    assert store.entry(AID, entry_id) is None  # the entry went with the registration
    assert not redis.hexists(keys, shredding.entry_subject(entry_id)) and not redis.hexists(keys, rid)
    with pytest.raises(shredding.Shredded):
        ring(settings, redis).open(won["data"]["sealed"])
    worker = notify_consumer.bootstrap(settings, redis)
    assert worker.notices.handle(won) == 0  # told nobody, raised nothing


def test_the_retention_sweep_shreds_entries_that_never_became_registrations(settings, redis):
    from datetime import timedelta

    from services.registration.bootstrap import bootstrap
    from services.registration.lottery.store import LotteryStore
    from services.registration.privacy import retention
    from services.registration.seats import publishing
    from shared.clock import FakeClock
    from shared.tickets import KeyRing
    from tests.unit.registration_scenarios import activity_doc as scenario_doc

    settings = settings.with_overrides(retention_days=30)
    ports = bootstrap(settings, redis, KeyRing.load_or_create(settings.keys_dir))
    ports.clock = FakeClock()
    publishing.publish_activity(ports, scenario_doc(ports, "old"))
    lots = LotteryStore(redis, settings)
    entry = {"party_size": 1, "name": "王五", "phone": "13700000001", "token": "t"}
    at_rest = lots.entry_at_rest(entry, ("old", "e1"))  # what lottery_enter.lua is given
    redis.hset(shredding.key_name(settings.redis_prefix, "old"), "e:e1", at_rest["data_key"])
    copy = at_rest["for_notify"]  # what LotteryEntryWaitlisted v3 carries
    assert ring(settings, redis).open(copy)["phone"] == "13700000001"
    ports.clock.advance(days=3 + 31)
    retention.sweep(ports, redis, settings)
    with pytest.raises(shredding.Shredded):
        ring(settings, redis).open(copy)
