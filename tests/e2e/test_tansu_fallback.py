"""The Tansu fallback keeps working: `sciday up --broker tansu` (what a machine without Java 17 or
Maven gets) starts the whole system, names Tansu in its status table, and a registration made on
it reaches notify and the check-in projection."""

from __future__ import annotations

import re

import requests

from sciday import embedded
from sciday.stack import Stack, StackOptions
from services.checkin.projection import Projection
from shared.auth import create_token
from shared.redis_scripts import connect
from tests.conftest import activity_doc, wait_for


def test_the_whole_system_runs_on_tansu(tmp_path):
    opts = StackOptions(
        var_dir=tmp_path / "var",
        broker="tansu",
        redis_port=embedded.free_port(),
        kafka_port=embedded.free_port(),
        registration_port=embedded.free_port(),
        checkin_port=embedded.free_port(),
        notify_port=embedded.free_port(),
        workers=1,
        threads=2,
        seed=False,
        extra_env=dict(embedded.TEST_CLIENT_ENV["tansu"]),
    )
    stack = Stack(opts, out=open(tmp_path / "stack.out", "w"))
    try:
        stack.start()
        assert stack.wait_healthy(90), stack.status_table()
        assert stack.broker == "tansu"
        assert "tansu (Kafka protocol" in stack.status_table()
        settings = stack.settings()
        assert settings.kafka_idempotent_producer is False  # Tansu forgets producer ids
        redis = connect(settings.redis_url)
        reg = f"http://127.0.0.1:{opts.registration_port}"
        org = {"Authorization": "Bearer " + create_token(redis, settings.redis_prefix, "organizer", "t")}
        r = requests.post(
            f"{reg}/api/v1/activities",
            headers=org,
            json=activity_doc("tansu-smoke", audience="public"),
            timeout=10,
        )
        assert r.status_code == 201, r.text
        gateway = next(c for c in stack.children if c.name == "sms-gateway")

        def texts_to_phone():
            messages = requests.get(f"{gateway.url}/api/v1/sms", timeout=5).json()["messages"]
            return [m for m in messages if m["phone"] == "13912345678"]

        # As a person does: a code by SMS (read off the local gateway), a session, then register.
        r = requests.post(f"{reg}/api/v1/verification/codes", json={"phone": "13912345678"}, timeout=10)
        assert r.status_code == 202, r.text
        code = re.search(r"\b(\d{6})\b", texts_to_phone()[-1]["text"]).group(1)
        r = requests.post(
            f"{reg}/api/v1/verification/sessions", json={"phone": "13912345678", "code": code}, timeout=10
        )
        assert r.status_code == 201, r.text
        session = {"Authorization": "Bearer " + r.json()["token"]}
        r = requests.post(
            f"{reg}/api/v1/activities/tansu-smoke/registrations",
            headers=session,
            json={"name": "烟测", "phone": "13912345678", "party_size": 2},
            timeout=10,
        )
        assert r.status_code == 201, r.text
        rid = r.json()["registration_id"]
        wait_for(
            lambda: len(texts_to_phone()) >= 2,  # the code, then the confirmation
            timeout=60,
            what="the confirmation SMS sent through Tansu",
        )
        proj = Projection(redis, settings.redis_prefix)
        wait_for(lambda: proj.registration("tansu-smoke", rid), timeout=60, what="the check-in projection")
    finally:
        stack.stop()
