"""sciday-lottery-v2's pure rules (issue 27): the Merkle tree, the rounds over ranked choices, and
the project's own check of a public draw (tampered entries, beacon and seed are each caught)."""

from __future__ import annotations

import copy
import hashlib
import random

import pytest

from services.registration.lottery import beacon as bc
from services.registration.lottery import merkle, public_v2
from services.registration.lottery import specification_v2 as v2

# Real rounds of the League of Entropy's quicknet, as its relays publish them.
ROUND_1000 = (
    "b44679b9a59af2ec876b1a6b1ad52ea9b1615fc3982b19576350f93447cb1125e342b73a8dd2bacbe47e4b6b63ed5e39"
)
ROUND_123 = "b75c69d0b72a5d906e854e808ba7e2accb1542ac355ae486d591aa9d43765482e26cd02df835d3546d23c4b13e0dfc92"


def mth(leaves: list[bytes]) -> bytes:
    """RFC 9162 §2.1.1's recursive definition, to check the bottom-up tree against."""
    if not leaves:
        return hashlib.sha256(b"").digest()
    if len(leaves) == 1:
        return leaves[0]
    k = 1
    while k * 2 < len(leaves):
        k *= 2
    return merkle.node_hash(mth(leaves[:k]), mth(leaves[k:]))


@pytest.mark.parametrize("n", [*range(1, 34), 100, 257])
def test_tree_is_rfc9162_and_every_proof_checks(n):
    leaves = [merkle.leaf_hash(str(i).encode()) for i in range(n)]
    t = merkle.Tree(leaves)
    assert t.root == mth(leaves)
    for i in range(n):
        assert merkle.included(leaves[i], i, n, t.proof(i), t.root)
        assert not merkle.included(leaves[i], (i + 1) % n, n, t.proof(i), t.root) or n == 1
    assert not merkle.included(merkle.leaf_hash(b"x"), 0, n, t.proof(0), t.root)


def test_beacon_verifies_real_rounds_and_refuses_others():
    assert (
        bc.verify(bc.QUICKNET, 1000, ROUND_1000).randomness
        == hashlib.sha256(bytes.fromhex(ROUND_1000)).hexdigest()
    )
    for rnd, sig in [
        (1001, ROUND_1000),
        (1000, ROUND_123),
        (1000, "zz" * 48),
        (1000, ROUND_1000[:-2]),
        (0, ROUND_1000),
    ]:
        with pytest.raises(bc.BeaconUnverified):
            bc.verify(bc.QUICKNET, rnd, sig)


def test_first_round_after():
    c = bc.QUICKNET
    t = c.round_time(5000)
    assert c.first_round_after(t) == 5001
    assert c.first_round_after(t - 0.5) == 5000
    assert c.round_time(c.first_round_after(t + 1)) > t + 1


def entries(n: int, sessions: list[str], seed: int = 7) -> list[dict]:
    rng = random.Random(seed)
    out = []
    for i in range(n):
        k = rng.randint(1, len(sessions))
        out.append(
            {
                "entry_id": f"e{i:016x}",
                "party_size": rng.randint(1, 4),
                "choices": rng.sample(sessions, k),
                "weight": rng.randint(1, 3),
                "hour": rng.randint(0, 47),
                "tag": v2.tag(f"{i:064x}"),
            }
        )
    return v2.in_order(out)


def draw_doc(n=300, caps=(40, 30, 20)) -> dict:
    sessions = [f"s{i}" for i in range(len(caps))]
    es = entries(n, sessions)
    seed = "11" * 32
    root = v2.tree(es).root.hex()
    b1 = {**bc.verify(bc.QUICKNET, 123, ROUND_123).public(), "source": "recorded"}
    b2 = {**bc.verify(bc.QUICKNET, 1000, ROUND_1000).public(), "source": "recorded"}
    r1 = v2.draw_round(
        group_id="g1",
        seed=seed,
        root=root,
        entries=es,
        earlier=[],
        beacon=b1,
        capacities=dict(zip(sessions, caps)),
    )
    spare = {s: 3 for s in sessions}
    r2 = v2.draw_round(
        group_id="g1", seed=seed, root=root, entries=es, earlier=[r1], beacon=b2, capacities=spare
    )
    opened = {
        "group_id": "g1",
        "sessions": [{"activity_id": s, "capacity": c} for s, c in zip(sessions, caps)],
        "max_choices": 5,
        "opens_at": 1_799_000_000,
        "weights": {"extra": 1, "cap": 2},
        "freezes": [1_800_000_000, 1_800_600_000],
        "chain": bc.QUICKNET.public(),
        "beacon_rounds": [123, 1000],
        "commitment": v2.commitment(seed),
        "receipt_key": "00" * 32,
    }
    return public_v2.document(opened, seed, es, [r1, r2])


def test_rounds_hold_their_rules():
    doc = draw_doc()
    by_id = {e["entry_id"]: e for e in doc["entries"]}
    caps = {s["activity_id"]: s["capacity"] for s in doc["sessions"]}
    r1, r2 = doc["rounds"]
    # at most one win per party per round, and never more people than seats
    for rnd, cap in ((r1, caps), (r2, r2["capacities"])):
        taken: dict[str, int] = {}
        for eid, s in rnd["wins"].items():
            taken[s] = taken.get(s, 0) + by_id[eid]["party_size"]
        assert all(taken[s] <= cap[s] for s in taken)
    # round 2 holds only parties that won nothing in round 1
    assert set(r2["order"]) == set(by_id) - set(r1["wins"])
    assert not set(r2["wins"]) & set(r1["wins"])
    # rank order: a party won its highest-ranked choice that still had room when its turn came
    free = dict(caps)
    for eid in r1["order"]:
        e = by_id[eid]
        fits = [c for c in e["choices"] if free[c] >= e["party_size"]]
        assert r1["wins"].get(eid) == (fits[0] if fits else None)
        if fits:
            free[fits[0]] -= e["party_size"]
    assert len(r1["wins"]) > 10 and len(r2["wins"]) > 0
    assert doc["waitlist"] == [e for e in r2["order"] if e not in r2["wins"]]


def test_weight_counts_as_tickets():
    key = bytes(32)
    heavy = sum(v2.rank(key, f"a{i}", 3) < v2.rank(key, f"b{i}", 1) for i in range(4000))
    assert 2800 < heavy < 3200  # P = 3 / (3 + 1) = 0.75


def test_check_accepts_the_draw_and_catches_tampering():
    doc = draw_doc()
    assert public_v2.check(doc, allow_recorded=True) == []
    assert any("published before" in p for p in public_v2.check(doc))  # recorded rounds are old
    changed = copy.deepcopy(doc)
    changed["entries"][5]["party_size"] += 1
    assert "the Merkle root does not match the entries" in public_v2.check(changed, allow_recorded=True)
    missing = copy.deepcopy(doc)
    del missing["entries"][7]
    assert "the Merkle root does not match the entries" in public_v2.check(missing, allow_recorded=True)
    beacon = copy.deepcopy(doc)
    beacon["rounds"][0]["beacon"]["signature"] = ROUND_1000
    assert public_v2.check(beacon, allow_recorded=True)
    seed = copy.deepcopy(doc)
    seed["seed"] = "12" * 32
    assert "the revealed seed does not match the commitment" in public_v2.check(seed, allow_recorded=True)
    wins = copy.deepcopy(doc)
    loser = wins["waitlist"][0]
    wins["rounds"][1]["wins"][loser] = wins["entries"][0]["choices"][0]
    assert "round 2: wins differs from the one recomputed" in public_v2.check(wins, allow_recorded=True)
