"""Drill 6: the door keeps admitting valid tickets while the registration service is down."""

from __future__ import annotations

import signal

import requests

from shared.auth import create_token
from shared.redis_scripts import connect
from tests.conftest import wait_for
from tests.e2e.test_door import _tickets


def test_a_valid_ticket_is_admitted_while_the_registration_service_is_down(
    stack, stack_settings, urls, organizer_token
):
    [(code, party)] = _tickets(urls, organizer_token, "door-outage", 1, 5_100_000_000)
    redis = connect(stack_settings.redis_url)
    steward = {
        "Authorization": "Bearer "
        + create_token(redis, stack_settings.redis_prefix, "steward", "g", "ln-stm")
    }
    registration = next(c for c in stack.children if c.name == "registration")
    registration.proc.send_signal(signal.SIGTERM)
    registration.proc.wait(20)
    try:
        try:
            requests.get(f"{urls['registration']}/healthz", timeout=2)
            raise AssertionError("the registration service still answers")
        except requests.ConnectionError:
            pass
        r = requests.post(
            f"{urls['checkin']}/api/v1/checkins",
            json={"code": code, "gate": "东门"},
            headers=steward,
            timeout=10,
        )
        assert r.status_code == 201 and r.json()["admitted"] == party, r.text
    finally:
        stack._spawn(registration)
        wait_for(lambda: stack.health_of(registration) == "healthy", timeout=30, what="registration back")
