"""The pipeline's figures (issue 18): catch-up after a burst of registrations, and a rebuild.

- **Catch-up**: ``n`` RegistrationConfirmed events written to the registration outbox in one burst
  (as the seat script writes them, minus HTTP), then timed until the relay has moved them and
  both consumers have handled them: the check-in projection and notify's registrants each hold
  all ``n`` (notify has then recorded every SMS intent; sending is held to the SMS quota and is
  not part of the figure).  Sampled every 50 ms: the curve of events handled over time.
- **Rebuild**: ``n`` registration events produced to topics of their own (a separate topic and
  key prefix, so the running stack's consumers do not see them), then ``sciday rebuild checkin``
  timed on them.
"""

from __future__ import annotations

import os
import shutil
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from sciday.rebuild import rebuild
from services.registration.privacy.personal import FOR_NOTIFY
from shared import events as ev
from shared import sealed
from shared.envelope import encode, new_event
from shared.kafka import make_producer, send_envelope
from shared.masking import mask_name, mask_phone
from shared.sealed import Sealer
from shared.topics import REGISTRATION_EVENTS, ensure_topics


def confirmed(aid: str, i: int, ring: Sealer | None = None) -> dict:
    """A RegistrationConfirmed as the seat script writes it since issue 16: version 2, with the
    contact fields and ticket sealed for notify (``ring``: notify's key ring) and masked forms
    beside them.  Without a ring, version 1 with the fields in clear (events written before)."""
    rid = f"{aid}-{i:07d}"
    name, phone = "张三", f"1{3_800_000_000 + i:010d}"
    clear = {
        "name": name,
        "phone": phone,
        "email": None,
        "manage_url": f"http://127.0.0.1/r/{rid}",
        "ticket_code": f"T{i:09d}",
        "ticket_url": f"http://127.0.0.1/t/{rid}",
    }
    data: dict[str, Any] = {
        "registration_id": rid,
        "activity_id": aid,
        "venue_id": "ln-stm",
        "party_size": 1 + i % 4,
        "locale": "zh-CN",
    }
    if ring is None:
        data.update((k, v) for k, v in clear.items() if v is not None)
        return new_event(ev.REGISTRATION_CONFIRMED, aid, data, source="bench")
    data.update(
        name_masked=mask_name(name),
        phone_masked=mask_phone(phone),
        sealed=ring.seal({k: clear.get(k) for k in FOR_NOTIFY}),
    )
    return new_event(ev.REGISTRATION_CONFIRMED, aid, data, version=ev.REGISTRATION_VERSION, source="bench")


STAGES = ("relay", "checkin-consumer", "notify-consumer")


def stage_processes(stack: Any) -> dict[str, Any]:
    """The three stages, then the redis-server and the broker they share the cores with (whose
    CPU is counted, not profiled)."""
    import psutil

    out = {c.name: psutil.Process(c.proc.pid) for c in stack.children if c.name in STAGES and c.proc}
    if getattr(stack, "redis_proc", None):
        out["redis-server"] = psutil.Process(stack.redis_proc.pid)
    if getattr(stack, "kafka_proc", None):
        out[stack.broker or "broker"] = psutil.Process(stack.kafka_proc.pid)
    return out


def _cpu(procs: dict[str, Any]) -> dict[str, float]:
    out = {}
    for name, proc in procs.items():
        t = proc.cpu_times()
        out[name] = t.user + t.system
    return out


