"""sciday-lottery-v2's fast paths give exactly what the plain rules of docs/lottery.md give.

``order``, ``allocate`` and ``canonical`` in ``specification_v2`` were made faster for a group of
100,000 entries (bench/lottery_group.py). The plain versions below are the specification's words
turned into code, as a verifier would write them; Hypothesis draws inputs around the edges (ids
that are prefixes of each other and beyond ASCII, weights, full and missing sessions, parties
larger than any room) and the two must agree."""

from __future__ import annotations

import hmac
import json

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from services.registration.lottery import specification_v2 as v2


def plain_order(round_seed_hex: str, participants, round_no: int) -> list[str]:
    """§5: sort by (least of w HMACs of "<i>:<entry id>", entry id)."""
    key = bytes.fromhex(round_seed_hex)
    ranked = []
    for e in participants:
        w = 1 if round_no == 1 else int(e["weight"])
        eid = str(e["entry_id"])
        r = min(hmac.digest(key, f"{i}:{eid}".encode(), "sha256") for i in range(max(1, w)))
        ranked.append((r, eid))
    ranked.sort()
    return [eid for _r, eid in ranked]


def plain_allocate(drawn, by_id, capacities) -> dict[str, str]:
    """§6: in drawn order, the first choice with room for the whole party."""
    free = dict(capacities)
    wins = {}
    for eid in drawn:
        e = by_id[eid]
        for choice in e["choices"]:
            if free.get(choice, 0) >= int(e["party_size"]):
                free[choice] -= int(e["party_size"])
                wins[eid] = choice
                break
    return wins


SESSIONS = ["s0", "s1", "s2", "s3", "长江"]
ids = st.text(alphabet=st.sampled_from("e0a1fZ~é中\U0001f600"), min_size=1, max_size=4)
entry = st.fixed_dictionaries(
    {
        "entry_id": ids,
        "party_size": st.integers(1, 6),
        "choices": st.lists(st.sampled_from([*SESSIONS, "gone"]), min_size=1, max_size=5, unique=True),
        "weight": st.integers(1, 4),
        "hour": st.integers(0, 200),
        "tag": st.text(max_size=3),
    }
)
entry_sets = st.lists(entry, max_size=60, unique_by=lambda e: e["entry_id"])
capacities = st.dictionaries(st.sampled_from(SESSIONS), st.integers(0, 12))
seeds = st.binary(min_size=32, max_size=32).map(bytes.hex)
FAST = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@FAST
@given(seeds, entry_sets, st.integers(1, 3))
def test_order_is_the_plain_sort(seed, entries, round_no):
    assert v2.order(seed, entries, round_no) == plain_order(seed, entries, round_no)


@FAST
@given(seeds, entry_sets, capacities)
def test_allocate_is_the_plain_walk(seed, entries, caps):
    drawn = plain_order(seed, entries, 1)
    by_id = {e["entry_id"]: e for e in entries}
    assert v2.allocate(drawn, by_id, caps) == plain_allocate(drawn, by_id, caps)


@FAST
@given(seeds, entry_sets, capacities, capacities)
def test_rounds_are_the_plain_rounds(seed, entries, caps1, caps2):
    """Both rounds through draw_round equal the plain order and walk over the same participants."""
    beacon = {"randomness": "cd" * 32}
    r1 = v2.draw_round(
        group_id="g", seed=seed, root="00" * 32, entries=entries, earlier=[], beacon=beacon, capacities=caps1
    )
    r2 = v2.draw_round(
        group_id="g",
        seed=seed,
        root="00" * 32,
        entries=entries,
        earlier=[r1],
        beacon=beacon,
        capacities=caps2,
    )
    by_id = {e["entry_id"]: e for e in entries}
    for rnd, caps, playing in (
        (r1, caps1, entries),
        (r2, caps2, [e for e in entries if e["entry_id"] not in r1.wins]),
    ):
        assert rnd.order == plain_order(rnd.seed, playing, rnd.round_no)
        assert rnd.wins == plain_allocate(rnd.order, by_id, caps)


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=4), inner, max_size=4),
    max_leaves=12,
)


@FAST
@given(st.dictionaries(st.text(max_size=6), json_values, max_size=6))
def test_canonical_is_json_dumps(doc):
    plain = json.dumps(doc, sort_keys=True, separators=(",", ":"), ensure_ascii=True).encode("ascii")
    assert v2.canonical(doc) == plain
