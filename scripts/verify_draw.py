#!/usr/bin/env python3
"""Recompute a sciday lottery draw from its public page and compare.

    python scripts/verify_draw.py https://<registration>/api/v1/activities/<id>/lottery
    python scripts/verify_draw.py draw.json [--receipt receipt.json] [--proof proof.json] [--demo]

Written from docs/lottery.md alone, on purpose: anyone can read it and run it without installing
sciday. The standard library only, plus `drand-verify` (PyPI) for a v2 draw's beacon signatures.

sciday-lottery-v1: commitment = SHA-256(seed bytes); rank(e) = HMAC-SHA256(seed bytes, e);
order = sort by (rank, e); seats go to whole parties in order, a party that no longer fits is
skipped; the rest wait in order.

sciday-lottery-v2 ("How to verify a draw"): the commitment, the entries and their Merkle root
(RFC 9162), each round's drand quicknet beacon (BLS signature, randomness, published after the
freeze), each round's seed, order and wins, the waitlist; a receipt (Ed25519, RFC 8032, its entry
published field for field: otherwise the omission is proven) and an inclusion proof. A beacon round
with `source: recorded` is an old round replayed by a demonstration: it fails unless --demo is given.

Exit status 0 when everything matches, 1 when anything differs (each difference is printed),
2 on a wrong command line.
"""

from __future__ import annotations

import argparse
import hashlib
import hmac
import json
import math
import re
import sys
import urllib.request
from typing import Any

V1, V2 = "sciday-lottery-v1", "sciday-lottery-v2"


def load(source: str) -> dict:
    if source.startswith(("http://", "https://")):
        with urllib.request.urlopen(source, timeout=30) as resp:
            return json.load(resp)
    with open(source, encoding="utf-8") as f:
        return json.load(f)


# -- sciday-lottery-v1 (unchanged) -------------------------------------------------------------


def recompute(page: dict) -> dict:
    key = bytes.fromhex(page["seed"])
    sizes = {e["entry_id"]: int(e["party_size"]) for e in page["entries"]}
    order = [e for _r, e in sorted((hmac.new(key, e.encode(), hashlib.sha256).digest(), e) for e in sizes)]
    winners, waitlist, free = [], [], int(page["capacity"])
    for e in order:
        if sizes[e] <= free:
            winners.append(e)
            free -= sizes[e]
        else:
            waitlist.append(e)
    return {
        "commitment": hashlib.sha256(key).hexdigest(),
        "order": order,
        "winners": winners,
        "waitlist": waitlist,
    }


def verify_v1(page: dict) -> int:
    mine = recompute(page)
    wrong = [k for k in ("commitment", "order", "winners", "waitlist") if mine[k] != page.get(k)]
    for k in wrong:
        print(f"MISMATCH {k}: the page says {str(page.get(k))[:80]}..., recomputed {str(mine[k])[:80]}...")
    if not wrong:
        n, w = len(mine["order"]), len(mine["winners"])
        print(f"OK: commitment matches the seed; {n} entries, {w} parties seated, {n - w} waitlisted.")
    return 1 if wrong else 0


# -- sciday-lottery-v2: encoding ----------------------------------------------------------------

# The League of Entropy's quicknet, as drand publishes it (https://api.drand.sh/<hash>/info).
QUICKNET = {
    "hash": "52db9ba70e0cc0f6eaf7803dd07447a1f5477735fd3f661792ba94600c84e971",
    "public_key": "83cf0f2896adee7eb8b5f01fcad3912212c437e0073e911fb90022d3e760183c8c4b450b6a0a6c3ac6a"
    "5776a2d1064510d1fec758c921cc22b0e17e63aaf4bcb5ed66304de9cf809bd274ca73bab4af5a6e9c76a4bc09e76eae8991"
    "ef5ece45a",
    "genesis_time": 1692803367,
    "period": 3,
    "scheme": "bls-unchained-g1-rfc9380",
}
ENTRY_FIELDS = ("entry_id", "party_size", "choices", "weight", "hour", "tag")
RECEIPT_FIELDS = {"algorithm", "kind", "group_id", "nonce", "entered_at", "signature", *ENTRY_FIELDS}
PROOF_FIELDS = {"algorithm", "kind", "group_id", "entry_id", "leaf_index", "tree_size", "path"}
PROOF_FIELDS |= {"merkle_root", "signature"}
SOURCES = ("http", "typed", "recorded")
ENTRY_ID = re.compile(r"e[0-9a-f]{16}")
GROUP_ID = re.compile(r"[A-Za-z0-9_-]{1,64}")


