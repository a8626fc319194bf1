"""Issue 27: `sciday up` (here the tests' stack, every process real) starts the local drand relay
and points registration's gunicorn workers at it: a recorded round comes back verified and marked
``recorded``, a round it does not hold is 503 ``beacon_unavailable``, and the relay's page lists
what it was asked."""

from __future__ import annotations

import requests


def test_the_stacks_registration_replays_rounds_from_the_relay_process(stack, urls):
    base = f"{urls['registration']}/api/v1/beacon"
    about = requests.get(base, timeout=10).json()
    assert about["source"] == "recorded" and about["chain"]["period"] == 3
    r = requests.get(f"{base}/rounds/58810", timeout=10)
    assert r.status_code == 200, r.text
    assert (r.json()["round"], r.json()["source"]) == (58810, "recorded")
    r = requests.get(f"{base}/rounds/58811", timeout=10)
    assert (r.status_code, r.json()["reason"]) == (503, "beacon_unavailable")

    relay = f"http://127.0.0.1:{stack.beacon_port}"
    asked = [a["round"] for a in requests.get(f"{relay}/api/v1/asked", timeout=10).json()["asked"]]
    assert "58810" in asked and "58811" in asked
    page = requests.get(f"{relay}/", timeout=10).text
    assert "58811" in page and "https://drand.cloudflare.com/" in page
