"""/healthz is the readiness probe: 200 while Redis answers, whether the broker does or not (the
web tier writes its events to outboxes in Redis, issue 24). /healthz/full is 200 only when Redis
and the broker both answer."""

from __future__ import annotations

import pytest

from sciday import embedded
from services.checkin.app import create_app as checkin_app
from services.notify.app import create_app as notify_app
from services.registration.app import create_app as registration_app

APPS = [registration_app, checkin_app, notify_app]


@pytest.mark.parametrize("factory", APPS)
def test_healthy_when_both_answer(factory, settings):
    resp = factory(settings).test_client().get("/healthz")
    assert resp.status_code == 200 and resp.get_json()["status"] == "ok"


@pytest.mark.parametrize("factory", APPS)
def test_broker_down_keeps_the_service_ready_and_says_so(factory, settings):
    dead = embedded.free_port()
    app = factory(settings.with_overrides(kafka_bootstrap_servers=f"127.0.0.1:{dead}"))
    body = app.test_client().get("/healthz")
    assert body.status_code == 200, body.get_json()
    assert body.get_json()["checks"] == {"redis": "ok", "broker": "broker_unavailable"}


@pytest.mark.parametrize("factory", APPS)
def test_broker_down_is_503_broker_unavailable_on_the_full_page(factory, settings):
    dead = embedded.free_port()
    app = factory(settings.with_overrides(kafka_bootstrap_servers=f"127.0.0.1:{dead}"))
    body = app.test_client().get("/healthz/full")
    assert body.status_code == 503 and body.get_json()["reason"] == "broker_unavailable"


@pytest.mark.parametrize("factory", APPS)
def test_redis_down_is_503_redis_unavailable(factory, settings):
    dead = embedded.free_port()
    app = factory(settings.with_overrides(redis_url=f"redis://127.0.0.1:{dead}/0"))
    body = app.test_client().get("/healthz")
    assert body.status_code == 503 and body.get_json()["reason"] == "redis_unavailable"
