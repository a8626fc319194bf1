"""Exactly once to the person, with the notify worker as a real process killed with SIGKILL.

Every event is on the topic twice (a relay re-send) and is replayed a third time while the worker
is down.  The worker is killed once while it records a Kafka batch (before it can commit) and once
while it sends (messages claimed, some handed off).  Each registrant still gets exactly one SMS
and one email per event.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from collections import Counter

from services.notify.delivery.intents import Deliveries
from tests.conftest import ROOT, wait_for
from tests.integration.notify_support import (
    API_KEY,
    activity_event,
    gateway,
    mailbox,
    phone,
    produce,
    registration_event,
    rid,
    snapshot,
    topics,
)

N = 40


def _env(settings, gateway, mailbox) -> dict:
    env = dict(os.environ)
    env.update(
        {
            "REDIS_URL": settings.redis_url,
            "KAFKA_BOOTSTRAP_SERVERS": settings.kafka_bootstrap_servers,
            "SCIDAY_REDIS_PREFIX": settings.redis_prefix,
            "SCIDAY_TOPIC_PREFIX": settings.topic_prefix,
            "SCIDAY_KAFKA_SESSION_TIMEOUT_MS": str(settings.kafka_session_timeout_ms),
            "SCIDAY_KAFKA_HEARTBEAT_INTERVAL_MS": str(settings.kafka_heartbeat_interval_ms),
            "SCIDAY_KAFKA_FETCH_MAX_WAIT_MS": str(settings.kafka_fetch_max_wait_ms),
            "SCIDAY_SMS_GATEWAY_URL": gateway.url,
            "SCIDAY_SMS_API_KEY": API_KEY,
            "SCIDAY_SMTP_HOST": "127.0.0.1",
            "SCIDAY_SMTP_PORT": str(mailbox.smtp_port),
            # slow enough that a kill lands in the middle of the sending
            "SCIDAY_NOTIFY_SMS_PER_S": "40",
            "SCIDAY_NOTIFY_EMAIL_PER_S": "40",
            "SCIDAY_NOTIFY_LEASE_S": "2",
            "SCIDAY_NOTIFY_BACKOFF_MS": "50",
            "SCIDAY_REMINDER_POLL_MS": "200",
            "PYTHONUNBUFFERED": "1",
        }
    )
    return env


class Worker:
    def __init__(self, env: dict, log_dir):
        self.env, self.log_dir, self.runs = env, log_dir, 0
        self.proc: subprocess.Popen | None = None

    def start(self) -> None:
        self.runs += 1
        log = open(self.log_dir / f"notify-{self.runs}.log", "wb")
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "services.notify.consumer"],
            env=self.env,
            cwd=str(ROOT),
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        log.close()

    def sigkill(self) -> None:
        self.proc.send_signal(signal.SIGKILL)
        assert self.proc.wait(10) == -signal.SIGKILL

    def stop(self) -> None:
        if self.proc and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(20)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(5)

    def logs(self) -> str:
        return "\n".join(
            (self.log_dir / f"notify-{i}.log").read_text(errors="replace")[-3000:]
            for i in range(1, self.runs + 1)
        )


def test_sigkill_mid_batch_and_replays_still_give_one_message_per_event_and_person(
    settings, redis, topics, gateway, mailbox, tmp_path
):
    aid = "imax-kill"
    people = [(rid(i), phone(i), f"p{i}@example.org") for i in range(N)]
    events = [activity_event("ActivityPublished", snapshot(aid))] + [
        registration_event("RegistrationConfirmed", aid, r, ph, email=em) for r, ph, em in people
    ]
    produce(settings, events)
    produce(settings, events)  # every event twice, as a relay re-send after a crash would
    deliveries = Deliveries(redis, settings.redis_prefix)
    worker = Worker(_env(settings, gateway, mailbox), tmp_path)
    try:
        # 1. Killed while recording the Kafka batch: some intents exist, nothing committed yet.
        worker.start()
        wait_for(
            lambda: deliveries.queued("sms") + deliveries.queued("email") > 0,
            interval=0.002,
            what="the first intents of the batch",
        )
        worker.sigkill()

        # 2. Killed while sending: part of the messages reached the gateway.
        worker.start()
        wait_for(lambda: len(gateway.messages) >= N // 4, timeout=30, what="a quarter of the SMS")
        worker.sigkill()
        assert len(gateway.messages) < N, "the kill should land before the batch was all sent"

        # 3. The whole topic once more while it is down, then the last start.
        produce(settings, events)
        worker.start()
        wait_for(
            lambda: len(gateway.messages) >= N and len(mailbox.messages) >= N,
            timeout=40,
            what="every registrant's SMS and email",
        )
        wait_for(
            lambda: deliveries.queued("sms") == 0 and deliveries.queued("email") == 0,
            what="both queues empty",
        )
    except AssertionError:
        print(worker.logs())
        raise
    finally:
        worker.stop()

    sms_per_phone = Counter(m["phone"] for m in gateway.messages)
    mail_per_address = Counter(a for m in mailbox.messages for a in m["rcpt_tos"])
    assert sms_per_phone == Counter({ph: 1 for _r, ph, _e in people})
    assert mail_per_address == Counter({em: 1 for _r, _p, em in people})
    assert all(m["template_id"] == "confirmed.zh-CN" for m in gateway.messages)
    # The delivery log agrees: one SMS and one email per registration, each sent (or, for an email
    # whose hand-off was cut by the kill, "uncertain" - and then it did arrive exactly once).
    for r, _ph, _em in people:
        entries = deliveries.entries(r)
        assert sorted(e["channel"] for e in entries) == ["email", "sms"], entries
        assert {e["status"] for e in entries} <= {"sent", "uncertain"}, entries
