"""The entry side of a v2 lottery group on real Redis and its Lua (issue 27): opening, entering
with ranked choices (one entry per phone and ID per group), the live demand, the freeze that
writes the Merkle root once, the signed receipt and inclusion proof."""

from __future__ import annotations

import threading
from datetime import timedelta

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from services.registration import vocabulary as v
from services.registration.access.fair import FairPolicy
from services.registration.lottery import draw as lot
from services.registration.lottery import entry as lottery_entry
from services.registration.lottery import groups, merkle, public_v2, receipts
from services.registration.lottery import run as lottery_run
from services.registration.lottery import specification_v2 as v2
from services.registration.lottery.group_engine import Engine, Rules
from services.registration.lottery.group_store import GroupStore
from services.registration.privacy import retention
from services.registration.seats import publishing
from tests.fair_support import member
from tests.unit.registration_ports import lottery_store, redis_ports
from tests.unit.registration_scenarios import activity_doc

GID = "imax-week"
SESSIONS = ("imax-1", "imax-2", "imax-3")


@pytest.fixture
def eng(store_settings, store_redis):
    """A group of three lottery sessions (capacity 4), open for an hour from the fake clock."""
    ports = redis_ports(store_settings, store_redis)
    ports.fair = FairPolicy(
        id_per_day=0, id_per_festival=0, rate_limit_phone_per_min=0, rate_limit_id_per_min=0
    )
    ports.secret = b"k" * 32
    for aid in SESSIONS:  # imax-3 takes parties of one
        limit = 1 if aid == "imax-3" else 4
        doc = activity_doc(ports, aid, allocation=v.LOTTERY, real_name=True, max_party_size=limit)
        publishing.publish_activity(ports, doc)
    e = Engine(
        ports,
        GroupStore(store_redis, store_settings),
        lottery_store(ports),
        receipts.KeySigner(Ed25519PrivateKey.generate()),
        Rules(max_choices=2),
    )
    now = ports.clock.now().timestamp()
    groups.open_group(
        e, GID, list(SESSIONS), opens_at=now - 60, closes_at=now + 3600, draw_at=now + 3700, confirm_hours=0
    )
    return e


def phone(i: int) -> str:
    return f"139{i:08d}"


def enter(eng, i: int, choices, party: int = 1, **over):
    form = {"name": "张三", "party_size": party, "members": [member(i * 10 + k) for k in range(party)]}
    form.update(choices=list(choices), **over)
    return groups.enter(eng, GID, form, session_phone=phone(i))


def refusal(fn, *args, **kw) -> str:
    with pytest.raises(v.Refusal) as exc:
        fn(*args, **kw)
    return exc.value.reason


def close(eng) -> float:
    eng.ports.clock.advance(hours=1, seconds=1)
    return eng.ports.clock.now().timestamp()


def test_opening_names_the_beacon_round_after_each_freeze(eng):
    info = groups.group_info(eng, GID)
    chain = eng.beacon.chain
    assert info["state"] == v.LOT_OPEN and info["merkle_root"] is None
    assert info["commitment"] == eng.groups.meta(GID)["commitment"] and len(info["commitment"]) == 64
    assert info["beacon_rounds"] == [chain.first_round_after(f) for f in info["freezes"]]
    assert all(chain.round_time(r) > f for r, f in zip(info["beacon_rounds"], info["freezes"], strict=True))
    assert info["receipt_key"] == eng.signer.public_key_hex()


def test_one_entry_per_phone_per_group(eng):
    enter(eng, 1, ["imax-1"])
    assert refusal(enter, eng, 1, ["imax-2"]) == v.ALREADY_ENTERED


def test_one_entry_per_id_per_group(eng):
    enter(eng, 1, ["imax-1"])
    assert refusal(enter, eng, 2, ["imax-2"], members=[member(10)]) == v.ALREADY_ENTERED


