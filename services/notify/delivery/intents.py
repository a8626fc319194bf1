"""Deliveries: one intent per (event, channel, recipient), recorded before any provider call.

An intent moves  pending -> claimed -> handoff -> sent | retrying | failed | uncertain | skipped.
``handoff`` is written just before the provider can possibly have the message (right before the
HTTP request, or right before the end of the SMTP DATA), and the outcome right after it answers,
so a sender that finds ``handoff`` after a crash knows the provider may have it.  See
docs/notifications.md for what it then does and how small that window is.

Keys:
  {p}nt:n:<id>          hash: the intent and its outcome (id = sha256(event|channel|recipient)); the
                        recipient and the registrant are sealed for notify (shared/sealed.py)
  {p}nt:log:<rid>       list of intent ids of one registration, oldest first (the delivery log)
  {p}nt:q:<channel>     zset: intent id -> when it may be (re)tried, or when its lease ends (ms)
  {p}nt:wake:<channel>  list: nudges the channel's sender when something was queued
The queues are per channel, not per activity, so they carry no hash tag (like the outbox).
"""

from __future__ import annotations

import hashlib
import json
import secrets
from datetime import UTC, datetime
from typing import Any

from services.notify import vocabulary as V
from services.notify.delivery.intents_at_rest import FINAL, IntentsAtRest
from services.notify.projection import seal_v1
from shared.sealed import NOTIFY, Sealer, sealer
from shared.shredding import Opener


def notification_id(event_id: str, channel: str, recipient: str) -> str:
    return hashlib.sha256(f"{event_id}|{channel}|{recipient}".encode()).hexdigest()[:32]


def iso_ms(ms: int) -> str:
    return datetime.fromtimestamp(ms / 1000, UTC).isoformat(timespec="milliseconds")


def recipients(reg: dict) -> list[tuple[str, str]]:
    """(channel, address) pairs of a registrant whose contact fields are open."""
    out = [("sms", reg["phone"])] if reg.get("phone") else []  # none once erased
    if reg.get("phone") and reg.get("attendee_phone") not in (None, reg["phone"]):
        out.append(("sms", reg["attendee_phone"]))  # issue 29 (代预约): the person booked for, too
    if reg.get("email"):
        out.append(("email", reg["email"]))
    return out


