"""The door port of the use cases (``ports.Door``): a cancellation is told to the check-in
service at once, by a call signed with the internal key (``services/checkin/door/api_revocations.py``),
so that the ticket is refused at the door before the cancellation's answer leaves, even while the
broker is down. The ``RegistrationCancelled`` event still goes through the outbox and agrees.

Best effort and bounded: a door that is down or slow costs at most
``Settings.door_revocation_timeout_ms`` and is logged; the event then closes the gap. docs/door.md
says why a call rather than a key of the check-in service written from here.
"""

from __future__ import annotations

import json
import logging

import requests

from shared import internal

log = logging.getLogger("sciday.registration.door")


class DoorRevocations:
    def __init__(self, checkin_url: str, key: bytes, timeout_s: float = 0.5):
        self.url = checkin_url.rstrip("/") + "/internal/v1/revocations"
        self.key, self.timeout_s = key, timeout_s
        self.session = requests.Session()

    def revoke(self, activity_id: str, registration_id: str) -> None:
        body = json.dumps({"activity_id": activity_id, "registration_id": registration_id}).encode()
        try:
            resp = self.session.post(
                self.url,
                data=body,
                headers=internal.headers(self.key, "POST", self.url, body),
                timeout=self.timeout_s,
            )
        except requests.RequestException as exc:
            log.warning("door not told of a cancellation (%s); the event will tell it", type(exc).__name__)
            return
        if resp.status_code != 200:
            log.warning("door answered %s to a revocation; the event will tell it", resp.status_code)
