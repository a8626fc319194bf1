"""The no-show record (爽约): marks, the festival-wide lock, forgiveness — plain rules over a port.

A **mark** is one confirmed person who did not come: made at the activity's end plus a grace
period, or when a confirmed registration is cancelled later than a set time before the start.
Marks are keyed ``<registration id>:<member>`` so redelivered or replayed events never make a
second one, and they belong to a **holder**:

- real-name on: each member's ID hash (``id:<hash>``), one mark per member not admitted (a child
  booked without an ID earns none);
- otherwise: the registrant's verified-phone hash (``phone:<hash>``), one mark per registration
  none of whose party came (a party without IDs cannot tell who stayed away).

With real-name on, a party that came in part gets a mark for each member the door did not name
(issue 26: the door names the members it admits, by place); with only a head count from the door it
gets none: marking an ID that did come would be worse than missing one.

**Locks** (settings, festival-wide): ``marks_to_lock`` marks within ``window_days`` lock the holder
for ``lock_days`` from the mark that reached the count; the marks that caused a lock are spent, so
the next lock needs as many new ones.  Forgiven marks (with an audit note) never count.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Protocol

from services.registration import vocabulary as v
from services.registration.ports import Doc
from services.registration.vocabulary import Refusal as Refusal  # re-exported
from shared.config import Settings

DAY = 86400.0


@dataclass(frozen=True)
class Policy:
    grace_min: int = 60
    late_cancel_hours: int = 24
    marks_to_lock: int = 3
    window_days: int = 90
    lock_days: int = 60

    @classmethod
    def from_settings(cls, s: Settings) -> Policy:
        return cls(
            s.noshow_grace_min, s.noshow_late_cancel_hours, s.noshow_marks_to_lock, s.noshow_window_days,
            s.noshow_lock_days,
        )  # fmt: skip


@dataclass(frozen=True)
class Mark:
    mark_id: str
    holder: str
    registration_id: str
    activity_id: str
    cause: str  # not_admitted | late_cancellation
    at: float
    forgiven: bool = False


def identity_hash(pepper: str, value: str) -> str:
    """A keyed hash of a verified phone or ID number: the record never holds the number itself."""
    return hmac.new(pepper.encode(), value.strip().upper().encode(), hashlib.sha256).hexdigest()[:32]


def phone_holder(phone_hash: str) -> str:
    """The holder a verified phone's marks are kept under (``phone:<identity_hash>``)."""
    return f"phone:{phone_hash}"


def id_holder(id_hash: str) -> str:
    """The holder a member's ID number's marks are kept under (``id:<hash>``)."""
    return f"id:{id_hash}"


def holders(pepper: str, phone: str, id_hashes: Iterable[str]) -> list[str]:
    """Whom a lock is looked up for: the verified phone, then each ID (registering, 我的报名, an
    organizer's look-up of a phone)."""
    return [phone_holder(identity_hash(pepper, phone)), *(id_holder(h) for h in id_hashes)]


def holders_of(reg: Doc) -> list[str]:
    """Whom a registration's marks go to: one holder per member with an ID hash, else the
    registrant's phone hash alone."""
    ids = reg.get("member_id_hashes") or []
    return [id_holder(h) for h in ids] if ids else [phone_holder(reg["phone_hash"])]


def _marks(reg: Doc, members: Iterable[int], cause: str, at: float) -> list[Mark]:
    holders = holders_of(reg)
    rid, aid = reg["registration_id"], reg["activity_id"]
    return [Mark(f"{rid}:{m}", holders[m], rid, aid, cause, at) for m in members]


def due_marks(reg: Doc, *, admitted: int, ends_at: float, now: float, policy: Policy) -> list[Mark]:
    """Marks a confirmed registration earns once the activity has ended plus the grace period.

    ``reg``: registration_id, activity_id, status, party_size, phone_hash, and member_id_hashes
    (one per member) where real-name is on; ``admitted`` is how many the door let in."""
    if reg["status"] != v.CONFIRMED or now < ends_at + policy.grace_min * 60:
        return []
    at = ends_at + policy.grace_min * 60
    if reg.get("member_id_hashes"):
        return _marks(reg, _stayed_away(reg, admitted), "not_admitted", at)
    return [] if admitted else _marks(reg, [0], "not_admitted", at)


