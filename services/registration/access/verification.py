"""A verified phone: an SMS code proves the person holds the number; a session remembers it.

Plain functions over two ports (a code store, a code sender) and a clock value; refusals are
:class:`Refusal` with a reason code. The rules:

- a code is 6 random digits, valid ``code_ttl_s`` (5 min), kept only as an HMAC with a server
  secret (never in clear: not in Redis, a log, or a topic), at most ``max_attempts`` (5) tries;
- a new code for the same phone only after ``resend_cooldown_s``; at most ``daily_per_phone``
  codes per phone and ``daily_per_ip`` per client address in any 24 h (sliding windows);
- at most ``hourly_per_prefix_v4`` / ``_v6`` codes per network prefix (an IPv4 /24, an IPv6 /64) and
  ``hourly_global`` codes in all in any hour (issue 23); an address on ``venue_networks`` (the
  venue's Wi-Fi, a campus NAT) is not capped per address or prefix, only per phone and in all;
- the right code ends the code and opens a session: a random bearer token (also the page
  cookie), valid ``session_days``, stored as its SHA-256 only.

Phones are canonical (shared/phone.py) before anything else sees them.
"""

from __future__ import annotations

import hashlib
import re
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol

from prometheus_client import Counter

from services.registration import vocabulary as v
from services.registration.ports import Doc
from services.registration.vocabulary import Refusal
from shared import clientaddr
from shared import phone as phones
from shared.config import Settings
from shared.keyfile import keyed
from shared.masking import mask_phone
from shared.words import CODE_BY_SMS, CODE_CHANNELS

CODE = re.compile(r"[0-9]{6}\Z", re.ASCII)
# Issue 29 (WCAG 3.3.8): a pasted or autofilled code may come as "382 916" or "382-916"; spaces and
# dashes of any width (not line breaks or other controls) are dropped before the code is checked.
# This is the one place that does it.
CODE_SEPARATORS = re.compile("[ \u00a0\u2000-\u200a\u202f\u205f\u3000\\-\u2010-\u2015\u2212\ufe63\uff0d]")
CODE_TEXT_MAX = 40
TOKEN_PREFIX = "vs_"
# Issue 23: every code asked for, by outcome ("ok", or the cap that refused it); alerts in
# deploy/prometheus/alerts.yml watch the network and total caps.
CODES = Counter("sciday_verification_codes_total", "SMS codes asked for, by outcome", ["outcome"])
CAPS = (v.CODE_COOLDOWN, v.DAILY_CAP_REACHED, v.NETWORK_CAP_REACHED, v.CODES_BUSY)
# shared/phone.py's why -> the field rule the person reads
PHONE_RULES = {
    "empty": v.PHONE_EMPTY,
    "too_long": v.PHONE_TOO_LONG,
    "control_character": v.PHONE_CONTROL_CHARACTER,
    "not_ascii_digits": v.PHONE_NOT_ASCII_DIGITS,
    "not_mainland_mobile": v.PHONE_NOT_MAINLAND_MOBILE,
}


@dataclass(frozen=True)
class Policy:
    code_ttl_s: int = 300
    max_attempts: int = 5
    resend_cooldown_s: int = 60
    daily_per_phone: int = 10
    daily_per_ip: int = 50
    session_days: int = 7
    hourly_per_prefix_v4: int = 60
    hourly_per_prefix_v6: int = 10
    hourly_global: int = 5000
    prefix_v4: int = 24
    prefix_v6: int = 64
    venue_networks: tuple[clientaddr.Network, ...] = ()

    @classmethod
    def from_settings(cls, s: Settings) -> Policy:
        return cls(
            s.verify_code_ttl_s,
            s.verify_max_attempts,
            s.verify_resend_cooldown_s,
            s.verify_daily_per_phone,
            s.verify_daily_per_ip,
            s.verify_session_days,
            s.verify_hourly_per_prefix_v4,
            s.verify_hourly_per_prefix_v6,
            s.verify_hourly_global,
            s.verify_prefix_v4,
            s.verify_prefix_v6,
            clientaddr.venue_networks(s.verify_venue_networks),
        )


@dataclass(frozen=True)
class Asker:
    """Where a code request comes from, as the caps count it: keyed refs of the address and of its
    network prefix, that prefix's hourly cap, and whether it is on the venue's own networks (then
    neither the address nor the prefix is capped)."""

    ip_ref: str
    net_ref: str
    prefix_cap: int
    venue: bool


@dataclass(frozen=True)
class Session:
    token: str
    phone: str
    expires_at_ms: int


class CodeStore(Protocol):
    def issue(
        self, phone_ref: str, asker: Asker, code_hash: str, now_ms: int, policy: Policy
    ) -> tuple[str, int]:
        """("ok", 0), or (code_cooldown | daily_cap_reached | network_cap_reached | codes_busy,
        retry ms). Atomic."""

    def forget(self, phone_ref: str) -> None:
        """Drop the phone's code (its SMS could not be sent), not its daily count."""

    def check(
        self, phone_ref: str, code_hash: str, now_ms: int, policy: Policy, session_ref: str, phone: str
    ) -> tuple[str, int]:
        """("ok", 0) having opened the session; (code_invalid, attempts left); (code_expired |
        too_many_attempts, 0). Atomic."""

    def session_phone(self, session_ref: str) -> str | None: ...

    def end_session(self, session_ref: str) -> None: ...


