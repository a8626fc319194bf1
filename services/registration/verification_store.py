"""The code store port of verification.py: Redis (code_issue.lua, code_check.lua) and in memory.

Redis keys (no phone, address or code in a key or a value, only keyed hashes):
  {p}vcode:{<phone ref>}       code hash, expiry, attempts, sent time
  {p}vday:phone:<phone ref>    codes sent to the phone in the last 24 h (sliding log)
  {p}vday:ip:<ip ref>          codes asked from the address in the last 24 h
  {p}vhour:net:<prefix ref>    codes asked from the address's /24 or /64 in the last hour (issue 23)
  {p}vhour:all                 codes sent in all in the last hour (issue 23)
  {p}vsess:<sha256(token)>     the verified phone, sealed (shared/sealed.py), expiring with the session
"""

from __future__ import annotations

import secrets
from pathlib import Path

from services.registration import vocabulary as v
from services.registration.verification import Asker, Policy
from shared.redis_scripts import Scripts
from shared.sealed import is_sealed

HERE = Path(__file__).parent
DAY_MS = 86_400_000


class RedisCodeStore:
    def __init__(self, redis, prefix: str, sealer=None):
        """``sealer``: the registration ring (shared/sealed.py); the session's phone is kept sealed."""
        self.redis, self.p, self.sealer = redis, prefix, sealer
        self.scripts = Scripts(redis, HERE, ["code_issue", "code_check"])

    def _code(self, phone_ref: str) -> str:
        return f"{self.p}vcode:{{{phone_ref}}}"

    def _session(self, session_ref: str) -> str:
        return f"{self.p}vsess:{session_ref}"

    session_key = _session  # for a caller that reads the session in its own pipeline (checks.py)

    def issue(self, phone_ref, asker: Asker, code_hash, now_ms, policy: Policy):
        res = self.scripts.code_issue(
            keys=[
                self._code(phone_ref),
                f"{self.p}vday:phone:{phone_ref}",
                f"{self.p}vday:ip:{asker.ip_ref}",
                f"{self.p}vhour:net:{asker.net_ref}",
                f"{self.p}vhour:all",
            ],
            args=[
                now_ms,
                code_hash,
                policy.code_ttl_s * 1000,
                policy.resend_cooldown_s * 1000,
                policy.daily_per_phone,
                policy.daily_per_ip,
                secrets.token_hex(8),
                asker.prefix_cap,
                policy.hourly_global,
                "1" if asker.venue else "0",
            ],
        )
        return res[0].decode(), int(res[1])

    def forget(self, phone_ref):
        self.redis.delete(self._code(phone_ref))

    def check(self, phone_ref, code_hash, now_ms, policy: Policy, session_ref, phone):
        res = self.scripts.code_check(
            keys=[self._code(phone_ref), self._session(session_ref)],
            args=[now_ms, code_hash, policy.max_attempts, policy.session_days * DAY_MS, self._seal(phone)],
        )
        return res[0].decode(), int(res[1])

    def session_phone(self, session_ref):
        return self.opened(self.redis.get(self._session(session_ref)))

    def opened(self, raw: bytes | None) -> str | None:
        """The phone of a session key's value (None when there is none)."""
        if not raw:
            return None
        text = raw.decode()
        return self.sealer.open(text) if self.sealer and is_sealed(text) else text

    def _seal(self, phone: str) -> str:
        return self.sealer.seal(phone) if self.sealer else phone

    def end_session(self, session_ref):
        self.redis.delete(self._session(session_ref))

    def open_session(self, session_ref: str, phone: str, ttl_ms: int) -> None:
        """A session without a code: for the scalper drill and the benchmark's seeded crowd only."""
        self.redis.set(self._session(session_ref), self._seal(phone), px=ttl_ms)


class MemoryCodeStore:
    """The same rules in memory, for unit tests (the contract test runs both). The caps of issue 23
    (per network prefix, in all, the venue's networks) live in code_issue.lua only and are tested
    on Redis; this store counts per phone and per address, as before them."""

    def __init__(self):
        self.codes: dict[str, dict] = {}
        self.daily: dict[str, list[int]] = {}
        self.sessions: dict[str, tuple[str, int]] = {}
        self.now_ms = 0

    def _room(self, key: str, now_ms: int, limit: int) -> int:
        log = [t for t in self.daily.get(key, []) if t > now_ms - DAY_MS]
        self.daily[key] = log
        return 0 if len(log) < limit else max(1, log[0] + DAY_MS - now_ms)

    def issue(self, phone_ref, asker: Asker, code_hash, now_ms, policy: Policy):
        ip_ref = asker.ip_ref
        rec = self.codes.get(phone_ref)
        if rec and rec["gone_ms"] <= now_ms:
            rec = None
        cooldown = policy.resend_cooldown_s * 1000
        if rec and rec["sent_ms"] + cooldown > now_ms:
            return v.CODE_COOLDOWN, rec["sent_ms"] + cooldown - now_ms
        for key, limit in (
            ("phone:" + phone_ref, policy.daily_per_phone),
            ("ip:" + ip_ref, policy.daily_per_ip),
        ):
            wait = self._room(key, now_ms, limit)
            if wait:
                return v.DAILY_CAP_REACHED, wait
        ttl = policy.code_ttl_s * 1000
        self.codes[phone_ref] = {
            "code_hash": code_hash,
            "expires_ms": now_ms + ttl,
            "attempts": 0,
            "sent_ms": now_ms,
            "gone_ms": now_ms + 2 * ttl,
        }
        self.daily["phone:" + phone_ref].append(now_ms)
        self.daily["ip:" + ip_ref].append(now_ms)
        return v.OK, 0

    def forget(self, phone_ref):
        self.codes.pop(phone_ref, None)

    def check(self, phone_ref, code_hash, now_ms, policy: Policy, session_ref, phone):
        rec = self.codes.get(phone_ref)
        if rec is None or rec["gone_ms"] <= now_ms or rec["code_hash"] is None:
            return v.CODE_EXPIRED, 0
        if rec["attempts"] >= policy.max_attempts:
            return v.TOO_MANY_ATTEMPTS, 0
        if now_ms >= rec["expires_ms"]:
            return v.CODE_EXPIRED, 0
        if rec["code_hash"] != code_hash:
            rec["attempts"] += 1
            return v.CODE_INVALID, policy.max_attempts - rec["attempts"]
        rec["code_hash"], rec["attempts"] = None, policy.max_attempts
        self.sessions[session_ref] = (phone, now_ms + policy.session_days * DAY_MS)
        self.now_ms = now_ms
        return v.OK, 0

    def session_phone(self, session_ref):
        got = self.sessions.get(session_ref)
        return got[0] if got and got[1] > self.now_ms else None

    def end_session(self, session_ref):
        self.sessions.pop(session_ref, None)

    def open_session(self, session_ref: str, phone: str, ttl_ms: int) -> None:
        self.sessions[session_ref] = (phone, self.now_ms + ttl_ms)