class Deliveries(IntentsAtRest):
    """Recording intents, the channels' queues and claims, and the outcomes."""

    # -- recording -------------------------------------------------------------------------------
    def record(self, *, client=None, **message: Any) -> int:
        """Record (and queue) the messages one event calls for to one registrant; returns how many
        were new.  A redelivered event finds its intents and records nothing.  ``message``: the
        keyword arguments of :meth:`intents`.

        With a pipeline as ``client`` the scripts are only queued on it, and 0 is returned (the
        pipeline's results say which were new)."""
        new = 0
        for keys, args in self.intents(**message):
            recorded = self.scripts.intent(client=client, keys=keys, args=args)
            new += recorded if client is None else 0
        return new

    def intents(
        self,
        *,
        event_id: str,
        cause_type: str,
        occurred_at: str,
        activity_id: str,
        reg: dict,
        template: str,
        now_ms: int,
        context: dict | None = None,
    ) -> list[tuple[list[str], list]]:
        """The keys and arguments of intent.lua for each message one event calls for to one
        registrant (``record`` runs them one by one, ``record_many`` in one call)."""
        if self.sealer and "sealed" not in reg and reg.get("phone"):  # in clear (a v1 event): seal them
            reg = seal_v1(reg, self.sealer)
        out = []
        for channel, recipient in recipients(self.opened(reg)):
            nid = notification_id(event_id, channel, recipient)
            fields = {
                "notification_id": nid,
                "event_id": event_id,
                "cause_type": cause_type,
                "occurred_at": occurred_at,
                "activity_id": activity_id,
                "registration_id": reg["registration_id"],
                "channel": channel,
                "recipient": self._seal(recipient, reg.get("sealed")),
                "template": template,
                "locale": reg.get("locale", "zh-CN"),
                "reg": json.dumps(reg, ensure_ascii=False),
                "context": json.dumps(context or {}, ensure_ascii=False),
                "status": V.PENDING,
                "failures": 0,
                "recorded_at": iso_ms(now_ms),
            }
            args: list = [nid, now_ms]
            for k, v in fields.items():
                args += [k, v]
            keys = [
                self.intent_key(nid),
                self.log_key(reg["registration_id"]),
                self.queue_key(channel),
                self.wake_key(channel),
            ]
            out.append((keys, args))
        return out

    def record_many(self, intents: list[tuple[list[str], list]], client=None) -> int:
        """Record the ``intents`` (from :meth:`intents`, in order) in one script call, each as
        ``record`` would; returns how many were new (0 when only queued on a pipeline)."""
        if not intents:
            return 0
        keys: list[str] = []
        args: list = []
        for k, a in intents:
            keys += k
            args += [len(a) - 2, *a]
        recorded = self.scripts.intents(client=client, keys=keys, args=args)
        return 0 if client is not None else int(recorded)

    # -- the queue -------------------------------------------------------------------------------
    def next_due(self, channel: str, now_ms: int) -> str | None:
        got = self.redis.zrangebyscore(self.queue_key(channel), "-inf", now_ms, start=0, num=1)
        return got[0].decode() if got else None

    def next_at(self, channel: str) -> float | None:
        got = self.redis.zrange(self.queue_key(channel), 0, 0, withscores=True)
        return got[0][1] if got else None

    def queued(self, channel: str) -> int:
        return self.redis.zcard(self.queue_key(channel))

    def wait(self, channel: str, timeout_s: float) -> None:
        """Block until something is queued on ``channel`` or ``timeout_s`` passed."""
        if timeout_s > 0:
            self.redis.brpop([self.wake_key(channel)], timeout=max(0.01, timeout_s))

    def claim(
        self, channel: str, nid: str, now_ms: int, lease_ms: int, token: str | None = None
    ) -> tuple[str, str] | None:
        """Take a due message under a lease: (its status before, the claim token), or None.

        The caller may choose the token, so it still knows it when the reply is lost to an outage."""
        token = token or secrets.token_hex(8)
        prev = self.scripts.claim(
            keys=[self.queue_key(channel), self.intent_key(nid)], args=[nid, now_ms, now_ms + lease_ms, token]
        )
        return (prev.decode(), token) if prev else None

    def release(self, channel: str, nid: str, token: str, now_ms: int) -> bool:
        """Give back a claim held with ``token``: the message is due again at ``now_ms``."""
        return bool(
            self.scripts.release(
                keys=[self.queue_key(channel), self.intent_key(nid)], args=[nid, token, now_ms]
            )
        )

    # -- outcomes --------------------------------------------------------------------------------
    def mark_handoff(self, nid: str, token: str, now_ms: int) -> bool:
        """Write "handoff" if ``token`` still holds the claim; False when another sender took over."""
        return bool(self.scripts.handoff(keys=[self.intent_key(nid)], args=[token, iso_ms(now_ms)]))

    def _finish(self, intent: dict, fields: dict, also=None) -> None:
        """Write a final outcome, take it off the queue and let it expire after the retention."""
        nid = intent["notification_id"]
        pipe = self.redis.pipeline(transaction=True)
        pipe.hset(self.intent_key(nid), mapping=fields)
        pipe.zrem(self.queue_key(intent["channel"]), nid)
        pipe.expire(self.intent_key(nid), self.retention_s)
        pipe.expire(self.log_key(intent["registration_id"]), self.retention_s)
        if also is not None:
            also(pipe)  # e.g. the NotificationSent event into notify's outbox, in the same step
        pipe.execute()

    def mark_sent(self, intent: dict, provider_message_id: str, now_ms: int, lag_ms: int, also=None) -> None:
        self._finish(
            intent,
            {
                "status": V.SENT,
                "provider_message_id": provider_message_id,
                "sent_at": iso_ms(now_ms),
                "lag_ms": lag_ms,
            },
            also,
        )

    def mark_final(self, intent: dict, status: str, error: str, now_ms: int, also=None) -> None:
        assert status in FINAL
        self._finish(
            intent, {"status": status, "last_error": error[:500], "outcome_at": iso_ms(now_ms)}, also
        )

    def mark_retry(self, intent: dict, error: str, ready_at_ms: int) -> int:
        """Count a failure and put the message back for a later try; returns the failures so far."""
        nid = intent["notification_id"]
        pipe = self.redis.pipeline(transaction=True)
        pipe.hincrby(self.intent_key(nid), "failures", 1)
        pipe.hset(self.intent_key(nid), mapping={"status": V.RETRYING, "last_error": error[:500]})
        pipe.zadd(self.queue_key(intent["channel"]), {nid: ready_at_ms})
        return int(pipe.execute()[0])

    def defer(self, intent: dict, ready_at_ms: int, why: str) -> None:
        """Not a failure: the message waits for something (e.g. the activity's snapshot)."""
        nid = intent["notification_id"]
        pipe = self.redis.pipeline(transaction=True)
        pipe.hset(self.intent_key(nid), mapping={"status": V.PENDING, "last_error": why})
        pipe.zadd(self.queue_key(intent["channel"]), {nid: ready_at_ms})
        pipe.execute()


def sealer_of() -> Sealer:
    """Notify's ring for the current app (made once per app, from its settings)."""
    from flask import current_app

    from shared.web import settings_of

    ring = current_app.extensions.get("sciday.notify_ring")
    if ring is None:
        from shared.web import redis_of

        settings = settings_of()
        ring = Opener(sealer(settings, NOTIFY), redis_of(), settings.redis_prefix)  # issue 23
        current_app.extensions["sciday.notify_ring"] = ring
    return ring
