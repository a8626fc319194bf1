"""The ports the registration use cases work through: the bag (``Ports``) and the record types.

Each package's protocols live beside it (``seats/ports.py``: the seats, the limiter, the ticket
signer, the checks before the seat, the door); the bag names them.

Production wires the Redis adapter (``store.SeatStore``: the Lua scripts are the atomic step,
and write the outbox in the same step), the Redis rate limiter and the Ed25519 key ring
(``bootstrap.py``). Unit tests wire the same Redis adapters on a test Redis, with a fake clock and
signer (``tests/unit/registration_ports.py``): the Lua is each atomic rule's only implementation.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from shared.clock import Clock as Clock  # re-exported
from shared.config import Settings

if TYPE_CHECKING:
    from services.registration.access.fair import FairPolicy
    from services.registration.access.realname import RealName
    from services.registration.lottery.beacon import Beacon
    from services.registration.noshow.record import Policy as NoShowPolicy
    from services.registration.noshow.record import Record as NoShowRecord
    from services.registration.seats.ports import Checks, Door, RateLimit, Seats, TicketSigner

Doc = dict[str, Any]  # an activity document or a registration record, as stored (JSON)
Counts = dict[str, Any]  # taken, waitlist_people, waitlist_length, rev, turned_away


@dataclass
class Ports:
    """Everything a use case needs, wired once per app (``bootstrap.py``) or per test."""

    seats: Seats
    signer: TicketSigner
    limiter: RateLimit
    clock: Clock
    base_url: str
    ip_per_min: int = 0  # registrations per client address per minute (0: no limit)
    phone_per_min: int = 0  # registrations per phone per minute (0: no limit)
    # The no-show record (services/registration/noshow/record.py): a locked holder cannot register.
    # None: no check (tests that are not about it).
    noshow: NoShowRecord | None = None
    noshow_policy: NoShowPolicy | None = None
    noshow_pepper: str = ""
    # Fair access (fair_access.py): the policy, or None for none; the key of its hashes.
    fair: FairPolicy | None = None
    secret: bytes = b""
    # Issue 23: the master key of the door hashes (shared/door_id.py); b"": members carry none.
    door_id_key: bytes = b""
    # A form without the person's consent (``consent``) is refused (settings.api_consent_required).
    consent_required: bool = False
    # Told of each cancellation directly (issue 16); None: the event stream only.
    door: Door | None = None
    # The reads and counts before the seat script, batched into round trips (checks.py);
    # None: the limiter and the no-show record one call each (checks.OneByOne).
    checks: Checks | None = None
    # Whether a lottery was opened for an activity (lottery_store.py); None: never asked (tests
    # that are not about it). An opened lottery fixes the activity's allocation.
    lottery_opened: Callable[[str], bool] | None = None
    # Real-name verification (realname.py; issue 23): the authority members are checked against
    # before the seat script. None: no check (tests that are not about it).
    realname: RealName | None = None
    # Check-in opens this long before the start (Settings.checkin_opens_before_min): the ticket's window.
    checkin_opens_before_min: int = Settings.checkin_opens_before_min
    # Issue 27: the public randomness beacon a v2 draw's seed takes (lottery/beacon.py's protocol;
    # lottery/beacons.py builds it). None: no beacon (tests that are not about it).
    beacon: Beacon | None = None
    # Issue 29 item 6: companion seats a party may book per wheelchair place (seats/accessible.py).
    companions_per_wheelchair: int = Settings.quota_companions_per_wheelchair
