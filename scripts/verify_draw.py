#!/usr/bin/env python3
"""Recompute a sciday lottery draw from its public page and compare.

    python scripts/verify_draw.py https://<registration>/api/v1/activities/<id>/lottery
    python scripts/verify_draw.py draw.json

The standard library only, on purpose: anyone can read these 60 lines and run them without
installing sciday.  The rules are docs/lottery.md ("sciday-lottery-v1"):
  commitment = SHA-256(seed bytes); rank(e) = HMAC-SHA256(seed bytes, e); order = sort by (rank, e);
  seats go to whole parties in order, a party that no longer fits is skipped; the rest wait in order.
Exit status 0 when everything matches, 1 when anything differs (each difference is printed).
"""

from __future__ import annotations

import hashlib
import hmac
import json
import sys
import urllib.request


def load(source: str) -> dict:
    if source.startswith(("http://", "https://")):
        with urllib.request.urlopen(source, timeout=30) as resp:
            return json.load(resp)
    with open(source, encoding="utf-8") as f:
        return json.load(f)


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


def main(argv: list[str]) -> int:
    if len(argv) != 2:
        print(__doc__, file=sys.stderr)
        return 2
    page = load(argv[1])
    if page.get("algorithm") != "sciday-lottery-v1":
        print(f"unknown algorithm {page.get('algorithm')!r}")
        return 1
    mine = recompute(page)
    wrong = [k for k in ("commitment", "order", "winners", "waitlist") if mine[k] != page.get(k)]
    for k in wrong:
        print(f"MISMATCH {k}: the page says {str(page.get(k))[:80]}..., recomputed {str(mine[k])[:80]}...")
    if not wrong:
        n, w = len(mine["order"]), len(mine["winners"])
        print(f"OK: commitment matches the seed; {n} entries, {w} parties seated, {n - w} waitlisted.")
    return 1 if wrong else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
