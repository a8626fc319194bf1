"""A lottery group of 10 sessions and 100,000 entries end to end on real Redis (issue 27, item 4):
the entry Lua (pipelined), the freeze, both rounds' draws, settling into registrations, and the
outcome events, counted per (entry, round).

``python -m bench.lottery_group_stack`` runs it on an embedded redis-server and counts the events in
the outbox; ``make bench`` runs it on the stack's Redis and counts them on the lottery-events topic
after the relay moved them. The engine's own use cases and adapters run (groups.py, group_store.py,
rounds_settle.py); only the clock is passed (``now``) and the beacon is two recorded quicknet rounds,
verified as the draw verifies any (``RecordedPair``). Times are reported against ``TARGETS_S``
(bench/README.md), never asserted; the counts are.
"""

from __future__ import annotations

import json
import os
import random
import secrets
import time
from collections import Counter
from collections.abc import Callable
from datetime import timedelta

from bench.fixtures import activity
from bench.lottery_group import ENTRIES, UNCONFIRMED, group_entries, group_sessions
from bench.lottery_group_rig import PipelinedScripts, RecordedPair, RedisSteps
from bench.lottery_told import outbox_envelopes, told_cursor, told_per_round, topic_envelopes
from services.registration import vocabulary as v
from services.registration.lottery import draw as lot
from services.registration.lottery import groups, merkle, public_v2, receipts, rounds, rounds_settle
from services.registration.lottery import specification_v2 as v2
from services.registration.lottery.group_rounds_store import GroupRoundsStore

# Seconds of wall time on this 2-core machine (bench/README.md, issue 27).
TARGETS_S = {
    "enter": 120.0,  # 100,000 entries through group_enter.lua, pipelined
    "freeze": 15.0,  # group_freeze.lua, read the entries, commit the frozen set and its root
    "round_1": 120.0,  # draw, settle into registrations, tell every party (rounds_settle.step)
    "round_2": 120.0,  # the same for round 2, the waitlist after it
    "whole": 300.0,  # the freeze, and the draws, settling and telling of both rounds
}
CHUNK = 2000  # entries per pipelined round trip


def make_sessions(client, org: dict, capacities: dict[str, int]) -> None:
    """The group's sessions as lottery activities, 10 days ahead (so round 2 is 7 days before)."""
    for aid, cap in capacities.items():
        doc = dict(activity(aid, cap, timedelta(days=10), waitlist=0), allocation=v.LOTTERY)
        r = client.post("/api/v1/activities", json=doc, headers=org)
        assert r.status_code == 201, r.get_json()


def _record(gid: str, i: int, public: dict, opens_at: float) -> dict:
    nonce = secrets.token_hex(32)
    public["tag"] = v2.tag(nonce)  # the entrant's own nonce, as groups.enter makes it
    return {
        "name": "摇号",
        "phone": f"1{5_100_000_000 + i:010d}",
        "email": None,
        "party_size": public["party_size"],
        "owner_ref": f"bench-owner-{i}",
        "public": public,
        "nonce": nonce,
        "entered_at": int(opens_at + public["hour"] * 3600 + 60),
        "holders": [f"phone:bench-{gid}-{i}"],
        "locale": "zh-CN",
        "token": secrets.token_urlsafe(16),
        "manage_url": "http://127.0.0.1/me",
    }


def enter_all(eng, gid: str, publics: list[dict], opens_at: float, now: float) -> tuple[Counter, dict]:
    """Every entry through group_enter.lua, ``CHUNK`` a round trip: the scripts' answers counted,
    and each entry's token (what its entrant fetches the proof with)."""
    store, answers, tokens = eng.groups, Counter[str](), {}
    real = store.scripts
    try:
        for base in range(0, len(publics), CHUNK):
            pipe = store.redis.pipeline(transaction=False)
            store.scripts = PipelinedScripts(real, pipe)
            for i in range(base, min(base + CHUNK, len(publics))):
                entry = _record(gid, i, publics[i], opens_at)
                store.add_entry(gid, entry, entry["holders"], publics[i]["choices"][0], now)
                tokens[publics[i]["entry_id"]] = entry["token"]
            answers.update(json.loads(raw)["status"] for raw in pipe.execute())
    finally:
        store.scripts = real
    return answers, tokens


def open_group(eng, gid: str, aids: list[str], now: float) -> dict:
    """Open the group (entries open for the 72 hours before ``now`` and one more), round 2 a week
    before the sessions. The recorded rounds are old, so round 2's time is set as a live beacon
    would give it: 3 s after its freeze."""
    groups.open_group(eng, gid, aids, opens_at=now - 72 * 3600 - 60, closes_at=now + 3600,
                      draw_at=now + 3600 + 3, confirm_hours=24, rounds=2)  # fmt: skip
    meta = eng.groups.meta(gid)
    freezes = json.loads(meta["freezes"])
    assert len(freezes) == 2, "the sessions start too soon for a second round"
    eng.groups.redis.hset(eng.groups.k("", gid), "round2_at", str(freezes[1] + 3))
    return {"opens_at": float(meta["opens_at"]), "closes_at": float(meta["closes_at"]),
            "draw_at": float(meta["draw_at"]), "round2_at": freezes[1] + 3}  # fmt: skip


