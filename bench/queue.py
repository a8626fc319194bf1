"""The crowd in front of a release (issue 28, point 5): `make bench` runs it on a stack of its own
(`--no-queue` to skip); `python -m bench.queue` runs it alone.

Three phases, each on a fresh activity, each after the stack settled:

1. **sustained**: the rate the registration path sustains, closed loop (64 connections, 201s
   only, every person with a verified session of their own). SCIDAY_QUEUE_RATE_PER_MIN's default
   is taken from this figure (docs/queue.md, "Measured").
2. **alone**: the crowd phase's registrations (as many, the same parties, the same pace: the
   admission rate, paced by the load generator's `@<us>` lines, at as many seats) at an activity
   without a queue, with nobody waiting: the p99 to compare with.
3. **crowd** (bench/queue_crowd.py): ``people`` verified phones join the queue of a
   ``seats``-seat activity, the queue is released, GET …/queue/me's capacity is measured closed
   loop, and everyone polls at the beat the server gives pages (queue/rules.py ``poll_s``: the
   heartbeat, or people / SCIDAY_QUEUE_POLLS_PER_S when longer; what they would ask at ``poll_s``
   is printed beside it), while the admitted register at phase 2's pace with
   their admission tokens. Reported: 5xx (target 0), the polls'
   p99 and how late they left, and the registration p99 beside phase 2's (target: ratio ~1).
"""

from __future__ import annotations

import json
import os
import tempfile
from datetime import UTC, datetime, timedelta
from pathlib import Path

import requests

from bench import loadgen, queue_crowd
from bench.fixtures import activity, registrations, seed_sessions
from bench.queue_crowd import five_xx, paced, reg_lines
from bench.stack_cpu import cpu_by_name, idle_cpu, processes_by_name, settle, summarize
from sciday import embedded
from sciday.stack import Stack, StackOptions
from shared.auth import create_token
from shared.redis_scripts import connect

PEOPLE, SEATS, CONNECTIONS = 50_000, 300, 64
CROWD_S = 40  # the crowd polls for this long after the release, steadily
SUSTAINED_PEOPLE = 6_000
# The load generator's address is the one client: the per-address and per-phone limits would
# turn the crowd into 429s (as in the other scenarios, bench/__main__.BENCH_ENV).
ENV = {
    "SCIDAY_RATE_LIMIT_IP_PER_MIN": "0",
    "SCIDAY_RATE_LIMIT_PHONE_PER_MIN": "0",
    "SCIDAY_RATE_LIMIT_TOKEN_PER_MIN": "0",
}


def _stack(work: Path, env: dict[str, str]) -> Stack:
    opts = StackOptions(
        var_dir=work / "var-queue",
        redis_port=embedded.free_port(),
        kafka_port=embedded.free_port(),
        registration_port=embedded.free_port(),
        checkin_port=embedded.free_port(),
        notify_port=embedded.free_port(),
        seed=False,
        extra_env=env,
        background_nice=10,  # as `sciday up` runs the pipeline
    )
    return Stack(opts, out=open(work / "stack-queue.out", "w"))


class Bench:
    """The stack, its organizer and the Redis the people's sessions are seeded into."""

    def __init__(self, stack: Stack, work: Path):
        self.stack, self.work = stack, work
        self.settings = stack.settings()
        self.redis = connect(self.settings.redis_url)
        self.port = stack.opts.registration_port
        self.addr = f"127.0.0.1:{self.port}"
        self.org = create_token(self.redis, self.settings.redis_prefix, "organizer", "bench-queue")

    def create(self, doc: dict) -> None:
        r = requests.post(
            f"http://{self.addr}/api/v1/activities",
            json=doc,
            headers={"Authorization": f"Bearer {self.org}"},
            timeout=10,
        )
        assert r.status_code == 201, r.text

    def sessions(self, phones: list[str]) -> list[str]:
        return seed_sessions(self.redis, self.settings.redis_prefix, phones)

    def sustained(self) -> dict:
        """Closed loop: how many registrations per second the path answers with nobody waiting."""
        self.create(activity("bq-sustained", 100_000, timedelta(days=3), waitlist=0))
        reqs = registrations(
            "bq-sustained", SUSTAINED_PEOPLE, 8_100_000_000, 28, (self.redis, self.settings.redis_prefix)
        )
        return self.closed_loop(reqs, CONNECTIONS, "bq-sustained")

    def closed_loop(self, reqs: list[str], conns: int, name: str) -> dict:
        """A closed-loop run with the stack's CPU per answer (every process: what the load around
        it does not change much), and the rate two cores would give at that cost."""
        named = processes_by_name(self.stack)
        cpu0 = cpu_by_name(named)
        run = loadgen.run(self.addr, reqs, conns, self.work / f"{name}.csv")
        used = {k: v - cpu0[k] for k, v in cpu_by_name(named).items()}
        n, total = len(run.samples), sum(used.values())
        out = dict(summarize(run), five_xx=five_xx(run), load=os.getloadavg()[0])
        out["cpu_us_per_answer"] = round(total / n * 1e6)
        out["cpu_us_by_process"] = {k: round(v / n * 1e6) for k, v in used.items() if v > 0.05}
        out["two_cores_rate"] = round(2 * n / total, 1) if total else None
        return out

    def alone(self, rate_per_min: int, n: int, seats: int) -> dict:
        """The crowd phase's registrations (as many, the same parties, the same pace, the same
        seats), at an activity without a queue and with nobody waiting."""
        self.create(activity("bq-alone", seats, timedelta(days=3), waitlist=0))
        phones = [f"1{8_200_000_000 + i:010d}" for i in range(n)]
        reqs = reg_lines("bq-alone", list(zip(phones, self.sessions(phones))), 30)
        run = loadgen.run(self.addr, paced(reqs, rate_per_min / 60), CONNECTIONS, self.work / "bq-alone.csv")
        return queue_crowd.figures(run)


