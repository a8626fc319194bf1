"""The bench's table, memory figures and plot."""

from __future__ import annotations

import csv
from pathlib import Path

import psutil

from bench import lottery_group, lottery_group_stack


def memory(stack, hello) -> dict:
    procs = []
    if stack.redis_proc:
        procs.append(("redis-server", stack.redis_proc.pid))
    if stack.kafka_proc:
        procs.append((stack.broker or "broker", stack.kafka_proc.pid))
    procs += [(c.name, c.proc.pid) for c in stack.children if c.proc]
    rows, total = {}, 0
    for name, pid in procs:
        try:
            p = psutil.Process(pid)
            rss = p.memory_info().rss + sum(ch.memory_info().rss for ch in p.children(recursive=True))
        except psutil.Error:
            continue
        rows[name] = round(rss / 2**20, 1)
        total += rss
    return {"rss_mib": rows, "total_mib": round(total / 2**20, 1)}


def _ratio(x, h):
    return f"{x / h:.2f}×" if x and h else "n/a"


def _verdict(ok: bool | None) -> str:
    """Beside a target: whether this run met it."""
    return "" if ok is None else ("  met" if ok else "  NOT met")


def _at_least(x, h, target: float) -> str:
    """A ratio to H beside its target (issue 18's table), and whether it was met."""
    return f"{_ratio(x, h)} (≥ {target}×){_verdict(bool(x and h) and x / h >= target)}"


def pipeline_rows(r: dict) -> list[tuple[str, str, str]]:
    """Issue 18's two figures: catch-up after a burst, and a rebuild of the check-in projection."""
    rows = []
    c, b = r.get("catch_up"), r.get("rebuild")
    if c:
        rows.append(
            (
                f"catch-up after {c['events']:,} registrations (relay, check-in, notify)",
                f"{c['seconds']} s ({c['rate']} events/s; relay {c['relayed_s']} s, "
                f"check-in {c['checkin_s']} s, notify {c['notify_s']} s)",
                "≤ 5 s (≥ 4,000 events/s)" + _verdict(c["seconds"] is not None and c["seconds"] <= 5),
            )
        )
        if c.get("cpu_us_per_event"):
            rows.append(
                (
                    "  CPU per event, by stage (µs)",
                    ", ".join(f"{k} {v}" for k, v in c["cpu_us_per_event"].items()),
                    "",
                )
            )
        if c.get("cpu_us_per_event_less_idle"):
            rows.append(
                (
                    "  the same less each stage's idle CPU (µs)",
                    ", ".join(f"{k} {v}" for k, v in c["cpu_us_per_event_less_idle"].items()),
                    f"load average {c.get('load_average')}",
                )
            )
    if b:
        rows.append(
            (
                f"rebuild of {b['events']:,} registrations into the check-in projection",
                f"{b['seconds']} s ({b['rate']} events/s; {b.get('cpu_us_per_event')} µs CPU per event)",
                "≤ 20 s" + _verdict(b["seconds"] is not None and b["seconds"] <= 20),
            )
        )
    return rows


def lottery_group_rows(r: dict) -> list[tuple[str, str, str]]:
    """Issue 27: the v2 group draw, pure and end to end, each step beside its target."""
    rows = lottery_group.rows(r["lottery_group"]) if r.get("lottery_group") else []
    if r.get("lottery_group_stack"):
        rows += lottery_group_stack.rows(r["lottery_group_stack"])
    return rows


def table(r: dict) -> str:
    h = r["hello"]["rate"]
    mem = r["memory"]
    rows = [
        ("metric", "measured", "ratio / target"),
        ("H: hello-world req/s", f"{h:.0f} (p99 {r['hello']['p99_ms']} ms)", "1.00×"),
        *_registration_rows(r["registration_open"], h),
        *_rush_rows(r["rush"], h),
        *_door_and_lag_rows(r, h),
        *pipeline_rows(r),
        *lottery_group_rows(r),
    ]
    for n, x in sorted(r.get("instances", {}).items()):
        rows.append(
            (
                f"rush on {n} registration instance(s): req/s, p99",
                f"{x['rate']:.0f}, p99 {x['p99_ms']} ms (seats {x['seats_taken']})",
                _ratio(x["rate"], h),
            )
        )
    w0, w1 = max(len(a) for a, _, _ in rows), max(len(b) for _, b, _ in rows)
    lines = [f"{a.ljust(w0)}  {b.ljust(w1)}  {c}" for a, b, c in rows]
    lines.insert(1, "-" * (w0 + w1 + 20))
    lines.append(f"\n{r['cores']} cores; gunicorn {r['gunicorn']}; {r['connections']} connections")
    lines.append("RSS by process (MiB): " + ", ".join(f"{k} {v}" for k, v in mem["rss_mib"].items()))
    return "\n".join(lines)


def _registration_rows(open_: dict, h: float) -> list[tuple[str, str, str]]:
    """The registration rate while seats remain, and its CPU."""
    return [
        (
            "registration req/s while seats remain (100k-seat activity)",
            f"{open_['rate']:.0f} (p99 {open_['p99_ms']} ms; backlog drained {open_.get('backlog_drained_s')} s after)",
            _at_least(open_["rate"], h, 0.25),
        ),
        (
            "  CPU per 201 by process (µs), cores in use",
            ", ".join(f"{k} {v}" for k, v in (open_.get("cpu_us_per_201") or {}).items())
            + f"; {open_.get('cores_used')} cores",
            "",
        ),
    ]


