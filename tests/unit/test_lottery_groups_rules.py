"""The v2 lottery group's pure parts (issue 27): the ranked choices' rule, each round's freeze, and
signed receipts and proofs checked with the public key alone."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from services.registration.lottery import frozen_cache, groups, merkle, receipts
from services.registration.lottery import specification_v2 as v2
from services.registration.lottery.group_engine import PinnedRounds, Rules

SESSIONS = ["a", "b", "c"]


@pytest.mark.parametrize(
    ("choices", "ok"),
    [
        (["a"], True),
        (["c", "a"], True),
        ([], False),
        (["a", "a"], False),
        (["a", "x"], False),
        (["a", "b", "c"], False),
    ],
)
def test_choices_are_1_to_max_distinct_sessions(choices, ok):
    assert v2.valid_choices(choices, SESSIONS, 2) is ok


def starts(iso: str) -> dict:
    return {"starts_at": iso}


def test_round_2_freezes_before_the_first_session_if_after_round_1s_confirmation():
    first = datetime(2026, 6, 20, 9, tzinfo=UTC).timestamp()
    docs = [starts("2026-06-21T09:00:00+00:00"), starts("2026-06-20T09:00:00+00:00")]
    rules = Rules(round2_before_h=168)
    week_before = first - 168 * 3600
    far = dict(closes_at=week_before - 10 * 86400, draw_at=week_before - 9 * 86400, confirm_hours=48)
    assert groups.freezes(rules, docs, rounds=2, **far) == [far["closes_at"], week_before]
    assert groups.freezes(rules, docs, rounds=1, **far) == [far["closes_at"]]
    near = dict(closes_at=week_before - 86400, draw_at=week_before - 3600, confirm_hours=48)
    assert groups.freezes(rules, docs, rounds=2, **near) == [near["closes_at"]]  # no room for round 2


def test_the_pinned_rounds_name_the_first_round_after_a_freeze():
    beacon = PinnedRounds()
    t = beacon.chain.round_time(1000) + 1
    assert beacon.round_after(t) == 1001 and beacon.fetch(1001) is None


def test_a_receipt_checks_with_the_public_key_and_fails_when_changed():
    signer = receipts.KeySigner(Ed25519PrivateKey.generate())
    public = {"entry_id": "e" + "0" * 16, "party_size": 2, "choices": ["a"], "weight": 1, "hour": 0,
              "tag": v2.tag("11" * 32)}  # fmt: skip
    r = receipts.signed(signer, receipts.receipt("g1", public, "11" * 32, 1_780_000_000))
    key = signer.public_key_hex()
    assert receipts.check(r, key) and len(bytes.fromhex(r["signature"])) == 64
    assert not receipts.check(dict(r, weight=2), key)
    assert not receipts.check(r, receipts.KeySigner(Ed25519PrivateKey.generate()).public_key_hex())
    assert not receipts.check(dict(r, signature="zz"), key)


def test_every_inclusion_proof_of_a_set_checks():
    entries = v2.in_order(
        {
            "entry_id": f"e{i:016x}",
            "party_size": 1,
            "choices": ["a"],
            "weight": 1,
            "hour": 0,
            "tag": v2.tag(f"{i:064x}"),
        }
        for i in range(13)
    )
    root = v2.tree(entries).root
    frozen_cache.clear()
    index, tree = frozen_cache.tree_of("g1", root.hex(), lambda: entries)
    for e in entries:
        p = receipts.inclusion("g1", index[e["entry_id"]], e["entry_id"], tree)
        assert p["merkle_root"] == root.hex()
        path = [bytes.fromhex(h) for h in p["path"]]
        assert merkle.included(v2.leaf(e), p["leaf_index"], p["tree_size"], path, root)
    assert "missing" not in index
    # the tree is built once per root, and never for entries that do not give the stored root
    assert frozen_cache.tree_of("g1", root.hex(), lambda: None)[1] is tree
    with pytest.raises(ValueError):
        frozen_cache.tree_of("g2", root.hex(), lambda: entries[1:])