def _stayed_away(reg: Doc, admitted: int) -> list[int]:
    """The ID hashes (their index) of the members who did not come. Issue 26: when the door named
    every person it let in (``members_in``, places from 1, as many as ``admitted``), exactly those
    not named; a head count that cannot say which IDs stayed away marks nobody."""
    ids = range(len(reg["member_id_hashes"]))
    if not admitted:
        return list(ids)
    inside, places = reg.get("members_in") or [], reg.get("id_places") or []
    if len(inside) != admitted or len(places) != len(ids):
        return []
    return [i for i in ids if places[i] not in inside]


def id_places(members: list[Doc], ids: int) -> list[int]:
    """Each ID hash's member place (from 1): ``id_hashes`` lists only the members who gave an ID
    (a child may not), in member order; [] when the record cannot say."""
    places = [place for place, m in enumerate(members, start=1) if m.get("id_masked")]
    return places if len(places) == ids else []


def late_cancel_marks(
    reg: Doc, *, previous_status: str, cancelled_at: float, starts_at: float, policy: Policy
) -> list[Mark]:
    if not cancel_counts(previous_status, cancelled_at=cancelled_at, starts_at=starts_at, policy=policy):
        return []
    members = range(len(reg.get("member_id_hashes") or [None]))
    return _marks(reg, members, "late_cancellation", cancelled_at)


def cancel_counts(status: str, *, cancelled_at: float, starts_at: float, policy: Policy) -> bool:
    """Whether cancelling a registration of ``status`` at ``cancelled_at`` counts as a no-show (late
    cancellation): a confirmed one, later than ``late_cancel_hours`` before the start (issue 26)."""
    return status == v.CONFIRMED and cancelled_at >= starts_at - policy.late_cancel_hours * 3600


def _run(marks: Iterable[Mark], policy: Policy) -> tuple[float | None, list[Mark]]:
    """The last lock's end these marks caused, and the marks not spent by a lock (oldest first)."""
    window, until, live = policy.window_days * DAY, None, list[Mark]()
    for m in sorted((m for m in marks if not m.forgiven), key=lambda m: (m.at, m.mark_id)):
        live = [x for x in live if x.at > m.at - window] + [m]
        if len(live) >= policy.marks_to_lock:
            until = max(until or 0.0, m.at + policy.lock_days * DAY)
            live = []  # spent
    return until, live


def locked_until(marks: Iterable[Mark], policy: Policy) -> float | None:
    """When the last lock these marks caused ends (it may be in the past), or None."""
    return _run(marks, policy)[0]


def toward_lock(marks: Iterable[Mark], *, now: float, policy: Policy) -> int:
    """How many marks count toward the next lock at ``now``: not forgiven, inside the window, and
    not spent by a lock already caused (issue 26: what one more mark does)."""
    return sum(1 for m in _run(marks, policy)[1] if m.at > now - policy.window_days * DAY)


def warns(toward: int, policy: Policy) -> bool:
    """The mark just before a lock: one more locks the holder (我的报名 and an SMS say so)."""
    return policy.marks_to_lock > 1 and toward == policy.marks_to_lock - 1


# -- the port ---------------------------------------------------------------------------------
class Record(Protocol):
    def add_mark(
        self, mark: Mark, locked_until: float | None, told: Doc | None = None
    ) -> bool: ...  # False if it existed
    def marks(self, holder: str) -> list[Mark]: ...
    def holder_of(self, mark_id: str) -> str | None: ...
    def forgive(self, holder: str, mark_id: str, by: str, note: str, at: float) -> bool: ...


# -- the use cases ----------------------------------------------------------------------------
def record_marks(record: Record, marks: Iterable[Mark], policy: Policy) -> list[Mark]:
    """Store marks once each (keyed by registration and member); returns those new this time."""
    new = []
    for m in marks:
        after = [*record.marks(m.holder), m]
        until = locked_until(after, policy)
        if record.add_mark(m, until if until and until > m.at else None, told_of(after, m, policy)):
            new.append(m)
    return new