class CodeSender(Protocol):
    def send_code(self, phone: str, code: str, locale: str, ttl_min: int, channel: str = CODE_BY_SMS) -> None:
        """Hand the code to the provider, by SMS or read out in a phone call (``channel``, one of
        ``CODE_CHANNELS``); raise :class:`SenderUnavailable` when it cannot."""


class SenderUnavailable(Exception):
    pass


def asker_of(ip: str, secret: bytes, policy: Policy) -> Asker:
    net = clientaddr.network_of(ip, policy.prefix_v4, policy.prefix_v6)
    cap = policy.hourly_per_prefix_v6 if ":" in net else policy.hourly_per_prefix_v4
    return Asker(
        keyed(secret, "ip", ip), keyed(secret, "net", net), cap, clientaddr.within(ip, policy.venue_networks)
    )


def session_ref(token: str) -> str:
    """A 256-bit random token needs no key: its SHA-256 is what Redis keeps."""
    return hashlib.sha256(token.encode("utf-8", "replace")).hexdigest()


def new_code() -> str:
    return f"{secrets.randbelow(1_000_000):06d}"


def canonical_phone(text: object) -> str:
    try:
        return phones.canonical(text)
    except phones.PhoneInvalid as exc:
        raise Refusal(v.PHONE_INVALID, {"rules": {"phone": [PHONE_RULES[exc.why]]}}) from None


def code_channel(text: object) -> str:
    """The channel a code request names: ``sms`` (also when none is named) or ``voice``."""
    if text is None or text == "":
        return CODE_BY_SMS
    if text not in CODE_CHANNELS:
        raise Refusal(v.VALIDATION_FAILED, {"rules": {"channel": list(CODE_CHANNELS)}})
    return str(text)


def code_typed(text: object) -> str:
    """The code as typed, pasted or autofilled, without its spaces and dashes ("382 916")."""
    if not isinstance(text, str) or len(text) > CODE_TEXT_MAX:
        return ""
    return CODE_SEPARATORS.sub("", text)


def request_code(
    phone_text: object,
    ip: str,
    locale: str,
    *,
    channel: object = CODE_BY_SMS,
    store: CodeStore,
    sender: CodeSender,
    policy: Policy,
    secret: bytes,
    now_ms: int,
    make_code: Callable[[], str] = new_code,
) -> Doc:
    phone = canonical_phone(phone_text)
    channel = code_channel(channel)
    code = make_code()
    phone_ref = keyed(secret, "phone", phone)
    outcome, retry_ms = store.issue(
        phone_ref, asker_of(ip, secret, policy), keyed(secret, f"code:{phone}", code), now_ms, policy
    )
    CODES.labels(outcome).inc()
    if outcome == v.CODE_COOLDOWN:
        raise Refusal(v.CODE_COOLDOWN, {"retry_ms": retry_ms})
    if outcome == v.NETWORK_CAP_REACHED:
        raise Refusal(v.NETWORK_CAP_REACHED, {"retry_ms": retry_ms})
    if outcome == v.CODES_BUSY:
        raise Refusal(v.CODES_BUSY, {"retry_ms": retry_ms})
    if outcome != v.OK:
        raise Refusal(v.DAILY_CAP_REACHED, {"retry_ms": retry_ms})
    try:
        sender.send_code(phone, code, locale, max(1, policy.code_ttl_s // 60), channel)
    except SenderUnavailable:
        store.forget(phone_ref)
        raise Refusal(v.SMS_UNAVAILABLE, {"retry_ms": 5000}) from None
    return {
        "status": "sent",
        "phone_masked": mask_phone(phone),
        "expires_in_s": policy.code_ttl_s,
        "resend_after_s": policy.resend_cooldown_s,
        "channel": channel,
    }


def verify(
    phone_text: object,
    code_text: object,
    *,
    store: CodeStore,
    policy: Policy,
    secret: bytes,
    now_ms: int,
    make_token: Callable[[], str] = lambda: TOKEN_PREFIX + secrets.token_urlsafe(32),
) -> Session:
    phone = canonical_phone(phone_text)
    code_text = code_typed(code_text)
    if not CODE.fullmatch(code_text):
        raise Refusal(v.CODE_INVALID, {"rules": {"code": [v.CODE_SIX_DIGITS]}})
    token = make_token()
    outcome, left = store.check(
        keyed(secret, "phone", phone),
        keyed(secret, f"code:{phone}", code_text),
        now_ms,
        policy,
        session_ref(token),
        phone,
    )
    if outcome == v.CODE_INVALID:
        raise Refusal(v.CODE_INVALID, {"attempts_left": left})
    if outcome == v.TOO_MANY_ATTEMPTS:
        raise Refusal(v.TOO_MANY_ATTEMPTS)
    if outcome != v.OK:
        raise Refusal(v.CODE_EXPIRED)
    return Session(token, phone, now_ms + policy.session_days * 86_400_000)


def token_ref(token: str | None) -> str | None:
    """The reference a session token is kept under, or None for a malformed token (never looked up)."""
    if not token or not token.startswith(TOKEN_PREFIX) or len(token) > 100:
        return None
    return session_ref(token)


def session_phone(token: str | None, store: CodeStore) -> str | None:
    """The verified phone a session token stands for, or None (unknown, expired, malformed)."""
    ref = token_ref(token)
    return None if ref is None else store.session_phone(ref)


def require_phone(token: str | None, store: CodeStore) -> str:
    phone = session_phone(token, store)
    if phone is None:
        raise Refusal(v.PHONE_NOT_VERIFIED)
    return phone
