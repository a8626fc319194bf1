"""The crowd phase of bench/queue.py: ``people`` verified phones join a queued activity, the
queue is released, GET …/queue/me's capacity is measured closed loop, then everyone polls at the
interval the service can hold while the admitted register at the admission pace with their tokens.

What is not the verified-phone flow (said in docs/queue.md, "Measured"): the sessions are seeded
as the SMS code check opens them (bench.fixtures.seed_sessions); all but ``HTTP_JOINS`` places
are taken by the queue's own ``queue_join.lua``, called as ``QueueStore.join`` calls it but
pipelined; the admitted people's tokens are minted with the queue's own ``token.issue`` and the
stack's key ring, as their status answer mints them (so their registration lines can be written
before the phase). The polls and the registrations go through HTTP, the real gunicorn service and
the load generator.
"""

from __future__ import annotations

import json
import math
import os
import random
import threading
import time
from datetime import datetime, timedelta

import requests

from bench import loadgen
from bench.fixtures import TZ, activity
from bench.stack_cpu import summarize
from services.registration.access.fair import owner_ref
from services.registration.queue import rules, token
from services.registration.queue.store import QueueKeys, QueueStore
from services.registration.seats.store import SeatStore
from shared import keyfile
from shared.tickets import KeyRing

CROWD_CONNECTIONS, REG_CONNECTIONS = 256, 64
JOINS_PER_S = 100  # a pessimistic join rate over HTTP: the release is set after the joins should be done
HTTP_JOINS = 3_000  # joins made over HTTP; the rest through the queue's store function
HOLD_SHARE = float(os.environ.get("BENCH_QUEUE_HOLD_SHARE", "0.25"))  # of the polls' capacity
STATUS_SAMPLE = 10_000  # GET …/queue/me answered closed loop: the service's capacity for polls


def reg_lines(
    aid: str, people: list[tuple[str, str]], seed: int, tokens: list[str] | None = None
) -> list[str]:
    """One registration per person (phone, bearer), parties of 1-4, with an X-Queue-Token or not."""
    rng = random.Random(seed)
    out = []
    for i, (phone, bearer) in enumerate(people):
        body = json.dumps(
            {"name": "排队", "phone": phone, "party_size": rng.randint(1, 4)}, ensure_ascii=False
        )
        line = f"POST /api/v1/activities/{aid}/registrations {body}\tAuthorization: Bearer {bearer}"
        out.append(line + (f"\tX-Queue-Token: {tokens[i]}" if tokens else ""))
    return out


def paced(lines: list[str], per_s: float, start_s: float = 0.5) -> list[str]:
    """The same request lines, each due at its turn of a steady pace (the load generator's `@<us>`)."""
    return [f"@{int((start_s + i / per_s) * 1e6)} {line}" for i, line in enumerate(lines)]


def polls(lines_per_person: list[str], poll_s: float, duration_s: float) -> list[str]:
    """Every person asks once per ``poll_s``, each at their own phase of the interval (as pages
    opened at different moments do), for ``duration_s``: the steady load of the crowd at that
    interval, whatever its length. Lines in schedule order."""
    n, out = len(lines_per_person), []
    for rnd in range(math.ceil(duration_s / poll_s)):
        for i, line in enumerate(lines_per_person):
            at = rnd * poll_s + i * poll_s / n
            if at < duration_s:
                out.append(f"@{int((0.5 + at) * 1e6)} {line}")
    return out


def five_xx(run: loadgen.Run) -> int:
    return run.count(lambda s: s >= 500 or s == 0)  # 0: a broken connection


