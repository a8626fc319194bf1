"""Seat, waitlist and party-size rules of the registration use cases, on the Redis stores and
their Lua (reserve.lua, cancel.lua, capacity.lua, promote.lua, fair.lua, drop_member.lua): the
session's one Redis, a key prefix per test (``store_settings``), a fake clock and signer.
"""

from __future__ import annotations

import pytest

from services.registration import vocabulary as v
from services.registration.seats import publishing, usecases
from shared import events
from shared.envelope import seeded_event_id
from tests.unit.registration_ports import outbox, redis_ports
from tests.unit.registration_scenarios import SCENARIOS, Run, activity_doc, play


@pytest.fixture
def run(store_settings, store_redis):
    def play_on_redis(name: str) -> Run:
        ports = redis_ports(store_settings, store_redis)
        return play(name, ports, lambda: outbox(ports))

    return play_on_redis


def answers(r: Run) -> dict:
    """What each registration-affecting step answered, by its first items."""
    return {t[:-2]: t[-2:] for t in r.trace if t[0] != "check"}


def checks(r: Run) -> list[tuple[dict, dict]]:
    return [(dict(t[2]), dict(t[3])) for t in r.trace if t[0] == "check"]


def test_a_party_waits_whole_and_newcomers_queue_behind_the_waitlist(run):
    r = run("fifo_all_or_nothing")
    got = answers(r)
    assert got[("register", "A", 3)] == ("ok", (v.CONFIRMED, 0, "A"))
    assert got[("register", "B", 2)] == ("ok", (v.WAITLISTED, 1, "B"))
    # One seat is free, but B waits: C queues behind B rather than taking it.
    assert got[("register", "C", 1)] == ("ok", (v.WAITLISTED, 2, "C"))
    before, after = checks(r)
    assert before[0]["seats_left"] == 1 and before[0]["waitlist_people"] == 3
    assert after[1] == {"A": (v.CANCELLED, None), "B": (v.CONFIRMED, None), "C": (v.CONFIRMED, None)}
    assert after[0]["seats_taken"] == 3 and after[0]["waitlist_length"] == 0


def test_a_smaller_party_behind_never_overtakes(run):
    r = run("smaller_party_never_overtakes")
    assert answers(r)[("promote", "act")] == ("ok", 0)
    first, second = checks(r)
    assert first[1]["C"] == (v.WAITLISTED, 2)
    assert second[1] == {"A": (v.CANCELLED, None), "B": (v.CONFIRMED, None), "C": (v.WAITLISTED, 1)}
    promoted = [e for e in r.events() if e[1] == events.WAITLIST_PROMOTED]
    assert [e[3] for e in promoted] == ["B"]


def test_sold_out_counts_the_people_turned_away(run):
    r = run("sold_out_without_waitlist")
    got = answers(r)
    assert got[("register", "B", 1)] == ("refused", v.SOLD_OUT)
    assert got[("register", "C", 3)] == ("refused", v.SOLD_OUT)
    assert checks(r)[0][0]["turned_away"] == 1 + 3


def test_a_full_waitlist_is_sold_out(run):
    r = run("waitlist_full")
    assert answers(r)[("register", "C", 2)] == ("refused", v.SOLD_OUT)
    assert checks(r)[0][0]["waitlist_length"] == 1


def test_one_active_registration_per_phone_and_cancel_is_idempotent(run):
    r = run("one_registration_per_phone")
    got = answers(r)
    assert got[("register", "B", 1)] == ("refused", v.ALREADY_REGISTERED)
    assert got[("register", "C", 2)] == ("ok", (v.CONFIRMED, 0, "C"))
    counts, regs = checks(r)[0]
    assert counts["seats_taken"] == 2 and regs["A"] == (v.CANCELLED, None)
    cancelled = [e for e in r.events() if e[1] == events.REGISTRATION_CANCELLED]
    assert len(cancelled) == 1  # the second cancel changed nothing and published nothing


def test_party_size_is_checked_by_the_form_and_again_by_the_atomic_step(run):
    r = run("party_size_limits")
    got = answers(r)
    assert got[("register", "A", 4)] == ("refused", v.VALIDATION_FAILED)
    assert got[("reserve_raw", "B", 4)] == ("refused", v.PARTY_TOO_LARGE)
    assert got[("reserve_raw", "C", 3)] == ("ok", v.CONFIRMED)


