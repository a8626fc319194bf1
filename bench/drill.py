"""The scalper drill against the real processes (issue 14): `make bench` runs it on a stack of its
own, with the production limits on and the load generator's address as the trusted proxy, so each
request line names its client address in X-Forwarded-For. `python -m bench.drill` runs it alone.

3,000 honest people (verified sessions, distinct IDs, their own addresses) and an attacker (1
address of its own spoofing the header, 100 addresses behind the proxy, 1,000 unverified numbers,
20 verified ones with stolen IDs) arrive together for a 420-seat real-name screening. Reported:
the seats each side got, and whether the two rules held (no seat from an unverified number;
attacker seats <= verified phones x 1 per activity x the party limit).
"""

from __future__ import annotations

import json
import random
import sys
import tempfile
from datetime import timedelta
from pathlib import Path

import requests

from bench import loadgen, scenarios
from sciday import embedded
from sciday.stack import Stack, StackOptions
from services.registration.access import identity
from services.registration.seats.store import SeatStore
from shared.auth import create_token
from shared.redis_scripts import connect

SEATS, PARTY_MAX, HONEST, VERIFIED, UNVERIFIED, ADDRESSES, STOLEN = 420, 4, 3000, 20, 1000, 100, 120
AID = "drill-imax"
LOADGEN = "127.0.0.1"  # the load generator's address: the "proxy" the services trust


def resident_id(i: int) -> str:
    """The i-th distinct valid 居民身份证 number."""
    first17 = f"1101{(i // 1000) % 100:02d}19600101{i % 1000:03d}"
    return first17 + identity.check_digit(first17)


def _line(body: dict, *headers: str) -> str:
    line = f"POST /api/v1/activities/{AID}/registrations " + json.dumps(body, ensure_ascii=False)
    return line + "".join(f"\t{h}" for h in headers)


def lines(redis, prefix: str) -> tuple[list[str], list[str]]:
    rnd = random.Random(14)
    honest_phones = [f"139{i:08d}" for i in range(HONEST)]
    honest_tokens = scenarios.seed_sessions(redis, prefix, honest_phones)
    out, next_id = [], 0
    for i, token in enumerate(honest_tokens):
        size = rnd.choice([1, 1, 2, 2, 3])
        members = [
            {"name": "张三", "id_type": "resident_id", "id_number": resident_id(next_id + k)}
            for k in range(size)
        ]
        next_id += size
        body = {"name": "张三", "party_size": size, "members": members}
        out.append(
            _line(body, f"Authorization: Bearer {token}", f"X-Forwarded-For: 100.64.{i // 250}.{i % 250}")
        )
    stolen = [
        {"name": "黄牛", "id_type": "resident_id", "id_number": resident_id(next_id + k)}
        for k in range(STOLEN)
    ]
    attacker_phones = [f"170{i:08d}" for i in range(VERIFIED)]
    attacker_tokens = scenarios.seed_sessions(redis, prefix, attacker_phones)

    def address(n: int) -> str:
        # even tries: one address of its own, claiming another in front of what the proxy appends;
        # odd tries: 100 addresses behind the proxy
        if n % 2 == 0:
            return f"X-Forwarded-For: 198.18.{n % 256}.{n % 200}, 203.0.113.66"
        return f"X-Forwarded-For: 198.19.0.{n % ADDRESSES}"

    for k in range(UNVERIFIED):
        body = {
            "name": "黄牛",
            "phone": f"171{k:08d}",
            "party_size": PARTY_MAX,
            "members": rnd.sample(stolen, PARTY_MAX),
        }
        out.append(_line(body, address(k)))
    for i, token in enumerate(attacker_tokens):
        for k in range(25):
            body = {"name": "黄牛", "party_size": PARTY_MAX, "members": rnd.sample(stolen, PARTY_MAX)}
            out.append(_line(body, f"Authorization: Bearer {token}", address(UNVERIFIED + 25 * i + k)))
    rnd.shuffle(out)
    return out, attacker_phones


def run(work: Path, connections: int = 64) -> dict:
    opts = StackOptions(
        var_dir=work / "var-drill",
        redis_port=embedded.free_port(),
        kafka_port=embedded.free_port(),
        registration_port=embedded.free_port(),
        checkin_port=embedded.free_port(),
        notify_port=embedded.free_port(),
        seed=False,
        # the production defaults for every limit; the load generator stands for the proxy
        extra_env={"SCIDAY_TRUSTED_PROXIES": f"{LOADGEN}/32", "SCIDAY_SOLDOUT_MEMO_MS": "0"},
    )
    stack = Stack(opts, out=open(work / "stack-drill.out", "w"))
    try:
        stack.start()
        assert stack.wait_healthy(90), stack.status_table()
        settings = stack.settings()
        redis = connect(settings.redis_url)
        org = create_token(redis, settings.redis_prefix, "organizer", "drill")
        doc = scenarios.activity(AID, SEATS, timedelta(days=3), waitlist=0)
        doc.update(real_name=True, max_party_size=PARTY_MAX, audience="public")
        base = f"http://127.0.0.1:{opts.registration_port}"
        r = requests.post(
            f"{base}/api/v1/activities", json=doc, headers={"Authorization": f"Bearer {org}"}, timeout=10
        )
        assert r.status_code == 201, r.text
        reqs, attacker_phones = lines(redis, settings.redis_prefix)
        result = loadgen.run(f"127.0.0.1:{opts.registration_port}", reqs, connections, work / "drill.csv")
        regs = [r for r in SeatStore(redis, settings).registrations(AID) if r["status"] == "confirmed"]
    finally:
        stack.stop()
    attacker = sum(r["party_size"] for r in regs if r["phone"] in set(attacker_phones))
    unverified = sum(r["party_size"] for r in regs if r["phone"].startswith("171"))
    taken = sum(r["party_size"] for r in regs)
    status: dict[str, int] = {}
    for _start, _lat, code in result.samples:
        status[str(code)] = status.get(str(code), 0) + 1
    return {
        "requests": len(reqs),
        "seats": SEATS,
        "taken": taken,
        "attacker_seats": attacker,
        "attacker_share": round(attacker / SEATS, 4),
        "unverified_seats": unverified,
        "bound": VERIFIED * 1 * PARTY_MAX,
        "held": unverified == 0 and attacker <= VERIFIED * PARTY_MAX and taken <= SEATS,
        "status": status,
    }


def line(d: dict) -> str:
    return (
        f"scalper drill (real processes): attacker {d['attacker_seats']} of {d['seats']} seats "
        f"({d['attacker_share']:.1%}; bound {d['bound']}), unverified {d['unverified_seats']}, "
        f"taken {d['taken']}, {'held' if d['held'] else 'BROKEN'}; answers {d['status']}"
    )


if __name__ == "__main__":
    loadgen.build()
    out = run(Path(tempfile.mkdtemp(prefix="sciday-drill-")))
    print(line(out))
    sys.exit(0 if out["held"] else 1)