@pytest.mark.parametrize(
    "choices",
    [[], ["imax-1", "imax-1"], ["imax-1", "other"], ["imax-1", "imax-2", "imax-3"], "imax-1"],
    ids=["none", "twice", "not-in-group", "over-max", "not-a-list"],
)
def test_choices_are_1_to_max_distinct_sessions_of_the_group(eng, choices):
    assert refusal(enter, eng, 1, choices) == v.CHOICES_INVALID
    assert eng.groups.demand(GID) == {}


def test_the_party_limit_of_every_chosen_session_applies(eng):
    assert refusal(enter, eng, 1, ["imax-1", "imax-3"], party=2) == v.VALIDATION_FAILED


def test_demand_counts_entries_people_and_first_choices(eng):
    enter(eng, 1, ["imax-1", "imax-2"], party=2)
    enter(eng, 2, ["imax-2"], party=3)
    by = {d["activity_id"]: d for d in groups.group_info(eng, GID)["demand"]}
    assert (by["imax-1"]["entries"], by["imax-1"]["people"], by["imax-1"]["first"]) == (1, 2, 1)
    assert (by["imax-2"]["entries"], by["imax-2"]["people"], by["imax-2"]["first"]) == (2, 5, 1)
    assert by["imax-2"]["ratio"] == 0.5 and by["imax-3"]["entries"] == 0


def test_the_receipt_is_signed_and_names_the_entry(eng):
    out = enter(eng, 1, ["imax-2", "imax-1"], party=2)
    r = out["receipt"]
    assert receipts.check(r, groups.group_info(eng, GID)["receipt_key"])
    assert (r["entry_id"], r["party_size"], r["choices"], r["weight"]) == (
        out["entry_id"],
        2,
        ["imax-2", "imax-1"],
        1,
    )
    assert r["tag"] == v2.tag(r["nonce"]) and r["hour"] == 0  # 60 s after opening
    forged = dict(r, party_size=3)
    assert not receipts.check(forged, groups.group_info(eng, GID)["receipt_key"])


def test_the_freeze_refuses_later_entries_and_commits_the_root_once(eng):
    for i in range(7):
        enter(eng, i, [SESSIONS[i % 2], "imax-3"] if i % 3 == 0 else [SESSIONS[i % 2]])
    assert groups.freeze(eng, GID, eng.ports.clock.now().timestamp()) is False  # before the close
    now = close(eng)
    wrote, start = [], threading.Barrier(2)

    def scheduler():
        start.wait()
        wrote.append(groups.freeze(eng, GID, now))

    racers = [threading.Thread(target=scheduler) for _ in range(2)]
    for t in racers:
        t.start()
    for t in racers:
        t.join()
    assert sorted(wrote) == [False, True]
    frozen = eng.groups.frozen(GID)
    assert [e["entry_id"] for e in frozen] == sorted(e["entry_id"] for e in frozen) and len(frozen) == 7
    info = groups.group_info(eng, GID)
    assert info["state"] == v.LOT_FROZEN and info["merkle_root"] == v2.tree(frozen).root.hex()
    assert eng.groups.redis.zscore(eng.groups.due_key, GID) == float(eng.groups.meta(GID)["draw_at"])
    assert refusal(enter, eng, 99, ["imax-1"]) == v.LOTTERY_CLOSED
    assert groups.freeze(eng, GID, now) is False and eng.groups.frozen(GID) == frozen
    # a scheduler that computed the set before the other wrote it: the first write stands
    assert eng.groups.commit(GID, frozen[:1], "00" * 32) is False
    assert (
        eng.groups.frozen(GID) == frozen and groups.group_info(eng, GID)["merkle_root"] == info["merkle_root"]
    )


def test_the_scheduler_freezes_due_groups_only(eng):
    enter(eng, 1, ["imax-1"])
    assert groups.freeze_due(eng, eng.ports.clock.now().timestamp()) == []
    assert groups.freeze_due(eng, close(eng)) == [GID]
    assert groups.freeze_due(eng, eng.ports.clock.now().timestamp()) == []


