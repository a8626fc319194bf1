"""The outsider's verifier (issue 27): scripts/verify_draw.py, written from docs/lottery.md's
"sciday-lottery-v2" alone, checks a draw the project made (public_v2.document), a receipt and an
inclusion proof, and fails on each change an insider could make. The draws use real quicknet rounds
123 and 1000; receipts and proofs are signed here with `cryptography`'s Ed25519, as the doc says."""

from __future__ import annotations

import copy
import hashlib
import importlib.util
import json
import math
import random
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

from services.registration.lottery import beacon as bc
from services.registration.lottery import public_v2
from services.registration.lottery import specification_v2 as v2
from tests.unit.test_lottery_v2_spec import ROUND_123, ROUND_1000

ROOT = Path(__file__).resolve().parents[2]
SCRIPT = str(ROOT / "scripts" / "verify_draw.py")
SIGNATURES = {123: ROUND_123, 1000: ROUND_1000}
GENESIS, PERIOD = 1692803367, 3


def published_at(n: int) -> int:
    return GENESIS + (n - 1) * PERIOD


def canonical(obj) -> bytes:
    return json.dumps(obj, sort_keys=True, separators=(",", ":"), ensure_ascii=True).encode("ascii")


def sha(data: bytes) -> bytes:
    return hashlib.sha256(data).digest()


def mth(leaves: list[bytes]) -> bytes:
    if len(leaves) == 1:
        return leaves[0]
    k = 1 << ((len(leaves) - 1).bit_length() - 1)
    return sha(b"\x01" + mth(leaves[:k]) + mth(leaves[k:]))


def audit_path(m: int, leaves: list[bytes]) -> list[bytes]:
    """RFC 9162 §2.1.3.1's PATH(m, D[n])."""
    if len(leaves) == 1:
        return []
    k = 1 << ((len(leaves) - 1).bit_length() - 1)
    if m < k:
        return [*audit_path(m, leaves[:k]), mth(leaves[k:])]
    return [*audit_path(m - k, leaves[k:]), mth(leaves[:k])]


@dataclass
class Draw:
    doc: dict
    key: Ed25519PrivateKey
    receipts: dict[str, dict]

    def sign(self, body: dict) -> dict:
        return {**body, "signature": self.key.sign(canonical(body)).hex()}

    def proof(self, entry_id: str) -> dict:
        entries = self.doc["entries"]
        leaves = [sha(b"\x00" + canonical(e)) for e in entries]
        m = [e["entry_id"] for e in entries].index(entry_id)
        body = {
            "algorithm": "sciday-lottery-v2",
            "kind": "inclusion",
            "group_id": self.doc["group_id"],
            "entry_id": entry_id,
            "leaf_index": m,
            "tree_size": len(entries),
            "path": [p.hex() for p in audit_path(m, leaves)],
            "merkle_root": self.doc["merkle_root"],
        }
        return self.sign(body)


def make_entry(rng: random.Random, sessions: list[str], opens: float, close: float) -> tuple[dict, dict]:
    """An entry and what its receipt adds: the nonce and entered_at."""
    nonce, entered = rng.randbytes(32).hex(), round(rng.uniform(opens, close - 1), 3)
    entry = {
        "entry_id": "e" + rng.randbytes(8).hex(),
        "party_size": rng.randint(1, 4),
        "choices": rng.sample(sessions, rng.randint(1, min(5, len(sessions)))),
        "weight": rng.randint(1, 3),
        "hour": math.floor((entered - opens) / 3600),
        "tag": sha(bytes.fromhex(nonce)).hex(),
    }
    return entry, {"nonce": nonce, "entered_at": entered}