def told_of(after: list[Mark], mark: Mark, policy: Policy) -> Doc:
    """What NoShowMarked tells its readers beyond the mark (issue 26): the marks counting toward the
    next lock once this one is made, the rule's numbers, and ``warning`` when one more locks."""
    toward = toward_lock(after, now=mark.at, policy=policy)
    return {
        "toward_lock": toward,
        "marks_to_lock": policy.marks_to_lock,
        "lock_days": policy.lock_days,
        "warning": warns(toward, policy),
    }


def standing(record: Record, holder: str, *, now: float, policy: Policy) -> Doc:
    """What "我的报名" shows: the marks, how many still count, and the lock's end if locked now."""
    marks = record.marks(holder)
    until = locked_until(marks, policy)
    counting = [m for m in marks if not m.forgiven and m.at > now - policy.window_days * DAY]
    return {
        "holder": holder,
        "marks": [m.__dict__ for m in sorted(marks, key=lambda m: m.at)],
        "counting": len(counting),
        "toward_lock": toward_lock(marks, now=now, policy=policy),
        "locked_until": until if until and until > now else None,
    }


def record_of(record: Record, holders: Iterable[str], *, now: float, policy: Policy) -> Doc:
    """What "我的报名" shows a registrant: the marks of every holder that is theirs (their verified
    phone, and the IDs of the members they booked), the most marks counting for any one of them,
    and the latest lock's end if locked now."""
    standings = [standing(record, h, now=now, policy=policy) for h in dict.fromkeys(holders)]
    locks = [s["locked_until"] for s in standings if s["locked_until"]]
    return {
        "marks": sorted((m for s in standings for m in s["marks"]), key=lambda m: m["at"]),
        "counting": max((s["counting"] for s in standings), default=0),
        "locked_until": max(locks, default=None),
    }


def outlook(record: Record, holders: Iterable[str], *, now: float, policy: Policy) -> Doc:
    """``record_of`` and what lies ahead (issue 26): the most marks toward the next lock for any one
    holder, and ``warning`` when one more mark locks (我的报名 says so, as the SMS does)."""
    holders = list(dict.fromkeys(holders))
    rec = record_of(record, holders, now=now, policy=policy)
    toward = max((toward_lock(record.marks(h), now=now, policy=policy) for h in holders), default=0)
    return {**rec, "toward_lock": toward, "warning": not rec["locked_until"] and warns(toward, policy)}


def late_cancel_preview(
    record: Record, holders: Iterable[str], *, status: str, starts_at: float, now: float, policy: Policy
) -> Doc:
    """Before a cancellation (issue 26): whether it counts as a no-show, the record as it stands,
    and what one more mark does (``locks`` and the lock's end if it would reach the count)."""
    rec = outlook(record, holders, now=now, policy=policy)
    counts = cancel_counts(status, cancelled_at=now, starts_at=starts_at, policy=policy)
    after = rec["toward_lock"] + 1
    locks = counts and after >= policy.marks_to_lock
    return {
        **rec,
        "counts": counts,
        "after": after,
        "locks": locks,
        "lock_ends": now + policy.lock_days * DAY if locks else None,
    }


def ensure_may_register(record: Record, holders: Iterable[str], *, now: float, policy: Policy) -> None:
    """Registration's check: refuse ``noshow_locked`` if any holder of the party is locked now."""
    holders = list(holders)
    ensure_unlocked({h: record.marks(h) for h in dict.fromkeys(holders)}, holders, now=now, policy=policy)


def ensure_unlocked(
    marks: Mapping[str, list[Mark]], holders: Iterable[str], *, now: float, policy: Policy
) -> None:
    """The same check over marks already read (``marks``: holder -> its marks, as the registration
    path reads them in one round trip with its limits: checks.py)."""
    for h in holders:
        until = locked_until(marks.get(h, []), policy)
        if until and until > now:
            raise Refusal(v.NOSHOW_LOCKED, holder=h, locked_until=until)


def forgive(record: Record, mark_id: str, *, by: str, note: str, now: float) -> None:
    """An organizer lifts one mark; the note and who wrote it go to the audit log."""
    if not note.strip():
        raise Refusal(v.NOTE_REQUIRED)
    holder = record.holder_of(mark_id)
    if holder is None or not record.forgive(holder, mark_id, by, note.strip(), now):
        raise Refusal(v.UNKNOWN_MARK, mark_id=mark_id)
