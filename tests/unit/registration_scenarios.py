"""Seat, waitlist and party-size scenarios, run through the registration use cases.

Each scenario takes :class:`~services.registration.ports.Ports` and returns a trace: what each
step answered, the counts and statuses at checkpoints, and the events in outbox order.
``tests/unit/test_registration_rules.py`` runs them on the Redis stores and their Lua (the seat
rules' one implementation) and asserts the traces.

Registration ids are random, so traces name registrations by a label ("A", "B"...).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any

from services.registration import vocabulary as v
from services.registration.catalogue import activities
from services.registration.ports import Ports
from services.registration.seats import publishing, registrations, usecases
from shared import events

Trace = list[tuple[Any, ...]]


def activity_doc(ports: Ports, aid: str = "act", **over: Any) -> dict:
    """A stored activity document, open for registration at the ports' clock."""
    now = ports.clock.now()
    doc = {
        "id": aid,
        "kind": "imax",
        "title": {"zh": "巨幕科技工作者专场", "en": "IMAX special screening"},
        "description": {"zh": "", "en": ""},
        "venue": {"id": "ln-stm", "name": "辽宁省科学技术馆", "address": "沈阳市浑南区智慧三街159号"},
        "hall": "巨幕影院",
        "starts_at": now + timedelta(days=3),
        "ends_at": now + timedelta(days=3, hours=2),
        "capacity": 4,
        "max_party_size": 4,
        "audience": "public",
        "registration_opens_at": now - timedelta(days=1),
        "registration_closes_at": now + timedelta(days=2),
        "waitlist": {"enabled": True, "max_length": 50},
    }
    doc.update(over)
    return activities.to_doc(doc)


class Run:
    """Drives the use cases and records what they answered."""

    def __init__(self, ports: Ports, outbox: Callable[[], list[dict]]):
        self.ports, self.outbox = ports, outbox
        self.trace: Trace = []
        self.rids: dict[str, str] = {}  # label -> registration id
        self.tokens: dict[str, str] = {}

    def label_of(self, rid: str) -> str:
        return next((k for k, r in self.rids.items() if r == rid), "?")

    def publish(self, aid: str = "act", **over: Any) -> None:
        self._step(
            ("publish", aid),
            lambda: publishing.publish_activity(self.ports, activity_doc(self.ports, aid, **over))[
                "revision"
            ],
        )

    def register(
        self, label: str, party: int = 1, aid: str = "act", phone: str | None = None, idem: str = ""
    ) -> None:
        form = {
            "name": f"参加者{label}",
            "phone": phone or f"1380000{ord(label[0]):04d}",
            "party_size": party,
            "email": None,
            "organization": "中国科学院沈阳分院",
        }

        def go() -> tuple:
            reg = usecases.register(self.ports, aid, form, idem=idem)
            self.rids.setdefault(label, reg["registration_id"])
            self.tokens.setdefault(label, reg["manage_token"])
            return (
                reg["initial_status"],
                reg.get("initial_position", 0),
                self.label_of(reg["registration_id"]),
            )

        self._step(("register", label, party), go)

    def register_fair(
        self, label: str, session_phone: str | None, ids: list[int], aid: str = "act", idem: str = ""
    ) -> None:
        """A real-name party (one member per ID index) from a verified session (fair access)."""
        from tests.fair_support import member

        members = [member(i, f"参加者{label}") for i in ids]
        form = {"name": f"参加者{label}", "phone": None, "party_size": len(members), "members": members}

        def go() -> tuple:
            reg = usecases.register(self.ports, aid, form, idem=idem, session_phone=session_phone)
            self.rids.setdefault(label, reg["registration_id"])
            self.tokens.setdefault(label, reg["manage_token"])
            return (reg["initial_status"], self.label_of(reg["registration_id"]))

        self._step(("register_fair", label, tuple(ids)), go)

    def reserve_raw(self, label: str, party: int, aid: str = "act") -> None:
        """The atomic step alone, past the form checks (a stale form, a direct client)."""
        doc = self.ports.seats.activity_doc(aid) or activity_doc(self.ports, aid)
        form = {"name": label, "phone": f"1390000{ord(label[0]):04d}", "party_size": party}

        reg = registrations.new_record(
            form,
            doc,
            "zh-CN",
            self.ports.signer,
            self.ports.base_url,
            opens_before_min=self.ports.checkin_opens_before_min,
        )
        self.rids[label], self.tokens[label] = reg["registration_id"], reg["manage_token"]
        self._step(
            ("reserve_raw", label, party),
            lambda: self.ports.seats.reserve(reg, "", self.ports.clock.now())[0],
        )

    def cancel(self, label: str) -> None:
        self._step(
            ("cancel", label),
            lambda: usecases.cancel(self.ports, self.rids[label], self.tokens[label])["status"],
        )

    def drop(self, label: str, member: int | None = None) -> None:
        """One member of the party gives back a seat (issue 17); answers the new party size."""

        def go() -> tuple:
            reg = usecases.drop_member(self.ports, self.rids[label], self.tokens[label], member)
            return (reg["party_size"], len(reg.get("members") or []), reg["ticket_code"].count("."))

        self._step(("drop", label, member), go)

    def change(self, aid: str = "act", **patch: Any) -> None:
        self._step(
            ("change", aid, tuple(sorted(patch))),
            lambda: publishing.change_activity(self.ports, aid, patch)["revision"],
        )

    def put_stale(self, aid: str = "act", **patch: Any) -> None:
        """A write over a revision someone else has already replaced."""
        doc, counts = publishing.activity(self.ports, aid)
        self._step(
            ("put_stale", aid),
            lambda: self.ports.seats.put_activity(
                activities.merge(doc, patch),
                mode=v.UPDATE,
                expected_rev=int(counts["rev"]) - 1,
                event_type=events.ACTIVITY_CHANGED,
                event_data={"activity": activities.snapshot(doc), "changed": sorted(patch)},
                now=self.ports.clock.now(),
            ),
        )

    def cancel_activity(self, aid: str = "act") -> None:
        self._step(("cancel_activity", aid), lambda: publishing.cancel_activity(self.ports, aid)["status"])

    def promote(self, aid: str = "act") -> None:
        self._step(("promote", aid), lambda: publishing.promote(self.ports, aid))

    def advance(self, **delta: float) -> None:
        self.ports.clock.advance(**delta)  # type: ignore[attr-defined]  # FakeClock
        self.trace.append(("advance", tuple(sorted(delta.items()))))

    def check(self, aid: str = "act") -> None:
        """Counts, each registration's status and waitlist position."""
        doc, counts = publishing.activity(self.ports, aid)
        shown = activities.view(doc, counts)
        keys = ("seats_taken", "seats_left", "waitlist_length", "waitlist_people", "turned_away", "revision")
        regs = {}
        for label, rid in sorted(self.rids.items()):
            reg = self.ports.seats.get_registration(rid)
            if reg and reg["activity_id"] == aid:
                regs[label] = (reg["status"], self.ports.seats.waitlist_position(aid, rid))
        self.trace.append(("check", aid, tuple((k, shown[k]) for k in keys), tuple(sorted(regs.items()))))

    def events(self) -> list[tuple[str, str, str, str]]:
        """(topic, type, key, registration label or "-") in outbox order."""
        out = []
        for e in self.outbox():
            env = e["envelope"]
            rid = env["data"].get("registration_id")
            out.append((e["topic"], env["type"], e["key"], self.label_of(rid) if rid else "-"))
        return out

    def _step(self, what: tuple, fn: Callable[[], Any]) -> None:
        try:
            self.trace.append((*what, "ok", fn()))
        except v.Refusal as exc:
            self.trace.append((*what, "refused", exc.reason))