def _rush_rows(rush: dict, h: float) -> list[tuple[str, str, str]]:
    """The opening rush, its runs and its answers."""
    runs = rush.get("runs") or [rush]
    st: dict = {}
    for x in runs:
        for k, v in x["status"].items():
            st[k] = st.get(k, 0) + v
    five = sum(v for k, v in st.items() if k.startswith("5") or k == "0")
    return [
        (
            "rush: seats phase req/s (run 1)",
            f"{rush.get('seats_phase', {}).get('rate')}",
            _ratio(rush.get("seats_phase", {}).get("rate"), h),
        ),
        (
            "rush: sold-out answers req/s (run 1)",
            f"{rush.get('sold_out_phase', {}).get('rate')}",
            _at_least(rush.get("sold_out_phase", {}).get("rate"), h, 0.7),
        ),
        ("rush: whole run req/s (run 1)", f"{rush['rate']:.0f}", _ratio(rush["rate"], h)),
        (
            "rush latency p50 / p99 / max ms (run 1)",
            f"{rush['p50_ms']} / {rush['p99_ms']} / {rush['max_ms']}",
            "",
        ),
        (
            f"rush p99 ms, every one of {len(runs)} runs",
            " / ".join(str(x["p99_ms"]) for x in runs),
            "≤ 250 ms each" + _verdict(all(x["p99_ms"] <= 250 for x in runs)),
        ),
        (
            "rush sold-out answers req/s, each run",
            " / ".join(str((x.get("sold_out_phase") or {}).get("rate")) for x in runs),
            "",
        ),
        (
            "seats taken / capacity, each run",
            " / ".join(f"{x['seats']['taken']}/{x['seats']['capacity']}" for x in runs),
            "exactly" + _verdict(all(x["seats"]["taken"] == x["seats"]["capacity"] for x in runs)),
        ),
        (
            f"rush answers, {len(runs)} runs",
            ", ".join(f"{k}: {v}" for k, v in sorted(st.items())),
            f"5xx or failed: {five} (0){_verdict(five == 0)}",
        ),
        (
            "rush client CPU",
            f"{rush['client_cpu_s']} s ({rush['client_cpu_share'] * 100:.0f}% of 2 cores)",
            "",
        ),
    ]


def _door_and_lag_rows(r: dict, h: float) -> list[tuple[str, str, str]]:
    """The door, the notification hand-off and the memory."""
    door, lag, mem = r["door"], r["notification_lag"], r["memory"]
    return [
        (
            "door verdicts/s (10 gates)",
            f"{door['rate']:.0f} (p99 {door['p99_ms']} ms)",
            f"{_ratio(door['rate'], h)}; p99 ≤ 50 ms{_verdict(door['p99_ms'] <= 50)}",
        ),
        ("door answers", ", ".join(f"{k}: {v}" for k, v in door["status"].items()), ""),
        (
            "registration → SMS hand-off p50/p95/p99 ms (8/s)",
            f"{lag.get('p50_ms')} / {lag.get('p95_ms')} / {lag.get('p99_ms')} ({lag.get('sent')} sent for {lag.get('events')} events)",
            "p95 ≤ 1000 ms" + _verdict(lag.get("p95_ms") is not None and lag["p95_ms"] <= 1000),
        ),
        (
            "whole-stack RSS at start / at the end",
            f"{(r.get('memory_at_start') or {}).get('total_mib')} / {mem['total_mib']} MiB",
            "≤ 1024 MiB" + _verdict(mem["total_mib"] <= 1024),
        ),
    ]


def plot(r: dict, rush_csv: Path, png: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    rows = [
        (int(x["start_us"]), int(x["latency_us"]), int(x["status"])) for x in csv.DictReader(open(rush_csv))
    ]
    if not rows:
        return
    bucket = 100_000  # 100 ms
    end = max(s + l for s, l, _ in rows)
    n = end // bucket + 1
    done_201, done_409, p99 = [0] * n, [0] * n, [0.0] * n
    lat_by: list[list[float]] = [[] for _ in range(n)]
    for s, l, st in rows:
        b = (s + l) // bucket
        if st == 201:
            done_201[b] += 1
        elif st == 409:
            done_409[b] += 1
        lat_by[b].append(l / 1000)
    for i, ls in enumerate(lat_by):
        if ls:
            ls.sort()
            p99[i] = ls[min(len(ls) - 1, int(0.99 * len(ls)))]
    t = [i * bucket / 1e6 for i in range(n)]
    fig, (a1, a2) = plt.subplots(2, 1, figsize=(9, 6), sharex=True)
    a1.plot(t, [x * 10 for x in done_201], label="201 (confirmed or waitlisted)")
    a1.plot(t, [x * 10 for x in done_409], label="409 sold_out")
    a1.axhline(r["hello"]["rate"], color="grey", linestyle="--", label="H (hello-world)")
    a1.set_ylabel("answers/s (100 ms buckets)")
    a1.legend(loc="upper right")
    a1.set_title(
        f"Opening rush: {len(rows)} attempts at {r['rush']['seats']['capacity']} seats, "
        f"{r['connections']} connections"
    )
    a2.plot(t, p99, color="tab:red", label="p99 latency")
    a2.set_ylabel("ms")
    a2.set_xlabel("seconds since the rush began")
    a2.legend(loc="upper right")
    fig.tight_layout()
    fig.savefig(png, dpi=110)
