"""In-memory fakes of the registration ports, for unit tests that run in milliseconds.

:class:`FakeSeats` follows the rules of reserve.lua, cancel.lua, capacity.lua and promote.lua
step by step (the Lua stays the atomic step in production); the contract test
``tests/integration/test_seat_contract.py`` runs the same scenarios on both and asserts they
agree. Events land in :attr:`FakeSeats.outbox` as the relay would find them in the Redis stream:
``{"topic", "key", "envelope"}`` with the same deterministic ``event_id``.
"""

from __future__ import annotations

import copy
import itertools
import json
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from services.registration import activities, personal
from services.registration import vocabulary as v
from services.registration.ports import Counts, Doc, Ports
from shared import events, topics
from shared.clock import FakeClock as FakeClock  # re-exported
from shared.envelope import seeded_event_id
from shared.logs import mask_phone
from shared.masking import mask_name
from shared.sealed import NOTIFY, Sealer

SOURCE = "registration"
FAKE_NOTIFY_RING = Sealer(NOTIFY, {1: bytes(32)})  # a fixed test key: the fake's events open in tests


class FakeSigner:
    """Signs nothing: a readable stand-in for the Ed25519 ticket code."""

    def sign(
        self,
        *,
        registration_id: str,
        activity_id: str,
        venue_id: str,
        party_size: int,
        valid_from: int,
        valid_until: int,
    ) -> str:
        return f"FAKE.{registration_id}.{activity_id}.{venue_id}.{party_size}.{valid_from}.{valid_until}"


@dataclass
class FakeLimiter:
    """Counts requests per (name, subject); refuses past a limit like the Redis limiter."""

    seen: dict[tuple[str, str], int] = field(default_factory=dict)

    def check(self, limits: list[tuple[str, str, int, int]]) -> None:
        from shared.ratelimit import rate_limited  # the shared limiter's refusal, as in production

        for name, subject, max_requests, _window_s in limits:
            if max_requests <= 0:
                continue
            n = self.seen[(name, subject)] = self.seen.get((name, subject), 0) + 1
            if n > max_requests:
                raise rate_limited(name, 1000)


@dataclass
class _Activity:
    state: dict[str, Any]  # the fields the scripts read (activities.state) plus the counters
    waitlist: list[str] = field(default_factory=list)  # registration ids in arrival order
    phones: dict[str, str] = field(default_factory=dict)
    regs: dict[str, Doc] = field(default_factory=dict)
    idem: dict[str, str] = field(default_factory=dict)
    idem_fp: dict[str, str] = field(default_factory=dict)  # fair.lua: key -> request fingerprint
    ids: dict[str, str] = field(default_factory=dict)  # fair.lua: ID hash -> registration id


