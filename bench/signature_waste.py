"""``python -m bench.roundtrips --waste``: the ticket signatures a rush wastes on attempts the seat
script then refuses (bench/README.md)."""

from __future__ import annotations

import random
import time
from pathlib import Path

from bench.rig import Rig, bench_settings
from sciday import embedded
from shared.redis_scripts import connect


def signature_waste(work: Path, attempts: int, seats: int, workers: int = 2, threads: int = 8) -> dict:
    """A rush in process: ``attempts`` people (parties of 1–4, as ``make bench``'s rush) at
    ``seats`` seats without a waitlist, sent by ``workers`` × ``threads`` threads, each worker an
    app of its own (its own sold-out memory, as a gunicorn worker).  Every attempt that reaches
    the seat script was signed first; a signature is wasted when the script then refuses."""
    from concurrent.futures import ThreadPoolExecutor

    from shared.tickets import KeyRing

    port = embedded.free_port()
    proc = embedded.start_redis(port, work / "redis-rush", work / "redis-rush.log")
    signed = {"n": 0}
    real_sign = KeyRing.sign

    def counted_sign(self, **kw):
        signed["n"] += 1  # += under the GIL from several threads: close enough, checked below
        return real_sign(self, **kw)

    try:
        url = f"redis://127.0.0.1:{port}/0"
        redis = connect(url)
        rigs = [Rig(bench_settings(url, work), redis, 6_400_000_000 + 10**6 * i) for i in range(workers)]
        rigs[0].make_activity("rt-rush", seats)
        rng = random.Random(2)
        crowds = [rig.people(attempts // workers + 1) for rig in rigs]
        people = [(rigs[i % workers], *crowds[i % workers][i // workers]) for i in range(attempts)]
        sizes = [rng.randint(1, 4) for _ in range(attempts)]
        KeyRing.sign = counted_sign  # type: ignore[method-assign]
        statuses: dict[int, int] = {}
        cpu0 = time.process_time()

        def one(i: int) -> int:
            rig, phone, token = people[i]
            return rig.post("rt-rush", phone, token, {"party_size": sizes[i]}).status_code

        with ThreadPoolExecutor(workers * threads) as pool:
            for status in pool.map(one, range(attempts)):
                statuses[status] = statuses.get(status, 0) + 1
        cpu = time.process_time() - cpu0
        KeyRing.sign = real_sign  # type: ignore[method-assign]
        per_sign = sign_cost(rigs[0].app.extensions["sciday.keys"])
    finally:
        KeyRing.sign = real_sign  # type: ignore[method-assign]
        embedded.stop(proc)
    wasted = signed["n"] - statuses.get(201, 0)
    return {
        "attempts": attempts,
        "seats": seats,
        "answers": statuses,
        "signatures": signed["n"],
        "wasted": wasted,
        "sign_cpu_us": round(per_sign, 1),
        "wasted_cpu_ms": round(wasted * per_sign / 1000, 1),
        "rush_cpu_ms": round(1000 * cpu, 1),
    }


def sign_cost(keys, n: int = 2000) -> float:
    """CPU µs per Ed25519 ticket signature, alone (the best of 5 batches)."""
    from shared.tickets import new_registration_id

    best, rids = float("inf"), [new_registration_id() for _ in range(n // 5)]
    for _ in range(5):
        cpu0 = time.process_time()
        for rid in rids:
            keys.sign(
                registration_id=rid,
                activity_id="a",
                venue_id="v",
                party_size=2,
                valid_from=0,
                valid_until=1,
            )
        best = min(best, (time.process_time() - cpu0) / (n // 5))
    return 1e6 * best