def make_draw(seed=1, n=120, sessions=3, rounds=2, source="typed", omit=0, group="g-imax") -> Draw:
    """A draw of `n` entries whose rounds use quicknet rounds 123 (and 1000), named as the first
    rounds after freezes set just before them (so `typed` passes without --demo); `omit` entries
    have receipts but are left out of the draw."""
    rng, key = random.Random(seed), Ed25519PrivateKey.from_private_bytes(bytes(range(32)))
    ids = [f"a{i}" for i in range(sessions)]
    caps = {s: rng.randint(1, 40) for s in ids}
    freezes = [published_at(123) - 1.5, published_at(1000) - 0.5][:rounds]
    opens = freezes[0] - 3 * 86400
    made = [make_entry(rng, ids, opens, freezes[0]) for _ in range(n + omit)]
    draw = Draw({}, key, {})
    for entry, extra in made:
        body = {"algorithm": "sciday-lottery-v2", "kind": "receipt", "group_id": group, **entry, **extra}
        draw.receipts[entry["entry_id"]] = draw.sign(body)
    es = v2.in_order([entry for entry, _ in made[omit:]])
    seed_hex, root = rng.randbytes(32).hex(), v2.tree(es).root.hex()
    drawn: list = []
    for i, number in enumerate([123, 1000][:rounds]):
        beacon = {**bc.verify(bc.QUICKNET, number, SIGNATURES[number]).public(), "source": source}
        spare = caps if i == 0 else {s: rng.randint(0, c) for s, c in caps.items()}
        kw = {"group_id": group, "seed": seed_hex, "root": root, "entries": es, "beacon": beacon}
        drawn.append(v2.draw_round(**kw, earlier=list(drawn), capacities=spare))
    opened = {
        "group_id": group,
        "sessions": [{"activity_id": s, "capacity": c} for s, c in caps.items()],
        "max_choices": 5,
        "opens_at": opens,
        "freezes": freezes,
        "chain": bc.QUICKNET.public(),
        "beacon_rounds": [123, 1000][:rounds],
        "commitment": v2.commitment(seed_hex),
        "receipt_key": key.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw).hex(),
    }
    draw.doc = public_v2.document(opened, seed_hex, es, drawn)
    return draw


def verify(tmp_path, doc, *options, receipt=None, proof=None) -> subprocess.CompletedProcess:
    files = {"draw.json": doc, "receipt.json": receipt, "proof.json": proof}
    for name, content in files.items():
        if content is not None:
            (tmp_path / name).write_text(json.dumps(content))
    args = [str(tmp_path / "draw.json"), *options]
    args += ["--receipt", str(tmp_path / "receipt.json")] if receipt is not None else []
    args += ["--proof", str(tmp_path / "proof.json")] if proof is not None else []
    return subprocess.run([sys.executable, SCRIPT, *args], capture_output=True, text=True, timeout=120)


@pytest.fixture(scope="module")
def draw() -> Draw:
    return make_draw()


@pytest.fixture(scope="module")
def demo(draw) -> dict:
    doc = copy.deepcopy(draw.doc)
    for drawn in doc["rounds"]:
        drawn["beacon"]["source"] = "recorded"
    return doc


def test_the_projects_draw_passes(tmp_path, draw):
    run = verify(tmp_path, draw.doc)
    assert run.returncode == 0, run.stdout + run.stderr
    assert "DIFF" not in run.stdout and run.stdout.splitlines()[-1].startswith("OK: 120 entries, 2 round(s)")


def test_a_recorded_demonstration_passes_only_with_demo(tmp_path, demo):
    without = verify(tmp_path, demo)
    assert without.returncode == 1
    assert "the beacon is a recorded round replayed by a demonstration" in without.stdout
    shown = verify(tmp_path, demo, "--demo")
    assert shown.returncode == 0, shown.stdout + shown.stderr
    assert "A DEMONSTRATION" in shown.stdout.splitlines()[-1]


def _changed_entry(doc):
    doc["entries"][3]["party_size"] += 1


def _missing_entry(doc):
    del doc["entries"][7]


def _randomness(doc):
    doc["rounds"][0]["beacon"]["randomness"] = "ab" * 32


