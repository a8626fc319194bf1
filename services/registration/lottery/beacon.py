"""The public randomness beacon (drand) as a port: its chain, its rounds, and their verification.

A v2 draw's seed takes a beacon value that did not exist when entries closed (docs/lottery.md,
``sciday-lottery-v2``). The round is named when the lottery opens: the first round of the pinned
chain published strictly after entries close. A value is used only once its BLS signature verifies
against the chain's pinned public key (``drand-verify``: BLS12-381, the RFC 9380 hash to G1 that the
League of Entropy's *quicknet* uses); no adapter returns an unverified value.

Adapters (the ``Beacon`` protocol): production fetches over HTTP from the drand API; tests and
``make run`` replay real, recorded rounds of the public chain; an operator may type a round in.
"""

from __future__ import annotations

import hashlib
import math
import re
from dataclasses import dataclass
from typing import Protocol

import drand_verify

SCHEME = "bls-unchained-g1-rfc9380"
_SIG = re.compile(r"[0-9a-f]{96}")


@dataclass(frozen=True)
class Chain:
    """A drand chain's public parameters (its ``/info``), pinned in the settings."""

    hash: str
    public_key: str
    genesis_time: int
    period: int
    scheme: str = SCHEME

    def round_time(self, round_no: int) -> float:
        """When round ``round_no`` is published (round 1 at genesis)."""
        return float(self.genesis_time + (round_no - 1) * self.period)

    def first_round_after(self, t: float) -> int:
        """The first round published strictly after ``t`` (the round a lottery names at opening)."""
        if t < self.genesis_time:
            return 1
        return math.floor((t - self.genesis_time) / self.period) + 2

    def public(self) -> dict:
        return {
            "hash": self.hash,
            "public_key": self.public_key,
            "genesis_time": self.genesis_time,
            "period": self.period,
            "scheme": self.scheme,
        }


# The League of Entropy's quicknet (https://api.drand.sh/<hash>/info): a round every 3 s since
# 2023-08-23, unchained, signatures on G1 (48 bytes), public key on G2.
QUICKNET = Chain(
    hash="52db9ba70e0cc0f6eaf7803dd07447a1f5477735fd3f661792ba94600c84e971",
    public_key=(
        "83cf0f2896adee7eb8b5f01fcad3912212c437e0073e911fb90022d3e760183c"
        "8c4b450b6a0a6c3ac6a5776a2d1064510d1fec758c921cc22b0e17e63aaf4bcb"
        "5ed66304de9cf809bd274ca73bab4af5a6e9c76a4bc09e76eae8991ef5ece45a"
    ),
    genesis_time=1692803367,
    period=3,
)


@dataclass(frozen=True)
class BeaconValue:
    """One verified round: ``randomness`` is SHA-256 of the signature bytes, as drand defines it."""

    chain_hash: str
    round: int
    signature: str
    randomness: str

    def public(self) -> dict:
        return {
            "chain_hash": self.chain_hash,
            "round": self.round,
            "signature": self.signature,
            "randomness": self.randomness,
        }


class BeaconUnverified(ValueError):
    """A round's signature does not verify against the chain's public key (or is not a signature)."""


def verify(chain: Chain, round_no: int, signature: str) -> BeaconValue:
    """The verified value of ``round_no``, or :class:`BeaconUnverified`. Never trusts its input:
    the signature must be 48 bytes of lowercase hex and verify under the pinned key."""
    sig = str(signature).strip().lower()
    if chain.scheme != SCHEME or not _SIG.fullmatch(sig) or not (0 < int(round_no) < 2**64):
        raise BeaconUnverified(f"not a {SCHEME} signature for round {round_no}")
    try:
        randomness = drand_verify.verify_bls_unchained_g1_rfc9380(int(round_no), sig, chain.public_key)
    except ValueError as exc:
        raise BeaconUnverified(f"round {round_no}: the signature does not verify") from exc
    if randomness != hashlib.sha256(bytes.fromhex(sig)).hexdigest():  # drand's definition, checked
        raise BeaconUnverified(f"round {round_no}: unexpected randomness")
    return BeaconValue(chain.hash, int(round_no), sig, randomness)


class Beacon(Protocol):
    """Where verified beacon values come from (production: HTTP; tests and ``make run``: recorded
    rounds; an operator's typed round in either)."""

    chain: Chain

    def round_after(self, t: float) -> int:
        """The round a lottery whose entries close at ``t`` names (the first published after it)."""
        ...

    def fetch(self, round_no: int) -> BeaconValue | None:
        """The round's verified value; ``None`` while it is not published or cannot be reached."""
        ...


# Where a value came from, carried into the public draw (``BeaconValue.public()`` plus ``source``):
# the relays (``http``), the replay of recorded rounds (``recorded``: a demonstration, which an
# outsider's check fails unless told so), or an operator's typed round (``typed``).
SOURCE_HTTP = "http"
SOURCE_RECORDED = "recorded"
SOURCE_TYPED = "typed"
SOURCES = (SOURCE_HTTP, SOURCE_RECORDED, SOURCE_TYPED)


@dataclass(frozen=True)
class SourcedValue(BeaconValue):
    """A verified value and where it came from (what every adapter's ``fetch`` returns)."""

    source: str = SOURCE_HTTP

    def public(self) -> dict:
        return {**super().public(), "source": self.source}


def verified(chain: Chain, round_no: int, signature: str, source: str) -> SourcedValue:
    """:func:`verify`, and the value marked with its source; :class:`BeaconUnverified` as there."""
    value = verify(chain, round_no, signature)
    return SourcedValue(value.chain_hash, value.round, value.signature, value.randomness, source)
