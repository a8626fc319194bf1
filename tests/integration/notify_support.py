"""Fixtures and event builders for the notify tests: a real local SMS gateway (HTTP), a real
aiosmtpd mailbox, the notify worker wired to them, and events as the registration service emits.

Test modules import the fixtures they use by name (``from tests.integration.notify_support import
gateway, mailbox, ...``).
"""

from __future__ import annotations

import threading
import uuid
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from sciday import embedded
from shared.clock import FakeClock as FakeClock  # re-exported: a clock moved by hand
from shared.envelope import encode, new_event
from shared.kafka import make_producer
from shared.topics import ensure_topics
from standins.mailbox import Mailbox
from standins.sms_gateway import LocalGateway

TZ = ZoneInfo("Asia/Shanghai")
API_KEY = "test-gateway-key"


@pytest.fixture
def gateway():
    gw = LocalGateway(api_key=API_KEY).start()
    yield gw
    gw.stop()


@pytest.fixture
def mailbox():
    mb = Mailbox(embedded.free_port()).start()
    yield mb
    mb.stop()


@pytest.fixture
def notify_settings(settings, gateway, mailbox):
    """Fast retries and leases, no rate limit (tests that need one set it)."""
    return settings.with_overrides(
        sms_gateway_url=gateway.url,
        sms_api_key=API_KEY,
        smtp_port=mailbox.smtp_port,
        notify_sms_per_s=0,
        notify_email_per_s=0,
        notify_backoff_ms=50,
        notify_backoff_max_ms=400,
        notify_max_attempts=6,
        notify_lease_s=2,
        notify_provider_timeout_s=5,
        reminder_poll_ms=100,
    )


@pytest.fixture
def topics(settings):
    ensure_topics(settings.kafka_bootstrap_servers, settings.topic_prefix)


def start_worker(settings, redis, **kw):
    """The whole notify worker in this process: consumer loop and background threads."""
    from services.notify.consumer import bootstrap

    worker = bootstrap(settings, redis, **kw)
    worker.start_background()
    loop = worker.consumer_loop()
    thread = threading.Thread(target=loop.run, name="notify-consumer", daemon=True)
    thread.start()
    worker.threads.append(thread)
    return worker


# -- events as the registration service emits them ----------------------------------------------------
def snapshot(aid: str, starts_at: datetime | None = None, **over) -> dict:
    starts_at = starts_at or (datetime.now(TZ).replace(microsecond=0) + timedelta(days=3))
    snap = {
        "id": aid,
        "kind": "imax",
        "title": {"zh": "巨幕科技工作者专场", "en": "IMAX special screening"},
        "venue": {"id": "ln-stm", "name": "辽宁省科学技术馆", "address": "沈阳市浑南区智慧三街159号"},
        "hall": "巨幕影院",
        "starts_at": starts_at.isoformat(),
        "ends_at": (starts_at + timedelta(hours=2)).isoformat(),
        "capacity": 200,
        "max_party_size": 4,
        "status": "scheduled",
    }
    snap.update(over)
    return snap


def activity_event(kind: str, snap: dict, changed: list[str] | None = None, reason: str = "") -> dict:
    data = {"activity": snap}
    if kind == "ActivityChanged":
        data["changed"] = changed or []
    if kind == "ActivityCancelled":
        data["reason"] = reason
    return new_event(kind, snap["id"], data, source="registration")


def registration_event(
    kind: str,
    aid: str,
    rid: str,
    phone: str,
    *,
    email: str | None = None,
    locale: str = "zh-CN",
    party_size: int = 2,
    ticket_code: str | None = None,
    position: int = 1,
    occurred_at: datetime | None = None,
) -> dict:
    data = {
        "registration_id": rid,
        "activity_id": aid,
        "venue_id": "ln-stm",
        "party_size": party_size,
        "name": "张三" if locale == "zh-CN" else "Zhang San",
        "phone": phone,
        "email": email,
        "locale": locale,
        "manage_url": f"http://127.0.0.1:8001/r/{rid}?t=tok",
    }
    if kind in ("RegistrationConfirmed", "WaitlistPromoted"):
        data.update(
            ticket_code=ticket_code or f"SD1.{rid}", ticket_url=f"http://127.0.0.1:8001/t/{rid}?t=tok"
        )
    if kind == "RegistrationWaitlisted":
        data["waitlist_position"] = position
    if kind == "RegistrationCancelled":
        data.update(previous_status="confirmed", ticket_revoked=True)
    return new_event(kind, aid, data, source="registration", occurred_at=occurred_at)


def phone(i: int) -> str:
    return f"139{i:08d}"


def rid(i: int) -> str:
    return f"r{i:04d}{uuid.uuid4().hex[:6]}"


def produce(settings, envelopes: list[dict]) -> None:
    producer = make_producer(settings)
    for env in envelopes:
        topic = "activity-events" if env["type"].startswith("Activity") else "registration-events"
        producer.send(settings.topic_prefix + topic, key=env["activity_id"].encode(), value=encode(env))
    producer.flush(timeout=10)
    producer.close()


def by_ref(gateway) -> dict[str, list[dict]]:
    out: dict[str, list[dict]] = {}
    for m in gateway.messages:
        out.setdefault(m["client_ref"], []).append(m)
    return out