def H(data: bytes) -> bytes:
    return hashlib.sha256(data).digest()


def canonical(obj: Any) -> bytes:
    return json.dumps(obj, sort_keys=True, separators=(",", ":"), ensure_ascii=True).encode("ascii")


def is_hex(value: Any, nbytes: int) -> bool:
    return isinstance(value, str) and re.fullmatch(f"[0-9a-f]{{{2 * nbytes}}}", value) is not None


def is_int(value: Any, least: int = 0) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and value >= least


def is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value)


# -- Ed25519 verification, RFC 8032 §5.1.7 (after the reference code of §6) ----------------------

_P = 2**255 - 19
_L = 2**252 + 27742317777372353535851937790883648493
_D = -121665 * pow(121666, _P - 2, _P) % _P
_SQRT_M1 = pow(2, (_P - 1) // 4, _P)
Point = tuple[int, int, int, int]  # extended homogeneous coordinates (X, Y, Z, T), x = X/Z, y = Y/Z


def _add(a: Point, b: Point) -> Point:
    x1, y1, z1, t1 = a
    x2, y2, z2, t2 = b
    aa, bb = (y1 - x1) * (y2 - x2) % _P, (y1 + x1) * (y2 + x2) % _P
    cc, dd = 2 * t1 * t2 * _D % _P, 2 * z1 * z2 % _P
    e, f, g, h = bb - aa, dd - cc, dd + cc, bb + aa
    return (e * f % _P, g * h % _P, f * g % _P, e * h % _P)


def _times(s: int, p: Point) -> Point:
    q: Point = (0, 1, 1, 0)
    while s:
        if s & 1:
            q = _add(q, p)
        p, s = _add(p, p), s >> 1
    return q


def _same(a: Point, b: Point) -> bool:
    return (a[0] * b[2] - b[0] * a[2]) % _P == 0 and (a[1] * b[2] - b[1] * a[2]) % _P == 0


def _x_of(y: int, sign: int) -> int | None:
    if y >= _P:
        return None
    x2 = (y * y - 1) * pow(_D * y * y + 1, _P - 2, _P) % _P
    if x2 == 0:
        return None if sign else 0
    x = pow(x2, (_P + 3) // 8, _P)
    if (x * x - x2) % _P:
        x = x * _SQRT_M1 % _P
    if (x * x - x2) % _P:
        return None
    return _P - x if (x & 1) != sign else x


def _decode(s: bytes) -> Point | None:
    n = int.from_bytes(s, "little")
    y, x = n & ((1 << 255) - 1), _x_of(n & ((1 << 255) - 1), n >> 255)
    return None if x is None else (x, y, 1, x * y % _P)


_BASE = _decode((4 * pow(5, _P - 2, _P) % _P).to_bytes(32, "little"))


def ed25519_verify(public_key: bytes, message: bytes, signature: bytes) -> bool:
    """[8][S]B == [8]R + [8][k]A, k = SHA-512(R || A || M) mod L."""
    if len(public_key) != 32 or len(signature) != 64 or _BASE is None:
        return False
    a, r, s = _decode(public_key), _decode(signature[:32]), int.from_bytes(signature[32:], "little")
    if a is None or r is None or s >= _L:
        return False
    k = int.from_bytes(hashlib.sha512(signature[:32] + public_key + message).digest(), "little") % _L
    return _same(_times(8 * s, _BASE), _times(8, _add(r, _times(k, a))))


def signed_by(doc: dict, key_hex: Any) -> bool:
    """A receipt's or a proof's `signature` over canonical(the object without it)."""
    sig = doc.get("signature")
    if not (is_hex(sig, 64) and is_hex(key_hex, 32)):
        return False
    body = {k: v for k, v in doc.items() if k != "signature"}
    return ed25519_verify(bytes.fromhex(key_hex), canonical(body), bytes.fromhex(sig))


# -- The Merkle tree, RFC 9162 §2.1 --------------------------------------------------------------


def leaf_hash(entry: dict) -> bytes:
    return H(b"\x00" + canonical({k: entry[k] for k in ENTRY_FIELDS}))


def tree_root(leaves: list[bytes]) -> bytes:
    if not leaves:
        return H(b"")
    if len(leaves) == 1:
        return leaves[0]
    k = 1 << ((len(leaves) - 1).bit_length() - 1)  # the largest power of two smaller than n
    return H(b"\x01" + tree_root(leaves[:k]) + tree_root(leaves[k:]))


def path_root(leaf_index: int, tree_size: int, leaf: bytes, path: list[bytes]) -> bytes | None:
    """RFC 9162 §2.1.3.2: the root the audit path leads to, or None when the path is malformed."""
    if not 0 <= leaf_index < tree_size:
        return None
    fn, sn, r = leaf_index, tree_size - 1, leaf
    for p in path:
        if sn == 0:
            return None
        if fn % 2 == 1 or fn == sn:
            r = H(b"\x01" + p + r)
            while fn % 2 == 0 and fn != 0:
                fn, sn = fn >> 1, sn >> 1
        else:
            r = H(b"\x01" + r + p)
        fn, sn = fn >> 1, sn >> 1
    return r if sn == 0 else None


# -- Reporting ------------------------------------------------------------------------------------


class Report:
    def __init__(self, demo: bool) -> None:
        self.demo, self.differences, self.demonstration = demo, 0, False

    def ok(self, what: str) -> None:
        print(f"ok    {what}")

    def differ(self, what: str) -> None:
        self.differences += 1
        print(f"DIFF  {what}")

    def check(self, good: bool, what: str, why: str = "") -> bool:
        if good:
            self.ok(what)
        else:
            self.differ(f"{what}: {why}" if why else what)
        return good

    def same(self, what: str, published: Any, mine: Any) -> bool:
        if published == mine:
            self.ok(what)
            return True
        self.differ(f"{what}: published {_short(published)}, recomputed {_short(mine)}")
        return False


def _short(value: Any) -> str:
    text = json.dumps(value, sort_keys=True)
    return text if len(text) <= 100 else text[:97] + "..."


def _first_difference(published: list, mine: list) -> str:
    for i, (a, b) in enumerate(zip(published, mine)):
        if a != b:
            return f"first at position {i}: published {a!r}, recomputed {b!r}"
    return f"published {len(published)} items, recomputed {len(mine)}"


def _when(t: float) -> str:
    from datetime import UTC, datetime

    return datetime.fromtimestamp(t, UTC).strftime("%Y-%m-%d %H:%M:%S UTC")


# -- sciday-lottery-v2: what was fixed at opening, the seed, the entries ---------------------------


def _sessions_ok(sessions: Any) -> bool:
    if not (isinstance(sessions, list) and sessions and all(isinstance(s, dict) for s in sessions)):
        return False
    ids = [s.get("activity_id") for s in sessions]
    good = all(isinstance(i, str) and i for i in ids) and all(is_int(s.get("capacity")) for s in sessions)
    return good and len(set(ids)) == len(ids)


def _opening_shapes(doc: dict) -> dict[str, bool]:
    freezes, rounds = doc.get("freezes"), doc.get("beacon_rounds")
    return {
        "group_id": isinstance(doc.get("group_id"), str) and GROUP_ID.fullmatch(doc["group_id"]) is not None,
        "weights": doc.get("weights") is None
        or (
            isinstance(doc["weights"], dict)
            and is_int(doc["weights"].get("extra"))
            and is_int(doc["weights"].get("cap"))
        ),
        "sessions": _sessions_ok(doc.get("sessions")),
        "max_choices": is_int(doc.get("max_choices"), 1),
        "opens_at": is_number(doc.get("opens_at")),
        "freezes": isinstance(freezes, list) and len(freezes) > 0 and all(is_number(t) for t in freezes),
        "beacon_rounds": isinstance(rounds, list)
        and isinstance(freezes, list)
        and len(rounds) == len(freezes)
        and all(is_int(n, 1) for n in rounds),
        "chain": isinstance(doc.get("chain"), dict),
        "commitment": is_hex(doc.get("commitment"), 32),
        "receipt_key": is_hex(doc.get("receipt_key"), 32),
    }


def check_opening(doc: dict, rep: Report) -> bool:
    bad = [k for k, good in _opening_shapes(doc).items() if not good]
    for k in bad:
        rep.differ(f"{k} is missing or malformed: {_short(doc.get(k))}")
    if not bad:
        rep.ok("the fields fixed at opening are present and well formed")
        wrong = [k for k in QUICKNET if doc["chain"].get(k) != QUICKNET[k]]
        rep.check(not wrong, "chain is the pinned quicknet chain", f"it differs in {wrong}")
    return not bad


def check_seed(doc: dict, rep: Report) -> bytes | None:
    seed = doc.get("seed")
    if seed is None:
        rep.check(not doc.get("rounds"), "seed is null: round 1 is not drawn yet", "yet rounds are published")
        return None
    if not rep.check(is_hex(seed, 32), "seed is 32 bytes of hex", f"it is {_short(seed)}"):
        return None
    rep.same("commitment == H(seed)", doc["commitment"], H(bytes.fromhex(seed)).hex())
    return bytes.fromhex(seed)


def _usable(e: Any) -> bool:
    """An entry the rounds can be recomputed with (its validity is checked apart)."""
    if not (isinstance(e, dict) and set(e) == set(ENTRY_FIELDS) and isinstance(e["entry_id"], str)):
        return False
    choices = e["choices"]
    good = isinstance(choices, list) and all(isinstance(c, str) for c in choices)
    return good and is_int(e["party_size"]) and is_int(e["weight"], 1)


def entry_problems(e: Any, doc: dict) -> list[str]:
    if not _usable(e):
        return [f"not exactly {', '.join(ENTRY_FIELDS)} with their types"]
    sessions, choices = {s["activity_id"] for s in doc["sessions"]}, e["choices"]
    rules = {
        "entry_id is not e + 16 hex digits": ENTRY_ID.fullmatch(e["entry_id"]) is not None,
        "party_size is not an integer of at least 1": is_int(e["party_size"], 1),
        "choices are not 1 to max_choices distinct sessions of the group": 1
        <= len(choices)
        <= doc["max_choices"]
        and len(set(choices)) == len(choices)
        and set(choices) <= sessions,
        "hour is not an hour of the entry window [opens_at, freezes[0])": is_int(e["hour"])
        and doc["opens_at"] + 3600 * e["hour"] < doc["freezes"][0],
        "tag is not 32 bytes of hex": is_hex(e["tag"], 32),
        "weight is above 1 + extra * cap": not doc.get("weights")
        or e["weight"] <= 1 + doc["weights"]["extra"] * doc["weights"]["cap"],
    }
    return [why for why, good in rules.items() if not good]


def check_entries(doc: dict, rep: Report) -> list[dict] | None:
    """The entries, when the rounds can be recomputed from them."""
    entries = doc.get("entries")
    if entries is None and doc.get("merkle_root") is None and doc.get("seed") is None:
        rep.ok("entries and merkle_root are null: the entries are not frozen yet")
        return None
    if not rep.check(isinstance(entries, list), "entries is a list", f"it is {_short(entries)}"):
        return None
    invalid = [(i, e, entry_problems(e, doc)) for i, e in enumerate(entries)]
    invalid = [x for x in invalid if x[2]]
    for i, e, problems in invalid[:20]:
        name = e.get("entry_id") if isinstance(e, dict) else None
        rep.differ(f"entry {i} ({name!r}) is not valid: {'; '.join(problems)}")
    if len(invalid) > 20:
        rep.differ(f"... and {len(invalid) - 20} more entries are not valid")
    if not invalid:
        rep.ok(f"each of the {len(entries)} entries is valid (the six fields, as in the table of 2)")
    if not all(_usable(e) for e in entries):
        rep.differ("the rounds cannot be recomputed from these entries")
        return None
    ids = [e["entry_id"] for e in entries]
    rep.check(ids == sorted(set(ids)), "entries are sorted by entry_id and unique", "they are not")
    root = tree_root([leaf_hash(e) for e in entries]).hex()
    rep.same(f"merkle_root of the {len(entries)} entries (RFC 9162)", doc.get("merkle_root"), root)
    return entries


# -- sciday-lottery-v2: the beacon, the rounds, the waitlist -------------------------------------


def bls_verifies(round_number: int, signature_hex: str) -> bool | None:
    """drand-verify on shapes checked first (it panics on anything but hex); None when it is missing."""
    try:
        import drand_verify
    except ImportError:
        return None
    try:
        drand_verify.verify_bls_unchained_g1_rfc9380(round_number, signature_hex, QUICKNET["public_key"])
    except ValueError:
        return False
    return True


def check_timing(doc: dict, i: int, beacon: dict, rep: Report) -> None:
    n, r, freeze = beacon["round"], i + 1, doc["freezes"][i]
    published_at = QUICKNET["genesis_time"] + (n - 1) * QUICKNET["period"]
    first = math.floor((freeze - QUICKNET["genesis_time"]) / QUICKNET["period"]) + 2
    if beacon.get("source") == "recorded":
        if rep.demo:
            rep.demonstration = True
            print(f"DEMO  round {r}: drand round {n} (published {_when(published_at)}) is a recorded round,")
            print(
                f"      old, replayed by a demonstration; accepted because of --demo (freeze {_when(freeze)})"
            )
        else:
            rep.differ(
                f"round {r}: the beacon is a recorded round replayed by a demonstration (source recorded):"
                f" drand round {n} was published {_when(published_at)}, the freeze is {_when(freeze)};"
                " pass --demo to accept a demonstration"
            )
        return
    rep.check(beacon.get("source") in SOURCES, f"round {r}: beacon source is one of {SOURCES}")
    rep.check(
        published_at > freeze,
        f"round {r}: drand round {n} was published {_when(published_at)}, after the freeze {_when(freeze)}",
    )
    rep.same(
        f"round {r}: beacon_rounds[{i}] is the first round after the freeze", doc["beacon_rounds"][i], first
    )


def check_beacon(doc: dict, i: int, beacon: Any, rep: Report) -> bytes | None:
    """Round i+1's randomness, H(signature); None when the beacon is too malformed to use."""
    r = i + 1
    if not rep.check(isinstance(beacon, dict), f"round {r}: beacon is an object"):
        return None
    rep.same(f"round {r}: beacon chain_hash is quicknet's", beacon.get("chain_hash"), QUICKNET["hash"])
    rep.same(f"round {r}: beacon round is beacon_rounds[{i}]", beacon.get("round"), doc["beacon_rounds"][i])
    n, sig = beacon.get("round"), beacon.get("signature")
    if not rep.check(
        is_int(n, 1) and is_hex(sig, 48), f"round {r}: beacon round and signature are well formed"
    ):
        return None
    verified = bls_verifies(n, sig)
    if verified is None:
        rep.differ("drand-verify is not installed (pip install drand-verify): the beacon cannot be checked")
    else:
        rep.check(verified, f"round {r}: drand round {n}'s BLS signature verifies under quicknet's key")
    randomness = H(bytes.fromhex(sig))
    rep.same(f"round {r}: beacon randomness == H(signature)", beacon.get("randomness"), randomness.hex())
    check_timing(doc, i, beacon, rep)
    return randomness


def round_seed(group_id: str, r: int, seed: bytes, root: bytes, randomness: bytes) -> bytes:
    head = b"sciday-lottery-v2\x00" + group_id.encode("utf-8") + b"\x00" + str(r).encode("ascii") + b"\x00"
    return H(head + seed + root + randomness)


def drawn_order(key: bytes, participants: list[dict], weighted: bool) -> list[str]:
    def rank(e: dict) -> bytes:
        tickets = e["weight"] if weighted else 1
        return min(hmac.digest(key, f"{i}:{e['entry_id']}".encode(), "sha256") for i in range(tickets))

    return [eid for _rank, eid in sorted((rank(e), e["entry_id"]) for e in participants)]


def allocate(order: list[str], by_id: dict[str, dict], capacities: dict[str, int]) -> dict[str, str]:
    free, wins = dict(capacities), {}
    for eid in order:
        e = by_id[eid]
        for session in e["choices"]:
            if free.get(session, 0) >= e["party_size"]:
                free[session] -= e["party_size"]
                wins[eid] = session
                break
    return wins


def check_capacities(doc: dict, r: int, caps: Any, rep: Report) -> dict[str, int] | None:
    full = {s["activity_id"]: s["capacity"] for s in doc["sessions"]}
    if not rep.check(
        isinstance(caps, dict) and all(is_int(v) for v in caps.values()),
        f"round {r}: capacities map sessions to seats",
        f"they are {_short(caps)}",
    ):
        return None
    if r == 1:
        rep.same("round 1: capacities are the sessions' capacities", caps, full)
        return full
    strange = sorted(s for s in caps if s not in full or caps[s] > full[s])
    rep.check(
        not strange,
        f"round {r}: capacities name sessions of the group, none above its capacity",
        f"{strange}",
    )
    return {s: n for s, n in caps.items() if s in full}


def same_list(rep: Report, what: str, published: Any, mine: list) -> None:
    if published == mine:
        rep.ok(what)
    elif isinstance(published, list):
        rep.differ(f"{what}: {_first_difference(published, mine)}")
    else:
        rep.differ(f"{what}: published {_short(published)}")


def same_wins(rep: Report, what: str, published: Any, mine: dict[str, str]) -> None:
    if published == mine:
        rep.ok(what)
        return
    if not isinstance(published, dict):
        rep.differ(f"{what}: published {_short(published)}")
        return
    keys = sorted(k for k in set(published) | set(mine) if published.get(k) != mine.get(k))
    shown = ", ".join(f"{k}: published {published.get(k)!r}, recomputed {mine.get(k)!r}" for k in keys[:5])
    rep.differ(f"{what}: {len(keys)} parties differ ({shown}{', ...' if len(keys) > 5 else ''})")


def check_round(doc: dict, i: int, drawn: Any, seed: bytes, entries: list[dict], won: set[str], rep: Report):
    """Recompute round i+1 (its wins are added to `won`); its order, or None when it cannot be."""
    r = i + 1
    if not rep.check(isinstance(drawn, dict), f"round {r} is an object"):
        return None
    rep.same(f"round {r}: its number", drawn.get("round"), r)
    randomness = check_beacon(doc, i, drawn.get("beacon"), rep)
    caps = check_capacities(doc, r, drawn.get("capacities"), rep)
    if randomness is None or caps is None:
        return None
    key = round_seed(doc["group_id"], r, seed, bytes.fromhex(doc["merkle_root"]), randomness)
    rep.same(f"round {r}: round seed", drawn.get("seed"), key.hex())
    participants = [e for e in entries if e["entry_id"] not in won]
    order = drawn_order(key, participants, weighted=r > 1)
    same_list(rep, f"round {r}: order of its {len(order)} participants", drawn.get("order"), order)
    wins = allocate(order, {e["entry_id"]: e for e in entries}, caps)
    same_wins(rep, f"round {r}: wins ({len(wins)} parties)", drawn.get("wins"), wins)
    won.update(wins)
    return order


def check_rounds(doc: dict, seed: bytes, entries: list[dict], rep: Report) -> None:
    rounds = doc.get("rounds")
    if not rep.check(isinstance(rounds, list) and len(rounds) > 0, "rounds: at least round 1 is published"):
        return
    if not rep.check(is_hex(doc.get("merkle_root"), 32), "merkle_root is 32 bytes of hex"):
        return
    rep.check(len(rounds) <= len(doc["beacon_rounds"]), "no more rounds than beacon_rounds")
    won: set[str] = set()
    order = None
    for i, drawn in enumerate(rounds[: len(doc["beacon_rounds"])]):
        order = check_round(doc, i, drawn, seed, entries, won, rep)
        if order is None:
            rep.differ(f"round {i + 1} cannot be recomputed, nor anything after it")
            return
    if order is not None:
        waitlist = [eid for eid in order if eid not in won]
        same_list(rep, f"waitlist ({len(waitlist)} parties)", doc.get("waitlist"), waitlist)


# -- sciday-lottery-v2: a receipt and an inclusion proof ------------------------------------------


def _signed_object(doc: dict, obj: Any, kind: str, fields: set[str], rep: Report) -> bool:
    """The fields, algorithm, kind, group_id and signature of a receipt or a proof; True if signed."""
    if not rep.check(isinstance(obj, dict), f"{kind} is a JSON object"):
        return False
    rep.check(
        set(obj) == fields,
        f"{kind} has exactly its fields",
        f"missing {sorted(fields - set(obj))}, extra {sorted(set(obj) - fields)}",
    )
    rep.check(obj.get("algorithm") == V2 and obj.get("kind") == kind, f"{kind}: algorithm {V2}, kind {kind}")
    rep.same(f"{kind}: group_id is the draw's", obj.get("group_id"), doc.get("group_id"))
    return rep.check(
        signed_by(obj, doc.get("receipt_key")),
        f"{kind}: Ed25519 signature under receipt_key",
        "it does not verify, so this file proves nothing",
    )


def _entered_in_window(doc: dict, receipt: dict, rep: Report) -> None:
    at, opens, close = receipt.get("entered_at"), doc["opens_at"], doc["freezes"][0]
    good = is_number(at) and opens <= at < close and receipt.get("hour") == math.floor((at - opens) / 3600)
    rep.check(good, "receipt: entered_at is in [opens_at, freezes[0]) and hour is its hour of the window")


def check_receipt(doc: dict, receipt: Any, entries: list[dict] | None, rep: Report) -> None:
    signed = _signed_object(doc, receipt, "receipt", RECEIPT_FIELDS, rep)
    if not isinstance(receipt, dict):
        return
    nonce, eid = receipt.get("nonce"), receipt.get("entry_id")
    good = is_hex(nonce, 32) and receipt.get("tag") == H(bytes.fromhex(nonce)).hex()
    rep.check(good, "receipt: tag == H(nonce bytes)")
    _entered_in_window(doc, receipt, rep)
    if entries is None:
        rep.ok("receipt: the entries are not published yet, so its entry cannot be looked for")
        return
    mine = {k: receipt.get(k) for k in ENTRY_FIELDS}
    published = next((e for e in entries if e.get("entry_id") == eid), None)
    if published == mine:
        rep.ok(f"receipt: entry {eid} is published, field for field")
        return
    if published is None:
        what = "absent from the published entries"
    else:
        what = f"published with other {', '.join(k for k in ENTRY_FIELDS if published.get(k) != mine[k])}"
    if signed:
        rep.differ(f"OMISSION PROVEN: the signed receipt's entry {eid} is {what}")
    else:
        rep.differ(f"receipt: entry {eid} is {what} (the receipt is not signed: no proof of omission)")


def _proof_leaf(proof: dict, entries: list[dict] | None, receipt: Any) -> bytes | None:
    """The leaf the proof is for: the receipt's entry if it is the same one, else the published one."""
    eid = proof.get("entry_id")
    if isinstance(receipt, dict) and receipt.get("entry_id") == eid and set(ENTRY_FIELDS) <= set(receipt):
        return leaf_hash(receipt)
    entry = next((e for e in entries or [] if e.get("entry_id") == eid), None)
    return None if entry is None else leaf_hash(entry)


def check_proof(doc: dict, proof: Any, entries: list[dict] | None, receipt: Any, rep: Report) -> None:
    _signed_object(doc, proof, "inclusion", PROOF_FIELDS, rep)
    if not isinstance(proof, dict):
        return
    rep.same("inclusion: merkle_root is the published one", proof.get("merkle_root"), doc.get("merkle_root"))
    if entries is not None:
        ids = [e.get("entry_id") for e in entries]
        where = ids.index(proof.get("entry_id")) if proof.get("entry_id") in ids else None
        rep.same("inclusion: tree_size is the number of entries", proof.get("tree_size"), len(entries))
        rep.same(
            "inclusion: leaf_index is the entry's place among the entries", proof.get("leaf_index"), where
        )
    leaf, path = _proof_leaf(proof, entries, receipt), proof.get("path")
    index, size, root = proof.get("leaf_index"), proof.get("tree_size"), proof.get("merkle_root")
    shaped = isinstance(path, list) and all(is_hex(p, 32) for p in path) and is_int(index) and is_int(size)
    if not rep.check(leaf is not None and shaped, "inclusion: its entry is known and its path well formed"):
        return
    assert leaf is not None and isinstance(path, list)
    reached = path_root(index, size, leaf, [bytes.fromhex(p) for p in path])
    good = reached is not None and reached.hex() == root
    rep.check(
        good, f"inclusion: the audit path leads from entry {proof.get('entry_id')}'s leaf to merkle_root"
    )


# -- the command ----------------------------------------------------------------------------------


def verify_v2(doc: dict, receipt: Any, proof: Any, demo: bool) -> int:
    rep = Report(demo)
    print(f"{V2}: group {doc.get('group_id')!r}")
    entries = None
    try:
        if check_opening(doc, rep):
            seed = check_seed(doc, rep)
            entries = check_entries(doc, rep)
            if seed is not None and entries is not None:
                check_rounds(doc, seed, entries, rep)
            if receipt is not None:
                check_receipt(doc, receipt, entries, rep)
            if proof is not None:
                check_proof(doc, proof, entries, receipt, rep)
    except (KeyError, TypeError, ValueError, AttributeError, IndexError) as exc:
        rep.differ(f"the draw is malformed where it was read ({type(exc).__name__}: {exc})")
    if rep.differences:
        print(f"FAILED: {rep.differences} difference(s).")
        return 1
    rounds, n = doc.get("rounds") or [], len(entries or [])
    if doc.get("seed") is None:
        frozen = f"{n} entries frozen under merkle_root" if entries is not None else "entries not frozen yet"
        print(f"OK so far: not drawn yet; {frozen}.")
        return 0
    wins = sum(len(r["wins"]) for r in rounds)
    demo_note = " A DEMONSTRATION: its beacon rounds are recorded, old rounds." if rep.demonstration else ""
    print(
        f"OK: {n} entries, {len(rounds)} round(s), {wins} parties won, {len(doc.get('waitlist') or [])}"
        f" waitlisted.{demo_note}"
    )
    return 0


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(
        prog="verify_draw.py", description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("draw", help="the public JSON: its URL or a file")
    parser.add_argument("--receipt", help="(v2) an entrant's receipt, a JSON file")
    parser.add_argument("--proof", help="(v2) an entrant's inclusion proof, a JSON file")
    parser.add_argument("--demo", action="store_true", help="(v2) accept recorded (old) beacon rounds")
    args = parser.parse_args(argv[1:])
    page = load(args.draw)
    algorithm = page.get("algorithm") if isinstance(page, dict) else None
    if algorithm == V1:
        if args.receipt or args.proof or args.demo:
            parser.error(f"--receipt, --proof and --demo are for {V2} draws")
        return verify_v1(page)
    if algorithm != V2:
        print(f"unknown algorithm {algorithm!r}")
        return 1
    receipt = load(args.receipt) if args.receipt else None
    proof = load(args.proof) if args.proof else None
    return verify_v2(page, receipt, proof, args.demo)


if __name__ == "__main__":
    sys.exit(main(sys.argv))
