"""An in-memory lottery port with the same atomic steps as the Redis scripts (a lock stands in for
Redis running one script at a time)."""

from __future__ import annotations

import copy
import threading
import time

from services.registration import vocabulary as v
from services.registration.lottery import Draw, Lottery, commitment


class FakeLotteries:
    def __init__(self, seats=None):
        self.seats = seats  # a FakeSeats: where register() writes the draw's registrations
        self.mine: dict[str, set[tuple[str, str]]] = {}
        self._lock = threading.Lock()
        self.meta: dict[str, dict] = {}
        self.entries: dict[str, dict[str, dict]] = {}
        self.holders: dict[str, dict[str, str]] = {}
        self.leases: dict[str, tuple[str, float]] = {}
        self.draws: dict[str, Draw] = {}
        self.events: list[tuple[str, str, dict]] = []  # (type, activity id, data)
        self.due_at: dict[str, float] = {}

    def open(self, lottery: Lottery, seed: str) -> str:
        with self._lock:
            m = self.meta.setdefault(
                lottery.activity_id, {"seed": seed, "state": v.LOT_OPEN, "published": -1}
            )
            m["lottery"] = lottery
            self.due_at[lottery.activity_id] = lottery.draw_at
            self.entries.setdefault(lottery.activity_id, {})
            self.holders.setdefault(lottery.activity_id, {})
            return commitment(m["seed"])

    def settings(self, aid):
        return self.meta[aid]["lottery"] if aid in self.meta else None

    def entry(self, aid, entry_id):
        return copy.deepcopy(self.entries.get(aid, {}).get(entry_id))

    def entries_of(self, owner_ref):
        return sorted(self.mine.get(owner_ref, ()))

    def entries_by_id(self, aid, entry_ids):
        return [self.entry(aid, e) for e in entry_ids]

    def registered(self, aid, rids):
        with self._lock:
            act = self.seats.acts.get(aid)
            return {r for r in rids if act and r in act.regs}

    def register(self, reg, status, fair, owner_ref, now):
        """lottery_register.lua over the FakeSeats: once per registration id, never oversold."""
        with self._lock:
            return register_into(self.seats, reg, status, fair, owner_ref, now)

    def register_many(self, items, now):
        return [self.register(reg, status, fair, owner_ref, now) for reg, status, fair, owner_ref in items]

    def settled_as(self, aid, entry_id):
        return None  # the per-ID caps at settlement live in lottery_register.lua (Redis tests)

    def add_entry(self, aid, entry_id, holders, entry, now, owner_ref=""):
        with self._lock:
            m = self.meta.get(aid)
            if m is None:
                return {"status": "refused", "reason": "unknown_activity"}
            if m["state"] != v.LOT_OPEN or now >= m["lottery"].closes_at:
                return {"status": "refused", "reason": "lottery_closed"}
            if now < m["lottery"].opens_at:
                return {"status": "refused", "reason": "lottery_not_open"}
            for h in holders:
                if h in self.holders[aid]:
                    return {"status": "refused", "reason": "already_entered"}
            self.entries[aid][entry_id] = dict(entry)
            for h in holders:
                self.holders[aid][h] = entry_id
            if owner_ref:
                self.mine.setdefault(owner_ref, set()).add((aid, entry_id))
            return {"status": "ok", "entry_id": entry_id}

    def begin_draw(self, aid, token, now, lease_s):
        with self._lock:
            if aid in self.draws:
                return v.LOT_DRAWN
            if now < self.meta[aid]["lottery"].draw_at:
                return v.TOO_EARLY
            held = self.leases.get(aid)
            if held and held[1] > time.monotonic():
                return v.BUSY
            self.leases[aid] = (token, time.monotonic() + lease_s)
            self.meta[aid]["state"] = "drawing"
            return "ok"

    def seed_and_sizes(self, aid):
        return self.meta[aid]["seed"], {e: v["party_size"] for e, v in self.entries[aid].items()}

    def finish_draw(self, aid, token, d):
        with self._lock:
            if aid in self.draws:
                return v.LOT_DRAWN
            held = self.leases.get(aid)
            if not held or held[0] != token or held[1] <= time.monotonic():
                return v.LOST_LEASE
            self.draws[aid] = copy.deepcopy(d)
            self.meta[aid].update(state=v.LOT_DRAWN, published=0)
            del self.leases[aid]
            self.events.append(("LotteryDrawn", aid, {"seed": d.seed}))
            return "ok"

    def get_draw(self, aid):
        return copy.deepcopy(self.draws.get(aid))

    def update_draw(self, aid, change):
        with self._lock:
            return change(self.draws[aid])

    def due(self, now):
        with self._lock:
            return sorted(a for a, t in self.due_at.items() if t <= now)

    def done(self, aid):
        with self._lock:
            self.due_at.pop(aid, None)

    def promotions_told(self, aid):
        return self.meta[aid].get("promoted_published", 0)

    def publish_promotions(self, aid, start, promoted):
        with self._lock:
            if self.promotions_told(aid) != start:
                return False
            for eid, position in promoted:
                self.events.append(("LotteryEntryWon", aid, {"entry_id": eid, "position": position}))
            self.meta[aid]["promoted_published"] = start + len(promoted)
            return True

    def publish_outcomes(self, aid, start, outcomes):
        with self._lock:
            if self.meta[aid]["published"] != start:
                return False
            for eid, outcome, position in outcomes:
                kind = "LotteryEntryWon" if outcome == v.WON else "LotteryEntryWaitlisted"
                self.events.append((kind, aid, {"entry_id": eid, "position": position}))
            self.meta[aid]["published"] = start + len(outcomes)
            return True


def register_into(seats, reg, status, fair, owner_ref, now):
    from services.registration import activities
    from shared import events

    rid, act = reg["registration_id"], seats.acts.get(reg["activity_id"])
    if act is None:
        raise v.Refusal(v.UNKNOWN_ACTIVITY)
    if rid in act.regs:
        return v.REPLAY, rid, 0
    st = act.state
    if st["status"] != v.SCHEDULED:
        raise v.Refusal(v.ACTIVITY_CANCELLED_REASON)
    if status == v.CONFIRMED and reg["party_size"] <= st["capacity"] - st["taken"]:
        position = 0
        st["taken"] += reg["party_size"]
    else:
        status = v.WAITLISTED
        act.waitlist.append(rid)
        st["waitlist_people"] += reg["party_size"]
        position = len(act.waitlist)
    occurred_at = activities.iso(now)
    rec = dict(reg, status=status, initial_status=status, initial_position=position, created_at=occurred_at)
    act.regs[rid] = rec
    act.phones[reg["phone"]] = rid
    seats.regidx[rid] = reg["activity_id"]
    for h in fair["ids"]:  # fair.lua's fair_record
        act.ids[h] = rid
        seats.id_day[f"{fair['day']}:{h}"] = seats.id_day.get(f"{fair['day']}:{h}", 0) + 1
        seats.id_festival[h] = seats.id_festival.get(h, 0) + 1
    if owner_ref:
        seats.mine.setdefault(owner_ref, set()).add(rid)
    data = dict(seats._reg_data(rec), lottery_entry_id=reg["lottery_entry_id"])
    if status == v.CONFIRMED:
        type_ = events.REGISTRATION_CONFIRMED
        data.update(ticket_code=rec["ticket_code"], ticket_url=rec["ticket_url"])
    else:
        type_ = events.REGISTRATION_WAITLISTED
        data["waitlist_position"] = position
    seats._emit(type_, reg["activity_id"], occurred_at, f"{rid}:{type_}", data)
    return status, rid, position