def confirm_most(rs: GroupRoundsStore, gid: str, now: float, rng: random.Random) -> int:
    """Round 1's winners confirm (draw.confirm), all but ``UNCONFIRMED`` of them: their seats
    are forfeited at the deadline and shared in round 2."""
    first = rs.round(gid, 1)
    assert first is not None
    done = 0
    for eid, aid in sorted(first.wins.items()):
        if rng.random() >= UNCONFIRMED:
            lot.confirm(rs.v1, aid, eid, now=now)
            done += 1
    return done


def sample_proofs(eng, gid: str, entry_ids: list[str], tokens: dict[str, str]) -> dict:
    """Inclusion proofs as entrants fetch them (groups.proof, timed), then each checked."""
    start = time.perf_counter()
    proofs = [groups.proof(eng, gid, eid, token=tokens[eid]) for eid in entry_ids]
    each = (time.perf_counter() - start) / max(1, len(entry_ids))
    frozen = {e["entry_id"]: e for e in eng.groups.frozen(gid) or []}
    key, ok = eng.signer.public_key_hex(), 0
    for p in proofs:
        path = [bytes.fromhex(h) for h in p["path"]]
        root = bytes.fromhex(p["merkle_root"])
        leaf = v2.leaf(frozen[p["entry_id"]])
        ok += merkle.included(leaf, p["leaf_index"], p["tree_size"], path, root) and receipts.check(p, key)
    return {"sampled": len(entry_ids), "valid": ok, "each_s": round(each, 3)}