def lateness(run: loadgen.Run) -> dict:
    late = sorted(run.late_us or [0])
    return {
        "p50_ms": round(late[len(late) // 2] / 1000, 1),
        "p99_ms": round(late[min(len(late) - 1, int(0.99 * len(late)))] / 1000, 1),
        "max_ms": round(late[-1] / 1000, 1),
    }


def figures(run: loadgen.Run) -> dict:
    created = [s for s in run.samples if s[2] == 201]
    out = dict(summarize(run), five_xx=five_xx(run))
    out["p99_201_ms"] = round(run.percentile(99, created), 2) if created else None
    return out


def queued_activity(bench, aid: str, seats: int, release_in_s: float) -> datetime:
    release = datetime.now(TZ).replace(microsecond=0) + timedelta(seconds=release_in_s)
    doc = activity(aid, seats, timedelta(days=3), waitlist=0)
    doc.update(queue="on", registration_opens_at=release.isoformat())
    bench.create(doc)
    return release


def by_position(bench, aid: str, phones: list[str]) -> list[int]:
    """The indexes of ``phones`` in queue order, read from the queue's keys (who, pos)."""
    secret = keyfile.from_settings(bench.settings, "registration-hmac", "SCIDAY_HMAC_SECRET")
    keys = QueueKeys(bench.settings.redis_prefix)
    who = {k.decode(): v.decode() for k, v in bench.redis.hgetall(keys.who(aid)).items()}
    pos = {k.decode(): int(v) for k, v in bench.redis.hgetall(keys.pos(aid)).items()}
    placed = [
        (pos[who[owner_ref(secret, p)]], i) for i, p in enumerate(phones) if owner_ref(secret, p) in who
    ]
    return [i for _p, i in sorted(placed)]


def join(bench, aid: str, release_ms: int, phones: list[str], bearers: list[str], over_http: int) -> dict:
    """The first ``over_http`` join over HTTP (the figures of a join storm); the rest through the
    queue's own script, called as ``QueueStore.join`` calls it but pipelined, which makes 50,000
    places in seconds on a shared machine instead of minutes (one by one took 2 minutes at load
    15, and the release came before they were all in)."""
    secret = keyfile.from_settings(bench.settings, "registration-hmac", "SCIDAY_HMAC_SECRET")
    store = QueueStore(bench.redis, bench.settings)
    opened = requests.get(f"http://{bench.addr}/api/v1/activities/{aid}/queue", timeout=30)  # opens it
    assert opened.status_code == 200, opened.text
    t0, k = time.monotonic(), store.keys
    times = (release_ms, rules.opens_ms(release_ms, bench.settings.queue_window_min))
    for start in range(over_http, len(phones), 1000):  # queue_join.lua as QueueStore.join calls it, pipelined
        pipe = bench.redis.pipeline(transaction=False)
        for phone in phones[start : start + 1000]:
            ref = owner_ref(secret, phone)
            store.scripts.queue_join(
                keys=[k.queue(aid), k.who(aid), k.pre(aid), k.pos(aid), k.mine(ref)],
                args=[int(time.time() * 1000), ref, rules.new_queue_id(), aid, store.lease_ms, *times],
                client=pipe,
            )
        assert all(r[0] != b"refused" for r in pipe.execute()), "queue_join.lua refused a bench join"
    direct_s = time.monotonic() - t0
    run = loadgen.run(
        bench.addr,
        [f"POST /api/v1/activities/{aid}/queue\tAuthorization: Bearer {b}" for b in bearers[:over_http]],
        REG_CONNECTIONS,
        bench.work / "bq-joins.csv",
    )
    return dict(
        summarize(run), five_xx=five_xx(run), by_store=len(phones) - over_http, by_store_s=round(direct_s, 1)
    )


def admitted_lines(bench, aid: str, phones: list[str], bearers: list[str], n: int) -> list[str]:
    """The first ``n`` places' registrations, in queue order, each with its admission token."""
    order = by_position(bench, aid, phones)[:n]
    ring = KeyRing.load_or_create(bench.settings.keys_dir)
    secret = keyfile.from_settings(bench.settings, "registration-hmac", "SCIDAY_HMAC_SECRET")
    exp = int(time.time()) + 600
    passes = [token.issue(ring, aid, owner_ref(secret, phones[i]), exp) for i in order]
    return reg_lines(aid, [(phones[i], bearers[i]) for i in order], 30, passes)


def status_capacity(bench, aid: str, me: list[str]) -> dict:
    """Closed loop: how many GET …/queue/me the service answers per second (distinct people)."""
    return bench.closed_loop(me[:STATUS_SAMPLE], CROWD_CONNECTIONS, "bq-status")


def crowd(
    bench, people: int, seats: int, rate_per_min: int, n_regs: int, poll_s: int, duration_s: int
) -> dict:
    aid = "bq-crowd"
    phones = [f"1{8_300_000_000 + i:010d}" for i in range(people)]
    bearers = bench.sessions(phones)
    over_http = min(people, HTTP_JOINS)
    release = queued_activity(bench, aid, seats, 20 + people / 3000 + over_http / JOINS_PER_S)
    out: dict = {"joins": join(bench, aid, int(release.timestamp() * 1000), phones, bearers, over_http)}
    time.sleep(max(0.0, (release - datetime.now(TZ)).total_seconds() + 0.2))
    t0 = time.monotonic()
    public = requests.get(f"http://{bench.addr}/api/v1/activities/{aid}/queue", timeout=120).json()
    out["release"] = {
        "first_answer_s": round(time.monotonic() - t0, 3),
        "released_n": public.get("released_n"),
    }
    regs = admitted_lines(bench, aid, phones, bearers, n_regs)
    me = [f"GET /api/v1/activities/{aid}/queue/me\tAuthorization: Bearer {b}" for b in bearers]
    random.Random(5).shuffle(me)
    out["status_capacity"] = capacity = status_capacity(bench, aid, me)
    # the interval the crowd is held at: its polls at most HOLD_SHARE of what the service answers
    held_s = max(poll_s, math.ceil(people / (HOLD_SHARE * capacity["rate"])))
    out |= {"poll_s": poll_s, "asked_per_s_at_poll_s": round(people / poll_s, 1), "held_poll_s": held_s}
    out["hold_share"] = HOLD_SHARE
    got: dict = {}

    def register():
        got["run"] = loadgen.run(
            bench.addr, paced(regs, rate_per_min / 60), REG_CONNECTIONS, bench.work / "bq-regs.csv"
        )

    t = threading.Thread(target=register)
    t.start()
    crowd_run = loadgen.run(
        bench.addr, polls(me, held_s, duration_s), CROWD_CONNECTIONS, bench.work / "bq-polls.csv"
    )
    t.join()
    out["asked_per_s"] = round(people / held_s, 1)
    out["polls"] = dict(summarize(crowd_run), five_xx=five_xx(crowd_run))
    out["polls_late"] = lateness(crowd_run)
    out["registration"] = figures(got["run"])
    out["five_xx"] = sum(out[k]["five_xx"] for k in ("polls", "registration", "joins", "status_capacity"))
    found = SeatStore(bench.redis, bench.settings).get_activity(aid)
    out["taken"] = int(found[1]["taken"]) if found else None
    return out
