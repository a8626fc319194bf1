"""No whole phone number reaches any process's log, although registrations log the phone."""

from __future__ import annotations

import re

import requests

from tests.conftest import activity_doc, wait_for

PHONE = re.compile(r"(?<!\d)1[3-9]\d{9}(?!\d)")


def test_logs_of_every_process_mask_phones(stack, urls, organizer_token):
    requests.post(
        f"{urls['registration']}/api/v1/activities",
        json=activity_doc("logmask"),
        headers={"Authorization": f"Bearer {organizer_token}"},
        timeout=10,
    )
    phones = [f"1380013{i:04d}" for i in range(5)]
    for p in phones:
        r = requests.post(
            f"{urls['registration']}/api/v1/activities/logmask/registrations",
            json={"name": "测试", "phone": p, "organization": "x", "party_size": 1},
            timeout=10,
        )
        assert r.status_code == 201
    masked = "138****" + phones[0][-4:]
    wait_for(
        lambda: any(masked in f.read_text(errors="replace") for f in stack.logs.glob("*.log")),
        what="the masked phone in the registration log",
    )
    for f in stack.logs.glob("*.log"):
        text = f.read_text(errors="replace")
        assert not PHONE.findall(text), (f.name, PHONE.findall(text)[:3])
