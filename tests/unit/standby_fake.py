"""An in-memory standby port with the Lua scripts' rules (services/checkin/standby_*.lua)."""

from __future__ import annotations

from services.checkin import vocabulary as V


class FakeStandby:
    def __init__(self, activity: dict, regs: dict[str, tuple[int, int]]):
        self.act = activity
        self.regs = regs  # registration id -> (party size, admitted); all confirmed
        self.entries: dict[int, dict] = {}
        self.phones: dict[str, int] = {}
        self.pool = self.given = 0
        self.released: set[str] | None = None
        self.called: list[int] = []

    def activity(self, aid):
        return self.act if aid == self.act["id"] else None

    def join(self, aid, phone_hash, entry):
        if phone_hash in self.phones:
            return {"number": self.phones[phone_hash], "replayed": True}
        n = len(self.entries) + 1
        self.entries[n] = dict(entry, number=n, status=V.WAITING)
        self.phones[phone_hash] = n
        return {"number": n, "replayed": False}

    def release(self, aid, occurred_at):
        if self.released is not None:
            return {"released": self.pool, "registrations": len(self.released), "replayed": True}
        self.released = {r for r, (size, came) in self.regs.items() if size > came}
        self.pool = sum(size - came for size, came in self.regs.values() if size > came)
        return {"released": self.pool, "registrations": len(self.released), "replayed": False}

    def call(self, aid, most, occurred_at):
        out = []
        for n, e in sorted(self.entries.items()):
            free = self.pool - self.given
            if free <= 0 or (most and len(out) >= most):
                break
            if e["status"] == V.WAITING and e["party_size"] <= free:
                e["status"] = V.CALLED
                self.given += e["party_size"]
                self.called.append(n)
                out.append({"number": n, "party_size": e["party_size"]})
        return out

    def admit(self, aid, number, gate, at):
        e = self.entries.get(number)
        if e is None:
            return {"status": "denied", "reason": "unknown_number"}
        if e["status"] != V.CALLED:
            reason = V.NOT_CALLED if e["status"] == V.WAITING else V.ALREADY_CHECKED_IN
            return {"status": "denied", "reason": reason}
        e["status"] = V.ADMITTED
        return {"status": "ok", "number": number, "party_size": e["party_size"]}

    def board(self, aid):
        waiting = sum(1 for e in self.entries.values() if e["status"] == V.WAITING)
        return {"called": self.called[::-1], "seats_free": self.pool - self.given, "waiting": waiting}

    def entry_of(self, aid, phone_hash):
        n = self.phones.get(phone_hash)
        if n is None:
            return None
        e = self.entries[n]
        return {"number": n, "party_size": e["party_size"], "status": e["status"]}

    def released_at(self, aid):
        return None if self.released is None else "released"