def recommend_rate(sustained_per_s: float, share: float = 0.5) -> int:
    """SCIDAY_QUEUE_RATE_PER_MIN from the sustained rate: half of it, so the admitted people's
    registrations leave the other half of the path to the polls, retries and everyone else."""
    return int(sustained_per_s * share * 60 // 100 * 100)


def run(work: Path, people: int = PEOPLE, seats: int = SEATS, rate_per_min: int | None = None) -> dict:
    stack = _stack(work, ENV)
    out: dict = {"people": people, "seats": seats}
    try:
        stack.start()
        assert stack.wait_healthy(90), stack.status_table()
        bench = Bench(stack, work)
        idle = idle_cpu(stack)
        loadgen.run(bench.addr, ["GET /api/v1/activities"] * 2000, CONNECTIONS, work / "bq-warm.csv")
        print(f"queue: the registration path's sustained rate ({SUSTAINED_PEOPLE} people)…", flush=True)
        out["sustained"] = bench.sustained()
        settle(stack, idle)
        rate = rate_per_min or recommend_rate(out["sustained"]["rate"])
        out["rate_per_min"] = rate
        out["recommended_rate_per_min"] = recommend_rate(out["sustained"]["rate"])
        n = max(seats, int(rate / 60 * 20))  # 20 s of admissions, at least the seats
        print(f"queue: {n} registrations at {rate}/min, nobody waiting…", flush=True)
        out["alone"] = dict(bench.alone(rate, n, seats), load=os.getloadavg()[0])
        settle(stack, idle)
        poll_s = bench.settings.queue_poll_s
        print(f"queue: {people} people polling every {poll_s} s for {seats} seats…", flush=True)
        out["crowd"] = dict(
            queue_crowd.crowd(bench, people, seats, rate, n, poll_s, CROWD_S), load=os.getloadavg()[0]
        )
    finally:
        stack.stop()
    return out


def lines(d: dict) -> list[str]:
    """The figures beside their targets."""
    s, a, c = d["sustained"], d["alone"], d["crowd"]
    ratio = c["registration"]["p99_ms"] / a["p99_ms"] if a["p99_ms"] else float("nan")
    cap, j = c["status_capacity"], c["joins"]
    return [
        f"queue: registration path sustains {s['rate']}/s closed loop (p99 {s['p99_ms']} ms; "
        f"{s.get('cpu_us_per_answer')} µs of stack CPU each: {s.get('two_cores_rate')}/s on 2 idle cores) -> "
        f"SCIDAY_QUEUE_RATE_PER_MIN {d['recommended_rate_per_min']} (half of it); run at {d['rate_per_min']}/min",
        f"queue: {j['requests']} joins over HTTP at {j['rate']}/s (p99 {j['p99_ms']} ms), {j['by_store']} by the "
        f"store function; released {c['release']['released_n']}, first answer after it {c['release']['first_answer_s']} s",
        f"queue: GET …/queue/me answers {cap['rate']}/s closed loop (p99 {cap['p99_ms']} ms; "
        f"{cap.get('cpu_us_per_answer')} µs of stack CPU each: {cap.get('two_cores_rate')}/s on 2 idle cores): "
        f"{d['people']} people "
        f"at poll_s {c['poll_s']} ask {c['asked_per_s_at_poll_s']}/s; held at poll_s {c['held_poll_s']}",
        f"queue: the crowd at poll_s {c['held_poll_s']}: {c['polls']['requests']} polls, {c['polls']['rate']}/s "
        f"(asked {c['asked_per_s']}/s), p99 {c['polls']['p99_ms']} ms, left late p99 {c['polls_late']['p99_ms']} ms",
        f"queue: 5xx {c['five_xx'] + s['five_xx'] + a['five_xx']} (target 0)",
        f"queue: registrations of the admitted at {d['rate_per_min']}/min: p99 {c['registration']['p99_ms']} ms "
        f"under the crowd, {a['p99_ms']} ms without it: {ratio:.2f}x (target ~1.0x); seats {c['taken']}/{d['seats']}",
        f"queue: the 201s alone: p99 {c['registration']['p99_201_ms']} ms under the crowd, {a['p99_201_ms']} ms "
        f"without it: {c['registration']['p99_201_ms'] / a['p99_201_ms']:.2f}x",
    ]


if __name__ == "__main__":
    import argparse

    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument("people", type=int, nargs="?", default=PEOPLE, help=f"queued people ({PEOPLE:,})")
    people = parser.parse_args().people
    loadgen.build()
    result = run(Path(tempfile.mkdtemp(prefix="sciday-queue-")), people=people)
    print("\n".join(lines(result)))
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    saved = Path(__file__).parent / "results" / f"queue-{stamp}.json"
    saved.write_text(json.dumps(result, indent=2, ensure_ascii=False))
    print(f"JSON: {saved}")
