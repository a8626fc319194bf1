"""The code sender port of verification.py: a signed call to the notify service, which hands the
code to the SMS provider at once (services/notify/web/api_codes.py), by SMS or read out in a phone
call (``channel``). The code travels only in this request's body: no queue, no topic, no log line
holds it."""

from __future__ import annotations

import json

import requests

from services.registration.access.verification import SenderUnavailable
from shared import internal
from shared.words import CODE_BY_SMS


class NotifyCodeSender:
    def __init__(self, notify_url: str, key: bytes, timeout_s: float = 5.0):
        self.url = notify_url.rstrip("/") + "/internal/v1/verification-codes"
        self.key, self.timeout_s = key, timeout_s
        self.session = requests.Session()

    def send_code(self, phone: str, code: str, locale: str, ttl_min: int, channel: str = CODE_BY_SMS) -> None:
        doc = {"phone": phone, "code": code, "locale": locale, "minutes": ttl_min, "channel": channel}
        body = json.dumps(doc).encode()
        try:
            resp = self.session.post(
                self.url,
                data=body,
                headers=internal.headers(self.key, "POST", self.url, body),
                timeout=self.timeout_s,
            )
        except requests.RequestException as exc:
            raise SenderUnavailable(type(exc).__name__) from None
        if resp.status_code != 200:
            raise SenderUnavailable(f"notify answered {resp.status_code}")
