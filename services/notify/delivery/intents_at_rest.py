"""An intent at rest (keys in ``intents.py``): its recipient and registrant sealed for notify and
opened for the sender, the delivery log of a registration, and its erasure (issue 16).
``intents.Deliveries`` records, queues, claims and finishes the intents on top of this.
"""

from __future__ import annotations

import json
from pathlib import Path

from services.notify import vocabulary as V
from shared.logs import mask_phone
from shared.redis_scripts import Scripts
from shared.sealed import Sealer, is_sealed
from shared.shredding import Opener, Shredded, is_shredded

CHANNELS = ("sms", "email")
FINAL = V.FINAL
_LOG_FIELDS = (
    "notification_id",
    "event_id",
    "registration_id",
    "channel",
    "recipient",
    "template",
    "status",
    "attempts",
    "recorded_at",
    "handoff_at",
    "sent_at",
    "provider_message_id",
    "last_error",
    "lag_ms",
)


class IntentsAtRest:
    def __init__(self, redis, prefix: str, retention_s: int = 30 * 86400, sealer: Sealer | None = None):
        """``sealer``: notify's ring (shared/sealed.py). With it, an intent keeps its recipient and
        registrant sealed at rest (issue 16); :meth:`get` opens them for the sender."""
        self.redis, self.p, self.retention_s = redis, prefix, retention_s
        # issue 23: the ring also opens what is sealed under a registration's data key
        self.sealer: Opener | None = (
            sealer if sealer is None or isinstance(sealer, Opener) else Opener(sealer, redis, prefix)
        )
        self.scripts = Scripts(
            redis, Path(__file__).parent, ["intent", "intents", "claim", "handoff", "release"]
        )

    def opened(self, reg: dict) -> dict:
        """The registrant with its sealed contact fields open (as the projection keeps it, sealed).
        Sealed under a data key that is gone (issue 23, shared/shredding.py): the registrant was
        erased, and comes back without contact fields, so nobody is told."""
        if not reg.get("sealed") or self.sealer is None:
            return reg
        rest = {k: v for k, v in reg.items() if k != "sealed"}
        try:
            return rest | self.sealer.open(reg["sealed"])
        except Shredded:
            return {k: v for k, v in rest.items() if k not in ("phone", "email")} | {"erased": True}

    def _seal(self, value: str, beside: str | None = None) -> str:
        """Sealed under notify's ring, or under the data key of ``beside`` (issue 23), so that the
        intent's recipient (and a dead letter carrying it) is shredded with the registration."""
        if self.sealer is None:
            return value
        return self.sealer.seal_beside(beside, value)

    def intent_key(self, nid: str) -> str:
        return f"{self.p}nt:n:{nid}"

    def log_key(self, rid: str) -> str:
        return f"{self.p}nt:log:{rid}"

    def queue_key(self, channel: str) -> str:
        return f"{self.p}nt:q:{channel}"

    def wake_key(self, channel: str) -> str:
        return f"{self.p}nt:wake:{channel}"

    def get(self, nid: str) -> dict:
        raw = self.redis.hgetall(self.intent_key(nid))
        out = {k.decode(): v.decode() for k, v in raw.items()}
        for k in ("reg", "context"):
            if k in out:
                out[k] = json.loads(out[k])
        # at rest sealed; open for the sender, and keep the sealed forms for anything re-published
        out["at_rest"] = {k: out[k] for k in ("recipient", "reg") if k in out}
        if "reg" in out:
            out["reg"] = self.opened(out["reg"])
        if self.sealer and (is_sealed(out.get("recipient")) or is_shredded(out.get("recipient"))):
            try:
                out["recipient"] = self.sealer.open(out["recipient"])
            except Shredded:  # erased (issue 23): the sender sends nothing and ends it skipped
                del out["recipient"]
                out["shredded"] = True
        return out

    # -- erasure (issue 16) ----------------------------------------------------------------------
    def erase(self, registration_id: str) -> int:
        """Drop the recipient and registrant of every message of a registration; messages not yet
        sent are skipped. The log keeps when, which channel and what outcome. Returns how many."""
        nids = [n.decode() for n in self.redis.lrange(self.log_key(registration_id), 0, -1)]
        pipe = self.redis.pipeline(transaction=True)
        for nid in nids:
            for channel in CHANNELS:
                pipe.zrem(self.queue_key(channel), nid)
            pipe.hdel(self.intent_key(nid), "recipient", "reg")
        pipe.execute()
        for nid in nids:  # unsent ones end as skipped; sent ones keep their outcome
            status = self.redis.hget(self.intent_key(nid), "status")
            if status is not None and status.decode() not in FINAL:
                self.redis.hset(self.intent_key(nid), mapping={"status": V.SKIPPED, "last_error": "erased"})
        return len(nids)

    # -- the delivery log ------------------------------------------------------------------------
    def entries(self, registration_id: str) -> list[dict]:
        nids = [n.decode() for n in self.redis.lrange(self.log_key(registration_id), 0, -1)]
        out = []
        for nid in nids:
            it = self.get(nid)
            if not it:
                continue
            it["recipient"] = mask_phone(it.get("recipient", ""))  # none once erased
            failures = int(it.get("failures", 0))
            it["attempts"] = failures + (
                1 if it.get("status") in (V.SENT, V.FAILED, V.UNCERTAIN, V.HANDOFF) else 0
            )
            out.append({k: it.get(k) for k in _LOG_FIELDS if it.get(k) not in (None, "")})
        return out
