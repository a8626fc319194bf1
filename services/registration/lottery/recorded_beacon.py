"""A beacon over recorded rounds held in memory, and the one function the draw takes its beacon from.

:func:`beacon_of` gives ``ports.beacon`` (the beacon adapters, ``beacons.beacon_from``: drand's
relays, or the recorded rounds' replay, with an organizer's typed rounds first), else
:class:`Recorded` over the checkout's recorded real quicknet rounds. :class:`Recorded` is also what
tests hand the draw to replace the port: every value it returns has passed ``beacon.verify``
against the pinned chain, and a round whose signature was changed is refused like a round not yet
published (``None``). The draw verifies each value again itself (``rounds.verified_beacon``).
"""

from __future__ import annotations

from collections.abc import Mapping

from services.registration.lottery import beacon as bc
from services.registration.lottery.beacons import recorded_rounds


class Recorded:
    """A Beacon over recorded rounds (``round -> signature``), each verified when fetched."""

    source = bc.SOURCE_RECORDED

    def __init__(self, rounds: Mapping[int, str], chain: bc.Chain = bc.QUICKNET):
        self.chain, self.rounds = chain, dict(rounds)

    @classmethod
    def shipped(cls) -> Recorded:
        return cls({int(r["round"]): str(r["signature"]) for r in recorded_rounds()})

    def round_after(self, t: float) -> int:
        return self.chain.first_round_after(t)

    def fetch(self, round_no: int) -> bc.SourcedValue | None:
        sig = self.rounds.get(int(round_no))
        if sig is None:
            return None
        try:
            return bc.verified(self.chain, int(round_no), sig, self.source)
        except bc.BeaconUnverified:
            return None


def beacon_of(ports: object) -> bc.Beacon:
    """The beacon the draw uses: the ports' (the beacon adapters) or the recorded rounds."""
    return getattr(ports, "beacon", None) or Recorded.shipped()
