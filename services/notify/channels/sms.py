"""SMS: a generic HTTP gateway adapter, behind a provider interface.

The provider details live in one class.  To add Aliyun or Tencent Cloud SMS, write a class with
``idempotent`` and ``send(message) -> message id`` (mapping ``template_id`` and ``params`` to the
cloud's TemplateCode / TemplateParam, and ``client_ref`` to its OutId / SessionContext), register
it in :data:`PROVIDERS` and set ``SCIDAY_SMS_PROVIDER``.  Nothing else changes.

The generic gateway protocol (standins/sms_gateway.py implements it for development):

  POST <SCIDAY_SMS_GATEWAY_URL>   JSON {client_ref, phone, sign_name, template_id, params, text, channel}
  ``channel`` is "sms" (the default) or "voice": a call that reads ``text`` out (issue 29, voice.py).
  X-Sciday-Timestamp: <unix s>    X-Sciday-Signature: hmac-sha256=<hex of key, "ts.body">
  200 {"message_id": "..."}; a repeated client_ref answers the first message id and sends nothing.
  5xx / 429 / network errors are worth retrying; other 4xx are not.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Protocol

import requests

from services.notify.channels import ProviderError
from shared.words import CODE_BY_SMS


@dataclass(frozen=True)
class SmsMessage:
    client_ref: str
    phone: str
    sign_name: str
    template_id: str
    text: str
    params: dict = field(default_factory=dict)
    channel: str = CODE_BY_SMS  # or CODE_BY_VOICE: a call reads ``text`` out (issue 29)


class SmsProvider(Protocol):
    idempotent: bool

    def send(self, message: SmsMessage) -> str: ...


def signature(api_key: str, timestamp: str, body: bytes) -> str:
    mac = hmac.new(api_key.encode(), timestamp.encode() + b"." + body, hashlib.sha256)
    return "hmac-sha256=" + mac.hexdigest()


class HttpGatewayProvider:
    def __init__(self, url: str, api_key: str = "", *, idempotent: bool = True, timeout: float = 10.0):
        self.url, self.api_key, self.idempotent, self.timeout = url, api_key, idempotent, timeout
        self.session = requests.Session()

    def send(self, message: SmsMessage) -> str:
        body = json.dumps(
            {
                "client_ref": message.client_ref,
                "phone": message.phone,
                "sign_name": message.sign_name,
                "template_id": message.template_id,
                "params": message.params,
                "text": message.text,
                "channel": message.channel,
            },
            ensure_ascii=False,
        ).encode("utf-8")
        ts = str(int(time.time()))
        headers = {"Content-Type": "application/json", "X-Sciday-Timestamp": ts}
        if self.api_key:
            headers["X-Sciday-Signature"] = signature(self.api_key, ts, body)
        try:
            resp = self.session.post(self.url, data=body, headers=headers, timeout=self.timeout)
        except requests.RequestException as exc:
            raise ProviderError(f"gateway unreachable: {type(exc).__name__}") from exc
        if resp.status_code >= 500 or resp.status_code == 429:
            raise ProviderError(f"gateway answered {resp.status_code}")
        if resp.status_code >= 400:
            raise ProviderError(f"gateway refused: {resp.status_code} {resp.text[:200]}", retryable=False)
        try:
            message_id = str(resp.json()["message_id"])
        except (ValueError, KeyError, TypeError) as exc:
            raise ProviderError(f"gateway answered without a message id: {resp.text[:200]}") from exc
        return message_id


PROVIDERS: dict[str, Callable[..., SmsProvider]] = {
    "http": lambda s: HttpGatewayProvider(
        s.sms_gateway_url,
        s.sms_api_key,
        idempotent=bool(s.sms_gateway_idempotent),
        timeout=s.notify_provider_timeout_s,
    ),
}


def parse_template_ids(text: str) -> dict[str, str]:
    """``"confirmed.zh-CN=SMS_1,confirmed.en=SMS_2"`` -> {"confirmed.zh-CN": "SMS_1", ...}."""
    out = {}
    for item in (text or "").split(","):
        name, sep, value = item.strip().partition("=")
        if sep and name.strip() and value.strip():
            out[name.strip()] = value.strip()
    return out


class SmsChannel:
    name = "sms"

    def __init__(self, provider: SmsProvider, sign_name: str, template_ids: dict[str, str] | None = None):
        self.provider, self.sender = provider, sign_name
        self.template_ids = template_ids or {}

    @property
    def idempotent(self) -> bool:
        return bool(self.provider.idempotent)

    def template_id(self, template: str, locale: str) -> str:
        key = f"{template}.{locale}"
        return self.template_ids.get(key) or self.template_ids.get(template) or key

    def send(self, intent: dict, rendered, before_handoff) -> str:
        message = SmsMessage(
            client_ref=intent["notification_id"],
            phone=intent["recipient"],
            sign_name=self.sender,
            template_id=self.template_id(rendered.template, rendered.locale),
            text=rendered.text,
            params=rendered.params,
        )
        before_handoff()
        return self.provider.send(message)


def from_settings(settings) -> SmsChannel:
    try:
        factory = PROVIDERS[settings.sms_provider]
    except KeyError:
        raise ValueError(f"unknown SCIDAY_SMS_PROVIDER {settings.sms_provider!r}; known: {sorted(PROVIDERS)}")
    return SmsChannel(
        factory(settings), settings.sms_sign_name, parse_template_ids(settings.sms_template_ids)
    )
