"""The code store port of verification.py on Redis (code_issue.lua, code_check.lua: the rules'
one implementation; tests run them on a test Redis).

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

from services.registration.access.verification import Asker, Policy
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
