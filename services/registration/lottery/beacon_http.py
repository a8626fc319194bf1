"""The beacon's adapters over HTTP (the ``Beacon`` protocol of beacon.py).

``HttpBeacon`` (production): ``GET <relay>/<chain hash>/public/<round>`` from the drand API, the
relays asked in turn with a short timeout each. An answer is used only once its signature verifies
against the pinned key (:func:`beacon.verified`): a relay that answers another round, a signature
that does not verify or no signature at all is logged and the next relay is asked. ``None`` when no
relay has the round (not yet published, or none reachable): never an unverified value.

``ReplayBeacon`` (tests and `make run`): the same client, pointed at the local stand-in
(standins/beacon.py) that serves real, recorded rounds. The first round after a close does not
exist in a recording, so it names rounds by a replay mapping: the recorded round at index
``(floor(t / replay_period) + 1) % N``. Every value it returns is marked ``recorded``.

Both answer an organizer's typed round first (beacon_typed.py), marked ``typed``.
"""

from __future__ import annotations

import logging
import math
from collections.abc import Sequence
from typing import Any

import requests

from services.registration.lottery import beacon as bc
from services.registration.lottery.beacon_typed import TypedRounds

log = logging.getLogger(__name__)


class HttpBeacon:
    source = bc.SOURCE_HTTP

    def __init__(
        self,
        chain: bc.Chain,
        relays: Sequence[str],
        timeout_s: float = 2.0,
        typed: TypedRounds | None = None,
    ):
        self.chain, self.typed, self.timeout_s = chain, typed, timeout_s
        self.relays = [r.strip().rstrip("/") for r in relays if r.strip()]
        self.http = requests.Session()

    def round_after(self, t: float) -> int:
        return self.chain.first_round_after(t)

    def fetch(self, round_no: int) -> bc.SourcedValue | None:
        typed = self.typed.get(round_no) if self.typed is not None else None
        if typed is not None:
            return typed
        for relay in self.relays:
            value = self._ask(relay, int(round_no))
            if value is not None:
                return value
        return None

    def _ask(self, relay: str, round_no: int) -> bc.SourcedValue | None:
        url = f"{relay}/{self.chain.hash}/public/{round_no}"
        try:
            answer = self.http.get(url, timeout=self.timeout_s)
        except requests.RequestException as exc:
            log.info("beacon relay %s unreachable: %s", relay, type(exc).__name__)
            return None
        if answer.status_code != 200:
            return None  # 404/425: not published yet; 5xx: the relay's trouble
        try:
            return self._verified(answer.json(), round_no)
        except (bc.BeaconUnverified, ValueError, TypeError, KeyError) as exc:
            log.warning("beacon relay %s answered round %s unverified: %s", relay, round_no, exc)
            return None

    def _verified(self, body: Any, round_no: int) -> bc.SourcedValue:
        if not isinstance(body, dict) or body.get("round") != round_no:
            raise bc.BeaconUnverified(f"the answer is not round {round_no}")
        value = bc.verified(self.chain, round_no, str(body.get("signature", "")), self.source)
        if body.get("randomness", value.randomness) != value.randomness:
            raise bc.BeaconUnverified(f"round {round_no}: the randomness is not SHA-256 of the signature")
        return value


class ReplayBeacon(HttpBeacon):
    """Recorded rounds, named by the replay mapping, fetched from the stand-in (a demonstration)."""

    source = bc.SOURCE_RECORDED

    def __init__(
        self,
        chain: bc.Chain,
        url: str,
        recorded: Sequence[int],
        period_s: float = 3.0,
        timeout_s: float = 2.0,
        typed: TypedRounds | None = None,
    ):
        super().__init__(chain, [url], timeout_s, typed)
        if not recorded or period_s <= 0:
            raise ValueError("a replay needs recorded rounds and a period above 0")
        self.recorded, self.period_s = sorted(int(r) for r in recorded), float(period_s)

    def round_after(self, t: float) -> int:
        return replay_round(self.recorded, self.period_s, t)


def replay_round(recorded: Sequence[int], period_s: float, t: float) -> int:
    """The recorded round a close at ``t`` names: index ``(floor(t / period_s) + 1) % N``."""
    return int(recorded[(math.floor(t / period_s) + 1) % len(recorded)])