def _another_rounds_value(doc):
    doc["rounds"][0]["beacon"].update(signature=ROUND_1000, randomness=sha(bytes.fromhex(ROUND_1000)).hex())


def _seed(doc):
    doc["seed"] = "22" * 32


def _round_seed(doc):
    doc["rounds"][1]["seed"] = "33" * 32


def _wins(doc):
    wins = doc["rounds"][0]["wins"]
    wins.pop(next(iter(wins)))


def _waitlist(doc):
    doc["waitlist"] = doc["waitlist"][1:] + doc["waitlist"][:1]


def _before_the_freeze(doc):
    doc["freezes"][0] = published_at(123) + 10


def _an_added_entry(doc):
    doc["entries"].append(dict(doc["entries"][0], entry_id="e" + "f" * 16))


TAMPERING = {
    "a changed entry": (_changed_entry, "DIFF  merkle_root of the 120 entries"),
    "a missing entry": (_missing_entry, "DIFF  merkle_root of the 119 entries"),
    "an added entry": (_an_added_entry, "DIFF  merkle_root of the 121 entries"),
    "a changed beacon randomness": (_randomness, "DIFF  round 1: beacon randomness == H(signature)"),
    "another round's beacon value": (_another_rounds_value, "DIFF  round 1: drand round 123's BLS signature"),
    "a changed seed": (_seed, "DIFF  commitment == H(seed)"),
    "a changed round seed": (_round_seed, "DIFF  round 2: round seed"),
    "changed wins": (_wins, "DIFF  round 1: wins"),
    "a changed waitlist": (_waitlist, "DIFF  waitlist"),
    "a beacon round that existed before the freeze": (
        _before_the_freeze,
        "DIFF  round 1: drand round 123 was",
    ),
}


@pytest.mark.parametrize("change", TAMPERING, ids=list(TAMPERING))
def test_each_change_is_caught(tmp_path, draw, change):
    tamper, expected = TAMPERING[change]
    doc = copy.deepcopy(draw.doc)
    tamper(doc)
    run = verify(tmp_path, doc)
    assert run.returncode == 1, run.stdout
    assert expected in run.stdout and run.stdout.splitlines()[-1].startswith("FAILED")


def test_a_receipt_and_its_inclusion_proof_check(tmp_path, draw):
    eid = draw.doc["entries"][17]["entry_id"]
    run = verify(tmp_path, draw.doc, receipt=draw.receipts[eid], proof=draw.proof(eid))
    assert run.returncode == 0, run.stdout + run.stderr
    assert f"ok    receipt: entry {eid} is published, field for field" in run.stdout
    assert f"ok    inclusion: the audit path leads from entry {eid}'s leaf to merkle_root" in run.stdout


def test_a_receipt_with_a_bad_signature_proves_nothing(tmp_path, draw):
    eid = draw.doc["entries"][0]["entry_id"]
    receipt = dict(draw.receipts[eid], party_size=draw.receipts[eid]["party_size"] + 1)
    run = verify(tmp_path, draw.doc, receipt=receipt)
    assert run.returncode == 1
    assert "DIFF  receipt: Ed25519 signature under receipt_key" in run.stdout
    assert "OMISSION PROVEN" not in run.stdout


def test_a_receipted_entry_left_out_of_the_draw_proves_the_omission(tmp_path):
    draw = make_draw(seed=5, n=40, omit=1)
    left_out = next(eid for eid in draw.receipts if eid not in {e["entry_id"] for e in draw.doc["entries"]})
    alone = verify(tmp_path, draw.doc)
    assert alone.returncode == 0, alone.stdout  # the draw is consistent with itself
    run = verify(tmp_path, draw.doc, receipt=draw.receipts[left_out])
    assert run.returncode == 1
    assert f"DIFF  OMISSION PROVEN: the signed receipt's entry {left_out} is absent" in run.stdout


