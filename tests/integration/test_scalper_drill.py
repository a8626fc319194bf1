"""The scalper drill (issue 14): 3,000 honest people with verified phones and distinct IDs arrive
at once for a 420-seat real-name screening, and an attacker arrives with them: from 1 address,
then from 100 addresses behind the trusted proxy, with 1,000 unverified numbers and 20 verified
ones and a pool of stolen ID numbers.

Against the real registration app and real Redis (the seat script, the limits, the sessions),
many requests in flight at once from a thread pool. Sessions are seeded through the verification
store, not by SMS: people verify before the release moment, so the rush itself sends none.

Proved: no seat from an unverified number; the attacker's seats are at most its verified phones ×
one registration per phone per activity × the party limit (and at most its distinct IDs, each
once per activity); no oversell; every ID once. The attacker's share is printed.
"""

from __future__ import annotations

import json
import random
from collections import Counter
from concurrent.futures import ThreadPoolExecutor

import pytest

from services.registration.app import create_app
from shared.auth import create_token
from tests.conftest import activity_doc
from tests.fair_support import bearer, member, seed_session

SEATS, PARTY_MAX = 420, 4
HONEST, ATTACKER_VERIFIED, ATTACKER_UNVERIFIED, ATTACKER_ADDRESSES, STOLEN_IDS = 3000, 20, 1000, 100, 120
PROXY = "10.9.0.1"
AID = "imax-drill"


@pytest.fixture
def app(settings, redis):
    return create_app(
        settings.with_overrides(
            require_verified_phone=1,
            trusted_proxies=f"{PROXY}/32",
            rate_limit_ip_per_min=120,
            rate_limit_phone_per_min=6,
            rate_limit_id_per_min=6,
            id_per_day=2,
            id_per_festival=5,
            soldout_memo_ms=0,  # every request reaches the seat script: the strictest drill
        ),
        redis_client=redis,
    )


def _send(app, job):
    peer, forwarded, headers, body = job["peer"], job["forwarded"], job["headers"], job["body"]
    client = app.test_client(use_cookies=False)
    env = {"REMOTE_ADDR": peer}
    if forwarded:
        headers = {**headers, "X-Forwarded-For": forwarded}
    r = client.post(f"/api/v1/activities/{AID}/registrations", json=body, headers=headers, environ_base=env)
    data = r.get_json()
    return job["who"], r.status_code, data.get("reason") or data.get("status"), peer


def test_scalper_drill(app, redis, settings, capsys):
    rnd = random.Random(14)
    client = app.test_client()
    org = {"Authorization": "Bearer " + create_token(redis, settings.redis_prefix, "organizer", "drill")}
    doc = activity_doc(
        AID, capacity=SEATS, max_party_size=PARTY_MAX, real_name=True, waitlist={"enabled": False}
    )
    assert client.post("/api/v1/activities", json=doc, headers=org).status_code == 201

    prefix = settings.redis_prefix
    jobs = []
    # Honest people: each their own phone, address and IDs (parties of 1-3), through the proxy.
    next_id = 0
    for i in range(HONEST):
        size = rnd.choice([1, 1, 2, 2, 3])
        members = [member(next_id + k) for k in range(size)]
        next_id += size
        token = seed_session(redis, prefix, f"139{i:08d}")
        jobs.append(
            {
                "who": "honest",
                "peer": PROXY,
                "forwarded": f"100.64.{i // 250}.{i % 250}",
                "headers": bearer(token),
                "body": {"name": "张三", "organization": "科协", "party_size": size, "members": members},
            }
        )
    stolen = [member(next_id + k, "黄牛") for k in range(STOLEN_IDS)]  # valid numbers of real people
    attacker_tokens = [seed_session(redis, prefix, f"170{i:08d}") for i in range(ATTACKER_VERIFIED)]

    def attacker_job(n: int, who: str, headers: dict, **body) -> dict:
        # even tries from one address of its own (spoofing X-Forwarded-For), odd ones from 100
        # addresses behind the trusted proxy
        peer, fwd = (
            ("203.0.113.66", f"198.18.{n % 256}.{n % 200}")
            if n % 2 == 0
            else (PROXY, f"198.19.0.{n % ATTACKER_ADDRESSES}")
        )
        party = {"name": "黄牛", "organization": "票务", "party_size": PARTY_MAX}
        party["members"] = rnd.sample(stolen, PARTY_MAX)  # full parties of stolen valid IDs
        return {"who": who, "peer": peer, "forwarded": fwd, "headers": headers, "body": {**party, **body}}

    # made-up numbers: no session, the number in the body
    jobs += [
        attacker_job(k, "attacker-unverified", {}, phone=f"171{k:08d}") for k in range(ATTACKER_UNVERIFIED)
    ]
    # verified numbers, 25 tries each
    jobs += [
        attacker_job(ATTACKER_UNVERIFIED + 25 * i + k, "attacker-verified", bearer(t))
        for i, t in enumerate(attacker_tokens)
        for k in range(25)
    ]
    rnd.shuffle(jobs)
    with ThreadPoolExecutor(max_workers=24) as pool:
        results = list(pool.map(lambda j: _send(app, j), jobs))

    outcomes = Counter((who, status, reason) for who, status, reason, _ in results)
    # through the store: the record keeps the phone sealed (issue 16)
    regs = [r for r in app.extensions["sciday.seats"].registrations(AID) if r["status"] == "confirmed"]
    seats = Counter(
        "attacker" if r["phone"].startswith("17") else "honest" for r in regs for _ in range(r["party_size"])
    )
    taken = int(redis.hget(f"{prefix}act:{{{AID}}}", "taken"))
    attacker_regs = [r for r in regs if r["phone"].startswith("17")]

    # no seat from an unverified number
    assert not any(r["phone"].startswith("171") for r in regs)
    unverified = [(s, why) for who, s, why, _ in results if who == "attacker-unverified"]
    assert unverified and all(s in (401, 429) for s, _ in unverified), Counter(unverified)
    # at most the verified phones x one registration per phone x the party limit, and at most the
    # stolen IDs (each once per activity)
    assert seats["attacker"] <= ATTACKER_VERIFIED * 1 * PARTY_MAX
    assert seats["attacker"] <= STOLEN_IDS
    assert len(attacker_regs) <= ATTACKER_VERIFIED
    # no oversell, every ID once
    assert taken == sum(seats.values()) <= SEATS
    id_hashes = [h for r in regs for h in r.get("id_hashes", [])]
    assert len(id_hashes) == len(set(id_hashes))
    assert taken == SEATS  # 3,000 people for 420 seats: it sells out
    # the one address rotating X-Forwarded-For is still one address: its per-minute limit held
    direct = [s for who, s, _, peer in results if peer == "203.0.113.66"]
    assert len(direct) > 120 and sum(s != 429 for s in direct) <= 120

    share = seats["attacker"] / SEATS
    with capsys.disabled():
        print(
            f"\nscalper drill: {len(jobs)} requests; seats honest={seats['honest']} attacker={seats['attacker']}"
            f" ({share:.1%} of {SEATS}); attacker registrations={len(attacker_regs)}"
        )
        for key, count in sorted(outcomes.items()):
            print(f"  {key}: {count}")
