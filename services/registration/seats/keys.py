"""The seat keys of the registration service, and the conventions its scripts share.

Every key of one activity carries the hash tag ``{<activity_id>}`` so the scripts stay on one
Redis Cluster slot; the outbox stream and the two global indexes are the exceptions, listed in
docs/scaling.md. The lottery's adapter (lottery/store.py) works on the same keys.
"""

from __future__ import annotations

from datetime import UTC, datetime

from services.registration.catalogue import activities
from services.registration.vocabulary import Refusal
from shared import shredding

# reserve.lua's fair access argument when there is none (fair.lua): no IDs, no fingerprint.
NO_FAIR = {"ids": [], "fp": "", "day": "", "per_day": 0, "per_festival": 0}


def now_pair(now: datetime | None = None) -> tuple[int, str]:
    """The instant as the scripts take it: ms since the epoch, and ISO-8601 for the envelope."""
    now = now or datetime.now(UTC)
    return int(now.timestamp() * 1000), activities.iso(now)


def refused(res: list) -> Refusal:
    """A script's ``{"refused", reason, ...}`` answer as the domain refusal."""
    return Refusal(res[1].decode())


class Keys:
    def __init__(self, prefix: str):
        self.p = prefix

    def activity(self, aid):
        return f"{self.p}act:{{{aid}}}"

    def phones(self, aid):
        return f"{self.p}act:{{{aid}}}:phones"

    def waitlist(self, aid):
        return f"{self.p}act:{{{aid}}}:waitlist"

    def regs(self, aid):
        return f"{self.p}act:{{{aid}}}:regs"

    def idem(self, aid):
        return f"{self.p}act:{{{aid}}}:idem"

    def ids(self, aid):
        return f"{self.p}act:{{{aid}}}:ids"

    def idem_fingerprints(self, aid):
        return f"{self.p}act:{{{aid}}}:idemfp"

    @property
    def id_day(self):
        return f"{self.p}idday"

    @property
    def id_festival(self):
        return f"{self.p}idfest"

    def mine(self, owner_ref):
        return f"{self.p}myregs:{owner_ref}"

    def proxy(self, owner_ref):
        """Issue 29 (代预约): the people a verified phone booked for (access/fair.lua's proxy_*)."""
        return f"{self.p}proxy:{owner_ref}"

    @property
    def activities(self):
        return f"{self.p}activities"

    @property
    def regidx(self):
        return f"{self.p}regidx"

    @property
    def erasures(self):
        return f"{self.p}erasures"

    def shred(self, aid):
        """Issue 23: the data keys of the activity's registrations and entries (shared/shredding.py)."""
        return shredding.key_name(self.p, aid)