def test_every_inclusion_proof_checks_against_the_root(eng):
    entered = [enter(eng, i, ["imax-1"]) for i in range(11)]
    mine = entered[4]
    assert refusal(groups.proof, eng, GID, mine["entry_id"], token=mine["token"]) == v.NOT_FROZEN
    groups.freeze(eng, GID, close(eng))
    key, root = groups.group_info(eng, GID)["receipt_key"], groups.group_info(eng, GID)["merkle_root"]
    for out in entered:
        p = groups.proof(eng, GID, out["entry_id"], token=out["token"])
        leaf = v2.leaf(out["receipt"])
        path = [bytes.fromhex(h) for h in p["path"]]
        assert receipts.check(p, key) and p["merkle_root"] == root
        assert merkle.included(leaf, p["leaf_index"], p["tree_size"], path, bytes.fromhex(root))
    assert refusal(groups.proof, eng, GID, mine["entry_id"], token=entered[5]["token"]) == v.UNAUTHORIZED
    assert refusal(groups.proof, eng, GID, "e0000000000000000", token="x") == v.UNKNOWN_ENTRY


def test_the_proof_is_the_verified_phones_too(eng):
    out = enter(eng, 3, ["imax-2"])
    groups.freeze(eng, GID, close(eng))
    ref = eng.groups.entry(GID, out["entry_id"])["owner_ref"]
    assert groups.proof(eng, GID, out["entry_id"], owner_ref=ref)["entry_id"] == out["entry_id"]


def test_my_group_entries_show_the_choices_and_the_receipt(eng):
    out = enter(eng, 1, ["imax-2", "imax-1"], party=2)
    ref = eng.groups.entry(GID, out["entry_id"])["owner_ref"]
    (item,) = groups.my_group_entries(eng, ref)
    assert (item["group_id"], item["entry_id"], item["choices"]) == (
        GID,
        out["entry_id"],
        ["imax-2", "imax-1"],
    )
    assert item["receipt"] == out["receipt"] and item["rounds"] == []


def test_festival_losses_weigh_the_entry(eng):
    """A phone that lost in earlier draws of the festival (the groups' loss record, which the draw
    side adds to) enters another group with more tickets, at most ``loss_cap`` losses' worth."""
    first = enter(eng, 1, ["imax-1"])
    assert first["receipt"]["weight"] == 1
    ref = eng.groups.entry(GID, first["entry_id"])["owner_ref"]
    eng.groups.redis.hset(eng.groups.losses_key, ref, 7)
    now = eng.ports.clock.now().timestamp()
    publishing.publish_activity(
        eng.ports, activity_doc(eng.ports, "imax-4", allocation=v.LOTTERY, real_name=True)
    )
    groups.open_group(
        eng, "later", ["imax-4"], opens_at=now - 1, closes_at=now + 60, draw_at=now + 90, confirm_hours=0
    )
    form = {"name": "张三", "party_size": 1, "members": [member(10)], "choices": ["imax-4"]}
    again = groups.enter(eng, "later", form, session_phone=phone(1))
    assert again["receipt"]["weight"] == v2.loss_weight(7, eng.rules.loss_extra, eng.rules.loss_cap) == 4


def test_v1_draws_lost_count_as_festival_losses(eng):
    """Losses are counted from what exists: a v1 draw the phone entered and did not win."""
    ports = eng.ports
    publishing.publish_activity(
        ports, activity_doc(ports, "v1-act", capacity=1, allocation=v.LOTTERY, real_name=True)
    )
    now = ports.clock.now().timestamp()
    lot.open_lottery(eng.lotteries, lot.Lottery("v1-act", 1, now - 60, now + 60, now + 120, 0, 4))
    v1_form = {"name": "张三", "party_size": 1}
    ids = {
        i: lottery_entry.enter(ports, eng.lotteries, "v1-act", dict(v1_form, members=[member(500 + i)]),
                               session_phone=phone(i))["entry_id"]
        for i in (1, 2)
    }  # fmt: skip
    d = lot.draw(eng.lotteries, "v1-act", now=now + 130)
    (winner,) = [i for i, e in ids.items() if e in d.seated]
    weights = {i: enter(eng, i, ["imax-1"])["receipt"]["weight"] for i in (1, 2)}
    assert weights == {winner: 1, 3 - winner: 2}


