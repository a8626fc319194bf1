"""The delivery log: one entry per (event, channel, recipient), written before any provider call.

Keys:
  {p}nt:log:{rid}        list of JSON entries for one registration, oldest first
  {p}nt:intent:<digest>  the entry's state, set once (SET NX) so a redelivered event finds it
"""
from __future__ import annotations

import hashlib
import json
from datetime import datetime, timezone

from shared.logs import mask_phone

TEMPLATES = {
    "RegistrationConfirmed": "confirmed",
    "RegistrationWaitlisted": "waitlisted",
    "WaitlistPromoted": "promoted",
    "RegistrationCancelled": "cancelled",
}


class DeliveryLog:
    def __init__(self, redis, prefix: str):
        self.redis, self.p = redis, prefix

    def _intent_key(self, event_id: str, channel: str, recipient: str) -> str:
        digest = hashlib.sha256(f"{event_id}|{channel}|{recipient}".encode()).hexdigest()
        return f"{self.p}nt:intent:{digest}"

    def record_intent(self, *, event_id: str, registration_id: str, channel: str, recipient: str,
                      template: str) -> bool:
        """Record that this message is due; False when it was recorded before (a redelivery)."""
        entry = {"event_id": event_id, "registration_id": registration_id, "channel": channel,
                 "recipient": mask_phone(recipient), "template": template, "status": "pending",
                 "recorded_at": datetime.now(timezone.utc).isoformat()}
        if not self.redis.set(self._intent_key(event_id, channel, recipient), json.dumps(entry), nx=True):
            return False
        self.redis.rpush(f"{self.p}nt:log:{registration_id}", json.dumps(entry, ensure_ascii=False))
        return True

    def entries(self, registration_id: str) -> list[dict]:
        return [json.loads(x) for x in self.redis.lrange(f"{self.p}nt:log:{registration_id}", 0, -1)]


def recipients(data: dict) -> list[tuple[str, str]]:
    out = [("sms", data["phone"])]
    if data.get("email"):
        out.append(("email", data["email"]))
    return out


def handle(log: DeliveryLog, envelope: dict) -> int:
    """Record the notifications an event calls for; returns how many were new."""
    template = TEMPLATES.get(envelope["type"])
    if template is None:
        return 0
    data = envelope["data"]
    return sum(log.record_intent(event_id=envelope["event_id"], registration_id=data["registration_id"],
                                 channel=ch, recipient=to, template=template)
               for ch, to in recipients(data))
