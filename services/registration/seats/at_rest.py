"""The personal fields of a registration at rest (issue 16, privacy/personal.py).

Never in clear: sealed for this service, and again for notify (the events carry that copy); the
phone index holds keyed hashes. Loaded on first use, so tools that only read activities need no
key. The seat store (store.py) inherits this; the lottery's store seals through its seat store.
"""

from __future__ import annotations

from functools import cached_property
from typing import Any

from services.registration.privacy import personal
from services.registration.seats.keys import Keys
from shared import keyfile, sealed, shredding


class SealedAtRest:
    """Sealing and opening records over ``redis``, ``settings`` and ``keys`` of the store."""

    redis: Any
    settings: Any
    keys: Keys

    @cached_property
    def sealer(self) -> sealed.Sealer:
        return sealed.sealer(self.settings, sealed.REGISTRATION)

    @cached_property
    def notify_sealer(self) -> sealed.Sealer:
        return sealed.sealer(self.settings, sealed.NOTIFY)

    @cached_property
    def phone_key(self) -> bytes:
        s = self.settings
        return keyfile.from_settings(s, "registration-hmac", "SCIDAY_HMAC_SECRET")

    def seal_for_notify(self, aid: str, rid: str, value: dict) -> str:
        """``value`` sealed under the registration's data key (issue 23), or under notify's ring for
        a record made before it (no data key)."""
        wrapped = self.redis.hget(self.keys.shred(aid), rid)
        if wrapped is None:
            return self.notify_sealer.seal(value)
        return shredding.seal(shredding.unwrap(self.notify_sealer, wrapped), aid, rid, value)

    def at_rest(self, reg: dict) -> dict:
        return personal.at_rest(reg, self.sealer, self.notify_sealer, self.phone_key)

    def in_clear(self, rec: dict) -> dict:
        return personal.in_clear(rec, self.sealer)
