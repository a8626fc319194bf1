"""On-site standby (现场候补): rules and use cases over a port.

Why the check-in service: releasing "unscanned confirmed seats" needs the door's admission counts
and the projection's confirmed parties in one atomic step, and both live here under the
activity's hash tag; calling people in, the door screen and admitting a called number are door
work too.  Registration keeps the no-show marks the released holders earn later.

- **Joining** opens ``standby_opens_before_min`` before the start and closes at the end; one
  number per verified phone, numbered 1, 2, 3… in the order people joined.
- **Releasing**, once, at the start plus ``standby_release_grace_min``: every confirmed party's
  seats not yet scanned go to the standby pool, and those registrations are refused at the door
  from then on (``seat_released``).
- **Calling** takes waiting numbers in order, whole parties, while seats are free; a party that
  does not fit keeps its place for the next seats.  The Lua step is atomic, so no seat is given
  twice however many stewards press "call".
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from services.checkin import vocabulary as V
from services.checkin.door.usecases import Refusal as Refusal  # re-exported
from services.checkin.ports import Doc
from shared.config import Settings


@dataclass(frozen=True)
class Policy:
    opens_before_min: int = 60
    release_grace_min: int = 10
    max_party_size: int = 4

    @classmethod
    def from_settings(cls, s: Settings) -> Policy:
        return cls(s.standby_opens_before_min, s.standby_release_grace_min, s.standby_max_party_size)


def _ts(iso: str) -> float:
    return datetime.fromisoformat(iso).timestamp()


def join_window(activity: Doc, policy: Policy) -> tuple[float, float]:
    return _ts(activity["starts_at"]) - policy.opens_before_min * 60, _ts(activity["ends_at"])


def release_due_at(activity: Doc, policy: Policy) -> float:
    return _ts(activity["starts_at"]) + policy.release_grace_min * 60


class Standby(Protocol):
    def activity(self, aid: str) -> Doc | None: ...
    def join(self, aid: str, phone_hash: str, entry: Doc) -> Doc: ...  # {"number", "replayed"}
    def release(self, aid: str, occurred_at: str) -> Doc: ...  # {"released", "registrations"}
    def call(self, aid: str, most: int, occurred_at: str) -> list[Doc]: ...
    def admit(self, aid: str, number: int, gate: str, at: str) -> Doc: ...
    def board(self, aid: str) -> Doc: ...
    def released_at(self, aid: str) -> str | None: ...
    def entry_of(self, aid: str, phone_hash: str) -> Doc | None: ...  # {"number", "party_size", "status"}
    def entries(self, aid: str) -> list[Doc]: ...  # every number, in order, masked (issue 26)


def _activity(port: Standby, aid: str) -> Doc:
    activity = port.activity(aid)
    if activity is None:
        raise Refusal(V.UNKNOWN_ACTIVITY)
    return activity


def join(port: Standby, aid: str, *, phone_hash: str, phone_masked: str, phone_sealed: str, party_size: int,
         locale: str, now: float, policy: Policy) -> Doc:  # fmt: skip
    """A walk-in's verified phone joins; the same phone again gets its number back.

    The phone is never kept in clear (issue 16): ``phone_hash`` (keyed, one number per phone),
    ``phone_masked`` (for a steward) and ``phone_sealed`` (sealed for notify by registration, put on
    StandbyCalled so notify can send the SMS)."""
    opens, closes = join_window(_activity(port, aid), policy)
    if now < opens:
        raise Refusal(V.STANDBY_NOT_OPEN, opens_at=opens)
    if now > closes:
        raise Refusal(V.STANDBY_CLOSED)
    if not 1 <= party_size <= policy.max_party_size:
        raise Refusal(V.PARTY_TOO_LARGE, max_party_size=policy.max_party_size)
    entry = {"party_size": party_size, "phone_masked": phone_masked, "phone_sealed": phone_sealed,
             "locale": locale, "joined_at": now}  # fmt: skip
    return port.join(aid, phone_hash, entry)


def entry_of(port: Standby, aid: str, *, phone_hash: str) -> Doc | None:
    """The verified phone's place: its number, party size and status (waiting, called, admitted);
    None if it has not joined."""
    _activity(port, aid)
    return port.entry_of(aid, phone_hash)


def desk(port: Standby, aid: str) -> Doc:
    """The steward's standby page (issue 26): the board's figures and every number, in order,
    masked (waiting, called, admitted); no phone in clear, no sealed phone."""
    _activity(port, aid)
    return {**port.board(aid), "entries": port.entries(aid)}


def release(port: Standby, aid: str, *, now: float, occurred_at: str, policy: Policy) -> Doc:
    """Release unscanned confirmed seats to standby: once, from the start plus the grace period."""
    due = release_due_at(_activity(port, aid), policy)
    if now < due:
        raise Refusal(V.RELEASE_NOT_DUE, due_at=due)
    return port.release(aid, occurred_at)


def call(port: Standby, aid: str, *, most: int = 0, occurred_at: str) -> list[Doc]:
    """Call waiting numbers in order while seats are free (``most`` numbers at most; 0 = no cap)."""
    _activity(port, aid)
    return port.call(aid, most, occurred_at)


def admit(port: Standby, aid: str, number: int, *, gate: str, at: str) -> Doc:
    out = port.admit(aid, number, gate, at)
    if out["status"] != V.OK:
        raise Refusal(out["reason"], number=number)
    return out


def run_due(port: Standby, aids: list[str], *, now: float, occurred_at: str, policy: Policy,
            auto_call: bool = True) -> dict[str, Doc]:  # fmt: skip
    """The scheduler's step: release and call where it is due; returns what it did per activity.

    An activity is released once, at its start plus the grace period or at the first look after
    it, and only when someone is waiting: without walk-ins a latecomer keeps the seat.  Then, with
    ``auto_call``, waiting numbers are called in order while released seats are free (the same
    atomic step as a steward's call, so no seat is given twice).  A cancelled activity, one not
    due yet and one that has ended are left alone."""
    out: dict[str, Doc] = {}
    for aid in aids:
        activity = port.activity(aid)
        if activity is None or activity.get("status") == V.CANCELLED:
            continue
        if now < release_due_at(activity, policy) or now > _ts(activity["ends_at"]):
            continue
        board = port.board(aid)
        done: Doc = {}
        if port.released_at(aid) is None:
            if not board["waiting"]:
                continue
            done["released"] = port.release(aid, occurred_at)["released"]
        if auto_call and board["waiting"]:
            called = port.call(aid, 0, occurred_at)
            if called:
                done["called"] = [c["number"] for c in called]
        if done:
            out[aid] = done
    return out
