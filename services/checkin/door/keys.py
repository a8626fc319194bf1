"""The ticket public keys, as the check-in service sees them: read from the keys folder (public
halves only) and re-read when a code names a key id not seen yet, so a rotated key is picked up."""

from __future__ import annotations

import threading
import time
from pathlib import Path

from shared.tickets import InvalidTicket, KeyRing, Ticket


class KeyCache:
    def __init__(self, keys_dir: Path, reload_every_s: float = 5.0):
        self.keys_dir, self.reload_every_s = Path(keys_dir), reload_every_s
        self._lock = threading.Lock()
        self._loaded_at = 0.0
        self.ring = KeyRing.load(self.keys_dir, public_only=True)

    def _reload(self) -> None:
        with self._lock:
            if time.monotonic() - self._loaded_at >= self.reload_every_s:
                self.ring = KeyRing.load(self.keys_dir, public_only=True)
                self._loaded_at = time.monotonic()

    def verify(self, code: str) -> Ticket:
        try:
            return self.ring.verify(code)
        except InvalidTicket as exc:
            if "unknown key id" not in str(exc):
                raise
            self._reload()
            return self.ring.verify(code)

    def public_list(self) -> list[dict]:
        return self.ring.public_list()
