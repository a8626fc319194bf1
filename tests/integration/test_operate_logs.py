"""Issue 24 §9: a sent SMS is logged with the phone masked; every line of a request carries its
request id (X-Request-Id from a trusted proxy, else made here, and echoed); one JSON format."""

from __future__ import annotations

import json
import logging

from services.notify.consumer import bootstrap
from services.registration.app import create_app as registration_app
from shared.logs import JsonFormatter, PhoneMaskingFilter, RequestIdFilter
from tests.conftest import activity_doc
from tests.integration.notify_support import (
    activity_event,
    gateway,
    mailbox,
    notify_settings,
    phone,
    registration_event,
    snapshot,
)


class Lines(logging.Handler):
    """What a process's log handler would write (shared/logs.py's filters and format)."""

    def __init__(self):
        super().__init__()
        self.lines: list[str] = []
        self.addFilter(RequestIdFilter())
        self.addFilter(PhoneMaskingFilter())
        self.setFormatter(JsonFormatter("test"))

    def emit(self, record):
        self.lines.append(self.format(record))


def _capture(name: str) -> Lines:
    handler = Lines()
    logger = logging.getLogger(name)
    logger.addHandler(handler)
    logger.setLevel(logging.INFO)
    return handler


def test_a_sent_sms_is_logged_with_the_phone_masked(notify_settings, redis, gateway):
    lines = _capture("sciday.notify.sender")
    try:
        worker = bootstrap(notify_settings, redis)
        worker.notices.handle(activity_event("ActivityPublished", snapshot("imax-log")))
        worker.notices.handle(registration_event("RegistrationConfirmed", "imax-log", "rlog", phone(7)))
        d, sender = worker.deliveries, worker.senders["sms"]
        nid = d.next_due("sms", sender.now_ms())
        assert sender.deliver(nid, *d.claim("sms", nid, sender.now_ms(), lease_ms=60_000)) == "sent"
    finally:
        logging.getLogger("sciday.notify.sender").removeHandler(lines)
    [sent] = [json.loads(line) for line in lines.lines if " sent to " in line]
    p = phone(7)
    assert f"sms {nid} sent to {p[:3]}****{p[-4:]}" in sent["message"] and "rlog" in sent["message"]
    assert p not in "\n".join(lines.lines)


def _register(settings, redis, trusted: str, request_id: str):
    org_app = registration_app(settings.with_overrides(trusted_proxies=trusted))
    web = org_app.test_client()
    from shared.auth import create_token

    org = {"Authorization": "Bearer " + create_token(redis, settings.redis_prefix, "organizer", "o")}
    assert web.post("/api/v1/activities", json=activity_doc("rid-imax"), headers=org).status_code == 201
    return web.post(
        "/api/v1/activities/rid-imax/registrations",
        json={"name": "张三丰", "phone": "13800000077", "organization": "科学院", "party_size": 1},
        headers={"X-Request-Id": request_id},
    )


def test_a_trusted_proxys_request_id_is_kept_echoed_and_logged(settings, redis):
    lines = _capture("sciday.registration")
    try:
        r = _register(settings.with_overrides(rate_limit_ip_per_min=0), redis, "127.0.0.1", "lb-abc-123")
    finally:
        logging.getLogger("sciday.registration").removeHandler(lines)
    assert r.status_code == 201, r.get_json()
    assert r.headers["X-Request-Id"] == "lb-abc-123"
    logged = [json.loads(line) for line in lines.lines]
    assert any(d["request_id"] == "lb-abc-123" and "confirmed" in d["message"] for d in logged)
    assert all("13800000077" not in line for line in lines.lines)


def test_a_request_id_from_anyone_else_is_replaced(settings, redis):
    r = _register(settings.with_overrides(rate_limit_ip_per_min=0), redis, "", "chosen-by-client")
    assert r.status_code == 201, r.get_json()
    made = r.headers["X-Request-Id"]
    assert made != "chosen-by-client" and len(made) == 32
