"""The draw side's beacon until the Beacon adapters are wired into ``Ports`` (issue 27).

:func:`beacon_of` is the one function the draw calls for its beacon: ``ports.beacon`` once the
ports carry one, else :class:`Recorded` over real quicknet rounds shipped beside this module
(``recorded_rounds.json``).  Every value it returns has passed ``beacon.verify`` against the pinned
chain: a recorded round whose signature was changed is refused like a round not yet published
(``None``), so the draw stays due and never proceeds on it.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path

from services.registration.lottery import beacon as bc

RECORDED = Path(__file__).with_name("recorded_rounds.json")


class Recorded:
    """A Beacon over recorded rounds (``round -> signature``), each verified when fetched."""

    source = "recorded"

    def __init__(self, rounds: Mapping[int, str], chain: bc.Chain = bc.QUICKNET):
        self.chain, self.rounds = chain, dict(rounds)

    @classmethod
    def shipped(cls) -> Recorded:
        doc = json.loads(RECORDED.read_text())
        return cls({int(n): sig for n, sig in doc["rounds"].items()})

    def round_after(self, t: float) -> int:
        return self.chain.first_round_after(t)

    def fetch(self, round_no: int) -> bc.BeaconValue | None:
        sig = self.rounds.get(int(round_no))
        if sig is None:
            return None
        try:
            return bc.verify(self.chain, int(round_no), sig)
        except bc.BeaconUnverified:
            return None


def beacon_of(ports: object) -> bc.Beacon:
    """The beacon the draw uses: the ports' (the beacon helper's adapters) or the recorded rounds."""
    return getattr(ports, "beacon", None) or Recorded.shipped()