class FakeSeats:
    def __init__(self) -> None:
        self.acts: dict[str, _Activity] = {}
        self.regidx: dict[str, str] = {}
        self.outbox: list[dict[str, Any]] = []
        self._seq = itertools.count(1)
        self.id_day: dict[str, int] = {}  # fair.lua's {p}idday: "<day>:<id hash>" -> count
        self.id_festival: dict[str, int] = {}  # {p}idfest: id hash -> count
        self.mine: dict[str, set[str]] = {}  # {p}myregs:<owner>
        self.erasures: list[dict[str, str]] = []  # erase.lua's {p}erasures audit: when and what

    # -- events ----------------------------------------------------------------------------
    def _emit(self, type_: str, activity_id: str, occurred_at: str, seed: str, data: Doc) -> None:
        envelope = {
            "event_id": seeded_event_id(seed),
            "type": type_,
            "version": events.REGISTRATION_VERSION
            if "party_size" in data and "registration_id" in data
            else 1,
            "occurred_at": occurred_at,
            "activity_id": activity_id,
            "source": SOURCE,
            "data": data,
        }
        self.outbox.append({"topic": topics.topic_for(type_), "key": activity_id, "envelope": envelope})

    def event_types(self) -> list[str]:
        return [e["envelope"]["type"] for e in self.outbox]

    @staticmethod
    def _reg_data(reg: Doc) -> Doc:
        """Version 2's shape (promote.lua): masked forms, the rest sealed for notify (personal.py)."""
        keys = ("registration_id", "activity_id", "venue_id", "party_size", "locale")
        data = {k: reg.get(k) for k in keys}
        data.update(
            name_masked=mask_name(reg["name"]),
            phone_masked=mask_phone(reg["phone"]),
            sealed=FAKE_NOTIFY_RING.seal({k: reg.get(k) for k in personal.FOR_NOTIFY}),
        )
        if reg.get("members"):
            data["members"] = reg["members"]
        return data

    # -- activities ------------------------------------------------------------------------
    def activity_doc(self, activity_id: str, max_age_s: float = 1.0) -> Doc | None:
        act = self.acts.get(activity_id)
        return json.loads(act.state["doc"]) if act else None

    def get_activity(self, activity_id: str) -> tuple[Doc, Counts] | None:
        act = self.acts.get(activity_id)
        if act is None:
            return None
        st = act.state
        counts = {
            "taken": st["taken"],
            "waitlist_people": st["waitlist_people"],
            "rev": st["rev"],
            "waitlist_length": len(act.waitlist),
            "turned_away": st["turned_away"],
        }
        return json.loads(st["doc"]), counts

    def list_activities(self) -> list[tuple[Doc, Counts]]:
        order = sorted(self.acts.values(), key=lambda a: (a.state["starts_at"], a.state["id"]))
        return [got for a in order if (got := self.get_activity(a.state["id"]))]

    def put_activity(
        self,
        doc: Doc,
        *,
        mode: str,
        expected_rev: int | None,
        event_type: str,
        event_data: Doc,
        now: datetime,
    ) -> tuple[int, int]:
        state = activities.state(doc)
        act = self.acts.get(state["id"])
        if mode == v.CREATE:
            if act is not None:
                raise v.Refusal(v.ACTIVITY_EXISTS)
        else:
            if act is None:
                raise v.Refusal(v.UNKNOWN_ACTIVITY)
            if act.state["rev"] != expected_rev:
                raise v.Refusal(v.REVISION_CONFLICT)
            if int(state["capacity"]) < act.state["taken"]:
                raise v.Refusal(v.CAPACITY_BELOW_TAKEN)
        if act is None:
            act = self.acts[state["id"]] = _Activity(
                dict(rev=0, taken=0, seq=0, waitlist_people=0, turned_away=0)
            )
        act.state.update(state)
        act.state["rev"] += 1
        rev = act.state["rev"]
        occurred_at = activities.iso(now)
        self._emit(
            event_type, state["id"], occurred_at, f"{state['id']}:rev:{rev}", copy.deepcopy(event_data)
        )
        return rev, self._promote(act, now)

    # -- registrations ---------------------------------------------------------------------
    def refuse_from_memory(self, activity_id: str, party_size: int, idem: str) -> None:
        """The fake has no sold-out memory: every attempt reaches the atomic step."""

    def reserve(
        self, reg: Doc, idem: str, now: datetime, fair: Doc | None = None, owner_ref: str = ""
    ) -> tuple[str, str, int]:
        rid = reg["registration_id"]
        act = self.acts.get(reg["activity_id"])
        fair = fair or {"ids": [], "fp": "", "day": "", "per_day": 0, "per_festival": 0}
        if act is not None:
            if idem and idem in act.idem:
                if act.idem_fp.get(idem, fair["fp"]) != fair["fp"]:
                    raise v.Refusal(v.IDEMPOTENCY_KEY_REUSED)
                return v.REPLAY, act.idem[idem], 0
            if rid in act.regs:
                return v.REPLAY, rid, 0
        if act is None:
            raise v.Refusal(v.UNKNOWN_ACTIVITY)
        st, now_ms = act.state, activities.ms(now)
        if st["status"] != v.SCHEDULED:
            raise v.Refusal(v.ACTIVITY_CANCELLED_REASON)
        if now_ms < st["opens_at"]:
            raise v.Refusal(v.REGISTRATION_NOT_OPEN)
        if now_ms >= st["closes_at"] or now_ms >= st["starts_at"]:
            raise v.Refusal(v.REGISTRATION_CLOSED)
        if reg["party_size"] > st["max_party_size"]:
            raise v.Refusal(v.PARTY_TOO_LARGE)
        if reg["phone"] in act.phones:
            raise v.Refusal(v.ALREADY_REGISTERED)
        for h in fair["ids"]:
            if h in act.ids:
                raise v.Refusal(v.ID_DUPLICATE)
            per_day, per_fest = fair["per_day"], fair["per_festival"]
            if (per_day and self.id_day.get(f"{fair['day']}:{h}", 0) >= per_day) or (
                per_fest and self.id_festival.get(h, 0) >= per_fest
            ):
                raise v.Refusal(v.ID_LIMIT_REACHED)
        free, waiting = st["capacity"] - st["taken"], len(act.waitlist)
        # Strict FIFO: while anyone waits, newcomers queue behind them even if seats are free.
        if waiting == 0 and reg["party_size"] <= free:
            status, position = v.CONFIRMED, 0
            st["taken"] += reg["party_size"]
        elif st["waitlist_enabled"] == "1" and waiting < st["waitlist_max"]:
            status, position = v.WAITLISTED, waiting + 1
            st["seq"] += 1
            act.waitlist.append(rid)
            st["waitlist_people"] += reg["party_size"]
        else:
            st["turned_away"] += reg["party_size"]
            raise v.Refusal(v.SOLD_OUT, {"open_seats": free if waiting == 0 else 0})
        occurred_at = activities.iso(now)
        rec = dict(
            reg, status=status, initial_status=status, initial_position=position, created_at=occurred_at
        )
        act.regs[rid] = rec
        act.phones[reg["phone"]] = rid
        self.regidx[rid] = reg["activity_id"]
        if idem:
            act.idem[idem] = rid
        for h in fair["ids"]:
            act.ids[h] = rid
            self.id_day[f"{fair['day']}:{h}"] = self.id_day.get(f"{fair['day']}:{h}", 0) + 1
            self.id_festival[h] = self.id_festival.get(h, 0) + 1
        if idem and fair["fp"]:
            act.idem_fp[idem] = fair["fp"]
        if owner_ref:
            self.mine.setdefault(owner_ref, set()).add(rid)
        data = self._reg_data(rec)
        if status == v.CONFIRMED:
            type_ = events.REGISTRATION_CONFIRMED
        else:
            type_ = events.REGISTRATION_WAITLISTED
            data["waitlist_position"] = position
        self._emit(type_, reg["activity_id"], occurred_at, f"{rid}:{type_}", data)
        return status, rid, position

    def cancel(self, activity_id: str, registration_id: str, now: datetime) -> tuple[str, str, int]:
        act = self.acts.get(activity_id)
        reg = act.regs.get(registration_id) if act else None
        if act is None or reg is None:
            raise v.Refusal(v.UNKNOWN_REGISTRATION)
        if reg["status"] == v.CANCELLED:
            return v.ALREADY, v.CANCELLED, 0
        previous = reg["status"]
        if previous == v.CONFIRMED:
            act.state["taken"] -= reg["party_size"]
        else:
            act.waitlist.remove(registration_id)
            act.state["waitlist_people"] -= reg["party_size"]
        act.phones.pop(reg["phone"], None)
        for h in reg.get("id_hashes") or []:  # fair.lua's fair_release: the IDs are given back
            if act.ids.get(h) == registration_id:
                del act.ids[h]
            self.id_day[f"{reg.get('festival_day', '')}:{h}"] -= 1
            self.id_festival[h] -= 1
        occurred_at = activities.iso(now)
        reg.update(status=v.CANCELLED, cancelled_at=occurred_at)
        data = self._reg_data(reg)
        data.update(previous_status=previous, ticket_revoked=previous == v.CONFIRMED)
        type_ = events.REGISTRATION_CANCELLED
        self._emit(type_, reg["activity_id"], occurred_at, f"{registration_id}:{type_}", data)
        return v.CANCELLED, previous, self._promote(act, now)

    def drop_member(
        self,
        activity_id: str,
        registration_id: str,
        *,
        seen: int,
        member_at: int,
        hash_at: int,
        code: str,
        now: datetime,
    ) -> tuple[int, int]:
        """drop_member.lua, step by step."""
        act = self.acts.get(activity_id)
        reg = act.regs.get(registration_id) if act else None
        if act is None or reg is None:
            raise v.Refusal(v.UNKNOWN_REGISTRATION)
        if reg["status"] == v.CANCELLED:
            raise v.Refusal(v.REGISTRATION_CANCELLED)
        if reg["party_size"] <= 1:
            raise v.Refusal(v.PARTY_OF_ONE)
        if reg["party_size"] != seen:
            raise v.Refusal(v.REVISION_CONFLICT)
        act.state["taken" if reg["status"] == v.CONFIRMED else "waitlist_people"] -= 1
        if member_at > 0 and len(reg.get("members") or []) >= member_at:
            del reg["members"][member_at - 1]
        if hash_at > 0 and len(reg.get("id_hashes") or []) >= hash_at:
            h = reg["id_hashes"].pop(hash_at - 1)
            if act.ids.get(h) == registration_id:
                del act.ids[h]
            self.id_day[f"{reg.get('festival_day', '')}:{h}"] -= 1
            self.id_festival[h] -= 1
        reg.update(party_size=reg["party_size"] - 1, ticket_code=code)
        occurred_at = activities.iso(now)
        data = self._reg_data(reg)
        data.update(previous_party_size=seen, ticket_code=code, status=reg["status"])
        type_ = events.REGISTRATION_MEMBER_DROPPED
        seed = f"{registration_id}:{type_}:{reg['party_size']}"
        self._emit(type_, activity_id, occurred_at, seed, data)
        return reg["party_size"], self._promote(act, now)

    def promote(self, activity_id: str, now: datetime) -> int:
        act = self.acts.get(activity_id)
        if act is None:
            raise v.Refusal(v.UNKNOWN_ACTIVITY)
        return self._promote(act, now)

    def _promote(self, act: _Activity, now: datetime) -> int:
        """promote.lua: FIFO and all or nothing; nothing once the activity has started."""
        st = act.state
        if activities.ms(now) >= st["starts_at"] or st["status"] != v.SCHEDULED:
            return 0
        occurred_at, promoted = activities.iso(now), 0
        while act.waitlist:
            rid = act.waitlist[0]
            reg = act.regs[rid]
            if reg["party_size"] > st["capacity"] - st["taken"]:
                break
            st["taken"] += reg["party_size"]
            act.waitlist.pop(0)
            reg.update(status=v.CONFIRMED, promoted_at=occurred_at)
            st["waitlist_people"] -= reg["party_size"]
            data = self._reg_data(reg)
            type_ = events.WAITLIST_PROMOTED
            self._emit(type_, st["id"], occurred_at, f"{rid}:{type_}", data)
            promoted += 1
        return promoted

    def erase(
        self, activity_id: str, registration_id: str, now: datetime, cause: str, owner_ref: str = ""
    ) -> int:
        """erase.lua: personal fields gone, indexes let go, RegistrationErased emitted; stats stay."""
        act = self.acts.get(activity_id)
        reg = act.regs.get(registration_id) if act else None
        if act is None or reg is None:
            raise v.Refusal(v.UNKNOWN_REGISTRATION)
        if reg.get("erased_at"):
            return 0
        if act.phones.get(reg["phone"]) == registration_id:
            del act.phones[reg["phone"]]
        for h in reg.get("id_hashes") or []:
            if act.ids.get(h) == registration_id:
                del act.ids[h]
        self.mine.get(owner_ref, set()).discard(registration_id)
        erased = [k for k in personal.ERASED if k in reg]
        for k in erased:
            del reg[k]
        occurred_at = activities.iso(now)
        reg["erased_at"] = occurred_at
        self.erasures.append(
            {"at": occurred_at, "cause": cause, "activity_id": activity_id, "fields": ",".join(erased)}
        )
        data = {"registration_id": registration_id, "activity_id": activity_id, "cause": cause}
        type_ = events.REGISTRATION_ERASED
        self._emit(type_, activity_id, occurred_at, f"{registration_id}:{type_}", data)
        return len(erased)

    def get_registration(self, registration_id: str) -> Doc | None:
        aid = self.regidx.get(registration_id)
        return personal.in_clear(copy.deepcopy(self.acts[aid].regs[registration_id]), None) if aid else None

    def registrations(self, activity_id: str) -> list[Doc]:
        act = self.acts.get(activity_id)
        return [personal.in_clear(copy.deepcopy(r), None) for r in act.regs.values()] if act else []

    def registrations_of(self, owner_ref: str) -> list[Doc]:
        regs = [self.get_registration(rid) for rid in sorted(self.mine.get(owner_ref, ()))]
        return sorted((r for r in regs if r), key=lambda r: r.get("created_at", ""), reverse=True)

    def waitlist_position(self, activity_id: str, registration_id: str) -> int | None:
        act = self.acts.get(activity_id)
        if act is None or registration_id not in act.waitlist:
            return None
        return act.waitlist.index(registration_id) + 1


def fake_ports(base_url: str = "http://sciday.test", *, ip_per_min: int = 0, phone_per_min: int = 0) -> Ports:
    """Ports wired to fakes: ``fake_ports(ip_per_min=0, phone_per_min=6)``."""
    return Ports(
        seats=FakeSeats(),
        signer=FakeSigner(),
        limiter=FakeLimiter(),
        clock=FakeClock(),
        base_url=base_url,
        ip_per_min=ip_per_min,
        phone_per_min=phone_per_min,
    )