def catch_up(
    settings: Any,
    redis: Any,
    aid: str,
    n: int = 20000,
    timeout_s: float = 600.0,
    procs: dict | None = None,
    profile_dir: Any = None,
) -> dict:
    """Also the CPU each stage spent per event (``procs``: name -> psutil.Process), which a loaded
    machine disturbs much less than the wall-clock figure."""
    p = settings.redis_prefix
    outbox, cursor = f"{p}outbox", f"{p}outbox:cursor"
    ck, nt = f"{p}ck:regs:{{{aid}}}", f"{p}nt:regs:{{{aid}}}"
    ring = sealed.sealer(settings, sealed.NOTIFY)  # what the stack's notify opens (issue 16)
    entries = [encode(confirmed(aid, i, ring)) for i in range(n)]
    # Each stage's CPU while idle (polling the broker, its timers), to tell it from the burst's.
    idle = _idle_rates(procs or {})
    # The stages start on the burst while it is being written: their CPU is counted from here.
    staged = {k: v for k, v in (procs or {}).items() if k in STAGES}
    spies = spy(staged, profile_dir) if profile_dir is not None else {}
    cpu0 = _cpu(procs or {})
    written_from = time.monotonic()
    last_id = _write_burst(redis, outbox, aid, entries)
    t0 = time.monotonic()
    curve, relayed_at = _follow(redis, (cursor, ck, nt), n, last_id, t0, timeout_s)
    window = time.monotonic() - written_from
    spent = {k: v - cpu0[k] for k, v in _cpu(procs or {}).items()}
    cpu = {k: round(v / n * 1e6, 1) for k, v in spent.items()}
    net = {k: round(max(0.0, v - idle[k] * window) / n * 1e6, 1) for k, v in spent.items()}
    profiles = stop_spies(spies)
    seconds = curve[-1][0]
    done = curve[-1][2] >= n and curve[-1][3] >= n
    return {
        "events": n,
        "seconds": seconds if done else None,
        "rate": round(n / seconds, 1) if done and seconds else None,
        "relayed_s": relayed_at,
        # t = 0 is when the whole burst is in the outbox; writing it took this long, and the relay
        # and consumers were already at work meanwhile (the curve starts above 0).
        "write_s": round(t0 - written_from, 3),
        "checkin_s": next((t for t, _, c, _ in curve if c >= n), None),
        "notify_s": next((t for t, _, _, m in curve if m >= n), None),
        # counted from the start of the write to the end (issue 18, session 2; before, from the end
        # of the write, which missed what the stages did meanwhile)
        "cpu_us_per_event": cpu,
        "cpu_us_per_event_less_idle": net,  # less each stage's idle CPU rate over the same window
        "idle_cpu_share": {k: round(v, 4) for k, v in idle.items()},
        "load_average": [round(x, 2) for x in os.getloadavg()],
        "profiles": profiles,
        "curve": curve,
    }


def _idle_rates(procs: dict) -> dict[str, float]:
    """Each stage's CPU share over 2 s of idling."""
    idle0, idle_t0 = _cpu(procs), time.monotonic()
    time.sleep(2.0)
    idle_s = time.monotonic() - idle_t0
    return {k: (v - idle0[k]) / idle_s for k, v in _cpu(procs).items()}


def _write_burst(redis: Any, outbox: str, aid: str, entries: list) -> Any:
    """The burst into the outbox, 2,000 entries a round trip; returns the last entry's id."""
    pipe = redis.pipeline(transaction=False)
    for i, envelope in enumerate(entries):
        pipe.xadd(outbox, {"topic": REGISTRATION_EVENTS, "key": aid, "envelope": envelope})
        if i % 2000 == 1999:
            pipe.execute()
    ids = pipe.execute()
    return ids[-1] if ids else redis.xinfo_stream(outbox)["last-generated-id"]


def _follow(
    redis: Any, keys: tuple[str, str, str], n: int, last_id: Any, t0: float, timeout_s: float
) -> tuple[list[tuple[float, int, int, int]], float | None]:
    """(seconds, relayed, in check-in, in notify) every 50 ms until both have all ``n``."""
    cursor, ck, nt = keys
    curve: list[tuple[float, int, int, int]] = []
    relayed_at = None
    while time.monotonic() - t0 < timeout_s:
        got = redis.pipeline(transaction=False).get(cursor).hlen(ck).hlen(nt).execute()
        at = round(time.monotonic() - t0, 3)
        moved = n if got[0] and _id(got[0]) >= _id(last_id) else None
        if moved and relayed_at is None:
            relayed_at = at
        curve.append((at, moved or 0, got[1], got[2]))
        if got[1] >= n and got[2] >= n:
            break
        time.sleep(0.05)
    return curve, relayed_at


