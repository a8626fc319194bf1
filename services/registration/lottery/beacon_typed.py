"""Beacon rounds an organizer typed in (read from drand's site when this machine reaches no relay).

A typed round is kept only once its signature verifies against the pinned chain's key
(:func:`beacon.verified`), and is verified again each time it is read: what rests in Redis is never
trusted on its own. Every adapter's ``fetch`` answers a typed round first (source ``typed``).

Key (registration's family ``beacon:*``, sciday/redis_keys.py): ``beacon:typed:<chain hash>``, a
hash of round -> JSON ``{"signature", "typed_at"}``. One HSET a round: nothing here needs Lua.
"""

from __future__ import annotations

import json
import logging
from datetime import UTC, datetime

from services.registration.lottery import beacon as bc

log = logging.getLogger(__name__)


class TypedRounds:
    def __init__(self, redis, prefix: str, chain: bc.Chain):
        self.redis, self.chain = redis, chain
        self.key = f"{prefix}beacon:typed:{chain.hash}"

    def put(self, round_no: int, signature: str, now: float) -> bc.SourcedValue:
        """Keep a typed round once it verifies; :class:`beacon.BeaconUnverified` otherwise."""
        value = bc.verified(self.chain, round_no, signature, bc.SOURCE_TYPED)
        at = datetime.fromtimestamp(now, UTC).isoformat(timespec="seconds")
        self.redis.hset(
            self.key, str(value.round), json.dumps({"signature": value.signature, "typed_at": at})
        )
        return value

    def get(self, round_no: int) -> bc.SourcedValue | None:
        raw = self.redis.hget(self.key, str(int(round_no)))
        return None if raw is None else self._value(int(round_no), raw)

    def all(self) -> list[dict]:
        """Every typed round that still verifies, by round: its public form and when it was typed."""
        out = []
        for field, raw in sorted(self.redis.hgetall(self.key).items(), key=lambda kv: int(kv[0])):
            value = self._value(int(field), raw)
            if value is not None:
                out.append({**value.public(), "typed_at": json.loads(raw).get("typed_at", "")})
        return out

    def _value(self, round_no: int, raw: bytes | str) -> bc.SourcedValue | None:
        try:
            return bc.verified(self.chain, round_no, str(json.loads(raw)["signature"]), bc.SOURCE_TYPED)
        except (bc.BeaconUnverified, ValueError, KeyError, TypeError):
            log.warning("typed beacon round %s does not verify: ignored", round_no)
            return None
