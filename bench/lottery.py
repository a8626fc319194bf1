"""A lottery draw of 100,000 entries on real Redis: entering, drawing once, telling everyone.

``python -m bench.lottery`` runs it alone on an embedded redis-server; ``make bench`` runs it as
one scenario.  Times are reported, never asserted.
"""

from __future__ import annotations

import json
import random
import tempfile
import time
from pathlib import Path

from services.registration.lottery import draw as lot
from services.registration.lottery import specification
from services.registration.lottery.store import LotteryStore
from services.registration.seats.keys import NO_FAIR


def measure(redis, settings, entries: int = 100_000, capacity: int = 420, seed: int = 15) -> dict:
    store, aid, rng = LotteryStore(redis, settings), f"bench-lottery-{entries}", random.Random(seed)
    t0 = 1_800_000_000.0
    lot.open_lottery(store, lot.Lottery(aid, capacity, t0, t0 + 3600, t0 + 7200))
    keys = store.enter_keys(aid)  # lottery_enter.lua's KEYS, as the store builds them
    no_fair = json.dumps(NO_FAIR)
    start = time.perf_counter()
    for base in range(0, entries, 2000):
        pipe = redis.pipeline(transaction=False)
        for i in range(base, min(base + 2000, entries)):
            entry = {"party_size": rng.randint(1, 4), "name": "摇号", "phone": f"1{5_000_000_000 + i:010d}"}
            store.scripts.lottery_enter(
                keys=keys,
                args=[
                    f"e{i:08d}",
                    json.dumps(entry, ensure_ascii=False),
                    t0 + 1,
                    "",
                    "",
                    no_fair,
                    f"phone:{i}",
                ],
                client=pipe,
            )
        pipe.execute()
    enter_s = time.perf_counter() - start

    seed_hex, sizes = store.seed_and_sizes(aid)
    start = time.perf_counter()
    specification.run_draw(aid, seed_hex, sizes, capacity, now=t0 + 7200)
    compute_s = time.perf_counter() - start

    start = time.perf_counter()
    d = lot.draw(store, aid, now=t0 + 7200)
    draw_s = time.perf_counter() - start
    start = time.perf_counter()
    chunks = lot.publish(store, d, chunk=settings.lottery_publish_chunk)
    publish_s = time.perf_counter() - start
    return {
        "entries": entries,
        "capacity": capacity,
        "winners": len(d.winners),
        "enter_s": round(enter_s, 2),
        "enter_rate": round(entries / enter_s),
        "order_and_fill_s": round(compute_s, 3),
        "draw_s": round(draw_s, 3),
        "draw_json_bytes": len(redis.get(store.k("draw", aid))),
        "publish_s": round(publish_s, 2),
        "publish_chunks": chunks,
        "outcome_events_per_s": round(entries / publish_s),
    }


def main() -> None:
    from sciday import embedded
    from shared.config import load
    from shared.redis_scripts import connect

    base = Path(tempfile.mkdtemp(prefix="sciday-lottery-"))
    port = embedded.free_port()
    proc = embedded.start_redis(port, base / "redis", base / "redis.log")
    try:
        settings = load({"redis_url": f"redis://127.0.0.1:{port}/0", "redis_prefix": "bench:"})
        print(json.dumps(measure(connect(settings.redis_url, socket_timeout=60), settings), indent=2))
    finally:
        embedded.stop(proc)


if __name__ == "__main__":
    main()