def spy(procs: dict[str, Any], out_dir: Any) -> dict[str, tuple[Any, Any]]:
    """py-spy (if installed) on each stage while it catches up: collapsed stacks per stage."""
    import subprocess

    from bench.profile import PY_SPY

    if not shutil.which(PY_SPY):
        return {}
    spies = {}
    for name, proc in procs.items():
        path = out_dir / f"profile-catchup-{name}.txt"
        cmd = [PY_SPY, "record", "--pid", str(proc.pid), "--rate", "50", "--format", "raw"]
        cmd += ["--output", str(path), "--nonblocking"]
        spies[name] = (subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL), path)
    return spies


def stop_spies(spies: dict[str, tuple[Any, Any]]) -> dict[str, list]:
    from bench.profile import top

    out = {}
    for name, (proc, path) in spies.items():
        proc.send_signal(2)
        proc.wait(60)
        out[name] = top(path.read_text(), 25) if path.exists() else []
    return out


def _id(raw: bytes | str) -> tuple[int, int]:
    text = raw.decode() if isinstance(raw, bytes) else raw
    ms, seq = text.split("-")
    return int(ms), int(seq)


def rebuild_figure(settings: Any, redis: Any, n: int = 100000) -> dict:
    """Produce ``n`` registrations to topics no consumer reads, then rebuild the check-in projection."""
    tag = f"rb{int(time.time())}"
    rb = settings.with_overrides(topic_prefix=f"{tag}.", redis_prefix=f"{tag}:")
    ensure_topics(rb.kafka_bootstrap_servers, rb.topic_prefix)
    producer = make_producer(rb, client_id="bench-rebuild")
    ring = sealed.sealer(settings, sealed.NOTIFY)
    t0 = time.monotonic()
    start = datetime.now(UTC) - timedelta(hours=1)
    for i in range(n):
        envelope = confirmed(f"bench-rebuild-{i % 50}", i, ring)
        envelope["occurred_at"] = (start + timedelta(milliseconds=i)).isoformat()
        send_envelope(producer, rb, REGISTRATION_EVENTS, envelope)
    producer.flush(60)
    producer.close()
    produced_s = time.monotonic() - t0
    result = rebuild("checkin", rb, redis, out=sys.stderr)
    for key in redis.scan_iter(match=f"{rb.redis_prefix}*", count=1000):  # scratch: not the stack's
        redis.unlink(key)
    return {
        "events": result.read,
        "applied": result.applied,
        "seconds": round(result.seconds, 2),
        "rate": round(result.rate, 1),
        "cpu_us_per_event": round(result.cpu_seconds / max(1, result.read) * 1e6, 1),
        "produce_s": round(produced_s, 2),
    }


def plot(catch: dict, png: Any) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    curve = catch["curve"]
    t = [c[0] for c in curve]
    fig, ax = plt.subplots(figsize=(9, 3.5))
    ax.plot(t, [c[2] for c in curve], label="check-in projection")
    ax.plot(t, [c[3] for c in curve], label="notify (registrants and SMS intents)")
    if catch.get("relayed_s"):
        ax.axvline(catch["relayed_s"], color="grey", linestyle=":", label="relay done")
    ax.set_xlabel("seconds since the burst was written to the outbox")
    ax.set_ylabel("events handled")
    ax.set_title(f"Catch-up after a burst of {catch['events']:,} registrations")
    ax.legend(loc="lower right")
    fig.tight_layout()
    fig.savefig(png, dpi=110)


RESULTS = Path(__file__).parent / "results"


def figures(stack, settings, redis, create, idle: float, rebuild_events: int = 100000) -> dict:
    """Catch-up after a burst of 20,000 registrations, and a rebuild of 100,000 (`make bench`)."""
    from bench.fixtures import activity
    from bench.stack_cpu import settle

    print("catch-up: 20,000 registrations written to the outbox at once…", flush=True)
    create(activity("bench-burst", 100000, timedelta(days=3), waitlist=0))
    out = {
        "catch_up": catch_up(
            settings, redis, "bench-burst", procs=stage_processes(stack), profile_dir=RESULTS
        )
    }
    print({k: v for k, v in out["catch_up"].items() if k not in ("curve", "profiles")}, flush=True)
    if not rebuild_events:
        return out
    settle(stack, idle)
    print(f"rebuild of the check-in projection from {rebuild_events:,} registration events…", flush=True)
    out["rebuild"] = rebuild_figure(settings, redis, rebuild_events)
    print(out["rebuild"], flush=True)
    return out