def measure(app, redis, settings, *, entries: int = ENTRIES, sessions: int = 10, seed: int = 27,
            envelopes: Callable[[str], list[dict]] | None = None) -> dict:  # fmt: skip
    """The group end to end on ``app``'s Redis; ``envelopes(gid)``: the told events as read where
    they go (default: the outbox, for a Redis no relay drains)."""
    from services.registration.bootstrap import ports as ports_of
    from services.registration.lottery import group_edge
    from shared.auth import create_token

    rng, now = random.Random(seed), time.time()
    gid = f"bench-group-{secrets.token_hex(3)}"
    capacities = {f"{gid}-{a}": c for a, c in group_sessions(sessions, rng).items()}
    org = {"Authorization": "Bearer " + create_token(redis, settings.redis_prefix, "organizer", "bench")}
    make_sessions(app.test_client(), org, capacities)
    publics = group_entries(entries, list(capacities), rng)
    steps, load_before = RedisSteps(redis), os.getloadavg()
    with app.app_context():
        ports = ports_of()
        ports.beacon = RecordedPair()
        eng = group_edge.engine()
        times = open_group(eng, gid, list(capacities), now)
        answers, tokens = steps.run("enter", lambda: enter_all(eng, gid, publics, times["opens_at"], now))
        steps.run("freeze", lambda: groups.freeze(eng, gid, times["closes_at"] + 1))
        proofs = sample_proofs(eng, gid, sorted(tokens)[:: max(1, entries // 10)][:10], tokens)
        rs = GroupRoundsStore(redis, settings)
        chunk = settings.lottery_publish_chunk
        steps.run(
            "round_1", lambda: rounds_settle.step(ports, rs, gid, now=times["draw_at"] + 1, chunk=chunk)
        )
        steps.run("confirm", lambda: confirm_most(rs, gid, times["draw_at"] + 60, rng))
        steps.run(
            "round_2", lambda: rounds_settle.step(ports, rs, gid, now=times["round2_at"] + 1, chunk=chunk)
        )
        doc = steps.run("public_draw", lambda: rounds.public_draw(ports, rs, gid))
        seated = {aid: rs.held(aid) for aid in capacities}
        handed = len(rs.handed(gid))
    problems = steps.run("check", lambda: public_v2.check(doc, allow_recorded=True))
    for figures in (steps.wall, steps.cpu, steps.redis_cpu):  # what the service does after the close
        figures["whole"] = round(sum(figures[k] for k in ("freeze", "round_1", "round_2")), 3)
    told = told_per_round((envelopes or (lambda _g: outbox_envelopes(redis, rs.v1.outbox)))(gid), gid)
    return {
        "group_id": gid,
        "entries": entries,
        "entered": dict(answers),
        "wall_s": steps.wall,
        "cpu_s": steps.cpu,
        "redis_cpu_s": steps.redis_cpu,
        "targets_s": TARGETS_S,
        "proof_each_s": proofs["each_s"],
        "proofs_sampled_valid": f"{proofs['valid']}/{proofs['sampled']}",
        "every_proof_s_estimate": round(proofs["each_s"] * entries),
        "wins": [len(r["wins"]) for r in doc["rounds"]],
        "waitlist": len(doc["waitlist"]),
        "seats_held": sum(seated.values()),
        "capacity": sum(capacities.values()),
        "check_problems": problems[:5],
        "told": told,
        "to_tell": to_tell(doc, handed),
        "load_average": [round(x, 1) for x in (*load_before, *os.getloadavg())],
    }


def to_tell(doc: dict, handed: int) -> dict[str, int]:
    """Whom each round must tell once: every party it drew (won or not); then, as round
    ``rounds + 1``, each party seated from the waitlist."""
    out = {str(r["round"]): len(r["order"]) for r in doc["rounds"]}
    if handed:
        out[str(len(doc["rounds"]) + 1)] = handed
    return out


def rows(r: dict) -> list[tuple[str, str, str]]:
    """The table's rows: each step beside its target; the counts beside what they must be."""
    out = []
    for name, wall in r["wall_s"].items():
        target = r["targets_s"].get(name)
        met = "" if target is None else f"≤ {target} s" + ("  met" if wall <= target else "  NOT met")
        out.append(
            (
                f"group end to end {r['entries']:,}: {name}",
                f"{wall} s (CPU {r['cpu_s'][name]} s, Redis {r['redis_cpu_s'].get(name)} s)",
                met,
            )
        )
    t = r["told"]
    once = t["told_twice_or_more"] == 0 and t["per_round"] == r["to_tell"]
    out += [
        (
            "group end to end: one proof (groups.proof)",
            f"{r['proof_each_s']} s; every proof ~{r['every_proof_s_estimate']:,} s",
            f"sampled proofs valid {r['proofs_sampled_valid']}",
        ),  # fmt: skip
        (
            "group end to end: wins per round, waitlist, seats",
            f"{r['wins']}, {r['waitlist']}, {r['seats_held']}/{r['capacity']}",
            f"check problems {len(r['check_problems'])}",
        ),  # fmt: skip
        (
            "group end to end: outcome events per (entry, round)",
            f"{t['events']:,} events, {t['pairs']:,} pairs {t['per_round']}",
            f"told twice or more: {t['told_twice_or_more']} (0), per round as drawn {r['to_tell']}"
            + ("  met" if once else "  NOT met"),
        ),  # fmt: skip
    ]
    return out


def main() -> None:
    import sys
    import tempfile
    from pathlib import Path

    from bench.rig import bench_settings
    from sciday import embedded
    from services.registration.app import create_app
    from shared.redis_scripts import connect

    work = Path(tempfile.mkdtemp(prefix="sciday-group-"))
    port = embedded.free_port()
    proc = embedded.start_redis(port, work / "redis", work / "redis.log")
    try:
        settings = bench_settings(f"redis://127.0.0.1:{port}/0", work)
        redis = connect(settings.redis_url, socket_timeout=120)
        n = int(sys.argv[1]) if len(sys.argv) > 1 else ENTRIES
        r = measure(create_app(settings), redis, settings, entries=n)
        for a, b, c in rows(r):
            print(f"{a.ljust(56)}  {b.ljust(44)}  {c}")
        assert r["told"]["per_round"] == r["to_tell"] and not r["told"]["told_twice_or_more"], r["told"]
        stamp = time.strftime("%Y%m%dT%H%M%SZ", time.gmtime())
        out = Path(__file__).parent / "results" / f"lottery-group-redis-{stamp}.json"
        out.write_text(json.dumps(r, indent=2, ensure_ascii=False))
        print(f"JSON: {out}")
    finally:
        embedded.stop(proc)


if __name__ == "__main__":
    main()


def on_stack(stack, entries: int = ENTRIES) -> dict:
    """The group end to end on the running stack's Redis, with an in-process registration app over
    the same settings; the events counted on the topic after the stack's relay moved them."""
    from services.registration.app import create_app
    from shared.redis_scripts import connect

    settings = stack.settings()
    redis = connect(settings.redis_url, socket_timeout=120)
    waited: dict = {}

    def envelopes(gid: str) -> list[dict]:
        start = time.perf_counter()
        got = topic_envelopes(settings, gid, told_cursor(redis, settings, gid))
        waited["s"] = round(time.perf_counter() - start, 2)
        return got

    r = measure(create_app(settings), redis, settings, entries=entries, envelopes=envelopes)
    r["topic_wait_s"] = waited.get("s")  # until the relay had moved every told event
    return r
