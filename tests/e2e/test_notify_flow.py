"""Registration to the person's phone and mailbox, every process real: registration API, outbox
relay, Kafka, the notify worker, the local SMS gateway and mailbox that `sciday up` starts.

Also prints the registration-to-send lag (the event's occurred_at to the hand-off to the
provider, from the delivery log), p50 and p95: nothing is asserted on it.
"""

from __future__ import annotations

import io
import statistics
import time
from datetime import datetime, timedelta

import requests
import zxingcpp
from PIL import Image

from tests.conftest import activity_doc, wait_for

N = 20


def _percentile(values: list[int], q: float) -> int:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(q * (len(ordered) - 1))))]


def test_registrations_reach_phone_and_mailbox_with_the_ticket(stack, urls, organizer_token):
    auth = {"Authorization": f"Bearer {organizer_token}"}
    r = requests.post(
        f"{urls['registration']}/api/v1/activities",
        json=activity_doc("notify-e2e", capacity=100),
        headers=auth,
        timeout=10,
    )
    assert r.status_code == 201, r.text
    people = []
    for i in range(N):
        body = {
            "name": "王五",
            "phone": f"1360000{i:04d}",
            "organization": "中国科学院",
            "party_size": 1,
            "email": f"e2e{i}@example.org",
        }
        created = requests.post(
            f"{urls['registration']}/api/v1/activities/notify-e2e/registrations", json=body, timeout=10
        )
        assert created.status_code == 201, created.text
        people.append((body, created.json()))
        time.sleep(0.15)  # pacing, below the default 10 messages/s per channel, so the lag is the pipeline's

    gateway = f"http://127.0.0.1:{stack.sms_gateway_port}"
    mailbox = f"http://127.0.0.1:{stack.mailbox_port}"
    phones = {b["phone"] for b, _ in people}
    addresses = {b["email"] for b, _ in people}

    def sms():
        return [
            m
            for m in requests.get(f"{gateway}/api/v1/sms", timeout=5).json()["messages"]
            if m["phone"] in phones
        ]

    def mails():
        return [
            m
            for m in requests.get(f"{mailbox}/api/messages", timeout=5).json()["messages"]
            if set(m["rcpt_tos"]) & addresses
        ]

    wait_for(lambda: len(sms()) >= N and len(mails()) >= N, timeout=30, what="every SMS and email")
    assert sorted(m["phone"] for m in sms()) == sorted(phones)
    assert sorted(a for m in mails() for a in m["rcpt_tos"]) == sorted(addresses)

    # The first registrant's email carries their ticket as a QR code.
    body, created = people[0]
    mail = next(m for m in mails() if m["rcpt_tos"] == [body["email"]])
    assert mail["subject"].startswith("报名成功") and mail["attachments"][0]["filename"] == "ticket-qr.png"
    png = requests.get(f"{mailbox}/messages/{mail['id']}/0", timeout=5).content
    assert [d.text for d in zxingcpp.read_barcodes(Image.open(io.BytesIO(png)))] == [
        created["ticket"]["code"]
    ]
    assert requests.get(f"{mailbox}/", timeout=5).status_code == 200
    assert requests.get(f"{gateway}/", timeout=5).status_code == 200

    lags = {"sms": [], "email": []}
    windows = {"sms": [], "email": []}  # hand-off written -> outcome written: the crash window
    for _body, created in people:

        def log(rid=created["registration_id"]):
            entries = requests.get(
                f"{urls['notify']}/api/v1/notifications",
                params={"registration_id": rid},
                headers=auth,
                timeout=5,
            ).json()["notifications"]
            return entries if len(entries) == 2 and all(e["status"] == "sent" for e in entries) else None

        for e in wait_for(log, what="the delivery log"):
            lags[e["channel"]].append(e["lag_ms"])
            windows[e["channel"]].append(
                (datetime.fromisoformat(e["sent_at"]) - datetime.fromisoformat(e["handoff_at"]))
                / timedelta(milliseconds=1)
            )
    every = lags["sms"] + lags["email"]
    print(
        f"\nregistration-to-send lag over {N} registrations: "
        f"p50 {statistics.median(every):.0f} ms, p95 {_percentile(every, 0.95)} ms "
        f"(sms p50 {statistics.median(lags['sms']):.0f} / p95 {_percentile(lags['sms'], 0.95)} ms, "
        f"email p50 {statistics.median(lags['email']):.0f} / p95 {_percentile(lags['email'], 0.95)} ms); "
        f"hand-off to outcome recorded: sms p50 {statistics.median(windows['sms']):.0f} ms / max "
        f"{max(windows['sms']):.0f} ms, email p50 {statistics.median(windows['email']):.0f} ms / max "
        f"{max(windows['email']):.0f} ms"
    )
