"""The door under real concurrency, and while the registration service is down."""

from __future__ import annotations

import random
import threading
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import requests

from shared.auth import create_token
from shared.redis_scripts import connect
from tests.conftest import activity_doc, wait_for

TZ = ZoneInfo("Asia/Shanghai")
TICKETS = 200


def _soon(aid, capacity):
    now = datetime.now(TZ).replace(microsecond=0)
    return activity_doc(
        aid,
        capacity=capacity,
        max_party_size=4,
        audience="public",
        starts_at=(now + timedelta(minutes=30)).isoformat(),
        ends_at=(now + timedelta(minutes=150)).isoformat(),
        registration_closes_at=(now + timedelta(minutes=20)).isoformat(),
    )


def _tickets(urls, organizer_token, aid, n, phone_base):
    r = requests.post(
        f"{urls['registration']}/api/v1/activities",
        json=_soon(aid, 4 * n),
        headers={"Authorization": f"Bearer {organizer_token}"},
        timeout=10,
    )
    assert r.status_code == 201, r.text
    rng, out = random.Random(5), []
    s = requests.Session()
    for i in range(n):
        party = rng.randint(1, 4)
        r = s.post(
            f"{urls['registration']}/api/v1/activities/{aid}/registrations",
            json={"name": "家长", "phone": f"1{phone_base + i:010d}", "party_size": party},
            timeout=10,
        )
        assert r.status_code == 201 and r.json()["status"] == "confirmed", r.text
        out.append((r.json()["ticket"]["code"], party))
    return out


def test_two_gates_scanning_the_same_tickets_at_once_admit_each_party_once(
    stack, stack_settings, urls, organizer_token
):
    tickets = _tickets(urls, organizer_token, "door-rush", TICKETS, 5_000_000_000)
    redis = connect(stack_settings.redis_url)
    gates = {
        g: {
            "Authorization": "Bearer "
            + create_token(redis, stack_settings.redis_prefix, "steward", g, "ln-stm")
        }
        for g in ("东门", "西门")
    }
    rng = random.Random(9)
    # Half the parties are scanned whole at both gates; the other half with partial admissions.
    plan = [
        (code, party, [rng.randint(1, party), rng.randint(1, party)] if i % 2 else [None, None])
        for i, (code, party) in enumerate(tickets)
    ]
    results = {}
    lock = threading.Lock()

    def both_gates(item):
        code, party, admits = item
        barrier = threading.Barrier(2)
        out = []

        def one(gate, admit):
            body = {"code": code, "gate": gate}
            if admit:
                body["admit"] = admit
            barrier.wait()
            r = requests.post(
                f"{urls['checkin']}/api/v1/checkins", json=body, headers=gates[gate], timeout=30
            )
            out.append((r.status_code, r.json()))

        threads = [threading.Thread(target=one, args=(g, a)) for g, a in zip(gates, admits)]
        [t.start() for t in threads]
        [t.join() for t in threads]
        with lock:
            results[code] = (party, admits, out)

    with ThreadPoolExecutor(16) as pool:
        list(pool.map(both_gates, plan))

    assert not [o for _, _, outs in results.values() for o in outs if o[0] >= 500]
    for _code, (party, admits, outs) in results.items():
        admitted = sum(body["admitted"] for status, body in outs if status == 201)
        assert admitted <= party, (party, admits, outs)
        if admits == [None, None]:
            # whole-party scans: exactly one gate admits, the other says already_checked_in
            assert sorted(s for s, _ in outs) == [201, 409], outs
            assert [b["reason"] for s, b in outs if s == 409] == ["already_checked_in"]
            assert admitted == party
        else:
            assert admitted == min(party, sum(admits)), (party, admits, outs)
    total = sum(sum(b["admitted"] for s, b in outs if s == 201) for _, _, outs in results.values())
    att = wait_for(
        lambda: (lambda r: r.status_code == 200 and r.json())(
            requests.get(
                f"{urls['checkin']}/api/v1/activities/door-rush/attendance", headers=gates["东门"], timeout=5
            )
        ),
        what="attendance of door-rush",
    )
    assert att["checked_in"] == total
    assert sum(g["checked_in"] for g in att["gates"]) == total
    print(
        f"door: {TICKETS} tickets x 2 gates, {total} people admitted, "
        f"{sum(p for _, (p, _, _) in results.items())} in the parties"
    )