def test_the_registration_window(run):
    r = run("registration_window")
    got = answers(r)
    assert got[("register", "A", 1)] == ("refused", v.REGISTRATION_NOT_OPEN)
    assert got[("register", "B", 1)] == ("refused", v.REGISTRATION_CLOSED)
    assert got[("register", "C", 1)][0] == "ok"  # an hour later it has opened


def test_a_cancelled_activity_takes_no_registration_and_no_change(run):
    r = run("cancelled_activity")
    got = answers(r)
    assert got[("register", "C", 1)] == ("refused", v.ACTIVITY_CANCELLED_REASON)
    assert got[("change", "act", ("capacity",))] == ("refused", v.ACTIVITY_CANCELLED_REASON)
    counts, regs = checks(r)[0]
    assert regs["B"] == (v.WAITLISTED, 1), "nobody is promoted into a cancelled activity"
    assert [e[1] for e in r.events()].count(events.ACTIVITY_CANCELLED) == 1


def test_the_same_idempotency_key_returns_the_first_registration(run):
    r = run("idempotent_retry")
    got = answers(r)
    assert got[("register", "B", 1)] == ("ok", (v.CONFIRMED, 0, "A"))
    assert checks(r)[0][0]["seats_taken"] == 2  # A and C, not B
    assert [e[3] for e in r.events() if e[1] == events.REGISTRATION_CONFIRMED] == ["A", "C"]


def test_capacity_below_taken_is_refused_and_a_raise_promotes(run):
    r = run("capacity_changes")
    got = answers(r)
    assert ("refused", v.CAPACITY_BELOW_TAKEN) in [t[-2:] for t in r.trace if t[0] == "change"]
    assert got[("put_stale", "act")] == ("refused", v.REVISION_CONFLICT)
    first, second = checks(r)
    assert first[1] == {"A": (v.CONFIRMED, None), "B": (v.CONFIRMED, None), "C": (v.WAITLISTED, 1)}
    assert second[1]["C"] == (v.CONFIRMED, None) and second[0]["revision"] == 3


def test_nothing_is_promoted_once_the_activity_has_started(run):
    r = run("no_promotion_after_start")
    got = answers(r)
    assert got[("register", "C", 1)] == ("refused", v.REGISTRATION_CLOSED)
    assert got[("promote", "act")] == ("ok", 0)
    assert checks(r)[0][1]["B"] == (v.WAITLISTED, 1)


def test_unknown_activity_and_taken_id(run):
    r = run("unknown_things")
    got = answers(r)
    assert got[("register", "A", 1)] == ("refused", v.UNKNOWN_ACTIVITY)
    assert got[("promote", "nope")] == ("refused", v.UNKNOWN_ACTIVITY)
    assert [t[-2:] for t in r.trace if t[0] == "publish"] == [("ok", 1), ("refused", v.ACTIVITY_EXISTS)]


def test_events_carry_a_deterministic_id_and_the_topic_of_their_type(run):
    r = run("fifo_all_or_nothing")
    for e in r.outbox():
        env = e["envelope"]
        rid = env["data"].get("registration_id")
        seed = f"{rid}:{env['type']}" if rid else f"{env['activity_id']}:rev:1"
        assert env["event_id"] == seeded_event_id(seed)
        events.validate_data(env["type"], env["version"], env["data"])
    assert {t for t, *_ in r.events()} == {"activity-events", "registration-events"}


@pytest.mark.parametrize("name", sorted(SCENARIOS))
def test_every_scenario_publishes_events_with_seeded_ids(name, run):
    """Each scenario's events, as the relay finds them in the stream, carry the id derived from
    their seed (a member drop's seed names the new party size: one event per drop)."""
    r = run(name)
    assert r.events(), "a scenario that publishes nothing checks no outbox"
    for e in r.outbox():
        env = e["envelope"]
        rid = env["data"].get("registration_id")
        seed = f"{rid}:{env['type']}"
        if env["type"] == events.REGISTRATION_MEMBER_DROPPED:
            seed += f":{env['data']['party_size']}"
        if rid:
            assert env["event_id"] == seeded_event_id(seed)


# -- the form rules and one's own registration -----------------------------------------------
FORM = {"name": "张三", "phone": "13800000001", "party_size": 1, "email": None, "organization": ""}


@pytest.fixture
def ports(store_settings, store_redis):
    p = redis_ports(store_settings, store_redis, noshow=True)
    publishing.publish_activity(p, activity_doc(p, audience="sci_workers_and_families", max_party_size=2))
    return p


