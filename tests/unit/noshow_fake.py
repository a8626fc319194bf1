"""In-memory ports of the no-show record and of registration's admission counts."""

from __future__ import annotations

import dataclasses


class FakeRecord:
    def __init__(self):
        self.by_holder: dict[str, dict] = {}
        self.events: list[tuple[str, dict]] = []
        self.audit: list[dict] = []

    def add_mark(self, mark, locked_until):
        marks = self.by_holder.setdefault(mark.holder, {})
        if mark.mark_id in marks:
            return False
        marks[mark.mark_id] = mark
        self.events.append(("NoShowMarked", {"mark_id": mark.mark_id, "locked_until": locked_until}))
        return True

    def marks(self, holder):
        return list(self.by_holder.get(holder, {}).values())

    def holder_of(self, mark_id):
        return next((h for h, ms in self.by_holder.items() if mark_id in ms), None)

    def forgive(self, holder, mark_id, by, note, at):
        m = self.by_holder.get(holder, {}).get(mark_id)
        if m is None:
            return False
        if not m.forgiven:
            self.by_holder[holder][mark_id] = dataclasses.replace(m, forgiven=True)
            self.audit.append({"mark_id": mark_id, "by": by, "note": note, "at": at})
            self.events.append(("NoShowForgiven", {"mark_id": mark_id}))
        return True


class FakeAdmissions:
    def __init__(self):
        self.counts: dict[tuple[str, str], int] = {}
        self.facts: set[tuple[str, str]] = set()

    def apply(self, aid, rid, fact, delta):
        if (aid, fact) in self.facts:
            return -1
        self.facts.add((aid, fact))
        self.counts[(aid, rid)] = self.counts.get((aid, rid), 0) + delta
        return self.counts[(aid, rid)]

    def admitted(self, aid):
        return {rid: n for (a, rid), n in self.counts.items() if a == aid}