def test_a_bad_inclusion_proof_fails(tmp_path, draw):
    eid = draw.doc["entries"][33]["entry_id"]
    proof = {k: v for k, v in draw.proof(eid).items() if k != "signature"}
    proof["path"] = [proof["path"][0][::-1], *proof["path"][1:]]
    run = verify(tmp_path, draw.doc, proof=draw.sign(proof))
    assert run.returncode == 1
    assert "ok    inclusion: Ed25519 signature under receipt_key" in run.stdout
    assert f"DIFF  inclusion: the audit path leads from entry {eid}'s leaf" in run.stdout


def test_the_receipt_tag_is_the_hash_of_the_nonce_bytes():
    nonce = random.Random(3).randbytes(32).hex()
    assert v2.tag(nonce) == sha(bytes.fromhex(nonce)).hex()


RANDOM_DRAWS = [(11, 1, 1, 1), (12, 300, 10, 2), (13, 57, 4, 2), (14, 200, 7, 1)]


@pytest.mark.parametrize(("seed", "n", "sessions", "rounds"), RANDOM_DRAWS)
def test_the_verifier_agrees_with_the_project_on_random_draws(tmp_path, seed, n, sessions, rounds):
    draw = make_draw(seed=seed, n=n, sessions=sessions, rounds=rounds)
    eid = draw.doc["entries"][-1]["entry_id"]
    run = verify(tmp_path, draw.doc, receipt=draw.receipts[eid], proof=draw.proof(eid))
    assert run.returncode == 0, run.stdout + run.stderr
    assert f"OK: {n} entries, {rounds} round(s)" in run.stdout


def test_a_receipt_whose_entry_was_published_changed_proves_the_omission(tmp_path, draw):
    doc = copy.deepcopy(draw.doc)
    changed = doc["entries"][9]
    changed["choices"] = changed["choices"][::-1] if len(changed["choices"]) > 1 else ["a0", "a1"]
    run = verify(tmp_path, doc, receipt=draw.receipts[changed["entry_id"]])
    assert run.returncode == 1
    proven = (
        f"DIFF  OMISSION PROVEN: the signed receipt's entry {changed['entry_id']} is published with other"
    )
    assert f"{proven} choices" in run.stdout


def _script():
    spec = importlib.util.spec_from_file_location("verify_draw", SCRIPT)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


# RFC 8032 §7.1, TEST 1 and TEST 2: public key, message, signature.
RFC8032 = [
    (
        "d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a",
        "",
        "e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e065224901555fb8821590a33bacc61e39701cf9b46bd25bf5f0595bbe24655141438e7a100b",
    ),
    (
        "3d4017c3e843895a92b70aa74d1b7ebc9c982ccf2ec4968cc0cd55f12af4660c",
        "72",
        "92a009a9f0d4cab8720e820b5f642540a2b27b5416503f8fb3762223ebdb69da085ac1e43e15996e458f3613d0f11d8c387b2eaeb4302aeeb00d291612bb0c00",
    ),
]


def test_the_scripts_ed25519_follows_rfc8032():
    verify_ed25519 = _script().ed25519_verify
    for public, message, signature in RFC8032:
        key, msg, sig = bytes.fromhex(public), bytes.fromhex(message), bytes.fromhex(signature)
        assert verify_ed25519(key, msg, sig)
        assert not verify_ed25519(key, msg + b"!", sig)
        assert not verify_ed25519(key, msg, sig[:-1] + bytes([sig[-1] ^ 1]))
        s_plus_l = int.from_bytes(sig[32:], "little") + 2**252 + 27742317777372353535851937790883648493
        assert not verify_ed25519(key, msg, sig[:32] + s_plus_l.to_bytes(32, "little"))  # S < L only
    rng = random.Random(8)
    for _ in range(5):
        signer, message = Ed25519PrivateKey.from_private_bytes(rng.randbytes(32)), rng.randbytes(40)
        public = signer.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)
        assert verify_ed25519(public, message, signer.sign(message))