def test_form_rules_name_the_field_and_the_rule(ports):
    with pytest.raises(v.Refusal) as err:
        usecases.register(ports, "act", dict(FORM, party_size=3))
    assert err.value.reason == v.VALIDATION_FAILED
    assert err.value.details["rules"] == {
        "organization": [v.ORGANIZATION_REQUIRED],
        "party_size": [v.PARTY_OVER_LIMIT],
    }


def test_the_manage_token_guards_one_registration(ports):
    reg = usecases.register(ports, "act", dict(FORM, organization="沈阳分院"))
    rid, token = reg["registration_id"], reg["manage_token"]
    for bad, reason in ((None, v.UNAUTHORIZED), ("wrong", v.UNKNOWN_REGISTRATION)):
        with pytest.raises(v.Refusal) as err:
            usecases.cancel(ports, rid, bad)
        assert err.value.reason == reason
    assert usecases.ticket(ports, rid, token)["status"] == v.CONFIRMED
    assert usecases.cancel(ports, rid, token)["status"] == v.CANCELLED
    with pytest.raises(v.Refusal) as err:
        usecases.ticket(ports, rid, token)
    assert err.value.reason == v.NO_TICKET


def test_the_phone_rate_limit_applies_before_the_seat_is_asked(ports):
    ports.phone_per_min = 1
    usecases.register(ports, "act", dict(FORM, organization="沈阳分院"))
    with pytest.raises(v.Refusal) as err:  # a refusal, never an HTTP error, from the core
        usecases.register(ports, "act", dict(FORM, organization="沈阳分院"))
    assert err.value.reason == "rate_limited" and err.value.details["limit"] == "phone"


def test_a_waitlisted_registration_shows_its_position(ports):
    publishing.publish_activity(ports, activity_doc(ports, "small", capacity=1))
    usecases.register(ports, "small", dict(FORM, phone="13800000002"))
    waiting = usecases.register(ports, "small", dict(FORM, phone="13800000003"))
    shown = usecases.registration_view(ports, waiting)
    assert shown["status"] == v.WAITLISTED and shown["waitlist_position"] == 1
    assert shown["ticket"] is None and shown["phone_masked"] != "13800000003"


def test_an_undeclared_reason_cannot_be_raised():
    with pytest.raises(ValueError):
        v.Refusal("no_such_reason")


def test_a_phone_locked_for_no_shows_is_refused_with_the_lock_end(ports):
    from services.registration.noshow import record as ns

    holder = "phone:" + ns.identity_hash("pepper", FORM["phone"])
    t = ports.clock.now().timestamp() - 86400
    marks = [ns.Mark(f"r{i}:0", holder, f"r{i}", "past", "not_admitted", t - i * 3600) for i in range(3)]
    ns.record_marks(ports.noshow, marks, ports.noshow_policy)
    with pytest.raises(v.Refusal) as err:
        usecases.register(ports, "act", dict(FORM, organization="沈阳分院"))
    assert err.value.reason == v.NOSHOW_LOCKED
    assert err.value.details["locked_until"] == t + 60 * 86400
    ns.forgive(ports.noshow, "r0:0", by="org", note="误记", now=t + 3600)
    assert usecases.register(ports, "act", dict(FORM, organization="沈阳分院"))["status"] == v.CONFIRMED


def test_fair_access(run):
    """Issue 14: an ID once per activity, per-ID limits, no session no seat, a bound key, and a
    cancellation gives the IDs back (the contract test runs the same scenario on fair.lua)."""
    r = run("fair_access")
    trace = [(step[1], step[-2], step[-1]) for step in r.trace if step[0] == "register_fair"]
    assert trace == [
        ("A", "ok", (v.CONFIRMED, "A")),
        ("B", "refused", v.ID_DUPLICATE),
        ("C", "ok", (v.CONFIRMED, "C")),
        ("D", "refused", v.ID_LIMIT_REACHED),
        ("E", "refused", v.PHONE_NOT_VERIFIED),
        ("F", "ok", (v.CONFIRMED, "F")),
        ("F", "ok", (v.CONFIRMED, "F")),  # the replay: the first answer, no second party
        ("G", "refused", v.IDEMPOTENCY_KEY_REUSED),
        ("H", "ok", (v.CONFIRMED, "H")),  # ID 1 came back when A cancelled
        ("I", "ok", (v.CONFIRMED, "I")),  # and ID 0's day allowance too
    ]
    assert [c[0]["seats_taken"] for c in checks(r)] == [2, 2]


