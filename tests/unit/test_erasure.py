"""Erasing a registration's personal data (issue 16), on the Redis store and erase.lua: by the registrant,
and by the retention sweep; statistics stay, the audit says when and what, never whose."""

from __future__ import annotations

import pytest

from services.registration import vocabulary as v
from services.registration.privacy import personal
from services.registration.seats import erasure, publishing, usecases
from shared import events, shredding
from tests.unit.registration_ports import counts, outbox, redis_ports, stored
from tests.unit.registration_scenarios import activity_doc

FORM = {
    "name": "张三丰",
    "phone": "13912345678",
    "party_size": 2,
    "email": "z@example.cn",
    "organization": "x",
}


@pytest.fixture
def ports(store_settings, store_redis):
    p = redis_ports(store_settings, store_redis)
    publishing.publish_activity(p, activity_doc(p))
    return p


def test_registration_events_carry_masked_forms_and_a_copy_sealed_for_notify(ports):
    reg = usecases.register(ports, "act", FORM)
    data = outbox(ports)[-1]["envelope"]["data"]
    # version 3 (issue 23): the copy for notify is sealed under the registration's own data key
    assert outbox(ports)[-1]["envelope"]["version"] == events.SHREDDED_VERSION
    assert (data["name_masked"], data["phone_masked"]) == ("张**", "139****5678")
    assert not {"name", "phone", "email", "manage_url", "ticket_url", "ticket_code"} & set(data)
    store = ports.seats
    opened = shredding.Opener(store.notify_sealer, store.redis, store.settings.redis_prefix).open(
        data["sealed"]
    )
    assert opened["phone"] == FORM["phone"] and reg["manage_token"] in opened["manage_url"]
    events.validate_data(events.REGISTRATION_CONFIRMED, events.SHREDDED_VERSION, data)


def test_the_registrant_erases_an_active_registration_it_is_cancelled_first(ports):
    reg = usecases.register(ports, "act", FORM)
    kept = erasure.erase(ports, reg["registration_id"], reg["manage_token"])
    assert kept["status"] == v.CANCELLED and kept["party_size"] == 2 and kept["erased_at"]
    types = [e["envelope"]["type"] for e in outbox(ports)]
    assert types[-2:] == [events.REGISTRATION_CANCELLED, events.REGISTRATION_ERASED]
    assert outbox(ports)[-1]["envelope"]["data"]["cause"] == events.ERASED_BY_REGISTRANT
    # at rest the personal fields are sealed ("personal", "for_notify") and hashed ("phone_ref")
    at_rest = stored(ports, "act", reg["registration_id"])
    assert not {"name", "phone", "email", "manage_token", "manage_url", "members"} & set(at_rest)
    assert not set(personal.ERASED) & set(at_rest)
    # the token went with the data: the link no longer opens anything
    with pytest.raises(v.Refusal) as refused:
        usecases.own_registration(ports, reg["registration_id"], reg["manage_token"])
    assert refused.value.reason == v.UNKNOWN_REGISTRATION
    # the same phone may register again: the phone index let go
    assert usecases.register(ports, "act", FORM)["status"] == v.CONFIRMED


def test_the_audit_says_when_and_what_never_whose(ports):
    reg = usecases.register(ports, "act", FORM)
    erasure.erase(ports, reg["registration_id"], reg["manage_token"])
    (entry,) = ports.seats.erasures()
    assert entry["cause"] == events.ERASED_BY_REGISTRANT and entry["activity_id"] == "act"
    # name, phone, email and manage_token lie sealed in "personal", the phone hashed in "phone_ref"
    assert {"personal", "for_notify", "phone_ref", "data_key"} <= set(entry["fields"].split(","))
    text = repr(entry)
    assert reg["registration_id"] not in text and FORM["phone"] not in text and "张" not in text


def test_the_sweep_erases_only_past_the_retention_and_keeps_the_statistics(ports):
    regs = [usecases.register(ports, "act", dict(FORM, phone=f"1391234567{i}")) for i in range(2)]
    doc = ports.seats.activity_doc("act")
    assert doc is not None
    by_activity = {"act": [ports.seats.get_registration(r["registration_id"]) for r in regs]}
    assert erasure.erase_expired(ports, by_activity, retention_days=30) == 0  # not even started
    ports.clock.advance(days=3 + 30, hours=1)  # ended 29 days 23 hours ago
    assert erasure.erase_expired(ports, by_activity, retention_days=30) == 0
    ports.clock.advance(hours=2)
    assert erasure.erase_expired(ports, by_activity, retention_days=30) == 2
    for r in regs:
        kept = stored(ports, "act", r["registration_id"])
        assert kept["status"] == v.CONFIRMED and kept["party_size"] == 2 and "phone" not in kept
    assert counts(ports, "act")["taken"] == 4  # the seats taken stay counted
    causes = [e["envelope"]["data"].get("cause") for e in outbox(ports)[-2:]]
    assert causes == [events.ERASED_BY_RETENTION] * 2


def test_an_erased_registration_is_not_erased_twice(ports):
    reg = usecases.register(ports, "act", FORM)
    erasure.erase(ports, reg["registration_id"], reg["manage_token"])
    erased = ports.seats.get_registration(reg["registration_id"])
    assert erased is not None and erased["erased_at"]
    ports.clock.advance(days=60)
    assert erasure.erase_expired(ports, {"act": [erased]}, retention_days=30) == 0
    assert [e["envelope"]["type"] for e in outbox(ports)].count(events.REGISTRATION_ERASED) == 1


def test_a_late_cancellation_in_a_version_2_event_finds_its_holder_in_the_record(
    ports, store_settings, store_redis
):
    """v2 and v3 events carry no phone: the no-show flow looks the record up (registration's own store)."""
    from datetime import timedelta

    from services.registration.noshow import record as ns
    from services.registration.noshow.flow import Admissions, NoShowFlow
    from services.registration.noshow.store import NoShowStore

    now = ports.clock.now()
    starts = now + timedelta(hours=12)
    soon = activity_doc(ports, "soon", starts_at=starts, ends_at=starts + timedelta(hours=2))
    soon["registration_closes_at"] = soon["starts_at"]
    publishing.publish_activity(ports, soon)
    reg = usecases.register(ports, "soon", FORM)
    usecases.cancel(ports, reg["registration_id"], reg["manage_token"])
    cancelled = outbox(ports)[-1]["envelope"]
    assert cancelled["version"] == events.SHREDDED_VERSION and "phone" not in cancelled["data"]
    record = NoShowStore(store_redis, store_settings)
    admissions = Admissions(store_redis, store_settings.redis_prefix)

    def flow(lookup):
        return NoShowFlow(record, admissions, lambda aid: starts.timestamp(), ns.Policy(), "pepper", lookup)

    assert flow(None).handle(cancelled) == []  # nothing to key a mark by
    marks = flow(ports.seats.get_registration).handle(cancelled)
    assert [m.holder for m in marks] == ["phone:" + ns.identity_hash("pepper", FORM["phone"])]