def test_a_session_is_one_lotterys(eng):
    now = eng.ports.clock.now().timestamp()
    times = dict(opens_at=now, closes_at=now + 60, draw_at=now + 90, confirm_hours=0)
    assert refusal(groups.open_group, eng, "other", ["imax-2"], **times) == v.SESSION_TAKEN
    assert eng.groups.group_of("imax-2") == GID
    groups.open_group(
        eng, GID, ["imax-1", "imax-3"], **{**times, "closes_at": now + 3600, "draw_at": now + 3700}
    )
    assert eng.groups.group_of("imax-2") is None  # dropped from the group while open: released
    groups.open_group(eng, "other", ["imax-2"], **times)
    publishing.publish_activity(eng.ports, activity_doc(eng.ports, "v1-act", allocation=v.LOTTERY))
    lot.open_lottery(eng.lotteries, lot.Lottery("v1-act", 4, now, now + 60, now + 90))
    assert refusal(groups.open_group, eng, "third", ["v1-act"], **times) == v.SESSION_TAKEN


def test_retention_erases_a_groups_entries_with_its_last_session(eng, store_settings, store_redis):
    out = enter(eng, 1, ["imax-1"])
    groups.freeze(eng, GID, close(eng))
    frozen = eng.groups.frozen(GID)
    settings = store_settings.with_overrides(retention_days=30)
    eng.ports.clock.advance(days=20)
    retention.sweep(eng.ports, store_redis, settings)
    assert eng.groups.entry(GID, out["entry_id"]) is not None  # within the retention
    eng.ports.clock.advance(days=20)
    retention.sweep(eng.ports, store_redis, settings)
    assert eng.groups.entry(GID, out["entry_id"]) is None and not store_redis.exists(
        eng.groups.k("holders", GID)
    )
    assert eng.groups.frozen(GID) == frozen  # the public set stays


def test_the_frozen_group_is_a_valid_public_document(eng):
    """What the entry side publishes passes the project's own check before any round (public_v2)."""
    for i in range(5):
        enter(eng, i, ["imax-2", "imax-1"] if i % 2 else ["imax-1"], party=1 + i % 3)
    groups.freeze(eng, GID, close(eng))
    info = groups.group_info(eng, GID)
    assert isinstance(info["freezes"][0], int) and info["weights"] == {"extra": 1, "cap": 3}
    opened = dict(info, sessions=[{"activity_id": s["activity_id"], "capacity": s["capacity"]} for s in info["sessions"]],
                  opens_at=int(eng.groups.meta(GID)["opens_at"]))  # fmt: skip
    doc = public_v2.document(opened, None, eng.groups.frozen(GID), [])
    assert doc["merkle_root"] == info["merkle_root"] and public_v2.check(doc) == []


def test_a_v1_lottery_is_not_opened_on_a_groups_session(eng):
    """The organizers' v1 opening (run.open_for, as the form and the API call it) refuses a session
    a group draws; the allocation is locked as for an opened lottery (ports.lottery_opened)."""
    eng.ports.lottery_opened = lambda aid: (
        eng.lotteries.state(aid) is not None or eng.groups.group_of(aid) is not None
    )
    now = eng.ports.clock.now().timestamp()
    times = dict(opens_at=now, closes_at=now + 60, draw_at=now + 90, confirm_hours=0)
    assert refusal(lottery_run.open_for, eng.ports, eng.lotteries, "imax-1", **times) == v.SESSION_TAKEN
    doc = activity_doc(eng.ports, "imax-9", allocation=v.LOTTERY)
    publishing.publish_activity(eng.ports, doc)
    assert len(lottery_run.open_for(eng.ports, eng.lotteries, "imax-9", **times)) == 64  # v1 elsewhere
