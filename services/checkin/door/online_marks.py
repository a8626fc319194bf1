"""Online marks: the server's signed word for "this device was online at this moment".

A scanner keeps the mark of its last exchange with the server (the scanner state carries a fresh
one) and sends it with every offline scan it uploads. The door takes an offline scan's own time
only between that moment and now plus a small clock skew (``scans.scan_moment``), so a
steward's token cannot date a scan into next week, nor back before the device went offline.

A mark is ``<unix seconds>.<hex HMAC-SHA256 of "holder|seconds">``, bound to the holder (the
hash of the staff token), so one token cannot use another's marks. Stateless: any replica that
shares the key checks it.
"""

from __future__ import annotations

import hashlib
import hmac
from datetime import UTC, datetime

from shared import keyfile
from shared.config import Settings

MAC_HEX = 32  # 128 bits of the HMAC are kept


class OnlineMarks:
    def __init__(self, key: bytes) -> None:
        self.key = key

    @classmethod
    def from_settings(cls, settings: Settings) -> OnlineMarks:
        return cls(keyfile.from_settings(settings, "door-mark", "SCIDAY_DOOR_MARK_KEY"))

    def _mac(self, holder: str, seconds: int) -> str:
        return hmac.new(self.key, f"{holder}|{seconds}".encode(), hashlib.sha256).hexdigest()[:MAC_HEX]

    def issue(self, holder: str, at: datetime) -> str:
        seconds = int(at.timestamp())
        return f"{seconds}.{self._mac(holder, seconds)}"

    def moment(self, mark: str, holder: str) -> datetime | None:
        """The moment a valid mark of ``holder`` names, else None."""
        seconds, _, mac = mark.partition(".")
        if not (seconds.isascii() and seconds.isdigit() and len(seconds) <= 12 and len(mac) == MAC_HEX):
            return None
        if not hmac.compare_digest(mac, self._mac(holder, int(seconds))):
            return None
        return datetime.fromtimestamp(int(seconds), UTC)
