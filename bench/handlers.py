"""The consumers' handlers alone, record by record against batched (issue 18):
``python -m bench.handlers [N]``.

No broker: ``N`` RegistrationConfirmed envelopes (after an ActivityPublished) go through what the
consumer loop does per record before issue 18 (dedupe EXISTS, the handler, the mark SET) and
what it does per poll batch of 500 now (one MGET, the batch handler, one pipelined mark), for the
check-in projection and for notify, against a redis-server of its own.  Reports wall time and CPU
(this process and redis-server) per event; decoding is measured on its own.
"""

from __future__ import annotations

import json
import os
import sys
import tempfile
import time
from pathlib import Path

import psutil

from bench.pipeline import confirmed
from sciday import embedded
from services.checkin.projection import Projection
from services.notify.delivery.batches import BatchHandler
from services.notify.delivery.intents import Deliveries
from services.notify.delivery.usecases import Notices
from services.notify.projection import Projection as NotifyProjection
from services.notify.reminders.schedule import Reminders, parse_offsets
from shared import events as ev
from shared.clock import SYSTEM_CLOCK
from shared.consumer import Dedupe
from shared.envelope import decode, encode, new_event
from shared.redis_scripts import connect
from shared.sealed import NOTIFY, Sealer

BATCH = 500


def _activity(aid: str) -> dict:
    snap = {
        "id": aid,
        "kind": "imax",
        "title": {"zh": "巨幕", "en": "IMAX"},
        "venue": {"id": "ln-stm", "name": "科学技术馆"},
        "hall": "巨幕影院",
        "starts_at": "2030-03-20T10:00:00+08:00",
        "ends_at": "2030-03-20T12:00:00+08:00",
        "capacity": 100000,
        "max_party_size": 4,
        "status": "scheduled",
    }
    return new_event(ev.ACTIVITY_PUBLISHED, aid, {"activity": snap}, source="bench")


def decode_building_schemas(raw: bytes) -> dict:
    """``decode`` as it was before issue 18: both schemas built for every record."""
    from shared.envelope import EnvelopeSchema
    from shared.events import SCHEMAS

    obj = json.loads(raw)
    EnvelopeSchema().load(obj)
    SCHEMAS[(obj["type"], obj["version"])]().load(obj["data"])
    return obj


def handlers(redis, prefix: str, ring: Sealer):
    """As the workers wire them: notify with its key ring (it opens ``sealed``, seals intents)."""
    checkin = Projection(redis, prefix)
    projection = NotifyProjection(redis, prefix, ring)
    deliveries = Deliveries(redis, prefix, sealer=ring)
    reminders = Reminders(redis, prefix, parse_offsets("1440,120"), projection, deliveries, SYSTEM_CLOCK)
    notices = Notices(projection, deliveries, reminders)
    return {
        "checkin": (checkin.handle, checkin.handle_batch),
        "notify": (notices.handle, BatchHandler(notices, notices.handle)),
    }


def measure(fn, redis_proc) -> tuple[float, float, float]:
    me = psutil.Process()
    c0, r0, t0 = me.cpu_times(), redis_proc.cpu_times(), time.monotonic()
    fn()
    c1, r1, t1 = me.cpu_times(), redis_proc.cpu_times(), time.monotonic()
    return (
        t1 - t0,
        (c1.user + c1.system) - (c0.user + c0.system),
        (r1.user + r1.system) - (r0.user + r0.system),
    )


def main(n: int = 5000) -> int:
    base = Path(tempfile.mkdtemp(prefix="sciday-handlers-"))
    port = embedded.free_port()
    proc = embedded.start_redis(port, base / "redis", base / "redis.log")  # appendfsync always, as run
    try:
        time.sleep(0.5)
        redis = connect(f"redis://127.0.0.1:{port}/0")
        rp = psutil.Process(proc.pid)
        ring = Sealer(NOTIFY, {1: os.urandom(32)})
        raws = [encode(e) for e in [_activity("h1")] + [confirmed("h1", i, ring) for i in range(n)]]
        rows = {}
        t, cpu, _ = measure(lambda: [decode(r) for r in raws], rp)
        rows["decode"] = {"wall_us": t / len(raws) * 1e6, "cpu_us": cpu / len(raws) * 1e6}
        t, cpu, _ = measure(lambda: [decode_building_schemas(r) for r in raws], rp)
        rows["decode (before)"] = {"wall_us": t / len(raws) * 1e6, "cpu_us": cpu / len(raws) * 1e6}
        envelopes = [decode(r) for r in raws]
        for mode in ("one_by_one", "batched"):
            for name in ("checkin", "notify"):
                prefix = f"{mode}-{name}:"
                one, batch = handlers(redis, prefix, ring)[name]
                dedupe = Dedupe(redis, prefix, name)

                def run_one(one=one, dedupe=dedupe):
                    for e in envelopes:
                        if not dedupe.seen(e["event_id"]):
                            one(e)
                            dedupe.mark(e["event_id"])

                def run_batched(batch=batch, dedupe=dedupe):
                    for i in range(0, len(envelopes), BATCH):
                        chunk = envelopes[i : i + BATCH]
                        seen = dedupe.seen_many([e["event_id"] for e in chunk])
                        fresh = [e for e, s in zip(chunk, seen, strict=True) if not s]
                        batch(fresh)
                        dedupe.mark_many([e["event_id"] for e in fresh])

                t, cpu, rcpu = measure(run_one if mode == "one_by_one" else run_batched, rp)
                rows[f"{name} {mode}"] = {
                    "wall_us": t / len(envelopes) * 1e6,
                    "cpu_us": cpu / len(envelopes) * 1e6,
                    "redis_cpu_us": rcpu / len(envelopes) * 1e6,
                    "events_per_s": len(envelopes) / t,
                }
        load = psutil.getloadavg()
        print(f"{n:,} registration events; load average {load[0]:.1f} on {psutil.cpu_count()} cores")
        for k, v in rows.items():
            print(f"{k:<22} " + "  ".join(f"{m} {x:,.1f}" for m, x in v.items()))
        out = (
            Path(__file__).parent
            / "results"
            / f"handlers-{time.strftime('%Y%m%dT%H%M%SZ', time.gmtime())}.json"
        )
        out.write_text(json.dumps({"events": n, "load": load, "rows": rows}, indent=2))
        print(f"JSON: {out}")
    finally:
        embedded.stop(proc)
    return 0


if __name__ == "__main__":
    sys.exit(main(int(sys.argv[1]) if len(sys.argv) > 1 else 5000))
