"""What the v2 lottery group's use cases (groups.py) work through: the rules from the settings,
the beacon the rounds are named from, and the ports and stores (:class:`Engine`). The HTTP edge
(group_api.py) and the scheduler build one; tests build one on a test Redis."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from services.registration.lottery import beacon as bc
from services.registration.lottery import draw as lot
from services.registration.lottery import receipts
from services.registration.lottery.group_store import GroupStore
from services.registration.ports import Ports
from shared.config import Settings


@dataclass(frozen=True)
class Rules:
    """The settings a group is opened and entered with (shared/config.py)."""

    max_choices: int = Settings.lottery_max_choices
    loss_extra: int = Settings.lottery_loss_extra
    loss_cap: int = Settings.lottery_loss_cap
    round2_before_h: int = Settings.lottery_round2_before_h
    rounds: int = Settings.lottery_rounds

    @classmethod
    def from_settings(cls, s: Settings) -> Rules:
        return cls(s.lottery_max_choices, s.lottery_loss_extra, s.lottery_loss_cap, s.lottery_round2_before_h,
                   s.lottery_rounds)  # fmt: skip


class PinnedRounds:
    """The pinned chain's round numbers, with no values: enough to open a group (the round a freeze
    names); the beacon adapters (recorded, HTTP, typed) replace it at merge (:func:`beacon_of`)."""

    def __init__(self, chain: bc.Chain = bc.QUICKNET) -> None:
        self.chain = chain

    def round_after(self, t: float) -> int:
        return self.chain.first_round_after(t)

    def fetch(self, round_no: int) -> bc.BeaconValue | None:
        return None


def beacon_of(ports: Ports) -> Any:
    """The beacon the group names its rounds from: the registration ports' (the beacon adapters,
    once merged), else the pinned chain's round numbers. The one place to swap it."""
    return getattr(ports, "beacon", None) or PinnedRounds()


@dataclass
class Engine:
    """What the group use cases work through."""

    ports: Ports
    groups: GroupStore
    lotteries: lot.Lotteries  # v1's: an entrant's earlier losses are counted from its draws
    signer: receipts.Signer
    rules: Rules

    @property
    def beacon(self) -> Any:
        return beacon_of(self.ports)