# -- the scenarios ---------------------------------------------------------------------------
def fifo_all_or_nothing(r: Run) -> None:
    r.publish(capacity=4)
    r.register("A", 3)
    r.register("B", 2)  # 1 seat free: B waits
    r.register("C", 1)  # strict FIFO: C queues behind B although a seat is free
    r.check()
    r.cancel("A")  # 4 free: B then C promoted
    r.check()


def smaller_party_never_overtakes(r: Run) -> None:
    r.publish(capacity=3)
    r.register("A", 2)
    r.register("B", 3)
    r.register("C", 1)
    r.promote()  # 1 seat free, B needs 3: nobody moves, C does not overtake
    r.check()
    r.cancel("A")  # 3 free: B promoted, C still waits
    r.check()


def sold_out_without_waitlist(r: Run) -> None:
    r.publish(capacity=2, waitlist={"enabled": False, "max_length": 0})
    r.register("A", 2)
    r.register("B", 1)
    r.register("C", 3)
    r.check()


def waitlist_full(r: Run) -> None:
    r.publish(capacity=1, waitlist={"enabled": True, "max_length": 1})
    r.register("A", 1)
    r.register("B", 1)
    r.register("C", 2)
    r.check()


def one_registration_per_phone(r: Run) -> None:
    r.publish(capacity=5)
    r.register("A", 1, phone="13900000001")
    r.register("B", 1, phone="13900000001")
    r.cancel("A")
    r.register("C", 2, phone="13900000001")  # the phone is free again after cancelling
    r.cancel("A")  # twice: nothing changes
    r.check()


def party_size_limits(r: Run) -> None:
    r.publish(capacity=10, max_party_size=3)
    r.register("A", 4)  # the form rule: validation_failed
    r.reserve_raw("B", 4)  # the atomic step's own check: party_too_large
    r.reserve_raw("C", 3)
    r.check()


def registration_window(r: Run) -> None:
    now = r.ports.clock.now()
    r.publish("early", registration_opens_at=now + timedelta(hours=1))
    r.register("A", 1, aid="early")
    r.publish(
        "late",
        registration_closes_at=now - timedelta(minutes=1),
        registration_opens_at=now - timedelta(days=2),
    )
    r.register("B", 1, aid="late")
    r.advance(hours=1)
    r.register("C", 1, aid="early")
    r.check("early")


