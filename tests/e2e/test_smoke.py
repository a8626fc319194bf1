"""The smallest registration path through the whole system, with every process real."""

from __future__ import annotations

import json

import requests
from kafka import KafkaConsumer

from services.checkin.projection import Projection
from shared.redis_scripts import connect
from tests.conftest import activity_doc, distinct_events, wait_for


def test_one_registration_flows_to_kafka_notify_and_checkin(stack, stack_settings, urls, organizer_token):
    auth = {"Authorization": f"Bearer {organizer_token}"}
    r = requests.post(
        f"{urls['registration']}/api/v1/activities", json=activity_doc("smoke-imax"), headers=auth, timeout=10
    )
    assert r.status_code == 201, r.text

    body = {
        "name": "王五",
        "phone": "13700001111",
        "organization": "辽宁省科学院",
        "party_size": 3,
        "email": "wangwu@example.org",
    }
    r = requests.post(
        f"{urls['registration']}/api/v1/activities/smoke-imax/registrations", json=body, timeout=10
    )
    assert r.status_code == 201, r.text
    created = r.json()
    rid = created["registration_id"]
    assert created["status"] == "confirmed" and created["ticket"]["code"].startswith("SD1.")

    # 1. The event is on registration-events, read by a plain kafka-python consumer.
    consumer = KafkaConsumer(
        stack_settings.topic_prefix + "registration-events",
        bootstrap_servers=stack_settings.kafka_bootstrap_servers,
        group_id=None,
        auto_offset_reset="earliest",
        consumer_timeout_ms=500,
    )
    seen = []

    def confirmed_on_topic():
        seen.extend(json.loads(m.value) for m in consumer)
        return [
            e for e in seen if e["type"] == "RegistrationConfirmed" and e["data"]["registration_id"] == rid
        ]

    events = wait_for(confirmed_on_topic, timeout=20, what="RegistrationConfirmed on the topic")
    consumer.close()
    assert len(events) >= 1 and len(distinct_events(events)) == 1  # at least once; one event
    assert events[0]["activity_id"] == "smoke-imax" and events[0]["data"]["party_size"] == 3

    # 2. The notify service handled it: one SMS and one email are due, and shown in its log.
    def notify_log():
        resp = requests.get(
            f"{urls['notify']}/api/v1/notifications", params={"registration_id": rid}, headers=auth, timeout=5
        )
        assert resp.status_code == 200, resp.text
        return resp.json()["notifications"]

    entries = wait_for(lambda: len(notify_log()) == 2 and notify_log(), what="notify to handle the event")
    assert sorted(e["channel"] for e in entries) == ["email", "sms"]
    assert {e["template"] for e in entries} == {"confirmed"}
    assert "13700001111" not in json.dumps(entries)  # masked

    # 3. The check-in projection has it too.
    proj = Projection(connect(stack_settings.redis_url), stack_settings.redis_prefix)
    rec = wait_for(lambda: proj.registration("smoke-imax", rid), what="the check-in projection")
    assert rec["status"] == "confirmed" and rec["party_size"] == 3
    act = wait_for(lambda: proj.activity("smoke-imax"), what="the activity in the check-in projection")
    assert act["title"]["zh"] == "巨幕科技工作者专场" and act["venue"]["id"] == "ln-stm"

    # 4. Every service is healthy.
    for name, base in urls.items():
        h = requests.get(f"{base}/healthz", timeout=5)
        assert h.status_code == 200 and h.json()["status"] == "ok", (name, h.text)
        m = requests.get(f"{base}/metrics", timeout=5)
        assert m.status_code == 200 and "sciday_http_requests_total" in m.text, name


def test_notify_log_requires_an_organizer_token(urls):
    r = requests.get(f"{urls['notify']}/api/v1/notifications", params={"registration_id": "x"}, timeout=5)
    assert r.status_code == 401 and r.json()["reason"] == "unauthorized"