def test_real_name_no_shows_lock_the_id_whichever_phone_books_it(ports, store_settings, store_redis):
    """Real-name marks are keyed by fair_access's ID hashes as the record stores them, and the lock
    check at registration looks up the same holders: the ID is locked, the phones are not."""
    from services.registration.access.fair import FairPolicy
    from services.registration.noshow import record as ns
    from services.registration.noshow.flow import Admissions, NoShowFlow
    from tests.fair_support import member

    ports.fair = FairPolicy(
        id_per_day=9, id_per_festival=9, rate_limit_phone_per_min=0, rate_limit_id_per_min=0
    )
    ports.secret = b"contract"
    admissions = Admissions(store_redis, store_settings.redis_prefix)
    flow = NoShowFlow(ports.noshow, admissions, lambda aid: 0.0, ports.noshow_policy, "pepper")
    ends = ports.clock.now().timestamp()

    def book(aid: str, phone: str, i: int) -> dict:
        form = {"name": "张三", "phone": None, "party_size": 1, "email": None, "members": [member(i)]}
        return usecases.register(ports, aid, form, session_phone=phone)

    for n in range(3):
        publishing.publish_activity(ports, activity_doc(ports, f"rn{n}", real_name=True))
        reg = ports.seats.get_registration(book(f"rn{n}", f"1380000000{n}", 7)["registration_id"])
        marks = flow.sweep(f"rn{n}", [reg], ends_at=ends, now=ends + 3600)
        assert [m.holder for m in marks] == [f"id:{reg['id_hashes'][0]}"]
    publishing.publish_activity(ports, activity_doc(ports, "rn3", real_name=True))
    with pytest.raises(v.Refusal) as err:
        book("rn3", "13900000000", 7)
    assert err.value.reason == v.NOSHOW_LOCKED
    assert err.value.details["locked_until"] == ends + 3600 + 60 * 86400
    assert book("rn3", "13800000000", 8)["status"] == v.CONFIRMED


# -- issue 17: a party drops one member and keeps the rest ------------------------------------
def test_a_family_drops_one_member_and_the_freed_seat_promotes_the_waitlist(run):
    r = run("drop_one_member")
    got = answers(r)
    # The party shrinks by one at a time; its ticket is signed again (FakeSigner: 6 dots).
    drops_of_a = [t[-2:] for t in r.trace if t[:2] == ("drop", "A")]
    assert drops_of_a == [("ok", (2, 0, 6)), ("ok", (1, 0, 6)), ("refused", v.PARTY_OF_ONE)]
    assert got[("drop", "C", None)] == ("refused", v.PARTY_OF_ONE)
    assert got[("drop", "B", None)] == ("refused", v.REGISTRATION_CANCELLED)
    first, second, third = checks(r)
    assert first[1]["B"] == (v.CONFIRMED, None) and first[1]["C"] == (v.WAITLISTED, 1)
    assert first[0]["seats_taken"] == 2 + 2
    # A down to one frees a seat: C, now first in line, is promoted.
    assert second[0]["seats_taken"] == 1 + 2 + 1 and second[1]["C"] == (v.CONFIRMED, None)
    assert third[0]["seats_taken"] == 1 + 1 and third[1]["B"] == (v.CANCELLED, None)
    dropped = [e for e in r.events() if e[1] == events.REGISTRATION_MEMBER_DROPPED]
    assert [e[3] for e in dropped] == ["A", "A"]
    sizes = [
        e["envelope"]["data"]["party_size"]
        for e in r.outbox()
        if e["envelope"]["type"] == events.REGISTRATION_MEMBER_DROPPED
    ]
    assert sizes == [2, 1]
    promoted = [e[3] for e in r.events() if e[1] == events.WAITLIST_PROMOTED]
    assert promoted == ["B", "C"]


def test_the_new_ticket_carries_the_smaller_party(run):
    r = run("drop_one_member")
    reg = r.ports.seats.get_registration(r.rids["A"])
    assert reg is not None and reg["party_size"] == 1
    assert reg["ticket_code"].split(".")[4] == "1"  # FakeSigner's party_size field


def test_a_real_name_member_is_dropped_and_their_id_given_back(run):
    r = run("drop_a_real_name_member")
    got = answers(r)
    assert got[("drop", "A", 0)] == ("refused", v.UNKNOWN_MEMBER)
    assert got[("drop", "A", 3)] == ("refused", v.UNKNOWN_MEMBER)
    assert got[("drop", "A", 1)] == ("ok", (2, 2, 6))
    assert got[("register_fair", "B", (1,))][0] == "ok"
    assert got[("register_fair", "C", (2,))] == ("refused", v.ID_DUPLICATE)
    counts, _regs = checks(r)[0]
    assert counts["seats_taken"] == 2 + 1