def cancelled_activity(r: Run) -> None:
    r.publish(capacity=2)
    r.register("A", 1)
    r.register("B", 2)
    r.cancel_activity()
    r.cancel_activity()  # idempotent
    r.register("C", 1)
    r.change(capacity=5)
    r.cancel("A")  # a registrant can still cancel; nobody is promoted into a cancelled activity
    r.check()


def idempotent_retry(r: Run) -> None:
    r.publish(capacity=2)
    r.register("A", 1, idem="k1")
    r.register("B", 1, phone="13700000009", idem="k1")  # the same key: the first outcome stands
    r.register("C", 1)
    r.check()


def capacity_changes(r: Run) -> None:
    r.publish(capacity=2)
    r.register("A", 2)
    r.register("B", 1)
    r.register("C", 2)
    r.change(capacity=1)  # below the seats taken
    r.change(capacity=3)  # B promoted, C (2) does not fit in the 0 left
    r.check()
    r.put_stale(capacity=9)
    r.change(capacity=5)  # C promoted
    r.check()


def no_promotion_after_start(r: Run) -> None:
    r.publish(capacity=1, registration_closes_at=r.ports.clock.now() + timedelta(hours=1))
    r.register("A", 1)
    r.register("B", 1)
    r.advance(days=3, minutes=1)  # the activity has started
    r.register("C", 1)
    r.cancel("A")
    r.promote()
    r.check()


def unknown_things(r: Run) -> None:
    r.register("A", 1, aid="nope")
    r.promote("nope")
    r.change("nope", capacity=3)
    r.publish(capacity=1)
    r.publish(capacity=2)  # the id is taken


def fair_access(r: Run) -> None:
    """Real names, an ID once per activity, per-ID limits, a bound key, IDs given back (fair.lua)."""
    from services.registration.access.fair import FairPolicy

    r.ports.fair = FairPolicy(
        id_per_day=1, id_per_festival=2, rate_limit_phone_per_min=0, rate_limit_id_per_min=0
    )
    r.ports.secret = b"contract"
    r.publish("act", capacity=6, real_name=True)
    r.publish("act2", capacity=6, real_name=True)  # the same festival day
    r.register_fair("A", "13800000001", [0, 1])
    r.register_fair("B", "13800000002", [1])  # ID 1 is in A's party: id_duplicate
    r.register_fair("C", "13800000003", [2], aid="act2")
    r.register_fair("D", "13800000004", [0], aid="act2")  # ID 0 had its one this day
    r.register_fair("E", None, [5])  # no verified session
    r.register_fair("F", "13800000006", [6], idem="k")
    r.register_fair("F", "13800000006", [6], idem="k")  # a replay: the first answer
    r.register_fair("G", "13800000007", [7], idem="k")  # someone else's key
    r.cancel("A")  # gives IDs 0 and 1 back
    r.register_fair("H", "13800000008", [1])
    r.register_fair("I", "13800000009", [0], aid="act2")
    r.check()
    r.check("act2")


def drop_one_member(r: Run) -> None:
    """A family gives back one seat and keeps the rest; the freed seat promotes the waitlist."""
    r.publish(capacity=4)
    r.register("A", 3)
    r.register("B", 2)  # 1 seat free: B waits
    r.register("C", 1)  # behind B
    r.drop("A")  # 2 free: B promoted, C waits (strict FIFO)
    r.check()
    r.drop("C")  # a party of one cancels instead
    r.drop("A")  # A is down to one: C promoted
    r.drop("A")  # party_of_one
    r.check()
    r.cancel("B")
    r.drop("B")  # cancelled: nothing to drop
    r.check()


def drop_a_real_name_member(r: Run) -> None:
    """The dropped member's ID goes back to the activity (fair.lua); the registrant stays."""
    from services.registration.access.fair import FairPolicy

    r.ports.fair = FairPolicy(
        id_per_day=1, id_per_festival=2, rate_limit_phone_per_min=0, rate_limit_id_per_min=0
    )
    r.ports.secret = b"contract"
    r.publish("act", capacity=6, real_name=True)
    r.register_fair("A", "13800000001", [0, 1, 2])
    r.drop("A", 0)  # the registrant: unknown_member
    r.drop("A", 3)  # past the party: unknown_member
    r.drop("A", 1)  # ID 1 given back
    r.register_fair("B", "13800000002", [1])
    r.register_fair("C", "13800000003", [2])  # ID 2 is still A's: id_duplicate
    r.check()


SCENARIOS: dict[str, Callable[[Run], None]] = {
    f.__name__: f
    for f in (
        drop_one_member,
        drop_a_real_name_member,
        fair_access,
        fifo_all_or_nothing,
        smaller_party_never_overtakes,
        sold_out_without_waitlist,
        waitlist_full,
        one_registration_per_phone,
        party_size_limits,
        registration_window,
        cancelled_activity,
        idempotent_retry,
        capacity_changes,
        no_promotion_after_start,
        unknown_things,
    )
}


def play(name: str, ports: Ports, outbox: Callable[[], list[dict]]) -> Run:
    run = Run(ports, outbox)
    SCENARIOS[name](run)
    return run
